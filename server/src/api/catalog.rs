//! The API's catalog: every route is registered through it together with its documentation, so
//! `/openapi.json` and the reference page are generated from the same table that routes requests.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use serde_json::{Map, Value, json};

use crate::http_app::AppState;

/// A documented request attribute (or meta key, or query parameter).
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    /// JSON Schema type: `string`, `integer`, `object`, `array`.
    pub kind: &'static str,
    pub required: bool,
    pub description: &'static str,
}

pub const fn param(
    name: &'static str,
    kind: &'static str,
    required: bool,
    description: &'static str,
) -> Param {
    Param {
        name,
        kind,
        required,
        description,
    }
}

/// What the reference says about one operation.
#[derive(Clone, Copy, Debug)]
pub struct Doc {
    pub tag: &'static str,
    pub summary: &'static str,
    /// The success status.
    pub status: u16,
    /// `data.attributes` of the request body.
    pub attributes: &'static [Param],
    /// `meta` of the request body.
    pub meta: &'static [Param],
    pub query: &'static [Param],
    /// Error codes this operation can answer with, besides 401/429.
    pub errors: &'static [(u16, &'static str)],
}

impl Doc {
    pub const fn new(tag: &'static str, summary: &'static str, status: u16) -> Self {
        Self {
            tag,
            summary,
            status,
            attributes: &[],
            meta: &[],
            query: &[],
            errors: &[],
        }
    }
}

/// One documented operation.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub doc: Doc,
}

/// Routes and their documentation, built together.
pub struct Catalog {
    pub router: Router<AppState>,
    pub endpoints: Vec<Endpoint>,
}

impl Catalog {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            endpoints: Vec::new(),
        }
    }

    fn add<H, T>(
        mut self,
        method: &'static str,
        filter: MethodFilter,
        path: &'static str,
        handler: H,
        doc: Doc,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, on(filter, handler));
        self.endpoints.push(Endpoint { method, path, doc });
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        handler: H,
        doc: Doc,
    ) -> Self {
        self.add("get", MethodFilter::GET, path, handler, doc)
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        handler: H,
        doc: Doc,
    ) -> Self {
        self.add("post", MethodFilter::POST, path, handler, doc)
    }

    pub fn patch<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        handler: H,
        doc: Doc,
    ) -> Self {
        self.add("patch", MethodFilter::PATCH, path, handler, doc)
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        handler: H,
        doc: Doc,
    ) -> Self {
        self.add("delete", MethodFilter::DELETE, path, handler, doc)
    }

    /// `self` through `add_routes` (routes declared in another module).
    pub fn pipe(self, add_routes: impl FnOnce(Self) -> Self) -> Self {
        add_routes(self)
    }

    /// The OpenAPI 3.1 document of every endpoint, under `base`.
    pub fn openapi(&self, base: &str) -> Value {
        let mut paths = Map::new();
        for endpoint in &self.endpoints {
            let entry = paths
                .entry(format!("{base}{}", endpoint.path))
                .or_insert_with(|| json!({}));
            entry[endpoint.method] = operation(endpoint);
        }
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": "Tessera Connect API",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "Reusable identity data: organizations connect, share tokens carry verified data, destinations redeem them. JSON:API bodies with kebab-case attributes; errors as {\"errors\":[{status, code, title, detail, source.pointer}]}."
            },
            "components": {
                "securitySchemes": { "apiKey": { "type": "http", "scheme": "bearer", "description": "An API key from `tessera org create`." } },
                "schemas": {
                    "Errors": {
                        "type": "object",
                        "required": ["errors"],
                        "properties": { "errors": { "type": "array", "items": {
                            "type": "object",
                            "properties": {
                                "status": {"type": "string"}, "code": {"type": "string"}, "title": {"type": "string"},
                                "detail": {"type": "string"},
                                "source": {"type": "object", "properties": {"pointer": {"type": "string"}}}
                            }
                        }}}
                    },
                    "Document": {
                        "type": "object",
                        "properties": { "data": {}, "meta": {"type": "object"}, "links": {"type": "object"} }
                    }
                }
            },
            "security": [{ "apiKey": [] }],
            "paths": paths,
        })
    }
}

fn schema_of(params: &[Param]) -> Value {
    let properties: Map<String, Value> = params
        .iter()
        .map(|p| {
            (
                p.name.to_owned(),
                json!({"type": p.kind, "description": p.description}),
            )
        })
        .collect();
    let required: Vec<&str> = params
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name)
        .collect();
    json!({ "type": "object", "properties": properties, "required": required })
}

fn operation(endpoint: &Endpoint) -> Value {
    let doc = &endpoint.doc;
    let mut parameters: Vec<Value> = endpoint
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    parameters.extend(
        doc.query.iter().map(|p| json!({"name": p.name, "in": "query", "required": p.required, "description": p.description, "schema": {"type": p.kind}})),
    );
    if endpoint.method == "post" {
        parameters.push(json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string"}, "description": "replay the first response for 24 h"}));
    }
    let mut responses = Map::new();
    let success = if doc.status == 204 {
        json!({"description": doc.summary})
    } else {
        json!({"description": doc.summary, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}})
    };
    responses.insert(doc.status.to_string(), success);
    let mut errors: Vec<(u16, &str)> = doc.errors.to_vec();
    errors.extend([(401, "unauthorized"), (429, "rate-limited")]);
    for (status, code) in errors {
        let entry = responses.entry(status.to_string()).or_insert_with(|| {
            json!({"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}})
        });
        let description = entry["description"].as_str().unwrap_or_default();
        entry["description"] = json!(if description.is_empty() {
            code.to_owned()
        } else {
            format!("{description}, {code}")
        });
    }
    let mut operation = json!({
        "tags": [doc.tag],
        "summary": doc.summary,
        "operationId": format!("{}{}", endpoint.method, endpoint.path.replace(['/', '{', '}', '-'], "_")),
        "parameters": parameters,
        "responses": responses,
    });
    if matches!(endpoint.method, "post" | "patch")
        && (!doc.attributes.is_empty() || !doc.meta.is_empty())
    {
        let mut body = json!({
            "type": "object",
            "properties": { "data": { "type": "object", "properties": { "attributes": schema_of(doc.attributes) } } }
        });
        if !doc.meta.is_empty() {
            body["properties"]["meta"] = schema_of(doc.meta);
        }
        operation["requestBody"] =
            json!({ "required": true, "content": { "application/json": { "schema": body } } });
    }
    operation
}
