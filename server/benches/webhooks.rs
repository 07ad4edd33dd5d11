//! Webhooks and workflows measured against a real Tessera server (random port, SQLite file, its own
//! workers and delivery loop) and a real receiver (axum on loopback, answering 204), in one
//! process on the same cores:
//!
//! 1. a burst of 1,000 events committed in one transaction, one webhook subscribed: event
//!    `created-at` → the receiver's arrival of its first attempt, p50/p99;
//! 2. a workflow that redeems inbound tokens into a transaction: token `created-at` → `redeemed-at`,
//!    tokens created at 50/s (open loop), p50/p99;
//! 3. redemption throughput with no webhook, then with 10 webhooks subscribed to every event of the
//!    destination (10 deliveries per redemption), 1,000 redemptions each, 50 redeeming tasks.
//!
//! `cargo bench -p server --bench webhooks` (BURST=n, WORKFLOW_TOKENS=n, REDEMPTIONS=n to change).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use engine::Engine;
use engine::ids::ShareTokenId;
use engine::objects::ObjectKind;
use engine::redemption::{self, Redeem};
use engine::share_tokens::{self, CreateShareToken, DEFAULT_TTL_SECONDS, ShareTokenStatus};
use engine::webhooks::{self, CreateWebhook};
use engine::workflows::{self, CreateWorkflow, Step};
use server::{ServeConfig, Tessera};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs_f64()
        * 1000.0
}

fn summary(name: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{name:<52} n={:<6} p50={:>8.1} ms  p99={:>8.1} ms  max={:>8.1} ms",
        samples.len(),
        at(0.5),
        at(0.99),
        samples.last().copied().unwrap_or(f64::NAN)
    );
}

/// First arrival time (ms since the epoch) per event id.
type Arrivals = Arc<Mutex<HashMap<String, f64>>>;

async fn receive(State(arrivals): State<Arrivals>, body: Bytes) -> StatusCode {
    let at = now_ms();
    let event: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Some(id) = event["data"]["id"].as_str() {
        arrivals.lock().unwrap().entry(id.to_owned()).or_insert(at);
    }
    StatusCode::NO_CONTENT
}

async fn receiver() -> (String, Arrivals) {
    let arrivals: Arrivals = Arc::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(arrivals.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, arrivals)
}

struct Server {
    engine: Engine,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let mut config = ServeConfig::new("127.0.0.1:0".parse().unwrap(), url);
    config.allow_private_webhook_targets = true;
    let tessera = Tessera::build(config).await.expect("server");
    let engine = tessera.engine().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(tessera.run_until(async {
        let _ = stopped.await;
    }));
    Server {
        engine,
        stop,
        task,
        _dir: dir,
    }
}

impl Server {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

async fn wait_until(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Tokens of `org` (as destination) not redeemed yet.
async fn unredeemed(engine: &Engine, org: &engine::ids::OrgId) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM share_tokens WHERE destination_organization_id = $1 AND status <> 'redeemed'",
    )
    .bind(org)
    .fetch_one(engine.db().pool())
    .await
    .unwrap()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        burst().await;
        workflow().await;
        for subscribed in [0, 10] {
            throughput(subscribed).await;
        }
    });
}

async fn burst() {
    let events = env_or("BURST", 1000);
    println!("\n## A burst of {events} events, one webhook");
    let server = server().await;
    let engine = &server.engine;
    let (url, arrivals) = receiver().await;
    let (org, _) = engine::orgs::create(engine, "Burst", &[]).await.unwrap();
    webhooks::create(
        engine,
        &org.id,
        CreateWebhook {
            url,
            enabled_events: vec!["*".into()],
        },
    )
    .await
    .unwrap();
    let mut tx = engine.db().begin_write().await.unwrap();
    let now = engine.now();
    let mut ids = Vec::new();
    for n in 0..events {
        let id = engine::events::record(
            &mut tx,
            &org.id,
            engine::events::names::INQUIRY_COMPLETED,
            serde_json::json!({ "type": "inquiry", "id": format!("inq_{n}") }),
            now,
        )
        .await
        .unwrap();
        ids.push(id.to_string());
    }
    let committed_at = now_ms();
    tx.commit().await.unwrap();
    let started = Instant::now();
    wait_until(
        "every event's first attempt",
        Duration::from_secs(120),
        async || arrivals.lock().unwrap().len() >= events,
    )
    .await;
    let elapsed = started.elapsed();
    let arrivals = arrivals.lock().unwrap().clone();
    let latencies = ids.iter().map(|id| arrivals[id] - committed_at).collect();
    println!(
        "{events} deliveries in {:.2} s ({:.0}/s)",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64()
    );
    summary("event committed → first attempt received", latencies);
    server.stop().await;
}

