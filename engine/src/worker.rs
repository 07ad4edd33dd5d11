//! The background worker: claims due jobs and runs them, until asked to stop.
//!
//! Every job kind is dispatched here, in one place. A job that panics is caught and given up on
//! its own (its share token ends `failed` with `internal-error`); a worker that dies anyway is
//! started again by [`supervise`], and `/readyz` reports it while it is down.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt as _;

use crate::Engine;
use crate::error::Result;
use crate::jobs::{self, Job, Task};
use crate::redemption::{self, JobFailure};
use crate::share_tokens::RedemptionFailure;

/// How long an idle worker waits before looking again (a wake-up comes sooner when a job is
/// enqueued by this process; this catches jobs enqueued elsewhere and leases that ran out).
pub const IDLE_POLL: Duration = Duration::from_millis(500);

/// Jobs one worker claims at a time: under load a batch costs one claim commit instead of one
/// per job, and its redemptions share one transaction of a fixed number of statements; idle
/// peers are woken to take the next batch. 32 rather than 8: a burst of 500 redemptions drained
/// in 145–162 ms instead of 220–241 ms (SQLite, 2 cores); 64 drained 3,000 no faster than 32.
/// The closed-loop capacity and the open loop's latency did not change measurably (at 200/s a
/// batch rarely holds more than one job).
pub const BATCH: u32 = 32;

/// How often the expiry sweep looks for lapsed share tokens ([`crate::share_tokens::sweep_expired`]).
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(10);

/// How long a supervisor waits before starting a worker that died again.
pub const RESTART_DELAY: Duration = Duration::from_millis(200);

/// Claims up to [`BATCH`] due jobs and runs them. Returns how many were claimed.
pub async fn run_batch(engine: &Engine) -> Result<usize> {
    let lease = engine.job_lease();
    // The batch's lease runs out at the latest then (it is taken from before the claim, which may
    // wait for the write lock): a job whose turn comes too late to end before it has its lease
    // renewed first, so that no other worker takes it over while it runs.
    let deadline = tokio::time::Instant::now() + lease;
    let batch = jobs::claim_many(engine, lease, BATCH).await?;
    if batch.len() == BATCH as usize {
        // More may be queued: let an idle peer take the next batch meanwhile.
        engine.wake_workers();
    }
    let mut redemptions = Vec::new();
    let mut alone = Vec::new();
    let mut first_error = None;
    let mut note = |result: Result<()>| {
        if let Err(err) = result {
            first_error.get_or_insert(err);
        }
    };
    for job in &batch {
        match &job.task {
            _ if job.exhausted() => {
                let detail = "its worker died on the last attempt";
                note(give_up(engine, job, RedemptionFailure::InternalError, detail).await);
            }
            None => {
                let detail = "this build cannot read the job";
                note(give_up(engine, job, RedemptionFailure::InternalError, detail).await);
            }
            Some(Task::RedeemShareToken { share_token_id }) => {
                redemptions.push((job.clone(), share_token_id.clone()));
            }
            Some(Task::RunWorkflow { .. }) => alone.push(job),
            #[cfg(test)]
            Some(Task::PanicForTest) => alone.push(job),
        }
    }
    // The redemptions first, as one group right after the claim (the group is not renewed);
    // then the jobs that run one by one, each renewed if its turn comes late.
    note(run_redemptions(engine, &redemptions, deadline).await);
    for job in alone {
        note(run_alone(engine, job, deadline).await.map(drop));
    }
    match first_error {
        Some(err) => Err(err),
        None => Ok(batch.len()),
    }
}

