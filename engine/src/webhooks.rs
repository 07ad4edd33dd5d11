//! Webhooks (CONTRACT.md §6): an organization's subscriptions to its events, and their deliveries.
//!
//! A delivery row is written for every enabled webhook that wants an event, in the transaction
//! that records the event ([`fan_out`]), so an event and its deliveries commit together and
//! nothing is lost between them. [`crate::delivery`] sends them.

use std::time::Duration;

use serde_json::Value;

use crate::Engine;
use crate::db::{self, Channel, Dialect, Lock};
use crate::error::Result;
use crate::events::names;
use crate::ids::{EventId, OrgId, WebhookDeliveryId, WebhookId, encode_base32, random_bytes};
use crate::outbound::{self, TargetError};
use crate::paging::{Page, PageRequest};
use crate::time::Timestamp;

/// Attempts a delivery gets before it is marked failed (a redelivery grants as many again).
pub const MAX_ATTEMPTS: i64 = 8;

/// Waits before attempts 2, 3, …: the first retry comes 2 s after the failure, the last attempt
/// about 9 hours after the first.
pub const RETRY_DELAYS: [Duration; 7] = [
    Duration::from_secs(2),
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(6 * 3600),
];

/// How long the previous secret keeps signing after a rotation, by default.
pub const DEFAULT_ROTATION_OVERLAP: Duration = Duration::from_secs(24 * 3600);

/// Longest overlap a rotation may ask for (7 days).
pub const MAX_ROTATION_OVERLAP_SECS: u64 = 7 * 24 * 3600;

/// Longest webhook URL.
pub const MAX_URL_LEN: usize = 2048;

/// Where webhooks may point and how deliveries are retried (`tessera serve`'s flags).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Loopback, private and link-local targets allowed (`--allow-private-webhook-targets`).
    pub allow_private_targets: bool,
    /// Waits before attempts 2, 3, … (the last one repeats if there are more attempts).
    pub retry_delays: Vec<Duration>,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            retry_delays: RETRY_DELAYS.to_vec(),
        }
    }
}

impl WebhookPolicy {
    /// The wait after failed attempt number `attempt` (1 for the first).
    pub fn delay_after(&self, attempt: i64) -> Duration {
        let index = usize::try_from(attempt.max(1) - 1).unwrap_or(0);
        self.retry_delays
            .get(index)
            .or(self.retry_delays.last())
            .copied()
            .unwrap_or(RETRY_DELAYS[0])
    }
}

/// Whether a webhook receives deliveries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookStatus {
    Enabled,
    Disabled,
}

impl WebhookStatus {
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

domain::text_column!(WebhookStatus);

/// A webhook as stored (its secrets stay in the database; see [`WebhookSecret`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Webhook {
    pub id: WebhookId,
    pub organization_id: OrgId,
    pub url: String,
    /// Event names, or `*` for every event.
    pub enabled_events: Vec<String>,
    pub status: WebhookStatus,
    /// While set and in the future, the previous secret signs as well.
    pub previous_secret_expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Webhook {
    /// True when this webhook wants events named `name`.
    pub fn wants(&self, name: &str) -> bool {
        wants(&self.enabled_events, name)
    }
}

fn wants(enabled: &[String], name: &str) -> bool {
    enabled.iter().any(|e| e == "*" || e == name)
}

/// A webhook's signing secret: shown once, when created or rotated.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    fn generate() -> Self {
        Self(format!("whsec_{}", encode_base32(&random_bytes::<32>())))
    }

    /// The secret, to show once to its owner.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(whsec_[redacted])")
    }
}

/// Create a webhook: the command every channel builds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateWebhook {
    pub url: String,
    pub enabled_events: Vec<String>,
}

/// Change a webhook's URL and/or events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateWebhook {
    pub url: Option<String>,
    pub enabled_events: Option<Vec<String>>,
}

