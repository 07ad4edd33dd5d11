//! Logging with `tracing`. Level from `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; logs go to stderr so stdout stays for command output.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // A second call (tests building several servers) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The span of one request: method, path (never the query string, which can carry share tokens or
/// prefilled personal data) and a request id.
pub fn request_span(request: &http::Request<axum::body::Body>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    // Health probes are polled all day: their spans (and the response lines in them) are debug.
    if matches!(request.uri().path(), "/healthz" | "/readyz") {
        return tracing::debug_span!(
            "request",
            request_id = %id,
            method = %request.method(),
            path = %request.uri().path(),
        );
    }
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// Logs a response at the level of its request's span: info, or debug for health probes.
pub fn log_response<B>(
    response: &http::Response<B>,
    latency: std::time::Duration,
    span: &tracing::Span,
) {
    let status = response.status().as_u16();
    let millis = latency.as_secs_f64() * 1000.0;
    let quiet = span
        .metadata()
        .is_none_or(|meta| *meta.level() == tracing::Level::DEBUG);
    if quiet {
        tracing::debug!(status, latency_ms = millis, "finished processing request");
    } else {
        tracing::info!(status, latency_ms = millis, "finished processing request");
    }
}

/// Longest client-sent `x-request-id` kept.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// True for a client-sent request id worth keeping: 1 to 64 characters of `[A-Za-z0-9._:-]`
/// (nothing a log reader could mistake for structure, nothing long).
pub fn is_acceptable_request_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Drops a client-sent `x-request-id` that is not acceptable, so a generated one replaces it.
pub async fn sanitize_request_id(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let unacceptable = request
        .headers()
        .get("x-request-id")
        .is_some_and(|id| !is_acceptable_request_id(id.as_bytes()));
    if unacceptable {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

/// Request ids `req_` + 80 random bits, for requests that arrive without an `x-request-id`.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomRequestId;

impl tower_http::request_id::MakeRequestId for RandomRequestId {
    fn make_request_id<B>(
        &mut self,
        _: &http::Request<B>,
    ) -> Option<tower_http::request_id::RequestId> {
        let id = format!(
            "req_{}",
            engine::ids::encode_base32(&engine::ids::random_bytes::<10>())
        );
        http::HeaderValue::from_str(&id)
            .ok()
            .map(tower_http::request_id::RequestId::new)
    }
}
