//! Redeeming a share token into an inquiry, transaction or account (CONTRACT.md §5, rules 1–8).
//!
//! `redeem` validates up front, moves the token `created → pending` with a conditional update (of
//! concurrent attempts exactly one wins) and enqueues the job in the same transaction. The job
//! hydrates the destination, runs the inquiry, writes the report and marks the token `redeemed`,
//! all in one transaction. `preview` runs the same validation and hydration and writes nothing.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::connections::{self, ConnectionStatus};
use crate::error::{Problem, Result};
use crate::events::names;
use crate::fields::{FieldValue, FieldValues};
use crate::hydration::{self, FieldMapping, Hydration, HydrationReport};
use crate::ids::{DocumentId, OrgId};
use crate::inquiry::InquiryStatus;
use crate::jobs::{self, Job};
use crate::objects::{self, ObjectKind, ObjectRecord};
use crate::schemas::{self, SchemaRecord};
use crate::share_tokens::{self, ShareToken, ShareTokenStatus};
use crate::{Engine, documents};

/// What a redeem (or preview) request carries.
#[derive(Clone, Debug, Default)]
pub struct RedeemRequest<'a> {
    /// `data.attributes.destination-id`.
    pub destination_id: Option<&'a str>,
    /// `meta.field-mappings`.
    pub field_mappings: Option<&'a Value>,
}

/// A redemption that passed validation.
struct Plan {
    token: ShareToken,
    destination: ObjectRecord,
    schema: SchemaRecord,
    mappings: Vec<FieldMapping>,
}

/// Rules 1–3, in order: the token, then the destination, then the mappings.
async fn validate(
    engine: &Engine,
    org: &OrgId,
    token_id: &str,
    request: &RedeemRequest<'_>,
) -> Result<Plan> {
    let token = share_tokens::find(engine.db().pool(), token_id)
        .await?
        .filter(|t| &t.destination_organization_id == org)
        .ok_or_else(|| Problem::not_found("the share token"))?;
    check_redeemable(&token, engine)?;
    let connection = connections::find(engine.db().pool(), token.connection_id.as_str())
        .await?
        .ok_or_else(|| crate::Error::Internal(format!("connection of {} is missing", token.id)))?;
    if connection.status != ConnectionStatus::Active {
        return Err(Problem::invalid_here(
            "connection-not-active",
            format!("the connection is {}", connection.status.as_str()),
        )
        .into());
    }
    const DESTINATION: &str = "/data/attributes/destination-id";
    let destination_id = request.destination_id.ok_or_else(|| {
        Problem::invalid(
            "missing-attribute",
            "`destination-id` is required: an inq_, txn_ or act_ id",
            DESTINATION,
        )
    })?;
    let kind = ObjectKind::of_id(destination_id).ok_or_else(|| {
        Problem::invalid(
            "invalid-destination",
            "`destination-id` is an inq_, txn_ or act_ id",
            DESTINATION,
        )
    })?;
    let (destination, schema) = objects::get(engine, org, kind, destination_id)
        .await
        .map_err(|err| err.at_pointer(DESTINATION))?;
    if let Some(status) = destination.status_at(engine.now())
        && (status.is_terminal() || status == InquiryStatus::Expired)
    {
        return Err(Problem::invalid(
            "destination-not-redeemable",
            format!(
                "the destination inquiry is {}; redeem into an inquiry that is created or pending",
                status.as_str()
            ),
            DESTINATION,
        )
        .into());
    }
    let mappings = hydration::parse_mappings(request.field_mappings, &schema.schema)?;
    Ok(Plan {
        token,
        destination,
        schema,
        mappings,
    })
}

/// Rule 1's status checks.
fn check_redeemable(token: &ShareToken, engine: &Engine) -> Result<()> {
    match token.status_at(engine.now()) {
        ShareTokenStatus::Created => Ok(()),
        ShareTokenStatus::Pending | ShareTokenStatus::Redeemed => Err(Problem::conflict(
            "share-token-already-redeemed",
            "the share token has already been redeemed",
        )
        .into()),
        ShareTokenStatus::Expired => {
            Err(Problem::invalid_here("share-token-expired", "the share token has expired").into())
        }
        ShareTokenStatus::Failed => Err(Problem::invalid_here(
            "share-token-failed",
            format!(
                "the share token's redemption failed and cannot be retried: {}",
                token.failure_reason.as_deref().unwrap_or("unknown reason")
            ),
        )
        .into()),
    }
}

