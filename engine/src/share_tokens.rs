//! Share tokens: a snapshot of a source object's data, offered over an active connection to its
//! destination organization (CONTRACT.md §5). Redemption lives in `redemption`.

use std::time::Duration;

use crate::connections::{self, ConnectionStatus, Side};
use crate::db::{self, Channel};
use crate::error::{Problem, Result};
use crate::events::names;
use crate::fields::FieldValues;
use crate::hydration::{FieldMapping, HydrationReport};
use crate::ids::{ConnectionId, OrgId, ShareTokenId};
use crate::inquiry::InquiryStatus;
use crate::objects::{self, ObjectKind};
use crate::paging::{ListStatement, Page, PageRequest, merged_newest_first};
use crate::time::Timestamp;
use crate::{Engine, events, render};

pub const MIN_TTL_SECONDS: u64 = 60;
pub const MAX_TTL_SECONDS: u64 = 1_814_400;
pub const DEFAULT_TTL_SECONDS: u64 = 1_209_600;

pub use domain::lifecycle::{
    IllegalTransition, RedemptionFailure, ShareTokenStatus, TokenEvent,
    token_transition as transition,
};

/// A stored share token.
#[derive(Clone, Debug, PartialEq)]
pub struct ShareToken {
    pub id: ShareTokenId,
    pub connection_id: ConnectionId,
    pub source_organization_id: OrgId,
    pub destination_organization_id: OrgId,
    pub source_type: ObjectKind,
    pub source_id: String,
    /// The source's field values when the token was created.
    pub snapshot: FieldValues,
    /// The stored status; see [`ShareToken::status_at`].
    pub status: ShareTokenStatus,
    pub destination_id: Option<String>,
    pub field_mappings: Option<Vec<FieldMapping>>,
    pub hydration_report: Option<HydrationReport>,
    pub failure: Option<RedemptionFailure>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub pending_at: Option<Timestamp>,
    pub redeemed_at: Option<Timestamp>,
    pub expires_at: Timestamp,
    pub failed_at: Option<Timestamp>,
}

impl ShareToken {
    /// The status at `now`: a `created` token past its expiry is `expired`, whether or not the
    /// sweep ([`sweep_expired`]) has written it yet.
    pub fn status_at(&self, now: Timestamp) -> ShareTokenStatus {
        if self.status == ShareTokenStatus::Created && now >= self.expires_at {
            ShareTokenStatus::Expired
        } else {
            self.status
        }
    }
}

/// Create a share token: the source offers a snapshot of one of its objects to the destination of
/// one of its connections. The command every channel builds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateShareToken {
    pub connection_id: ConnectionId,
    /// An `inq_` (completed), `txn_` or `act_` id of the source organization.
    pub source_id: String,
    /// From [`MIN_TTL_SECONDS`] to [`MAX_TTL_SECONDS`]; [`DEFAULT_TTL_SECONDS`] when not asked.
    pub expires_in_seconds: u64,
}

