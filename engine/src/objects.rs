//! Inquiries, transactions and accounts: the objects fields are collected into and redeemed into.
//! Storage, creation, reads and the session tokens that let an end user resume an inquiry.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::{Dialect, Lock};
use crate::error::{Problem, Result};
use crate::events::names;
use crate::fields::{FieldInput, FieldPath, FieldValue, FieldValues, InputValue, parse_fields};
use crate::ids::{
    AccountId, DocumentId, InquiryId, OrgId, TransactionId, encode_base32, random_bytes,
};
use crate::inquiry::{self, INQUIRY_TTL, InquiryStatus};
use crate::paging::{ListStatement, Page, PageRequest, merged_newest_first};
use crate::schemas::{self, SchemaKind, SchemaRecord};
use crate::time::Timestamp;
use crate::verification::RunResult;
use crate::{Engine, documents, events, render};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    Inquiry,
    Transaction,
    Account,
}

impl ObjectKind {
    /// The kind an id names, by its prefix.
    pub fn of_id(id: &str) -> Option<Self> {
        if InquiryId::parse(id).is_ok() {
            Some(Self::Inquiry)
        } else if TransactionId::parse(id).is_ok() {
            Some(Self::Transaction)
        } else if AccountId::parse(id).is_ok() {
            Some(Self::Account)
        } else {
            None
        }
    }

    pub fn type_name(self) -> &'static str {
        match self {
            Self::Inquiry => "inquiry",
            Self::Transaction => "transaction",
            Self::Account => "account",
        }
    }

    /// The text stored in the `kind` column (the type name).
    pub fn as_str(self) -> &'static str {
        self.type_name()
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Inquiry, Self::Transaction, Self::Account]
            .into_iter()
            .find(|k| k.as_str() == text)
    }

    pub fn schema_kind(self) -> SchemaKind {
        match self {
            Self::Inquiry => SchemaKind::InquiryTemplate,
            Self::Transaction => SchemaKind::TransactionType,
            Self::Account => SchemaKind::AccountType,
        }
    }

    fn new_id(self) -> String {
        match self {
            Self::Inquiry => InquiryId::new().to_string(),
            Self::Transaction => TransactionId::new().to_string(),
            Self::Account => AccountId::new().to_string(),
        }
    }

    fn described(self) -> &'static str {
        match self {
            Self::Inquiry => "the inquiry",
            Self::Transaction => "the transaction",
            Self::Account => "the account",
        }
    }

    /// The attribute naming the schema in create requests (`inquiry-template-id`, …).
    pub fn schema_attribute(self) -> &'static str {
        match self {
            Self::Inquiry => "inquiry-template-id",
            Self::Transaction => "transaction-type-id",
            Self::Account => "account-type-id",
        }
    }
}

domain::text_column!(ObjectKind);

/// A stored inquiry, transaction or account.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectRecord {
    pub id: String,
    pub kind: ObjectKind,
    pub organization_id: OrgId,
    pub schema_id: String,
    pub reference_id: Option<String>,
    pub fields: FieldValues,
    /// Inquiries only: the stored status (see [`ObjectRecord::status_at`]).
    pub status: Option<InquiryStatus>,
    /// Inquiries only: the last run's results.
    pub run: Option<RunResult>,
    pub expires_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub failed_at: Option<Timestamp>,
    pub reviewed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ObjectRecord {
    /// An inquiry's status as a reader sees it at `now` (expired once past its expiry).
    pub fn status_at(&self, now: Timestamp) -> Option<InquiryStatus> {
        self.status
            .map(|s| inquiry::status_at(s, self.expires_at, now))
    }

    /// The documents the object's file fields refer to.
    pub fn document_ids(&self) -> Vec<DocumentId> {
        file_ids(&self.fields)
    }
}

pub(crate) fn file_ids(values: &FieldValues) -> Vec<DocumentId> {
    values
        .values()
        .filter_map(|v| match v {
            FieldValue::File(file) => Some(file.id.clone()),
            _ => None,
        })
        .collect()
}

/// A secret that lets an end user resume one inquiry; shown once, stored hashed.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    fn generate() -> Self {
        Self(format!("sess_{}", encode_base32(&random_bytes::<32>())))
    }

    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