/// Runs redemption jobs with one commit for all of them (group commit): one read of their tokens
/// and one of their destinations, then their writes with the statements they share written once
/// for all (events, workflow runs, the jobs' completion; see [`redemption::apply_many`]). A job
/// refused on its own is retried or given up as usual; when the shared transaction fails (or a
/// job panics inside it), each job runs on its own.
async fn run_redemptions(
    engine: &Engine,
    batch: &[(Job, crate::ids::ShareTokenId)],
    deadline: tokio::time::Instant,
) -> Result<()> {
    if batch.len() <= 1 {
        return run_each(engine, batch, deadline).await;
    }
    let group = catch_panic(async { write_group(engine, batch).await }).await;
    let outcomes = match group {
        Ok(outcomes) => outcomes,
        Err(failure) => {
            tracing::warn!(
                ?failure,
                "a group of redemptions could not commit; running them one by one"
            );
            return run_each(engine, batch, deadline).await;
        }
    };
    engine.redemption_settled();
    let mut first_error = None;
    for ((job, _), outcome) in batch.iter().zip(outcomes) {
        match outcome {
            Ok(()) => tracing::info!(job = job.seq, "share token redeemed"),
            Err(failure) => {
                if let Err(err) = settle_failure(engine, job, failure).await {
                    first_error.get_or_insert(err);
                }
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Runs each job on its own; a failure to reach the database for one does not strand the rest
/// (they would stay claimed until their lease ran out). Returns the first such failure.
async fn run_each(
    engine: &Engine,
    batch: &[(Job, crate::ids::ShareTokenId)],
    deadline: tokio::time::Instant,
) -> Result<()> {
    let mut first_error = None;
    for (job, _) in batch {
        if let Err(err) = run_alone(engine, job, deadline).await {
            first_error.get_or_insert(err);
        }
    }
    first_error.map_or(Ok(()), Err)
}

async fn write_group(
    engine: &Engine,
    batch: &[(Job, crate::ids::ShareTokenId)],
) -> Result<Vec<Result<(), JobFailure>>, JobFailure> {
    let tokens: Vec<&crate::ids::ShareTokenId> = batch.iter().map(|(_, token)| token).collect();
    let jobs: Vec<&Job> = batch.iter().map(|(job, _)| job).collect();
    let prepared = redemption::prepare_many(engine, &tokens).await?;
    let mut tx = engine.db().begin_write().await?;
    let outcomes = redemption::apply_many(&mut tx, engine, &jobs, prepared).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// Runs one job in its own transaction; a panic inside it becomes a permanent failure. A job
/// that could not end before `deadline` (its batch's lease) has its lease renewed first, and is
/// left alone when it was taken over meanwhile. True when the job ran.
async fn run_alone(engine: &Engine, job: &Job, deadline: tokio::time::Instant) -> Result<bool> {
    // With a lease shorter than twice a job's longest run, renewed once half of it has passed.
    let margin = JOB_TIMEOUT.min(engine.job_lease() / 2);
    if tokio::time::Instant::now() + margin > deadline
        && !jobs::renew(engine, job, engine.job_lease()).await?
    {
        tracing::warn!(job = job.seq, kind = %job.kind, "job taken over before its turn; left to its new worker");
        return Ok(false);
    }
    let outcome = match &job.task {
        Some(Task::RedeemShareToken { share_token_id }) => {
            let outcome = catch_panic(redemption::run_job(engine, job, share_token_id)).await;
            engine.redemption_settled();
            outcome
        }
        Some(Task::RunWorkflow { run_id }) => {
            let outcome = catch_panic(crate::workflows::run_job(engine, job, run_id)).await;
            // A redemption it started is a job for the workers.
            engine.wake_workers();
            outcome
        }
        #[cfg(test)]
        Some(Task::PanicForTest) => catch_panic(async { tests::panic_for_test() }).await,
        None => Err(JobFailure::Permanent(
            RedemptionFailure::InternalError,
            "this build cannot read the job".into(),
        )),
    };
    if let Err(failure) = outcome {
        settle_failure(engine, job, failure).await?;
    }
    Ok(true)
}

/// Longest one job's step may run (a batch's shared transaction too). A batch shares one lease:
/// a job of the batch whose turn comes later than this before the lease ends has its lease
/// renewed before it starts, so with a lease longer than this a job is never taken over while
/// it runs.
pub const JOB_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs `work`, turning a panic into a permanent internal failure (the panic message goes to the
/// log through the panic hook; the job records only that it panicked) and a run past
/// [`JOB_TIMEOUT`] into a transient one.
async fn catch_panic<T>(
    work: impl Future<Output = Result<T, JobFailure>>,
) -> Result<T, JobFailure> {
    match tokio::time::timeout(JOB_TIMEOUT, AssertUnwindSafe(work).catch_unwind()).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => Err(JobFailure::Permanent(
            RedemptionFailure::InternalError,
            "the job panicked".into(),
        )),
        Err(_) => Err(JobFailure::Transient("the job took too long".into())),
    }
}

/// Puts a failed job back for a retry, or gives it up.
async fn settle_failure(engine: &Engine, job: &Job, failure: JobFailure) -> Result<()> {
    match failure {
        JobFailure::Transient(reason) => {
            tracing::warn!(job = job.seq, kind = %job.kind, attempt = job.attempt, %reason, "job failed; will retry");
            if !jobs::retry_later(engine, job, &reason).await? {
                give_up(engine, job, RedemptionFailure::RetriesExhausted, &reason).await?;
            }
        }
        JobFailure::Permanent(failure, reason) => give_up(engine, job, failure, &reason).await?,
    }
    Ok(())
}

/// Fails a job for good, with what that means for its task, in one transaction.
async fn give_up(
    engine: &Engine,
    job: &Job,
    failure: RedemptionFailure,
    detail: &str,
) -> Result<()> {
    match &job.task {
        Some(Task::RedeemShareToken { share_token_id }) => {
            redemption::give_up(engine, job, share_token_id, failure, detail).await
        }
        Some(Task::RunWorkflow { run_id }) => {
            tracing::warn!(job = job.seq, run = %run_id, detail, "workflow run given up");
            crate::workflows::give_up(engine, job, run_id).await
        }
        _ => {
            let mut tx = engine.db().begin_write().await?;
            if jobs::fail(&mut tx, job, detail, engine.now()).await? {
                tx.commit().await?;
                tracing::warn!(job = job.seq, kind = %job.kind, detail, "job given up");
            }
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

/// Runs `count` workers until the futures `shutdown` makes resolve, starting again any worker that
/// dies (a panic outside a job). [`Engine::workers`] tells how many run.
pub async fn supervise<F, S>(engine: Engine, count: usize, shutdown: F)
where
    F: Fn() -> S,
    S: Future<Output = ()> + Send + 'static,
{
    // Other instances' work (PostgreSQL), heard for as long as the workers run.
    let listener = tokio::spawn(crate::notifications::listen(engine.clone(), shutdown()));
    let sweeper = tokio::spawn(sweep(engine.clone(), shutdown()));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..count {
        spawn_worker(&mut workers, &engine, shutdown());
    }
    // Expected only once started, so a reader never sees fewer running than expected meanwhile.
    engine.workers().set_expected(count);
    let stop = shutdown();
    tokio::pin!(stop);
    let mut stopping = false;
    while let Some(ended) = workers.join_next().await {
        engine.workers().stopped();
        if stopping || futures_ready(&mut stop) {
            stopping = true;
            continue;
        }
        if let Err(err) = ended {
            tracing::error!(error = %err, "a background worker died; starting it again");
        }
        tokio::select! {
            () = &mut stop => { stopping = true; continue; }
            () = tokio::time::sleep(RESTART_DELAY) => {}
        }
        engine.workers().restarted();
        spawn_worker(&mut workers, &engine, shutdown());
    }
    listener.abort();
    sweeper.abort();
    tracing::info!("every worker stopped");
}

/// Expires lapsed share tokens every [`SWEEP_INTERVAL`] until `shutdown` resolves.
async fn sweep(engine: Engine, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        match crate::share_tokens::sweep_expired(&engine).await {
            Ok(0) => {}
            Ok(count) => {
                tracing::info!(count, "lapsed share tokens expired");
                // Their events may have started workflow runs.
                engine.wake_workers();
            }
            Err(err) => {
                tracing::warn!(error = %err, "the expiry sweep could not run; trying again later")
            }
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(SWEEP_INTERVAL) => {}
        }
    }
}

fn spawn_worker<S>(workers: &mut tokio::task::JoinSet<()>, engine: &Engine, shutdown: S)
where
    S: Future<Output = ()> + Send + 'static,
{
    let engine = engine.clone();
    engine.workers().started();
    workers.spawn(async move {
        #[cfg(test)]
        if tests::DIE_ON_START.swap(false, std::sync::atomic::Ordering::SeqCst) {
            panic!("a worker that dies, for the supervisor's tests");
        }
        run(engine, shutdown).await;
    });
}

/// True when `future` is already complete (polled once without waiting).
fn futures_ready<F: Future<Output = ()>>(future: &mut std::pin::Pin<&mut F>) -> bool {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    future.as_mut().poll(&mut cx).is_ready()
}

#[cfg(test)]
mod tests;