/// Why a share token cannot be created, in the domain's terms.
#[derive(Debug, thiserror::Error)]
pub enum CreateShareTokenError {
    #[error("a share token lives from {MIN_TTL_SECONDS} to {MAX_TTL_SECONDS} seconds")]
    TtlOutOfRange,
    #[error("the connection was not found")]
    ConnectionNotFound,
    #[error("only the connection's source organization creates share tokens")]
    NotConnectionSource,
    #[error("the connection is {}: share tokens are created over active connections only", .0.as_str())]
    ConnectionNotActive(ConnectionStatus),
    #[error("the source is not an inq_, txn_ or act_ id")]
    InvalidSource,
    #[error("the source was not found")]
    SourceNotFound,
    #[error("only a completed inquiry can be shared")]
    SourceNotShareable,
    #[error(transparent)]
    Internal(#[from] crate::Error),
}

crate::error::command_error!(CreateShareTokenError);

/// The source organization `org` creates a token over an active connection from one of its
/// completed inquiries, transactions or accounts.
pub async fn create(
    engine: &Engine,
    org: &OrgId,
    command: &CreateShareToken,
) -> Result<ShareToken, CreateShareTokenError> {
    use CreateShareTokenError as E;
    let ttl = command.expires_in_seconds;
    if !(MIN_TTL_SECONDS..=MAX_TTL_SECONDS).contains(&ttl) {
        return Err(E::TtlOutOfRange);
    }
    let pool = engine.db().pool();
    let connection = connections::find(pool, &command.connection_id)
        .await?
        .filter(|c| c.side_of(org).is_some())
        .ok_or(E::ConnectionNotFound)?;
    if connection.side_of(org) != Some(Side::Source) {
        return Err(E::NotConnectionSource);
    }
    if connection.status != ConnectionStatus::Active {
        return Err(E::ConnectionNotActive(connection.status));
    }
    let source_type = ObjectKind::of_id(&command.source_id).ok_or(E::InvalidSource)?;
    let source = objects::find(pool, &command.source_id)
        .await?
        .filter(|o| &o.organization_id == org && o.kind == source_type)
        .ok_or(E::SourceNotFound)?;
    let now = engine.now();
    if source_type == ObjectKind::Inquiry && source.status_at(now) != Some(InquiryStatus::Completed)
    {
        return Err(E::SourceNotShareable);
    }
    let token = ShareToken {
        id: ShareTokenId::new(),
        connection_id: connection.id.clone(),
        source_organization_id: connection.source_organization_id.clone(),
        destination_organization_id: connection.destination_organization_id.clone(),
        source_type,
        source_id: source.id.clone(),
        snapshot: source.fields.clone(),
        status: ShareTokenStatus::Created,
        destination_id: None,
        field_mappings: None,
        hydration_report: None,
        failure: None,
        created_at: now,
        updated_at: now,
        pending_at: None,
        redeemed_at: None,
        expires_at: now.plus(Duration::from_secs(ttl)),
        failed_at: None,
    };
    let mut tx = engine.db().begin_write().await?;
    // Again, locked until commit: a revocation committed since the check above wins, and one
    // that comes later sees this token (and expires it).
    let now_status = connections::find_for_share(&mut tx, &token.connection_id)
        .await?
        .ok_or_else(|| {
            crate::Error::Internal(format!("connection {} vanished", token.connection_id))
        })?
        .status;
    if now_status != ConnectionStatus::Active {
        return Err(E::ConnectionNotActive(now_status));
    }
    sqlx::query(
        "INSERT INTO share_tokens (id, connection_id, source_organization_id, destination_organization_id, source_type,
                                   source_id, snapshot, status, created_at, updated_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&token.id)
    .bind(&token.connection_id)
    .bind(&token.source_organization_id)
    .bind(&token.destination_organization_id)
    .bind(token.source_type)
    .bind(&token.source_id)
    .bind(serde_json::to_string(&token.snapshot).expect("values serialise"))
    .bind(token.status)
    .bind(now)
    .bind(now)
    .bind(token.expires_at)
    .execute(&mut *tx)
    .await?;
    record_pair(
        &mut tx,
        &token,
        names::SHARE_TOKEN_OUTBOUND_CREATED,
        names::SHARE_TOKEN_INBOUND_CREATED,
        now,
    )
    .await?;
    tx.commit().await?;
    // The destination's workflows may have queued a run with the event.
    engine.wake_workers();
    Ok(token)
}

/// Records an event for each side, each rendered as that side sees the token.
pub(crate) async fn record_pair(
    tx: &mut sqlx::AnyConnection,
    token: &ShareToken,
    outbound: &str,
    inbound: &str,
    now: Timestamp,
) -> Result<()> {
    record_pairs(tx, std::slice::from_ref(token), outbound, inbound, now).await
}

/// [`record_pair`] for several tokens, all recorded together (one insert, one read each of the
/// webhooks and workflows that hear of them).
pub(crate) async fn record_pairs(
    tx: &mut sqlx::AnyConnection,
    tokens: &[ShareToken],
    outbound: &str,
    inbound: &str,
    now: Timestamp,
) -> Result<()> {
    let events = tokens.iter().flat_map(|token| {
        let source = &token.source_organization_id;
        let destination = &token.destination_organization_id;
        [
            (source, outbound, render::share_token(token, source, now)),
            (
                destination,
                inbound,
                render::share_token(token, destination, now),
            ),
        ]
    });
    events::record_all(tx, events, now).await?;
    Ok(())
}

/// The source organization expires a token it created; only while `created`.
pub async fn expire(engine: &Engine, org: &OrgId, id: &ShareTokenId) -> Result<ShareToken> {
    let token = get(engine, org, id).await?;
    if &token.source_organization_id != org {
        return Err(Problem::not_found("the share token").into());
    }
    let now = engine.now();
    let status = token.status_at(now);
    if transition(status, TokenEvent::Expire).is_err() {
        return Err(Problem::conflict(
            "share-token-not-expirable",
            format!(
                "the share token is {}; only a created token can be expired",
                status.as_str()
            ),
        )
        .into());
    }
    let mut tx = engine.db().begin_write().await?;
    let Some(expired) = expire_in(&mut tx, &token.id, now).await? else {
        return Err(Problem::conflict(
            "share-token-not-expirable",
            "the share token changed meanwhile; read it again",
        )
        .into());
    };
    tx.commit().await?;
    Ok(expired)
}

/// Tokens one sweep transaction expires (each is a few statements: the write lock is held for
/// tens of milliseconds at most).
pub const SWEEP_BATCH: i64 = 100;

/// Writes `expired` on every `created` token past its expiry, with the same events an expiry
/// by the source records, [`SWEEP_BATCH`] per transaction. Returns how many it expired.
///
/// Readers never wait for it ([`ShareToken::status_at`] already reads a lapsed token as
/// expired); it keeps the lapsed-but-still-`created` tokens few, so that the list's status
/// filters stay bounded reads whatever the organization holds. Conditional like every status
/// change: a token redeemed meanwhile, or expired by another instance's sweep, is left alone.
pub async fn sweep_expired(engine: &Engine) -> Result<usize> {
    let mut swept = 0;
    loop {
        let now = engine.now();
        // Looked for outside the write lock: most sweeps find nothing and write nothing.
        // In a fixed order, so concurrent sweeps (other instances) lock rows in the same order.
        let lapsed: Vec<ShareTokenId> = sqlx::query_scalar(
            "SELECT id FROM share_tokens WHERE status = $1 AND expires_at <= $2
             ORDER BY expires_at, id LIMIT $3",
        )
        .bind(ShareTokenStatus::Created)
        .bind(now)
        .bind(SWEEP_BATCH)
        .fetch_all(engine.db().pool())
        .await?;
        if lapsed.is_empty() {
            return Ok(swept);
        }
        // Each is expired only if still `created` (redeemed meanwhile: left alone).
        let mut tx = engine.db().begin_write().await?;
        for id in &lapsed {
            if expire_in(&mut tx, id, now).await?.is_some() {
                swept += 1;
            }
        }
        tx.commit().await?;
        if (lapsed.len() as i64) < SWEEP_BATCH {
            return Ok(swept);
        }
    }
}

/// Expires a `created` token inside the caller's transaction and records its events; `None` when
/// the token was no longer `created`.
pub(crate) async fn expire_in(
    tx: &mut sqlx::AnyConnection,
    id: &ShareTokenId,
    now: Timestamp,
) -> Result<Option<ShareToken>> {
    const FROM: ShareTokenStatus = ShareTokenStatus::Created;
    let to = transition(FROM, TokenEvent::Expire).expect("created tokens expire");
    let updated = sqlx::query(
        "UPDATE share_tokens SET status = $1,
                expires_at = CASE WHEN expires_at < $2 THEN expires_at ELSE $2 END, updated_at = $2
         WHERE id = $3 AND status = $4",
    )
    .bind(to)
    .bind(now)
    .bind(id)
    .bind(FROM)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    let events = (
        names::SHARE_TOKEN_OUTBOUND_EXPIRED,
        names::SHARE_TOKEN_INBOUND_EXPIRED,
    );
    announce(tx, id, events, now).await.map(Some)
}

/// `created → pending` for several tokens in one statement, inside the caller's transaction,
/// each with the destination and mappings its job will use: `(token, destination id, mappings)`,
/// every token at most once. Returns the ids that changed; a token that is no longer `created`,
/// expired meanwhile or whose connection is no longer active does not.
pub(crate) async fn mark_pending_many(
    tx: &mut sqlx::AnyConnection,
    tokens: &[(&ShareTokenId, &str, &[FieldMapping])],
    now: Timestamp,
) -> Result<Vec<ShareTokenId>> {
    const FROM: ShareTokenStatus = ShareTokenStatus::Created;
    let to = transition(FROM, TokenEvent::Redeem).expect("created tokens are redeemed");
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    let sql = mark_pending_sql(tokens.len());
    let mut query = sqlx::query_scalar::<_, ShareTokenId>(&sql)
        .bind(to)
        .bind(now)
        .bind(FROM)
        .bind(ConnectionStatus::Active);
    for (token, destination_id, mappings) in tokens {
        query = query
            .bind(*token)
            .bind(*destination_id)
            .bind(serde_json::to_string(mappings).expect("mappings serialise"));
    }
    Ok(query.fetch_all(&mut *tx).await?)
}

/// [`mark_pending_many`]'s statement for `count` tokens. `status || ''` and `expires_at + 0`
/// keep SQLite on the tokens' ids: with `status = … AND expires_at > …` (or, from a few dozen
/// ids on, with `status = …` alone) it takes the expiry index instead and reads every `created`
/// token of every organization for each group of starts.
fn mark_pending_sql(count: usize) -> String {
    // Token t's id is parameter 5 + 3t, its destination and mappings the two after it.
    let id = |t: usize| 5 + 3 * t;
    format!(
        "UPDATE share_tokens SET status = $1, pending_at = $2, updated_at = $2,
                destination_id = {}, field_mappings = {}
         WHERE id IN ({}) AND status || '' = $3 AND expires_at + 0 > $2
           AND EXISTS (SELECT 1 FROM connections c WHERE c.id = share_tokens.connection_id AND c.status = $4)
         RETURNING id",
        db::case_by_id(count, id, |t| id(t) + 1),
        db::case_by_id(count, id, |t| id(t) + 2),
        db::numbered(count, id)
    )
}

/// [`mark_redeemed_many`]'s statement for `count` tokens; `status || ''` as in
/// [`mark_pending_sql`] (along the expiry index it would read every `pending` token).
fn mark_redeemed_sql(count: usize) -> String {
    // Token t's id is parameter 5 + 2t, its report the one after.
    let id = |t: usize| 5 + 2 * t;
    format!(
        "UPDATE share_tokens SET status = $1, redeemed_at = $2, updated_at = $2,
                hydration_report = {}
         WHERE id IN ({}) AND status || '' = $3
           AND EXISTS (SELECT 1 FROM connections c WHERE c.id = share_tokens.connection_id AND c.status = $4)
         RETURNING id",
        db::case_by_id(count, id, |t| id(t) + 1),
        db::numbered(count, id)
    )
}

/// `pending → redeemed` for several tokens of a batch in one statement, each with its hydration
/// report, inside the caller's transaction: only tokens still `pending` whose connection is still
/// active change. Returns the ids that did.
pub(crate) async fn mark_redeemed_many(
    tx: &mut sqlx::AnyConnection,
    tokens: &[(&ShareTokenId, &HydrationReport)],
    now: Timestamp,
) -> Result<Vec<ShareTokenId>> {
    const FROM: ShareTokenStatus = ShareTokenStatus::Pending;
    let to = transition(FROM, TokenEvent::Finish).expect("pending tokens finish");
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    let sql = mark_redeemed_sql(tokens.len());
    let mut query = sqlx::query_scalar::<_, ShareTokenId>(&sql)
        .bind(to)
        .bind(now)
        .bind(FROM)
        .bind(ConnectionStatus::Active);
    for (token, report) in tokens {
        query = query
            .bind(*token)
            .bind(serde_json::to_string(report).expect("reports serialise"));
    }
    // The caller notifies (once for a batch): `db::notify(tx, Channel::Redemptions)`.
    Ok(query.fetch_all(&mut *tx).await?)
}

/// `pending → failed` with its code, and the events for both sides, inside the caller's
/// transaction. `None` when the token is no longer `pending`.
pub(crate) async fn fail_in(
    tx: &mut sqlx::AnyConnection,
    id: &ShareTokenId,
    failure: RedemptionFailure,
    now: Timestamp,
) -> Result<Option<ShareToken>> {
    const FROM: ShareTokenStatus = ShareTokenStatus::Pending;
    let to = transition(FROM, TokenEvent::Fail).expect("pending tokens fail");
    let updated = sqlx::query(
        "UPDATE share_tokens SET status = $1, failed_at = $2, updated_at = $2, failure_code = $3
         WHERE id = $4 AND status = $5",
    )
    .bind(to)
    .bind(now)
    .bind(failure.code())
    .bind(id)
    .bind(FROM)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    db::notify(tx, Channel::Redemptions).await?;
    crate::workflows::redemption_ended(tx, std::slice::from_ref(id), Err(failure), now).await?;
    let events = (
        names::SHARE_TOKEN_OUTBOUND_FAILED,
        names::SHARE_TOKEN_INBOUND_FAILED,
    );
    announce(tx, id, events, now).await.map(Some)
}

/// Reads back a token just changed in `tx` and records its (outbound, inbound) pair of events.
async fn announce(
    tx: &mut sqlx::AnyConnection,
    id: &ShareTokenId,
    (outbound, inbound): (&str, &str),
    now: Timestamp,
) -> Result<ShareToken> {
    let token = find(&mut *tx, id)
        .await?
        .ok_or_else(|| crate::Error::Internal(format!("share token {id} vanished")))?;
    record_pair(tx, &token, outbound, inbound, now).await?;
    Ok(token)
}

/// The `created` tokens over `connection`, which a revocation expires.
pub(crate) async fn created_over(
    tx: &mut sqlx::AnyConnection,
    connection: &ConnectionId,
) -> Result<Vec<ShareTokenId>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM share_tokens WHERE connection_id = $1 AND status = 'created' ORDER BY seq",
    )
    .bind(connection)
    .fetch_all(tx)
    .await?)
}

