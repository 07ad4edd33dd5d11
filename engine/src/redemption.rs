//! Redeeming a share token into an inquiry, transaction or account (CONTRACT.md §5, rules 1–8).
//!
//! `redeem` validates up front, moves the token `created → pending` with a conditional update (of
//! concurrent attempts exactly one wins) and enqueues the job in the same transaction. The job
//! hydrates the destination, runs the inquiry, writes the report and marks the token `redeemed`,
//! all in one transaction. `preview` runs the same validation and hydration and writes nothing.

use crate::connections::{self, ConnectionStatus};
use crate::db::{self, Channel, Lock};
use crate::error::Result;
use crate::events::names;
use crate::fields::{FieldValue, FieldValues};
use crate::hydration::{self, FieldMapping, Hydration, HydrationReport, MappingRefusal};
use crate::ids::{OrgId, ShareTokenId};
use crate::inquiry::InquiryStatus;
use crate::jobs::{self, Job, Task};
use crate::objects::{self, ObjectKind, ObjectRecord};
use crate::schemas::{self, SchemaRecord};
use crate::share_tokens::{self, RedemptionFailure, ShareToken, ShareTokenStatus};
use crate::{Engine, documents};

/// Redeem (or preview) a share token into one of the caller's objects: the command every channel
/// builds (the API from JSON:API, the hosted flow from its stored link; workflows and the
/// dashboard will too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redeem {
    pub token_id: ShareTokenId,
    /// An `inq_`, `txn_` or `act_` id of the redeeming organization.
    pub destination_id: String,
    pub mappings: Vec<FieldMapping>,
}

/// Why a redemption cannot start, in the domain's terms; each channel words it (the API as a code
/// and a pointer, the hosted flow as a page).
#[derive(Debug, thiserror::Error)]
pub enum RedeemError {
    #[error("the share token was not found")]
    TokenNotFound,
    #[error("the share token has already been redeemed")]
    AlreadyRedeemed,
    #[error("the share token has expired")]
    Expired,
    #[error("the share token's redemption failed and cannot be retried. {}", .0.sentence())]
    Failed(RedemptionFailure),
    #[error("the connection is {}", .0.as_str())]
    ConnectionNotActive(ConnectionStatus),
    #[error("the destination is not an inq_, txn_ or act_ id")]
    InvalidDestination,
    #[error("the destination was not found")]
    DestinationNotFound,
    #[error(
        "the destination inquiry is {}; redeem into an inquiry that is created or pending",
        .0.as_str()
    )]
    DestinationNotRedeemable(InquiryStatus),
    #[error("{} field mapping(s) do not fit the destination", .0.len())]
    Mappings(Vec<MappingRefusal>),
    #[error(transparent)]
    Internal(#[from] crate::Error),
}

crate::error::command_error!(RedeemError);

/// A redemption that passed validation.
struct Plan {
    token: ShareToken,
    destination: ObjectRecord,
    schema: SchemaRecord,
    mappings: Vec<FieldMapping>,
}

/// Rule 1 alone: the token is `org`'s to redeem now. The API asks this before it reads the body,
/// so a token that is not the caller's is a 404 whatever the body says.
pub async fn check_token(
    engine: &Engine,
    org: &OrgId,
    token_id: &ShareTokenId,
) -> Result<Redeemable, RedeemError> {
    let (token, connection) = share_tokens::find_with_connection(engine.db().pool(), token_id)
        .await?
        .filter(|(t, _)| &t.destination_organization_id == org)
        .ok_or(RedeemError::TokenNotFound)?;
    check_redeemable(&token, engine)?;
    if connection != ConnectionStatus::Active {
        return Err(RedeemError::ConnectionNotActive(connection));
    }
    Ok(Redeemable(token))
}

/// A share token that passed rule 1 for its reader (from [`check_token`]): redeeming it with
/// [`redeem_checked`] does not read it again. The start of the redemption is still a
/// conditional write, so a token redeemed or expired meanwhile is refused as before.
#[derive(Debug)]
pub struct Redeemable(ShareToken);

