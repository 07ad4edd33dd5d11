//! [`Engine`]: what every engine function needs (database, clock, watchlist), cheap to clone.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::Database;
use crate::time::{Clock, Timestamp};
use crate::verification::{Inspection, Watchlist};

/// The engine's shared handles. A clone is one reference count: requests clone it often, and a
/// struct of a dozen `Arc`s cost a dozen contended increments and decrements each time.
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Clone, Debug)]
struct Inner {
    db: Database,
    clock: Clock,
    watchlist: Arc<Watchlist>,
    /// Woken when a job is enqueued, so workers need not poll tightly.
    jobs_ready: Arc<tokio::sync::Notify>,
    /// Woken when a redemption ends (redeemed or failed), so waiting pages need not poll.
    redemptions: Arc<tokio::sync::Notify>,
    workers: Arc<WorkerHealth>,
    /// Files inspected at once: decoding is CPU- and memory-bound, so it is queued, not piled up.
    inspections: Arc<tokio::sync::Semaphore>,
    /// How long a claimed job stays reserved for this process's worker.
    job_lease: std::time::Duration,
    /// Where webhooks may point and how their deliveries are retried.
    webhook_policy: Arc<crate::webhooks::WebhookPolicy>,
    /// Schemas read so far (they never change once created).
    schemas: Arc<crate::schemas::SchemaCache>,
    /// API keys checked recently ([`crate::orgs::API_KEY_TRUST`]).
    api_keys: Arc<crate::orgs::ApiKeyCache>,
    /// Organizations read recently ([`crate::orgs::ORGANIZATION_TRUST`]).
    organizations: Arc<crate::orgs::OrganizationCache>,
    /// Redemptions waiting to start together ([`crate::redemption::StartQueue`]).
    starts: Arc<crate::redemption::StartQueue>,
}

