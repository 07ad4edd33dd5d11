//! The hosted flow (`/verify`, CONTRACT.md §7) as the end user walks it: start an inquiry from a
//! template (optionally with a share token), consent, redemption, the steps that collect what is
//! still missing, and the outcome. The page layer only renders what [`view`] returns and posts
//! back to [`accept`], [`decline`] and [`submit_step`].
//!
//! State lives in the database and travels with the inquiry's session token (no cookies): a flow
//! row remembers the share token, mappings, redirect URI and, once collection starts, the steps.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Engine;
use crate::error::{Error, Result};
use crate::fields::{
    FieldDef, FieldInput, FieldPath, FieldType, FieldValue, InputValue, Schema, form_value,
    new_file,
};
use crate::hydration::FieldMapping;
use crate::ids::{OrgId, ShareTokenId};
use crate::inquiry::{self, InquiryStatus};
use crate::objects::{self, CreateObjectError, ObjectKind, ObjectRecord, SessionToken};
use crate::orgs;
use crate::redemption::{self, Redeem, RedeemError};
use crate::schemas::{self, SchemaKind, SchemaRecord};
use crate::share_tokens::{self, ShareToken, ShareTokenStatus};
use crate::{documents, hydration};

/// The version of the consent text shown; recorded with every decision. Bump it whenever the
/// consent wording changes, in any language.
pub const CONSENT_TEXT_VERSION: &str = "2026-11-25.1";

/// How long accepting waits for the background redemption before showing a "working" page.
pub const REDEMPTION_WAIT: Duration = Duration::from_secs(5);

/// One collection step: a group and the fields it asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub group: StepGroup,
    pub fields: Vec<FieldPath>,
}

/// Groups `missing` into steps, in [`StepGroup`] order, keeping the template's field order.
pub fn plan_steps(schema: &Schema, missing: &[FieldPath]) -> Vec<Step> {
    let missing: BTreeSet<&FieldPath> = missing.iter().collect();
    let mut groups: BTreeMap<StepGroup, Vec<FieldPath>> = BTreeMap::new();
    for def in schema.fields() {
        if missing.contains(&def.key) {
            groups
                .entry(StepGroup::of(&def.key))
                .or_default()
                .push(def.key.clone());
        }
    }
    groups
        .into_iter()
        .map(|(group, fields)| Step { group, fields })
        .collect()
}

pub use domain::flow::{FieldProblem, FlowError, StepGroup};

/// Why a flow cannot use `token` now, if it cannot: the redemption's own rule 1, in the flow's words.
fn token_problem(token: &ShareToken, engine: &Engine) -> Option<FlowError> {
    redemption::check_redeemable(token, engine)
        .err()
        .map(flow_error)
}

/// What the end user is told when the redemption cannot start.
fn flow_error(err: RedeemError) -> FlowError {
    match err {
        RedeemError::TokenNotFound => FlowError::TokenUnknown,
        RedeemError::AlreadyRedeemed => FlowError::TokenRedeemed,
        RedeemError::Expired => FlowError::TokenExpired,
        RedeemError::Failed(_) => FlowError::TokenFailed,
        RedeemError::ConnectionNotActive(_) => FlowError::TokenUnusable,
        RedeemError::Mappings(_) => FlowError::InvalidFieldMappings,
        // The flow's own inquiry: accept checked it is open; anything else is on our side.
        RedeemError::InvalidDestination
        | RedeemError::DestinationNotFound
        | RedeemError::DestinationNotRedeemable(_) => FlowError::Unavailable,
        RedeemError::Internal(err) => FlowError::from(err),
    }
}

impl From<Error> for FlowError {
    /// The engine failed on its side (the database, a stored row): the flow can only say "try
    /// again later". Refusals the user can act on arrive typed (see [`flow_error`]).
    fn from(err: Error) -> FlowError {
        tracing::error!(error = %err, "the hosted flow could not reach its data");
        FlowError::Unavailable
    }
}

/// What `/verify?inquiry-template-id=…` was opened with.
#[derive(Clone, Debug, Default)]
pub struct StartRequest {
    pub template_id: String,
    pub share_token: Option<String>,
    pub reference_id: Option<String>,
    pub redirect_uri: Option<String>,
    /// `fields[<key>]=` prefill, as the strings the query carried.
    pub prefill: Vec<(String, String)>,
    /// `field-mappings[N][source-field-name]` / `[destination-field-name]` pairs, in N order.
    pub field_mappings: Vec<(String, String)>,
}

