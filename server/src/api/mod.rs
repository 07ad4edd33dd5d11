//! The Connect REST API under `/api/v1` (CONTRACT.md §§2, 4, 5, 6).

mod auth;
mod automation;
mod body;
mod catalog;
mod commands;
mod document;
mod error;
mod idempotency;
mod rate_limit;
pub(crate) mod reference;
mod resources;
mod schema_commands;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;

use crate::http_app::AppState;
pub use body::MAX_BODY_BYTES;
use error::ApiError;

/// The OpenAPI document of the API, generated once from the same catalog that routes it.
pub fn openapi() -> &'static serde_json::Value {
    static DOCUMENT: std::sync::LazyLock<serde_json::Value> =
        std::sync::LazyLock::new(|| resources::catalog().openapi("/api/v1"));
    &DOCUMENT
}

/// `GET /openapi.json` and the human reference page `GET /docs/api`, outside the authenticated API.
pub fn docs_router() -> Router<AppState> {
    Router::new()
        .route(
            "/openapi.json",
            axum::routing::get(|| async { axum::Json(openapi().clone()) }),
        )
        .route("/docs/api", axum::routing::get(reference::page))
}
pub use rate_limit::{ApiLimiter, Limiter, PageLimiter, page_middleware};

/// Every API route, with the API's own 404 and 405 answers, body limit, rate limit and
/// idempotency keys.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(resources::catalog().router)
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