/// Rules 1–3, in order: the token (unless `checked` already passed rule 1 for this command's
/// token), then the destination, then the mappings.
async fn validate(
    engine: &Engine,
    org: &OrgId,
    command: &Redeem,
    checked: Option<Redeemable>,
) -> Result<Plan, RedeemError> {
    let pool = engine.db().pool();
    let token = match checked {
        Some(Redeemable(token)) if token.id == command.token_id => token,
        _ => check_token(engine, org, &command.token_id).await?.0,
    };
    let kind = ObjectKind::of_id(&command.destination_id).ok_or(RedeemError::InvalidDestination)?;
    let destination = objects::find(pool, &command.destination_id)
        .await?
        .filter(|o| &o.organization_id == org && o.kind == kind)
        .ok_or(RedeemError::DestinationNotFound)?;
    let schema = schemas::cached(engine, &destination.schema_id)
        .await?
        .ok_or_else(|| {
            crate::Error::Internal(format!("schema of {} is missing", destination.id))
        })?;
    if let Some(status) = destination.status_at(engine.now())
        && !status.accepts_values()
    {
        return Err(RedeemError::DestinationNotRedeemable(status));
    }
    hydration::check_mappings(&command.mappings, &schema.schema).map_err(RedeemError::Mappings)?;
    Ok(Plan {
        token,
        destination,
        schema,
        mappings: command.mappings.clone(),
    })
}

/// Rule 1's status checks.
pub(crate) fn check_redeemable(token: &ShareToken, engine: &Engine) -> Result<(), RedeemError> {
    match token.status_at(engine.now()) {
        ShareTokenStatus::Created => Ok(()),
        ShareTokenStatus::Pending | ShareTokenStatus::Redeemed => Err(RedeemError::AlreadyRedeemed),
        ShareTokenStatus::Expired => Err(RedeemError::Expired),
        ShareTokenStatus::Failed => Err(RedeemError::Failed(
            token.failure.unwrap_or(RedemptionFailure::InternalError),
        )),
    }
}

/// Starts redeeming: returns the token, now `pending`. The background job finishes the work.
pub async fn redeem(
    engine: &Engine,
    org: &OrgId,
    command: &Redeem,
) -> Result<ShareToken, RedeemError> {
    redeem_checked(engine, org, None, command).await
}

/// [`redeem`] of a token the caller already checked with [`check_token`] (the API checks it
/// before it reads the request's body).
pub async fn redeem_checked(
    engine: &Engine,
    org: &OrgId,
    checked: Option<Redeemable>,
    command: &Redeem,
) -> Result<ShareToken, RedeemError> {
    let plan = validate(engine, org, command, checked).await?;
    let (reply, started) = tokio::sync::oneshot::channel();
    if engine.starts().push(plan, reply) {
        // The first of a group: its commit is a task of its own, so that a request cancelled
        // meanwhile (a client that hung up) does not take the others' starts down with it.
        tokio::spawn(tracing::Instrument::in_current_span(commit_starts(
            engine.clone(),
        )));
    }
    started.await.unwrap_or_else(|_| {
        Err(internal(
            "the redemption's commit stopped before it answered",
        ))
    })
}

/// Redemptions validated and waiting to start, with where each one's answer goes.
type Waiting = Vec<(
    Plan,
    tokio::sync::oneshot::Sender<Result<ShareToken, RedeemError>>,
)>;

/// Request-side group commit: redemptions that arrive while a write transaction is open (on
/// SQLite every write waits for the one writer) start together in the next one, one commit for
/// all, instead of queueing for a commit each. Nothing waits for company: a redemption that
/// arrives alone starts alone, as soon as the database takes a write.
#[derive(Default)]
pub(crate) struct StartQueue {
    waiting: std::sync::Mutex<Waiting>,
}

impl StartQueue {
    /// Queues a validated redemption; true when the queue was empty (the caller starts the
    /// commit that will take it and whatever joins it meanwhile).
    fn push(
        &self,
        plan: Plan,
        reply: tokio::sync::oneshot::Sender<Result<ShareToken, RedeemError>>,
    ) -> bool {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        waiting.push((plan, reply));
        waiting.len() == 1
    }

    fn take(&self) -> Waiting {
        std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl std::fmt::Debug for StartQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let waiting = self.waiting.lock().map_or(0, |w| w.len());
        f.debug_struct("StartQueue")
            .field("waiting", &waiting)
            .finish()
    }
}