const COLUMNS: &str = "id, connection_id, source_organization_id, destination_organization_id, source_type, source_id, snapshot, \
                       status, destination_id, field_mappings, hydration_report, failure_code, created_at, updated_at, \
                       pending_at, redeemed_at, expires_at, failed_at";

#[derive(sqlx::FromRow)]
struct Row {
    id: ShareTokenId,
    connection_id: ConnectionId,
    source_organization_id: OrgId,
    destination_organization_id: OrgId,
    source_type: ObjectKind,
    source_id: String,
    snapshot: String,
    status: ShareTokenStatus,
    destination_id: Option<String>,
    field_mappings: Option<String>,
    hydration_report: Option<String>,
    failure_code: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    pending_at: Option<Timestamp>,
    redeemed_at: Option<Timestamp>,
    expires_at: Timestamp,
    failed_at: Option<Timestamp>,
}

impl TryFrom<Row> for ShareToken {
    type Error = crate::Error;
    fn try_from(row: Row) -> Result<Self> {
        let corrupt = crate::error::unreadable("share token", &row.id);
        Ok(Self {
            snapshot: serde_json::from_str(&row.snapshot).map_err(&corrupt)?,
            field_mappings: row
                .field_mappings
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(&corrupt)?,
            hydration_report: row
                .hydration_report
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(&corrupt)?,
            id: row.id,
            connection_id: row.connection_id,
            source_organization_id: row.source_organization_id,
            destination_organization_id: row.destination_organization_id,
            source_type: row.source_type,
            source_id: row.source_id,
            status: row.status,
            destination_id: row.destination_id,
            // A failed token always has a code; an unknown one reads as an internal error.
            failure: row.failure_code.as_deref().map(|code| {
                RedemptionFailure::parse(code).unwrap_or(RedemptionFailure::InternalError)
            }),
            created_at: row.created_at,
            updated_at: row.updated_at,
            pending_at: row.pending_at,
            redeemed_at: row.redeemed_at,
            expires_at: row.expires_at,
            failed_at: row.failed_at,
        })
    }
}

