//! Benchmark data: fills a database with a destination organization holding many share tokens,
//! events and objects (`tessera generate`), so that anyone can rerun the growth figures.
//!
//! Every generated row is a copy of a real one: a handful of templates are made through the
//! engine's own functions (tokens created, redeemed, expired, failed, one shared back the other
//! way; the objects and events those made), then copied under fresh ids by one
//! `INSERT … SELECT` per batch, so the rows read back exactly as the engine writes them and a
//! million of each takes seconds rather than hours.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::Engine;
use crate::connections::{self, ConnectionAction};
use crate::error::{Error, Result};
use crate::ids::{EventId, OrgId, ShareTokenId, TransactionId};
use crate::orgs::ApiKey;
use crate::redemption::{self, Redeem};
use crate::scenarios;
use crate::share_tokens::{self, CreateShareToken, DEFAULT_TTL_SECONDS};
use crate::{events, worker};

/// How many rows of each kind to add.
#[derive(Clone, Copy, Debug)]
pub struct Volume {
    pub tokens: u64,
    pub events: u64,
    pub objects: u64,
}

/// What was made: the organizations to read the rows as, and how long it took.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Generated {
    /// The organization holding the generated rows (most tokens inbound, one in ten outbound).
    pub destination_organization_id: OrgId,
    #[serde(skip)]
    pub destination_key: ApiKey,
    pub source_organization_id: OrgId,
    /// The connection the inbound tokens travel on.
    pub connection_id: String,
    pub tokens: u64,
    pub events: u64,
    pub objects: u64,
    #[serde(skip)]
    pub elapsed: Duration,
}

/// Rows copied per statement, each batch its own transaction.
const BATCH: usize = 10_000;

/// The columns a copy takes from its template, by table; `id` comes from the batch. A copied
/// inquiry gets no session (a session token's hash belongs to one inquiry).
const TOKEN_COLUMNS: &[(&str, &str)] = &[
    ("connection_id", "t.connection_id"),
    ("source_organization_id", "t.source_organization_id"),
    (
        "destination_organization_id",
        "t.destination_organization_id",
    ),
    ("source_type", "t.source_type"),
    ("source_id", "t.source_id"),
    ("snapshot", "t.snapshot"),
    ("status", "t.status"),
    ("destination_id", "t.destination_id"),
    ("field_mappings", "t.field_mappings"),
    ("hydration_report", "t.hydration_report"),
    ("failure_reason", "t.failure_reason"),
    ("failure_code", "t.failure_code"),
    ("created_at", "t.created_at"),
    ("updated_at", "t.updated_at"),
    ("pending_at", "t.pending_at"),
    ("redeemed_at", "t.redeemed_at"),
    ("expires_at", "t.expires_at"),
    ("failed_at", "t.failed_at"),
];
const EVENT_COLUMNS: &[(&str, &str)] = &[
    ("organization_id", "t.organization_id"),
    ("name", "t.name"),
    ("payload", "t.payload"),
    ("created_at", "t.created_at"),
];
const OBJECT_COLUMNS: &[(&str, &str)] = &[
    ("kind", "t.kind"),
    ("organization_id", "t.organization_id"),
    ("schema_id", "t.schema_id"),
    ("reference_id", "t.reference_id"),
    ("fields", "t.fields"),
    ("status", "t.status"),
    ("run", "t.run"),
    ("session_token_hash", "NULL"),
    ("expires_at", "t.expires_at"),
    ("completed_at", "t.completed_at"),
    ("failed_at", "t.failed_at"),
    ("reviewed_at", "t.reviewed_at"),
    ("created_at", "t.created_at"),
    ("updated_at", "t.updated_at"),
];

