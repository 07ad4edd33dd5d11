//! Connections: a source organization's trust in a destination, with its state machine
//! (pending → active → inactive → active).

use serde::{Deserialize, Serialize};

use crate::error::{Problem, Result};
use crate::ids::{ConnectionId, OrgId};
use crate::paging::{Page, PageRequest};
use crate::time::Timestamp;
use crate::{Engine, orgs};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "kebab-case")]
#[sqlx(rename_all = "lowercase")]
pub enum ConnectionStatus {
    Pending,
    Active,
    Inactive,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }
}

/// What a side of a connection asks of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionAction {
    /// The destination accepts (a pending or deactivated connection becomes active).
    Accept,
    /// Either side deactivates.
    Deactivate,
}

/// Which side of a connection an organization is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Source,
    Destination,
}

/// The state machine: the new status, or why the action is not allowed.
pub fn transition(
    status: ConnectionStatus,
    action: ConnectionAction,
    side: Side,
) -> Result<ConnectionStatus, Problem> {
    use ConnectionAction::*;
    use ConnectionStatus::*;
    match (action, side, status) {
        (Accept, Side::Source, _) => Err(Problem::not_found("the connection")),
        (Accept, Side::Destination, Pending | Inactive) => Ok(Active),
        (Accept, Side::Destination, Active) => Err(Problem::conflict(
            "connection-already-active",
            "the connection is already active",
        )),
        (Deactivate, _, Pending | Active) => Ok(Inactive),
        (Deactivate, _, Inactive) => Err(Problem::conflict(
            "connection-already-inactive",
            "the connection is already inactive",
        )),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Connection {
    pub id: ConnectionId,
    pub source_organization_id: OrgId,
    pub destination_organization_id: OrgId,
    pub status: ConnectionStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Connection {
    /// The side `org` is on, if it is a party to the connection.
    pub fn side_of(&self, org: &OrgId) -> Option<Side> {
        if &self.source_organization_id == org {
            Some(Side::Source)
        } else if &self.destination_organization_id == org {
            Some(Side::Destination)
        } else {
            None
        }
    }
}

const COLUMNS: &str =
    "id, source_organization_id, destination_organization_id, status, created_at, updated_at";

/// The source organization `org` proposes a connection to `destination` (status `pending`).
pub async fn create(engine: &Engine, org: &OrgId, destination: &str) -> Result<Connection> {
    const POINTER: &str = "/data/attributes/destination-organization-id";
    let destination = OrgId::parse(destination).map_err(|e| {
        Problem::invalid("invalid-destination-organization", e.to_string(), POINTER)
    })?;
    if &destination == org {
        return Err(Problem::invalid(
            "invalid-destination-organization",
            "an organization cannot connect to itself",
            POINTER,
        )
        .into());
    }
    if orgs::find(engine.db().pool(), &destination)
        .await?
        .is_none()
    {
        return Err(Problem::invalid(
            "invalid-destination-organization",
            "no organization has this id",
            POINTER,
        )
        .into());
    }
    let now = engine.now();
    let connection = Connection {
        id: ConnectionId::new(),
        source_organization_id: org.clone(),
        destination_organization_id: destination,
        status: ConnectionStatus::Pending,
        created_at: now,
        updated_at: now,
    };
    let mut tx = engine.db().begin_write().await?;
    sqlx::query(&format!(
        "INSERT INTO connections ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
    ))
    .bind(&connection.id)
    .bind(&connection.source_organization_id)
    .bind(&connection.destination_organization_id)
    .bind(connection.status)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(connection)
}

/// A connection `org` is a party to; 404 otherwise.
pub async fn get(engine: &Engine, org: &OrgId, id: &str) -> Result<Connection> {
    find(engine.db().pool(), id)
        .await?
        .filter(|c| c.side_of(org).is_some())
        .ok_or_else(|| Problem::not_found("the connection").into())
}

pub(crate) async fn find<'e>(
    executor: impl sqlx::SqliteExecutor<'e>,
    id: &str,
) -> Result<Option<Connection>> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM connections WHERE id = ?"))
            .bind(id)
            .fetch_optional(executor)
            .await?,
    )
}

/// Applies `action` for `org`; the update checks the old status so races cannot double-apply.
pub async fn act(
    engine: &Engine,
    org: &OrgId,
    id: &str,
    action: ConnectionAction,
) -> Result<Connection> {
    let mut connection = get(engine, org, id).await?;
    let side = connection
        .side_of(org)
        .expect("get only returns connections org is a party to");
    let next = transition(connection.status, action, side)?;
    let now = engine.now();
    let mut tx = engine.db().begin_write().await?;
    let updated = sqlx::query(
        "UPDATE connections SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
    )
    .bind(next)
    .bind(now)
    .bind(&connection.id)
    .bind(connection.status)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Problem::conflict(
            "connection-changed",
            "the connection changed meanwhile; read it again",
        )
        .into());
    }
    tx.commit().await?;
    connection.status = next;
    connection.updated_at = now;
    Ok(connection)
}

