//! Several instances writing at once (separate connection pools on one database, as separate
//! `tessera serve` processes would be): claims never overlap and read-modify-write updates lose
//! nothing. On SQLite the single writer serialises them; on PostgreSQL (`make test` runs these
//! again there) row locks must.

use std::collections::HashSet;
use std::time::Duration;

use engine::ids::ShareTokenId;
use engine::jobs::{self, Task};
use engine::{Database, Engine, orgs};

/// `n` engines on one fresh database (a file for SQLite, so that they really share it).
async fn instances(n: usize) -> (Vec<Engine>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("shared.db").display());
    let url = engine::db::test_database_url(&sqlite).await;
    let mut engines = Vec::new();
    for _ in 0..n {
        engines.push(Engine::new(
            Database::connect(&url).await.expect("an instance"),
        ));
    }
    (engines, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_claiming_at_once_never_claim_the_same_job() {
    let (engines, _dir) = instances(4).await;
    let mut tx = engines[0].db().begin_write().await.unwrap();
    for _ in 0..200 {
        let task = Task::RedeemShareToken {
            share_token_id: ShareTokenId::new(),
        };
        jobs::enqueue(&mut tx, &task, engines[0].now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let mut claimers = tokio::task::JoinSet::new();
    for engine in engines {
        claimers.spawn(async move {
            let mut claimed = Vec::new();
            loop {
                let batch = jobs::claim_many(&engine, Duration::from_secs(60), 8)
                    .await
                    .expect("a claim");
                if batch.is_empty() {
                    return claimed;
                }
                claimed.extend(batch.into_iter().map(|job| job.seq));
            }
        });
    }
    let mut all = Vec::new();
    while let Some(claimed) = claimers.join_next().await {
        all.extend(claimed.expect("a claimer"));
    }

    let distinct: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "{} claims of jobs another instance had claimed",
        all.len() - distinct.len()
    );
    assert_eq!(distinct.len(), 200, "every job was claimed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn origins_allowed_at_once_by_several_instances_are_all_kept() {
    let (engines, _dir) = instances(4).await;
    let (org, _) = orgs::create(&engines[0], "Acme", &[]).await.unwrap();

    let mut writers = tokio::task::JoinSet::new();
    for (n, engine) in engines.into_iter().enumerate() {
        let org = org.id.clone();
        writers.spawn(async move {
            for m in 0..10 {
                let origin = format!("https://site-{n}-{m}.example");
                orgs::allow_origins(&engine, &org, &[origin])
                    .await
                    .expect("allow");
            }
            engine
        });
    }
    let mut engines = Vec::new();
    while let Some(engine) = writers.join_next().await {
        engines.push(engine.expect("a writer"));
    }

    let stored: String =
        sqlx::query_scalar("SELECT allowed_origins FROM organizations WHERE id = $1")
            .bind(&org.id)
            .fetch_one(engines[0].db().pool())
            .await
            .unwrap();
    let stored: Vec<String> = serde_json::from_str(&stored).expect("a JSON list");
    assert_eq!(
        stored.len(),
        40,
        "origins were lost to concurrent writes: {stored:?}"
    );
}