/// Why a webhook cannot be created or changed, in the domain's terms.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook was not found")]
    NotFound,
    #[error("{0}")]
    Url(TargetError),
    #[error("a webhook URL is at most {MAX_URL_LEN} characters")]
    UrlTooLong,
    #[error("enabled-events lists at least one event name, or \"*\"")]
    NoEvents,
    #[error("enabled-events item {0} is not an event Tessera sends, nor \"*\"")]
    UnknownEvent(usize),
    #[error(transparent)]
    Internal(#[from] crate::Error),
}

crate::error::command_error!(WebhookError);

/// The URL as it will be stored: checked, and in the parser's normal form (control characters
/// percent-encoded, host lower-cased).
fn check_url(url: &str, allow_private: bool) -> Result<String, WebhookError> {
    if url.len() > MAX_URL_LEN {
        return Err(WebhookError::UrlTooLong);
    }
    let parsed = outbound::check_url(url, allow_private).map_err(WebhookError::Url)?;
    if parsed.as_str().len() > MAX_URL_LEN {
        return Err(WebhookError::UrlTooLong);
    }
    Ok(parsed.into())
}

fn check_events(events: &[String]) -> Result<(), WebhookError> {
    if events.is_empty() {
        return Err(WebhookError::NoEvents);
    }
    match events
        .iter()
        .position(|e| e != "*" && !names::ALL.contains(&e.as_str()))
    {
        Some(index) => Err(WebhookError::UnknownEvent(index)),
        None => Ok(()),
    }
}

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: WebhookId,
    organization_id: OrgId,
    url: String,
    enabled_events: String,
    status: WebhookStatus,
    previous_secret_expires_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<WebhookRow> for Webhook {
    fn from(row: WebhookRow) -> Self {
        Self {
            id: row.id,
            organization_id: row.organization_id,
            url: row.url,
            enabled_events: serde_json::from_str(&row.enabled_events).unwrap_or_default(),
            status: row.status,
            previous_secret_expires_at: row.previous_secret_expires_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

const COLUMNS: &str = "id, organization_id, url, enabled_events, status, previous_secret_expires_at, created_at, updated_at";

/// Creates a webhook for `org`; its secret is returned once.
pub async fn create(
    engine: &Engine,
    org: &OrgId,
    command: CreateWebhook,
) -> Result<(Webhook, WebhookSecret), WebhookError> {
    let url = check_url(&command.url, engine.webhook_policy().allow_private_targets)?;
    check_events(&command.enabled_events)?;
    let now = engine.now();
    let webhook = Webhook {
        id: WebhookId::new(),
        organization_id: org.clone(),
        url,
        enabled_events: command.enabled_events,
        status: WebhookStatus::Enabled,
        previous_secret_expires_at: None,
        created_at: now,
        updated_at: now,
    };
    let secret = WebhookSecret::generate();
    let mut tx = engine.db().begin_write().await?;
    sqlx::query(
        "INSERT INTO webhooks (id, organization_id, url, enabled_events, status, secret, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&webhook.id)
    .bind(org)
    .bind(&webhook.url)
    .bind(Value::from(webhook.enabled_events.clone()).to_string())
    .bind(webhook.status)
    .bind(secret.expose_secret())
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((webhook, secret))
}

async fn find(conn: impl sqlx::AnyExecutor<'_>, org: &OrgId, id: &str) -> Result<Option<Webhook>> {
    let row: Option<WebhookRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE id = $1 AND organization_id = $2"
    ))
    .bind(id)
    .bind(org)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Webhook::from))
}

/// Reads one of `org`'s webhooks.
pub async fn get(engine: &Engine, org: &OrgId, id: &str) -> Result<Webhook, WebhookError> {
    find(engine.db().pool(), org, id)
        .await?
        .ok_or(WebhookError::NotFound)
}

/// `org`'s webhooks, newest first.
pub async fn list(engine: &Engine, org: &OrgId, page: &PageRequest) -> Result<Page<Webhook>> {
    let rows: Vec<WebhookRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE organization_id = $1
           AND ($2 IS NULL OR seq < (SELECT seq FROM webhooks WHERE id = $2 AND organization_id = $1))
         ORDER BY seq DESC LIMIT $3"
    ))
    .bind(org)
    .bind(&page.after)
    .bind(page.limit())
    .fetch_all(engine.db().pool())
    .await?;
    Ok(Page::from_rows(
        rows.into_iter().map(Webhook::from).collect(),
        page,
        |w| w.id.to_string(),
    ))
}