pub(crate) fn hash_session(secret: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(secret.as_bytes()))
}

/// Create an inquiry, transaction or account: the command every channel builds (the API parses
/// `fields` against the schema first, the hosted flow reads its link's prefill).
#[derive(Clone, Debug, PartialEq)]
pub struct CreateObject {
    pub kind: ObjectKind,
    /// The inquiry template, transaction type or account type it follows.
    pub schema_id: String,
    pub reference_id: Option<String>,
    pub fields: FieldInput,
}

/// Why an object cannot be created, in the domain's terms.
#[derive(Debug, thiserror::Error)]
pub enum CreateObjectError {
    #[error("the schema was not found")]
    SchemaNotFound,
    #[error("a reference id is 1 to 255 bytes")]
    InvalidReferenceId,
    #[error("{} file(s) are too large to decode", .0.len())]
    FilesTooLargeToDecode(Vec<FieldPath>),
    #[error(transparent)]
    Internal(#[from] crate::Error),
}

crate::error::command_error!(CreateObjectError);

/// A created object, with the session token when it is an inquiry.
#[derive(Debug)]
pub struct Created {
    pub record: ObjectRecord,
    pub schema: SchemaRecord,
    pub session_token: Option<SessionToken>,
}

/// Reads `json`, the contract's plain JSON `fields` (CONTRACT.md §3), against the schema
/// `schema_id`: for callers that hold JSON rather than a channel's own input (the demo seed, load
/// scenarios, tests). The API reads its bodies the same way, at its edge.
pub async fn fields_from_json(
    engine: &Engine,
    schema_id: &str,
    json: &Value,
) -> Result<FieldInput> {
    let schema = schemas::cached(engine, schema_id)
        .await?
        .ok_or_else(|| Problem::not_found("the schema"))?;
    Ok(parse_fields(&schema.schema, json, "")?)
}

/// Creates an inquiry, transaction or account for `org`. An inquiry given every required field
/// runs at once.
pub async fn create(
    engine: &Engine,
    org: &OrgId,
    command: CreateObject,
) -> Result<Created, CreateObjectError> {
    let schema = schemas::cached(engine, &command.schema_id)
        .await?
        .filter(|s| &s.organization_id == org && s.kind == command.kind.schema_kind())
        .ok_or(CreateObjectError::SchemaNotFound)?;
    let valid = validate_parsed(
        engine,
        org,
        command.kind,
        schema,
        command.reference_id,
        command.fields,
    )
    .await?;
    let mut tx = engine.db().begin_write().await?;
    let created = insert_new(&mut tx, engine, valid).await?;
    tx.commit().await?;
    Ok(created)
}

/// A create request that passed every check; nothing is written yet.
pub struct ValidObject {
    record: ObjectRecord,
    schema: SchemaRecord,
    field_input: FieldInput,
}

/// Checks a create command against its schema (already read): the reference id, and every new
/// file inspected (outside any write transaction); builds the record, writing nothing.
pub async fn validate_parsed(
    engine: &Engine,
    org: &OrgId,
    kind: ObjectKind,
    schema: SchemaRecord,
    reference_id: Option<String>,
    mut field_input: FieldInput,
) -> Result<ValidObject, CreateObjectError> {
    if reference_id
        .as_deref()
        .is_some_and(|r| !is_valid_reference_id(r))
    {
        return Err(CreateObjectError::InvalidReferenceId);
    }
    let refused = inspect_files(engine, &mut field_input).await;
    if !refused.is_empty() {
        return Err(CreateObjectError::FilesTooLargeToDecode(refused));
    }
    let now = engine.now();
    let record = ObjectRecord {
        id: kind.new_id(),
        kind,
        organization_id: org.clone(),
        schema_id: schema.id.clone(),
        reference_id,
        fields: FieldValues::new(),
        status: (kind == ObjectKind::Inquiry).then_some(InquiryStatus::Created),
        run: None,
        expires_at: (kind == ObjectKind::Inquiry).then(|| now.plus(INQUIRY_TTL)),
        completed_at: None,
        failed_at: None,
        reviewed_at: None,
        created_at: now,
        updated_at: now,
    };
    Ok(ValidObject {
        record,
        schema,
        field_input,
    })
}

/// Writes a validated object inside the caller's transaction (so the caller can write more
/// alongside it, all or nothing).
pub async fn insert_new(
    tx: &mut sqlx::AnyConnection,
    engine: &Engine,
    valid: ValidObject,
) -> Result<Created> {
    let ValidObject {
        mut record,
        schema,
        field_input,
    } = valid;
    let (kind, org, now) = (
        record.kind,
        record.organization_id.clone(),
        record.created_at,
    );
    let session_token = (kind == ObjectKind::Inquiry).then(SessionToken::generate);
    insert(&mut *tx, &record, session_token.as_ref()).await?;
    let created_event = match kind {
        ObjectKind::Inquiry => names::INQUIRY_CREATED,
        ObjectKind::Transaction => names::TRANSACTION_CREATED,
        ObjectKind::Account => names::ACCOUNT_CREATED,
    };
    events::record(
        &mut *tx,
        &org,
        created_event,
        render::object(&record, &schema, now),
        now,
    )
    .await?;
    if !field_input.is_empty() {
        let values = store_input(&mut *tx, &org, &record.fields, field_input, now).await?;
        apply_values(&mut *tx, engine, &mut record, &schema, values, now).await?;
    }
    Ok(Created {
        record,
        schema,
        session_token,
    })
}

/// A caller's own reference for an object: 1 to 255 bytes.
pub fn is_valid_reference_id(text: &str) -> bool {
    !text.is_empty() && text.len() <= 255
}

/// Inspects every new file of `input` (on the blocking pool, before any write transaction) and
/// returns the paths of files too large to inspect, which callers refuse.
pub async fn inspect_files(engine: &Engine, input: &mut FieldInput) -> Vec<FieldPath> {
    let mut refused = Vec::new();
    for (path, value) in input.iter_mut() {
        if let InputValue::File(file) = value {
            // Shared with the blocking task, not copied (an upload is up to 10 MiB).
            let bytes = std::sync::Arc::new(std::mem::take(&mut file.bytes));
            let inspection = engine.inspect(std::sync::Arc::clone(&bytes)).await;
            file.bytes =
                std::sync::Arc::try_unwrap(bytes).unwrap_or_else(|shared| (*shared).clone());
            if inspection.is_refused() {
                refused.push(path.clone());
            }
            file.inspection = Some(inspection);
        }
    }
    refused
}

/// Merges `input` into `current`: stores new files, clears nulls. Returns the new values.
pub async fn store_input(
    tx: &mut sqlx::AnyConnection,
    org: &OrgId,
    current: &FieldValues,
    input: FieldInput,
    now: Timestamp,
) -> Result<FieldValues> {
    let mut values = current.clone();
    for (path, value) in input {
        match value {
            InputValue::Value(v) => {
                values.insert(path, v);
            }
            InputValue::File(file) => {
                values.insert(
                    path,
                    FieldValue::File(documents::store(tx, org, &file, now).await?),
                );
            }
            InputValue::Clear => {
                values.remove(&path);
            }
        }
    }
    Ok(values)
}

/// Sets an object's values and, for an inquiry, re-evaluates it (run, status, events) from the
/// stored inspections of its files (no decoding here). Everything happens in the caller's
/// transaction, at its instant `now` (a redemption's hydration and the token's `redeemed-at` are
/// the same moment).
pub async fn apply_values(
    tx: &mut sqlx::AnyConnection,
    engine: &Engine,
    record: &mut ObjectRecord,
    schema: &SchemaRecord,
    values: FieldValues,
    now: Timestamp,
) -> Result<()> {
    let emitted = set_values(tx, engine, record, schema, values, now).await?;
    update_many(tx, &[&*record]).await?;
    record_emitted(tx, record, schema, emitted, now).await
}

/// [`apply_values`] up to the write: `record` takes the values and, for an inquiry, the state
/// its run gives it. Returns the events that run emitted, for [`record_emitted`] once `record`
/// is written ([`update_many`]).
pub(crate) async fn set_values(
    tx: &mut sqlx::AnyConnection,
    engine: &Engine,
    record: &mut ObjectRecord,
    schema: &SchemaRecord,
    values: FieldValues,
    now: Timestamp,
) -> Result<Vec<&'static str>> {
    if let Some(status) = record.status_at(now)
        && !status.accepts_values()
    {
        return Err(Problem::conflict(
            "inquiry-not-editable",
            format!("the inquiry is {} and cannot change", status.as_str()),
        )
        .into());
    }
    record.fields = values;
    record.updated_at = now;
    let mut emitted = Vec::new();
    if let Some(previous) = record.status {
        let files = documents::load_inspections(tx, engine, &record.document_ids()).await?;
        let evaluation = inquiry::evaluate(
            previous,
            schema,
            &record.fields,
            &files,
            now.date(),
            engine.watchlist(),
        );
        record.status = Some(evaluation.status);
        record.run = evaluation.run;
        match evaluation.status {
            InquiryStatus::Completed => record.completed_at = Some(now),
            InquiryStatus::Failed => record.failed_at = Some(now),
            InquiryStatus::NeedsReview => record.reviewed_at = Some(now),
            _ => {}
        }
        emitted = evaluation.events;
    }
    Ok(emitted)
}

