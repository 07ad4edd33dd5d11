//! A load run against a real Tessera server (HTTP on a random port, SQLite file, the server's own
//! workers): 50 concurrent clients each redeem a share token into a transaction and wait (polling
//! the token every 10 ms; the latency itself is measured to the token's `redeemed-at`, so the
//! polling interval does not inflate it) until it is redeemed before sending the next, while one more samples
//! `/healthz` every 5 ms. Reports redeem → `redeemed` latency (client send time to the token's `redeemed-at`),
//! the `POST …/redeem` response latency, `/healthz` latency as the floor, and process RSS.
//!
//! `cargo bench -p server --bench load` (REDEMPTIONS=n, CLIENTS=n, POLL_MS=n to change the run).
//! Under `scripts/with-postgres.sh` (TESSERA_TEST_DATABASE_URL set) the same run follows on
//! PostgreSQL, with one instance and then two instances (two servers, each with its own pool
//! and workers, the clients alternating between them), so the three are measured side by side.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::{Figure, env_or, now_ms, percentile, rss_mib};
use engine::share_tokens::{self, ShareTokenStatus};
use serde_json::{Value, json};
use server::{ServeConfig, Tessera};

/// Prints the samples' percentiles; returns p50 and p99.
fn summary(name: &str, mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    println!(
        "{name:<38} n={:<6} p50={:>7.2} ms  p99={:>7.2} ms  max={:>7.2} ms",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples.last().copied().unwrap_or(f64::NAN)
    );
    (percentile(&samples, 0.5), percentile(&samples, 0.99))
}

fn main() {
    common::block_on(async move {
        let dir = tempfile::tempdir().expect("temp dir");
        run(
            "SQLite (file, WAL), 1 instance",
            &format!("sqlite://{}", dir.path().join("load.db").display()),
            1,
        )
        .await;
        if std::env::var(engine::db::TEST_DATABASE_URL).is_ok() {
            for instances in [1, 2] {
                let url = engine::db::test_database_url("").await;
                run(
                    &format!("PostgreSQL, {instances} instance(s)"),
                    &url,
                    instances,
                )
                .await;
            }
        }
    });
}

