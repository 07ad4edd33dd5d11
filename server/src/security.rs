//! Security headers. Every response gets the static ones; pages rendered by Leptos also get a
//! Content-Security-Policy (`app::page_policy`) whose script nonce is the one Leptos put on its
//! hydration scripts, so no inline script runs without it.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// Called while a page renders (inside Leptos' request context): sets the page's CSP, which
/// frames nothing (the widget widens `frame-ancestors` to its organization's allowed origins).
pub fn page_headers() {
    app::set_page_policy(&[]);
}

/// No page or server-function request body is larger: a flow step carries at most a few files of
/// 10 MiB each. (The API has its own, smaller limit with its own error format.)
pub const MAX_BODY: usize = 32 * 1024 * 1024;

/// Adds the headers every response carries unless the handler set its own.
pub fn with_headers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"),
        ))
}
