//! Time as the engine sees it: a clock that tests can move, and timestamps stored as Unix
//! milliseconds and shown as RFC 3339 UTC.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// A point in time, in milliseconds since the Unix epoch (UTC).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    sqlx::Type,
    serde::Serialize,
    serde::Deserialize,
)]
#[sqlx(transparent)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }

    /// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-25T18:04:43.120Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    pub fn date(self) -> NaiveDate {
        self.to_datetime().date_naive()
    }

    pub fn plus(self, duration: Duration) -> Self {
        Self(
            self.0
                .saturating_add(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
        )
    }
}

/// Where the engine reads the time.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A clock that moves only when told (tests).
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// A manual clock starting at `start`.
    pub fn manual(start: Timestamp) -> Self {
        Self::Manual(Arc::new(AtomicI64::new(start.0)))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Self::System => Timestamp(Utc::now().timestamp_millis()),
            Self::Manual(ms) => Timestamp(ms.load(Ordering::SeqCst)),
        }
    }

    /// Moves a manual clock forward; does nothing to the system clock.
    pub fn advance(&self, by: Duration) {
        if let Self::Manual(ms) = self {
            ms.fetch_add(
                i64::try_from(by.as_millis()).unwrap_or(i64::MAX),
                Ordering::SeqCst,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_render_as_rfc3339_utc_with_milliseconds() {
        assert_eq!(
            Timestamp(1_764_093_883_120).to_rfc3339(),
            "2025-11-25T18:04:43.120Z"
        );
    }

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let clock = Clock::manual(Timestamp(1_000));

        clock.advance(Duration::from_secs(2));

        assert_eq!(clock.now(), Timestamp(3_000));
    }
}