/// A started flow: where the browser goes next.
#[derive(Debug)]
pub struct Started {
    pub inquiry_id: String,
    pub session_token: SessionToken,
}

/// The `fields[<key>]=` prefill of a link as typed input: every key a declared field that is not
/// a file, every value fitting its type. `None` when anything does not.
/// A key given twice keeps its last value, as a query string's reader would.
fn prefill_input(schema: &Schema, pairs: &[(String, String)]) -> Option<FieldInput> {
    let last: BTreeMap<&str, &str> = pairs
        .iter()
        .map(|(key, text)| (key.as_str(), text.as_str()))
        .collect();
    let mut input = FieldInput::new();
    for (key, text) in last {
        let path = FieldPath::parse(key).ok()?;
        let def = schema.get(&path)?;
        input.insert(path, InputValue::Value(form_value(&def.field_type, text)?));
    }
    Some(input)
}

/// Creates the inquiry of a new flow after checking everything it was given; nothing is written
/// when anything is wrong.
pub async fn start(engine: &Engine, request: &StartRequest) -> Result<Started, FlowError> {
    let template = schemas::cached(engine, &request.template_id)
        .await?
        .filter(|s| s.kind == SchemaKind::InquiryTemplate)
        .ok_or(FlowError::UnknownTemplate)?;
    let org = template.organization_id.clone();
    let token = match &request.share_token {
        Some(token_id) => Some(usable_token(engine, &org, token_id).await?.id),
        None => None,
    };
    let redirect_uri = check_redirect(engine, &org, request.redirect_uri.as_deref()).await?;
    let mappings = link_mappings(&request.field_mappings).ok_or(FlowError::InvalidFieldMappings)?;
    hydration::check_mappings(&mappings, &template.schema)
        .map_err(|_| FlowError::InvalidFieldMappings)?;
    if let Some(reference) = &request.reference_id
        && !objects::is_valid_reference_id(reference)
    {
        return Err(FlowError::BadParameters);
    }
    let prefill =
        prefill_input(&template.schema, &request.prefill).ok_or(FlowError::InvalidPrefill)?;
    let reference_id = request.reference_id.clone();
    let valid = objects::validate_parsed(
        engine,
        &org,
        ObjectKind::Inquiry,
        template,
        reference_id,
        prefill,
    )
    .await
    .map_err(|err| match err {
        CreateObjectError::InvalidReferenceId => FlowError::BadParameters,
        CreateObjectError::FilesTooLargeToDecode(_) => FlowError::InvalidPrefill,
        CreateObjectError::SchemaNotFound => FlowError::UnknownTemplate,
        CreateObjectError::Internal(err) => FlowError::from(err),
    })?;
    // The inquiry and its flow row commit together: a crash leaves both or neither.
    let mut tx = engine.db().begin_write().await.map_err(Error::from)?;
    let created = objects::insert_new(&mut tx, engine, valid).await?;
    let flow = NewFlow {
        share_token: token.as_ref(),
        field_mappings: &mappings,
        redirect_uri: redirect_uri.as_deref(),
    };
    insert_flow(&mut tx, engine, &created.record.id, &flow).await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(Started {
        inquiry_id: created.record.id,
        session_token: created
            .session_token
            .expect("an inquiry always gets a session token"),
    })
}

/// What a flow row starts with.
struct NewFlow<'a> {
    share_token: Option<&'a ShareTokenId>,
    field_mappings: &'a [FieldMapping],
    redirect_uri: Option<&'a str>,
}

/// Adds the flow row of `inquiry_id` unless it has one already.
async fn insert_flow(
    conn: &mut sqlx::AnyConnection,
    engine: &Engine,
    inquiry_id: &str,
    flow: &NewFlow<'_>,
) -> Result<(), FlowError> {
    let now = engine.now();
    sqlx::query(
        "INSERT INTO verify_flows (inquiry_id, share_token_id, field_mappings, redirect_uri, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (inquiry_id) DO NOTHING",
    )
    .bind(inquiry_id)
    .bind(flow.share_token)
    .bind(serde_json::to_string(flow.field_mappings).expect("mappings serialise"))
    .bind(flow.redirect_uri)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await
    .map_err(Error::from)?;
    Ok(())
}