/// Connections `org` is a party to, newest first.
pub async fn list(engine: &Engine, org: &OrgId, page: &PageRequest) -> Result<Page<Connection>> {
    let rows: Vec<Connection> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM connections
         WHERE (source_organization_id = ?1 OR destination_organization_id = ?1)
           AND (?2 IS NULL OR seq < (SELECT seq FROM connections WHERE id = ?2))
         ORDER BY seq DESC LIMIT ?3"
    ))
    .bind(org)
    .bind(&page.after)
    .bind(page.limit())
    .fetch_all(engine.db().pool())
    .await?;
    Ok(Page::from_rows(rows, page, |c| c.id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::engine;
    use ConnectionAction::*;
    use ConnectionStatus::*;

    #[test]
    fn the_state_machine_allows_exactly_the_documented_transitions() {
        assert_eq!(transition(Pending, Accept, Side::Destination), Ok(Active));
        assert_eq!(transition(Active, Deactivate, Side::Source), Ok(Inactive));
        assert_eq!(
            transition(Active, Deactivate, Side::Destination),
            Ok(Inactive)
        );
        assert_eq!(transition(Inactive, Accept, Side::Destination), Ok(Active));
        assert_eq!(transition(Pending, Deactivate, Side::Source), Ok(Inactive));
        assert_eq!(
            transition(Active, Accept, Side::Destination)
                .unwrap_err()
                .code,
            "connection-already-active"
        );
        assert_eq!(
            transition(Inactive, Deactivate, Side::Source)
                .unwrap_err()
                .code,
            "connection-already-inactive"
        );
        assert_eq!(
            transition(Pending, Accept, Side::Source).unwrap_err().code,
            "not-found",
            "only the destination accepts"
        );
    }

    #[tokio::test]
    async fn a_connection_goes_pending_active_inactive_active() {
        let engine = engine().await;
        let (source, _) = orgs::create(&engine, "Source", &[]).await.unwrap();
        let (destination, _) = orgs::create(&engine, "Destination", &[]).await.unwrap();

        let created = create(&engine, &source.id, destination.id.as_str())
            .await
            .unwrap();
        let accepted = act(&engine, &destination.id, created.id.as_str(), Accept)
            .await
            .unwrap();
        let deactivated = act(&engine, &source.id, created.id.as_str(), Deactivate)
            .await
            .unwrap();
        let reactivated = act(&engine, &destination.id, created.id.as_str(), Accept)
            .await
            .unwrap();

        assert_eq!(
            [
                created.status,
                accepted.status,
                deactivated.status,
                reactivated.status
            ],
            [Pending, Active, Inactive, Active]
        );
    }

    #[tokio::test]
    async fn a_third_organization_cannot_see_or_act_on_a_connection() {
        let engine = engine().await;
        let (source, _) = orgs::create(&engine, "Source", &[]).await.unwrap();
        let (destination, _) = orgs::create(&engine, "Destination", &[]).await.unwrap();
        let (stranger, _) = orgs::create(&engine, "Stranger", &[]).await.unwrap();
        let connection = create(&engine, &source.id, destination.id.as_str())
            .await
            .unwrap();

        let read = get(&engine, &stranger.id, connection.id.as_str())
            .await
            .unwrap_err();
        let accept = act(&engine, &stranger.id, connection.id.as_str(), Accept)
            .await
            .unwrap_err();
        let listed = list(&engine, &stranger.id, &PageRequest::default())
            .await
            .unwrap();

        assert_eq!(read.code(), Some("not-found"));
        assert_eq!(accept.code(), Some("not-found"));
        assert!(listed.items.is_empty());
    }

    #[tokio::test]
    async fn connecting_to_an_unknown_organization_or_to_itself_is_refused() {
        let engine = engine().await;
        let (source, _) = orgs::create(&engine, "Source", &[]).await.unwrap();

        let unknown = create(&engine, &source.id, crate::ids::OrgId::new().as_str())
            .await
            .unwrap_err();
        let itself = create(&engine, &source.id, source.id.as_str())
            .await
            .unwrap_err();
        let malformed = create(&engine, &source.id, "acme").await.unwrap_err();

        for err in [unknown, itself, malformed] {
            assert_eq!(err.code(), Some("invalid-destination-organization"));
        }
    }

    #[tokio::test]
    async fn lists_page_newest_first() {
        let engine = engine().await;
        let (source, _) = orgs::create(&engine, "Source", &[]).await.unwrap();
        let mut ids = Vec::new();
        for n in 0..3 {
            let (destination, _) = orgs::create(&engine, &format!("D{n}"), &[]).await.unwrap();
            ids.push(
                create(&engine, &source.id, destination.id.as_str())
                    .await
                    .unwrap()
                    .id,
            );
        }

        let first = list(
            &engine,
            &source.id,
            &PageRequest {
                size: 2,
                after: None,
            },
        )
        .await
        .unwrap();
        let second = list(
            &engine,
            &source.id,
            &PageRequest {
                size: 2,
                after: first.next_after.clone(),
            },
        )
        .await
        .unwrap();

        assert_eq!(
            first.items.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
            [ids[2].clone(), ids[1].clone()]
        );
        assert_eq!(
            second
                .items
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>(),
            [ids[0].clone()]
        );
        assert_eq!(second.next_after, None);
    }
}
