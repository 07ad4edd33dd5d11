//! Events (CONTRACT.md §6): written in the same transaction as the change that causes them, read by
//! the API, delivered by webhooks ([`crate::webhooks::fan_out`]) and acted on by workflows
//! ([`crate::workflows::trigger`]) queued in that same transaction.

use serde_json::{Value, json};

use crate::Engine;
use crate::error::Result;
use crate::ids::{EventId, OrgId};
use crate::paging::{ListStatement, Page, PageRequest};
use crate::time::Timestamp;

/// Names of the events Tessera emits.
pub mod names {
    pub const SHARE_TOKEN_INBOUND_CREATED: &str = "connect/share-token.inbound-created";
    pub const SHARE_TOKEN_OUTBOUND_CREATED: &str = "connect/share-token.outbound-created";
    pub const SHARE_TOKEN_INBOUND_REDEEMED: &str = "connect/share-token.inbound-redeemed";
    pub const SHARE_TOKEN_OUTBOUND_REDEEMED: &str = "connect/share-token.outbound-redeemed";
    pub const SHARE_TOKEN_INBOUND_FAILED: &str = "connect/share-token.inbound-failed";
    pub const SHARE_TOKEN_OUTBOUND_FAILED: &str = "connect/share-token.outbound-failed";
    pub const SHARE_TOKEN_INBOUND_EXPIRED: &str = "connect/share-token.inbound-expired";
    pub const SHARE_TOKEN_OUTBOUND_EXPIRED: &str = "connect/share-token.outbound-expired";
    pub const INQUIRY_CREATED: &str = "inquiry.created";
    pub const INQUIRY_STARTED: &str = "inquiry.started";
    pub const INQUIRY_COMPLETED: &str = "inquiry.completed";
    pub const INQUIRY_FAILED: &str = "inquiry.failed";
    pub const INQUIRY_MARKED_FOR_REVIEW: &str = "inquiry.marked-for-review";
    pub const TRANSACTION_CREATED: &str = "transaction.created";
    pub const ACCOUNT_CREATED: &str = "account.created";

    /// Every event name, for webhooks' and workflows' subscriptions.
    pub const ALL: [&str; 15] = [
        SHARE_TOKEN_INBOUND_CREATED,
        SHARE_TOKEN_OUTBOUND_CREATED,
        SHARE_TOKEN_INBOUND_REDEEMED,
        SHARE_TOKEN_OUTBOUND_REDEEMED,
        SHARE_TOKEN_INBOUND_FAILED,
        SHARE_TOKEN_OUTBOUND_FAILED,
        SHARE_TOKEN_INBOUND_EXPIRED,
        SHARE_TOKEN_OUTBOUND_EXPIRED,
        INQUIRY_CREATED,
        INQUIRY_STARTED,
        INQUIRY_COMPLETED,
        INQUIRY_FAILED,
        INQUIRY_MARKED_FOR_REVIEW,
        TRANSACTION_CREATED,
        ACCOUNT_CREATED,
    ];
}

/// A stored event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: EventId,
    pub organization_id: OrgId,
    pub name: String,
    /// `{"data": <the object as the API renders it>}`.
    pub payload: Value,
    pub created_at: Timestamp,
}

/// Records an event for `org` inside the caller's transaction.
pub async fn record(
    tx: &mut sqlx::AnyConnection,
    org: &OrgId,
    name: &str,
    data: Value,
    now: Timestamp,
) -> Result<EventId> {
    let mut ids = record_all(tx, [(org, name, data)], now).await?;
    Ok(ids.pop().expect("one event recorded"))
}

/// An event being recorded, as webhooks and workflows hear of it.
#[derive(Debug)]
pub struct Recorded {
    pub id: EventId,
    pub organization_id: OrgId,
    pub name: String,
    /// `{"data": …}`, as stored.
    pub payload: Value,
}