/// [`COLUMNS`] qualified by `table`, for statements that join another table.
fn columns_of(table: &str) -> String {
    crate::db::qualified(COLUMNS, table, "")
}

/// A token with the status of its connection, in one read (rule 1 needs both).
pub(crate) async fn find_with_connection<'e>(
    executor: impl sqlx::AnyExecutor<'e>,
    id: &ShareTokenId,
) -> Result<Option<(ShareToken, ConnectionStatus)>> {
    static SELECT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT {}, c.status AS connection_status FROM share_tokens t
             JOIN connections c ON c.id = t.connection_id WHERE t.id = $1",
            columns_of("t")
        )
    });
    let row: Option<RowWithConnection> = sqlx::query_as(&SELECT)
        .bind(id)
        .fetch_optional(executor)
        .await?;
    row.map(|row| Ok((row.token.try_into()?, row.connection_status)))
        .transpose()
}

/// What the hosted flow's screen needs of its token, in one read: the token, the consent
/// decision recorded for it on `inquiry_id` (if any) and the schema of the object it was taken
/// from (for the consent screen's labels).
pub(crate) async fn find_for_flow<'e>(
    executor: impl sqlx::AnyExecutor<'e>,
    id: &ShareTokenId,
    inquiry_id: &str,
) -> Result<Option<(ShareToken, Option<String>, Option<String>)>> {
    static SELECT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT {},
                    (SELECT decision FROM consents
                     WHERE inquiry_id = $2 AND share_token_id = t.id) AS decision,
                    (SELECT schema_id FROM objects WHERE id = t.source_id) AS source_schema_id
             FROM share_tokens t WHERE t.id = $1",
            columns_of("t")
        )
    });
    let row: Option<RowForFlow> = sqlx::query_as(&SELECT)
        .bind(id)
        .bind(inquiry_id)
        .fetch_optional(executor)
        .await?;
    row.map(|row| Ok((row.token.try_into()?, row.decision, row.source_schema_id)))
        .transpose()
}

