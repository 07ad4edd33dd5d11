//! On PostgreSQL, work committed by another instance wakes this one (LISTEN/NOTIFY): its workers
//! claim a job enqueued elsewhere at once, and a page waiting for a redemption finished elsewhere
//! answers at once. Needs PostgreSQL (`make test` starts one); without it, says so and passes.

use std::time::Duration;

use engine::db::{self, Channel, TEST_DATABASE_URL};
use engine::ids::ShareTokenId;
use engine::jobs::{self, Task};
use engine::{Database, Engine};

/// Two engines on one database, as two instances would be, with the first one listening.
async fn two_instances() -> Option<(Engine, Engine, tokio::sync::oneshot::Sender<()>)> {
    if std::env::var(TEST_DATABASE_URL).is_err() {
        eprintln!("skipped: needs PostgreSQL in {TEST_DATABASE_URL} (make test starts one)");
        return None;
    }
    let url = db::test_database_url("").await;
    let here = Engine::new(Database::connect(&url).await.expect("first instance"));
    let elsewhere = Engine::new(Database::connect(&url).await.expect("second instance"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(engine::notifications::listen(here.clone(), async {
        let _ = stopped.await;
    }));
    Some((here, elsewhere, stop))
}

/// Commits `send` on `elsewhere` every 100 ms (the listener may not be listening yet for the
/// first ones) until `woken` resolves; false if it has not after 10 s. Nothing else wakes `here`:
/// it has no workers and no requests of its own.
async fn wakes(
    elsewhere: &Engine,
    woken: impl Future<Output = ()>,
    send: impl AsyncFn(&mut engine::WriteTransaction),
) -> bool {
    tokio::pin!(woken);
    for _ in 0..100 {
        let mut tx = elsewhere.db().begin_write().await.expect("a transaction");
        send(&mut tx).await;
        tx.commit().await.expect("commit");
        if tokio::time::timeout(Duration::from_millis(100), &mut woken)
            .await
            .is_ok()
        {
            return true;
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_enqueued_by_another_instance_wakes_this_ones_workers() {
    let Some((here, elsewhere, _stop)) = two_instances().await else {
        return;
    };
    let task = Task::RedeemShareToken {
        share_token_id: ShareTokenId::new(),
    };

    let woken = wakes(&elsewhere, here.jobs_ready(), async |tx| {
        jobs::enqueue(tx, &task, elsewhere.now())
            .await
            .expect("enqueue");
    })
    .await;

    assert!(
        woken,
        "a job committed by another instance never woke this one's workers"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redemption_ended_by_another_instance_wakes_this_ones_waiters() {
    let Some((here, elsewhere, _stop)) = two_instances().await else {
        return;
    };

    let woken = wakes(&elsewhere, here.redemption_ended(), async |tx| {
        db::notify(tx, Channel::Redemptions).await.expect("notify");
    })
    .await;

    assert!(
        woken,
        "a redemption ended by another instance never woke this one's waiters"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_enqueue_wakes_nobody() {
    let Some((here, elsewhere, _stop)) = two_instances().await else {
        return;
    };
    // The listener is listening once a committed notification got through.
    assert!(
        wakes(&elsewhere, here.redemption_ended(), async |tx| {
            db::notify(tx, Channel::Redemptions).await.expect("notify");
        })
        .await,
        "the listener never started"
    );
    let task = Task::RedeemShareToken {
        share_token_id: ShareTokenId::new(),
    };

    let mut tx = elsewhere.db().begin_write().await.expect("a transaction");
    jobs::enqueue(&mut tx, &task, elsewhere.now())
        .await
        .expect("enqueue");
    drop(tx);
    let woken = tokio::time::timeout(Duration::from_secs(1), here.jobs_ready()).await;

    assert!(
        woken.is_err(),
        "a job that was rolled back woke the workers"
    );
}
