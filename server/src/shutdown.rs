//! The signal that starts a graceful shutdown: SIGTERM or Ctrl-C (SIGINT).

use std::future::Future;

/// Registers the signal handlers now (so a signal that arrives right after start-up is not lost)
/// and returns a future that resolves when one arrives. Call inside the runtime.
#[cfg(unix)]
pub fn install() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::info!("shutdown requested: finishing in-flight requests");
    })
}

#[cfg(not(unix))]
pub fn install() -> std::io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutdown requested: finishing in-flight requests");
    })
}
