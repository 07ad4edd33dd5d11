//! The API's one error format (CONTRACT.md §2):
//! `{"errors":[{"status","code","title","detail","source":{"pointer"}}]}`. Every 4xx is rendered
//! here; a 500 carries no internal detail (the cause is logged with the request's span).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use engine::{Problem, ProblemKind};
use serde_json::{Value, json};

/// An API failure, ready to be rendered.
#[derive(Debug)]
pub enum ApiError {
    /// Problems the caller can fix.
    Problems(Vec<Problem>),
    /// A problem with a status the engine does not produce (401, 413, 429, …).
    Status {
        status: StatusCode,
        code: &'static str,
        detail: String,
    },
    /// Something went wrong inside; the client learns nothing more.
    Internal(String),
}

impl ApiError {
    pub fn unauthorized() -> Self {
        Self::Status {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            detail: "send a valid API key as `Authorization: Bearer <key>`".into(),
        }
    }

    pub fn malformed(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Status {
            status: StatusCode::BAD_REQUEST,
            code,
            detail: detail.into(),
        }
    }

    pub fn not_found() -> Self {
        Self::Problems(vec![Problem::not_found("the resource")])
    }
}

impl From<engine::Error> for ApiError {
    fn from(err: engine::Error) -> Self {
        match err {
            engine::Error::Problems(problems) => Self::Problems(problems),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        Self::Problems(vec![problem])
    }
}

fn status_of(kind: ProblemKind) -> StatusCode {
    match kind {
        ProblemKind::Malformed => StatusCode::BAD_REQUEST,
        ProblemKind::NotFound => StatusCode::NOT_FOUND,
        ProblemKind::Conflict => StatusCode::CONFLICT,
        ProblemKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// A readable title from a code: `share-token-expired` → `Share token expired`.
fn title(code: &str) -> String {
    let words = code.replace('-', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn entry(status: StatusCode, code: &str, detail: &str, pointer: Option<&str>) -> Value {
    let mut entry = json!({
        "status": status.as_u16().to_string(),
        "code": code,
        "title": title(code),
        "detail": detail,
    });
    if let Some(pointer) = pointer {
        entry["source"] = json!({ "pointer": pointer });
    }
    entry
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, errors) = match self {
            Self::Problems(problems) => {
                let status = problems
                    .first()
                    .map_or(StatusCode::UNPROCESSABLE_ENTITY, |p| status_of(p.kind));
                let errors = problems
                    .iter()
                    .map(|p| entry(status_of(p.kind), p.code, &p.detail, p.pointer.as_deref()))
                    .collect();
                (status, errors)
            }
            Self::Status {
                status,
                code,
                detail,
            } => (status, vec![entry(status, code, &detail, None)]),
            Self::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                let status = StatusCode::INTERNAL_SERVER_ERROR;
                (
                    status,
                    vec![entry(
                        status,
                        "internal-error",
                        "Something went wrong on our side. Try again later.",
                        None,
                    )],
                )
            }
        };
        (status, Json(json!({ "errors": errors }))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_read_as_words() {
        assert_eq!(title("share-token-expired"), "Share token expired");
    }
}