/// Adds two new organizations and `volume` rows for the destination. Prints nothing; the
/// caller reports. Each batch commits on its own, so a run stopped halfway leaves whole rows.
pub async fn generate(engine: &Engine, volume: Volume) -> Result<Generated> {
    let started = Instant::now();
    let templates = templates(engine).await?;
    // Token mix, in a cycle of 20: 14 redeemed, 3 waiting, 1 expired, 1 failed (inbound), and
    // 1 the destination shared itself (outbound).
    let token_cycle: Vec<&ShareTokenId> = std::iter::repeat_n(&templates.redeemed, 14)
        .chain(std::iter::repeat_n(&templates.created, 3))
        .chain([&templates.expired, &templates.failed, &templates.outbound])
        .collect();
    // Each table fills on its own connection: on PostgreSQL the three run at once (its work is
    // in the server's backends, one per connection); on SQLite their batches take turns at the
    // one writer while the others' JSON parameters are built.
    let skip_checks = copies_skip_reference_checks(engine).await?;
    let tokens = copy(
        engine,
        skip_checks,
        "share_tokens",
        TOKEN_COLUMNS,
        volume.tokens,
        || ShareTokenId::new().to_string(),
        |n| token_cycle[n % token_cycle.len()].as_str(),
    );
    let events = copy(
        engine,
        skip_checks,
        "events",
        EVENT_COLUMNS,
        volume.events,
        || EventId::new().to_string(),
        |n| templates.events[n % templates.events.len()].as_str(),
    );
    // Objects: hydrated transactions, one in four still empty.
    let objects = copy(
        engine,
        skip_checks,
        "objects",
        OBJECT_COLUMNS,
        volume.objects,
        || TransactionId::new().to_string(),
        |n| {
            if n % 4 == 3 {
                templates.empty_transaction.as_str()
            } else {
                templates.hydrated_transaction.as_str()
            }
        },
    );
    tokio::try_join!(tokens, events, objects)?;
    if engine.db().dialect() == crate::db::Dialect::Postgres {
        // Fresh statistics, as after any bulk load: autovacuum would gather them within a minute
        // or so, and until then the planner guesses (a connection's list read at 10 k tokens
        // took 12 ms instead of 1). SQLite plans without statistics.
        sqlx::query("ANALYZE share_tokens, events, objects")
            .execute(engine.db().pool())
            .await?;
    }
    Ok(Generated {
        destination_organization_id: templates.destination,
        destination_key: templates.destination_key,
        source_organization_id: templates.source,
        connection_id: templates.connection,
        tokens: volume.tokens,
        events: volume.events,
        objects: volume.objects,
        elapsed: started.elapsed(),
    })
}

/// The real rows the generated ones copy.
struct Templates {
    source: OrgId,
    destination: OrgId,
    destination_key: ApiKey,
    connection: String,
    redeemed: ShareTokenId,
    created: ShareTokenId,
    expired: ShareTokenId,
    failed: ShareTokenId,
    outbound: ShareTokenId,
    hydrated_transaction: String,
    empty_transaction: String,
    events: Vec<String>,
}

