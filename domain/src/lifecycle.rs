//! Lifecycles as pure functions of (state, event) → state: connections, share tokens, inquiries.
//! Storage applies them with `UPDATE … WHERE status = <old>`, so a race cannot double-apply.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Active, Self::Inactive]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

#[cfg(feature = "sqlx")]
crate::text_column!(ConnectionStatus);

/// What a side of a connection asks of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionAction {
    /// The destination accepts a pending connection.
    Accept,
    /// Either side deactivates.
    Deactivate,
    /// The source brings an inactive connection back to pending (the destination accepts again).
    Reactivate,
}

/// Which side of a connection an organization is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Source,
    Destination,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Destination => "destination",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Source, Self::Destination]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

#[cfg(feature = "sqlx")]
crate::text_column!(Side);

/// Why a side may not act on a connection in its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionRefusal {
    /// Only the destination accepts (the source is told the connection does not exist for it).
    #[error("only the destination organization accepts a connection")]
    DestinationOnly,
    #[error("the connection is already active")]
    AlreadyActive,
    #[error(
        "the connection is inactive; only its source organization can reactivate it, then the destination accepts it again"
    )]
    Inactive,
    #[error("the connection is already inactive")]
    AlreadyInactive,
    #[error("only an inactive connection can be reactivated")]
    NotInactive,
    #[error("only the connection's source organization can reactivate it")]
    SourceOnly,
}

/// The state machine: the new status and who deactivated it, or why the action is not allowed.
pub fn connection_transition(
    status: ConnectionStatus,
    action: ConnectionAction,
    side: Side,
) -> Result<(ConnectionStatus, Option<Side>), ConnectionRefusal> {
    use ConnectionAction::*;
    use ConnectionStatus::*;
    match (action, side, status) {
        (Accept, Side::Source, _) => Err(ConnectionRefusal::DestinationOnly),
        (Accept, Side::Destination, Pending) => Ok((Active, None)),
        (Accept, Side::Destination, Active) => Err(ConnectionRefusal::AlreadyActive),
        (Accept, Side::Destination, Inactive) => Err(ConnectionRefusal::Inactive),
        (Deactivate, side, Pending | Active) => Ok((Inactive, Some(side))),
        (Deactivate, _, Inactive) => Err(ConnectionRefusal::AlreadyInactive),
        (Reactivate, Side::Source, Inactive) => Ok((Pending, None)),
        (Reactivate, Side::Source, Pending | Active) => Err(ConnectionRefusal::NotInactive),
        (Reactivate, Side::Destination, _) => Err(ConnectionRefusal::SourceOnly),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShareTokenStatus {
    Created,
    Pending,
    Redeemed,
    Expired,
    Failed,
}

impl ShareTokenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Pending => "pending",
            Self::Redeemed => "redeemed",
            Self::Expired => "expired",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Created,
            Self::Pending,
            Self::Redeemed,
            Self::Expired,
            Self::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

#[cfg(feature = "sqlx")]
crate::text_column!(ShareTokenStatus);

/// What happens to a share token; [`transition`] says which status it leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenEvent {
    /// The destination starts redeeming it.
    Redeem,
    /// The redemption job hydrated the destination.
    Finish,
    /// The redemption job gave up.
    Fail,
    /// The source expired it, or revoked its connection.
    Expire,
}

/// Why a transition is not allowed: the token is in `from`, which `event` cannot leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {} share token cannot {event:?}", .from.as_str())]
pub struct IllegalTransition {
    pub from: ShareTokenStatus,
    pub event: TokenEvent,
}

/// The share token's lifecycle: created → pending → redeemed | failed, created → expired.
/// Store functions apply it with `UPDATE … WHERE status = <from>`, so a race cannot double-apply.
pub fn token_transition(
    from: ShareTokenStatus,
    event: TokenEvent,
) -> Result<ShareTokenStatus, IllegalTransition> {
    use ShareTokenStatus::*;
    match (from, event) {
        (Created, TokenEvent::Redeem) => Ok(Pending),
        (Pending, TokenEvent::Finish) => Ok(Redeemed),
        (Pending, TokenEvent::Fail) => Ok(Failed),
        (Created, TokenEvent::Expire) => Ok(Expired),
        _ => Err(IllegalTransition { from, event }),
    }
}

/// Why a redemption failed for good. The API shows the code's fixed sentence, never internal text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RedemptionFailure {
    /// The destination object was deleted before the redemption ran.
    DestinationMissing,
    /// The destination inquiry finished or expired before the redemption ran.
    DestinationNotRedeemable,
    /// The connection was deactivated before the redemption ran.
    ConnectionInactive,
    /// The redemption kept failing for a temporary reason and was given up.
    RetriesExhausted,
    /// Something inside Tessera went wrong; operators find the detail in the logs.
    InternalError,
}

