//! Verifications and reports of an inquiry template (CONTRACT.md §4): what each needs and when
//! it passes, with per-check results and reasons.

mod checks;
pub mod inspect;
mod postal;
mod watchlist;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use checks::{validate_email, validate_phone};
pub use inspect::{Inspection, Unreadable, inspect};
pub use watchlist::{MATCH_THRESHOLD, Watchlist, WatchlistError, WatchlistMatch};

use crate::error::Problem;
use crate::fields::{FieldPath, FieldType, FieldValues, Schema};
use crate::ids::DocumentId;

/// Default `minimum-age` of the government-id verification.
pub const DEFAULT_MINIMUM_AGE: u32 = 18;

/// A verification a template runs, with its options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Verification {
    #[serde(rename_all = "kebab-case")]
    GovernmentId {
        minimum_age: u32,
    },
    Selfie,
    Database,
    PhoneNumber,
    EmailAddress,
    Document,
}

/// A report a template runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Report {
    Watchlist,
}

/// The kind of value a verification needs in a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    Text,
    Date,
    File,
}

impl Need {
    fn accepts(self, field_type: &FieldType) -> bool {
        match self {
            Need::Text => matches!(field_type, FieldType::String | FieldType::Choices { .. }),
            Need::Date => matches!(field_type, FieldType::Date),
            Need::File => matches!(field_type, FieldType::File),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Need::Text => "string or choices",
            Need::Date => "date",
            Need::File => "file",
        }
    }
}

const NAME: [(&str, Need); 2] = [("name-first", Need::Text), ("name-last", Need::Text)];

impl Verification {
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::GovernmentId { .. } => "government-id",
            Self::Selfie => "selfie",
            Self::Database => "database",
            Self::PhoneNumber => "phone-number",
            Self::EmailAddress => "email-address",
            Self::Document => "document",
        }
    }

    fn needs(&self) -> Vec<(&'static str, Need)> {
        let mut needs = Vec::new();
        match self {
            Self::GovernmentId { .. } => {
                needs.extend(NAME);
                needs.extend([
                    ("birthdate", Need::Date),
                    ("identification-number", Need::Text),
                    ("government-id-front", Need::File),
                ]);
            }
            Self::Selfie => needs.push(("selfie", Need::File)),
            Self::Database => {
                needs.extend(NAME);
                needs.extend([
                    ("birthdate", Need::Date),
                    ("address-street-1", Need::Text),
                    ("address-city", Need::Text),
                    ("address-postal-code", Need::Text),
                    ("address-country-code", Need::Text),
                ]);
            }
            Self::PhoneNumber => needs.push(("phone-number", Need::Text)),
            Self::EmailAddress => needs.push(("email-address", Need::Text)),
            Self::Document => needs.extend([
                ("proof-of-address", Need::File),
                ("address-street-1", Need::Text),
                ("address-city", Need::Text),
                ("address-country-code", Need::Text),
            ]),
        }
        needs
    }

    /// Reads one entry of a template's `verifications` list.
    fn from_json(item: &Value, at: &str) -> Result<Self, Problem> {
        let invalid = |detail: String, suffix: &str| {
            Problem::invalid("invalid-verification", detail, format!("{at}{suffix}"))
        };
        let object = item
            .as_object()
            .ok_or_else(|| invalid("a verification is an object with a `type`".into(), ""))?;
        let type_name = object
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("`type` is required".into(), "/type"))?;
        let allowed: &[&str] = if type_name == "government-id" {
            &["type", "minimum-age"]
        } else {
            &["type"]
        };
        if let Some(unknown) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(invalid(
                format!("unknown option `{unknown}` for {type_name}"),
                &format!("/{unknown}"),
            ));
        }
        Ok(match type_name {
            "government-id" => {
                let minimum_age = match object.get("minimum-age") {
                    None | Some(Value::Null) => DEFAULT_MINIMUM_AGE,
                    Some(v) => v
                        .as_u64()
                        .filter(|age| *age <= 150)
                        .map(|age| age as u32)
                        .ok_or_else(|| {
                            invalid(
                                "`minimum-age` is a whole number of years from 0 to 150".into(),
                                "/minimum-age",
                            )
                        })?,
                };
                Self::GovernmentId { minimum_age }
            }
            "selfie" => Self::Selfie,
            "database" => Self::Database,
            "phone-number" => Self::PhoneNumber,
            "email-address" => Self::EmailAddress,
            "document" => Self::Document,
            other => {
                return Err(invalid(
                    format!(
                        "unknown verification `{other}`: use government-id, selfie, database, phone-number, email-address or document"
                    ),
                    "/type",
                ));
            }
        })
    }
}

impl Report {
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Watchlist => "watchlist",
        }
    }

    fn needs(&self) -> Vec<(&'static str, Need)> {
        NAME.to_vec()
    }

    fn from_json(item: &Value, at: &str) -> Result<Self, Problem> {
        let invalid = |detail: String, suffix: &str| {
            Problem::invalid("invalid-report", detail, format!("{at}{suffix}"))
        };
        let object = item
            .as_object()
            .ok_or_else(|| invalid("a report is an object with a `type`".into(), ""))?;
        if let Some(unknown) = object.keys().find(|k| k.as_str() != "type") {
            return Err(invalid(
                format!("unknown option `{unknown}`"),
                &format!("/{unknown}"),
            ));
        }
        match object.get("type").and_then(Value::as_str) {
            Some("watchlist") => Ok(Self::Watchlist),
            Some(other) => Err(invalid(
                format!("unknown report `{other}`: use watchlist"),
                "/type",
            )),
            None => Err(invalid("`type` is required".into(), "/type")),
        }
    }
}

