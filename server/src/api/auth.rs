//! `Authorization: Bearer <api-key>`: which organization is calling.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use engine::Engine;
use engine::ids::OrgId;

use super::error::ApiError;

/// The organization an API key belongs to.
#[derive(Clone, Debug)]
pub struct Caller(pub OrgId);

impl<S> FromRequestParts<S> for Caller
where
    Engine: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // A middleware that already authenticated the request (idempotency) leaves the caller here.
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        let engine = Engine::from_ref(state);
        let caller = match engine::orgs::authenticate(&engine, presented).await? {
            Some(org) => Self(org),
            None => return Err(ApiError::unauthorized()),
        };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}
