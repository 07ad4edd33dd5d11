//! Verifications and reports of an inquiry template (CONTRACT.md §4): what each needs and when
//! it passes, with per-check results and reasons.

mod checks;
pub mod inspect;
mod postal;
mod watchlist;

use std::collections::BTreeMap;

use chrono::NaiveDate;

pub use checks::{validate_email, validate_phone};
pub use domain::verification::{
    CheckList, CheckResult, CheckStatus, Checks, ChecksError, DEFAULT_MINIMUM_AGE, MAX_MINIMUM_AGE,
    Need, Report, ReportMatch, ReportResult, ReportStatus, RunResult, Verification,
    VerificationResult,
};
pub use inspect::{Inspection, Unreadable, inspect};
pub use watchlist::{MATCH_THRESHOLD, Watchlist, WatchlistError, WatchlistMatch};

use crate::fields::FieldValues;
use crate::ids::DocumentId;

/// Runs every verification and report of `checks` on complete data.
pub fn run(checks: &Checks, input: &RunInput<'_>) -> RunResult {
    RunResult {
        verifications: checks
            .verifications
            .iter()
            .map(|v| checks::run_verification(v, input))
            .collect(),
        reports: checks
            .reports
            .iter()
            .map(|r| checks::run_report(r, input))
            .collect(),
    }
}

/// What a run looks at: the inquiry's values, the inspections of its files, today's date, the
/// watchlist.
pub struct RunInput<'a> {
    pub values: &'a FieldValues,
    pub files: &'a BTreeMap<DocumentId, Inspection>,
    pub today: NaiveDate,
    pub watchlist: &'a Watchlist,
}

#[cfg(test)]
pub(crate) mod tests;
