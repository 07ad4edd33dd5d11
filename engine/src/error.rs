//! The engine's errors. Each problem a caller can fix carries the contract's code and, when it
//! comes from a request field, a JSON pointer to it; the API renders them as they are.

use std::fmt;

/// What kind of problem, which decides the HTTP status at the edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// 400: the request cannot be read at all.
    Malformed,
    /// 404: unknown, or another organization's.
    NotFound,
    /// 409: the object's state does not allow it.
    Conflict,
    /// 422: understood, but invalid.
    Invalid,
}

/// One problem with a request, in the contract's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// Machine-readable code, e.g. `share-token-expired`.
    pub code: &'static str,
    /// Human explanation of this occurrence.
    pub detail: String,
    /// JSON pointer into the request, e.g. `/data/attributes/fields/birthdate`.
    pub pointer: Option<String>,
}

impl Problem {
    pub fn invalid(
        code: &'static str,
        detail: impl Into<String>,
        pointer: impl Into<String>,
    ) -> Self {
        Self {
            kind: ProblemKind::Invalid,
            code,
            detail: detail.into(),
            pointer: Some(pointer.into()),
        }
    }

    pub fn invalid_here(code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind: ProblemKind::Invalid,
            code,
            detail: detail.into(),
            pointer: None,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self {
            kind: ProblemKind::NotFound,
            code: "not-found",
            detail: format!("{what} was not found"),
            pointer: None,
        }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind: ProblemKind::Conflict,
            code,
            detail: detail.into(),
            pointer: None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)?;
        if let Some(pointer) = &self.pointer {
            write!(f, " (at {pointer})")?;
        }
        Ok(())
    }
}

/// An engine error: problems the caller can fix, or an internal failure they cannot.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Problems(Vec<Problem>),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Problems(problems) => problems,
            _ => &[],
        }
    }

    /// The same error with `pointer` on every problem that has none yet (a lookup made on behalf of
    /// a request attribute, say).
    pub fn at_pointer(self, pointer: &str) -> Self {
        match self {
            Self::Problems(mut problems) => {
                for problem in &mut problems {
                    problem.pointer.get_or_insert_with(|| pointer.to_owned());
                }
                Self::Problems(problems)
            }
            other => other,
        }
    }

    /// The first problem's code, if any (handy in tests).
    pub fn code(&self) -> Option<&'static str> {
        self.problems().first().map(|p| p.code)
    }

    /// True for failures worth retrying (a busy or unreachable database).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Database(err) => {
                matches!(
                    err,
                    sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed
                ) || err.as_database_error().is_some_and(|e| {
                    matches!(
                        e.code().as_deref(),
                        // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6), and their extended codes
                        Some("5") | Some("6") | Some("517") | Some("262")
                        // PostgreSQL: serialization failure, deadlock detected, lock not
                        // available, the server shutting down, too many connections
                        | Some("40001") | Some("40P01") | Some("55P03") | Some("57P01")
                        | Some("57P03") | Some("53300")
                    ) || e.code().is_some_and(|code| code.starts_with("08"))
                })
            }
            _ => false,
        }
    }
}

/// The error for a stored row whose JSON cannot be read. serde's message quotes the offending
/// value (a person's data, perhaps): this says which row and where, never what.
pub(crate) fn unreadable(
    what: &'static str,
    id: &dyn fmt::Display,
) -> impl Fn(serde_json::Error) -> Error + use<> {
    let id = id.to_string();
    move |err| {
        Error::Internal(format!(
            "stored {what} {id} is unreadable (line {}, column {})",
            err.line(),
            err.column()
        ))
    }
}

impl From<Problem> for Error {
    fn from(problem: Problem) -> Self {
        Self::Problems(vec![problem])
    }
}

impl From<Vec<Problem>> for Error {
    fn from(problems: Vec<Problem>) -> Self {
        Self::Problems(problems)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// For a use case's error enum with an `Internal(crate::Error)` variant: database errors become
/// `Internal`, and callers to whom a refusal is a failure of their own (the demo, load
/// scenarios, tests) may turn the whole error into a [`crate::Error`] with `?`.
macro_rules! command_error {
    ($error:ident) => {
        impl From<sqlx::Error> for $error {
            fn from(err: sqlx::Error) -> Self {
                Self::Internal(err.into())
            }
        }

        impl From<$error> for crate::Error {
            fn from(err: $error) -> Self {
                match err {
                    $error::Internal(err) => err,
                    refused => crate::Error::Internal(refused.to_string()),
                }
            }
        }
    };
}
pub(crate) use command_error;