/// Records several events (each `(organization, name, data)`) inside the caller's transaction:
/// one insert for all of them, and one read each of the webhooks and the workflows that hear of
/// them, whatever their number (a share token's pair of events costs three statements, not six).
pub async fn record_all<'a>(
    tx: &mut sqlx::AnyConnection,
    events: impl IntoIterator<Item = (&'a OrgId, &'a str, Value)>,
    now: Timestamp,
) -> Result<Vec<EventId>> {
    let recorded: Vec<Recorded> = events
        .into_iter()
        .map(|(org, name, data)| Recorded {
            id: EventId::new(),
            organization_id: org.clone(),
            name: name.to_owned(),
            payload: json!({ "data": data }),
        })
        .collect();
    if recorded.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<String> = (0..recorded.len())
        .map(|n| {
            let p = n * 5;
            format!(
                "(${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO events (id, organization_id, name, payload, created_at) VALUES {}",
        rows.join(", ")
    );
    let payloads: Vec<String> = recorded.iter().map(|e| e.payload.to_string()).collect();
    let mut insert = sqlx::query(&sql);
    for (event, payload) in recorded.iter().zip(&payloads) {
        insert = insert
            .bind(&event.id)
            .bind(&event.organization_id)
            .bind(event.name.as_str())
            .bind(payload.as_str())
            .bind(now);
    }
    insert.execute(&mut *tx).await?;
    // Who hears of them, in the same transaction: nothing is lost between an event and its
    // deliveries or workflow runs.
    crate::webhooks::fan_out(tx, &recorded, now).await?;
    crate::workflows::trigger(tx, &recorded, now).await?;
    Ok(recorded.into_iter().map(|e| e.id).collect())
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: EventId,
    organization_id: OrgId,
    name: String,
    payload: String,
    created_at: Timestamp,
}

impl From<EventRow> for Event {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id,
            organization_id: row.organization_id,
            name: row.name,
            payload: serde_json::from_str(&row.payload).unwrap_or(Value::Null),
            created_at: row.created_at,
        }
    }
}

/// The list statement of `org`'s events (only those named `name`), newest first along the
/// `(organization, seq)` or `(organization, name, seq)` index.
fn list_sql(
    statement: &mut ListStatement,
    org: &OrgId,
    name: Option<&str>,
    page: &PageRequest,
) -> String {
    let org = statement.text(org.as_str());
    let mut conditions = vec![format!("organization_id = {org}")];
    if let Some(name) = name {
        conditions.push(format!("name = {}", statement.text(name)));
    }
    if let Some(after) = &page.after {
        let after = statement.text(after.as_str());
        conditions.push(format!(
            "seq < (SELECT seq FROM events WHERE id = {after} AND organization_id = {org})"
        ));
    }
    let limit = statement.int(page.limit());
    format!(
        "SELECT id, organization_id, name, payload, created_at FROM events WHERE {}
         ORDER BY seq DESC LIMIT {limit}",
        conditions.join(" AND ")
    )
}

/// `org`'s events, newest first, optionally only those named `name`.
pub async fn list(
    engine: &Engine,
    org: &OrgId,
    name: Option<&str>,
    page: &PageRequest,
) -> Result<Page<Event>> {
    let mut statement = ListStatement::default();
    let sql = list_sql(&mut statement, org, name, page);
    let rows: Vec<EventRow> = statement
        .query_as(&sql)
        .fetch_all(engine.db().pool())
        .await?;
    Ok(Page::from_rows(
        rows.into_iter().map(Event::from).collect(),
        page,
        |e| e.id.to_string(),
    ))
}

/// Reads an event by id, whoever's it is (the delivery loop; never an API answer).
pub(crate) async fn find(engine: &Engine, id: &EventId) -> Result<Event> {
    let row: Option<EventRow> = sqlx::query_as(
        "SELECT id, organization_id, name, payload, created_at FROM events WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(engine.db().pool())
    .await?;
    row.map(Event::from)
        .ok_or_else(|| crate::Error::Internal(format!("event {id} is missing")))
}

/// Reads one of `org`'s events.
pub async fn get(engine: &Engine, org: &OrgId, id: &str) -> Result<Event> {
    let row: Option<EventRow> =
        sqlx::query_as("SELECT id, organization_id, name, payload, created_at FROM events WHERE id = $1 AND organization_id = $2")
            .bind(id)
            .bind(org)
            .fetch_optional(engine.db().pool())
            .await?;
    row.map(Event::from)
        .ok_or_else(|| crate::Problem::not_found("the event").into())
}

#[cfg(test)]
mod list_plan_tests {
    use super::*;
    use crate::testing::{assert_list_plan_serves, list_plan};

    #[tokio::test]
    async fn every_event_list_filter_reads_an_index_that_serves_it_in_order() {
        let engine = crate::testing::engine().await;
        let org = OrgId::new();
        for name in [None, Some("connect/share-token.inbound-redeemed")] {
            for after in [None, Some("evt_y".to_owned())] {
                let page = PageRequest { size: 25, after };
                let mut statement = ListStatement::default();
                let sql = list_sql(&mut statement, &org, name, &page);

                let plan = list_plan(&engine, &sql, &statement).await;

                let columns: &[&str] = if name.is_some() {
                    &["name"]
                } else {
                    &["organization_id"]
                };
                assert_list_plan_serves(&plan, columns, true, &format!("{name:?} {page:?}"));
            }
        }
    }
}