/// Starts every queued redemption in one write transaction, taken once the database grants the
/// write, with the statements they share written once ([`start_many`]). A redemption refused on
/// its own (already redeemed meanwhile, connection revoked) writes nothing and is answered alone.
/// When a start fails with an error of the database's (or panics), nothing of the group is
/// committed and each starts again on its own; when the commit itself fails, each caller gets
/// the error (the commit may have happened: starting again could tell a caller that its own
/// redemption was already under way).
async fn commit_starts(engine: Engine) {
    let mut owner = QueueOwner {
        engine: engine.clone(),
        taken: false,
    };
    let mut tx = match engine.db().begin_write().await {
        Ok(tx) => tx,
        Err(err) => {
            tracing::error!(error = %err, "no write transaction for the redemption starts");
            for (_, reply) in owner.take() {
                let _ = reply.send(Err(internal("the database refused the write")));
            }
            return;
        }
    };
    let group = owner.take();
    let plans: Vec<&Plan> = group.iter().map(|(plan, _)| plan).collect();
    let started = guarded(start_many(&mut tx, &engine, &plans)).await;
    // A database error may have aborted the transaction (PostgreSQL).
    let failed = match &started {
        Err(_) => true,
        Ok(outcomes) => outcomes
            .iter()
            .any(|outcome| matches!(outcome, Err(RedeemError::Internal(_)))),
    };
    if failed {
        drop(tx);
        if group.len() == 1 {
            let outcome = started.and_then(|mut outcomes| {
                outcomes
                    .pop()
                    .unwrap_or_else(|| Err(internal("a start gave no outcome")))
            });
            if let Some((_, reply)) = group.into_iter().next() {
                let _ = reply.send(outcome);
            }
            return;
        }
        tracing::warn!(
            redemptions = group.len(),
            "a start in a group of redemptions failed; starting them one by one"
        );
        for (plan, reply) in group {
            let _ = reply.send(guarded(start_alone(&engine, &plan)).await);
        }
        return;
    }
    let outcomes = started.unwrap_or_default();
    match tx.commit().await {
        Ok(()) => {
            engine.wake_workers();
            for ((_, reply), outcome) in group.into_iter().zip(outcomes) {
                let _ = reply.send(outcome);
            }
        }
        Err(err) => {
            tracing::error!(error = %err, redemptions = group.len(), "the redemption starts could not commit");
            for (_, reply) in group {
                let _ = reply.send(Err(internal("the redemption's start could not commit")));
            }
        }
    }
}

/// The commit task's claim on the queue: a task that ends before it took the queue (a panic, the
/// runtime shutting down) empties it as it goes, so that those callers get an error instead of
/// waiting for ever and the next redemption starts a new commit.
struct QueueOwner {
    engine: Engine,
    taken: bool,
}

impl QueueOwner {
    fn take(&mut self) -> Waiting {
        self.taken = true;
        self.engine.starts().take()
    }
}

impl Drop for QueueOwner {
    fn drop(&mut self) {
        if !self.taken {
            drop(self.engine.starts().take());
        }
    }
}

/// `start` with a panic turned into an internal error (of this redemption alone, or of the
/// group's shared statements).
async fn guarded<T>(
    start: impl std::future::Future<Output = Result<T, RedeemError>>,
) -> Result<T, RedeemError> {
    use futures::FutureExt as _;
    std::panic::AssertUnwindSafe(start)
        .catch_unwind()
        .await
        .unwrap_or_else(|_| Err(internal("starting the redemption panicked")))
}

fn internal(what: &str) -> RedeemError {
    RedeemError::Internal(crate::Error::Internal(what.into()))
}

/// One redemption's start in its own write transaction.
async fn start_alone(engine: &Engine, plan: &Plan) -> Result<ShareToken, RedeemError> {
    let mut tx = engine.db().begin_write().await?;
    let token = start_in(&mut tx, engine, plan).await?;
    tx.commit().await?;
    engine.wake_workers();
    Ok(token)
}

/// Moves a validated plan's token `created → pending` and enqueues its job inside the caller's
/// transaction (the hosted flow commits its consent record with it). Call
/// [`Engine::wake_workers`] after the commit.
async fn start_in(
    tx: &mut sqlx::AnyConnection,
    engine: &Engine,
    plan: &Plan,
) -> Result<ShareToken, RedeemError> {
    start_many(tx, engine, &[plan])
        .await?
        .pop()
        .unwrap_or_else(|| Err(internal("a start gave no outcome")))
}

/// Plans started together in one statement, at most: bounds a statement's parameters and the
/// `CASE` each of its rows is matched against.
const START_CHUNK: usize = 64;

