//! Helpers for the engine's own tests.

use crate::time::{Clock, Timestamp};
use crate::{Database, Engine};

/// 2026-11-25T12:00:00Z, the start of every manual test clock.
pub const TEST_START: Timestamp = Timestamp(1_795_435_200_000);

/// An engine over a fresh in-memory database with a manual clock at [`TEST_START`].
pub async fn engine() -> Engine {
    let db = Database::connect(&crate::db::test_database_url("sqlite::memory:").await)
        .await
        .expect("an in-memory database");
    Engine::new(db).with_clock(Clock::manual(TEST_START))
}

/// A schema from the storage form of its field declarations (`[{"key", "type", …}]`).
pub fn schema(fields: serde_json::Value) -> crate::fields::Schema {
    crate::fields::Schema::new(serde_json::from_value(fields).expect("field declarations"))
        .expect("a valid schema")
}

/// How the database would run a list statement: one line per step. SQLite's `EXPLAIN QUERY
/// PLAN`; on PostgreSQL `EXPLAIN` with sequential and bitmap scans switched off (an empty test
/// table would otherwise always be scanned), so the plan shows which index serves the statement
/// and whether a sort is still needed.
pub async fn list_plan(
    engine: &Engine,
    sql: &str,
    statement: &crate::paging::ListStatement,
) -> Vec<String> {
    use crate::db::Dialect;
    let explain = format!("EXPLAIN QUERY PLAN {sql}");
    match engine.db().dialect() {
        Dialect::Sqlite => {
            let rows: Vec<(i64, i64, i64, String)> = statement
                .query_as(&explain)
                .fetch_all(engine.db().pool())
                .await
                .unwrap_or_else(|e| panic!("SQLite explains {sql}: {e}"));
            rows.into_iter().map(|r| r.3).collect()
        }
        Dialect::Postgres => {
            let mut conn = engine.db().pool().acquire().await.expect("a connection");
            for setting in ["SET enable_seqscan = off", "SET enable_bitmapscan = off"] {
                sqlx::query(setting)
                    .execute(&mut *conn)
                    .await
                    .expect("a planner setting");
            }
            let explain = format!("EXPLAIN {sql}");
            let rows: Vec<(String,)> = statement
                .query_as(&explain)
                .fetch_all(&mut *conn)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL explains {sql}: {e}"));
            for setting in ["RESET enable_seqscan", "RESET enable_bitmapscan"] {
                sqlx::query(setting)
                    .execute(&mut *conn)
                    .await
                    .expect("a planner setting");
            }
            rows.into_iter().map(|r| r.0).collect()
        }
    }
}

/// Checks a list statement's plan: no step reads a whole table (or merges indexes, or gathers
/// a bitmap, which loses the order), every index condition names each of `columns` (the
/// filter the index must serve), and a statement of one read needs no sort.
pub fn assert_list_plan_serves(plan: &[String], columns: &[&str], single_read: bool, what: &str) {
    let text = plan.join("\n");
    for refused in ["MULTI-INDEX", "Seq Scan", "Bitmap"] {
        assert!(
            !text.contains(refused),
            "{what}: the plan has {refused}:\n{text}"
        );
    }
    assert!(
        !plan
            .iter()
            .any(|line| line.trim_start().starts_with("SCAN ")
                && !line.contains("SUBQUERY")
                && !line.contains(" read")),
        "{what}: the plan scans a table:\n{text}"
    );
    // SQLite: `SEARCH t USING INDEX i (a=? AND b=?)`; PostgreSQL: `Index Cond: ((a = $1) …)`.
    // The cursor's lookup by id is not the list's read: SQLite's `SEARCH … (id=?)`, and
    // PostgreSQL's `InitPlan` subtree (indented under it).
    let mut conditions: Vec<&String> = Vec::new();
    let mut init_plan_indent: Option<usize> = None;
    for line in plan {
        let indent = line.len() - line.trim_start().len();
        match init_plan_indent {
            Some(at) if indent > at => continue,
            _ => init_plan_indent = None,
        }
        if line.contains("InitPlan") || line.contains("SubPlan") {
            init_plan_indent = Some(indent);
            continue;
        }
        if (line.contains("SEARCH ") || line.contains("Index Cond:")) && !line.contains("(id=?)") {
            conditions.push(line);
        }
    }
    assert!(
        !conditions.is_empty(),
        "{what}: the plan searches no index:\n{text}"
    );
    for line in conditions {
        for column in columns {
            assert!(
                line.contains(&format!("{column}=?")) || line.contains(&format!("{column} =")),
                "{what}: an index search does not use {column}:\n{text}"
            );
        }
    }
    if single_read {
        assert!(
            !text.contains("TEMP B-TREE") && !text.contains("Sort"),
            "{what}: the rows need sorting:\n{text}"
        );
    }
}
