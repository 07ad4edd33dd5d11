//! Connections: a source organization's trust in a destination, with its state machine
//! (pending → active → inactive; only the source brings an inactive one back, to pending).
//! A deactivation by the source is a revocation: its `created` tokens expire with it.

use crate::db::{Dialect, Lock};
use crate::error::Result;
use crate::ids::{ConnectionId, OrgId};
use crate::paging::{Page, PageRequest};
use crate::time::Timestamp;
use crate::{Engine, orgs, share_tokens};

pub use domain::lifecycle::{
    ConnectionAction, ConnectionRefusal, ConnectionStatus, Side,
    connection_transition as transition,
};

/// Why a connection cannot be proposed.
#[derive(Debug, thiserror::Error)]
pub enum CreateConnectionError {
    #[error("an organization cannot connect to itself")]
    ToItself,
    #[error("no organization has this id")]
    UnknownOrganization,
    #[error(transparent)]
    Internal(#[from] crate::Error),
}

/// Why an action on a connection did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("the connection was not found")]
    NotFound,
    /// The state machine does not allow it from here, for this side.
    #[error(transparent)]
    Refused(ConnectionRefusal),
    /// Another action changed the connection between reading and writing it.
    #[error("the connection changed meanwhile; read it again")]
    Changed,
    #[error(transparent)]
    Internal(#[from] crate::Error),
}

crate::error::command_error!(CreateConnectionError);
crate::error::command_error!(ActError);

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Connection {
    pub id: ConnectionId,
    pub source_organization_id: OrgId,
    pub destination_organization_id: OrgId,
    pub status: ConnectionStatus,
    /// Who deactivated an inactive connection.
    pub deactivated_by: Option<Side>,
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

const COLUMNS: &str = "id, source_organization_id, destination_organization_id, status, deactivated_by, created_at, updated_at";

/// The source organization `org` proposes a connection to `destination` (status `pending`).
pub async fn create(
    engine: &Engine,
    org: &OrgId,
    destination: &OrgId,
) -> std::result::Result<Connection, CreateConnectionError> {
    if destination == org {
        return Err(CreateConnectionError::ToItself);
    }
    if orgs::find(engine.db().pool(), destination).await?.is_none() {
        return Err(CreateConnectionError::UnknownOrganization);
    }
    let now = engine.now();
    let connection = Connection {
        id: ConnectionId::new(),
        source_organization_id: org.clone(),
        destination_organization_id: destination.clone(),
        status: ConnectionStatus::Pending,
        deactivated_by: None,
        created_at: now,
        updated_at: now,
    };
    let mut tx = engine.db().begin_write().await?;
    sqlx::query(&format!(
        "INSERT INTO connections ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(&connection.id)
    .bind(&connection.source_organization_id)
    .bind(&connection.destination_organization_id)
    .bind(connection.status)
    .bind(connection.deactivated_by)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(connection)
}

/// A connection `org` is a party to; `None` for any other.
pub async fn get(engine: &Engine, org: &OrgId, id: &ConnectionId) -> Result<Option<Connection>> {
    Ok(find(engine.db().pool(), id)
        .await?
        .filter(|c| c.side_of(org).is_some()))
}

pub(crate) async fn find<'e>(
    executor: impl sqlx::AnyExecutor<'e>,
    id: &ConnectionId,
) -> Result<Option<Connection>> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM connections WHERE id = $1"))
            .bind(id)
            .fetch_optional(executor)
            .await?,
    )
}

/// The connection, which cannot change status until the transaction ends (PostgreSQL takes a
/// share lock; SQLite's write transaction already excludes every other writer).
pub(crate) async fn find_for_share(
    tx: &mut sqlx::AnyConnection,
    id: &ConnectionId,
) -> Result<Option<Connection>> {
    let select = format!("SELECT {COLUMNS} FROM connections WHERE id = $1");
    Ok(
        sqlx::query_as(&Dialect::of(tx).locked(&select, Lock::Share))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

/// Applies `action` for `org`; the update checks the old status so races cannot double-apply.
/// A deactivation by the source expires its `created` tokens over the connection (with their
/// events) in the same transaction.
pub async fn act(
    engine: &Engine,
    org: &OrgId,
    id: &ConnectionId,
    action: ConnectionAction,
) -> std::result::Result<Connection, ActError> {
    let mut connection = get(engine, org, id).await?.ok_or(ActError::NotFound)?;
    let side = connection
        .side_of(org)
        .expect("get only returns connections org is a party to");
    let (next, deactivated_by) =
        transition(connection.status, action, side).map_err(ActError::Refused)?;
    let now = engine.now();
    let mut tx = engine.db().begin_write().await?;
    let updated = sqlx::query(
        "UPDATE connections SET status = $1, deactivated_by = $2, updated_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(next)
    .bind(deactivated_by)
    .bind(now)
    .bind(&connection.id)
    .bind(connection.status)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ActError::Changed);
    }
    if deactivated_by == Some(Side::Source) {
        for token in share_tokens::created_over(&mut tx, &connection.id).await? {
            share_tokens::expire_in(&mut tx, &token, now).await?;
        }
    }
    tx.commit().await?;
    connection.status = next;
    connection.deactivated_by = deactivated_by;
    connection.updated_at = now;
    Ok(connection)
}

/// Connections `org` is a party to, newest first.
pub async fn list(engine: &Engine, org: &OrgId, page: &PageRequest) -> Result<Page<Connection>> {
    let rows: Vec<Connection> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM connections
         WHERE (source_organization_id = $1 OR destination_organization_id = $1)
           AND ($2 IS NULL OR seq < (SELECT seq FROM connections WHERE id = $2))
         ORDER BY seq DESC LIMIT $3"
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
        use Side::{Destination, Source};
        assert_eq!(transition(Pending, Accept, Destination), Ok((Active, None)));
        assert_eq!(
            transition(Active, Deactivate, Source),
            Ok((Inactive, Some(Source)))
        );
        assert_eq!(
            transition(Active, Deactivate, Destination),
            Ok((Inactive, Some(Destination)))
        );
        assert_eq!(
            transition(Inactive, Reactivate, Source),
            Ok((Pending, None))
        );
        assert_eq!(
            transition(Pending, Deactivate, Source),
            Ok((Inactive, Some(Source)))
        );
        let refused = [
            (
                Active,
                Accept,
                Destination,
                ConnectionRefusal::AlreadyActive,
            ),
            (Inactive, Accept, Destination, ConnectionRefusal::Inactive),
            (
                Inactive,
                Deactivate,
                Source,
                ConnectionRefusal::AlreadyInactive,
            ),
            (Pending, Accept, Source, ConnectionRefusal::DestinationOnly),
            (
                Inactive,
                Reactivate,
                Destination,
                ConnectionRefusal::SourceOnly,
            ),
            (Active, Reactivate, Source, ConnectionRefusal::NotInactive),
        ];
        for (status, action, side, refusal) in refused {
            assert_eq!(
                transition(status, action, side),
                Err(refusal),
                "{action:?} by the {side:?} on a {status:?} connection"
            );
        }
    }

    #[tokio::test]
    async fn a_connection_goes_pending_active_inactive_and_back_through_the_source() {
        let engine = engine().await;
        let (source, _) = orgs::create(&engine, "Source", &[]).await.unwrap();
        let (destination, _) = orgs::create(&engine, "Destination", &[]).await.unwrap();

        let created = create(&engine, &source.id, &destination.id).await.unwrap();
        let accepted = act(&engine, &destination.id, &created.id, Accept)
            .await
            .unwrap();
        let deactivated = act(&engine, &source.id, &created.id, Deactivate)
            .await
            .unwrap();
        let undo_by_destination = act(&engine, &destination.id, &created.id, Accept)
            .await
            .unwrap_err();
        let reactivated = act(&engine, &source.id, &created.id, Reactivate)
            .await
            .unwrap();
        let accepted_again = act(&engine, &destination.id, &created.id, Accept)
            .await
            .unwrap();

        assert_eq!(
            [
                created.status,
                accepted.status,
                deactivated.status,
                reactivated.status,
                accepted_again.status
            ],
            [Pending, Active, Inactive, Pending, Active]
        );
        assert_eq!(deactivated.deactivated_by, Some(Side::Source));
        assert!(
            matches!(
                undo_by_destination,
                ActError::Refused(ConnectionRefusal::Inactive)
            ),
            "the destination cannot undo the source's revocation: {undo_by_destination:?}"
        );
    }

    #[tokio::test]
    async fn a_third_organization_cannot_see_or_act_on_a_connection() {
        let engine = engine().await;
        let (source, _) = orgs::create(&engine, "Source", &[]).await.unwrap();
        let (destination, _) = orgs::create(&engine, "Destination", &[]).await.unwrap();
        let (stranger, _) = orgs::create(&engine, "Stranger", &[]).await.unwrap();
        let connection = create(&engine, &source.id, &destination.id).await.unwrap();

        let read = get(&engine, &stranger.id, &connection.id).await.unwrap();
        let accept = act(&engine, &stranger.id, &connection.id, Accept)
            .await
            .unwrap_err();
        let listed = list(&engine, &stranger.id, &PageRequest::default())
            .await
            .unwrap();

        assert_eq!(read, None);
        assert!(matches!(accept, ActError::NotFound), "{accept:?}");
        assert!(listed.items.is_empty());
    }

    #[tokio::test]
    async fn connecting_to_an_unknown_organization_or_to_itself_is_refused() {
        let engine = engine().await;
        let (source, _) = orgs::create(&engine, "Source", &[]).await.unwrap();

        let unknown = create(&engine, &source.id, &crate::ids::OrgId::new())
            .await
            .unwrap_err();
        let itself = create(&engine, &source.id, &source.id).await.unwrap_err();

        assert!(
            matches!(unknown, CreateConnectionError::UnknownOrganization),
            "{unknown:?}"
        );
        assert!(
            matches!(itself, CreateConnectionError::ToItself),
            "{itself:?}"
        );
    }

    #[tokio::test]
    async fn lists_page_newest_first() {
        let engine = engine().await;
        let (source, _) = orgs::create(&engine, "Source", &[]).await.unwrap();
        let mut ids = Vec::new();
        for n in 0..3 {
            let (destination, _) = orgs::create(&engine, &format!("D{n}"), &[]).await.unwrap();
            ids.push(
                create(&engine, &source.id, &destination.id)
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
