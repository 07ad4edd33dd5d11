//! `/healthz`: the process is up and serving requests.

use axum::{Json, Router, routing::get};
use serde_json::{Value, json};

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}
