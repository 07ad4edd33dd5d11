//! How many statements the hot paths send to the database: every statement is a round trip (to
//! SQLite's connection thread, or over the network to PostgreSQL), and their number is what
//! bounds redemption throughput. These counts are budgets: a change that adds a statement to a
//! redemption fails here and has to say why.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use engine::redemption::{self, Redeem};
use engine::{Database, Engine, worker};
use tracing_subscriber::layer::{Context, SubscriberExt as _};

/// Counts the statements sqlx logs (target `sqlx::query`), and keeps their first words.
#[derive(Clone, Default)]
struct Statements {
    count: Arc<AtomicUsize>,
    seen: Arc<std::sync::Mutex<Vec<String>>>,
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        struct Summary(String);
        impl tracing::field::Visit for Summary {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "summary" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut summary = Summary(String::new());
        event.record(&mut summary);
        // Transaction boundaries are not counted (sqlx logs them on PostgreSQL only), nor a new
        // pooled connection's setup (SQLite's pragmas).
        let summary = summary.0.trim_matches('"').to_owned();
        if ["BEGIN", "COMMIT", "ROLLBACK"].contains(&summary.as_str())
            || summary.starts_with("PRAGMA ")
        {
            return;
        }
        self.count.fetch_add(1, Ordering::SeqCst);
        self.seen.lock().unwrap().push(summary);
    }
}

impl Statements {
    fn take(&self) -> (usize, Vec<String>) {
        let seen = std::mem::take(&mut *self.seen.lock().unwrap());
        (self.count.swap(0, Ordering::SeqCst), seen)
    }
}

#[tokio::test]
async fn redeeming_into_a_transaction_stays_within_its_statement_budget() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("statements.db").display());
    let url = std::env::var("TESSERA_TEST_DATABASE_URL").unwrap_or(url);
    let engine = Engine::new(Database::connect(&url).await.unwrap());
    // PostgreSQL tells other instances (`pg_notify`) once per transaction that enqueues a job or
    // ends redemptions; SQLite has no other instances to tell.
    let notify = usize::from(engine.db().dialect() == engine::db::Dialect::Postgres);
    let load = engine::scenarios::redemption_load(&engine, 2 + BATCH)
        .await
        .unwrap();
    let statements = Statements::default();
    // Global: SQLite's statements run (and are logged) on each connection's own thread.
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::filter::Targets::new()
                    .with_target("sqlx::query", tracing::Level::TRACE),
            )
            .with(statements.clone()),
    )
    .expect("the only subscriber of this test binary");
    // One redemption first: the schema cache and the pool's connections are warm, as in a
    // running server.
    let redeem = |n: usize| Redeem {
        token_id: engine::ids::ShareTokenId::parse(&load.work[n].0).unwrap(),
        destination_id: load.work[n].1.clone(),
        mappings: Vec::new(),
    };
    redemption::redeem(&engine, &load.destination, &redeem(0))
        .await
        .unwrap();
    worker::run_pending(&engine).await.unwrap();
    statements.take();

    redemption::redeem(&engine, &load.destination, &redeem(1))
        .await
        .unwrap();
    let (request, request_seen) = statements.take();
    worker::run_pending(&engine).await.unwrap();
    let (job, job_seen) = statements.take();

    for n in 2..2 + BATCH {
        redemption::redeem(&engine, &load.destination, &redeem(n))
            .await
            .unwrap();
    }
    statements.take();
    worker::run_pending(&engine).await.unwrap();
    let (batch, batch_seen) = statements.take();

    assert!(
        request <= REQUEST_BUDGET + notify,
        "starting a redemption took {request} statements (budget {REQUEST_BUDGET}):\n  {}",
        request_seen.join("\n  ")
    );
    assert!(
        job <= JOB_BUDGET + notify,
        "the redemption job took {job} statements (budget {JOB_BUDGET}):\n  {}",
        job_seen.join("\n  ")
    );
    assert!(
        batch <= BATCH_BUDGET + notify,
        "a batch of {BATCH} redemption jobs took {batch} statements (budget {BATCH_BUDGET}):\n  {}",
        batch_seen.join("\n  ")
    );
}

/// Jobs a worker claims at once.
const BATCH: usize = worker::BATCH as usize;

/// What a batch shares (the queue look and claim, one read each of the tokens, the
/// destinations and the destinations again under the write lock, the workflow runs, one insert
/// of every event, the webhooks and workflows that hear of them, the jobs' completion, the look
/// for more) and, per job, the token and the destination's values.
const BATCH_BUDGET: usize = 11 + 2 * BATCH;

/// The token and its connection (rule 1), the destination (rule 2), the conditional
/// `created → pending`, the job. Transaction boundaries are not counted.
const REQUEST_BUDGET: usize = 4;

/// The queue look and the claim, the token and the destination read outside the write lock, the
/// destination again under it, the destination's values, the token, the workflow runs waiting
/// for it, both events in one insert, the webhooks and workflows that hear of them, the job's
/// completion, and the worker's look at the queue for more.
const JOB_BUDGET: usize = 13;