async fn run(label: &str, database_url: &str, instances: usize) {
    let redemptions = env_or("REDEMPTIONS", 2000);
    let clients = env_or("CLIENTS", 50);
    let poll = Duration::from_millis(env_or("POLL_MS", 10) as u64);
    println!("\n## {label}");
    {
        let mut bases = Vec::new();
        let mut servers = Vec::new();
        let mut engine = None;
        for _ in 0..instances {
            let mut config = ServeConfig::new("127.0.0.1:0".parse().unwrap(), database_url);
            config.rate_limit = std::num::NonZeroU32::new(1_000_000).unwrap();
            let tessera = Tessera::build(config).await.expect("server");
            bases.push(format!("http://{}", tessera.local_addr()));
            engine.get_or_insert_with(|| tessera.engine().clone());
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            servers.push((
                stop,
                tokio::spawn(tessera.run_until(async {
                    let _ = stopped.await;
                })),
            ));
        }
        let engine = engine.expect("one instance at least");
        let base = bases[0].clone();
        let bases = Arc::new(bases);

        // Arrange: two organizations, an active connection, a 10-field source transaction, and
        // one share token plus one empty destination transaction per redemption.
        let engine::scenarios::RedemptionLoad {
            destination,
            destination_key: key,
            work,
            ..
        } = engine::scenarios::redemption_load(&engine, redemptions)
            .await
            .expect("scenario");
        let work = Arc::new(work);
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(2 * clients)
            .build()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let idle_rss = rss_mib();

        // Act: redeemers and health checkers run side by side until the redemptions are sent.
        let next = Arc::new(AtomicUsize::new(0));
        let sent_at = Arc::new(std::sync::Mutex::new(vec![0.0f64; redemptions]));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let started = Instant::now();
        let mut redeemers = Vec::new();
        for _ in 0..clients {
            let (client, work, next, sent_at, bases, key) = (
                client.clone(),
                work.clone(),
                next.clone(),
                sent_at.clone(),
                bases.clone(),
                key.expose_secret().to_owned(),
            );
            redeemers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((token, txn)) = work.get(i) else {
                        break;
                    };
                    // Two instances behind a round-robin balancer: each redemption's requests go
                    // to one of them in turn.
                    let base = &bases[i % bases.len()];
                    let body = json!({"data": {"attributes": {"destination-id": txn}}});
                    let t0 = Instant::now();
                    sent_at.lock().unwrap()[i] = now_ms();
                    let response = client
                        .post(format!("{base}/api/v1/connect/share-tokens/{token}/redeem"))
                        .bearer_auth(&key)
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(
                        response.status(),
                        202,
                        "redeem answered {}",
                        response.text().await.unwrap_or_default()
                    );
                    latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
                    // Closed loop: this client waits for its redemption before sending the next.
                    loop {
                        let read: Value = client
                            .get(format!("{base}/api/v1/connect/share-tokens/{token}"))
                            .bearer_auth(&key)
                            .send()
                            .await
                            .unwrap()
                            .json()
                            .await
                            .unwrap();
                        if read["data"]["attributes"]["status"] == "redeemed" {
                            break;
                        }
                        tokio::time::sleep(poll).await;
                    }
                }
                latencies
            }));
        }
        // One /healthz sampler every 5 ms: the floor, without stealing the CPU the redemptions need.
        let checker = common::sample_healthz(&client, &base, done.clone());
        let mut redeem_latencies = Vec::new();
        for r in redeemers {
            redeem_latencies.extend(r.await.unwrap());
        }
        let loaded_rss = rss_mib();
        loop {
            let filter = share_tokens::ListFilter {
                status: Some(ShareTokenStatus::Pending),
                ..Default::default()
            };
            let pending = share_tokens::list(
                &engine,
                &destination,
                &filter,
                &engine::paging::PageRequest {
                    size: 1,
                    after: None,
                },
            )
            .await
            .unwrap();
            if pending.items.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let elapsed = started.elapsed();
        done.store(true, Ordering::Relaxed);
        let health_latencies = checker.await.unwrap();

        // Assert and report.
        let sent_at = sent_at.lock().unwrap().clone();
        let mut end_to_end = Vec::with_capacity(redemptions);
        for (i, (token, _)) in work.iter().enumerate() {
            let token = share_tokens::get(
                &engine,
                &destination,
                &engine::ids::ShareTokenId::parse(token).unwrap(),
            )
            .await
            .unwrap();
            assert_eq!(token.status, ShareTokenStatus::Redeemed);
            end_to_end.push(token.redeemed_at.unwrap().millis() as f64 - sent_at[i]);
        }
        println!(
            "{redemptions} redemptions, {clients} concurrent redeem clients + a /healthz sampler, {:.1} s, {:.0} redemptions/s",
            elapsed.as_secs_f64(),
            redemptions as f64 / elapsed.as_secs_f64()
        );
        let (p50, p99) = summary("redeem → redeemed (ms resolution)", end_to_end);
        summary("POST …/redeem response", redeem_latencies);
        let (health_p50, _) = summary("GET /healthz (floor)", health_latencies);
        println!(
            "process RSS (server + load client): idle {idle_rss:.1} MiB, under load {loaded_rss:.1} MiB"
        );
        let database = common::database_name(database_url);
        let benchmark = if instances == 1 {
            "load"
        } else {
            "load, 2 instances"
        };
        let figure = |metric: String, value: f64, unit, reference, goal| Figure {
            benchmark,
            database,
            metric,
            value,
            unit,
            reference,
            goal,
        };
        figure(
            format!("capacity: {clients} closed-loop clients (redemptions/s)"),
            redemptions as f64 / elapsed.as_secs_f64(),
            "/s",
            None,
            Some(">= 2000"),
        )
        .report();
        figure(
            "at capacity: redeem → redeemed p50".to_string(),
            p50,
            "ms",
            Some(("/healthz p50", health_p50)),
            None,
        )
        .report();
        figure(
            "at capacity: redeem → redeemed p99".to_string(),
            p99,
            "ms",
            None,
            None,
        )
        .report();
        figure(
            "RSS idle (server + load client)".into(),
            idle_rss,
            "MiB",
            None,
            None,
        )
        .report();
        figure(
            "RSS under load (server + load client)".into(),
            loaded_rss,
            "MiB",
            None,
            None,
        )
        .report();
        if instances == 1 {
            open_loop(&engine, &base, &client, database).await;
        }
        for (stop, server) in servers {
            let _ = stop.send(());
            server.await.unwrap().unwrap();
        }
    }
}