/// Changes a webhook's URL and/or enabled events.
pub async fn update(
    engine: &Engine,
    org: &OrgId,
    id: &str,
    command: UpdateWebhook,
) -> Result<Webhook, WebhookError> {
    let url = command
        .url
        .as_deref()
        .map(|url| check_url(url, engine.webhook_policy().allow_private_targets))
        .transpose()?;
    if let Some(events) = &command.enabled_events {
        check_events(events)?;
    }
    let events = command
        .enabled_events
        .map(|events| Value::from(events).to_string());
    let mut tx = engine.db().begin_write().await?;
    let updated = sqlx::query(
        "UPDATE webhooks SET url = COALESCE($1, url), enabled_events = COALESCE($2, enabled_events), updated_at = $3
         WHERE id = $4 AND organization_id = $5",
    )
    .bind(&url)
    .bind(events)
    .bind(engine.now())
    .bind(id)
    .bind(org)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(WebhookError::NotFound);
    }
    let webhook = find(&mut *tx, org, id)
        .await?
        .ok_or(WebhookError::NotFound)?;
    tx.commit().await?;
    Ok(webhook)
}

/// Enables or disables a webhook. A disabled webhook gets no new deliveries; those already queued
/// end failed ("the webhook is disabled") and can be redelivered once it is enabled again.
pub async fn set_status(
    engine: &Engine,
    org: &OrgId,
    id: &str,
    status: WebhookStatus,
) -> Result<Webhook, WebhookError> {
    let mut tx = engine.db().begin_write().await?;
    let updated = sqlx::query(
        "UPDATE webhooks SET status = $1, updated_at = $2 WHERE id = $3 AND organization_id = $4",
    )
    .bind(status)
    .bind(engine.now())
    .bind(id)
    .bind(org)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(WebhookError::NotFound);
    }
    let webhook = find(&mut *tx, org, id)
        .await?
        .ok_or(WebhookError::NotFound)?;
    tx.commit().await?;
    Ok(webhook)
}

