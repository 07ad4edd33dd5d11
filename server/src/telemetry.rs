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
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracing::info_span!(
        "request",
        request_id = id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}