/// What an inquiry template checks: its verifications and reports, validated against its fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checks {
    pub verifications: Vec<Verification>,
    pub reports: Vec<Report>,
}

impl Checks {
    /// Reads the `verifications` and `reports` lists of a template request and checks that the
    /// template declares every field they need, with a fitting type.
    pub fn from_json(
        verifications: Option<&Value>,
        reports: Option<&Value>,
        schema: &Schema,
    ) -> Result<Self, Vec<Problem>> {
        const V: &str = "/data/attributes/verifications";
        const R: &str = "/data/attributes/reports";
        let mut problems = Vec::new();
        let mut checks = Checks::default();
        let list =
            |json: Option<&Value>, pointer: &str, problems: &mut Vec<Problem>| -> Vec<Value> {
                match json {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(items)) => items.clone(),
                    Some(_) => {
                        problems.push(Problem::invalid(
                            "invalid-template",
                            "a list is expected",
                            pointer,
                        ));
                        Vec::new()
                    }
                }
            };
        for (index, item) in list(verifications, V, &mut problems).iter().enumerate() {
            let at = format!("{V}/{index}");
            match Verification::from_json(item, &at) {
                Ok(v)
                    if checks
                        .verifications
                        .iter()
                        .any(|o| o.type_name() == v.type_name()) =>
                {
                    problems.push(Problem::invalid(
                        "invalid-verification",
                        format!("{} is listed twice", v.type_name()),
                        format!("{at}/type"),
                    ))
                }
                Ok(v) => {
                    problems.extend(missing_needs(schema, v.type_name(), &v.needs(), &at));
                    checks.verifications.push(v);
                }
                Err(problem) => problems.push(problem),
            }
        }
        for (index, item) in list(reports, R, &mut problems).iter().enumerate() {
            let at = format!("{R}/{index}");
            match Report::from_json(item, &at) {
                Ok(r) if checks.reports.contains(&r) => problems.push(Problem::invalid(
                    "invalid-report",
                    format!("{} is listed twice", r.type_name()),
                    format!("{at}/type"),
                )),
                Ok(r) => {
                    problems.extend(missing_needs(schema, r.type_name(), &r.needs(), &at));
                    checks.reports.push(r);
                }
                Err(problem) => problems.push(problem),
            }
        }
        if problems.is_empty() {
            Ok(checks)
        } else {
            Err(problems)
        }
    }

    /// Every field a verification or report of these checks needs.
    pub fn needed_fields(&self) -> BTreeSet<FieldPath> {
        self.verifications
            .iter()
            .flat_map(Verification::needs)
            .chain(self.reports.iter().flat_map(Report::needs))
            .map(|(key, _)| FieldPath::parse(key).expect("verification field keys are valid paths"))
            .collect()
    }

    /// Runs every verification and report on complete data.
    pub fn run(&self, input: &RunInput<'_>) -> RunResult {
        RunResult {
            verifications: self
                .verifications
                .iter()
                .map(|v| checks::run_verification(v, input))
                .collect(),
            reports: self
                .reports
                .iter()
                .map(|r| checks::run_report(r, input))
                .collect(),
        }
    }
}

fn missing_needs(schema: &Schema, owner: &str, needs: &[(&str, Need)], at: &str) -> Vec<Problem> {
    needs
        .iter()
        .filter_map(|(key, need)| {
            let path = FieldPath::parse(key).expect("verification field keys are valid paths");
            match schema.get(&path) {
                Some(def) if need.accepts(&def.field_type) => None,
                Some(def) => Some(Problem::invalid(
                    "template-field-type-mismatch",
                    format!("{owner} needs `{key}` to be a {} field, but the template declares it as {}", need.describe(), def.field_type.name()),
                    format!("{at}/type"),
                )),
                None => Some(Problem::invalid(
                    "template-missing-field",
                    format!("{owner} needs the field `{key}` ({}), which the template does not declare", need.describe()),
                    format!("{at}/type"),
                )),
            }
        })
        .collect()
}

/// What a run looks at: the inquiry's values, the inspections of its files, today's date, the
/// watchlist.
pub struct RunInput<'a> {
    pub values: &'a FieldValues,
    pub files: &'a BTreeMap<DocumentId, Inspection>,
    pub today: NaiveDate,
    pub watchlist: &'a Watchlist,
}

/// Passed or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Passed,
    Failed,
}

/// One check of a verification (`age`, `image-decodable`, …) and why it failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub name: String,
    pub status: CheckStatus,
    pub reasons: Vec<String>,
}

/// The outcome of one verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationResult {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: CheckStatus,
    pub checks: Vec<CheckResult>,
}

/// Whether a report found anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportStatus {
    Clear,
    Hit,
}

/// The outcome of one report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportResult {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: ReportStatus,
    pub matches: Vec<ReportMatch>,
}

/// One match a report found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportMatch {
    pub name: String,
    pub score: f64,
}

/// The outcome of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub verifications: Vec<VerificationResult>,
    pub reports: Vec<ReportResult>,
}

impl RunResult {
    pub fn any_verification_failed(&self) -> bool {
        self.verifications
            .iter()
            .any(|v| v.status == CheckStatus::Failed)
    }

    pub fn any_report_hit(&self) -> bool {
        self.reports.iter().any(|r| r.status == ReportStatus::Hit)
    }
}

#[cfg(test)]
pub(crate) mod tests;