/// Deletes a webhook and, with it (`ON DELETE CASCADE`), its deliveries: queued ones are not
/// sent. On PostgreSQL a transaction queuing a delivery to it holds its row (`FOR KEY SHARE` in
/// [`fan_out`]), so the delete waits for that event to commit instead of breaking it.
pub async fn delete(engine: &Engine, org: &OrgId, id: &str) -> Result<(), WebhookError> {
    let mut tx = engine.db().begin_write().await?;
    let deleted = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND organization_id = $2")
        .bind(id)
        .bind(org)
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(WebhookError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Gives a webhook a new secret (returned once); the current one keeps signing, next to the new
/// one, for `overlap` (0 ends it at once), so receivers can switch without missing a delivery.
pub async fn rotate_secret(
    engine: &Engine,
    org: &OrgId,
    id: &str,
    overlap: Duration,
) -> Result<(Webhook, WebhookSecret), WebhookError> {
    let secret = WebhookSecret::generate();
    let now = engine.now();
    let mut tx = engine.db().begin_write().await?;
    let updated = sqlx::query(
        "UPDATE webhooks SET previous_secret = secret, previous_secret_expires_at = $1, secret = $2, updated_at = $3
         WHERE id = $4 AND organization_id = $5",
    )
    .bind(now.plus(overlap))
    .bind(secret.expose_secret())
    .bind(now)
    .bind(id)
    .bind(org)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(WebhookError::NotFound);
    }
    let webhook = find(&mut *tx, org, id)
        .await?
        .ok_or(WebhookError::NotFound)?;
    tx.commit().await?;
    Ok((webhook, secret))
}

/// Queues a delivery of each of `events` to each enabled webhook of its organization that wants
/// it, inside the transaction that records them (one read of the webhooks for all of them).
/// Returns how many were queued.
pub async fn fan_out(
    tx: &mut sqlx::AnyConnection,
    events: &[crate::events::Recorded],
    now: Timestamp,
) -> Result<usize> {
    let mut orgs: Vec<&OrgId> = Vec::new();
    for event in events {
        if !orgs.contains(&&event.organization_id) {
            orgs.push(&event.organization_id);
        }
    }
    if orgs.is_empty() {
        return Ok(0);
    }

    // Held until commit (PostgreSQL): the webhook cannot be deleted under the deliveries queued here.
    let select = format!(
        "SELECT id, organization_id, enabled_events FROM webhooks
         WHERE status = $1 AND organization_id IN ({})",
        db::placeholders(2, orgs.len())
    );
    let select = Dialect::of(tx).locked(&select, Lock::KeyShare);
    let mut query = sqlx::query_as(&select).bind(WebhookStatus::Enabled);
    for org in &orgs {
        query = query.bind(*org);
    }
    let subscribed: Vec<(WebhookId, OrgId, String)> = query.fetch_all(&mut *tx).await?;
    let subscribed: Vec<(WebhookId, OrgId, Vec<String>)> = subscribed
        .into_iter()
        .map(|(webhook, org, enabled)| {
            (
                webhook,
                org,
                serde_json::from_str(&enabled).unwrap_or_default(),
            )
        })
        .collect();
    let mut queued = 0;
    // In the events' order, so deliveries are queued as the events happened.
    for event in events {
        for (webhook, org, _) in subscribed.iter().filter(|(_, org, enabled)| {
            *org == event.organization_id && wants(enabled, &event.name)
        }) {
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, webhook_id, organization_id, event_id, status, attempts, max_attempts, next_attempt_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9)",
            )
            .bind(WebhookDeliveryId::new())
            .bind(webhook)
            .bind(org)
            .bind(&event.id)
            .bind(DeliveryStatus::Pending)
            .bind(MAX_ATTEMPTS)
            .bind(now)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            queued += 1;
        }
    }
    if queued > 0 {
        db::notify(tx, Channel::Deliveries).await?;
    }
    Ok(queued)
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// An attempt is under way (until its lease runs out).
    Sending,
    Succeeded,
    /// Every attempt failed: redeliver to try again.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "sending" => Some(Self::Sending),
            "succeeded" => Some(Self::Succeeded),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

domain::text_column!(DeliveryStatus);

/// One webhook's delivery of one event.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Delivery {
    pub id: WebhookDeliveryId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub event_name: String,
    pub status: DeliveryStatus,
    /// Attempts made so far (the last one's number).
    pub attempts: i64,
    pub next_attempt_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

const DELIVERY_COLUMNS: &str =
    "d.id, d.webhook_id, d.event_id, e.name AS event_name, d.status, d.attempts,
    CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
    d.last_attempt_at, d.last_status_code, d.last_error, d.delivered_at, d.created_at";

/// The deliveries of one of `org`'s webhooks, newest first, optionally only those in `status`.
pub async fn deliveries(
    engine: &Engine,
    org: &OrgId,
    webhook: &str,
    status: Option<DeliveryStatus>,
    page: &PageRequest,
) -> Result<Page<Delivery>, WebhookError> {
    get(engine, org, webhook).await?;
    let rows: Vec<Delivery> = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.webhook_id = $1 AND ($2 IS NULL OR d.status = $2)
           AND ($3 IS NULL OR d.seq < (SELECT seq FROM webhook_deliveries WHERE id = $3 AND webhook_id = $1))
         ORDER BY d.seq DESC LIMIT $4"
    ))
    .bind(webhook)
    .bind(status)
    .bind(&page.after)
    .bind(page.limit())
    .fetch_all(engine.db().pool())
    .await?;
    Ok(Page::from_rows(rows, page, |d| d.id.to_string()))
}

