//! Rate limiting (GCRA from the `governor` crate). API requests without a key: the key limit per
//! client address. With a key: the key limit per key, and ten times it per address whatever key
//! is sent (a made-up key buys no fresh bucket). Pages and server functions: per address. API answers carry
//! `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` and 429 `rate-limited` when over;
//! pages answer 429 with a short page in the visitor's language.

use std::num::NonZeroU32;
use std::sync::Arc;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
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

/// A keyed limiter shared by every request.
#[derive(Clone)]
pub struct Limiter {
    inner: Arc<Keyed>,
    per_second: u32,
}

/// The API's limiters: per API key, and per client address over every request.
#[derive(Clone, Debug)]
pub struct ApiLimiter {
    pub per_key: Limiter,
    pub per_address: Limiter,
}

impl ApiLimiter {
    /// `per_second` requests per key; an address may send [`ADDRESS_FACTOR`] times that.
    pub fn new(per_second: NonZeroU32) -> Self {
        Self {
            per_key: Limiter::new(per_second),
            per_address: Limiter::new(
                per_second.saturating_mul(
                    NonZeroU32::new(ADDRESS_FACTOR).expect("the factor is not zero"),
                ),
            ),
        }
    }
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Limiter({} requests/s per key)", self.per_second)
    }
}

impl Limiter {
    /// Counts one request for `key`: the burst capacity left, or the whole seconds to wait.
    fn check(&self, key: String) -> Result<u32, u64> {
        if self.inner.len() > MAX_TRACKED_KEYS {
            self.inner.retain_recent();
        }
        match self.inner.check_key(&key) {
            Ok(snapshot) => Ok(snapshot.remaining_burst_capacity()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
            }
        }
    }

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

/// The client's address as the connection reports it (the server does not trust forwarding
/// headers: behind a proxy, rate-limit at the proxy). IPv6 clients are grouped by their /64, the
/// block one subscriber usually holds.
fn client_address(request: &Request) -> String {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    match ip {
        Some(std::net::IpAddr::V4(ip)) => format!("addr:{ip}"),
        Some(std::net::IpAddr::V6(ip)) => {
            let [a, b, c, d, ..] = ip.segments();
            format!("addr:{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
        None => "addr:unknown".to_owned(),
    }
}

/// How many times a key's limit one address may send in all, whatever keys it uses: callers with
/// several keys behind one address are fine, made-up keys (each a fresh bucket) are not.
pub const ADDRESS_FACTOR: u32 = 10;

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

pub async fn middleware(
    State(limiters): State<ApiLimiter>,
    request: Request,
    next: Next,
) -> Response {
    // A request with a Bearer value counts against its address's keyed budget (so a made-up key
    // buys no fresh bucket) and against the key; one without counts against its address at the
    // key limit. The headers describe the limit that answered.
    let address = client_address(&request);
    let (limiter, verdict) = match bearer(&request) {
        Some(key) => match limiters.per_address.check(address) {
            Ok(_) => (&limiters.per_key, limiters.per_key.check(key)),
            Err(wait) => (&limiters.per_address, Err(wait)),
        },
        None => (&limiters.per_key, limiters.per_key.check(address)),
    };
    let limit = limiter.per_second;
    match verdict {
        Ok(remaining) => {
            let mut response = next.run(request).await;
            // Time until the bucket is full again, rounded up to whole seconds.
            let reset =
                u64::from(limit.saturating_sub(remaining)).div_ceil(u64::from(limit.max(1)));
            set_headers(&mut response, limit, remaining, reset);
            response
        }
        Err(seconds) => {
            let mut response = ApiError::Status {
                status: StatusCode::TOO_MANY_REQUESTS,
                code: "rate-limited",
                detail: format!(
                    "more than {limit} requests per second from this API key or address; retry in {seconds} s"
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

/// The limiter of pages and server functions, per client address.
#[derive(Clone, Debug)]
pub struct PageLimiter(pub Limiter);

/// Pages and server functions: over the limit, a 429 page in the visitor's language with
/// `Retry-After`; nothing else runs. The built bundles under `/pkg/` are static files and not
/// counted.
pub async fn page_middleware(
    State(PageLimiter(limiter)): State<PageLimiter>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/pkg/") {
        return next.run(request).await;
    }
    match limiter.check(client_address(&request)) {
        Ok(_) => next.run(request).await,
        Err(seconds) => {
            let lang = request
                .headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(app::i18n::Lang::from_accept_language)
                .unwrap_or_default();
            let (heading, text) = app::i18n::too_many_requests(lang);
            let body = format!(
                "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{heading}</title></head>\
                 <body><main><h1>{heading}</h1><p>{text}</p></main></body></html>",
                lang.tag()
            );
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
    }
}
