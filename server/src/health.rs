//! `/healthz`: the process is up. `/readyz`: the database answers, its schema is current and every
//! background worker runs.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Json, Router, routing::get};
use engine::Engine;
use serde_json::{Value, json};

use crate::http_app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(engine): State<Engine>) -> (StatusCode, Json<Value>) {
    let reachable = engine.db().is_reachable().await;
    let migrated = reachable && engine.db().migrations_applied().await;
    let workers = engine.workers();
    let working = workers.all_running();
    let ready = migrated && working;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ready { "ready" } else { "not-ready" },
        "database": if reachable { "reachable" } else { "unreachable" },
        "migrations": if migrated { "applied" } else { "pending" },
        "workers": {
            "status": if working { "running" } else { "down" },
            "running": workers.running(),
            "expected": workers.expected(),
            "restarts": workers.restarts(),
        },
    });
    (status, Json(body))
}
