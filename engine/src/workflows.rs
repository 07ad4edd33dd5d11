//! Workflows (CONTRACT.md §6): on a trigger event, run steps without code. The one action today,
//! `redeem-share-token`, creates the destination object of the configured kind and redeems the
//! event's share token into it with the step's field mappings.
//!
//! A run is written with its event ([`trigger`], inside the event's transaction: at most one run
//! per workflow and event) and executed by a background job ([`run_job`]). The object it creates
//! is recorded with the run in the transaction that creates it, and the run's job completes in
//! the transaction that starts the redemption, so a retried job reuses the object and never
//! redeems twice (the token's own `created → pending` rule makes a second redemption impossible
//! anyway). The run then ends with its redemption, in the redemption's own transaction
//! ([`redemption_ended`]): `succeeded` when the token is redeemed, `failed` with the token's
//! failure sentence when it fails.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Engine;
use crate::error::Result;
use crate::events::names;
use crate::hydration::{self, FieldMapping, MappingRefusal};
use crate::ids::{EventId, OrgId, ShareTokenId, WorkflowId, WorkflowRunId};
use crate::jobs::{self, Job, Task};
use crate::objects::{self, ObjectKind};
use crate::paging::{Page, PageRequest};
use crate::redemption::{self, JobFailure, Redeem, RedeemError};
use crate::schemas;
use crate::time::Timestamp;

/// Most steps in one workflow.
pub const MAX_STEPS: usize = 10;

/// The event whose share token a `redeem-share-token` step redeems.
pub const REDEEMABLE_TRIGGER: &str = names::SHARE_TOKEN_INBOUND_CREATED;

/// Whether a workflow runs on its trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkflowStatus {
    Enabled,
    Disabled,
}

impl WorkflowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Disabled => "disabled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "enabled" => Some(Self::Enabled),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

domain::text_column!(WorkflowStatus);

/// A step of a workflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Step {
    /// Create an object of `destination_kind` following `schema_id`, and redeem the event's share
    /// token into it.
    RedeemShareToken {
        #[serde(rename = "destination-type")]
        destination_kind: ObjectKind,
        #[serde(rename = "schema-id")]
        schema_id: String,
        #[serde(rename = "field-mappings", default)]
        field_mappings: Vec<FieldMapping>,
    },
}

impl Step {
    pub fn action(&self) -> &'static str {
        match self {
            Self::RedeemShareToken { .. } => "redeem-share-token",
        }
    }
}

/// A stored workflow.
#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    pub id: WorkflowId,
    pub organization_id: OrgId,
    pub name: String,
    pub trigger_event: String,
    pub steps: Vec<Step>,
    pub status: WorkflowStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Create a workflow: the command every channel builds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateWorkflow {
    pub name: String,
    pub trigger_event: String,
    pub steps: Vec<Step>,
}

/// Why a workflow cannot be created, in the domain's terms (steps by their position).
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("the workflow was not found")]
    NotFound,
    #[error("a workflow's name is 1 to 200 characters, without control characters")]
    InvalidName,
    #[error("the trigger is not an event Tessera sends")]
    UnknownTrigger,
    #[error("a workflow has at most {MAX_STEPS} steps")]
    TooManySteps,
    #[error(
        "step {0}: redeem-share-token needs the trigger {REDEEMABLE_TRIGGER} (the event that carries a token to redeem)"
    )]
    StepNeedsShareToken(usize),
    #[error("step {0}: a token is redeemed once; only one redeem-share-token step is allowed")]
    SecondRedeem(usize),
    #[error("step {0}: the destination's template or type was not found")]
    SchemaNotFound(usize),
    #[error("step {index}: {} field mapping(s) do not fit the destination", .refusals.len())]
    Mappings {
        index: usize,
        refusals: Vec<MappingRefusal>,
    },
    #[error(transparent)]
    Internal(#[from] crate::Error),
}

crate::error::command_error!(WorkflowError);

