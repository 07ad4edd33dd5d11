//! Redemption throughput into a 10-field transaction on SQLite (file, WAL), against a bare sqlx
//! loop that writes the same rows one redemption at a time: the engine one at a time (each
//! redemption's job run before the next is asked), and requested together (16 calls in flight,
//! started in groups by the request-side group commit) then drained by the worker in batches
//! (the goal: batching beats the naive loop). Prints the rates. Runs with mimalloc, as `tessera`.
//!
//! `cargo bench -p engine --bench redemption_throughput` (REDEMPTIONS=n to change the count).
//! Under `scripts/with-postgres.sh` the same run follows on PostgreSQL.

#[path = "../../server/benches/common/mod.rs"]
mod common;

use std::time::Instant;

use futures::StreamExt as _;

use engine::redemption::{self, Redeem};
use engine::{Database, Engine, worker};

/// The allocator the `tessera` binary ships with (server/src/lib.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Redemption calls in flight at once when they are requested together.
const REQUESTERS: usize = 16;

fn main() {
    // 2,000: a batched run of 500 lasted about 0.3 s, and its ratio moved by ±30 % between runs.
    let count: usize = std::env::var("REDEMPTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    common::block_on(async move {
        let dir = tempfile::tempdir().expect("temp dir");
        for url in common::database_urls(dir.path(), "bench.db").await {
            run(&url, count).await;
        }
    });
}

async fn run(url: &str, count: usize) {
    {
        let engine = Engine::new(Database::connect(url).await.expect("db"));
        let engine::scenarios::RedemptionLoad {
            destination,
            values,
            work,
            ..
        } = engine::scenarios::redemption_load(&engine, 2 * count)
            .await
            .expect("scenario");
        let (one_by_one, together) = work.split_at(count);
        let command = |(token, txn): &(String, String)| Redeem {
            token_id: engine::ids::ShareTokenId::parse(token).unwrap(),
            destination_id: txn.clone(),
            mappings: Vec::new(),
        };

        let started = Instant::now();
        for work in one_by_one {
            redemption::redeem(&engine, &destination, &command(work))
                .await
                .unwrap();
            worker::run_pending(&engine).await.unwrap();
        }
        let engine_rate = count as f64 / started.elapsed().as_secs_f64();
        println!(
            "redemptions into a 10-field transaction: {engine_rate:.0}/s (engine, redeem + job)"
        );

        // Requested together (a partner's customer base, a workflow's burst: REQUESTERS calls
        // in flight, as the API serves concurrent clients), then drained by the worker in
        // batches under one commit each.
        let started = Instant::now();
        futures::stream::iter(together)
            .map(|work| {
                let (engine, destination) = (&engine, &destination);
                async move {
                    redemption::redeem(engine, destination, &command(work))
                        .await
                        .unwrap();
                }
            })
            .buffer_unordered(REQUESTERS)
            .collect::<()>()
            .await;
        let requested = started.elapsed();
        worker::run_pending(&engine).await.unwrap();
        let batched_rate = count as f64 / started.elapsed().as_secs_f64();
        println!(
            "the same, requested together and drained in batches: {batched_rate:.0}/s \
             (requests {:.0} ms, drain {:.0} ms)",
            requested.as_secs_f64() * 1e3,
            (started.elapsed() - requested).as_secs_f64() * 1e3
        );

        // The same rows written by hand: the token claim and job insert, then in the job the
        // destination fields, the token, two events and the job completion.
        let started = Instant::now();
        for (n, (token, txn)) in one_by_one.iter().enumerate() {
            let mut tx = engine.db().begin_write().await.unwrap();
            sqlx::query("UPDATE share_tokens SET updated_at = $1 WHERE id = $2")
                .bind(n as i64)
                .bind(token)
                .execute(&mut *tx)
                .await
                .unwrap();
            let seq: i64 = sqlx::query_scalar("INSERT INTO jobs (kind, payload, status, max_attempts, run_at, created_at, updated_at) VALUES ('bare', '{}', 'queued', 8, 0, 0, 0) RETURNING seq")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let mut tx = engine.db().begin_write().await.unwrap();
            sqlx::query("UPDATE objects SET fields = $1, updated_at = $2 WHERE id = $3")
                .bind(values.to_string())
                .bind(n as i64)
                .bind(txn)
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query(
                "UPDATE share_tokens SET hydration_report = '{}', updated_at = $1 WHERE id = $2",
            )
            .bind(n as i64)
            .bind(token)
            .execute(&mut *tx)
            .await
            .unwrap();
            for _ in 0..2 {
                sqlx::query("INSERT INTO events (id, organization_id, name, payload, created_at) VALUES ($1, $2, 'bare', '{}', 0)")
                    .bind(engine::ids::EventId::new())
                    .bind(&destination)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            sqlx::query("UPDATE jobs SET status = 'succeeded' WHERE seq = $1")
                .bind(seq)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let bare_rate = count as f64 / started.elapsed().as_secs_f64();
        println!("bare sqlx loop writing the same rows:     {bare_rate:.0}/s");
        common::Figure {
            benchmark: "redemption throughput",
            database: common::database_name(url),
            metric: "redemptions into a 10-field transaction, one at a time (/s)".into(),
            value: engine_rate,
            unit: "/s",
            reference: Some(("bare sqlx loop, same rows", bare_rate)),
            goal: None,
        }
        .report();
        common::Figure {
            benchmark: "redemption throughput",
            database: common::database_name(url),
            metric: "redemptions into a 10-field transaction, requested together, drained in batches (/s)".into(),
            value: batched_rate,
            unit: "/s",
            reference: Some(("bare sqlx loop, same rows", bare_rate)),
            goal: Some("ratio >= 1.0"),
        }
        .report();
    }
}
