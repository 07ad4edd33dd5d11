//! [`Engine`]: what every engine function needs (database, clock, watchlist), cheap to clone.

use std::sync::Arc;

use crate::Database;
use crate::time::{Clock, Timestamp};
use crate::verification::Watchlist;

/// The engine's shared handles.
#[derive(Clone, Debug)]
pub struct Engine {
    db: Database,
    clock: Clock,
    watchlist: Arc<Watchlist>,
    /// Woken when a job is enqueued, so workers need not poll tightly.
    jobs_ready: Arc<tokio::sync::Notify>,
}

impl Engine {
    /// An engine over `db` with the system clock and the bundled watchlist.
    pub fn new(db: Database) -> Self {
        Self {
            db,
            clock: Clock::System,
            watchlist: Arc::new(Watchlist::default()),
            jobs_ready: Arc::new(tokio::sync::Notify::new()),
        }
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_watchlist(mut self, watchlist: Watchlist) -> Self {
        self.watchlist = Arc::new(watchlist);
        self
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn watchlist(&self) -> &Watchlist {
        &self.watchlist
    }

    /// Tells a waiting worker that a job was committed.
    pub fn wake_workers(&self) {
        self.jobs_ready.notify_one();
    }

    /// Resolves when a job may be waiting.
    pub async fn jobs_ready(&self) {
        self.jobs_ready.notified().await;
    }
}