#[derive(sqlx::FromRow)]
struct WorkflowRow {
    id: WorkflowId,
    organization_id: OrgId,
    name: String,
    trigger_event: String,
    steps: String,
    status: WorkflowStatus,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl TryFrom<WorkflowRow> for Workflow {
    type Error = crate::Error;

    fn try_from(row: WorkflowRow) -> Result<Self> {
        let steps = serde_json::from_str(&row.steps)
            .map_err(crate::error::unreadable("workflow steps", &row.id))?;
        Ok(Self {
            id: row.id,
            organization_id: row.organization_id,
            name: row.name,
            trigger_event: row.trigger_event,
            steps,
            status: row.status,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

const COLUMNS: &str =
    "id, organization_id, name, trigger_event, steps, status, created_at, updated_at";

/// Creates an enabled workflow for `org`, after checking every step against `org`'s schemas.
pub async fn create(
    engine: &Engine,
    org: &OrgId,
    command: CreateWorkflow,
) -> Result<Workflow, WorkflowError> {
    let name = command.name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(WorkflowError::InvalidName);
    }
    if !names::ALL.contains(&command.trigger_event.as_str()) {
        return Err(WorkflowError::UnknownTrigger);
    }
    if command.steps.len() > MAX_STEPS {
        return Err(WorkflowError::TooManySteps);
    }
    let mut redeems = 0;
    for (index, step) in command.steps.iter().enumerate() {
        match step {
            Step::RedeemShareToken {
                destination_kind,
                schema_id,
                field_mappings,
            } => {
                if command.trigger_event != REDEEMABLE_TRIGGER {
                    return Err(WorkflowError::StepNeedsShareToken(index));
                }
                redeems += 1;
                if redeems > 1 {
                    return Err(WorkflowError::SecondRedeem(index));
                }
                let schema = schemas::cached(engine, schema_id)
                    .await?
                    .filter(|s| {
                        &s.organization_id == org && s.kind == destination_kind.schema_kind()
                    })
                    .ok_or(WorkflowError::SchemaNotFound(index))?;
                hydration::check_mappings(field_mappings, &schema.schema)
                    .map_err(|refusals| WorkflowError::Mappings { index, refusals })?;
            }
        }
    }
    let now = engine.now();
    let workflow = Workflow {
        id: WorkflowId::new(),
        organization_id: org.clone(),
        name: name.to_owned(),
        trigger_event: command.trigger_event,
        steps: command.steps,
        status: WorkflowStatus::Enabled,
        created_at: now,
        updated_at: now,
    };
    let mut tx = engine.db().begin_write().await?;
    sqlx::query(
        "INSERT INTO workflows (id, organization_id, name, trigger_event, steps, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&workflow.id)
    .bind(org)
    .bind(&workflow.name)
    .bind(&workflow.trigger_event)
    .bind(steps_json(&workflow.steps))
    .bind(workflow.status)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(workflow)
}

fn steps_json(steps: &[Step]) -> String {
    serde_json::to_string(steps).expect("steps serialise")
}

async fn find(conn: impl sqlx::AnyExecutor<'_>, org: &OrgId, id: &str) -> Result<Option<Workflow>> {
    let row: Option<WorkflowRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM workflows WHERE id = $1 AND organization_id = $2"
    ))
    .bind(id)
    .bind(org)
    .fetch_optional(conn)
    .await?;
    row.map(Workflow::try_from).transpose()
}

/// Reads one of `org`'s workflows.
pub async fn get(engine: &Engine, org: &OrgId, id: &str) -> Result<Workflow, WorkflowError> {
    find(engine.db().pool(), org, id)
        .await?
        .ok_or(WorkflowError::NotFound)
}

/// `org`'s workflows, newest first.
pub async fn list(engine: &Engine, org: &OrgId, page: &PageRequest) -> Result<Page<Workflow>> {
    let rows: Vec<WorkflowRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM workflows WHERE organization_id = $1
           AND ($2 IS NULL OR seq < (SELECT seq FROM workflows WHERE id = $2 AND organization_id = $1))
         ORDER BY seq DESC LIMIT $3"
    ))
    .bind(org)
    .bind(&page.after)
    .bind(page.limit())
    .fetch_all(engine.db().pool())
    .await?;
    let workflows = rows
        .into_iter()
        .map(Workflow::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(workflows, page, |w| w.id.to_string()))
}

/// Enables or disables a workflow (a disabled one starts no runs; runs under way finish).
pub async fn set_status(
    engine: &Engine,
    org: &OrgId,
    id: &str,
    status: WorkflowStatus,
) -> Result<Workflow, WorkflowError> {
    let mut tx = engine.db().begin_write().await?;
    let updated = sqlx::query(
        "UPDATE workflows SET status = $1, updated_at = $2 WHERE id = $3 AND organization_id = $4",
    )
    .bind(status)
    .bind(engine.now())
    .bind(id)
    .bind(org)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(WorkflowError::NotFound);
    }
    let workflow = find(&mut *tx, org, id)
        .await?
        .ok_or(WorkflowError::NotFound)?;
    tx.commit().await?;
    Ok(workflow)
}