/// Starts redeeming: returns the token, now `pending`. The background job finishes the work.
pub async fn redeem(
    engine: &Engine,
    org: &OrgId,
    token_id: &str,
    request: RedeemRequest<'_>,
) -> Result<ShareToken> {
    let plan = validate(engine, org, token_id, &request).await?;
    let now = engine.now();
    let mut token = plan.token;
    let mut tx = engine.db().begin_write().await?;
    let claimed = sqlx::query(
        "UPDATE share_tokens SET status = 'pending', pending_at = ?1, updated_at = ?1, destination_id = ?2, field_mappings = ?3
         WHERE id = ?4 AND status = 'created' AND expires_at > ?1",
    )
    .bind(now)
    .bind(&plan.destination.id)
    .bind(serde_json::to_string(&plan.mappings).expect("mappings serialise"))
    .bind(&token.id)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 0 {
        drop(tx);
        // Someone else won the race (or the token expired meanwhile): report what it is now.
        let current = share_tokens::find(engine.db().pool(), token.id.as_str())
            .await?
            .unwrap_or(token);
        check_redeemable(&current, engine)?;
        return Err(Problem::conflict(
            "share-token-already-redeemed",
            "the share token has already been redeemed",
        )
        .into());
    }
    jobs::enqueue(
        &mut tx,
        jobs::kinds::REDEEM_SHARE_TOKEN,
        &json!({ "share-token-id": token.id }),
        now,
    )
    .await?;
    tx.commit().await?;
    engine.wake_workers();
    token.status = ShareTokenStatus::Pending;
    token.pending_at = Some(now);
    token.updated_at = now;
    token.destination_id = Some(plan.destination.id);
    token.field_mappings = Some(plan.mappings);
    Ok(token)
}

/// The hydration report redeeming would produce, writing nothing.
pub async fn preview(
    engine: &Engine,
    org: &OrgId,
    token_id: &str,
    request: RedeemRequest<'_>,
) -> Result<HydrationReport> {
    let plan = validate(engine, org, token_id, &request).await?;
    Ok(hydration::hydrate(&plan.token.snapshot, &plan.schema.schema, &plan.mappings).report)
}

/// Why a redemption job did not finish.
#[derive(Debug)]
pub enum JobFailure {
    /// Worth another attempt (a busy database, a destination that changed meanwhile).
    Transient(String),
    /// Will never succeed: the token is marked `failed` with this reason.
    Permanent(String),
}

impl From<sqlx::Error> for JobFailure {
    fn from(err: sqlx::Error) -> Self {
        crate::Error::from(err).into()
    }
}

impl From<crate::Error> for JobFailure {
    fn from(err: crate::Error) -> Self {
        if err.is_transient() {
            Self::Transient(err.to_string())
        } else {
            Self::Permanent(err.to_string())
        }
    }
}

/// The redemption job: hydrate, run, report, mark redeemed, in one transaction.
pub async fn run_job(engine: &Engine, job: &Job) -> Result<(), JobFailure> {
    let prepared = prepare(engine, job).await?;
    let mut tx = engine.db().begin_write().await?;
    apply(&mut tx, engine, job, prepared).await?;
    tx.commit().await?;
    tracing::info!(job = job.seq, "share token redeemed");
    Ok(())
}

/// What a redemption job will write, read and computed before taking the write lock.
pub enum Prepared {
    /// An earlier attempt finished the work and lost its completion: only complete the job.
    AlreadyDone,
    Ready(Box<Ready>),
}

pub struct Ready {
    token: ShareToken,
    destination: ObjectRecord,
    schema: SchemaRecord,
    hydrated: FieldValues,
    report: HydrationReport,
}

/// The reads and the hydration of a redemption job, outside any write transaction.
pub async fn prepare(engine: &Engine, job: &Job) -> Result<Prepared, JobFailure> {
    let token_id = job.payload["share-token-id"]
        .as_str()
        .ok_or_else(|| JobFailure::Permanent("the job names no share token".into()))?;
    let Some(token) = share_tokens::find(engine.db().pool(), token_id).await? else {
        return Err(JobFailure::Permanent(format!(
            "share token {token_id} does not exist"
        )));
    };
    if token.status != ShareTokenStatus::Pending {
        return Ok(Prepared::AlreadyDone);
    }
    let destination_id = token
        .destination_id
        .clone()
        .ok_or_else(|| JobFailure::Permanent("the token has no destination".into()))?;
    let destination = objects::find(engine.db().pool(), &destination_id)
        .await?
        .ok_or_else(|| JobFailure::Permanent("the destination no longer exists".into()))?;
    let schema = schemas::find(engine.db().pool(), &destination.schema_id)
        .await?
        .ok_or_else(|| JobFailure::Permanent("the destination's schema no longer exists".into()))?;
    if let Some(status) = destination.status_at(engine.now())
        && (status.is_terminal() || status == InquiryStatus::Expired)
    {
        return Err(JobFailure::Permanent(format!(
            "the destination inquiry became {} before the redemption ran",
            status.as_str()
        )));
    }
    let Hydration {
        values: hydrated,
        report,
    } = hydration::hydrate(
        &token.snapshot,
        &schema.schema,
        token.field_mappings.as_deref().unwrap_or_default(),
    );
    Ok(Prepared::Ready(Box::new(Ready {
        token,
        destination,
        schema,
        hydrated,
        report,
    })))
}

