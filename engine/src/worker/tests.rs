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

#[tokio::test]
async fn a_job_whose_turn_comes_as_its_batchs_lease_ends_runs_if_still_its_workers_and_not_if_taken_over()
 {
    let engine = engine().await;
    let lease = engine.job_lease();
    let kept = enqueue(&engine, Task::PanicForTest).await;
    let lost = enqueue(&engine, Task::PanicForTest).await;
    let batch = jobs::claim_many(&engine, lease, 2).await.unwrap();
    let claimed = |seq| batch.iter().find(|job| job.seq == seq).unwrap().clone();
    // Another worker takes `lost` over once its lease has run out (the clock moves past it).
    sqlx::query("UPDATE jobs SET locked_until = $1 WHERE seq = $2")
        .bind(engine.now())
        .bind(lost)
        .execute(engine.db().pool())
        .await
        .unwrap();
    let taken_over = jobs::claim_many(&engine, lease, 2).await.unwrap();
    assert_eq!(taken_over.len(), 1, "only the lapsed job is claimed again");

    // The batch's lease ends now: each job's turn comes too late to end before it.
    let deadline = tokio::time::Instant::now();
    let ran_kept = run_alone(&engine, &claimed(kept), deadline).await.unwrap();
    let ran_lost = run_alone(&engine, &claimed(lost), deadline).await.unwrap();

    assert!(
        ran_kept && !ran_lost,
        "a late job runs only while still its worker's (ran: kept {ran_kept}, lost {ran_lost})"
    );
    assert_eq!(
        job_row(&engine, kept).await,
        ("failed".to_owned(), Some("the job panicked".to_owned())),
        "a late job still claimed by its worker has its lease renewed and runs"
    );
    assert_eq!(
        job_row(&engine, lost).await,
        ("running".to_owned(), None),
        "a late job taken over meanwhile is left to the worker that holds it now"
    );
}

#[tokio::test]
async fn a_renewed_lease_keeps_the_job_from_other_workers_until_it_ends_again() {
    let engine = engine().await;
    let lease = engine.job_lease();
    let seq = enqueue(&engine, Task::PanicForTest).await;
    let claimed = jobs::claim(&engine, lease)
        .await
        .unwrap()
        .expect("the job is due");
    engine.clock().advance(lease / 2);

    let renewed = jobs::renew(&engine, &claimed, lease).await.unwrap();
    engine.clock().advance(lease / 2 + Duration::from_secs(1));
    let at_first_lease_end = jobs::claim(&engine, lease).await.unwrap();
    engine.clock().advance(lease / 2);
    let after_renewed_lease = jobs::claim(&engine, lease).await.unwrap();
    let renewed_again = jobs::renew(&engine, &claimed, lease).await.unwrap();

    assert!(renewed, "the job was still its worker's: the renewal holds");
    assert!(
        at_first_lease_end.is_none(),
        "no other worker takes the job when its first lease ends: {at_first_lease_end:?}"
    );
    assert_eq!(
        after_renewed_lease.as_ref().map(|job| job.seq),
        Some(seq),
        "the job is taken over once the renewed lease has ended too"
    );
    assert!(
        !renewed_again,
        "a worker whose job was taken over cannot renew it"
    );
}