/// Starts a run of each enabled workflow triggered by one of `events` (its organization's, its
/// name), inside the transaction that records them (one read of the workflows for all of them):
/// a run with steps gets a job; one without steps has nothing to do and is written succeeded.
/// Returns how many runs were started.
pub async fn trigger(
    tx: &mut sqlx::AnyConnection,
    events: &[crate::events::Recorded],
    now: Timestamp,
) -> Result<usize> {
    let mut orgs: Vec<&OrgId> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for event in events {
        if !orgs.contains(&&event.organization_id) {
            orgs.push(&event.organization_id);
        }
        if !names.contains(&event.name.as_str()) {
            names.push(&event.name);
        }
    }
    if orgs.is_empty() {
        return Ok(0);
    }
    let select = format!(
        "SELECT id, organization_id, trigger_event, steps FROM workflows
         WHERE status = $1 AND organization_id IN ({}) AND trigger_event IN ({})",
        crate::db::placeholders(2, orgs.len()),
        crate::db::placeholders(2 + orgs.len(), names.len())
    );
    let mut query = sqlx::query_as(&select).bind(WorkflowStatus::Enabled);
    for org in &orgs {
        query = query.bind(*org);
    }
    for name in &names {
        query = query.bind(*name);
    }
    let workflows: Vec<(WorkflowId, OrgId, String, String)> = query.fetch_all(&mut *tx).await?;
    let mut started = 0;
    for event in events {
        // The share token a Connect event is about (its payload is the token as the API renders it).
        let token = event
            .name
            .starts_with("connect/share-token.")
            .then(|| event.payload["data"]["id"].as_str())
            .flatten()
            .and_then(|id| ShareTokenId::parse(id).ok());
        for (workflow, _, _, steps) in workflows
            .iter()
            .filter(|(_, org, name, _)| *org == event.organization_id && *name == event.name)
        {
            let run = WorkflowRunId::new();
            let has_steps = steps.trim() != "[]";
            let status = if has_steps {
                RunStatus::Running
            } else {
                RunStatus::Succeeded
            };
            sqlx::query(
                "INSERT INTO workflow_runs (id, workflow_id, organization_id, event_id, status, steps, share_token_id, created_at, updated_at, finished_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&run)
            .bind(workflow)
            .bind(&event.organization_id)
            .bind(&event.id)
            .bind(status)
            .bind(steps)
            .bind(&token)
            .bind(now)
            .bind(now)
            .bind((!has_steps).then_some(now))
            .execute(&mut *tx)
            .await?;
            if has_steps {
                jobs::enqueue(tx, &Task::RunWorkflow { run_id: run }, now).await?;
            }
            started += 1;
        }
    }
    Ok(started)
}

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "running" => Some(Self::Running),
            "succeeded" => Some(Self::Succeeded),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

domain::text_column!(RunStatus);

/// A workflow run.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub id: WorkflowRunId,
    pub workflow_id: WorkflowId,
    pub organization_id: OrgId,
    pub event_id: EventId,
    pub status: RunStatus,
    pub steps: Vec<Step>,
    pub share_token_id: Option<ShareTokenId>,
    /// The object the run created (an `inq_`, `txn_` or `act_` id).
    pub destination_id: Option<String>,
    pub error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: WorkflowRunId,
    workflow_id: WorkflowId,
    organization_id: OrgId,
    event_id: EventId,
    status: RunStatus,
    steps: String,
    share_token_id: Option<ShareTokenId>,
    destination_id: Option<String>,
    error: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    finished_at: Option<Timestamp>,
}

impl TryFrom<RunRow> for Run {
    type Error = crate::Error;

    fn try_from(row: RunRow) -> Result<Self> {
        let steps = serde_json::from_str(&row.steps)
            .map_err(crate::error::unreadable("workflow run steps", &row.id))?;
        Ok(Self {
            id: row.id,
            workflow_id: row.workflow_id,
            organization_id: row.organization_id,
            event_id: row.event_id,
            status: row.status,
            steps,
            share_token_id: row.share_token_id,
            destination_id: row.destination_id,
            error: row.error,
            created_at: row.created_at,
            updated_at: row.updated_at,
            finished_at: row.finished_at,
        })
    }
}

const RUN_COLUMNS: &str = "id, workflow_id, organization_id, event_id, status, steps, share_token_id, destination_id, error, created_at, updated_at, finished_at";

async fn find_run(conn: impl sqlx::AnyExecutor<'_>, id: &WorkflowRunId) -> Result<Option<Run>> {
    let row: Option<RunRow> = sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM workflow_runs WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(Run::try_from).transpose()
}

