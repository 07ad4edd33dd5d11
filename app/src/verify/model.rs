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

/// How a flow page sits inside another site (`/widget`, CSP: CONTRACT.md §7): the parameters of
/// the `persona` SDK's iframe URL that matter after the first page, kept on every link and form of
/// the flow. All of it comes from the link, so none of it is trusted: the server decides whether
/// messages go anywhere (only to an allowed origin).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub container_id: Option<String>,
    /// `embedded` (a modal) or `inline`.
    pub flow_type: Option<String>,
    pub iframe_origin: Option<String>,
    pub message_target_origin: Option<String>,
    /// The template id as the SDK sent it: every message echoes it (the SDK drops a message whose
    /// `templateId` differs from the one it was given).
    pub template_id: Option<String>,
}

impl Frame {
    /// The query parameters a frame keeps, each with its field. The template id travels as
    /// `template-id`: next to an `inquiry-id`, `inquiry-template-id` would ask to start another.
    const PARAMS: [&'static str; 5] = [
        "container-id",
        "flow-type",
        "iframe-origin",
        "message-target-origin",
        "template-id",
    ];

    fn fields(&self) -> [&Option<String>; 5] {
        [
            &self.container_id,
            &self.flow_type,
            &self.iframe_origin,
            &self.message_target_origin,
            &self.template_id,
        ]
    }

    /// Reads the frame's parameters; `template-id` (the SDK's name for a template id that does
    /// not start with `itmpl_`) counts as the template id.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |name: &str| get(name).filter(|v| !v.is_empty() && v.len() <= 500);
        Self {
            container_id: text("container-id"),
            flow_type: text("flow-type").filter(|t| t == "embedded" || t == "inline"),
            iframe_origin: text("iframe-origin"),
            message_target_origin: text("message-target-origin"),
            template_id: text("inquiry-template-id").or_else(|| text("template-id")),
        }
    }

    /// The frame as query parameters (`&name=value…`), to carry it to the next page.
    pub fn query(&self) -> String {
        Self::PARAMS
            .iter()
            .zip(self.fields())
            .filter_map(|(name, value)| {
                value
                    .as_ref()
                    .map(|value| format!("&{name}={}", encode(value)))
            })
            .collect()
    }

    /// Reads what [`Frame::query`] wrote (a hidden form field carries it).
    pub fn from_query(query: &str) -> Self {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        Self::from_params(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    /// Where messages may go, as the link asks: `message-target-origin`, else `iframe-origin`.
    pub fn requested_target(&self) -> Option<&str> {
        self.message_target_origin
            .as_deref()
            .or(self.iframe_origin.as_deref())
    }
}

/// The credentials and settings every form and link of a flow carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub inquiry_id: String,
    pub session_token: String,
    /// The `language` parameter, when the link set one (kept on every link).
    pub language: Option<String>,
    /// Set when the flow runs in an iframe (`/widget`): every link stays in the widget.
    pub frame: Option<Frame>,
}

impl Session {
    /// The URL of this flow, at `step` when given.
    pub fn url(&self, step: Option<usize>) -> String {
        let path = if self.frame.is_some() {
            "/widget"
        } else {
            "/verify"
        };
        let mut url = format!(
            "{path}?inquiry-id={}&session-token={}",
            encode(&self.inquiry_id),
            encode(&self.session_token)
        );
        if let Some(frame) = &self.frame {
            url.push_str(&frame.query());
        }
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
    /// Set on `/widget`: how the page talks to the site that frames it.
    pub widget: Option<Widget>,
}

/// What the browser side of a widget page needs to talk to its parent window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Widget {
    pub container_id: Option<String>,
    pub template_id: Option<String>,
    /// Where messages go: the requested target when it is one of the organization's allowed
    /// origins, else nowhere.
    pub target_origin: Option<String>,
    /// The requested target, to say in the console why nothing is sent when it is not allowed.
    pub refused_origin: Option<String>,
    /// An inline flow has no close button (the site around it decides).
    pub inline: bool,
}

/// The answer to a step submitted from a hydrated page: the refused fields (empty when saved, and
/// then the server has already told the router where to go).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReply {
    pub problems: Vec<(String, FieldProblem)>,
}