/// A link's `field-mappings[N][…]` pairs as typed mappings; `None` when a name is not a field
/// path or there are more than [`hydration::MAX_MAPPINGS`].
fn link_mappings(pairs: &[(String, String)]) -> Option<Vec<FieldMapping>> {
    if pairs.len() > hydration::MAX_MAPPINGS {
        return None;
    }
    pairs
        .iter()
        .map(|(source, destination)| {
            Some(FieldMapping {
                source_field_name: FieldPath::parse(source).ok()?,
                destination_field_name: FieldPath::parse(destination).ok()?,
            })
        })
        .collect()
}

/// The token a link names, when it is the destination organization's and still redeemable. An id
/// that cannot be a token's is one nobody has.
async fn usable_token(
    engine: &Engine,
    org: &OrgId,
    token_id: &str,
) -> Result<ShareToken, FlowError> {
    let token_id = ShareTokenId::parse(token_id).map_err(|_| FlowError::TokenUnknown)?;
    let token = share_tokens::find(engine.db().pool(), &token_id)
        .await?
        .filter(|t| &t.destination_organization_id == org)
        .ok_or(FlowError::TokenUnknown)?;
    match token_problem(&token, engine) {
        Some(problem) => Err(problem),
        None => Ok(token),
    }
}

/// The origins allowed to frame the flow of a link (CONTRACT.md §7): those of the organization
/// whose template (or inquiry) it names. Empty when the link names nothing known: such a page may
/// be framed by no one.
pub async fn frame_origins(
    engine: &Engine,
    template_id: Option<&str>,
    inquiry_id: Option<&str>,
) -> Result<Vec<String>, FlowError> {
    let pool = engine.db().pool();
    let org = match (template_id, inquiry_id) {
        (_, Some(inquiry)) => objects::find(pool, inquiry)
            .await?
            .filter(|o| o.kind == ObjectKind::Inquiry)
            .map(|o| o.organization_id),
        (Some(template), None) => schemas::cached(engine, template)
            .await?
            .filter(|s| s.kind == SchemaKind::InquiryTemplate)
            .map(|s| s.organization_id),
        (None, None) => None,
    };
    let Some(org) = org else {
        return Ok(Vec::new());
    };
    Ok(orgs::cached(engine, &org)
        .await?
        .map(|o| o.allowed_origins)
        .unwrap_or_default())
}

/// `redirect_uri` when its origin is one of the organization's allowed origins.
async fn check_redirect(
    engine: &Engine,
    org: &OrgId,
    redirect_uri: Option<&str>,
) -> Result<Option<String>, FlowError> {
    let Some(uri) = redirect_uri.filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let organization = orgs::cached(engine, org)
        .await?
        .ok_or(FlowError::Unavailable)?;
    let url = url::Url::parse(uri).map_err(|_| FlowError::RedirectNotAllowed)?;
    let origin = url.origin().ascii_serialization();
    if matches!(url.scheme(), "http" | "https") && organization.allowed_origins.contains(&origin) {
        Ok(Some(url.to_string()))
    } else {
        Err(FlowError::RedirectNotAllowed)
    }
}

/// A field as a step shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct StepField {
    pub def: FieldDef,
    /// The current value as the form shows it (text), or the file name of an uploaded file.
    pub current: Option<String>,
    pub required: bool,
}

/// What the end user sees now.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    Consent(Consent),
    /// The redemption runs in the background; the page looks again shortly.
    Redeeming,
    Step {
        /// 0-based.
        index: usize,
        total: usize,
        group: StepGroup,
        fields: Vec<StepField>,
        /// Every step's group, for the progress indicator.
        groups: Vec<StepGroup>,
    },
    Outcome(InquiryStatus),
}

/// The consent screen's content: names and labels, never values.
#[derive(Clone, Debug, PartialEq)]
pub struct Consent {
    pub source_name: String,
    pub destination_name: String,
    /// Labels of the shared fields, by group.
    pub shared: Vec<(StepGroup, Vec<String>)>,
    /// Why the destination asks (its template's `purpose`), when it says.
    pub purpose: Option<String>,
    pub expires_at: crate::time::Timestamp,
}

/// Everything a page needs besides the screen.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowView {
    pub inquiry_id: String,
    pub organization_name: String,
    pub reference_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub screen: Screen,
}

struct FlowRow {
    share_token_id: Option<ShareTokenId>,
    field_mappings: String,
    redirect_uri: Option<String>,
    steps: Option<String>,
    /// The flow's share token as it was read with the flow, with the consent decision on it
    /// and the id of the source object's schema (`None` when the flow row was made just now).
    token: Option<FlowToken>,
}

