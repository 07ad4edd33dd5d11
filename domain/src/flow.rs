//! The hosted flow's vocabulary, shared by the engine that decides and the pages that show it:
//! the groups steps are made of, why a field was refused, why a flow cannot go on.

use serde::{Deserialize, Serialize};

use crate::fields::FieldPath;

/// The groups collection steps are made of, in the order they are asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepGroup {
    PersonalDetails,
    Address,
    Contact,
    GovernmentId,
    Selfie,
    ProofOfAddress,
    Other,
}

impl StepGroup {
    /// The group a field's key belongs to.
    pub fn of(key: &FieldPath) -> Self {
        let key = key.as_str();
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| key.starts_with(p));
        if starts(&["proof-of-address"]) {
            Self::ProofOfAddress
        } else if starts(&["selfie"]) {
            Self::Selfie
        } else if starts(&["government-id", "identification-", "expiration-date", "id-"]) {
            Self::GovernmentId
        } else if starts(&["address"]) {
            Self::Address
        } else if starts(&["phone", "email"]) {
            Self::Contact
        } else if starts(&["name", "birthdate", "date-of-birth", "nationality"]) {
            Self::PersonalDetails
        } else {
            Self::Other
        }
    }
}

/// Why a submitted field was refused; the page words it in the user's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldProblem {
    Required,
    /// The value does not fit the field's type (a date, a number, one of the choices).
    Invalid,
    InvalidEmail,
    InvalidPhone,
    /// Not a PNG, JPEG or PDF, or over 10 MiB.
    UnsupportedFile,
}

impl FieldProblem {
    const ALL: [Self; 5] = [
        Self::Required,
        Self::Invalid,
        Self::InvalidEmail,
        Self::InvalidPhone,
        Self::UnsupportedFile,
    ];

    /// The code carried in a URL (`problem[<key>]=<code>`) after a form post without JavaScript.
    pub fn code(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Invalid => "invalid",
            Self::InvalidEmail => "email",
            Self::InvalidPhone => "phone",
            Self::UnsupportedFile => "file",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// Why a flow cannot go on: each gets its own page saying what to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowError {
    /// Neither or both of `inquiry-template-id` and `inquiry-id`.
    BadParameters,
    UnknownTemplate,
    /// The inquiry id or session token is wrong (or the session was replaced by a resume).
    InvalidSession,
    InquiryExpired,
    TokenUnknown,
    TokenExpired,
    TokenFailed,
    TokenRedeemed,
    /// The connection behind the token is no longer active.
    TokenUnusable,
    RedirectNotAllowed,
    InvalidFieldMappings,
    InvalidPrefill,
    /// The database or the job queue failed; trying again later may work.
    Unavailable,
}

impl FlowError {
    /// A stable code for machines (the widget's `error` message), never a value.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadParameters => "bad-parameters",
            Self::UnknownTemplate => "inquiry-template-not-found",
            Self::InvalidSession => "invalid-session",
            Self::InquiryExpired => "inquiry-expired",
            Self::TokenUnknown => "share-token-not-found",
            Self::TokenExpired => "share-token-expired",
            Self::TokenFailed => "share-token-failed",
            Self::TokenRedeemed => "share-token-already-redeemed",
            Self::TokenUnusable => "connection-not-active",
            Self::RedirectNotAllowed => "redirect-not-allowed",
            Self::InvalidFieldMappings => "invalid-field-mapping",
            Self::InvalidPrefill => "invalid-prefill",
            Self::Unavailable => "unavailable",
        }
    }

    /// The HTTP status that says the same.
    pub fn status(self) -> u16 {
        match self {
            Self::BadParameters
            | Self::RedirectNotAllowed
            | Self::InvalidFieldMappings
            | Self::InvalidPrefill => 400,
            Self::UnknownTemplate | Self::InvalidSession | Self::TokenUnknown => 404,
            Self::TokenRedeemed => 409,
            Self::InquiryExpired | Self::TokenExpired | Self::TokenFailed | Self::TokenUnusable => {
                410
            }
            Self::Unavailable => 503,
        }
    }
}
