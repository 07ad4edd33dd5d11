//! Growth: the same reads and a redemption, against a real Tessera server, for a destination
//! holding 10 k rows and then 1 M rows of each kind (share tokens, events, transactions; made by
//! `engine::generate`, as `tessera generate` does). Each figure is the median of 21 requests
//! after 3 warm-ups; the goal is that 1 M costs at most 1.5× what 10 k costs.
//!
//! `cargo bench -p server --bench growth` (GROWTH_SIZES=10000,1000000 to change the sizes).
//! Under `scripts/with-postgres.sh` the same run follows on PostgreSQL.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Figure, database_name, median, now_ms};
use engine::generate::{self, Volume};
use engine::ids::ShareTokenId;
use engine::members::{self, Password, SignIn};
use engine::objects::{self, CreateObject, ObjectKind};
use engine::paging::PageRequest;
use engine::share_tokens::{self, CreateShareToken, ListFilter, ShareTokenStatus};
use serde_json::{Value, json};
use server::{ServeConfig, Tessera};

const SAMPLES: usize = 21;
const WARM_UPS: usize = 3;

fn main() {
    let sizes: Vec<u64> = std::env::var("GROWTH_SIZES")
        .unwrap_or_else(|_| "10000,1000000".into())
        .split(',')
        .map(|n| n.trim().parse().expect("GROWTH_SIZES is a list of numbers"))
        .collect();
    common::block_on(async move {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut databases: Vec<(&str, Vec<String>)> = Vec::new();
        let mut sqlite = Vec::new();
        for &size in &sizes {
            sqlite.push(format!(
                "sqlite://{}",
                dir.path().join(format!("growth-{size}.db")).display()
            ));
        }
        databases.push(("sqlite", sqlite));
        if std::env::var(engine::db::TEST_DATABASE_URL).is_ok() {
            let mut postgres = Vec::new();
            for _ in &sizes {
                postgres.push(engine::db::test_database_url("").await);
            }
            databases.push(("postgres", postgres));
        }
        for (name, urls) in databases {
            println!("\n## growth on {name}: sizes {sizes:?}");
            let mut runs = Vec::new();
            for (&size, url) in sizes.iter().zip(&urls) {
                runs.push(measure(url, size).await);
            }
            let (first, last) = (&runs[0], &runs[runs.len() - 1]);
            for (metric, at_largest) in last {
                // Event names come from the newest events, which on PostgreSQL are a sample of the
                // last generated batch (its insert does not keep the batch's order): a name seen
                // at one size only is said, not compared.
                let Some(&at_smallest) = first.get(metric) else {
                    println!(
                        "{metric}: measured at {} only",
                        count(sizes[sizes.len() - 1])
                    );
                    continue;
                };
                Figure {
                    benchmark: "growth",
                    database: database_name(&urls[0]),
                    metric: format!(
                        "{metric} at {} vs {}",
                        count(sizes[sizes.len() - 1]),
                        count(sizes[0])
                    ),
                    value: *at_largest,
                    unit: "ms",
                    reference: Some(("smallest", at_smallest)),
                    goal: Some("ratio <= 1.5"),
                }
                .report();
            }
        }
    });
}

fn count(n: u64) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{} M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{} k", n / 1_000),
        n => n.to_string(),
    }
}

