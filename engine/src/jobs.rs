//! The background queue: jobs stored in the database, claimed with a lease, retried with backoff.
//!
//! A job is enqueued in the same transaction as the change that needs it, so the two commit or
//! roll back together. A worker claims a due job by setting its lease; a job whose lease ran out
//! (its worker crashed) is claimable again. A job's work commits in the same transaction as its
//! completion, fenced by the attempt number, so a job that lost its lease cannot complete twice.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Engine;
use crate::db::{self, Channel, Dialect, Lock};
use crate::error::Result;
use crate::ids::ShareTokenId;
use crate::time::Timestamp;
use domain::lifecycle::{JobEvent, JobStatus, after_failed_attempt, job_transition};

/// What a job does. Stored as its `kind` and the JSON `payload` of its fields; dispatched in one
/// place, `worker`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "kebab-case")]
pub enum Task {
    /// Hydrate the destination of a `pending` share token and mark it redeemed.
    RedeemShareToken {
        #[serde(rename = "share-token-id")]
        share_token_id: ShareTokenId,
    },
    /// Run a workflow's steps for the event that triggered it.
    RunWorkflow {
        #[serde(rename = "run-id")]
        run_id: crate::ids::WorkflowRunId,
    },
    /// Panics when run: proves the worker survives a panicking job.
    #[cfg(test)]
    PanicForTest,
}

impl Task {
    /// The stored `kind` and `payload`.
    fn columns(&self) -> (String, String) {
        let mut json = serde_json::to_value(self).expect("tasks serialise");
        let kind = json["kind"].as_str().unwrap_or_default().to_owned();
        let payload = json
            .get_mut("payload")
            .map_or(Value::Null, Value::take)
            .to_string();
        (kind, payload)
    }

    /// Reads a stored job back; `None` when this build does not know the kind or the payload.
    fn from_columns(kind: &str, payload: &str) -> Option<Self> {
        let payload: Value = serde_json::from_str(payload).ok()?;
        let json = if payload.is_null() {
            json!({ "kind": kind })
        } else {
            json!({ "kind": kind, "payload": payload })
        };
        serde_json::from_value(json).ok()
    }
}

/// Attempts before a job that keeps failing transiently is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claimed job is reserved for its worker.
pub const LEASE: Duration = Duration::from_secs(60);

/// A claimed job.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub seq: i64,
    /// The stored kind, for logs.
    pub kind: String,
    /// What to do; `None` when the stored job cannot be read (it is given up, not run).
    pub task: Option<Task>,
    /// This claim's attempt number (1 for the first).
    pub attempt: i64,
    pub max_attempts: i64,
}

impl Job {
    /// True when the job already used every attempt: its last worker died (a crash, or a panic
    /// the worker could not catch), so it is given up instead of run again.
    pub fn exhausted(&self) -> bool {
        self.attempt > self.max_attempts
    }
}

/// Adds a job, due now, inside the caller's transaction. Call [`Engine::wake_workers`] after commit.
pub async fn enqueue(tx: &mut sqlx::AnyConnection, task: &Task, now: Timestamp) -> Result<i64> {
    enqueue_many(tx, std::slice::from_ref(task), now)
        .await?
        .pop()
        .ok_or_else(|| crate::Error::Internal("the job's insert returned no sequence".into()))
}

/// [`enqueue`] for several tasks, in one statement (a group of redemptions' starts). Returns the
/// jobs' sequence numbers, in no particular order.
pub async fn enqueue_many(
    tx: &mut sqlx::AnyConnection,
    tasks: &[Task],
    now: Timestamp,
) -> Result<Vec<i64>> {
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    // Task t's kind is parameter 4 + 2t, its payload the one after it.
    let rows: Vec<String> = (0..tasks.len())
        .map(|t| format!("(${}, ${}, $1, 0, $2, $3, $3, $3)", 4 + 2 * t, 5 + 2 * t))
        .collect();
    let sql = format!(
        "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, created_at, updated_at)
         VALUES {} RETURNING seq",
        rows.join(", ")
    );
    let mut query = sqlx::query_scalar(&sql)
        .bind(JobStatus::Queued)
        .bind(MAX_ATTEMPTS)
        .bind(now);
    for task in tasks {
        let (kind, payload) = task.columns();
        query = query.bind(kind).bind(payload);
    }
    let seqs = query.fetch_all(&mut *tx).await?;
    db::notify(tx, Channel::Jobs).await?;
    Ok(seqs)
}