async fn templates(engine: &Engine) -> Result<Templates> {
    let load = scenarios::redemption_load(engine, 4).await?;
    let token = |n: usize| {
        ShareTokenId::parse(&load.work[n].0)
            .map_err(|_| Error::Internal("the scenario made an invalid token id".into()))
    };
    let (redeemed, created, expired, failed) = (token(0)?, token(1)?, token(2)?, token(3)?);
    let hydrated_transaction = load.work[0].1.clone();
    let empty_transaction = load.work[1].1.clone();
    redemption::redeem(
        engine,
        &load.destination,
        &Redeem {
            token_id: redeemed.clone(),
            destination_id: hydrated_transaction.clone(),
            mappings: Vec::new(),
        },
    )
    .await
    .map_err(|err| Error::Internal(format!("the template redemption was refused: {err:?}")))?;
    worker::run_pending(engine).await?;
    // An expired and a failed token, as the engine leaves them (an expired one is written
    // `expired` by the sweep; a failed one keeps only a code).
    let mut tx = engine.db().begin_write().await?;
    sqlx::query("UPDATE share_tokens SET expires_at = created_at WHERE id = $1")
        .bind(&expired)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE share_tokens SET status = 'failed', failure_code = 'internal-error',
                failed_at = created_at, updated_at = created_at WHERE id = $1",
    )
    .bind(&failed)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    share_tokens::sweep_expired(engine).await?;
    // The destination shares its hydrated transaction back with the source: an outbound token.
    let token_row = share_tokens::get(engine, &load.destination, &redeemed).await?;
    let source = token_row.source_organization_id.clone();
    let back = connections::create(engine, &load.destination, &source)
        .await
        .map_err(|err| Error::Internal(format!("the reverse connection: {err:?}")))?;
    connections::act(engine, &source, &back.id, ConnectionAction::Accept)
        .await
        .map_err(|err| Error::Internal(format!("accepting the reverse connection: {err:?}")))?;
    let outbound = share_tokens::create(
        engine,
        &load.destination,
        &CreateShareToken {
            connection_id: back.id.clone(),
            source_id: hydrated_transaction.clone(),
            expires_in_seconds: DEFAULT_TTL_SECONDS,
        },
    )
    .await
    .map_err(|err| Error::Internal(format!("the outbound template token: {err:?}")))?
    .id;
    let page = crate::paging::PageRequest {
        size: 100,
        after: None,
    };
    let events: Vec<String> = events::list(engine, &load.destination, None, &page)
        .await?
        .items
        .into_iter()
        .map(|e| e.id.to_string())
        .collect();
    if events.is_empty() {
        return Err(Error::Internal(
            "the template redemption recorded no event".into(),
        ));
    }
    Ok(Templates {
        source,
        destination: load.destination,
        destination_key: load.destination_key,
        connection: token_row.connection_id.to_string(),
        redeemed,
        created,
        expired,
        failed,
        outbound,
        hydrated_transaction,
        empty_transaction,
        events,
    })
}

/// True when this connection may skip PostgreSQL's foreign-key checks for the copies (a superuser:
/// `session_replication_role = replica`, what `pg_restore --disable-triggers` does). A copy
/// references exactly what its template references, which the checks already passed; they were
/// 40 % of a copy's time (a row-locking lookup per reference, three per share token).
async fn copies_skip_reference_checks(engine: &Engine) -> Result<bool> {
    if engine.db().dialect() != crate::db::Dialect::Postgres {
        return Ok(false);
    }
    let superuser: String = sqlx::query_scalar("SELECT current_setting('is_superuser')")
        .fetch_one(engine.db().pool())
        .await?;
    Ok(superuser == "on")
}