/// How often a wait for a redemption looks again without being woken: an end written by another
/// process (a second instance, the command line) wakes nobody here.
pub const CROSS_PROCESS_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Files inspected at the same time (each within the decode limits of
/// [`crate::verification::inspect`]).
pub const CONCURRENT_INSPECTIONS: usize = 2;

/// How the background workers of this process are doing, for `/readyz`.
#[derive(Debug, Default)]
pub struct WorkerHealth {
    expected: AtomicUsize,
    running: AtomicUsize,
    restarts: AtomicUsize,
}

impl WorkerHealth {
    /// Workers meant to run (0 where none are started, e.g. a command-line tool).
    pub fn expected(&self) -> usize {
        self.expected.load(Ordering::Relaxed)
    }

    /// Workers running now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }

    /// Workers that died and were started again since the process began.
    pub fn restarts(&self) -> usize {
        self.restarts.load(Ordering::Relaxed)
    }

    /// True when every expected worker runs.
    pub fn all_running(&self) -> bool {
        self.running() >= self.expected()
    }

    pub(crate) fn set_expected(&self, n: usize) {
        self.expected.store(n, Ordering::Relaxed);
    }

    pub(crate) fn started(&self) {
        self.running.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn stopped(&self) {
        self.running.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn restarted(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }
}

impl Engine {
    /// An engine over `db` with the system clock and the bundled watchlist.
    pub fn new(db: Database) -> Self {
        let inner = Inner {
            db,
            clock: Clock::System,
            watchlist: Arc::new(Watchlist::default()),
            jobs_ready: Arc::new(tokio::sync::Notify::new()),
            redemptions: Arc::new(tokio::sync::Notify::new()),
            workers: Arc::new(WorkerHealth::default()),
            inspections: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_INSPECTIONS)),
            job_lease: crate::jobs::LEASE,
            webhook_policy: Arc::new(crate::webhooks::WebhookPolicy::default()),
            schemas: Arc::new(crate::schemas::SchemaCache::new(
                crate::schemas::CACHED_SCHEMAS,
            )),
            api_keys: Arc::new(crate::orgs::ApiKeyCache::new(
                crate::orgs::CACHED_API_KEYS,
                crate::orgs::API_KEY_TRUST,
            )),
            organizations: Arc::new(crate::orgs::OrganizationCache::new(
                crate::orgs::CACHED_ORGANIZATIONS,
                crate::orgs::ORGANIZATION_TRUST,
            )),
            starts: Arc::default(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Redemptions waiting to start together.
    pub(crate) fn starts(&self) -> &crate::redemption::StartQueue {
        &self.inner.starts
    }

    /// Schemas read so far.
    pub(crate) fn schema_cache(&self) -> &crate::schemas::SchemaCache {
        &self.inner.schemas
    }

    /// API keys checked recently.
    pub(crate) fn api_key_cache(&self) -> &crate::orgs::ApiKeyCache {
        &self.inner.api_keys
    }

    /// Organizations read recently.
    pub(crate) fn organization_cache(&self) -> &crate::orgs::OrganizationCache {
        &self.inner.organizations
    }

    /// Webhooks follow `policy` (private targets, retry delays) instead of the defaults.
    pub fn with_webhook_policy(mut self, policy: crate::webhooks::WebhookPolicy) -> Self {
        Arc::make_mut(&mut self.inner).webhook_policy = Arc::new(policy);
        self
    }

    /// Where webhooks may point and how their deliveries are retried.
    pub fn webhook_policy(&self) -> &crate::webhooks::WebhookPolicy {
        &self.inner.webhook_policy
    }

    /// Reserves claimed jobs for `lease` instead of [`crate::jobs::LEASE`]: the work of an
    /// instance that died is taken over by another after this long. A job of a batch whose turn
    /// comes less than [`crate::worker::JOB_TIMEOUT`] (or half the lease, if that is shorter)
    /// before the batch's lease ends has its own lease renewed before it starts. A lease shorter
    /// than one job's work never repeats its effects (a worker whose claim was taken over writes
    /// nothing), but each take-over uses one of the job's attempts, so a job slower than the
    /// lease many times over ends failed.
    pub fn with_job_lease(mut self, lease: std::time::Duration) -> Self {
        Arc::make_mut(&mut self.inner).job_lease = lease;
        self
    }

    /// How long a claimed job stays reserved.
    pub fn job_lease(&self) -> std::time::Duration {
        self.inner.job_lease
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        Arc::make_mut(&mut self.inner).clock = clock;
        self
    }

    pub fn with_watchlist(mut self, watchlist: Watchlist) -> Self {
        Arc::make_mut(&mut self.inner).watchlist = Arc::new(watchlist);
        self
    }

    pub fn db(&self) -> &Database {
        &self.inner.db
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    pub fn watchlist(&self) -> &Watchlist {
        &self.inner.watchlist
    }

    /// Tells a waiting worker that a job was committed.
    pub fn wake_workers(&self) {
        self.inner.jobs_ready.notify_one();
    }

    /// Resolves when a job may be waiting.
    pub async fn jobs_ready(&self) {
        self.inner.jobs_ready.notified().await;
    }

    /// Tells everyone waiting in [`Engine::wait_for_redemption`] that a redemption ended.
    pub(crate) fn redemption_settled(&self) {
        self.inner.redemptions.notify_waiters();
    }

    /// Resolves at the next end of a redemption this process hears of (its own, or on PostgreSQL
    /// another instance's).
    pub async fn redemption_ended(&self) {
        self.inner.redemptions.notified().await;
    }

    /// Waits until `ended` is true, or `limit` has passed; checks again each time a redemption of
    /// this process ends, and once every [`CROSS_PROCESS_CHECK`] for an end written by another
    /// process (no tight polling). Returns the last answer of `ended`.
    pub async fn wait_for_redemption<F, Fut>(
        &self,
        limit: std::time::Duration,
        mut ended: F,
    ) -> bool
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            // Registered before checking, so an end between the check and the wait is not missed.
            let settled = self.inner.redemptions.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            if ended().await {
                return true;
            }
            let next_check = deadline.min(tokio::time::Instant::now() + CROSS_PROCESS_CHECK);
            let _ = tokio::time::timeout_at(next_check, settled).await;
            if tokio::time::Instant::now() >= deadline {
                return ended().await;
            }
        }
    }

    /// Inspects a file on the blocking pool, at most [`CONCURRENT_INSPECTIONS`] at a time, never on
    /// the async threads.
    pub async fn inspect(&self, bytes: Arc<Vec<u8>>) -> Inspection {
        let permit = self.inner.inspections.clone().acquire_owned().await;
        // The permit lives as long as the decoding, not the caller: a request that is cancelled
        // meanwhile does not let another decode start beside this one.
        tokio::task::spawn_blocking(move || {
            let inspection = crate::verification::inspect(&bytes);
            drop(permit);
            inspection
        })
        .await
        .unwrap_or(Inspection::Unreadable {
            why: crate::verification::Unreadable::BrokenImage,
        })
    }

    /// The background workers' health.
    pub fn workers(&self) -> &WorkerHealth {
        &self.inner.workers
    }
}