/// A token read through a `LEFT JOIN`, its columns named `t_…` (`joined_columns`): all `NULL`
/// when the row it joins carries no token.
#[derive(sqlx::FromRow)]
pub(crate) struct JoinedToken {
    t_id: Option<ShareTokenId>,
    t_connection_id: Option<ConnectionId>,
    t_source_organization_id: Option<OrgId>,
    t_destination_organization_id: Option<OrgId>,
    t_source_type: Option<ObjectKind>,
    t_source_id: Option<String>,
    t_snapshot: Option<String>,
    t_status: Option<ShareTokenStatus>,
    t_destination_id: Option<String>,
    t_field_mappings: Option<String>,
    t_hydration_report: Option<String>,
    t_failure_code: Option<String>,
    t_created_at: Option<Timestamp>,
    t_updated_at: Option<Timestamp>,
    t_pending_at: Option<Timestamp>,
    t_redeemed_at: Option<Timestamp>,
    t_expires_at: Option<Timestamp>,
    t_failed_at: Option<Timestamp>,
}

/// The token columns of `table`, named as `JoinedToken` reads them.
pub(crate) fn joined_columns(table: &str) -> String {
    crate::db::qualified(COLUMNS, table, "t_")
}

impl JoinedToken {
    /// The join found a token.
    pub(crate) fn is_some(&self) -> bool {
        self.t_id.is_some()
    }