/// Adds `count` copies to `table`: the n-th gets `new_id()` and the columns of row `template(n)`.
///
/// A batch's ids and templates travel as one JSON parameter (`[[id, template], …]`) unpacked by
/// the database, not as two parameters per row: SQLite looks each numbered parameter (`$N`) up
/// in a list while it prepares and binds a statement, so a statement of 10,000 of them spent
/// most of the generator's time there (about 90 µs per row).
///
/// The ids are made first and written in ascending order: each is as random as any id the
/// engine makes, but the `id` index then grows at its end, as the `seq` indexes do. Random ids
/// written in batches touch nearly every page of that index in every batch, and each batch's
/// commit writes those pages again (SQLite, 1 M events: 27 s → 13 s).
async fn copy<'t>(
    engine: &Engine,
    skip_reference_checks: bool,
    table: &str,
    columns: &[(&str, &str)],
    count: u64,
    new_id: impl Fn() -> String,
    template: impl Fn(usize) -> &'t str,
) -> Result<()> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let values: Vec<&str> = columns.iter().map(|(_, value)| *value).collect();
    let pairs = match engine.db().dialect() {
        crate::db::Dialect::Sqlite => "json_each($1)",
        crate::db::Dialect::Postgres => "jsonb_array_elements($1::jsonb)",
    };
    let sql = format!(
        "INSERT INTO {table} (id, {}) SELECT v.value ->> 0, {} FROM {pairs} AS v
         JOIN {table} t ON t.id = v.value ->> 1",
        names.join(", "),
        values.join(", "),
    );
    let count = usize::try_from(count)
        .map_err(|_| Error::Internal("too many rows for this machine".into()))?;
    let mut ids: Vec<String> = (0..count).map(|_| new_id()).collect();
    ids.sort_unstable();
    let mut done = 0usize;
    while done < count {
        let rows = BATCH.min(count - done);
        let batch: Vec<[&str; 2]> = (done..done + rows)
            .map(|n| [ids[n].as_str(), template(n)])
            .collect();
        let batch = serde_json::to_string(&batch)
            .map_err(|err| Error::Internal(format!("a batch of ids as JSON: {err}")))?;
        let mut tx = engine.db().begin_write().await?;
        if engine.db().dialect() == crate::db::Dialect::Sqlite {
            // Three tables and their indexes grow at once: with SQLite's default 2 MiB page
            // cache the pages each batch writes at their ends are read again from the file.
            // This connection keeps 128 MiB of pages instead (it stays so for the pool's
            // lifetime: fine for the command line's short process and the benchmarks).
            sqlx::query("PRAGMA cache_size = -131072")
                .execute(&mut *tx)
                .await?;
        }
        if skip_reference_checks {
            sqlx::query("SET LOCAL session_replication_role = replica")
                .execute(&mut *tx)
                .await?;
        }
        let inserted = sqlx::query(&sql)
            .bind(batch)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted != rows as u64 {
            return Err(Error::Internal(format!(
                "{table}: {inserted} of {rows} copies written (a template row is missing)"
            )));
        }
        tx.commit().await?;
        done += rows;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{self, ObjectKind};
    use crate::paging::PageRequest;
    use crate::share_tokens::{ListFilter, ShareTokenStatus};

    #[tokio::test]
    async fn generated_rows_read_back_through_the_engine_like_real_ones() {
        let engine = crate::testing::engine().await;

        let generated = generate(
            &engine,
            Volume {
                tokens: 7_000,
                events: 6_000,
                objects: 5_001,
            },
        )
        .await
        .expect("the generator runs");

        let org = &generated.destination_organization_id;
        let count = |sql: &'static str| {
            let engine = engine.clone();
            let org = org.clone();
            async move {
                let n: i64 = sqlx::query_scalar(sql)
                    .bind(&org)
                    .fetch_one(engine.db().pool())
                    .await
                    .expect("a count");
                n
            }
        };
        let tokens = count(
            "SELECT COUNT(*) FROM share_tokens
             WHERE destination_organization_id = $1 OR source_organization_id = $1",
        )
        .await;
        // 7,000 generated plus the 5 templates.
        assert_eq!(
            tokens, 7_005,
            "every generated token should be the destination's"
        );
        let events = count("SELECT COUNT(*) FROM events WHERE organization_id = $1").await;
        assert!(
            events >= 6_000,
            "every generated event should be the destination's, found {events}"
        );
        let page = PageRequest {
            size: 100,
            after: None,
        };
        for status in [
            ShareTokenStatus::Redeemed,
            ShareTokenStatus::Created,
            ShareTokenStatus::Expired,
            ShareTokenStatus::Failed,
        ] {
            let filter = ListFilter {
                status: Some(status),
                ..Default::default()
            };
            let listed = share_tokens::list(&engine, org, &filter, &page)
                .await
                .expect("generated tokens list like real ones");
            assert_eq!(
                listed.items.len(),
                100,
                "a full page of {status:?} tokens should list"
            );
            assert!(
                listed
                    .items
                    .iter()
                    .all(|t| t.status_at(engine.now()) == status),
                "only {status:?} tokens should list"
            );
        }
        let objects = objects::list(&engine, org, ObjectKind::Transaction, &page)
            .await
            .expect("generated objects list like real ones");
        assert_eq!(objects.items.len(), 100);
        assert!(
            objects.items.iter().any(|o| !o.fields.is_empty()),
            "hydrated copies keep their fields"
        );
        let listed = events::list(&engine, org, None, &page)
            .await
            .expect("generated events list like real ones");
        assert_eq!(listed.items.len(), 100);
    }
}
