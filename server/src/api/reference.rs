//! The human API reference at `/docs/api`: rendered on the server from the OpenAPI document (so it
//! can never disagree with it), styled by Tessera's own CSS, no script and no CDN.

use std::fmt::Write as _;

use axum::http::header;
use axum::response::IntoResponse;
use serde_json::Value;

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn params_table(out: &mut String, caption: &str, params: &[(String, String, bool, String)]) {
    if params.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Type</th><th scope=\"col\">Required</th><th scope=\"col\">Description</th></tr></thead><tbody>",
        escape(caption)
    );
    for (name, kind, required, description) in params {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            escape(kind),
            if *required { "yes" } else { "no" },
            escape(description)
        );
    }
    out.push_str("</tbody></table>");
}

fn object_params(schema: &Value) -> Vec<(String, String, bool, String)> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(name, p)| {
                    (
                        name.clone(),
                        p["type"].as_str().unwrap_or_default().to_owned(),
                        required.contains(&name.as_str()),
                        p["description"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One operation of the document: upper-case method, path, and its OpenAPI object.
type Operation<'a> = (String, String, &'a Value);

/// Renders the reference page from an OpenAPI document.
pub fn render(document: &Value) -> String {
    let mut out = String::from(concat!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>Tessera API reference</title><link rel=\"stylesheet\" href=\"{stylesheet}\">",
        "<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"></head><body><main class=\"page reference\">",
        "<h1>Tessera API reference</h1>",
        "<p>Base path <code>/api/v1</code>. Send <code>Authorization: Bearer &lt;api-key&gt;</code> and JSON:API bodies ",
        "<code>{\"data\":{\"attributes\":{…}},\"meta\":{…}}</code> with kebab-case attributes. Errors are ",
        "<code>{\"errors\":[{status, code, title, detail, source: {pointer}}]}</code>; another organization's object is 404. ",
        "Lists are newest first with <code>page[size]</code>, <code>page[after]</code> and <code>links.next</code>. ",
        "<code>Idempotency-Key</code> on a POST replays its first response for 24 hours. Each key has a rate limit; answers carry ",
        "<code>RateLimit-*</code> headers. The machine-readable description is <a href=\"/openapi.json\">/openapi.json</a>.</p>",
    ))
    .replace("{stylesheet}", app::stylesheet_href());
    let mut by_tag: Vec<(String, Vec<Operation<'_>>)> = Vec::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, methods) in paths {
            for (method, operation) in methods.as_object().into_iter().flatten() {
                let tag = operation["tags"][0].as_str().unwrap_or("Other").to_owned();
                match by_tag.iter_mut().find(|(t, _)| *t == tag) {
                    Some((_, list)) => list.push((method.to_uppercase(), path.clone(), operation)),
                    None => {
                        by_tag.push((tag, vec![(method.to_uppercase(), path.clone(), operation)]))
                    }
                }
            }
        }
    }
    out.push_str("<nav aria-label=\"Sections\"><ul>");
    for (tag, _) in &by_tag {
        let _ = write!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            escape(&tag.to_lowercase().replace(' ', "-")),
            escape(tag)
        );
    }
    out.push_str("</ul></nav>");
    for (tag, operations) in &by_tag {
        let _ = write!(
            out,
            "<section aria-labelledby=\"{0}\"><h2 id=\"{0}\">{1}</h2>",
            escape(&tag.to_lowercase().replace(' ', "-")),
            escape(tag)
        );
        for (method, path, operation) in operations {
            let _ = write!(
                out,
                "<article><h3><code>{} {}</code></h3><p>{}</p>",
                escape(method),
                escape(path),
                escape(operation["summary"].as_str().unwrap_or_default())
            );
            let query: Vec<_> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or_default().to_owned(),
                        p["schema"]["type"].as_str().unwrap_or_default().to_owned(),
                        p["required"] == true,
                        p["description"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            params_table(&mut out, "Query parameters", &query);
            let body =
                &operation["requestBody"]["content"]["application/json"]["schema"]["properties"];
            params_table(
                &mut out,
                "data.attributes",
                &object_params(&body["data"]["properties"]["attributes"]),
            );
            params_table(&mut out, "meta", &object_params(&body["meta"]));
            out.push_str("<dl>");
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                let _ = write!(
                    out,
                    "<dt>{}</dt><dd>{}</dd>",
                    escape(status),
                    escape(response["description"].as_str().unwrap_or_default())
                );
            }
            out.push_str("</dl></article>");
        }
        out.push_str("</section>");
    }
    out.push_str("</main></body></html>");
    out
}

pub async fn page() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        render(super::openapi()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
