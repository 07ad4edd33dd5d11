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
    /// The Redeem Share Token dialog for this token, when the member's organization can redeem it.
    pub redeem: Option<String>,
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
    /// The Redeem Share Token dialog, when it is open over the list.
    pub redeem: Option<RedeemDialog>,
}

/// A destination kind's code: `inquiry`, `transaction` or `account`.
pub const DESTINATION_KINDS: [&str; 3] = ["inquiry", "transaction", "account"];

/// One of the organization's inquiry templates, transaction types or account types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaChoice {
    /// `inquiry`, `transaction` or `account`.
    pub kind: String,
    pub id: String,
    pub name: String,
}

/// Which part of the dialog is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RedeemTab {
    Destination,
    Mappings,
}

/// Where focus goes as the dialog's page loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RedeemFocus {
    Heading,
    /// A tab that was just chosen.
    Tab,
    /// A mapping row's source field (a row just added, or one that was refused).
    Row(usize),
    Preview,
    Problem,
}

/// Why the dialog could not preview or redeem, in the page's words (see `text::redeem_problem`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RedeemProblem {
    TokenMissing,
    TokenNotFound,
    AlreadyRedeemed,
    Expired,
    Failed,
    ConnectionInactive,
    SchemaMissing,
    /// A row with only one of its two fields filled in.
    MappingIncomplete,
    /// A field name that is not a field path (`name.first`).
    MappingPath,
    NotADestinationField,
    DuplicateDestination,
    TooManyMappings,
    /// The session's form token did not match (an old page, or a form from another site).
    StaleForm,
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

/// One field of an object as its page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRowView {
    pub key: String,
    /// The schema's label, or the key when it has none.
    pub label: String,
    /// The value as text; `None` when unset.
    pub value: Option<String>,
    /// A file: its member-only address and its name.
    pub file: Option<(String, String)>,
}

/// One check of a verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckView {
    pub name: String,
    /// `passed` or `failed`.
    pub status: String,
    pub reasons: Vec<String>,
}

/// A verification's outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationView {
    pub kind: String,
    pub status: String,
    pub checks: Vec<CheckView>,
}

/// A report's outcome: `clear` or `hit`, with the names it matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportResultView {
    pub kind: String,
    pub status: String,
    pub matches: Vec<String>,
}

/// A consent decision the hosted flow recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    pub share_token: String,
    /// `accepted` or `declined`.
    pub decision: String,
    pub text_version: String,
    pub at: String,
}

/// An inquiry's, transaction's or account's page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectView {
    pub lang: Lang,
    pub language: Option<String>,
    pub member: Member,
    /// `inquiry`, `transaction` or `account`.
    pub kind: String,
    pub id: String,
    /// The template's or type's name.
    pub schema: String,
    /// Inquiries: the status code.
    pub status: Option<String>,
    pub reference_id: Option<String>,
    pub created_at: String,
    pub fields: Vec<FieldRowView>,
    /// Inquiries: required fields still without a value.
    pub missing: Vec<String>,
    pub verifications: Vec<VerificationView>,
    pub reports: Vec<ReportResultView>,
    pub consents: Vec<ConsentView>,
    /// What happened to it, in order: an event code (`created`, `completed`, `failed`,
    /// `needs_review`, `reviewed`, `expires`, `expired`) and its time.
    pub timeline: Vec<(String, String)>,
}

/// An API key on the settings page (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    pub id: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A connection on the settings page, with the actions the member's side may take now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRow {
    pub id: String,
    pub partner: String,
    /// `source` (we share with the partner) or `destination` (the partner shares with us).
    pub side: String,
    /// `pending`, `active` or `inactive`.
    pub status: String,
    /// `accept`, `deactivate`, `reactivate`.
    pub actions: Vec<String>,
}

/// One delivery of a webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub event: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub status_code: Option<i64>,
    pub at: String,
    pub error: Option<String>,
}