/// Why a delivery cannot be sent again.
#[derive(Debug, thiserror::Error)]
pub enum RedeliverError {
    #[error("the delivery was not found")]
    NotFound,
    #[error("the delivery is still being attempted; redeliver it once it has succeeded or failed")]
    InProgress,
    #[error("the webhook is disabled; enable it before redelivering")]
    WebhookDisabled,
    #[error(transparent)]
    Internal(#[from] crate::Error),
}

crate::error::command_error!(RedeliverError);

/// Sends a succeeded or failed delivery again, at once, with a fresh set of attempts.
pub async fn redeliver(
    engine: &Engine,
    org: &OrgId,
    webhook: &str,
    delivery: &str,
) -> Result<Delivery, RedeliverError> {
    let now = engine.now();
    let mut tx = engine.db().begin_write().await?;
    let found = find(&mut *tx, org, webhook)
        .await?
        .ok_or(RedeliverError::NotFound)?;
    if found.status == WebhookStatus::Disabled {
        return Err(RedeliverError::WebhookDisabled);
    }
    let updated = sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, max_attempts = attempts + $2, next_attempt_at = $3, locked_until = NULL, updated_at = $4
         WHERE id = $5 AND webhook_id = $6 AND status IN ($7, $8)",
    )
    .bind(DeliveryStatus::Pending)
    .bind(MAX_ATTEMPTS)
    .bind(now)
    .bind(now)
    .bind(delivery)
    .bind(webhook)
    .bind(DeliveryStatus::Succeeded)
    .bind(DeliveryStatus::Failed)
    .execute(&mut *tx)
    .await?;
    let current: Option<Delivery> = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.id = $1 AND d.webhook_id = $2"
    ))
    .bind(delivery)
    .bind(webhook)
    .fetch_optional(&mut *tx)
    .await?;
    let current = current.ok_or(RedeliverError::NotFound)?;
    if updated.rows_affected() == 0 {
        return Err(RedeliverError::InProgress);
    }
    db::notify(&mut tx, Channel::Deliveries).await?;
    tx.commit().await?;
    Ok(current)
}

/// What a webhook needs to sign: the current secret and, during an overlap, the previous one.
pub(crate) struct Signing {
    pub url: String,
    pub status: WebhookStatus,
    pub secrets: Vec<String>,
}

/// Reads a webhook's URL, status and signing secrets (`None` when it was deleted).
pub(crate) async fn signing(engine: &Engine, webhook: &WebhookId) -> Result<Option<Signing>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        url: String,
        status: WebhookStatus,
        secret: String,
        previous_secret: Option<String>,
        previous_secret_expires_at: Option<Timestamp>,
    }
    let row: Option<Row> =
        sqlx::query_as(
            "SELECT url, status, secret, previous_secret, previous_secret_expires_at FROM webhooks WHERE id = $1",
        )
        .bind(webhook)
        .fetch_optional(engine.db().pool())
        .await?;
    let now = engine.now();
    Ok(row.map(|row| {
        let mut secrets = vec![row.secret];
        if let (Some(previous), Some(until)) = (row.previous_secret, row.previous_secret_expires_at)
            && until > now
        {
            secrets.push(previous);
        }
        Signing {
            url: row.url,
            status: row.status,
            secrets,
        }
    }))
}

/// The JSON of an event as the API renders it and a delivery sends it.
pub fn event_document(event: &crate::events::Event) -> Value {
    serde_json::json!({ "data": crate::render::event(event) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_wants_its_events_or_every_event_with_a_star() {
        let some = vec![names::SHARE_TOKEN_INBOUND_CREATED.to_owned()];
        let all = vec!["*".to_owned()];

        assert!(wants(&some, names::SHARE_TOKEN_INBOUND_CREATED));
        assert!(!wants(&some, names::INQUIRY_COMPLETED));
        assert!(wants(&all, names::INQUIRY_COMPLETED));
    }

    #[test]
    fn enabled_events_must_be_known_names_or_a_star() {
        assert!(check_events(&["*".to_owned()]).is_ok());
        assert!(matches!(check_events(&[]), Err(WebhookError::NoEvents)));
        assert!(matches!(
            check_events(&["inquiry.completed".to_owned(), "nope".to_owned()]),
            Err(WebhookError::UnknownEvent(1))
        ));
    }
}
