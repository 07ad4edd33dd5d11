//! Wake-ups between instances on PostgreSQL: what another `tessera serve` process (or the command
//! line) committed reaches this one through `LISTEN/NOTIFY`, sent by the transactions themselves
//! ([`crate::db::notify`]), so a job enqueued elsewhere is claimed at once and a page waiting for a
//! redemption finished elsewhere answers at once. SQLite has one writer process: nothing to do.

use std::future::Future;
use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::Engine;
use crate::db::{Channel, Dialect};

/// Pause before connecting again after the listener's connection failed.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// Listens until `shutdown` resolves (returns at once on SQLite).
pub async fn listen(engine: Engine, shutdown: impl Future<Output = ()>) {
    if engine.db().dialect() != Dialect::Postgres {
        return;
    }
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = listen_once(&engine) => {}
        }
        // Whatever was sent while no one listened: look now (a spurious wake-up costs one query).
        engine.wake_workers();
        engine.redemption_settled();
        engine.db().wake_committed();
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(RECONNECT_DELAY) => {}
        }
    }
}

/// Connects, listens and dispatches until the connection fails.
async fn listen_once(engine: &Engine) {
    let mut listener = match PgListener::connect(engine.db().url()).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::warn!(error = %err, "could not connect to listen for other instances' work");
            return;
        }
    };
    let channels = Channel::ALL.map(Channel::name);
    if let Err(err) = listener.listen_all(channels).await {
        tracing::warn!(error = %err, "could not listen for other instances' work");
        return;
    }
    tracing::debug!("listening for other instances' work");
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                if notification.channel() == Channel::Jobs.name() {
                    engine.wake_workers();
                } else if notification.channel() == Channel::Redemptions.name() {
                    engine.redemption_settled();
                } else if notification.channel() == Channel::Deliveries.name() {
                    engine.db().wake_committed();
                }
            }
            // The connection was lost and made again: notifications meanwhile are gone.
            Ok(None) => {
                engine.wake_workers();
                engine.redemption_settled();
                engine.db().wake_committed();
            }
            Err(err) => {
                tracing::warn!(error = %err, "lost the connection that listens for other instances' work");
                return;
            }
        }
    }
}