/// Fills a fresh database with `size` rows of each kind, serves it, and measures every read:
/// metric → median milliseconds.
async fn measure(url: &str, size: u64) -> BTreeMap<String, f64> {
    let mut config = ServeConfig::new("127.0.0.1:0".parse().unwrap(), url);
    config.rate_limit = std::num::NonZeroU32::new(1_000_000).unwrap();
    config.page_rate_limit = config.rate_limit;
    let tessera = Tessera::build(config).await.expect("server");
    let base = format!("http://{}", tessera.local_addr());
    let engine = tessera.engine().clone();
    let started = Instant::now();
    let generated = generate::generate(
        &engine,
        Volume {
            tokens: size,
            events: size,
            objects: size,
        },
    )
    .await
    .expect("the generator fills the database");
    println!(
        "{size} rows of each kind generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let org = generated.destination_organization_id.clone();
    let key = generated.destination_key.expose_secret().to_owned();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tessera.run_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();

    // A member of the destination, signed in, for the dashboard's pages.
    let password = "growth benchmark password";
    members::create(&engine, &org, "bench@example.com", Password::new(password))
        .await
        .expect("a member");
    let SignIn::Signed(_, secret) =
        members::sign_in(&engine, "bench@example.com", Password::new(password), None)
            .await
            .expect("sign-in")
    else {
        panic!("the bench member could not sign in");
    };
    let cookie = format!("tessera_session={}", secret.expose_secret());

    let event_names: Vec<String> = {
        let read: Value = client
            // A page as large as the generator's cycle of template events: on SQLite the same
            // names at every size.
            .get(format!("{base}/api/v1/events?page[size]=100"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut names: Vec<String> = read["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["attributes"]["name"].as_str().map(str::to_owned))
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let mut reads: Vec<(String, String, bool)> = Vec::new();
    let api = |path: &str| {
        (
            format!("GET /api/v1{path}"),
            format!("{base}/api/v1{path}"),
            false,
        )
    };
    let page = |path: &str| (format!("page {path}"), format!("{base}{path}"), true);
    reads.push(api("/connect/share-tokens"));
    for status in ["created", "pending", "redeemed", "expired", "failed"] {
        reads.push(api(&format!(
            "/connect/share-tokens?filter[status]={status}"
        )));
    }
    for direction in ["inbound", "outbound"] {
        reads.push(api(&format!(
            "/connect/share-tokens?filter[direction]={direction}"
        )));
    }
    reads.push((
        "GET /api/v1/connect/share-tokens?filter[connection-id]=…".into(),
        format!(
            "{base}/api/v1/connect/share-tokens?filter[connection-id]={}",
            generated.connection_id
        ),
        false,
    ));
    reads.push(api("/events"));
    for name in &event_names {
        reads.push(api(&format!("/events?filter[name]={name}")));
    }
    reads.push(api("/transactions"));
    reads.push(page("/dashboard/connect/share-tokens"));
    reads.push(page("/dashboard/connect/share-tokens?status=redeemed"));
    reads.push(page("/dashboard/transactions"));

    let mut figures = BTreeMap::new();
    for (metric, url, as_member) in reads {
        let mut samples = Vec::with_capacity(SAMPLES);
        for n in 0..WARM_UPS + SAMPLES {
            let request = client.get(&url);
            let request = if as_member {
                request.header("cookie", &cookie)
            } else {
                request.bearer_auth(&key)
            };
            let t0 = Instant::now();
            let response = request.send().await.unwrap();
            let status = response.status();
            let _ = response.bytes().await.unwrap();
            assert_eq!(status, 200, "{metric} answered {status}");
            if n >= WARM_UPS {
                samples.push(t0.elapsed().as_secs_f64() * 1000.0);
            }
        }
        figures.insert(metric, median(samples));
    }
    figures.insert(
        "redeem → redeemed".into(),
        redemption_latency(&engine, &client, &base, &key, &generated).await,
    );
    for (metric, value) in &figures {
        println!("  {size:>8} rows  {metric:<70} {value:>8.2} ms");
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    engine.db().close().await;
    figures
}

/// Median of redeem → `redeemed` (client send time to the token's `redeemed-at`) for fresh
/// tokens on the generated connection, one at a time.
async fn redemption_latency(
    engine: &engine::Engine,
    client: &reqwest::Client,
    base: &str,
    key: &str,
    generated: &generate::Generated,
) -> f64 {
    let org = &generated.destination_organization_id;
    let waiting = share_tokens::list(
        engine,
        org,
        &ListFilter {
            status: Some(ShareTokenStatus::Created),
            direction: Some(share_tokens::Direction::Inbound),
            ..Default::default()
        },
        &PageRequest {
            size: 1,
            after: None,
        },
    )
    .await
    .unwrap()
    .items
    .remove(0);
    let schema_id = objects::list(
        engine,
        org,
        ObjectKind::Transaction,
        &PageRequest {
            size: 1,
            after: None,
        },
    )
    .await
    .unwrap()
    .items
    .remove(0)
    .schema_id;
    let mut samples = Vec::new();
    for n in 0..WARM_UPS + SAMPLES {
        let token = share_tokens::create(
            engine,
            &generated.source_organization_id,
            &CreateShareToken {
                connection_id: waiting.connection_id.clone(),
                source_id: waiting.source_id.clone(),
                expires_in_seconds: share_tokens::DEFAULT_TTL_SECONDS,
            },
        )
        .await
        .unwrap();
        let target = objects::create(
            engine,
            org,
            CreateObject {
                kind: ObjectKind::Transaction,
                schema_id: schema_id.clone(),
                reference_id: None,
                fields: Default::default(),
            },
        )
        .await
        .unwrap()
        .record;
        let sent = now_ms();
        let response = client
            .post(format!(
                "{base}/api/v1/connect/share-tokens/{}/redeem",
                token.id
            ))
            .bearer_auth(key)
            .json(&json!({"data": {"attributes": {"destination-id": target.id}}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
        let redeemed_at = loop {
            let read = share_tokens::get(
                engine,
                org,
                &ShareTokenId::parse(token.id.as_str()).unwrap(),
            )
            .await
            .unwrap();
            if let Some(at) = read.redeemed_at {
                break at;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        if n >= WARM_UPS {
            samples.push(redeemed_at.millis() as f64 - sent);
        }
    }
    median(samples)
}