/// Read as it was stored: only the screen reads the token (its snapshot is parsed there).
struct FlowToken {
    token: share_tokens::JoinedToken,
    decision: Option<String>,
    source_schema_id: Option<String>,
}

/// An inquiry read by its session with its flow row and the flow's share token, in one
/// statement (every page of the flow starts here).
#[derive(sqlx::FromRow)]
struct OpenRow {
    #[sqlx(flatten)]
    object: objects::ObjectRow,
    flow_inquiry_id: Option<String>,
    flow_share_token_id: Option<ShareTokenId>,
    flow_field_mappings: Option<String>,
    flow_redirect_uri: Option<String>,
    flow_steps: Option<String>,
    #[sqlx(flatten)]
    token: share_tokens::JoinedToken,
    decision: Option<String>,
    source_schema_id: Option<String>,
}

/// The inquiry a session opens, its template and its flow row (created on first use for an
/// inquiry made through the API, with the `share-token` the link carried).
async fn open(
    engine: &Engine,
    inquiry_id: &str,
    session: &str,
    share_token: Option<&str>,
) -> Result<(ObjectRecord, SchemaRecord, FlowRow), FlowError> {
    static SELECT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let object = crate::db::qualified(objects::COLUMNS, "o", "");
        format!(
            "SELECT {object}, f.inquiry_id AS flow_inquiry_id,
                    f.share_token_id AS flow_share_token_id, f.field_mappings AS flow_field_mappings,
                    f.redirect_uri AS flow_redirect_uri, f.steps AS flow_steps, {token},
                    (SELECT decision FROM consents
                     WHERE inquiry_id = o.id AND share_token_id = t.id) AS decision,
                    (SELECT schema_id FROM objects s WHERE s.id = t.source_id) AS source_schema_id
             FROM objects o
             LEFT JOIN verify_flows f ON f.inquiry_id = o.id
             LEFT JOIN share_tokens t ON t.id = f.share_token_id
             WHERE o.id = $1 AND o.kind = 'inquiry' AND o.session_token_hash = $2",
            token = share_tokens::joined_columns("t"),
        )
    });
    let found: Option<OpenRow> = sqlx::query_as(&SELECT)
        .bind(inquiry_id)
        .bind(objects::hash_session(session))
        .fetch_optional(engine.db().pool())
        .await
        .map_err(Error::from)?;
    let found = found.ok_or(FlowError::InvalidSession)?;
    let record = ObjectRecord::try_from(found.object)?;
    let (record, schema) = objects::with_schema(engine, record).await?;
    if found.flow_inquiry_id.is_some() {
        let token = found.token.is_some().then_some(FlowToken {
            token: found.token,
            decision: found.decision,
            source_schema_id: found.source_schema_id,
        });
        let row = FlowRow {
            share_token_id: found.flow_share_token_id,
            field_mappings: found.flow_field_mappings.unwrap_or_else(|| "[]".into()),
            redirect_uri: found.flow_redirect_uri,
            steps: found.flow_steps,
            token,
        };
        return Ok((record, schema, row));
    }
    let token = match share_token {
        Some(token) => Some(
            usable_token(engine, &record.organization_id, token)
                .await?
                .id,
        ),
        None => None,
    };
    let flow = NewFlow {
        share_token: token.as_ref(),
        field_mappings: &[],
        redirect_uri: None,
    };
    let mut tx = engine.db().begin_write().await.map_err(Error::from)?;
    insert_flow(&mut tx, engine, inquiry_id, &flow).await?;
    tx.commit().await.map_err(Error::from)?;
    let row = FlowRow {
        share_token_id: token,
        field_mappings: "[]".into(),
        redirect_uri: None,
        steps: None,
        token: None,
    };
    Ok((record, schema, row))
}

async fn decision(
    engine: &Engine,
    inquiry_id: &str,
    token_id: &ShareTokenId,
) -> Result<Option<String>, FlowError> {
    Ok(sqlx::query_scalar(
        "SELECT decision FROM consents WHERE inquiry_id = $1 AND share_token_id = $2",
    )
    .bind(inquiry_id)
    .bind(token_id)
    .fetch_optional(engine.db().pool())
    .await
    .map_err(Error::from)?)
}