    /// The token, or `None` when the join found none. A token row with a required column
    /// missing is unreadable (the schema forbids it).
    pub(crate) fn token(self) -> Result<Option<ShareToken>> {
        let Some(id) = self.t_id else {
            return Ok(None);
        };
        let corrupt = |column: &str| {
            crate::Error::Internal(format!("stored share token {id} has no {column}"))
        };
        let row = Row {
            connection_id: self
                .t_connection_id
                .ok_or_else(|| corrupt("connection_id"))?,
            source_organization_id: self
                .t_source_organization_id
                .ok_or_else(|| corrupt("source_organization_id"))?,
            destination_organization_id: self
                .t_destination_organization_id
                .ok_or_else(|| corrupt("destination_organization_id"))?,
            source_type: self.t_source_type.ok_or_else(|| corrupt("source_type"))?,
            source_id: self.t_source_id.ok_or_else(|| corrupt("source_id"))?,
            snapshot: self.t_snapshot.ok_or_else(|| corrupt("snapshot"))?,
            status: self.t_status.ok_or_else(|| corrupt("status"))?,
            destination_id: self.t_destination_id,
            field_mappings: self.t_field_mappings,
            hydration_report: self.t_hydration_report,
            failure_code: self.t_failure_code,
            created_at: self.t_created_at.ok_or_else(|| corrupt("created_at"))?,
            updated_at: self.t_updated_at.ok_or_else(|| corrupt("updated_at"))?,
            pending_at: self.t_pending_at,
            redeemed_at: self.t_redeemed_at,
            expires_at: self.t_expires_at.ok_or_else(|| corrupt("expires_at"))?,
            failed_at: self.t_failed_at,
            id,
        };
        row.try_into().map(Some)
    }
}

#[derive(sqlx::FromRow)]
struct RowForFlow {
    #[sqlx(flatten)]
    token: Row,
    decision: Option<String>,
    source_schema_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RowWithConnection {
    #[sqlx(flatten)]
    token: Row,
    connection_status: ConnectionStatus,
}

/// The tokens among `ids` that exist, in one read.
pub(crate) async fn find_many<'e>(
    executor: impl sqlx::AnyExecutor<'e>,
    ids: &[&ShareTokenId],
) -> Result<Vec<ShareToken>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM share_tokens WHERE id IN ({})",
        db::placeholders(1, ids.len())
    );
    let mut query = sqlx::query_as(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    let rows: Vec<Row> = query.fetch_all(executor).await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

pub(crate) async fn find<'e>(
    executor: impl sqlx::AnyExecutor<'e>,
    id: &ShareTokenId,
) -> Result<Option<ShareToken>> {
    let row: Option<Row> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM share_tokens WHERE id = $1"))
            .bind(id)
            .fetch_optional(executor)
            .await?;
    row.map(TryInto::try_into).transpose()
}

/// A token `org` is the source or destination of; 404 otherwise.
pub async fn get(engine: &Engine, org: &OrgId, id: &ShareTokenId) -> Result<ShareToken> {
    find(engine.db().pool(), id)
        .await?
        .filter(|t| &t.source_organization_id == org || &t.destination_organization_id == org)
        .ok_or_else(|| Problem::not_found("the share token").into())
}

/// Which direction a list asks for, from the caller's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Inbound,
    Outbound,
}

/// Filters of the share-token list.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub status: Option<ShareTokenStatus>,
    pub direction: Option<Direction>,
    pub connection_id: Option<String>,
}

