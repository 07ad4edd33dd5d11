//! What the dashboard's server functions hand to its pages.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// Why the sign-in page is shown again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInProblem {
    Invalid,
    Throttled,
    CrossSite,
    SignedOut,
    Expired,
}

impl SignInProblem {
    pub fn code(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::Throttled => "throttled",
            Self::CrossSite => "cross-site",
            Self::SignedOut => "signed-out",
            Self::Expired => "expired",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Invalid,
            Self::Throttled,
            Self::CrossSite,
            Self::SignedOut,
            Self::Expired,
        ]
        .into_iter()
        .find(|p| p.code() == code)
    }
}

/// The sign-in page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInView {
    pub lang: Lang,
    /// The `language` parameter to carry along, when one was given.
    pub language: Option<String>,
    pub problem: Option<SignInProblem>,
    /// The form's token, matching the sign-in cookie set with the page.
    pub token: String,
}

/// One row of the share-token list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: String,
    /// `inbound` or `outbound`, from the member's organization's side.
    pub direction: String,
    /// The API's status code (`created`, `redeemed`, …).
    pub status: String,
    pub partner: String,
    /// The API's source type code.
    pub source_type: String,
    pub created_at: String,
    pub expires_at: String,
    pub redeemed_at: Option<String>,
}

/// The signed-in member, as every dashboard page shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub organization: String,
    pub email: String,
    /// The session's CSRF token, carried by every form that changes something.
    pub csrf: String,
}

/// Connect › Share tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensView {
    pub lang: Lang,
    pub language: Option<String>,
    pub member: Member,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// A status code, or `None` for any status.
    pub status: Option<String>,
    pub search: Option<String>,
    pub rows: Vec<TokenRow>,
    /// A search by id found nothing of this organization's.
    pub not_found: bool,
    /// The next page's address, when there is one.
    pub next: Option<String>,
}

/// One share token's page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub lang: Lang,
    pub language: Option<String>,
    pub member: Member,
    pub row: TokenRow,
    /// The destination object's id, once a redemption started.
    pub destination: Option<String>,
    pub failure_code: Option<String>,
    /// What happened, in order: an event code (`created`, `redeeming`, `redeemed`, `failed`,
    /// `expired`) and its time.
    pub timeline: Vec<(String, String)>,
    /// After redemption: field paths by how they were filled.
    pub report: Option<ReportView>,
}

/// A hydration report's paths (its reasons are engine sentences in English: the page shows the
/// paths under translated headings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub by_name: Vec<String>,
    pub by_mapping: Vec<String>,
    pub unset: Vec<String>,
    pub rejected: Vec<String>,
}

/// What a dashboard page shows: its content, a redirect (to sign in), or "not found".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DashboardView {
    Tokens(Box<TokensView>),
    Token(Box<TokenView>),
    NotFound(Lang),
    Redirect(String),
}