/// What the flow of `inquiry_id` shows now. `requested_step` (0-based) goes back to an earlier
/// step; a step not reached yet shows the current one instead.
pub async fn view(
    engine: &Engine,
    inquiry_id: &str,
    session: &str,
    share_token: Option<&str>,
    requested_step: Option<usize>,
) -> Result<FlowView, FlowError> {
    let (record, schema, mut row) = open(engine, inquiry_id, session, share_token).await?;
    let organization = orgs::cached(engine, &record.organization_id)
        .await?
        .ok_or(FlowError::Unavailable)?;
    let token = row.token.take();
    let screen = screen(
        engine,
        &record,
        &schema,
        &row,
        token,
        requested_step,
        &organization,
    )
    .await?;
    Ok(FlowView {
        inquiry_id: record.id,
        organization_name: organization.name,
        reference_id: record.reference_id,
        redirect_uri: row.redirect_uri,
        screen,
    })
}

async fn screen(
    engine: &Engine,
    record: &ObjectRecord,
    schema: &SchemaRecord,
    row: &FlowRow,
    token: Option<FlowToken>,
    requested_step: Option<usize>,
    organization: &orgs::Organization,
) -> Result<Screen, FlowError> {
    let status = record
        .status_at(engine.now())
        .expect("inquiries have a status");
    if status.is_terminal() {
        return Ok(Screen::Outcome(status));
    }
    if status == InquiryStatus::Expired {
        return Err(FlowError::InquiryExpired);
    }
    if let Some(token_id) = &row.share_token_id {
        // Read with the flow; read now only for a flow row made just now.
        let read = match token {
            Some(read) => read
                .token
                .token()?
                .map(|token| (token, read.decision, read.source_schema_id)),
            None => None,
        };
        let (token, decision, source_schema) = match read {
            Some(read) => read,
            None => share_tokens::find_for_flow(engine.db().pool(), token_id, &record.id)
                .await?
                .ok_or(FlowError::TokenUnknown)?,
        };
        let ours = token.destination_id.as_deref() == Some(record.id.as_str());
        match decision.as_deref() {
            None => {
                if let Some(problem) = token_problem(&token, engine) {
                    return Err(problem);
                }
                let source_schema = match source_schema {
                    Some(id) => schemas::cached(engine, &id).await?,
                    None => None,
                };
                return Ok(Screen::Consent(
                    consent(
                        engine,
                        &token,
                        source_schema,
                        schema.purpose.clone(),
                        organization,
                    )
                    .await?,
                ));
            }
            Some("accepted") if ours && token.status == ShareTokenStatus::Pending => {
                return Ok(Screen::Redeeming);
            }
            // Accepted and redeemed (or failed: then the user fills in by hand), or declined.
            Some(_) => {}
        }
    }
    let effective = schema.effective_schema();
    let missing = inquiry::missing_fields(&effective, &record.fields);
    let steps = steps_of(engine, record, &effective, row).await?;
    let missing: BTreeSet<&FieldPath> = missing.iter().collect();
    let Some(current) = steps
        .iter()
        .position(|step| step.fields.iter().any(|f| missing.contains(f)))
    else {
        // Nothing the steps ask is missing: the inquiry ran, or it waits on nothing we can ask.
        return Ok(Screen::Outcome(status));
    };
    let index = requested_step.filter(|&i| i < current).unwrap_or(current);
    let step = &steps[index];
    let fields = step
        .fields
        .iter()
        .filter_map(|key| effective.get(key))
        .map(|def| StepField {
            def: def.clone(),
            current: record.fields.get(&def.key).map(display_value),
            required: def.required,
        })
        .collect();
    Ok(Screen::Step {
        index,
        total: steps.len(),
        group: step.group,
        fields,
        groups: steps.iter().map(|s| s.group).collect(),
    })
}

/// The flow's steps, planned from what is missing the first time collection is reached and
/// fixed from then on (so progress and back navigation stay stable as fields get filled).
async fn steps_of(
    engine: &Engine,
    record: &ObjectRecord,
    effective: &Schema,
    row: &FlowRow,
) -> Result<Vec<Step>, FlowError> {
    if let Some(steps) = &row.steps {
        return serde_json::from_str(steps).map_err(|_| FlowError::Unavailable);
    }
    let steps = plan_steps(
        effective,
        &inquiry::missing_fields(effective, &record.fields),
    );
    let mut tx = engine.db().begin_write().await.map_err(Error::from)?;
    let fixed = sqlx::query(
        "UPDATE verify_flows SET steps = $1, updated_at = $2 WHERE inquiry_id = $3 AND steps IS NULL",
    )
    .bind(serde_json::to_string(&steps).expect("steps serialise"))
    .bind(engine.now())
    .bind(&record.id)
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    if fixed.rows_affected() == 1 {
        tx.commit().await.map_err(Error::from)?;
        return Ok(steps);
    }
    // Another request (another tab, another instance) fixed them first: its plan is the one.
    let stored: Option<String> =
        sqlx::query_scalar("SELECT steps FROM verify_flows WHERE inquiry_id = $1")
            .bind(&record.id)
            .fetch_one(&mut *tx)
            .await
            .map_err(Error::from)?;
    tx.commit().await.map_err(Error::from)?;
    let stored = stored.ok_or(FlowError::Unavailable)?;
    serde_json::from_str(&stored).map_err(|_| FlowError::Unavailable)
}

