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
        if ["BEGIN", "COMMIT", "ROLLBACK", MARKER].contains(&summary.as_str())
            || summary.starts_with("PRAGMA ")
        {
            return;
        }
        self.count.fetch_add(1, Ordering::SeqCst);
        self.seen.lock().unwrap().push(summary);
    }
}

/// Sent before each count is taken; not counted.
const MARKER: &str = "SELECT 'statements counted'";

impl Statements {
    /// The statements counted since the last time, after everything `engine` sent so far was
    /// logged.
    async fn take(&self, engine: &Engine) -> (usize, Vec<String>) {
        sqlx::query(MARKER)
            .execute(engine.db().pool())
            .await
            .unwrap();
        let seen = std::mem::take(&mut *self.seen.lock().unwrap());
        (self.count.swap(0, Ordering::SeqCst), seen)
    }
}

/// The statements counter, installed once for this test binary (global: SQLite's statements run,
/// and are logged, on each connection's own thread), and a lock so that one test counts at a
/// time.
fn statements() -> &'static Statements {
    static STATEMENTS: std::sync::OnceLock<Statements> = std::sync::OnceLock::new();
    STATEMENTS.get_or_init(|| {
        let statements = Statements::default();
        tracing::subscriber::set_global_default(
            tracing_subscriber::registry()
                .with(
                    tracing_subscriber::filter::Targets::new()
                        .with_target("sqlx::query", tracing::Level::TRACE),
                )
                .with(statements.clone()),
        )
        .expect("the only subscriber of this test binary");
        statements
    })
}

static COUNTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// An engine on a fresh database, and how many statements
/// PostgreSQL adds to a transaction that enqueues a job or ends redemptions: it tells other
/// instances (`pg_notify`); SQLite has no other instances to tell.
///
/// SQLite runs in memory, on one connection: its statements are logged by the connection's own
/// thread, and with one thread [`Statements::take`]'s marker is logged after everything sent
/// before it.
async fn test_engine() -> (Engine, usize) {
    let url = engine::db::test_database_url("sqlite::memory:").await;
    let engine = Engine::new(Database::connect(&url).await.unwrap());
    let notify = usize::from(engine.db().dialect() == engine::db::Dialect::Postgres);
    (engine, notify)
}

#[tokio::test]
async fn the_consent_screen_stays_within_its_statement_budget() {
    let _counting = COUNTING.lock().await;
    let (engine, _) = test_engine().await;
    let demo = engine::demo::seed(&engine, &[]).await.unwrap();
    let started = engine::flow::start(
        &engine,
        &engine::flow::StartRequest {
            template_id: demo.extra_template_id.clone(),
            share_token: Some(demo.extra_token_id.clone()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let view = || {
        engine::flow::view(
            &engine,
            &started.inquiry_id,
            started.session_token.expose_secret(),
            None,
            None,
        )
    };
    // Once first: the caches are warm and the flow's row exists, as for a user who reloads.
    view().await.unwrap();
    let statements = statements();
    statements.take(&engine).await;

    let shown = view().await.unwrap();
    let (count, seen) = statements.take(&engine).await;

    assert!(
        matches!(shown.screen, engine::flow::Screen::Consent(_)),
        "the flow shows the consent screen"
    );
    assert!(
        count <= CONSENT_BUDGET,
        "the consent screen took {count} statements (budget {CONSENT_BUDGET}):\n  {}",
        seen.join("\n  ")
    );
}

/// One: the session's inquiry joined with the flow's row, its token, the decision recorded for
/// it and its source's schema id. Organizations and schemas come from the process's caches.
const CONSENT_BUDGET: usize = 1;

#[tokio::test]
async fn redeeming_into_a_transaction_stays_within_its_statement_budget() {
    let _counting = COUNTING.lock().await;
    let (engine, notify) = test_engine().await;
    let load = engine::scenarios::redemption_load(&engine, 2 + BATCH)
        .await
        .unwrap();
    let statements = statements();
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
    statements.take(&engine).await;

    redemption::redeem(&engine, &load.destination, &redeem(1))
        .await
        .unwrap();
    let (request, request_seen) = statements.take(&engine).await;
    worker::run_pending(&engine).await.unwrap();
    let (job, job_seen) = statements.take(&engine).await;

    for n in 2..2 + BATCH {
        redemption::redeem(&engine, &load.destination, &redeem(n))
            .await
            .unwrap();
    }
    statements.take(&engine).await;
    worker::run_pending(&engine).await.unwrap();
    let (batch, batch_seen) = statements.take(&engine).await;

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

/// Whatever the batch's size: the queue look and the claim, one read each of the tokens, the
/// destinations and the destinations again under the write lock, one update of every token and
/// one of every destination, the workflow runs, one insert of every event, the webhooks and
/// workflows that hear of them, the jobs' completion, the look for more.
const BATCH_BUDGET: usize = 13;

/// The token and its connection (rule 1), the destination (rule 2), the conditional
/// `created → pending`, the job. Transaction boundaries are not counted.
const REQUEST_BUDGET: usize = 4;

/// The queue look and the claim, the token and the destination read outside the write lock, the
/// destination again under it, the destination's values, the token, the workflow runs waiting
/// for it, both events in one insert, the webhooks and workflows that hear of them, the job's
/// completion, and the worker's look at the queue for more.
const JOB_BUDGET: usize = 13;
