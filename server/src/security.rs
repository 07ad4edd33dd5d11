//! Security headers. Every response gets the static ones; pages rendered by Leptos also get a
//! Content-Security-Policy (`app::page_policy`) whose script nonce is the one Leptos puts on its
//! hydration scripts, so no inline script runs without it.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// Wraps every page and server function: hands the handler its script nonce and a
/// [`app::PageResponse`] through the request, then applies what the handler asked for (status,
/// headers) and the page's Content-Security-Policy to the response. Pages are never framed but the
/// widget, whose allowed origins it names while it renders.
pub async fn page_response(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let nonce = leptos::nonce::Nonce::new();
    let slot = app::PageResponse::default();
    // A server function's answer keeps its own status (a page's 404 is for the page).
    let server_function = request.uri().path().starts_with("/fn/");
    request.extensions_mut().insert(nonce.clone());
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    let asked = slot.take();
    if let Some(status) = asked.status.filter(|_| !server_function) {
        *response.status_mut() = status;
    }
    for (name, value) in asked.headers.iter() {
        if name == header::SET_COOKIE {
            response.headers_mut().append(name, value.clone());
        } else {
            response.headers_mut().insert(name, value.clone());
        }
    }
    if let Ok(policy) =
        HeaderValue::from_str(&app::page_policy(Some(&*nonce), &asked.frame_ancestors))
    {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// Called in Leptos' request context: the nonce Leptos puts on its scripts is the one
/// [`page_response`] made for this request's policy.
pub fn provide_page_nonce() {
    let nonce = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<leptos::nonce::Nonce>().cloned());
    if let Some(nonce) = nonce {
        leptos::prelude::provide_context(nonce);
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
