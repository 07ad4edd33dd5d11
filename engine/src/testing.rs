//! Helpers for the engine's own tests.

use crate::time::{Clock, Timestamp};
use crate::{Database, Engine};

/// 2026-11-25T12:00:00Z, the start of every manual test clock.
pub const TEST_START: Timestamp = Timestamp(1_795_435_200_000);

/// An engine over a fresh in-memory database with a manual clock at [`TEST_START`].
pub async fn engine() -> Engine {
    let db = Database::connect("sqlite::memory:")
        .await
        .expect("an in-memory database");
    Engine::new(db).with_clock(Clock::manual(TEST_START))
}