/// A webhook with its latest deliveries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRow {
    pub id: String,
    pub url: String,
    pub events: String,
    pub status: String,
    pub deliveries: Vec<DeliveryRow>,
}

/// A workflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowRow {
    pub id: String,
    pub name: String,
    pub trigger: String,
    pub status: String,
}

/// A workflow run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    pub id: String,
    pub workflow: String,
    pub status: String,
    /// The object it created: its page and id.
    pub destination: Option<(String, String)>,
    pub error: Option<String>,
    pub at: String,
}

/// What the settings page says after a change (see `text::settings_notice`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettingsNotice {
    KeyCreated,
    KeyRevoked,
    OriginAdded,
    OriginRemoved,
    OriginInvalid,
    ConnectionRequested,
    ConnectionUpdated,
    ConnectionRefused,
    UnknownOrganization,
    StaleForm,
}

impl SettingsNotice {
    const ALL: [Self; 10] = [
        Self::KeyCreated,
        Self::KeyRevoked,
        Self::OriginAdded,
        Self::OriginRemoved,
        Self::OriginInvalid,
        Self::ConnectionRequested,
        Self::ConnectionUpdated,
        Self::ConnectionRefused,
        Self::UnknownOrganization,
        Self::StaleForm,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::KeyCreated => "key-created",
            Self::KeyRevoked => "key-revoked",
            Self::OriginAdded => "origin-added",
            Self::OriginRemoved => "origin-removed",
            Self::OriginInvalid => "origin-invalid",
            Self::ConnectionRequested => "connection-requested",
            Self::ConnectionUpdated => "connection-updated",
            Self::ConnectionRefused => "connection-refused",
            Self::UnknownOrganization => "unknown-organization",
            Self::StaleForm => "stale-form",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.code() == code)
    }

    /// A refusal (shown as an alert) rather than a confirmation.
    pub fn is_refusal(self) -> bool {
        matches!(
            self,
            Self::OriginInvalid
                | Self::ConnectionRefused
                | Self::UnknownOrganization
                | Self::StaleForm
        )
    }
}

/// The settings page: API keys, allowed origins, connections, webhooks and workflows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub lang: Lang,
    pub language: Option<String>,
    pub member: Member,
    pub organization_id: String,
    pub notice: Option<SettingsNotice>,
    /// A key created just now: its secret, shown this once.
    pub new_key: Option<String>,
    pub keys: Vec<KeyRow>,
    pub origins: Vec<String>,
    pub connections: Vec<ConnectionRow>,
    pub webhooks: Vec<WebhookRow>,
    pub workflows: Vec<WorkflowRow>,
    pub runs: Vec<RunView>,
}

/// One object in a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectListRow {
    pub id: String,
    pub href: String,
    pub schema: String,
    /// Inquiries: the status code.
    pub status: Option<String>,
    pub reference_id: Option<String>,
    pub created_at: String,
}

/// Inquiries, transactions or accounts (`/dashboard/inquiries`, …), newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectsView {
    pub lang: Lang,
    pub language: Option<String>,
    pub member: Member,
    /// `inquiry`, `transaction` or `account`.
    pub kind: String,
    /// The organization's templates or types of this kind, for the filter.
    pub schemas: Vec<SchemaChoice>,
    pub schema: Option<String>,
    pub status: Option<String>,
    pub rows: Vec<ObjectListRow>,
    pub next: Option<String>,
}

/// What a dashboard page shows: its content, a redirect (to sign in), or "not found".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DashboardView {
    Objects(Box<ObjectsView>),
    Settings(Box<SettingsView>),
    Tokens(Box<TokensView>),
    Token(Box<TokenView>),
    Object(Box<ObjectView>),
    /// Nothing of the organization's has this id; the member (and the page's `language`) when
    /// signed in, for the member bar.
    NotFound(Lang, Option<Box<(Member, Option<String>)>>),
    Redirect(String),
}

