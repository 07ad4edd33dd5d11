//! What an inquiry template checks (CONTRACT.md §4): its verifications and reports, the fields
//! each needs, and the shape of their outcomes. Running them needs files and a watchlist, which
//! the engine has; the declarations and results are the same everywhere.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::fields::{FieldPath, FieldType};
use crate::schema::Schema;

/// Default `minimum-age` of the government-id verification.
pub const DEFAULT_MINIMUM_AGE: u32 = 18;
/// Largest `minimum-age` a template may ask for.
pub const MAX_MINIMUM_AGE: u32 = 150;

/// A verification a template runs, with its options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Verification {
    #[serde(rename_all = "kebab-case")]
    GovernmentId {
        #[serde(default = "default_minimum_age")]
        minimum_age: u32,
    },
    Selfie,
    Database,
    PhoneNumber,
    EmailAddress,
    Document,
}

fn default_minimum_age() -> u32 {
    DEFAULT_MINIMUM_AGE
}

/// A report a template runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Report {
    Watchlist,
}

/// The kind of value a verification needs in a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Text,
    Date,
    File,
}

impl Need {
    pub fn accepts(self, field_type: &FieldType) -> bool {
        match self {
            Need::Text => matches!(field_type, FieldType::String | FieldType::Choices { .. }),
            Need::Date => matches!(field_type, FieldType::Date),
            Need::File => matches!(field_type, FieldType::File),
        }
    }

    /// The field types that serve, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Need::Text => "string or choices",
            Need::Date => "date",
            Need::File => "file",
        }
    }
}

const NAME: [(&str, Need); 2] = [("name-first", Need::Text), ("name-last", Need::Text)];

impl Verification {
    /// Every verification type, by its contract name.
    pub const TYPE_NAMES: [&'static str; 6] = [
        "government-id",
        "selfie",
        "database",
        "phone-number",
        "email-address",
        "document",
    ];

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

    /// The verification of this contract name with its default options.
    pub fn of_type_name(name: &str) -> Option<Self> {
        Some(match name {
            "government-id" => Self::GovernmentId {
                minimum_age: DEFAULT_MINIMUM_AGE,
            },
            "selfie" => Self::Selfie,
            "database" => Self::Database,
            "phone-number" => Self::PhoneNumber,
            "email-address" => Self::EmailAddress,
            "document" => Self::Document,
            _ => return None,
        })
    }

    /// The fields this verification reads, with the kind of value each must hold.
    pub fn needs(&self) -> Vec<(&'static str, Need)> {
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
}

impl Report {
    /// Every report type, by its contract name.
    pub const TYPE_NAMES: [&'static str; 1] = ["watchlist"];

    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Watchlist => "watchlist",
        }
    }

    pub fn of_type_name(name: &str) -> Option<Self> {
        (name == "watchlist").then_some(Self::Watchlist)
    }

    pub fn needs(&self) -> Vec<(&'static str, Need)> {
        NAME.to_vec()
    }
}

/// Which list of a template a refusal is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckList {
    Verifications,
    Reports,
}

impl CheckList {
    /// The contract's attribute name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Verifications => "verifications",
            Self::Reports => "reports",
        }
    }
}

/// Why a template's verifications or reports do not fit it. `index` is the position in `list`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChecksError {
    #[error("{check} is listed twice")]
    Duplicate {
        list: CheckList,
        index: usize,
        check: &'static str,
    },
    #[error("{check} needs the field `{key}` ({}), which the template does not declare", need.describe())]
    MissingField {
        list: CheckList,
        index: usize,
        check: &'static str,
        key: &'static str,
        need: Need,
    },
    #[error("{check} needs `{key}` to be a {} field, but the template declares it as {declared}", need.describe())]
    FieldTypeMismatch {
        list: CheckList,
        index: usize,
        check: &'static str,
        key: &'static str,
        need: Need,
        declared: &'static str,
    },
    #[error("`minimum-age` is a whole number of years from 0 to {MAX_MINIMUM_AGE}")]
    MinimumAgeOutOfRange { index: usize },
}