/// Records the events an inquiry's run emitted ([`set_values`]), after `record` is written.
pub(crate) async fn record_emitted(
    tx: &mut sqlx::AnyConnection,
    record: &ObjectRecord,
    schema: &SchemaRecord,
    emitted: Vec<&'static str>,
    now: Timestamp,
) -> Result<()> {
    if !emitted.is_empty() {
        let rendered = render::object(record, schema, now);
        let events = emitted
            .into_iter()
            .map(|name| (&record.organization_id, name, rendered.clone()));
        events::record_all(tx, events, now).await?;
    }
    Ok(())
}

pub(crate) const COLUMNS: &str = "id, kind, organization_id, schema_id, reference_id, fields, status, run, expires_at, \
                       completed_at, failed_at, reviewed_at, created_at, updated_at";

async fn insert(
    tx: &mut sqlx::AnyConnection,
    record: &ObjectRecord,
    session: Option<&SessionToken>,
) -> Result<()> {
    sqlx::query(&format!("INSERT INTO objects ({COLUMNS}, session_token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"))
        .bind(&record.id)
        .bind(record.kind)
        .bind(&record.organization_id)
        .bind(&record.schema_id)
        .bind(&record.reference_id)
        .bind(serde_json::to_string(&record.fields).expect("values serialise"))
        .bind(record.status)
        .bind(record.run.as_ref().map(|r| serde_json::to_string(r).expect("runs serialise")))
        .bind(record.expires_at)
        .bind(record.completed_at)
        .bind(record.failed_at)
        .bind(record.reviewed_at)
        .bind(record.created_at)
        .bind(record.updated_at)
        .bind(session.map(|s| hash_session(s.expose_secret())))
        .execute(tx)
        .await?;
    Ok(())
}