/// [`start_in`] for a group of plans, with the statements they share written once (one update
/// of their tokens and one insert of their jobs per [`START_CHUNK`]). One outcome per plan, in
/// order: a plan refused on its own (its token redeemed, expired or its connection deactivated
/// meanwhile, or already started by an earlier plan of the group) has written nothing. `Err`
/// when a shared statement failed: the transaction must roll back.
async fn start_many(
    tx: &mut sqlx::AnyConnection,
    engine: &Engine,
    plans: &[&Plan],
) -> Result<Vec<Result<ShareToken, RedeemError>>, RedeemError> {
    let now = engine.now();
    // Each token once in the shared update: a later plan for the same token finds it pending,
    // as it would have one statement later.
    let mut seen = std::collections::HashSet::with_capacity(plans.len());
    let firsts: Vec<&Plan> = plans
        .iter()
        .copied()
        .filter(|plan| seen.insert(&plan.token.id))
        .collect();
    let mut claimed = std::collections::HashSet::with_capacity(firsts.len());
    for chunk in firsts.chunks(START_CHUNK) {
        let marks: Vec<(&ShareTokenId, &str, &[FieldMapping])> = chunk
            .iter()
            .map(|plan| {
                let destination = plan.destination.id.as_str();
                (&plan.token.id, destination, plan.mappings.as_slice())
            })
            .collect();
        claimed.extend(share_tokens::mark_pending_many(tx, &marks, now).await?);
    }
    let mut outcomes = Vec::with_capacity(plans.len());
    let mut tasks = Vec::with_capacity(claimed.len());
    for plan in plans {
        // Removed once taken: a repeat of the token in this group is not claimed.
        if claimed.remove(&plan.token.id) {
            tasks.push(Task::RedeemShareToken {
                share_token_id: plan.token.id.clone(),
            });
            outcomes.push(Ok(pending(plan, now)));
        } else {
            outcomes.push(Err(refusal(tx, engine, plan).await));
        }
    }
    for chunk in tasks.chunks(START_CHUNK) {
        jobs::enqueue_many(tx, chunk, now).await?;
    }
    Ok(outcomes)
}

/// The plan's token as its start leaves it.
fn pending(plan: &Plan, now: crate::time::Timestamp) -> ShareToken {
    let mut token = plan.token.clone();
    token.status = ShareTokenStatus::Pending;
    token.pending_at = Some(now);
    token.updated_at = now;
    token.destination_id = Some(plan.destination.id.clone());
    token.field_mappings = Some(plan.mappings.clone());
    token
}

/// Why a plan's token did not start: someone else won the race, the token expired or its
/// connection was deactivated meanwhile. Reports what it is now.
async fn refusal(tx: &mut sqlx::AnyConnection, engine: &Engine, plan: &Plan) -> RedeemError {
    let token = &plan.token;
    let current = match share_tokens::find(&mut *tx, &token.id).await {
        Ok(current) => current.unwrap_or_else(|| token.clone()),
        Err(err) => return err.into(),
    };
    if let Err(refused) = check_redeemable(&current, engine) {
        return refused;
    }
    match connections::find(&mut *tx, &current.connection_id).await {
        Ok(Some(c)) if c.status != ConnectionStatus::Active => {
            RedeemError::ConnectionNotActive(c.status)
        }
        Ok(_) => RedeemError::AlreadyRedeemed,
        Err(err) => err.into(),
    }
}

/// Validates a redemption (rules 1–3), then runs `before` and starts the redemption in one write
/// transaction: both commit or neither does. `before` returning false stops without redeeming
/// (and without writing anything).
pub async fn redeem_with<F>(
    engine: &Engine,
    org: &OrgId,
    command: &Redeem,
    before: F,
) -> Result<Option<ShareToken>, RedeemError>
where
    F: AsyncFnOnce(&mut sqlx::AnyConnection) -> Result<bool>,
{
    let plan = validate(engine, org, command, None).await?;
    let mut tx = engine.db().begin_write().await?;
    if !before(&mut tx).await? {
        return Ok(None);
    }
    let token = start_in(&mut tx, engine, &plan).await?;
    tx.commit().await?;
    engine.wake_workers();
    Ok(Some(token))
}

/// The hydration report redeeming would produce, writing nothing, judged by the types of the
/// source's values only (see [`hydration::preview`]).
pub async fn preview(
    engine: &Engine,
    org: &OrgId,
    command: &Redeem,
) -> Result<HydrationReport, RedeemError> {
    let plan = validate(engine, org, command, None).await?;
    // Judged by types only: before redemption the destination learns nothing about a value.
    Ok(hydration::preview(
        &plan.token.snapshot,
        &plan.schema.schema,
        &plan.mappings,
    ))
}

