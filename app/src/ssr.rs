//! Server-only glue between the pages and the engine.

use leptos::prelude::*;

/// The engine, provided to every page and server function by the server.
pub fn engine() -> Result<engine::Engine, ServerFnError> {
    use_context::<engine::Engine>()
        .ok_or_else(|| ServerFnError::new("The server is misconfigured: no engine in context."))
}

/// The Content-Security-Policy of a page: scripts only with the page's nonce, and framing only
/// by `frame_ancestors` (none for every page but the widget).
pub fn page_policy(nonce: &str, frame_ancestors: &[String]) -> String {
    let ancestors = if frame_ancestors.is_empty() {
        "'none'".to_owned()
    } else {
        frame_ancestors.join(" ")
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; form-action 'self'; \
         frame-ancestors {ancestors}; base-uri 'none'; object-src 'none'"
    )
}

/// Sets the page's Content-Security-Policy (inside Leptos' request context).
pub fn set_page_policy(frame_ancestors: &[String]) {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) =
        http::HeaderValue::from_str(&page_policy(&nonce.to_string(), frame_ancestors))
    {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}