/// A stored value as a form input shows it.
fn display_value(value: &FieldValue) -> String {
    match value {
        FieldValue::String(s) | FieldValue::Choices(s) => s.clone(),
        FieldValue::Integer(n) => n.to_string(),
        FieldValue::Number(n) => n.to_string(),
        FieldValue::Boolean(b) => b.to_string(),
        FieldValue::Date(d) => d.format("%Y-%m-%d").to_string(),
        FieldValue::Datetime(d) => d.format("%Y-%m-%dT%H:%M").to_string(),
        FieldValue::File(file) => file.filename.clone(),
    }
}

async fn consent(
    engine: &Engine,
    token: &ShareToken,
    source_schema: Option<SchemaRecord>,
    purpose: Option<String>,
    inquiry_organization: &orgs::Organization,
) -> Result<Consent, FlowError> {
    let source = orgs::cached(engine, &token.source_organization_id)
        .await?
        .ok_or(FlowError::Unavailable)?;
    // The destination is the inquiry's organization, already read.
    let destination_name = if token.destination_organization_id == inquiry_organization.id {
        inquiry_organization.name.clone()
    } else {
        orgs::cached(engine, &token.destination_organization_id)
            .await?
            .ok_or(FlowError::Unavailable)?
            .name
    };
    let mut shared: BTreeMap<StepGroup, Vec<String>> = BTreeMap::new();
    for key in token.snapshot.keys() {
        let label = source_schema
            .as_ref()
            .and_then(|s| s.schema.get(key))
            .map_or_else(|| key.to_string(), |def| def.display_label().to_owned());
        shared.entry(StepGroup::of(key)).or_default().push(label);
    }
    Ok(Consent {
        source_name: source.name,
        destination_name,
        shared: shared.into_iter().collect(),
        purpose,
        expires_at: token.expires_at,
    })
}

/// Where a consent decision came from.
#[derive(Clone, Debug, Default)]
pub struct ConsentOrigin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A consent decision recorded by the hosted flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentRecord {
    pub share_token_id: String,
    /// `accepted` or `declined`.
    pub decision: String,
    pub text_version: String,
    pub created_at: crate::time::Timestamp,
}

/// The consent decisions recorded for `org`'s inquiry `inquiry_id`, oldest first (none for an
/// inquiry of another organization).
pub async fn consents(
    engine: &Engine,
    org: &OrgId,
    inquiry_id: &str,
) -> Result<Vec<ConsentRecord>> {
    let rows: Vec<(String, String, String, crate::time::Timestamp)> = sqlx::query_as(
        "SELECT c.share_token_id, c.decision, c.text_version, c.created_at FROM consents c
         JOIN objects o ON o.id = c.inquiry_id
         WHERE c.inquiry_id = $1 AND o.organization_id = $2 ORDER BY c.seq",
    )
    .bind(inquiry_id)
    .bind(org)
    .fetch_all(engine.db().pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(share_token_id, decision, text_version, created_at)| ConsentRecord {
                share_token_id,
                decision,
                text_version,
                created_at,
            },
        )
        .collect())
}