/// Redeem a share token into a new object of the caller's (an inquiry from a template, a
/// transaction or an account of a type): the dashboard's command. The object is created with the
/// redemption's start, in one transaction: a refused redemption leaves no empty object behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedeemIntoNew {
    pub token_id: ShareTokenId,
    pub kind: ObjectKind,
    /// The inquiry template, transaction type or account type of the new object.
    pub schema_id: String,
    pub mappings: Vec<FieldMapping>,
}

/// What redeeming into a new object would do, judged by types only.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPreview {
    pub report: HydrationReport,
    /// For an inquiry: the required fields (declared, or needed by a verification or report) that
    /// would stay without a value, so the inquiry would wait for them (stuck). Empty otherwise.
    pub missing: Vec<crate::fields::FieldPath>,
}

/// Rules 1 and 3 for a new object: the token, then the schema (the caller's, of the kind), then
/// the mappings.
async fn validate_new(
    engine: &Engine,
    org: &OrgId,
    command: &RedeemIntoNew,
) -> Result<(ShareToken, SchemaRecord), RedeemError> {
    let token = check_token(engine, org, &command.token_id).await?.0;
    let schema = schemas::cached(engine, &command.schema_id)
        .await?
        .filter(|s| &s.organization_id == org && s.kind == command.kind.schema_kind())
        .ok_or(RedeemError::DestinationNotFound)?;
    hydration::check_mappings(&command.mappings, &schema.schema).map_err(RedeemError::Mappings)?;
    Ok((token, schema))
}

/// The hydration report redeeming into a new object would produce, and for an inquiry what would
/// still be missing; writes nothing.
pub async fn preview_into_new(
    engine: &Engine,
    org: &OrgId,
    command: &RedeemIntoNew,
) -> Result<NewPreview, RedeemError> {
    let (token, schema) = validate_new(engine, org, command).await?;
    let report = hydration::preview(&token.snapshot, &schema.schema, &command.mappings);
    let missing = if command.kind == ObjectKind::Inquiry {
        schema
            .effective_schema()
            .fields()
            .iter()
            .filter(|f| {
                f.required
                    && !report.by_name.contains(&f.key)
                    && !report.by_mapping.contains(&f.key)
            })
            .map(|f| f.key.clone())
            .collect()
    } else {
        Vec::new()
    };
    Ok(NewPreview { report, missing })
}

/// Creates the object and starts redeeming into it, both in one transaction. Returns the token,
/// now `pending` (its `destination_id` is the new object's id).
pub async fn redeem_into_new(
    engine: &Engine,
    org: &OrgId,
    command: &RedeemIntoNew,
) -> Result<ShareToken, RedeemError> {
    let (token, schema) = validate_new(engine, org, command).await?;
    let valid = objects::validate_parsed(
        engine,
        org,
        command.kind,
        schema.clone(),
        None,
        crate::fields::FieldInput::new(),
    )
    .await
    .map_err(|err| match err {
        objects::CreateObjectError::Internal(err) => RedeemError::Internal(err),
        // Nothing else can refuse an object without fields or a reference.
        refused => RedeemError::Internal(crate::Error::Internal(refused.to_string())),
    })?;
    let mut tx = engine.db().begin_write().await?;
    let created = objects::insert_new(&mut tx, engine, valid).await?;
    let plan = Plan {
        token,
        destination: created.record,
        schema,
        mappings: command.mappings.clone(),
    };
    let token = start_in(&mut tx, engine, &plan).await?;
    tx.commit().await?;
    engine.wake_workers();
    Ok(token)
}

/// Why a redemption job did not finish. The text is for logs and the job row only: it never
/// reaches an organization.
#[derive(Debug)]
pub enum JobFailure {
    /// Worth another attempt (a busy database, a destination that changed meanwhile).
    Transient(String),
    /// Will never succeed: the token is marked `failed` with this code.
    Permanent(RedemptionFailure, String),
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
            Self::Permanent(RedemptionFailure::InternalError, err.to_string())
        }
    }
}

