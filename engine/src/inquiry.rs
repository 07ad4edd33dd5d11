//! The inquiry lifecycle (CONTRACT.md §4): which fields are missing, when a run happens, and the
//! status it ends in. Pure functions over an object record; storage lives in `objects`.

use std::collections::BTreeMap;

use crate::events::names;
use crate::fields::{FieldPath, FieldValues, Schema};
use crate::ids::DocumentId;
use crate::schemas::SchemaRecord;
use crate::time::Timestamp;
use crate::verification::{self, Inspection, RunInput, RunResult, Watchlist};

/// How long an inquiry (and its session token) stays open without being resumed.
pub const INQUIRY_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

pub use domain::lifecycle::InquiryStatus;

/// Required fields (declared required, or needed by a verification or report) that have no value.
pub fn missing_fields(effective: &Schema, values: &FieldValues) -> Vec<FieldPath> {
    effective
        .fields()
        .iter()
        .filter(|f| f.required && !values.contains_key(&f.key))
        .map(|f| f.key.clone())
        .collect()
}

/// What re-evaluating an inquiry after its data changed decided.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub status: InquiryStatus,
    pub run: Option<RunResult>,
    /// Events to emit, in order.
    pub events: Vec<&'static str>,
}

/// Decides the status after the inquiry's data changed from `previous` (status before) to `values`:
/// stuck while something required is missing, otherwise a run whose outcome is the new status.
pub fn evaluate(
    previous: InquiryStatus,
    template: &SchemaRecord,
    values: &FieldValues,
    files: &BTreeMap<DocumentId, Inspection>,
    today: chrono::NaiveDate,
    watchlist: &Watchlist,
) -> Evaluation {
    debug_assert!(
        !previous.is_terminal(),
        "a terminal inquiry is never re-evaluated"
    );
    let mut events = Vec::new();
    if previous == InquiryStatus::Created && !values.is_empty() {
        events.push(names::INQUIRY_STARTED);
    }
    if !missing_fields(&template.effective_schema(), values).is_empty() {
        let status = if values.is_empty() {
            InquiryStatus::Created
        } else {
            InquiryStatus::Pending
        };
        return Evaluation {
            status,
            run: None,
            events,
        };
    }
    let run = verification::run(
        &template.checks,
        &RunInput {
            values,
            files,
            today,
            watchlist,
        },
    );
    let (status, event) = if run.any_verification_failed() {
        (InquiryStatus::Failed, names::INQUIRY_FAILED)
    } else if run.any_report_hit() {
        (InquiryStatus::NeedsReview, names::INQUIRY_MARKED_FOR_REVIEW)
    } else {
        (InquiryStatus::Completed, names::INQUIRY_COMPLETED)
    };
    events.push(event);
    Evaluation {
        status,
        run: Some(run),
        events,
    }
}