impl RedeemProblem {
    pub fn code(self) -> &'static str {
        match self {
            Self::TokenMissing => "token-missing",
            Self::TokenNotFound => "token-not-found",
            Self::AlreadyRedeemed => "already-redeemed",
            Self::Expired => "expired",
            Self::Failed => "failed",
            Self::ConnectionInactive => "connection-inactive",
            Self::SchemaMissing => "schema-missing",
            Self::MappingIncomplete => "mapping-incomplete",
            Self::MappingPath => "mapping-path",
            Self::NotADestinationField => "not-a-destination-field",
            Self::DuplicateDestination => "duplicate-destination",
            Self::TooManyMappings => "too-many-mappings",
            Self::StaleForm => "stale-form",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::TokenMissing,
            Self::TokenNotFound,
            Self::AlreadyRedeemed,
            Self::Expired,
            Self::Failed,
            Self::ConnectionInactive,
            Self::SchemaMissing,
            Self::MappingIncomplete,
            Self::MappingPath,
            Self::NotADestinationField,
            Self::DuplicateDestination,
            Self::TooManyMappings,
            Self::StaleForm,
        ]
        .into_iter()
        .find(|p| p.code() == code)
    }

    /// True when the problem is the token field's.
    pub fn is_token(self) -> bool {
        matches!(
            self,
            Self::TokenMissing
                | Self::TokenNotFound
                | Self::AlreadyRedeemed
                | Self::Expired
                | Self::Failed
                | Self::ConnectionInactive
        )
    }
}

/// One field-mapping row as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingRow {
    pub source: String,
    pub destination: String,
}

/// A preview of redeeming into a new object: paths by how they would be filled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewView {
    pub by_name: Vec<String>,
    pub by_mapping: Vec<String>,
    pub unset: Vec<String>,
    pub rejected: Vec<String>,
    /// Mappings that would not be used: `source → destination`.
    pub ignored: Vec<String>,
    /// Inquiries: required fields that would stay missing (the inquiry would wait for them).
    pub missing: Vec<String>,
}

/// A redemption the dialog started, as it stands now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemedView {
    pub token: String,
    /// The token's status code (`pending` while the redemption runs).
    pub status: String,
    /// The destination object's page and id.
    pub destination: Option<(String, String)>,
    /// `inquiry`, `transaction` or `account`.
    pub kind: String,
    pub failure_code: Option<String>,
}

/// The Redeem Share Token dialog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemDialog {
    pub token: String,
    /// `inquiry`, `transaction` or `account`.
    pub kind: String,
    pub schemas: Vec<SchemaChoice>,
    /// The chosen schema id per kind, in [`DESTINATION_KINDS`] order.
    pub chosen: [Option<String>; 3],
    pub tab: RedeemTab,
    pub mappings: Vec<MappingRow>,
    /// The token's field keys (offered as source fields), when the token is known.
    pub source_fields: Vec<String>,
    /// The chosen schema's field keys, per kind in [`DESTINATION_KINDS`] order.
    pub destination_fields: [Vec<String>; 3],
    pub focus: RedeemFocus,
    pub problem: Option<RedeemProblem>,
    /// The mapping row a problem is about.
    pub problem_row: Option<usize>,
    pub preview: Option<PreviewView>,
    pub redeemed: Option<RedeemedView>,
    /// Where closing the dialog goes.
    pub close: String,
}

/// The list of a kind's objects (`inquiry`, `transaction`, `account`).
pub fn objects_url(kind: &str) -> &'static str {
    match kind {
        "transaction" => "/dashboard/transactions",
        "account" => "/dashboard/accounts",
        _ => "/dashboard/inquiries",
    }
}

/// An object's dashboard page, from its id's prefix (`inq_`, `txn_`, `act_`).
pub fn object_url(id: &str) -> Option<String> {
    let collection = if id.starts_with("inq_") {
        "inquiries"
    } else if id.starts_with("txn_") {
        "transactions"
    } else if id.starts_with("act_") {
        "accounts"
    } else {
        return None;
    };
    Some(format!("/dashboard/{collection}/{id}"))
}