/// The redemption job: hydrate, run, report, mark redeemed, in one transaction.
pub async fn run_job(
    engine: &Engine,
    job: &Job,
    token_id: &ShareTokenId,
) -> Result<(), JobFailure> {
    let prepared = prepare_many(engine, &[token_id]).await?;
    let mut tx = engine.db().begin_write().await?;
    let mut outcomes = apply_many(&mut tx, engine, &[job], prepared).await?;
    let outcome = outcomes.pop().expect("one outcome per job");
    // A job refused before writing anything wrote nothing: the rollback changes nothing.
    outcome?;
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

/// The reads and the hydration of redemption jobs, outside any write transaction: one read of
/// the tokens and one of their destinations for all of them. One outcome per token, in order;
/// `Err` when the reads themselves failed.
pub async fn prepare_many(
    engine: &Engine,
    token_ids: &[&ShareTokenId],
) -> Result<Vec<Result<Prepared, JobFailure>>, JobFailure> {
    let pool = engine.db().pool();
    let tokens = share_tokens::find_many(pool, token_ids).await?;
    let destination_ids: Vec<&str> = tokens
        .iter()
        .filter(|t| t.status == ShareTokenStatus::Pending)
        .filter_map(|t| t.destination_id.as_deref())
        .collect();
    let mut conn = pool.acquire().await.map_err(crate::Error::from)?;
    let destinations = objects::find_many(&mut conn, &destination_ids, None).await?;
    drop(conn);
    let mut prepared = Vec::with_capacity(token_ids.len());
    for id in token_ids {
        let token = tokens.iter().find(|t| &&t.id == id).cloned();
        prepared.push(prepare_one(engine, id, token, &destinations).await);
    }
    Ok(prepared)
}

async fn prepare_one(
    engine: &Engine,
    token_id: &ShareTokenId,
    token: Option<ShareToken>,
    destinations: &[ObjectRecord],
) -> Result<Prepared, JobFailure> {
    let Some(token) = token else {
        return Err(JobFailure::Permanent(
            RedemptionFailure::InternalError,
            format!("share token {token_id} does not exist"),
        ));
    };
    if token.status != ShareTokenStatus::Pending {
        return Ok(Prepared::AlreadyDone);
    }
    let destination_id = token.destination_id.clone().ok_or_else(|| {
        JobFailure::Permanent(
            RedemptionFailure::InternalError,
            format!("pending share token {token_id} has no destination"),
        )
    })?;
    let destination = destinations
        .iter()
        .find(|d| d.id == destination_id)
        .cloned()
        .ok_or_else(|| {
            JobFailure::Permanent(
                RedemptionFailure::DestinationMissing,
                format!("destination {destination_id} does not exist"),
            )
        })?;
    let schema = schemas::cached(engine, &destination.schema_id)
        .await?
        .ok_or_else(|| {
            JobFailure::Permanent(
                RedemptionFailure::InternalError,
                format!("schema {} does not exist", destination.schema_id),
            )
        })?;
    if let Some(status) = destination.status_at(engine.now())
        && !status.accepts_values()
    {
        return Err(JobFailure::Permanent(
            RedemptionFailure::DestinationNotRedeemable,
            format!(
                "destination {destination_id} became {} before the redemption ran",
                status.as_str()
            ),
        ));
    }
    // Files stored before inspections existed are inspected now, before the write lock.
    let mut files = destination.document_ids();
    files.extend(objects::file_ids(&token.snapshot));
    documents::ensure_inspected(engine, &files).await?;
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

/// The writes of redemption jobs inside the caller's write transaction (one job, or a batch
/// under one commit): for each job whose destination nobody changed since [`prepare_many`] read
/// it, mark the token redeemed, hydrate and run the destination; then, for all of them
/// together, the workflow runs waiting for the tokens, the events and the jobs' completion.
///
/// One outcome per job, in order. A job refused here (its destination changed, or is another
/// job's of this batch; its token changed or its connection was revoked) has written nothing and
/// is settled by the caller after the commit. `Err` when the transaction as a whole must roll
/// back (a database error, a claim lost): the caller runs the jobs again one by one.
pub async fn apply_many(
    tx: &mut sqlx::AnyConnection,
    engine: &Engine,
    jobs: &[&Job],
    prepared: Vec<Result<Prepared, JobFailure>>,
) -> Result<Vec<Result<(), JobFailure>>, JobFailure> {
    let now = engine.now();
    let mut outcomes: Vec<Result<(), JobFailure>> = Vec::with_capacity(jobs.len());
    let mut completing: Vec<&Job> = Vec::with_capacity(jobs.len());
    let mut ready = Vec::new();
    for (&job, prepared) in jobs.iter().zip(prepared) {
        match prepared {
            Err(failure) => outcomes.push(Err(failure)),
            Ok(Prepared::AlreadyDone) => {
                outcomes.push(Ok(()));
                completing.push(job);
            }
            Ok(Prepared::Ready(work)) => {
                ready.push((outcomes.len(), job, work));
                outcomes.push(Ok(()));
            }
        }
    }
    // Locked until commit on PostgreSQL: another instance's redemption into the same
    // destination (or a step of the hosted flow) waits, then finds the record changed and
    // retries.
    let ids: Vec<&str> = ready
        .iter()
        .map(|(_, _, work)| work.destination.id.as_str())
        .collect();
    let current = objects::find_many(tx, &ids, Some(Lock::Update)).await?;
    // Refused before anything is written: a destination missing or changed since it was read, or
    // taken by an earlier job of this batch (the job runs again and finds it changed; also when
    // that earlier job is then refused at its token's update, which costs it one retry).
    let mut written: Vec<&str> = Vec::with_capacity(ready.len());
    let mut accepted = Vec::with_capacity(ready.len());
    for (at, _, work) in &ready {
        // The whole record, not only `updated_at`: two writes within one millisecond must not
        // overwrite each other.
        let refused = match current.iter().find(|c| c.id == work.destination.id) {
            None => Some(JobFailure::Permanent(
                RedemptionFailure::DestinationMissing,
                format!("destination {} does not exist", work.destination.id),
            )),
            Some(current)
                if *current != work.destination || written.contains(&current.id.as_str()) =>
            {
                Some(JobFailure::Transient(
                    "the destination changed meanwhile".into(),
                ))
            }
            Some(_) => None,
        };
        match refused {
            Some(failure) => outcomes[*at] = Err(failure),
            None => {
                written.push(work.destination.id.as_str());
                accepted.push((*at, &work.token, &work.report));
            }
        }
    }
    // One update for every accepted token; it also requires each connection to be active: a
    // revocation committed since `prepare_many` read the token wins, and nothing of that job is
    // written.
    let marks: Vec<(&ShareTokenId, &HydrationReport)> = accepted
        .iter()
        .map(|(_, token, report)| (&token.id, *report))
        .collect();
    let marked = share_tokens::mark_redeemed_many(tx, &marks, now).await?;
    let mut finishing = Vec::with_capacity(marked.len());
    for (at, token, _) in accepted {
        if marked.contains(&token.id) {
            finishing.push(at);
            continue;
        }
        // A failed read is the transaction's (on PostgreSQL it is aborted): `?`.
        let connection = connections::find(&mut *tx, &token.connection_id).await?;
        outcomes[at] = Err(match connection {
            Some(c) if c.status == ConnectionStatus::Active => {
                JobFailure::Transient("the share token changed meanwhile".into())
            }
            _ => connection_inactive(token),
        });
    }
    let mut ready: Vec<_> = ready
        .into_iter()
        .filter(|(at, _, _)| finishing.contains(at))
        .collect();
    let mut emitted = Vec::with_capacity(ready.len());
    for (_, _, work) in &mut ready {
        let Ready {
            destination,
            schema,
            hydrated,
            ..
        } = &mut **work;
        let values = copy_files(tx, destination, std::mem::take(hydrated), now).await?;
        emitted.push(objects::set_values(tx, engine, destination, schema, values, now).await?);
    }
    let destinations: Vec<&ObjectRecord> = ready.iter().map(|(_, _, w)| &w.destination).collect();
    objects::update_many(tx, &destinations).await?;
    let mut redeemed: Vec<ShareToken> = Vec::with_capacity(ready.len());
    for ((_, job, work), emitted) in ready.into_iter().zip(emitted) {
        let Ready {
            mut token,
            destination,
            schema,
            report,
            ..
        } = *work;
        objects::record_emitted(tx, &destination, &schema, emitted, now).await?;
        token.status = ShareTokenStatus::Redeemed;
        token.redeemed_at = Some(now);
        token.updated_at = now;
        token.hydration_report = Some(report);
        redeemed.push(token);
        completing.push(job);
    }
    if !redeemed.is_empty() {
        let ids: Vec<ShareTokenId> = redeemed.iter().map(|t| t.id.clone()).collect();
        crate::workflows::redemption_ended(tx, &ids, Ok(()), now).await?;
        share_tokens::record_pairs(
            tx,
            &redeemed,
            names::SHARE_TOKEN_OUTBOUND_REDEEMED,
            names::SHARE_TOKEN_INBOUND_REDEEMED,
            now,
        )
        .await?;
        db::notify(tx, Channel::Redemptions).await?;
    }
    if !jobs::complete_many(tx, &completing, now).await? {
        return Err(JobFailure::Transient("a job's lease was lost".into()));
    }
    Ok(outcomes)
}

/// Copies the hydrated files into new documents of the destination organization (identical bytes
/// and inspection) and merges the hydrated values over the destination's.
async fn copy_files(
    tx: &mut sqlx::AnyConnection,
    destination: &ObjectRecord,
    hydrated: FieldValues,
    now: crate::time::Timestamp,
) -> Result<FieldValues> {
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
    Ok(values)
}

/// Fails a redemption job for good with `failure`: the token becomes `failed` (with its events)
/// and the job failed, in one transaction.
pub async fn give_up(
    engine: &Engine,
    job: &Job,
    token_id: &ShareTokenId,
    failure: RedemptionFailure,
    detail: &str,
) -> Result<()> {
    let now = engine.now();
    let mut tx = engine.db().begin_write().await?;
    if !jobs::fail(&mut tx, job, detail, now).await? {
        // Another worker took the job over after this one's lease ran out: it decides.
        tracing::warn!(
            job = job.seq,
            "a job given up after its lease was lost; left to its new worker"
        );
        return Ok(());
    }
    share_tokens::fail_in(&mut tx, token_id, failure, now).await?;
    tx.commit().await?;
    engine.redemption_settled();
    tracing::warn!(
        job = job.seq,
        code = failure.code(),
        detail,
        "share token redemption failed"
    );
    Ok(())
}

/// The permanent failure of a job whose token's connection is no longer active (the source
/// revoked it).
fn connection_inactive(token: &ShareToken) -> JobFailure {
    JobFailure::Permanent(
        RedemptionFailure::ConnectionInactive,
        format!("connection {} is not active", token.connection_id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_group_asking_for_one_token_twice_starts_it_once_and_refuses_the_repeat() {
        // Arrange: more tokens than one statement starts (the group spans two chunks); the
        // first token is asked for again, last, into another destination.
        let engine = crate::testing::engine().await;
        let count = START_CHUNK + 2;
        let load = crate::scenarios::redemption_load(&engine, count)
            .await
            .unwrap();
        let command = |token: &str, destination: &str| Redeem {
            token_id: ShareTokenId::parse(token).unwrap(),
            destination_id: destination.to_owned(),
            mappings: Vec::new(),
        };
        let mut plans = Vec::new();
        for (token, destination) in &load.work {
            let redeem = command(token, destination);
            let plan = validate(&engine, &load.destination, &redeem, None).await;
            plans.push(plan.expect("a redeemable token"));
        }
        let (first_token, first_destination) = &load.work[0];
        let repeat = command(first_token, &load.work[1].1);
        plans.push(
            validate(&engine, &load.destination, &repeat, None)
                .await
                .unwrap(),
        );
        let group: Vec<&Plan> = plans.iter().collect();

        // Act
        let mut tx = engine.db().begin_write().await.unwrap();
        let outcomes = start_many(&mut tx, &engine, &group).await.unwrap();
        tx.commit().await.unwrap();

        // Assert
        let refused: Vec<(usize, String)> = outcomes
            .iter()
            .enumerate()
            .filter_map(|(n, o)| o.as_ref().err().map(|e| (n, format!("{e:?}"))))
            .collect();
        assert!(
            matches!(outcomes.last(), Some(Err(RedeemError::AlreadyRedeemed)))
                && refused.len() == 1,
            "the repeat alone is refused, all {count} others start: {refused:?}"
        );
        let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs")
            .fetch_one(engine.db().pool())
            .await
            .unwrap();
        assert_eq!(jobs, count as i64, "one job per token, none for the repeat");
        for (token, destination) in &load.work {
            let id = ShareTokenId::parse(token).unwrap();
            let stored = share_tokens::find(engine.db().pool(), &id).await.unwrap();
            let stored = stored.map(|t| (t.status, t.destination_id));
            assert_eq!(
                stored,
                Some((ShareTokenStatus::Pending, Some(destination.clone()))),
                "{token} is pending into its own plan's destination"
            );
        }
        assert_ne!(
            first_destination, &load.work[1].1,
            "the repeat asked for another destination"
        );
    }
}