/// The status as a reader sees it at `now`: an open inquiry past its expiry reads as expired.
pub fn status_at(
    stored: InquiryStatus,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> InquiryStatus {
    match (stored, expires_at) {
        (InquiryStatus::Created | InquiryStatus::Pending, Some(expires)) if now >= expires => {
            InquiryStatus::Expired
        }
        _ => stored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::FieldValue;
    use crate::ids::OrgId;
    use crate::schemas::SchemaKind;
    use crate::verification::Checks;
    use serde_json::json;

    fn template(
        fields: serde_json::Value,
        verifications: serde_json::Value,
        reports: serde_json::Value,
    ) -> SchemaRecord {
        let schema = Schema::new(serde_json::from_value(fields).unwrap()).unwrap();
        let checks = Checks::new(
            serde_json::from_value(verifications).unwrap(),
            serde_json::from_value(reports).unwrap(),
            &schema,
        )
        .unwrap();
        SchemaRecord {
            id: "itmpl_x".into(),
            kind: SchemaKind::InquiryTemplate,
            organization_id: OrgId::new(),
            name: "T".into(),
            purpose: None,
            schema,
            checks,
            created_at: Timestamp(0),
        }
    }

    fn values(pairs: &[(&str, &str)]) -> FieldValues {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    FieldPath::parse(k).unwrap(),
                    FieldValue::String(v.to_string()),
                )
            })
            .collect()
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn evaluate_with(t: &SchemaRecord, previous: InquiryStatus, v: &FieldValues) -> Evaluation {
        evaluate(
            previous,
            t,
            v,
            &BTreeMap::new(),
            today(),
            &Watchlist::default(),
        )
    }

    fn email_template() -> SchemaRecord {
        template(
            json!([{"key": "email-address", "type": "string"}, {"key": "nickname", "type": "string", "required": true}, {"key": "notes", "type": "string"}]),
            json!([{"type": "email-address"}]),
            json!([]),
        )
    }

    #[test]
    fn missing_fields_are_the_required_ones_without_a_value() {
        let t = email_template();

        let missing = missing_fields(&t.effective_schema(), &values(&[("notes", "x")]));

        assert_eq!(
            missing,
            [
                FieldPath::parse("email-address").unwrap(),
                FieldPath::parse("nickname").unwrap()
            ]
        );
    }

    #[test]
    fn an_inquiry_with_some_data_but_something_missing_is_pending_and_started() {
        let evaluation = evaluate_with(
            &email_template(),
            InquiryStatus::Created,
            &values(&[("nickname", "Ada")]),
        );

        assert_eq!(evaluation.status, InquiryStatus::Pending);
        assert_eq!(evaluation.run, None, "no run while something is missing");
        assert_eq!(evaluation.events, [names::INQUIRY_STARTED]);
    }

    #[test]
    fn an_inquiry_with_everything_runs_and_completes() {
        let evaluation = evaluate_with(
            &email_template(),
            InquiryStatus::Pending,
            &values(&[("nickname", "Ada"), ("email-address", "ada@example.com")]),
        );

        assert_eq!(evaluation.status, InquiryStatus::Completed);
        assert_eq!(evaluation.events, [names::INQUIRY_COMPLETED]);
        assert!(evaluation.run.is_some());
    }

    #[test]
    fn a_failed_verification_fails_the_inquiry() {
        let evaluation = evaluate_with(
            &email_template(),
            InquiryStatus::Pending,
            &values(&[("nickname", "Ada"), ("email-address", "nope")]),
        );

        assert_eq!(evaluation.status, InquiryStatus::Failed);
        assert_eq!(evaluation.events, [names::INQUIRY_FAILED]);
    }

    #[test]
    fn a_report_hit_marks_the_inquiry_for_review() {
        let t = template(
            json!([{"key": "name-first", "type": "string"}, {"key": "name-last", "type": "string"}]),
            json!([]),
            json!([{"type": "watchlist"}]),
        );

        let evaluation = evaluate_with(
            &t,
            InquiryStatus::Created,
            &values(&[("name-first", "Viktor"), ("name-last", "Malvado")]),
        );

        assert_eq!(evaluation.status, InquiryStatus::NeedsReview);
        assert_eq!(
            evaluation.events,
            [names::INQUIRY_STARTED, names::INQUIRY_MARKED_FOR_REVIEW]
        );
    }

    #[test]
    fn an_open_inquiry_reads_as_expired_after_its_expiry_but_a_terminal_one_does_not() {
        let expires = Some(Timestamp(1_000));

        assert_eq!(
            status_at(InquiryStatus::Pending, expires, Timestamp(999)),
            InquiryStatus::Pending
        );
        assert_eq!(
            status_at(InquiryStatus::Pending, expires, Timestamp(1_000)),
            InquiryStatus::Expired
        );
        assert_eq!(
            status_at(InquiryStatus::Completed, expires, Timestamp(5_000)),
            InquiryStatus::Completed
        );
    }
}