/// Claims the next due job (queued and due, or running with an expired lease).
pub async fn claim(engine: &Engine, lease: Duration) -> Result<Option<Job>> {
    Ok(claim_many(engine, lease, 1).await?.pop())
}

/// Claims up to `limit` due jobs, oldest first, in one write transaction (a busy queue costs
/// one commit per batch instead of one per job).
pub async fn claim_many(engine: &Engine, lease: Duration, limit: u32) -> Result<Vec<Job>> {
    let now = engine.now();
    // A read first: an empty queue costs no write (idle workers poll, and several wake at once).
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT seq FROM jobs
         WHERE (status = $2 AND run_at <= $1) OR (status = $3 AND locked_until <= $1) LIMIT 1",
    )
    .bind(now)
    .bind(JobStatus::Queued)
    .bind(JobStatus::Running)
    .fetch_optional(engine.db().pool())
    .await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    let dialect = engine.db().dialect();
    let query = sqlx::query_as::<_, (i64, String, String, i64, i64)>(claim_statement(dialect))
        .bind(now.plus(lease))
        .bind(now)
        .bind(i64::from(limit))
        .bind(JobStatus::Running)
        .bind(JobStatus::Queued);
    let rows = if dialect == Dialect::Postgres {
        // One statement is its own transaction: no `BEGIN` and `COMMIT` round trips (instances
        // lock what they claim, so none waits for another).
        query.fetch_all(engine.db().pool()).await?
    } else {
        let mut tx = engine.db().begin_write().await?;
        let rows = query.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows
    };
    let mut jobs: Vec<Job> = rows
        .into_iter()
        .map(|(seq, kind, payload, attempt, max_attempts)| Job {
            seq,
            task: Task::from_columns(&kind, &payload),
            kind,
            attempt,
            max_attempts,
        })
        .collect();
    // RETURNING does not promise an order.
    jobs.sort_by_key(|job| job.seq);
    Ok(jobs)
}

/// [`claim_sql`] for `dialect`, made once.
fn claim_statement(dialect: Dialect) -> &'static str {
    static SQLITE: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| claim_sql(Dialect::Sqlite));
    static POSTGRES: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| claim_sql(Dialect::Postgres));
    match dialect {
        Dialect::Sqlite => &SQLITE,
        Dialect::Postgres => &POSTGRES,
    }
}

/// The claim: the `$3` due jobs first in `(run_at, seq)` order, marked running with their lease.
/// Parameters: `$1` the lease's end, `$2` now, `$3` how many, `$4` running, `$5` queued.
///
/// Queued jobs and running ones whose lease ran out are two reads, each along `jobs_due` in
/// order and stopped after `$3` rows, merged and cut to `$3`: one condition with `OR` made the
/// database gather every due job and sort them for each claim, so draining a burst of n jobs
/// sorted the queue n / 8 times (a third of the worker's time in a burst of 6,000).
fn claim_sql(dialect: Dialect) -> String {
    // Several instances claim at once on PostgreSQL: each locks the due rows it picks and skips
    // those another one holds, so no job is claimed twice and no claimer waits for another.
    let read = |condition: &str| {
        dialect
            .locked(
                &format!(
                    "SELECT seq, run_at FROM jobs WHERE {condition} ORDER BY run_at, seq LIMIT $3"
                ),
                Lock::UpdateSkipLocked,
            )
            .into_owned()
    };
    let queued = read("status = $5 AND run_at <= $2");
    let stale = read("status = $4 AND locked_until <= $2");
    // Materialized: evaluated once, so the claim takes at most `limit` rows (inlined, PostgreSQL
    // may run a LIMIT … FOR UPDATE subquery again per row and claim more).
    format!(
        "WITH due AS MATERIALIZED (
           SELECT seq FROM (
             SELECT seq, run_at FROM ({queued}) AS queued
             UNION ALL
             SELECT seq, run_at FROM ({stale}) AS stale
           ) AS due ORDER BY run_at, seq LIMIT $3
         )
         UPDATE jobs SET status = $4, attempts = attempts + 1, locked_until = $1, updated_at = $2
         WHERE seq IN (SELECT seq FROM due)
         RETURNING seq, kind, payload, attempts, max_attempts"
    )
}

