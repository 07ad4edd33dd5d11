//! Server-only glue between the pages and the engine.

use leptos::prelude::*;

/// The engine, provided to every page and server function by the server.
pub fn engine() -> Result<engine::Engine, ServerFnError> {
    use_context::<engine::Engine>()
        .ok_or_else(|| ServerFnError::new("The server is misconfigured: no engine in context."))
}

/// The Content-Security-Policy of a page: scripts only with the page's nonce (none at all without
/// one), and framing only by `frame_ancestors` (none for every page but the widget). Each origin is
/// checked again here, so a value that is not a plain origin can never widen or break the policy.
pub fn page_policy(nonce: Option<&str>, frame_ancestors: &[String]) -> String {
    let ancestors: Vec<String> = frame_ancestors
        .iter()
        .filter_map(|origin| engine::orgs::parse_origin(origin))
        .collect();
    let ancestors = if ancestors.is_empty() {
        "'none'".to_owned()
    } else {
        ancestors.join(" ")
    };
    let scripts = match nonce {
        Some(nonce) => format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; \
         style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; form-action 'self'; \
         frame-ancestors {ancestors}; base-uri 'none'; object-src 'none'"
    )
}

/// Sets the page's Content-Security-Policy (inside Leptos' request context).
pub fn set_page_policy(frame_ancestors: &[String]) {
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let nonce = leptos::nonce::use_nonce().map(|n| n.to_string());
    if let Ok(value) = http::HeaderValue::from_str(&page_policy(nonce.as_deref(), frame_ancestors))
    {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_ancestors_lists_only_plain_origins() {
        let policy = page_policy(
            Some("n0nce"),
            &[
                "https://shop.example".to_owned(),
                "https://*".to_owned(),
                "https://a.example;report-uri".to_owned(),
            ],
        );

        assert!(
            policy.contains("frame-ancestors https://shop.example;"),
            "{policy}"
        );
        assert!(
            !policy.contains('*') && !policy.contains("report-uri"),
            "{policy}"
        );
        assert!(page_policy(None, &[]).contains("frame-ancestors 'none'"));
        assert!(!page_policy(None, &[]).contains("nonce"));
    }
}
