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

/// What a page or server function asks of its response (status, headers, who may frame it). The
/// server's page middleware puts one in every request's extensions and applies it to the response
/// once the handler has answered, so nothing depends on Leptos' `ResponseOptions` reaching the
/// response (a render's headers were seen to go missing that way).
#[derive(Clone, Debug, Default)]
pub struct PageResponse(std::sync::Arc<std::sync::Mutex<PageResponseParts>>);

/// The parts of a [`PageResponse`].
#[derive(Debug, Default)]
pub struct PageResponseParts {
    pub status: Option<http::StatusCode>,
    pub headers: http::HeaderMap,
    /// Origins allowed to frame the page (`frame-ancestors`); none for every page but the widget.
    pub frame_ancestors: Vec<String>,
}

impl PageResponse {
    /// What the handler asked for, leaving the slot empty.
    pub fn take(&self) -> PageResponseParts {
        std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

fn with_page_response(change: impl FnOnce(&mut PageResponseParts)) {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return;
    };
    if let Some(slot) = parts.extensions.get::<PageResponse>() {
        change(
            &mut slot
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
    }
}

/// Sets the response's status.
pub fn set_status(status: http::StatusCode) {
    with_page_response(|r| r.status = Some(status));
}

/// Sets a response header, replacing an earlier value.
pub fn insert_header(name: http::HeaderName, value: http::HeaderValue) {
    with_page_response(|r| {
        r.headers.insert(name, value);
    });
}

/// Adds a response header next to earlier values (`Set-Cookie`).
pub fn append_header(name: http::HeaderName, value: http::HeaderValue) {
    with_page_response(|r| {
        r.headers.append(name, value);
    });
}

/// Lets `origins` frame the page (`frame-ancestors`; the widget's allowed origins).
pub fn allow_framing_by(origins: &[String]) {
    with_page_response(|r| r.frame_ancestors = origins.to_vec());
}

/// Goes to `url`. A server function (`/fn/…`) answers as Leptos does (a redirect for a plain form
/// post, a client-side navigation for a hydrated page); a page being rendered answers `status`
/// with the `Location`, whatever the client's Accept header says.
pub fn redirect(url: &str, status: http::StatusCode) {
    leptos_axum::redirect(url);
    let rendering_page =
        use_context::<http::request::Parts>().is_some_and(|p| !p.uri.path().starts_with("/fn/"));
    if let (true, Ok(location)) = (rendering_page, http::HeaderValue::from_str(url)) {
        set_status(status);
        insert_header(http::header::LOCATION, location);
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