/// The status `event` moves a claimed (running) job to.
fn from_running(event: JobEvent) -> JobStatus {
    job_transition(JobStatus::Running, event).expect("a running job takes every outcome")
}

/// Marks the job done inside the transaction that did its work. False when the claim was lost
/// (another worker took the job over after the lease ran out): the caller must roll back.
pub async fn complete(tx: &mut sqlx::AnyConnection, job: &Job, now: Timestamp) -> Result<bool> {
    complete_many(tx, &[job], now).await
}

/// [`complete`] for several jobs in one statement. False (the caller rolls back) when any of
/// them was no longer this claim's.
pub async fn complete_many(
    tx: &mut sqlx::AnyConnection,
    jobs: &[&Job],
    now: Timestamp,
) -> Result<bool> {
    if jobs.is_empty() {
        return Ok(true);
    }
    let claims: Vec<String> = (0..jobs.len())
        .map(|n| format!("(seq = ${} AND attempts = ${})", 4 + 2 * n, 5 + 2 * n))
        .collect();
    let update = format!(
        "UPDATE jobs SET status = $1, locked_until = NULL, updated_at = $2
         WHERE status = $3 AND ({})",
        claims.join(" OR ")
    );
    let mut query = sqlx::query(&update)
        .bind(from_running(JobEvent::Complete))
        .bind(now)
        .bind(JobStatus::Running);
    for job in jobs {
        query = query.bind(job.seq).bind(job.attempt);
    }
    let updated = query.execute(tx).await?;
    Ok(updated.rows_affected() == jobs.len() as u64)
}

/// Reserves a claimed job for `lease` from now. False, writing nothing, when the claim was lost
/// (the job was taken over): the caller must leave the job alone.
pub async fn renew(engine: &Engine, job: &Job, lease: Duration) -> Result<bool> {
    let now = engine.now();
    let mut tx = engine.db().begin_write().await?;
    let renewed = sqlx::query(
        "UPDATE jobs SET locked_until = $1, updated_at = $2
         WHERE seq = $3 AND attempts = $4 AND status = $5",
    )
    .bind(now.plus(lease))
    .bind(now)
    .bind(job.seq)
    .bind(job.attempt)
    .bind(JobStatus::Running)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(renewed.rows_affected() == 1)
}

