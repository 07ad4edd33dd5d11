//! JSON:API response documents, query strings and list links.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use engine::paging::{Page, PageRequest};
use serde_json::{Value, json};

use super::error::ApiError;

/// `{"data": data}` with `status`, plus `meta` when given.
pub fn document(status: StatusCode, data: Value, meta: Option<Value>) -> Response {
    let mut body = json!({ "data": data });
    if let Some(meta) = meta {
        body["meta"] = meta;
    }
    (status, Json(body)).into_response()
}

/// The parsed query string: repeated keys keep their last value.
#[derive(Debug, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Self { pairs }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `page[size]` and `page[after]`.
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        Ok(PageRequest::parse(
            self.get("page[size]"),
            self.get("page[after]"),
        )?)
    }

    /// The same query with `page[after]` set to `after`.
    fn with_after(&self, after: &str) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs.iter().filter(|(k, _)| k != "page[after]") {
            serializer.append_pair(k, v);
        }
        serializer.append_pair("page[after]", after);
        serializer.finish()
    }
}

/// A list document: the page's items newest first and `links.next` when more follow.
pub fn list(path: &str, query: &Query, page: Page<Value>) -> Response {
    let next = page
        .next_after
        .as_deref()
        .map(|after| format!("{path}?{}", query.with_after(after)));
    (
        StatusCode::OK,
        Json(json!({ "data": page.items, "links": { "next": next } })),
    )
        .into_response()
}
