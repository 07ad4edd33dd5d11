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