/// The list statement for `filter` as `org` reads it, its parameters added to `statement`.
///
/// Each read takes one side's rows from an index that serves its filter in `seq` order (the
/// side's `(organization, status, seq)` index with a status, `(connection_id, …, seq)` with a
/// connection, else `(organization, seq)`), newest first, so a page reads about as many rows as
/// it shows however many the organization holds. Both sides are two such reads merged.
///
/// An expired filter adds the tokens that lapsed but still say `created` (the sweep,
/// [`sweep_expired`], has not reached them yet): they are read along `(status, expires_at)`,
/// whose range holds only the tokens lapsed since the last sweep across every organization, and
/// sorted (a few rows). Walking the side's `created` tokens instead would read every waiting
/// token of the organization to find none.
fn list_sql(
    statement: &mut ListStatement,
    org: &OrgId,
    filter: &ListFilter,
    now: Timestamp,
    page: &PageRequest,
) -> String {
    let org = statement.text(org.as_str());
    let limit = statement.int(page.limit());
    let connection = filter
        .connection_id
        .as_ref()
        .map(|connection| statement.text(connection.as_str()));
    let after = page.after.as_ref().map(|after| {
        let after = statement.text(after.as_str());
        format!(
            "seq < (SELECT seq FROM share_tokens WHERE id = {after}
                    AND (source_organization_id = {org} OR destination_organization_id = {org}))"
        )
    });
    // The status is a literal from the enum: the planner sees which index range it names.
    let statuses: Vec<(Option<String>, Along)> = match filter.status {
        None => vec![(None, Along::SideOrConnection)],
        Some(ShareTokenStatus::Created) => {
            let now = statement.int(now.millis());
            // `+ 0`: the expiry index would read every live token of every organization.
            vec![(
                Some(format!("status = 'created' AND expires_at + 0 > {now}")),
                Along::SideOrConnection,
            )]
        }
        Some(ShareTokenStatus::Expired) => {
            let now = statement.int(now.millis());
            vec![
                (
                    Some("status = 'expired'".to_owned()),
                    Along::SideOrConnection,
                ),
                (
                    Some(format!("status = 'created' AND expires_at <= {now}")),
                    Along::Expiry,
                ),
            ]
        }
        Some(status) => vec![(
            Some(format!("status = '{}'", status.as_str())),
            Along::SideOrConnection,
        )],
    };
    let mut reads = Vec::new();
    for (status, along) in &statuses {
        // With a connection (or along the expiry index) the organization is only checked on
        // the rows found: `|| ''` keeps the planner from reading an organization index
        // instead, which for the side the connection is not on would walk every token of the
        // organization and find none.
        let defused = connection.is_some() || *along == Along::Expiry;
        let (source, destination) = (
            unindexed("source_organization_id", defused),
            unindexed("destination_organization_id", defused),
        );
        let sides: Vec<String> = match (filter.direction, defused) {
            (Some(Direction::Inbound), _) => vec![format!("{destination} = {org}")],
            (Some(Direction::Outbound), _) => vec![format!("{source} = {org}")],
            (None, false) => vec![
                format!("{source} = {org}"),
                format!("{destination} = {org}"),
            ],
            (None, true) => vec![format!("({source} = {org} OR {destination} = {org})")],
        };
        for side in sides {
            let conditions: Vec<String> = std::iter::once(side)
                .chain(status.clone())
                .chain(
                    connection
                        .as_ref()
                        // Along the expiry index the connection too is checked on the rows
                        // found, not read along its own index.
                        .map(|c| {
                            let column = unindexed("connection_id", *along == Along::Expiry);
                            format!("{column} = {c}")
                        }),
                )
                .chain(after.clone())
                .collect();
            // Along the expiry index the rows are sorted after they are found (`seq + 0`):
            // otherwise PostgreSQL, which cannot know from its statistics that no waiting
            // token has lapsed, walks the table backwards along `seq` hoping to meet lapsed
            // ones soon, and reads every row (600 ms at 1 M tokens).
            let order = match along {
                Along::SideOrConnection => "seq",
                Along::Expiry => "seq + 0",
            };
            reads.push(format!(
                "SELECT seq, {COLUMNS} FROM share_tokens WHERE {} ORDER BY {order} DESC LIMIT {limit}",
                conditions.join(" AND ")
            ));
        }
    }
    merged_newest_first(reads, &limit)
}

/// Which index a read of the list goes along.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Along {
    /// The side's `(organization, [status,] seq)` index, or the connection's.
    SideOrConnection,
    /// `(status, expires_at)`: the lapsed tokens the sweep has not written yet.
    Expiry,
}

/// `name` as a condition names it: with `unindexed`, as `name || ''`, which no index serves (the
/// planner then reads along the index meant for the read and checks `name` on the rows found).
fn unindexed(name: &str, unindexed: bool) -> String {
    if unindexed {
        format!("{name} || ''")
    } else {
        name.to_owned()
    }
}