/// The writes of a redemption job inside the caller's write transaction: hydrate the destination
/// (if nobody changed it since [`prepare`] read it), run it, mark the token redeemed, record the
/// events and complete the job. On an error the caller rolls back.
pub async fn apply(
    tx: &mut sqlx::SqliteConnection,
    engine: &Engine,
    job: &Job,
    prepared: Prepared,
) -> Result<(), JobFailure> {
    let now = engine.now();
    let Prepared::Ready(ready) = prepared else {
        jobs::complete(tx, job, now).await?;
        return Ok(());
    };
    let Ready {
        mut token,
        mut destination,
        schema,
        hydrated,
        report,
    } = *ready;
    let current = objects::find(&mut *tx, &destination.id)
        .await?
        .ok_or_else(|| JobFailure::Permanent("the destination no longer exists".into()))?;
    // The whole record, not only `updated_at`: two writes within one millisecond (two tokens
    // redeemed into one destination in the same group commit) must not overwrite each other.
    if current != destination {
        return Err(JobFailure::Transient(
            "the destination changed meanwhile".into(),
        ));
    }
    let (values, files) = copy_files(tx, &destination, hydrated, now).await?;
    objects::apply_values(tx, engine, &mut destination, &schema, values, Some(&files)).await?;
    token.status = ShareTokenStatus::Redeemed;
    token.redeemed_at = Some(now);
    token.updated_at = now;
    token.hydration_report = Some(report);
    let still_pending = sqlx::query(
        "UPDATE share_tokens SET status = 'redeemed', redeemed_at = ?1, updated_at = ?1, hydration_report = ?2
         WHERE id = ?3 AND status = 'pending'",
    )
    .bind(now)
    .bind(serde_json::to_string(&token.hydration_report).expect("reports serialise"))
    .bind(&token.id)
    .execute(&mut *tx)
    .await?;
    if still_pending.rows_affected() == 0 {
        return Err(JobFailure::Transient(
            "the share token changed meanwhile".into(),
        ));
    }
    share_tokens::record_pair(
        tx,
        &token,
        names::SHARE_TOKEN_OUTBOUND_REDEEMED,
        names::SHARE_TOKEN_INBOUND_REDEEMED,
        now,
    )
    .await?;
    if !jobs::complete(tx, job, now).await? {
        return Err(JobFailure::Transient("the job's lease was lost".into()));
    }
    Ok(())
}

/// Copies the hydrated files into new documents of the destination organization (identical bytes)
/// and merges the hydrated values over the destination's. Returns the values and the bytes of
/// every file they refer to (for the inquiry run).
async fn copy_files(
    tx: &mut sqlx::SqliteConnection,
    destination: &ObjectRecord,
    hydrated: FieldValues,
    now: crate::time::Timestamp,
) -> Result<(FieldValues, BTreeMap<DocumentId, Vec<u8>>)> {
    let mut values = destination.fields.clone();
    for (path, value) in hydrated {
        let value = match value {
            FieldValue::File(source) => FieldValue::File(
                documents::copy(tx, &source, &destination.organization_id, now).await?,
            ),
            other => other,
        };
        values.insert(path, value);
    }
    let files = if destination.kind == ObjectKind::Inquiry {
        documents::load_bytes(tx, &objects::file_ids(&values)).await?
    } else {
        BTreeMap::new()
    };
    Ok((values, files))
}

/// Marks the token of a permanently failed redemption job `failed` and the job failed.
pub async fn fail_job(engine: &Engine, job: &Job, reason: &str) -> Result<()> {
    let now = engine.now();
    let mut tx = engine.db().begin_write().await?;
    if let Some(token_id) = job.payload["share-token-id"].as_str() {
        sqlx::query(
            "UPDATE share_tokens SET status = 'failed', failed_at = ?1, updated_at = ?1, failure_reason = ?2
             WHERE id = ?3 AND status = 'pending'",
        )
        .bind(now)
        .bind(reason)
        .bind(token_id)
        .execute(&mut *tx)
        .await?;
    }
    jobs::fail(&mut tx, job, reason, now).await?;
    tx.commit().await?;
    tracing::warn!(job = job.seq, reason, "share token redemption failed");
    Ok(())
}