/// Records a consent decision inside the caller's transaction; false when one was recorded before
/// (the first decision stands).
async fn record_decision(
    tx: &mut sqlx::AnyConnection,
    engine: &Engine,
    record: &ObjectRecord,
    token_id: &ShareTokenId,
    accepted: bool,
    origin: &ConsentOrigin,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO consents (inquiry_id, share_token_id, decision, text_version, ip, user_agent, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (inquiry_id, share_token_id) DO NOTHING",
    )
    .bind(&record.id)
    .bind(token_id)
    .bind(if accepted { "accepted" } else { "declined" })
    .bind(CONSENT_TEXT_VERSION)
    .bind(origin.ip.as_deref())
    .bind(origin.user_agent.as_deref().map(|ua| truncate(ua, 512)))
    .bind(engine.now())
    .execute(tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Accept: records consent and redeems the token into the inquiry, in one transaction (a failure
/// leaves neither, so Accept can be tried again). Returns the token being redeemed (callers wait
/// for it with [`wait_for_redemption`]); a second accept changes nothing.
pub async fn accept(
    engine: &Engine,
    inquiry_id: &str,
    session: &str,
    origin: &ConsentOrigin,
) -> Result<Option<ShareTokenId>, FlowError> {
    let (record, _, row) = open(engine, inquiry_id, session, None).await?;
    let Some(token_id) = row.share_token_id else {
        return Ok(None);
    };
    if record
        .status_at(engine.now())
        .is_some_and(|s| !s.accepts_values())
    {
        return Ok(None);
    }
    // The decision and the token as read with the flow (read now only for a flow row made just
    // now); the redemption checks the token again in its own transaction.
    let (decided, token) = match row.token {
        Some(read) => (read.decision.is_some(), read.token.token()?),
        None => (
            decision(engine, &record.id, &token_id).await?.is_some(),
            None,
        ),
    };
    if decided {
        // Decided before (a double click, a second tab): show wherever the flow is now.
        return Ok(Some(token_id));
    }
    let token = match token {
        Some(token) => token,
        None => share_tokens::find(engine.db().pool(), &token_id)
            .await?
            .ok_or(FlowError::TokenUnknown)?,
    };
    if let Some(problem) = token_problem(&token, engine) {
        return Err(problem);
    }
    let command = Redeem {
        token_id: token.id.clone(),
        destination_id: record.id.clone(),
        // Written by `start` from checked mappings; unreadable only if the row was tampered with.
        mappings: serde_json::from_str(&row.field_mappings)
            .map_err(|_| FlowError::InvalidFieldMappings)?,
    };
    redemption::redeem_with(
        engine,
        &record.organization_id,
        &command,
        async |tx: &mut sqlx::AnyConnection| {
            record_decision(tx, engine, &record, &token_id, true, origin).await
        },
    )
    .await
    .map_err(flow_error)?;
    Ok(Some(token_id))
}

/// Waits (up to `limit`) while the share token of the flow of `inquiry_id` is being redeemed: a
/// page showing "Getting your information…" asks this and moves on the moment it returns.
pub async fn wait_while_redeeming(
    engine: &Engine,
    inquiry_id: &str,
    session: &str,
    limit: Duration,
) -> Result<(), FlowError> {
    let (_, _, row) = open(engine, inquiry_id, session, None).await?;
    if let Some(token) = row.share_token_id {
        wait_for_redemption(engine, &token, limit).await;
    }
    Ok(())
}

/// Waits until the token is no longer `pending`, or `limit` has passed. Woken by the engine when
/// a redemption ends, not by polling.
pub async fn wait_for_redemption(engine: &Engine, token_id: &ShareTokenId, limit: Duration) {
    engine
        .wait_for_redemption(limit, || async {
            !matches!(
                share_tokens::find(engine.db().pool(), token_id).await,
                Ok(Some(token)) if token.status == ShareTokenStatus::Pending
            )
        })
        .await;
}

/// Decline: records the decision and leaves the token untouched; the user fills in by hand.
pub async fn decline(
    engine: &Engine,
    inquiry_id: &str,
    session: &str,
    origin: &ConsentOrigin,
) -> Result<(), FlowError> {
    let (record, _, row) = open(engine, inquiry_id, session, None).await?;
    if let Some(token_id) = row.share_token_id {
        let mut tx = engine.db().begin_write().await.map_err(Error::from)?;
        record_decision(&mut tx, engine, &record, &token_id, false, origin).await?;
        tx.commit().await.map_err(Error::from)?;
    }
    Ok(())
}

/// One submitted form input.
#[derive(Clone, Debug)]
pub enum StepInput {
    Text(String),
    File {
        filename: String,
        content_type: String,
        bytes: Vec<u8>,
    },
}

/// The outcome of submitting a step.
#[derive(Clone, Debug, PartialEq)]
pub enum StepResult {
    Saved,
    /// Nothing was saved; each refused field with why.
    Invalid(BTreeMap<FieldPath, FieldProblem>),
}

/// Saves the fields of step `index` (0-based) when every one of them is valid. Inputs for fields
/// the step does not ask are ignored; an empty file input keeps the file uploaded before.
pub async fn submit_step(
    engine: &Engine,
    inquiry_id: &str,
    session: &str,
    index: usize,
    inputs: &BTreeMap<String, StepInput>,
) -> Result<StepResult, FlowError> {
    let (mut record, schema, row) = open(engine, inquiry_id, session, None).await?;
    if row.steps.is_none()
        && let Some(token_id) = &row.share_token_id
    {
        let redeeming = share_tokens::find(engine.db().pool(), token_id)
            .await?
            .is_some_and(|t| t.status == ShareTokenStatus::Pending);
        if redeeming || decision(engine, &record.id, token_id).await?.is_none() {
            // Collection has not started (consent or redemption comes first): nothing to save.
            return Ok(StepResult::Saved);
        }
    }
    let effective = schema.effective_schema();
    let steps = steps_of(engine, &record, &effective, &row).await?;
    let Some(step) = steps.get(index) else {
        // A stale form (the flow moved on): nothing to save, show the current screen.
        return Ok(StepResult::Saved);
    };
    if record
        .status_at(engine.now())
        .is_some_and(|s| !s.accepts_values())
    {
        return Ok(StepResult::Saved);
    }
    // The form's inputs become the same typed input an API request becomes (files as their bytes):
    // each refusal is known by its field, not found again from a pointer.
    let mut problems = BTreeMap::new();
    let mut parsed = FieldInput::new();
    for key in &step.fields {
        let Some(def) = effective.get(key) else {
            continue;
        };
        let is_file = def.field_type == FieldType::File;
        let outcome = match inputs.get(key.as_str()) {
            Some(StepInput::Text(text)) if !text.trim().is_empty() => {
                let text = text.trim();
                match key.as_str() {
                    "email-address" if crate::verification::validate_email(text).is_err() => {
                        Err(FieldProblem::InvalidEmail)
                    }
                    "phone-number" if crate::verification::validate_phone(text).is_err() => {
                        Err(FieldProblem::InvalidPhone)
                    }
                    _ => form_value(&def.field_type, text)
                        .map(InputValue::Value)
                        .ok_or(if is_file {
                            FieldProblem::UnsupportedFile
                        } else {
                            FieldProblem::Invalid
                        }),
                }
            }
            Some(StepInput::File {
                filename,
                content_type,
                bytes,
            }) if !bytes.is_empty() => {
                if is_file {
                    new_file(filename.clone(), content_type.clone(), bytes.clone())
                        .map(InputValue::File)
                        .map_err(|_| FieldProblem::UnsupportedFile)
                } else {
                    Err(FieldProblem::Invalid)
                }
            }
            _ if record.fields.contains_key(key) => continue,
            _ if def.required => Err(FieldProblem::Required),
            _ => continue,
        };
        match outcome {
            Ok(value) => {
                parsed.insert(key.clone(), value);
            }
            Err(problem) => {
                problems.insert(key.clone(), problem);
            }
        }
    }
    if !problems.is_empty() {
        return Ok(StepResult::Invalid(problems));
    }
    let refused = objects::inspect_files(engine, &mut parsed).await;
    if !refused.is_empty() {
        return Ok(StepResult::Invalid(
            refused
                .into_iter()
                .map(|path| (path, FieldProblem::UnsupportedFile))
                .collect(),
        ));
    }
    if parsed.is_empty() {
        return Ok(StepResult::Saved);
    }
    documents::ensure_inspected(engine, &record.document_ids()).await?;
    let now = engine.now();
    let mut tx = engine.db().begin_write().await.map_err(Error::from)?;
    // Merge onto the inquiry as it is now, under the write lock (SQLite) or the row's lock
    // (PostgreSQL): values a redemption or another tab wrote since `open` read it are kept.
    record = objects::find_for_update(&mut tx, &record.id)
        .await?
        .ok_or(FlowError::InvalidSession)?;
    if record.status_at(now).is_some_and(|s| !s.accepts_values()) {
        return Ok(StepResult::Saved);
    }
    let values = objects::store_input(
        &mut tx,
        &record.organization_id,
        &record.fields,
        parsed,
        now,
    )
    .await?;
    objects::apply_values(&mut tx, engine, &mut record, &schema, values, now).await?;
    tx.commit().await.map_err(Error::from)?;
    Ok(StepResult::Saved)
}

#[cfg(test)]
mod tests;
