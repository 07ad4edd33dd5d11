//! `Idempotency-Key` on POST: the first response is stored for 24 hours and replayed for the same
//! request; the same key with a different body is 422 `idempotency-key-reused`.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use engine::Engine;
use engine::idempotency::{self, Begin, MAX_KEY_LEN};

use super::auth::Caller;
use super::body::MAX_BODY_BYTES;
use super::error::ApiError;
use crate::http_app::AppState;

pub const HEADER: &str = "idempotency-key";

/// The body as the fingerprint sees it: JSON re-written with sorted keys and no spacing (the same
/// request with its keys in another order, or pretty-printed, is the same request); anything else
/// as it came.
fn canonical(body: &[u8]) -> Vec<u8> {
    fn sorted(value: serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(
                    entries.into_iter().map(|(k, v)| (k, sorted(v))).collect(),
                )
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(sorted).collect())
            }
            other => other,
        }
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(json) => serde_json::to_vec(&sorted(json)).unwrap_or_else(|_| body.to_vec()),
        Err(_) => body.to_vec(),
    }
}

pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.headers().contains_key(HEADER) {
        return next.run(request).await;
    }
    match handle(&state, request, next).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn handle(state: &AppState, request: Request, next: Next) -> Result<Response, ApiError> {
    let key = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN)
        .ok_or_else(|| {
            ApiError::malformed(
                "invalid-idempotency-key",
                format!("Idempotency-Key is 1 to {MAX_KEY_LEN} visible characters"),
            )
        })?
        .to_owned();
    let (mut parts, body) = request.into_parts();
    let Caller(org) = Caller::from_request_parts(&mut parts, state).await?; // cached in the extensions for the handler
    let bytes = to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::Status {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "payload-too-large",
            detail: format!(
                "the body is larger than {} MiB",
                MAX_BODY_BYTES / (1024 * 1024)
            ),
        })?;
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let fingerprint = idempotency::fingerprint(parts.method.as_str(), path, &canonical(&bytes));
    let engine: &Engine = &state.engine;
    match idempotency::begin(engine, &org, &key, &fingerprint).await? {
        Begin::New => {
            let response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            if response.status().is_server_error() {
                idempotency::abandon(engine, &org, &key).await?;
                return Ok(response);
            }
            let (parts, body) = response.into_parts();
            let body = to_bytes(body, usize::MAX)
                .await
                .map_err(|err| ApiError::Internal(format!("reading a response: {err}")))?;
            idempotency::finish(engine, &org, &key, parts.status.as_u16(), &body).await?;
            Ok(Response::from_parts(parts, Body::from(body)))
        }
        Begin::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            Ok((
                status,
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    ),
                    (
                        header::HeaderName::from_static("idempotent-replayed"),
                        HeaderValue::from_static("true"),
                    ),
                ],
                body,
            )
                .into_response())
        }
        Begin::Reused => Err(engine::Problem::invalid_here(
            "idempotency-key-reused",
            "this Idempotency-Key was used with a different request in the last 24 hours",
        )
        .into()),
        Begin::InProgress => Err(engine::Problem::conflict(
            "idempotency-key-in-use",
            "a request with this Idempotency-Key is still being handled",
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn the_same_json_written_differently_has_one_canonical_form() {
        let compact = br#"{"data":{"attributes":{"a":1,"b":[{"y":2,"x":1}]}}}"#;
        let pretty =
            b"{ \"data\": { \"attributes\": { \"b\": [ {\"x\": 1, \"y\": 2} ], \"a\": 1 } } }";

        assert_eq!(canonical(compact), canonical(pretty));
        assert_ne!(
            canonical(compact),
            canonical(br#"{"data":{"attributes":{"a":2}}}"#)
        );
        assert_eq!(canonical(b"not json"), b"not json");
    }
}
