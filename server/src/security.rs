//! Security headers. Every response gets the static ones; pages rendered by Leptos also get a
//! Content-Security-Policy whose script nonce is the one Leptos put on its hydration scripts, so
//! no inline script runs without it.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use leptos::prelude::*;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of every page; `{nonce}` is replaced per response.
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Called while a page renders (inside Leptos' request context): sets the page's CSP.
pub fn page_headers() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&PAGE_POLICY.replace("{nonce}", &nonce.to_string())) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
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