/// Reads one of `org`'s runs.
pub async fn get_run(engine: &Engine, org: &OrgId, id: &str) -> Result<Option<Run>> {
    let Ok(id) = WorkflowRunId::parse(id) else {
        return Ok(None);
    };
    Ok(find_run(engine.db().pool(), &id)
        .await?
        .filter(|run| &run.organization_id == org))
}

/// Which runs to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunFilter {
    pub workflow_id: Option<String>,
    pub status: Option<RunStatus>,
}

/// `org`'s runs, newest first.
pub async fn list_runs(
    engine: &Engine,
    org: &OrgId,
    filter: &RunFilter,
    page: &PageRequest,
) -> Result<Page<Run>> {
    let rows: Vec<RunRow> = sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM workflow_runs WHERE organization_id = $1
           AND ($2 IS NULL OR workflow_id = $2) AND ($3 IS NULL OR status = $3)
           AND ($4 IS NULL OR seq < (SELECT seq FROM workflow_runs WHERE id = $4 AND organization_id = $1))
         ORDER BY seq DESC LIMIT $5"
    ))
    .bind(org)
    .bind(&filter.workflow_id)
    .bind(filter.status)
    .bind(&page.after)
    .bind(page.limit())
    .fetch_all(engine.db().pool())
    .await?;
    let runs = rows
        .into_iter()
        .map(Run::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(runs, page, |r| r.id.to_string()))
}

/// Ends a run `failed` with `error` and fails its job, in one transaction (nothing when the run
/// already ended or the job's claim was lost).
async fn fail_run(engine: &Engine, job: &Job, run: &WorkflowRunId, error: &str) -> Result<()> {
    let now = engine.now();
    let mut tx = engine.db().begin_write().await?;
    if !jobs::fail(&mut tx, job, error, now).await? {
        return Ok(());
    }
    sqlx::query(
        "UPDATE workflow_runs SET status = $1, error = $2, updated_at = $3, finished_at = $3
         WHERE id = $4 AND status = $5",
    )
    .bind(RunStatus::Failed)
    .bind(error)
    .bind(now)
    .bind(run)
    .bind(RunStatus::Running)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(run = %run, "workflow run failed");
    Ok(())
}

/// Gives a run up after its job used every attempt (or could not be run).
pub async fn give_up(engine: &Engine, job: &Job, run: &WorkflowRunId) -> Result<()> {
    fail_run(
        engine,
        job,
        run,
        "the run could not be completed after several attempts; see the share token and try redeeming it by hand",
    )
    .await
}

/// Completes a job whose run has nothing (more) to do.
async fn complete_only(engine: &Engine, job: &Job) -> Result<()> {
    let mut tx = engine.db().begin_write().await?;
    if jobs::complete(&mut tx, job, engine.now()).await? {
        tx.commit().await?;
    }
    Ok(())
}

/// The run's job: each step in turn (today the one redeem step).
pub async fn run_job(engine: &Engine, job: &Job, run_id: &WorkflowRunId) -> Result<(), JobFailure> {
    let Some(run) = find_run(engine.db().pool(), run_id).await? else {
        complete_only(engine, job).await?;
        return Ok(());
    };
    if run.status != RunStatus::Running {
        complete_only(engine, job).await?;
        return Ok(());
    }
    let Some(Step::RedeemShareToken {
        destination_kind,
        schema_id,
        field_mappings,
    }) = run.steps.first().cloned()
    else {
        return finish(engine, job, &run).await;
    };
    let Some(token) = run.share_token_id.clone() else {
        fail_run(
            engine,
            job,
            run_id,
            "the trigger event carries no share token",
        )
        .await?;
        return Ok(());
    };
    let destination = match run.destination_id.clone() {
        Some(destination) => destination,
        None => match create_destination(engine, &run, destination_kind, &schema_id).await? {
            Ok(destination) => destination,
            Err(error) => {
                fail_run(engine, job, run_id, &error).await?;
                return Ok(());
            }
        },
    };
    let command = Redeem {
        token_id: token,
        destination_id: destination,
        mappings: field_mappings,
    };
    let now = engine.now();
    let redeemed = redemption::redeem_with(engine, &run.organization_id, &command, async |tx| {
        // The job completes with the redemption's start (all or nothing); the run stays running
        // until the redemption ends.
        if !jobs::complete(tx, job, now).await? {
            return Ok(false);
        }
        let still_running =
            sqlx::query("UPDATE workflow_runs SET updated_at = $1 WHERE id = $2 AND status = $3")
                .bind(now)
                .bind(run_id)
                .bind(RunStatus::Running)
                .execute(tx)
                .await?;
        Ok(still_running.rows_affected() == 1)
    })
    .await;
    match redeemed {
        Ok(Some(_)) => {
            tracing::info!(run = %run_id, "workflow run started redeeming its share token");
            Ok(())
        }
        // The job's claim was lost or the run ended meanwhile: the other holder decides.
        Ok(None) => Ok(()),
        Err(RedeemError::Internal(err)) => Err(err.into()),
        Err(refused) => {
            // The domain's fixed sentence: names no value of the person.
            fail_run(engine, job, run_id, &refused.to_string()).await?;
            Ok(())
        }
    }
}

