//! The Connect REST API under `/api/v1` (CONTRACT.md §§2, 4, 5, 6).

mod auth;
mod body;
mod document;
mod error;
mod idempotency;
mod rate_limit;
mod resources;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;

use crate::http_app::AppState;
pub use body::MAX_BODY_BYTES;
use error::ApiError;
pub use rate_limit::Limiter;

/// Every API route, with the API's own 404 and 405 answers, body limit, rate limit and
/// idempotency keys.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(resources::routes())
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::Status {
                status: StatusCode::METHOD_NOT_ALLOWED,
                code: "method-not-allowed",
                detail: "this resource does not accept that method".into(),
            }
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::middleware,
        ))
        // Outermost: a rate-limited request does no other work.
        .layer(axum::middleware::from_fn_with_state(
            state.limiter.clone(),
            rate_limit::middleware,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