/// Tokens `org` is a party to, newest first. The status filter sees expiry as readers do.
pub async fn list(
    engine: &Engine,
    org: &OrgId,
    filter: &ListFilter,
    page: &PageRequest,
) -> Result<Page<ShareToken>> {
    let mut statement = ListStatement::default();
    let sql = list_sql(&mut statement, org, filter, engine.now(), page);
    let rows: Vec<Row> = statement
        .query_as(&sql)
        .fetch_all(engine.db().pool())
        .await?;
    let tokens = rows
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<ShareToken>>>()?;
    Ok(Page::from_rows(tokens, page, |t| t.id.to_string()))
}

#[cfg(test)]
mod start_plan_tests {
    use super::*;

    /// A group of redemption starts, and a worker's batch of redemptions, read their tokens by
    /// id, not every `created` (or `pending`) token along the expiry index. SQLite only: its
    /// planner is the one the statements are shaped for (PostgreSQL's chooses from its
    /// statistics, and explains no statement without its parameters' types).
    #[tokio::test]
    async fn groups_of_starts_and_of_redemptions_find_their_tokens_by_their_ids() {
        let engine = crate::testing::engine().await;
        if engine.db().dialect() != db::Dialect::Sqlite {
            return;
        }
        type Statement = fn(usize) -> String;
        let statements = [
            ("starts", mark_pending_sql as Statement),
            ("redemptions", mark_redeemed_sql),
        ];
        for (what, sql) in statements {
            for count in [1, 2, 32, 64] {
                let explain = format!("EXPLAIN QUERY PLAN {}", sql(count));

                let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&explain)
                    .fetch_all(engine.db().pool())
                    .await
                    .unwrap();

                let steps: Vec<&str> = plan.iter().map(|step| step.3.as_str()).collect();
                assert!(
                    steps
                        .first()
                        .is_some_and(|step| step.starts_with("SEARCH share_tokens")
                            && step.ends_with("(id=?)")),
                    "a group of {count} {what} reads its tokens by id: {steps:?}"
                );
            }
        }
    }
}

#[cfg(test)]
mod list_plan_tests {
    use super::*;
    use crate::testing::{assert_list_plan_serves, list_plan};

    /// Every filter a reader can give (each direction, each status, with and without a
    /// connection, first page and a later one) is served by an index in the list's order, on the
    /// database the tests run on (SQLite, and PostgreSQL under `scripts/with-postgres.sh`).
    #[tokio::test]
    async fn every_list_filter_reads_an_index_that_serves_it_in_order() {
        let engine = crate::testing::engine().await;
        let org = OrgId::new();
        let statuses = [
            None,
            Some(ShareTokenStatus::Created),
            Some(ShareTokenStatus::Pending),
            Some(ShareTokenStatus::Redeemed),
            Some(ShareTokenStatus::Expired),
            Some(ShareTokenStatus::Failed),
        ];
        for direction in [None, Some(Direction::Inbound), Some(Direction::Outbound)] {
            for status in statuses {
                for connection_id in [None, Some("cxn_x".to_owned())] {
                    for after in [None, Some("cnst_y".to_owned())] {
                        let filter = ListFilter {
                            status,
                            direction,
                            connection_id: connection_id.clone(),
                        };
                        let page = PageRequest { size: 25, after };
                        let mut statement = ListStatement::default();
                        let sql = list_sql(&mut statement, &org, &filter, engine.now(), &page);

                        let plan = list_plan(&engine, &sql, &statement).await;

                        let columns: &[&str] = match (status, &connection_id) {
                            // Stored `expired` tokens along the connection's index (either
                            // of them), lapsed ones along the expiry index: no column is
                            // common to both reads.
                            (Some(ShareTokenStatus::Expired), Some(_)) => &[],
                            (Some(_), None) => &["status"],
                            (None, Some(_)) => &["connection_id"],
                            // Either connection index serves the order; which of them reads
                            // fewer rows is the planner's call from its statistics.
                            (Some(_), Some(_)) => &["connection_id"],
                            (None, None) => &[],
                        };
                        let single = (direction.is_some() || connection_id.is_some())
                            && status != Some(ShareTokenStatus::Expired);
                        assert_list_plan_serves(
                            &plan,
                            columns,
                            single,
                            &format!("{filter:?} {page:?}"),
                        );
                        if status == Some(ShareTokenStatus::Expired) {
                            assert!(
                                plan.iter().any(|line| line.contains("share_tokens_expiry")),
                                "{filter:?} {page:?}: the lapsed tokens are not read along the \
                                 expiry index:\n{}",
                                plan.join("\n")
                            );
                        }
                    }
                }
            }
        }
    }
}
