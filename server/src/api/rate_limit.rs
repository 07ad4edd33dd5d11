//! Rate limiting per API key (GCRA from the `governor` crate), with `RateLimit-Limit`,
//! `RateLimit-Remaining` and `RateLimit-Reset` on every answer and 429 `rate-limited` when over.

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// Above this many tracked keys, idle ones are forgotten (bounded memory under random keys).
const MAX_TRACKED_KEYS: usize = 10_000;

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// The per-key limiter shared by every request.
#[derive(Clone)]
pub struct Limiter {
    inner: Arc<Keyed>,
    per_second: u32,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Limiter({} requests/s per key)", self.per_second)
    }
}

impl Limiter {
    /// `per_second` requests per second per key, with bursts of the same size.
    pub fn new(per_second: NonZeroU32) -> Self {
        Self {
            inner: Arc::new(
                RateLimiter::keyed(Quota::per_second(per_second))
                    .with_middleware::<StateInformationMiddleware>(),
            ),
            per_second: per_second.get(),
        }
    }
}

fn bearer(request: &Request) -> Option<String> {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?
        .trim();
    // Only a hash of the key is kept in memory.
    Some(data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes())))
}

fn set_headers(response: &mut Response, limit: u32, remaining: u32, reset_seconds: u64) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", u64::from(limit)),
        ("ratelimit-remaining", u64::from(remaining)),
        ("ratelimit-reset", reset_seconds),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
}

pub async fn middleware(State(limiter): State<Limiter>, request: Request, next: Next) -> Response {
    let Some(key) = bearer(&request) else {
        return next.run(request).await;
    };
    if limiter.inner.len() > MAX_TRACKED_KEYS {
        limiter.inner.retain_recent();
    }
    let limit = limiter.per_second;
    match limiter.inner.check_key(&key) {
        Ok(snapshot) => {
            let remaining = snapshot.remaining_burst_capacity();
            let mut response = next.run(request).await;
            // Time until the bucket is full again, rounded up to whole seconds.
            let reset =
                u64::from(limit.saturating_sub(remaining)).div_ceil(u64::from(limit.max(1)));
            set_headers(&mut response, limit, remaining, reset);
            response
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut response = ApiError::Status {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "rate-limited",
                detail: format!(
                    "more than {limit} requests per second with this API key; retry in {seconds} s"
                ),
            }
            .into_response();
            set_headers(&mut response, limit, 0, seconds);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
    }
}
