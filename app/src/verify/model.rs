//! What the server sends a `/verify` page: plain data, the same in the browser and on the server.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// The domain's own vocabulary, used here as it is (no copies): a step's group, why a field
/// was refused, why a flow cannot go on.
pub use domain::flow::{FieldProblem, FlowError, StepGroup};

/// How a finished verification ended, as the end user is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Completed,
    Failed,
    NeedsReview,
    /// Not terminal, but nothing more can be asked (the template needs nothing from the user).
    Saved,
}

/// The input a field is asked with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Input {
    Text,
    Email,
    Tel,
    Date,
    DateTime,
    Integer,
    Number,
    Boolean,
    Choices(Vec<String>),
    /// A photo: PNG or JPEG.
    Image,
    /// A photo or a PDF.
    Document,
}

/// One field of a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub key: String,
    pub label: String,
    pub input: Input,
    /// What the form shows: the current value, or the name of the file already provided.
    pub current: Option<String>,
    pub required: bool,
    pub problem: Option<FieldProblem>,
}

/// The credentials and settings every form and link of a flow carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub inquiry_id: String,
    pub session_token: String,
    /// The `language` parameter, when the link set one (kept on every link).
    pub language: Option<String>,
}

impl Session {
    /// The URL of this flow, at `step` when given.
    pub fn url(&self, step: Option<usize>) -> String {
        let mut url = format!(
            "/verify?inquiry-id={}&session-token={}",
            encode(&self.inquiry_id),
            encode(&self.session_token)
        );
        if let Some(language) = &self.language {
            url.push_str(&format!("&language={}", encode(language)));
        }
        if let Some(step) = step {
            url.push_str(&format!("&step={}", step + 1));
        }
        url
    }
}

/// Encodes a query value (`application/x-www-form-urlencoded`, as forms and the query parser use).
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// What the page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Screen {
    Consent {
        source: String,
        destination: String,
        shared: Vec<(StepGroup, Vec<String>)>,
        /// Why the destination asks, in its own words.
        purpose: Option<String>,
        /// `YYYY-MM-DD HH:MM`, UTC.
        expires: String,
    },
    Redeeming,
    Step {
        /// 0-based.
        index: usize,
        total: usize,
        group: StepGroup,
        groups: Vec<StepGroup>,
        fields: Vec<Field>,
    },
    Outcome {
        outcome: Outcome,
        /// The redirect URI with `inquiry-id`, `status` and `reference-id` added.
        redirect: Option<String>,
        /// The origin of `redirect`, to name it on the button.
        redirect_origin: Option<String>,
    },
    Error {
        problem: FlowError,
        /// A link that starts the same template without sharing, when it can be offered.
        without_sharing: Option<String>,
    },
    /// The flow moved (a new inquiry was created): go here.
    Redirect(String),
}

/// Everything a `/verify` page renders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowPage {
    pub lang: Lang,
    /// The organization the user verifies with.
    pub organization: Option<String>,
    pub session: Option<Session>,
    pub screen: Screen,
}

/// The answer to a step submitted from a hydrated page: the refused fields (empty when saved, and
/// then the server has already told the router where to go).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReply {
    pub problems: Vec<(String, FieldProblem)>,
}