/// Writes records' values and state, several in one statement (a batch's destinations): each
/// column is a `CASE id WHEN … THEN …` over the records, and the rows are found by id.
pub(crate) async fn update_many(
    tx: &mut sqlx::AnyConnection,
    records: &[&ObjectRecord],
) -> Result<()> {
    const COLUMNS: [&str; 8] = [
        "fields",
        "status",
        "run",
        "expires_at",
        "completed_at",
        "failed_at",
        "reviewed_at",
        "updated_at",
    ];
    if records.is_empty() {
        return Ok(());
    }
    // Record r's id is parameter r·9 + 1, its columns the eight after it.
    let per_record = COLUMNS.len() + 1;
    let id = |r: usize| r * per_record + 1;
    let sets: Vec<String> = COLUMNS
        .iter()
        .enumerate()
        .map(|(c, column)| {
            let value = crate::db::case_by_id(records.len(), id, |r| id(r) + 1 + c);
            format!("{column} = {value}")
        })
        .collect();
    let sql = format!(
        "UPDATE objects SET {} WHERE id IN ({})",
        sets.join(", "),
        crate::db::numbered(records.len(), id)
    );
    let mut query = sqlx::query(&sql);
    for record in records {
        query = query
            .bind(&record.id)
            .bind(serde_json::to_string(&record.fields).expect("values serialise"))
            .bind(record.status)
            .bind(
                record
                    .run
                    .as_ref()
                    .map(|r| serde_json::to_string(r).expect("runs serialise")),
            )
            .bind(record.expires_at)
            .bind(record.completed_at)
            .bind(record.failed_at)
            .bind(record.reviewed_at)
            .bind(record.updated_at);
    }
    query.execute(tx).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub(crate) struct ObjectRow {
    id: String,
    kind: ObjectKind,
    organization_id: OrgId,
    schema_id: String,
    reference_id: Option<String>,
    fields: String,
    status: Option<InquiryStatus>,
    run: Option<String>,
    expires_at: Option<Timestamp>,
    completed_at: Option<Timestamp>,
    failed_at: Option<Timestamp>,
    reviewed_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl TryFrom<ObjectRow> for ObjectRecord {
    type Error = crate::Error;
    fn try_from(row: ObjectRow) -> Result<Self> {
        let corrupt = crate::error::unreadable("object", &row.id);
        Ok(Self {
            fields: serde_json::from_str(&row.fields).map_err(&corrupt)?,
            run: row
                .run
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(&corrupt)?,
            id: row.id,
            kind: row.kind,
            organization_id: row.organization_id,
            schema_id: row.schema_id,
            reference_id: row.reference_id,
            status: row.status,
            expires_at: row.expires_at,
            completed_at: row.completed_at,
            failed_at: row.failed_at,
            reviewed_at: row.reviewed_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

pub(crate) async fn find<'e>(
    executor: impl sqlx::AnyExecutor<'e>,
    id: &str,
) -> Result<Option<ObjectRecord>> {
    let row: Option<ObjectRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM objects WHERE id = $1"))
            .bind(id)
            .fetch_optional(executor)
            .await?;
    row.map(TryInto::try_into).transpose()
}

/// The object, locked until the transaction ends on PostgreSQL (it will be read, merged and
/// written back: a concurrent redemption or step submission waits instead of being overwritten).
pub(crate) async fn find_for_update(
    tx: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Option<ObjectRecord>> {
    let select = format!("SELECT {COLUMNS} FROM objects WHERE id = $1");
    let row: Option<ObjectRow> = sqlx::query_as(&Dialect::of(tx).locked(&select, Lock::Update))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    row.map(TryInto::try_into).transpose()
}

/// The objects among `ids` that exist, in one read; with `lock`, locked until the transaction
/// ends on PostgreSQL (as [`find_for_update`]).
pub(crate) async fn find_many(
    conn: &mut sqlx::AnyConnection,
    ids: &[&str],
    lock: Option<Lock>,
) -> Result<Vec<ObjectRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // In id order: two transactions locking overlapping sets lock them in the same order (no
    // deadlock between two instances' batches).
    let select = format!(
        "SELECT {COLUMNS} FROM objects WHERE id IN ({}) ORDER BY id",
        crate::db::placeholders(1, ids.len())
    );
    let select = match lock {
        Some(lock) => Dialect::of(conn).locked(&select, lock).into_owned(),
        None => select,
    };
    let mut query = sqlx::query_as(&select);
    for id in ids {
        query = query.bind(*id);
    }
    let rows: Vec<ObjectRow> = query.fetch_all(&mut *conn).await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// `org`'s object of `kind` with its schema; 404 for anything else.
pub async fn get(
    engine: &Engine,
    org: &OrgId,
    kind: ObjectKind,
    id: &str,
) -> Result<(ObjectRecord, SchemaRecord)> {
    let record = find(engine.db().pool(), id)
        .await?
        .filter(|o| &o.organization_id == org && o.kind == kind)
        .ok_or_else(|| Problem::not_found(kind.described()))?;
    with_schema(engine, record).await
}

/// A committed object with its schema (from the schema cache).
pub(crate) async fn with_schema(
    engine: &Engine,
    record: ObjectRecord,
) -> Result<(ObjectRecord, SchemaRecord)> {
    let schema = schemas::cached(engine, &record.schema_id)
        .await?
        .ok_or_else(|| {
            crate::Error::Internal(format!(
                "schema {} of {} is missing",
                record.schema_id, record.id
            ))
        })?;
    Ok((record, schema))
}

/// `org`'s objects of `kind`, newest first.
pub async fn list(
    engine: &Engine,
    org: &OrgId,
    kind: ObjectKind,
    page: &PageRequest,
) -> Result<Page<ObjectRecord>> {
    list_filtered(engine, org, kind, &ObjectFilter::default(), page).await
}

/// Which of an organization's objects a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectFilter {
    /// Only those of this template or type.
    pub schema_id: Option<String>,
    /// Inquiries only: those in this status as a reader sees it now (`expired` once past expiry).
    pub status: Option<InquiryStatus>,
}

/// The list statement of `org`'s objects of `kind` that pass `filter`, newest first, each read
/// along the `(organization, kind, …, seq)` index that serves its filter (by template or type,
/// by status, or neither). An inquiry status that expiry changes is several reads merged: an
/// `expired` inquiry is stored so, or still `created` or `pending` past its expiry.
fn list_sql(
    statement: &mut ListStatement,
    org: &OrgId,
    kind: ObjectKind,
    filter: &ObjectFilter,
    now: Timestamp,
    page: &PageRequest,
) -> String {
    let org = statement.text(org.as_str());
    let mut shared = vec![
        format!("organization_id = {org}"),
        format!("kind = '{}'", kind.as_str()),
    ];
    if let Some(schema) = &filter.schema_id {
        shared.push(format!("schema_id = {}", statement.text(schema.as_str())));
    }
    if let Some(after) = &page.after {
        let after = statement.text(after.as_str());
        shared.push(format!(
            "seq < (SELECT seq FROM objects WHERE id = {after} AND organization_id = {org})"
        ));
    }
    // Statuses are literals from the enum: the planner sees which index range each names.
    let statuses: Vec<Option<String>> = match filter.status {
        None => vec![None],
        Some(InquiryStatus::Expired) => {
            let now = statement.int(now.millis());
            vec![
                Some("status = 'expired'".to_owned()),
                Some(format!("status = 'created' AND expires_at <= {now}")),
                Some(format!("status = 'pending' AND expires_at <= {now}")),
            ]
        }
        Some(status @ (InquiryStatus::Created | InquiryStatus::Pending)) => {
            let now = statement.int(now.millis());
            vec![Some(format!(
                "status = '{}' AND (expires_at IS NULL OR expires_at > {now})",
                status.as_str()
            ))]
        }
        Some(status) => vec![Some(format!("status = '{}'", status.as_str()))],
    };
    let limit = statement.int(page.limit());
    let reads = statuses
        .into_iter()
        .map(|status| {
            let conditions: Vec<String> = shared.iter().cloned().chain(status).collect();
            format!(
                "SELECT seq, {COLUMNS} FROM objects WHERE {} ORDER BY seq DESC LIMIT {limit}",
                conditions.join(" AND ")
            )
        })
        .collect();
    merged_newest_first(reads, &limit)
}

/// `org`'s objects of `kind` that pass `filter`, newest first.
pub async fn list_filtered(
    engine: &Engine,
    org: &OrgId,
    kind: ObjectKind,
    filter: &ObjectFilter,
    page: &PageRequest,
) -> Result<Page<ObjectRecord>> {
    let mut statement = ListStatement::default();
    let sql = list_sql(&mut statement, org, kind, filter, engine.now(), page);
    let rows: Vec<ObjectRow> = statement
        .query_as(&sql)
        .fetch_all(engine.db().pool())
        .await?;
    let records = rows
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<ObjectRecord>>>()?;
    Ok(Page::from_rows(records, page, |o| o.id.clone()))
}

/// The schemas of `records`, each loaded once (a page of objects usually shares a few schemas).
pub async fn schemas_of(
    engine: &Engine,
    records: &[ObjectRecord],
) -> Result<BTreeMap<String, SchemaRecord>> {
    let mut found = BTreeMap::new();
    for record in records {
        if !found.contains_key(&record.schema_id) {
            let schema = schemas::cached(engine, &record.schema_id)
                .await?
                .ok_or_else(|| {
                    crate::Error::Internal(format!(
                        "schema {} of {} is missing",
                        record.schema_id, record.id
                    ))
                })?;
            found.insert(record.schema_id.clone(), schema);
        }
    }
    Ok(found)
}

/// Issues a new session token for an inquiry that is created, pending or expired, reopening an
/// expired one for another [`INQUIRY_TTL`]; anything else is 409 `inquiry-not-resumable`.
pub async fn resume(
    engine: &Engine,
    org: &OrgId,
    id: &str,
) -> Result<(ObjectRecord, SchemaRecord, SessionToken)> {
    let (mut record, schema) = get(engine, org, ObjectKind::Inquiry, id).await?;
    let now = engine.now();
    let status = record.status_at(now).expect("inquiries have a status");
    if status.is_terminal() {
        return Err(Problem::conflict(
            "inquiry-not-resumable",
            format!("the inquiry is {} and cannot be resumed", status.as_str()),
        )
        .into());
    }
    let token = SessionToken::generate();
    record.expires_at = Some(now.plus(INQUIRY_TTL));
    record.updated_at = now;
    let mut tx = engine.db().begin_write().await?;
    let updated = sqlx::query(
        "UPDATE objects SET session_token_hash = $1, expires_at = $2, updated_at = $3
         WHERE id = $4 AND status IN ('created', 'pending')",
    )
    .bind(hash_session(token.expose_secret()))
    .bind(record.expires_at)
    .bind(now)
    .bind(&record.id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Problem::conflict(
            "inquiry-not-resumable",
            "the inquiry changed meanwhile and cannot be resumed",
        )
        .into());
    }
    tx.commit().await?;
    Ok((record, schema, token))
}

/// The inquiry a session token opens, if the token is its current one (any organization: the
/// token itself is the end user's credential).
pub async fn by_session(
    engine: &Engine,
    inquiry_id: &str,
    session_token: &str,
) -> Result<Option<(ObjectRecord, SchemaRecord)>> {
    let row: Option<ObjectRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM objects WHERE id = $1 AND kind = 'inquiry' AND session_token_hash = $2"
    ))
    .bind(inquiry_id)
    .bind(hash_session(session_token))
    .fetch_optional(engine.db().pool())
    .await?;
    match row.map(ObjectRecord::try_from).transpose()? {
        Some(record) => with_schema(engine, record).await.map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod list_plan_tests {
    use super::*;
    use crate::testing::{assert_list_plan_serves, list_plan};

    #[tokio::test]
    async fn every_object_list_filter_reads_an_index_that_serves_it_in_order() {
        let engine = crate::testing::engine().await;
        let org = OrgId::new();
        let statuses = [
            None,
            Some(InquiryStatus::Created),
            Some(InquiryStatus::Pending),
            Some(InquiryStatus::Completed),
            Some(InquiryStatus::Failed),
            Some(InquiryStatus::NeedsReview),
            Some(InquiryStatus::Expired),
        ];
        for kind in [
            ObjectKind::Inquiry,
            ObjectKind::Transaction,
            ObjectKind::Account,
        ] {
            for status in statuses {
                for schema_id in [None, Some("itmpl_x".to_owned())] {
                    for after in [None, Some("inq_y".to_owned())] {
                        let filter = ObjectFilter {
                            schema_id: schema_id.clone(),
                            status,
                        };
                        let page = PageRequest { size: 25, after };
                        let mut statement = ListStatement::default();
                        let sql =
                            list_sql(&mut statement, &org, kind, &filter, engine.now(), &page);

                        let plan = list_plan(&engine, &sql, &statement).await;

                        let columns: &[&str] = match (status, &schema_id) {
                            (None, Some(_)) => &["schema_id"],
                            (Some(_), None) => &["status"],
                            _ => &["organization_id"],
                        };
                        let single = status != Some(InquiryStatus::Expired);
                        assert_list_plan_serves(
                            &plan,
                            columns,
                            single,
                            &format!("{kind:?} {filter:?} {page:?}"),
                        );
                    }
                }
            }
        }
    }
}