async fn workflow() {
    let tokens = env_or("WORKFLOW_TOKENS", 300);
    println!("\n## A workflow redeeming inbound tokens, {tokens} tokens created at 50/s");
    let server = server().await;
    let engine = &server.engine;
    let load = engine::scenarios::redemption_load(engine, 0).await.unwrap();
    let schema: String = sqlx::query_scalar(
        "SELECT id FROM schemas WHERE organization_id = $1 AND kind = 'transaction-type'",
    )
    .bind(&load.destination)
    .fetch_one(engine.db().pool())
    .await
    .unwrap();
    workflows::create(
        engine,
        &load.destination,
        CreateWorkflow {
            name: "Auto-redeem".into(),
            trigger_event: workflows::REDEEMABLE_TRIGGER.into(),
            steps: vec![Step::RedeemShareToken {
                destination_kind: ObjectKind::Transaction,
                schema_id: schema,
                field_mappings: vec![],
            }],
        },
    )
    .await
    .unwrap();
    let (source, connection, source_txn): (String, String, String) = sqlx::query_as(
        "SELECT c.source_organization_id, c.id, o.id FROM connections c JOIN objects o ON o.organization_id = c.source_organization_id
         WHERE c.destination_organization_id = $1 AND o.kind = 'transaction'",
    )
    .bind(&load.destination)
    .fetch_one(engine.db().pool())
    .await
    .unwrap();
    let source = engine::ids::OrgId::parse(&source).unwrap();
    let command = CreateShareToken {
        connection_id: engine::ids::ConnectionId::parse(&connection).unwrap(),
        source_id: source_txn,
        expires_in_seconds: DEFAULT_TTL_SECONDS,
    };
    let mut created = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for _ in 0..tokens {
        tick.tick().await;
        created.push(
            share_tokens::create(engine, &source, &command)
                .await
                .unwrap()
                .id,
        );
    }
    wait_until(
        "every token redeemed",
        Duration::from_secs(120),
        async || unredeemed(engine, &load.destination).await == 0,
    )
    .await;
    let mut latencies = Vec::new();
    for id in &created {
        let token = share_tokens::get(engine, &load.destination, id)
            .await
            .unwrap();
        assert_eq!(token.status, ShareTokenStatus::Redeemed);
        latencies.push((token.redeemed_at.unwrap().millis() - token.created_at.millis()) as f64);
    }
    summary("token created → redeemed by the workflow", latencies);
    server.stop().await;
}

async fn throughput(subscribed: usize) {
    let redemptions = env_or("REDEMPTIONS", 1000);
    println!("\n## {redemptions} redemptions, {subscribed} webhooks subscribed to every event");
    let server = server().await;
    let engine = server.engine.clone();
    let load = engine::scenarios::redemption_load(&engine, redemptions)
        .await
        .unwrap();
    let (url, arrivals) = receiver().await;
    for n in 0..subscribed {
        webhooks::create(
            &engine,
            &load.destination,
            CreateWebhook {
                url: format!("{url}?n={n}"),
                enabled_events: vec!["*".into()],
            },
        )
        .await
        .unwrap();
    }
    let work = Arc::new(load.work);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (engine, work, next, org) = (
            engine.clone(),
            work.clone(),
            next.clone(),
            load.destination.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((token, destination)) = work.get(i) else {
                    break;
                };
                let command = Redeem {
                    token_id: ShareTokenId::parse(token).unwrap(),
                    destination_id: destination.clone(),
                    mappings: vec![],
                };
                redemption::redeem(&engine, &org, &command).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    wait_until(
        "every token redeemed",
        Duration::from_secs(300),
        async || unredeemed(&engine, &load.destination).await == 0,
    )
    .await;
    let elapsed = started.elapsed();
    let delivered_meanwhile = arrivals.lock().unwrap().len();
    println!(
        "{redemptions} redeemed in {:.2} s: {:.0} redemptions/s ({} distinct events delivered by then)",
        elapsed.as_secs_f64(),
        redemptions as f64 / elapsed.as_secs_f64(),
        delivered_meanwhile
    );
    if subscribed > 0 {
        let expected = redemptions * subscribed;
        let started = Instant::now();
        wait_until("every delivery", Duration::from_secs(600), async || {
            let done: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'succeeded'",
            )
            .fetch_one(engine.db().pool())
            .await
            .unwrap();
            done as usize >= expected
        })
        .await;
        println!(
            "then every one of the {expected} deliveries succeeded {:.2} s later",
            started.elapsed().as_secs_f64()
        );
    }
    server.stop().await;
}
