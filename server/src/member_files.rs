//! `GET /dashboard/files/{id}`: an organization's stored files, for its signed-in members only.
//! Anyone else (no session, another organization's member) gets "not found" or the sign-in page;
//! a file is never cached and never runs as a page (a sandboxing policy, no sniffing).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use engine::Engine;
use engine::ids::DocumentId;

use crate::http_app::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard/files/{id}", get(file))
}

async fn file(
    State(engine): State<Engine>,
    State(settings): State<app::dashboard::DashboardSettings>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let session = match app::dashboard::session_of_request(
        &engine,
        &headers,
        settings.secure_cookies,
    )
    .await
    {
        Ok(Some(session)) => session,
        Ok(None) => return Redirect::to("/dashboard/sign-in").into_response(),
        Err(err) => return unavailable(&err),
    };
    let Ok(id) = DocumentId::parse(&id) else {
        return not_found();
    };
    let stored = match engine::documents::read(&engine, &session.member.organization_id, &id).await
    {
        Ok(Some(stored)) => stored,
        Ok(None) => return not_found(),
        Err(err) => return unavailable(&err),
    };
    let mut response = stored.bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&stored.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    // Pictures open in the browser; anything else (a PDF) is downloaded, never run as a page.
    let inline = matches!(stored.content_type.as_str(), "image/png" | "image/jpeg");
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        percent_encoding::utf8_percent_encode(&stored.filename, percent_encoding::NON_ALPHANUMERIC)
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src 'self'; frame-ancestors 'none'; sandbox",
        ),
    );
    headers.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        "No file of your organization has this id.",
    )
        .into_response()
}

fn unavailable(err: &engine::Error) -> Response {
    tracing::error!(error = %err, "a member's file could not be read");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The file is unavailable right now. Try again in a moment.",
    )
        .into_response()
}