impl ChecksError {
    /// The list and position the refusal is about.
    pub fn place(&self) -> (CheckList, usize) {
        match self {
            Self::Duplicate { list, index, .. }
            | Self::MissingField { list, index, .. }
            | Self::FieldTypeMismatch { list, index, .. } => (*list, *index),
            Self::MinimumAgeOutOfRange { index } => (CheckList::Verifications, *index),
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
    /// Checks that each verification and report is listed once and that `schema` declares every
    /// field they need, with a fitting type.
    pub fn new(
        verifications: Vec<Verification>,
        reports: Vec<Report>,
        schema: &Schema,
    ) -> Result<Self, Vec<ChecksError>> {
        let mut errors = Vec::new();
        for (index, v) in verifications.iter().enumerate() {
            if let Verification::GovernmentId { minimum_age } = v
                && *minimum_age > MAX_MINIMUM_AGE
            {
                errors.push(ChecksError::MinimumAgeOutOfRange { index });
            }
            let place = (CheckList::Verifications, index, v.type_name());
            if verifications[..index]
                .iter()
                .any(|o| o.type_name() == v.type_name())
            {
                errors.push(duplicate(place));
            } else {
                errors.extend(missing_needs(schema, place, &v.needs()));
            }
        }
        for (index, r) in reports.iter().enumerate() {
            let place = (CheckList::Reports, index, r.type_name());
            if reports[..index].contains(r) {
                errors.push(duplicate(place));
            } else {
                errors.extend(missing_needs(schema, place, &r.needs()));
            }
        }
        if errors.is_empty() {
            Ok(Self {
                verifications,
                reports,
            })
        } else {
            Err(errors)
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
}

type Place = (CheckList, usize, &'static str);

fn duplicate((list, index, check): Place) -> ChecksError {
    ChecksError::Duplicate { list, index, check }
}

fn missing_needs(
    schema: &Schema,
    (list, index, check): Place,
    needs: &[(&'static str, Need)],
) -> Vec<ChecksError> {
    needs
        .iter()
        .filter_map(|&(key, need)| {
            let path = FieldPath::parse(key).expect("verification field keys are valid paths");
            match schema.get(&path) {
                Some(def) if need.accepts(&def.field_type) => None,
                Some(def) => Some(ChecksError::FieldTypeMismatch {
                    list,
                    index,
                    check,
                    key,
                    need,
                    declared: def.field_type.name(),
                }),
                None => Some(ChecksError::MissingField {
                    list,
                    index,
                    check,
                    key,
                    need,
                }),
            }
        })
        .collect()
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
mod tests {
    use super::*;
    use crate::schema::FieldDef;

    fn schema(fields: &[(&str, FieldType)]) -> Schema {
        Schema::new(
            fields
                .iter()
                .map(|(key, t)| FieldDef::new(FieldPath::parse(key).unwrap(), t.clone()))
                .collect(),
        )
        .expect("a valid schema")
    }

    #[test]
    fn a_verification_whose_fields_the_template_declares_is_accepted() {
        let checks = Checks::new(
            vec![Verification::PhoneNumber],
            vec![],
            &schema(&[("phone-number", FieldType::String)]),
        )
        .expect("phone-number is declared as text");

        assert_eq!(
            checks.needed_fields(),
            BTreeSet::from([FieldPath::parse("phone-number").unwrap()])
        );
    }

    #[test]
    fn missing_and_mistyped_fields_and_duplicates_are_refused_at_their_position() {
        let errors = Checks::new(
            vec![
                Verification::Selfie,
                Verification::EmailAddress,
                Verification::Selfie,
            ],
            vec![Report::Watchlist],
            &schema(&[("selfie", FieldType::String)]),
        )
        .expect_err("nothing fits");

        let places: Vec<_> = errors.iter().map(ChecksError::place).collect();
        assert_eq!(
            places,
            [
                (CheckList::Verifications, 0),
                (CheckList::Verifications, 1),
                (CheckList::Verifications, 2),
                (CheckList::Reports, 0),
                (CheckList::Reports, 0),
            ],
            "{errors:?}"
        );
        assert!(matches!(
            errors[0],
            ChecksError::FieldTypeMismatch {
                declared: "string",
                ..
            }
        ));
        assert!(matches!(errors[2], ChecksError::Duplicate { .. }));
    }

    #[test]
    fn a_minimum_age_past_the_limit_is_refused() {
        let errors = Checks::new(
            vec![Verification::GovernmentId {
                minimum_age: MAX_MINIMUM_AGE + 1,
            }],
            vec![],
            &Schema::default(),
        )
        .expect_err("too old");

        assert_eq!(errors[0], ChecksError::MinimumAgeOutOfRange { index: 0 });
    }
}
