//! The background worker: claims due jobs and runs them, until asked to stop.

use std::future::Future;
use std::time::Duration;

use crate::Engine;
use crate::error::Result;
use crate::jobs::{self, Job, kinds};
use crate::redemption::{self, JobFailure};

/// How long an idle worker waits before looking again (a wake-up comes sooner when a job is
/// enqueued by this process; this catches jobs enqueued elsewhere and leases that ran out).
pub const IDLE_POLL: Duration = Duration::from_millis(500);

/// Jobs one worker claims at a time: under load a batch costs one claim commit instead of one
/// per job; idle peers are woken to take the next batch.
pub const BATCH: u32 = 8;

/// Claims up to [`BATCH`] due jobs and runs them one after another. Returns how many ran.
pub async fn run_batch(engine: &Engine) -> Result<usize> {
    let batch = jobs::claim_many(engine, jobs::LEASE, BATCH).await?;
    if batch.len() == BATCH as usize {
        // More may be queued: let an idle peer take the next batch meanwhile.
        engine.wake_workers();
    }
    let (redemptions, others): (Vec<Job>, Vec<Job>) = batch
        .iter()
        .cloned()
        .partition(|job| job.kind == kinds::REDEEM_SHARE_TOKEN);
    let mut first_error = None;
    if let Err(err) = run_redemptions(engine, &redemptions).await {
        first_error.get_or_insert(err);
    }
    // A failure to reach the database for one job does not strand the rest of the batch.
    for job in &others {
        if let Err(err) = run_job(engine, job).await {
            first_error.get_or_insert(err);
        }
    }
    match first_error {
        Some(err) => Err(err),
        None => Ok(batch.len()),
    }
}

/// Runs redemption jobs with one commit for all of them (group commit): each job's writes sit in
/// their own savepoint, so a job that fails rolls back alone and is retried or given up as usual.
/// When the shared transaction itself fails, each job runs on its own instead.
async fn run_redemptions(engine: &Engine, batch: &[Job]) -> Result<()> {
    if batch.len() <= 1 {
        for job in batch {
            run_job(engine, job).await?;
        }
        return Ok(());
    }
    let mut prepared = Vec::with_capacity(batch.len());
    for job in batch {
        prepared.push(redemption::prepare(engine, job).await);
    }
    let outcomes = match write_group(engine, batch, prepared).await {
        Ok(outcomes) => outcomes,
        Err(err) => {
            tracing::warn!(error = %err, "a group of redemptions could not commit; running them one by one");
            for job in batch {
                run_job(engine, job).await?;
            }
            return Ok(());
        }
    };
    for (job, outcome) in batch.iter().zip(outcomes) {
        match outcome {
            Ok(()) => tracing::info!(job = job.seq, "share token redeemed"),
            Err(failure) => settle_failure(engine, job, failure).await?,
        }
    }
    Ok(())
}

async fn write_group(
    engine: &Engine,
    batch: &[Job],
    prepared: Vec<Result<redemption::Prepared, JobFailure>>,
) -> Result<Vec<Result<(), JobFailure>>> {
    let mut tx = engine.db().begin_write().await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for (job, prepared) in batch.iter().zip(prepared) {
        let prepared = match prepared {
            Ok(prepared) => prepared,
            Err(failure) => {
                outcomes.push(Err(failure));
                continue;
            }
        };
        sqlx::query("SAVEPOINT job").execute(&mut *tx).await?;
        let outcome = redemption::apply(&mut tx, engine, job, prepared).await;
        if outcome.is_err() {
            sqlx::query("ROLLBACK TO SAVEPOINT job")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("RELEASE SAVEPOINT job")
            .execute(&mut *tx)
            .await?;
        outcomes.push(outcome);
    }
    tx.commit().await?;
    Ok(outcomes)
}

async fn run_job(engine: &Engine, job: &Job) -> Result<()> {
    let outcome = match job.kind.as_str() {
        kinds::REDEEM_SHARE_TOKEN => redemption::run_job(engine, job).await,
        other => Err(JobFailure::Permanent(format!("unknown job kind `{other}`"))),
    };
    match outcome {
        Ok(()) => Ok(()),
        Err(failure) => settle_failure(engine, job, failure).await,
    }
}

/// Puts a failed job back for a retry, or gives it up.
async fn settle_failure(engine: &Engine, job: &Job, failure: JobFailure) -> Result<()> {
    match failure {
        JobFailure::Transient(reason) => {
            tracing::warn!(job = job.seq, kind = %job.kind, attempt = job.attempt, %reason, "job failed; will retry");
            if jobs::retry_later(engine, job, &reason).await? {
                give_up(engine, job, &reason).await?;
            }
        }
        JobFailure::Permanent(reason) => give_up(engine, job, &reason).await?,
    }
    Ok(())
}

async fn give_up(engine: &Engine, job: &Job, reason: &str) -> Result<()> {
    match job.kind.as_str() {
        kinds::REDEEM_SHARE_TOKEN => redemption::fail_job(engine, job, reason).await,
        _ => {
            let mut tx = engine.db().begin_write().await?;
            jobs::fail(&mut tx, job, reason, engine.now()).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}

/// Runs every job that is due now, one after another (tests use it to drive the queue).
/// Returns how many jobs ran.
pub async fn run_pending(engine: &Engine) -> Result<usize> {
    let mut ran = 0;
    loop {
        match run_batch(engine).await? {
            0 => return Ok(ran),
            n => ran += n,
        }
    }
}

/// Runs jobs until `shutdown` resolves; a job in progress is finished before returning.
pub async fn run(engine: Engine, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let worked = match run_batch(&engine).await {
            Ok(ran) => ran > 0,
            Err(err) => {
                tracing::error!(error = %err, "the worker could not reach the job queue");
                false
            }
        };
        if worked {
            // Keep draining, but stop promptly when asked.
            if futures_ready(&mut shutdown) {
                break;
            }
            continue;
        }
        tokio::select! {
            () = &mut shutdown => break,
            () = engine.jobs_ready() => {},
            () = tokio::time::sleep(IDLE_POLL) => {},
        }
    }
    tracing::info!("worker stopped");
}

/// True when `future` is already complete (polled once without waiting).
fn futures_ready<F: Future<Output = ()>>(future: &mut std::pin::Pin<&mut F>) -> bool {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    future.as_mut().poll(&mut cx).is_ready()
}