/// A run whose steps are all done: succeeded, with its job completed.
async fn finish(engine: &Engine, job: &Job, run: &Run) -> Result<(), JobFailure> {
    let now = engine.now();
    let mut tx = engine.db().begin_write().await?;
    if jobs::complete(&mut tx, job, now).await? {
        sqlx::query(
            "UPDATE workflow_runs SET status = $1, updated_at = $2, finished_at = $2 WHERE id = $3 AND status = $4",
        )
        .bind(RunStatus::Succeeded)
        .bind(now)
        .bind(&run.id)
        .bind(RunStatus::Running)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Creates the run's destination object and records it on the run, in one transaction. The outer
/// error is a failure to retry; the inner one ends the run (its words name no value).
async fn create_destination(
    engine: &Engine,
    run: &Run,
    kind: ObjectKind,
    schema_id: &str,
) -> Result<Result<String, String>, JobFailure> {
    let Some(schema) = schemas::cached(engine, schema_id)
        .await?
        .filter(|s| s.organization_id == run.organization_id && s.kind == kind.schema_kind())
    else {
        return Ok(Err(
            "the step's inquiry template, transaction type or account type no longer exists"
                .to_owned(),
        ));
    };
    let valid = objects::validate_parsed(
        engine,
        &run.organization_id,
        kind,
        schema,
        None,
        Default::default(),
    )
    .await
    .map_err(|err| JobFailure::from(crate::Error::from(err)))?;
    let mut tx = engine.db().begin_write().await?;
    let created = objects::insert_new(&mut tx, engine, valid).await?;
    let recorded = sqlx::query(
        "UPDATE workflow_runs SET destination_id = $1, updated_at = $2
         WHERE id = $3 AND status = $4 AND destination_id IS NULL",
    )
    .bind(&created.record.id)
    .bind(engine.now())
    .bind(&run.id)
    .bind(RunStatus::Running)
    .execute(&mut *tx)
    .await?;
    if recorded.rows_affected() == 0 {
        // Another attempt got there first: drop this object with the transaction and retry.
        return Err(JobFailure::Transient(
            "the run changed while its destination was created".to_owned(),
        ));
    }
    tx.commit().await?;
    Ok(Ok(created.record.id))
}

/// Ends the runs waiting for `token`'s redemption, inside the transaction that ends it: only a
/// run whose own object the token was redeemed into (another channel's redemption of the same
/// token is not the run's). `Err` carries the token's failure, whose fixed sentence the run shows.
pub(crate) async fn redemption_ended(
    tx: &mut sqlx::AnyConnection,
    tokens: &[ShareTokenId],
    outcome: std::result::Result<(), crate::share_tokens::RedemptionFailure>,
    now: Timestamp,
) -> Result<()> {
    if tokens.is_empty() {
        return Ok(());
    }
    let (status, error) = match outcome {
        Ok(()) => (RunStatus::Succeeded, None),
        Err(failure) => (
            RunStatus::Failed,
            Some(format!("the redemption failed: {}", failure.sentence())),
        ),
    };
    let update = format!(
        "UPDATE workflow_runs SET status = $1, error = $2, updated_at = $3, finished_at = $3
         WHERE status = $4 AND share_token_id IN ({})
           AND destination_id = (SELECT s.destination_id FROM share_tokens s
                                 WHERE s.id = workflow_runs.share_token_id)",
        crate::db::placeholders(5, tokens.len())
    );
    let mut query = sqlx::query(&update)
        .bind(status)
        .bind(error)
        .bind(now)
        .bind(RunStatus::Running);
    for token in tokens {
        query = query.bind(token);
    }
    query.execute(tx).await?;
    Ok(())
}

/// A step as the API renders it, with how far the run got.
pub fn render_step(step: &Step, status: &str) -> Value {
    match step {
        Step::RedeemShareToken {
            destination_kind,
            schema_id,
            field_mappings,
        } => json!({
            "action": step.action(),
            "destination-type": destination_kind.as_str(),
            destination_kind.schema_attribute(): schema_id,
            "field-mappings": field_mappings,
            "status": status,
        }),
    }
}