/// Open loop: redemptions arrive at `OPEN_RATE` per second (default 200) with Poisson arrivals,
/// each sent when it is due whatever the others are doing, while `/healthz` is sampled every
/// 5 ms; redeem → `redeemed` is measured from each send to the token's `redeemed-at`.
async fn open_loop(engine: &engine::Engine, base: &str, client: &reqwest::Client, database: &str) {
    let rate = env_or("OPEN_RATE", 200) as f64;
    let count = env_or("OPEN_REDEMPTIONS", 2000);
    let engine::scenarios::RedemptionLoad {
        destination,
        destination_key: key,
        work,
        ..
    } = engine::scenarios::redemption_load(engine, count)
        .await
        .expect("scenario");
    let key = key.expose_secret().to_owned();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = common::sample_healthz(client, base, done.clone());
    let started = Instant::now();
    let mut due = 0.0f64;
    let mut sends = Vec::with_capacity(count);
    for (token, txn) in work.iter().cloned() {
        // Exponential gaps: -ln(U) / rate, U uniform in (0, 1].
        let random = u64::from_le_bytes(engine::ids::random_bytes::<8>());
        let uniform = ((random >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        due += -uniform.ln() / rate;
        let wait = Duration::from_secs_f64(due).saturating_sub(started.elapsed());
        tokio::time::sleep(wait).await;
        let (client, base, key) = (client.clone(), base.to_owned(), key.clone());
        sends.push(tokio::spawn(async move {
            let sent = now_ms();
            let response = client
                .post(format!("{base}/api/v1/connect/share-tokens/{token}/redeem"))
                .bearer_auth(&key)
                .json(&json!({"data": {"attributes": {"destination-id": txn}}}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202);
            (token, sent)
        }));
    }
    let offered = count as f64 / started.elapsed().as_secs_f64();
    let mut sent = Vec::with_capacity(count);
    for send in sends {
        sent.push(send.await.unwrap());
    }
    let mut latencies = Vec::with_capacity(count);
    for (token, sent_at) in sent {
        let id = engine::ids::ShareTokenId::parse(&token).unwrap();
        let redeemed_at = loop {
            let read = share_tokens::get(engine, &destination, &id).await.unwrap();
            if let Some(at) = read.redeemed_at {
                break at;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        latencies.push(redeemed_at.millis() as f64 - sent_at);
    }
    done.store(true, Ordering::Relaxed);
    let health = sampler.await.unwrap();
    println!("open loop: {count} redemptions offered at {offered:.0}/s (Poisson)");
    let (p50, p99) = summary("redeem → redeemed (ms resolution)", latencies);
    let (health_p50, _) = summary("GET /healthz meanwhile", health);
    let figure = |metric: &str, value: f64, reference, goal| Figure {
        benchmark: "load, open loop",
        database,
        metric: format!("{metric} at {offered:.0}/s offered"),
        value,
        unit: "ms",
        reference,
        goal,
    };
    figure(
        "redeem → redeemed p50",
        p50,
        Some(("/healthz p50", health_p50)),
        Some("<= 5"),
    )
    .report();
    figure("redeem → redeemed p99", p99, None, Some("<= 25")).report();
}