/// Puts the job back for another attempt after a backoff. Returns false, writing nothing, when
/// the job has used its attempts: the caller gives it up (with its consequences, in one
/// transaction).
pub async fn retry_later(engine: &Engine, job: &Job, error: &str) -> Result<bool> {
    let event = after_failed_attempt(job.attempt, job.max_attempts);
    if event != JobEvent::Retry {
        return Ok(false);
    }
    let now = engine.now();
    let mut tx = engine.db().begin_write().await?;
    sqlx::query(
        "UPDATE jobs SET status = $1, run_at = $2, locked_until = NULL, last_error = $3, updated_at = $4
         WHERE seq = $5 AND attempts = $6 AND status = $7",
    )
    .bind(from_running(event))
    .bind(now.plus(backoff(job.attempt)))
    .bind(error)
    .bind(now)
    .bind(job.seq)
    .bind(job.attempt)
    .bind(JobStatus::Running)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Marks the job failed for good inside the caller's transaction. False when the claim was lost.
pub async fn fail(
    tx: &mut sqlx::AnyConnection,
    job: &Job,
    error: &str,
    now: Timestamp,
) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE jobs SET status = $1, locked_until = NULL, last_error = $2, updated_at = $3
         WHERE seq = $4 AND attempts = $5 AND status = $6",
    )
    .bind(from_running(JobEvent::GiveUp))
    .bind(error)
    .bind(now)
    .bind(job.seq)
    .bind(job.attempt)
    .bind(JobStatus::Running)
    .execute(tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Delay before attempt `attempt + 1`: 1 s, 2 s, 4 s … capped at 5 minutes.
pub fn backoff(attempt: i64) -> Duration {
    let exponent = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    Duration::from_secs(2u64.saturating_pow(exponent).min(300))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::engine;

    async fn enqueue_one(engine: &Engine) -> i64 {
        let mut tx = engine.db().begin_write().await.unwrap();
        let task = Task::RedeemShareToken {
            share_token_id: ShareTokenId::new(),
        };
        let seq = enqueue(&mut tx, &task, engine.now()).await.unwrap();
        tx.commit().await.unwrap();
        seq
    }

    #[tokio::test]
    async fn a_claim_reads_due_jobs_in_order_along_the_due_index_without_sorting_the_queue() {
        let engine = engine().await;
        let sql = claim_sql(engine.db().dialect());

        let mut params = crate::paging::ListStatement::default();
        let now = engine.now().millis();
        params.int(now + 60_000);
        params.int(now);
        params.int(i64::from(crate::worker::BATCH));
        params.text(JobStatus::Running.as_str());
        params.text(JobStatus::Queued.as_str());

        let plan = crate::testing::list_plan(&engine, &sql, &params).await;

        let text = plan.join("\n");
        let searches = plan
            .iter()
            .filter(|line| {
                (line.contains("SEARCH jobs") || line.contains("Index"))
                    && line.contains("jobs_due")
            })
            .count();
        assert!(
            searches >= 2,
            "queued and stale jobs should each be read along jobs_due:\n{text}"
        );
        // The queue must come out of the index in order: no sort between a read of `jobs_due`
        // and the merge of the two reads (which sorts at most twice a batch). PostgreSQL shows
        // a node's inputs indented under it; SQLite lists its one temporary sort, the merge's.
        let indent = |line: &String| line.len() - line.trim_start().len();
        for (at, read) in plan
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains("jobs_due"))
        {
            let mut depth = indent(read);
            for above in plan[..at].iter().rev() {
                if indent(above) >= depth {
                    continue;
                }
                depth = indent(above);
                if above.contains("Append") {
                    break;
                }
                assert!(
                    !above.trim_start().starts_with("->  Sort"),
                    "a read of the queue is sorted before the merge:\n{text}"
                );
            }
        }
        let sqlite_sorts = plan
            .iter()
            .filter(|line| line.contains("TEMP B-TREE FOR ORDER BY"))
            .count();
        assert!(
            sqlite_sorts <= 1,
            "the claim sorts more than the merged reads:\n{text}"
        );
        for refused in ["MULTI-INDEX", "Seq Scan", "SCAN jobs"] {
            assert!(
                !text.contains(refused),
                "the claim's plan has {refused}:\n{text}"
            );
        }
    }

    #[tokio::test]
    async fn a_claimed_job_is_not_claimed_again_until_its_lease_runs_out() {
        let engine = engine().await;
        let seq = enqueue_one(&engine).await;

        let first = claim(&engine, LEASE).await.unwrap().expect("a due job");
        let second = claim(&engine, LEASE).await.unwrap();
        engine.clock().advance(LEASE);
        let after_lease = claim(&engine, LEASE)
            .await
            .unwrap()
            .expect("the lease ran out");

        assert_eq!(first.seq, seq);
        assert_eq!(second, None, "a leased job is not handed out twice");
        assert_eq!((after_lease.seq, after_lease.attempt), (seq, 2));
    }

    #[tokio::test]
    async fn a_batch_claims_the_oldest_due_jobs_once_each() {
        let engine = engine().await;
        let mut enqueued = Vec::new();
        for _ in 0..5 {
            enqueued.push(enqueue_one(&engine).await);
        }

        let first = claim_many(&engine, LEASE, 3).await.unwrap();
        let second = claim_many(&engine, LEASE, 3).await.unwrap();
        let third = claim_many(&engine, LEASE, 3).await.unwrap();

        let seqs = |jobs: &[Job]| jobs.iter().map(|j| j.seq).collect::<Vec<_>>();
        assert_eq!(seqs(&first), enqueued[..3], "the oldest three, in order");
        assert_eq!(seqs(&second), enqueued[3..], "the remaining two");
        assert!(third.is_empty(), "every job is leased: {third:?}");
    }

    #[tokio::test]
    async fn a_worker_that_lost_its_lease_cannot_complete_the_job() {
        let engine = engine().await;
        enqueue_one(&engine).await;
        let stale = claim(&engine, LEASE).await.unwrap().unwrap();
        engine.clock().advance(LEASE);
        let current = claim(&engine, LEASE).await.unwrap().unwrap();

        let mut tx = engine.db().begin_write().await.unwrap();
        let stale_completed = complete(&mut tx, &stale, engine.now()).await.unwrap();
        let current_completed = complete(&mut tx, &current, engine.now()).await.unwrap();
        tx.commit().await.unwrap();

        assert!(!stale_completed, "the first claim's lease was lost");
        assert!(current_completed);
    }

    #[tokio::test]
    async fn a_retried_job_waits_for_its_backoff_and_its_last_attempt_is_not_put_back() {
        let engine = engine().await;
        enqueue_one(&engine).await;
        let job = claim(&engine, LEASE).await.unwrap().unwrap();

        assert!(retry_later(&engine, &job, "busy").await.unwrap());
        assert_eq!(
            claim(&engine, LEASE).await.unwrap(),
            None,
            "not due before the backoff"
        );
        engine.clock().advance(backoff(1));
        let mut job = claim(&engine, LEASE)
            .await
            .unwrap()
            .expect("due after the backoff");
        job.attempt = job.max_attempts;
        sqlx::query("UPDATE jobs SET attempts = $1")
            .bind(job.max_attempts)
            .execute(engine.db().pool())
            .await
            .unwrap();

        assert!(
            !retry_later(&engine, &job, "still busy").await.unwrap(),
            "the last attempt is not put back: the caller gives it up"
        );
        let status: String = sqlx::query_scalar("SELECT status FROM jobs")
            .fetch_one(engine.db().pool())
            .await
            .unwrap();
        assert_eq!(status, "running", "nothing is written until the give-up");
    }

    #[tokio::test]
    async fn a_job_whose_worker_died_on_its_last_attempt_is_claimed_as_exhausted() {
        let engine = engine().await;
        enqueue_one(&engine).await;
        sqlx::query("UPDATE jobs SET attempts = max_attempts - 1")
            .execute(engine.db().pool())
            .await
            .unwrap();
        let last = claim(&engine, LEASE).await.unwrap().unwrap();
        engine.clock().advance(LEASE);

        let again = claim(&engine, LEASE).await.unwrap().unwrap();

        assert!(!last.exhausted(), "the last attempt still runs");
        assert!(
            again.exhausted(),
            "a claim past the last attempt is exhausted: {again:?}"
        );
    }

    #[test]
    fn a_task_survives_its_columns() {
        let task = Task::RedeemShareToken {
            share_token_id: ShareTokenId::new(),
        };

        let (kind, payload) = task.columns();

        assert_eq!(kind, "redeem-share-token");
        assert_eq!(Task::from_columns(&kind, &payload), Some(task));
        assert_eq!(Task::from_columns("unknown", "{}"), None);
    }

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(30), Duration::from_secs(300));
    }
}
