//! The worker's own tests: a panicking job, a dying worker.

use std::sync::atomic::AtomicBool;

use super::*;
use crate::testing::engine;

/// Makes the next worker [`spawn_worker`] starts panic at once (only one test sets it).
pub(super) static DIE_ON_START: AtomicBool = AtomicBool::new(false);

pub(super) fn panic_for_test() -> Result<(), JobFailure> {
    panic!("a job that panics, for the worker's tests")
}

async fn enqueue(engine: &Engine, task: Task) -> i64 {
    let mut tx = engine.db().begin_write().await.unwrap();
    let seq = jobs::enqueue(&mut tx, &task, engine.now()).await.unwrap();
    tx.commit().await.unwrap();
    seq
}

async fn job_row(engine: &Engine, seq: i64) -> (String, Option<String>) {
    sqlx::query_as("SELECT status, last_error FROM jobs WHERE seq = $1")
        .bind(seq)
        .fetch_one(engine.db().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_panicking_job_is_given_up_and_the_worker_runs_the_next_one() {
    let engine = engine().await;
    let first = enqueue(&engine, Task::PanicForTest).await;
    let second = enqueue(&engine, Task::PanicForTest).await;

    let ran = run_pending(&engine)
        .await
        .expect("a panicking job must not take the worker down");

    assert_eq!(ran, 2, "both jobs were claimed and settled");
    for seq in [first, second] {
        assert_eq!(
            job_row(&engine, seq).await,
            ("failed".to_owned(), Some("the job panicked".to_owned())),
            "job {seq} is given up at once (a panic is not retried)"
        );
    }
}

#[tokio::test]
async fn a_worker_that_dies_is_started_again_and_reported_meanwhile() {
    let engine = engine().await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let shutdown = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };
    DIE_ON_START.store(true, std::sync::atomic::Ordering::SeqCst);

    let supervisor = tokio::spawn(supervise(engine.clone(), 2, shutdown));
    let restarted = tokio::time::timeout(Duration::from_secs(10), async {
        while engine.workers().restarts() == 0 || !engine.workers().all_running() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    stop.send(true).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(10), supervisor).await;

    assert!(
        restarted.is_ok(),
        "the dead worker was not started again: {} running, {} restarts",
        engine.workers().running(),
        engine.workers().restarts()
    );
    assert_eq!(engine.workers().expected(), 2);
    assert!(
        matches!(finished, Ok(Ok(()))),
        "the supervisor stops when asked: {finished:?}"
    );
    assert_eq!(engine.workers().running(), 0, "every worker stopped");
}