impl RedemptionFailure {
    pub const ALL: [Self; 5] = [
        Self::DestinationMissing,
        Self::DestinationNotRedeemable,
        Self::ConnectionInactive,
        Self::RetriesExhausted,
        Self::InternalError,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::DestinationMissing => "destination-missing",
            Self::DestinationNotRedeemable => "destination-not-redeemable",
            Self::ConnectionInactive => "connection-inactive",
            Self::RetriesExhausted => "retries-exhausted",
            Self::InternalError => "internal-error",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The fixed sentence shown as `failure-reason`.
    pub fn sentence(self) -> &'static str {
        match self {
            Self::DestinationMissing => {
                "The destination object no longer existed when the redemption ran."
            }
            Self::DestinationNotRedeemable => {
                "The destination inquiry was already finished or expired when the redemption ran."
            }
            Self::ConnectionInactive => "The connection was deactivated before the redemption ran.",
            Self::RetriesExhausted => {
                "The redemption kept failing for a temporary reason and was given up."
            }
            Self::InternalError => {
                "The redemption could not be completed because of an internal error."
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InquiryStatus {
    /// No data yet.
    Created,
    /// Some data; something required still missing (stuck).
    Pending,
    /// Every verification passed and no report hit.
    Completed,
    /// A verification failed.
    Failed,
    /// A report hit.
    NeedsReview,
    /// Not finished in time; can be resumed.
    Expired,
}

impl InquiryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Pending => "pending",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::NeedsReview => "needs_review",
            Self::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Created,
            Self::Pending,
            Self::Completed,
            Self::Failed,
            Self::NeedsReview,
            Self::Expired,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Completed, failed and needs-review never change again.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::NeedsReview)
    }

    /// Created and pending inquiries take new values; terminal and expired ones do not.
    pub fn accepts_values(self) -> bool {
        matches!(self, Self::Created | Self::Pending)
    }
}

#[cfg(feature = "sqlx")]
crate::text_column!(InquiryStatus);

/// A background job's status. Claiming also takes over a `running` job whose lease ran out (its
/// worker died); that is the same `Claim` from `running`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Queued, Self::Running, Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

#[cfg(feature = "sqlx")]
crate::text_column!(JobStatus);

/// What happens to a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobEvent {
    /// A worker claims it (a queued job that is due, or a running one whose lease ran out).
    Claim,
    /// Its work committed.
    Complete,
    /// It failed for a reason that may pass, with attempts left: queued again after a backoff.
    Retry,
    /// It failed for good, or used every attempt.
    GiveUp,
}

/// Why a job cannot take an event from its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {from:?} job cannot take {event:?}")]
pub struct IllegalJobTransition {
    pub from: JobStatus,
    pub event: JobEvent,
}

/// The job lifecycle: queued → running → succeeded | failed, running → queued (retry), and
/// running → running (a lapsed lease taken over). Store functions apply it with
/// `UPDATE … WHERE status = <from> AND attempts = <this claim's>`, so a lost claim writes nothing.
pub fn job_transition(from: JobStatus, event: JobEvent) -> Result<JobStatus, IllegalJobTransition> {
    use JobStatus::*;
    match (from, event) {
        (Queued | Running, JobEvent::Claim) => Ok(Running),
        (Running, JobEvent::Complete) => Ok(Succeeded),
        (Running, JobEvent::Retry) => Ok(Queued),
        (Running, JobEvent::GiveUp) => Ok(Failed),
        _ => Err(IllegalJobTransition { from, event }),
    }
}

/// After a failed attempt that may pass: another attempt while attempts are left, else give up.
pub fn after_failed_attempt(attempt: i64, max_attempts: i64) -> JobEvent {
    if attempt < max_attempts {
        JobEvent::Retry
    } else {
        JobEvent::GiveUp
    }
}

#[cfg(test)]
mod job_tests {
    use super::*;

    #[test]
    fn a_job_moves_only_along_its_lifecycle() {
        use JobStatus::*;
        let allowed = [
            (Queued, JobEvent::Claim, Running),
            (Running, JobEvent::Claim, Running),
            (Running, JobEvent::Complete, Succeeded),
            (Running, JobEvent::Retry, Queued),
            (Running, JobEvent::GiveUp, Failed),
        ];
        for (from, event, to) in allowed {
            assert_eq!(job_transition(from, event), Ok(to), "{from:?} on {event:?}");
        }
        for from in [Succeeded, Failed] {
            for event in [
                JobEvent::Claim,
                JobEvent::Complete,
                JobEvent::Retry,
                JobEvent::GiveUp,
            ] {
                assert!(
                    job_transition(from, event).is_err(),
                    "a finished job ({from:?}) stays finished on {event:?}"
                );
            }
        }
        assert!(job_transition(Queued, JobEvent::Complete).is_err());
    }

    #[test]
    fn a_failed_attempt_is_retried_until_the_attempts_are_used() {
        assert_eq!(after_failed_attempt(1, 5), JobEvent::Retry);
        assert_eq!(after_failed_attempt(5, 5), JobEvent::GiveUp);
    }
}
