//! Field types, typed values, and conversion between types when no information is lost.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::DocumentId;

/// The type a schema declares for a field (CONTRACT.md §3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
    Date,
    Datetime,
    Choices { choices: Vec<String> },
    File,
}

impl FieldType {
    /// The name used in requests and responses (`string`, `choices`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Choices { .. } => "choices",
            Self::File => "file",
        }
    }
}

/// A stored file as a field value refers to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileRef {
    pub id: DocumentId,
    pub filename: String,
    pub content_type: String,
    pub byte_size: i64,
    pub sha256: String,
}

/// A value that fits its field's type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum FieldValue {
    String(String),
    Integer(i64),
    Number(f64),
    Boolean(bool),
    Date(NaiveDate),
    Datetime(DateTime<Utc>),
    Choices(String),
    File(FileRef),
}

/// Largest integer magnitude a `number` (an f64) holds exactly.
const EXACT_F64_INTEGER: i64 = 1 << 53;

impl FieldValue {
    /// The name of the value's type, as in [`FieldType::name`].
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::String(_) => "string",
            Self::Integer(_) => "integer",
            Self::Number(_) => "number",
            Self::Boolean(_) => "boolean",
            Self::Date(_) => "date",
            Self::Datetime(_) => "datetime",
            Self::Choices(_) => "choices",
            Self::File(_) => "file",
        }
    }

    /// The value as plain JSON (a file as its reference object).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Self::String(s) | Self::Choices(s) => J::String(s.clone()),
            Self::Integer(i) => J::from(*i),
            Self::Number(n) => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
            Self::Boolean(b) => J::Bool(*b),
            Self::Date(d) => J::String(format_date(d)),
            Self::Datetime(t) => J::String(format_datetime(t)),
            Self::File(file) => serde_json::to_value(file).unwrap_or(J::Null),
        }
    }

    /// The text of a scalar value, as a `string` field would hold it; `None` for files.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Self::String(s) | Self::Choices(s) => Some(s.clone()),
            Self::Integer(i) => Some(i.to_string()),
            Self::Number(n) => Some(format_number(*n)),
            Self::Boolean(b) => Some(b.to_string()),
            Self::Date(d) => Some(format_date(d)),
            Self::Datetime(t) => Some(format_datetime(t)),
            Self::File(_) => None,
        }
    }

    /// Converts to `target` when nothing is lost (`"42"`→`42`, `42`→`"42"`); otherwise says why not,
    /// in terms of the types only: a refusal never carries the value.
    pub fn convert_to(&self, target: &FieldType) -> Result<FieldValue, ConversionError> {
        let refuse = |refusal: Refusal| {
            Err(ConversionError {
                from: self.type_name(),
                to: target.name(),
                refusal,
            })
        };
        match (self, target) {
            (Self::File(file), FieldType::File) => Ok(Self::File(file.clone())),
            (Self::File(_), _) => refuse(Refusal::FileToScalar),
            (_, FieldType::File) => refuse(Refusal::ScalarToFile),
            (_, FieldType::String) => Ok(Self::String(self.as_text().unwrap_or_default())),
            (_, FieldType::Choices { choices }) => {
                let text = self.as_text().unwrap_or_default();
                if choices.contains(&text) {
                    Ok(Self::Choices(text))
                } else {
                    refuse(Refusal::NotAChoice)
                }
            }
            (Self::Integer(i), FieldType::Integer) => Ok(Self::Integer(*i)),
            (Self::Number(n), FieldType::Integer) => match number_as_integer(*n) {
                Some(i) => Ok(Self::Integer(i)),
                None => refuse(Refusal::NotWhole),
            },
            (Self::Number(n), FieldType::Number) => Ok(Self::Number(*n)),
            (Self::Integer(i), FieldType::Number) => {
                if i.unsigned_abs() <= EXACT_F64_INTEGER.unsigned_abs() {
                    Ok(Self::Number(*i as f64))
                } else {
                    refuse(Refusal::TooLarge)
                }
            }
            (Self::Boolean(b), FieldType::Boolean) => Ok(Self::Boolean(*b)),
            (Self::Date(d), FieldType::Date) => Ok(Self::Date(*d)),
            (Self::Datetime(t), FieldType::Datetime) => Ok(Self::Datetime(*t)),
            (Self::String(s) | Self::Choices(s), _) => match parse_text(s, target) {
                Some(value) if value.as_text().as_deref() == Some(s.as_str()) => Ok(value),
                Some(_) => refuse(Refusal::NotCanonical),
                None => refuse(Refusal::Unreadable),
            },
            _ => refuse(Refusal::Lossy),
        }
    }
}

/// Whether a value becomes a type, judged from the two types alone (what a preview may say
/// before redemption without revealing anything about the value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeVerdict {
    /// Every value of the source's type converts.
    Always,
    /// No value of the source's type converts.
    Never(Refusal),
    /// Whether it converts depends on the value (text into a number, anything into choices: even
    /// choices into identical choices, which the preview does not compare).
    DependsOnValue,
}

impl FieldValue {
    /// What [`FieldValue::convert_to`] would answer for any value of this value's type: looks at
    /// the variant only, never at the content.
    pub fn verdict_for(&self, target: &FieldType) -> TypeVerdict {
        use TypeVerdict::{Always, DependsOnValue, Never};
        match (self, target) {
            (Self::File(_), FieldType::File) => Always,
            (Self::File(_), _) => Never(Refusal::FileToScalar),
            (_, FieldType::File) => Never(Refusal::ScalarToFile),
            (_, FieldType::String) => Always,
            (_, FieldType::Choices { .. }) => DependsOnValue,
            (Self::Integer(_), FieldType::Integer)
            | (Self::Number(_), FieldType::Number)
            | (Self::Boolean(_), FieldType::Boolean)
            | (Self::Date(_), FieldType::Date)
            | (Self::Datetime(_), FieldType::Datetime) => Always,
            (Self::Number(_), FieldType::Integer) | (Self::Integer(_), FieldType::Number) => {
                DependsOnValue
            }
            (Self::String(_) | Self::Choices(_), _) => DependsOnValue,
            _ => Never(Refusal::Lossy),
        }
    }
}

/// Why a value was not converted, without the value: hydration reports reach the destination
/// before it may see any source value (CONTRACT.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    /// A file converts only to a file.
    FileToScalar,
    /// Only a file becomes a file.
    ScalarToFile,
    /// The value is not one of the destination's choices.
    NotAChoice,
    /// A number with a fraction cannot become an integer.
    NotWhole,
    /// An integer beyond 2^53 cannot be held exactly as a number.
    TooLarge,
    /// The text parses, but would not read back the same (`"042"` as an integer).
    NotCanonical,
    /// The text does not parse as the destination type.
    Unreadable,
    /// The types do not convert into each other without loss.
    Lossy,
}

impl Refusal {
    /// A fixed sentence for the refusal.
    pub fn sentence(self) -> &'static str {
        match self {
            Self::FileToScalar => "a file converts only to a file",
            Self::ScalarToFile => "only a file converts to a file",
            Self::NotAChoice => "the value is not one of the choices",
            Self::NotWhole => "the value is not a whole number",
            Self::TooLarge => "the value is too large to be held exactly as a number",
            Self::NotCanonical => "the value would not read back the same",
            Self::Unreadable => "the value is not written as this type",
            Self::Lossy => "these types do not convert without losing information",
        }
    }
}

/// Why a value was not converted: the two types and a [`Refusal`], never the value itself.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot convert {from} to {to}: {}", .refusal.sentence())]
pub struct ConversionError {
    pub from: &'static str,
    pub to: &'static str,
    pub refusal: Refusal,
}

/// Reads `text` as a value of the scalar type `target` (strings never fail).
pub fn parse_text(text: &str, target: &FieldType) -> Option<FieldValue> {
    match target {
        FieldType::String => Some(FieldValue::String(text.to_owned())),
        FieldType::Choices { choices } => choices
            .iter()
            .any(|c| c == text)
            .then(|| FieldValue::Choices(text.to_owned())),
        FieldType::Integer => text.parse().ok().map(FieldValue::Integer),
        FieldType::Number => text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(FieldValue::Number),
        FieldType::Boolean => match text {
            "true" => Some(FieldValue::Boolean(true)),
            "false" => Some(FieldValue::Boolean(false)),
            _ => None,
        },
        FieldType::Date => parse_date(text).map(FieldValue::Date),
        FieldType::Datetime => DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| FieldValue::Datetime(t.with_timezone(&Utc))),
        FieldType::File => None,
    }
}

/// `YYYY-MM-DD` exactly.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

pub fn format_date(date: &NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// RFC 3339 in UTC with the `Z` suffix and only as many fraction digits as needed.
pub fn format_datetime(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The shortest text that reads back as the same number.
fn format_number(n: f64) -> String {
    n.to_string()
}

fn number_as_integer(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() <= EXACT_F64_INTEGER as f64).then_some(n as i64)
}

#[cfg(any(test, feature = "proptest"))]
pub mod tests {
    use super::*;
    use proptest::prelude::*;

    fn choices(items: &[&str]) -> FieldType {
        FieldType::Choices {
            choices: items.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_numeric_string_becomes_an_integer_and_back() {
        let integer = FieldValue::String("42".into()).convert_to(&FieldType::Integer);
        assert_eq!(integer, Ok(FieldValue::Integer(42)));

        let text = FieldValue::Integer(42).convert_to(&FieldType::String);
        assert_eq!(text, Ok(FieldValue::String("42".into())));
    }

    #[test]
    fn a_string_that_would_not_read_back_the_same_is_not_converted() {
        for (text, target) in [
            ("042", FieldType::Integer),
            ("1.50", FieldType::Number),
            ("+7", FieldType::Integer),
        ] {
            let result = FieldValue::String(text.into()).convert_to(&target);
            assert!(
                result.is_err(),
                "`{text}` → {} should be refused, got {result:?}",
                target.name()
            );
        }
    }

    #[test]
    fn a_fractional_number_does_not_become_an_integer() {
        let err = FieldValue::Number(1.5)
            .convert_to(&FieldType::Integer)
            .expect_err("1.5 is not whole");

        assert_eq!(err.refusal, Refusal::NotWhole, "{err}");
        assert_eq!(
            FieldValue::Number(2.0).convert_to(&FieldType::Integer),
            Ok(FieldValue::Integer(2))
        );
    }

    #[test]
    fn choices_accept_only_listed_values() {
        let target = choices(&["gold", "silver"]);

        assert_eq!(
            FieldValue::String("gold".into()).convert_to(&target),
            Ok(FieldValue::Choices("gold".into()))
        );
        assert!(
            FieldValue::String("bronze".into())
                .convert_to(&target)
                .is_err()
        );
    }

    #[test]
    fn files_convert_only_to_files() {
        let file = FieldValue::File(FileRef {
            id: DocumentId::parse("doc_aaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap(),
            filename: "id.png".into(),
            content_type: "image/png".into(),
            byte_size: 3,
            sha256: "00".into(),
        });

        assert!(file.convert_to(&FieldType::String).is_err());
        assert!(
            FieldValue::String("x".into())
                .convert_to(&FieldType::File)
                .is_err()
        );
        assert_eq!(file.convert_to(&FieldType::File), Ok(file.clone()));
        assert_eq!(file.verdict_for(&FieldType::File), TypeVerdict::Always);
        assert_eq!(
            file.verdict_for(&FieldType::String),
            TypeVerdict::Never(Refusal::FileToScalar)
        );
        assert_eq!(
            FieldValue::String("x".into()).verdict_for(&FieldType::File),
            TypeVerdict::Never(Refusal::ScalarToFile)
        );
    }

    #[test]
    fn a_date_string_must_be_exactly_yyyy_mm_dd() {
        assert_eq!(
            FieldValue::String("1990-02-01".into()).convert_to(&FieldType::Date),
            Ok(FieldValue::Date(
                NaiveDate::from_ymd_opt(1990, 2, 1).unwrap()
            ))
        );
        assert!(
            FieldValue::String("1990-2-1".into())
                .convert_to(&FieldType::Date)
                .is_err()
        );
        assert!(
            FieldValue::String("1990-02-30".into())
                .convert_to(&FieldType::Date)
                .is_err()
        );
    }

    #[test]
    fn values_serialise_with_their_type() {
        let json = serde_json::to_value(FieldValue::Integer(7)).unwrap();

        assert_eq!(json, serde_json::json!({"type": "integer", "value": 7}));
    }

    pub fn any_scalar_type() -> impl Strategy<Value = FieldType> {
        prop_oneof![
            Just(FieldType::String),
            Just(FieldType::Integer),
            Just(FieldType::Number),
            Just(FieldType::Boolean),
            Just(FieldType::Date),
            Just(FieldType::Datetime),
            Just(choices(&["a", "b", "42", "true"])),
        ]
    }

    pub fn any_scalar_value() -> impl Strategy<Value = FieldValue> {
        prop_oneof![
            "[ -~]{0,12}".prop_map(FieldValue::String),
            prop_oneof![
                Just("42".to_string()),
                Just("true".to_string()),
                Just("1990-02-01".to_string()),
                Just("2.5".to_string())
            ]
            .prop_map(FieldValue::String),
            any::<i64>().prop_map(FieldValue::Integer),
            (-1e12f64..1e12).prop_map(FieldValue::Number),
            any::<bool>().prop_map(FieldValue::Boolean),
            (1900i32..2100, 1u32..=12, 1u32..=28)
                .prop_map(|(y, m, d)| FieldValue::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap())),
            (0i64..4_000_000_000)
                .prop_map(|s| FieldValue::Datetime(DateTime::from_timestamp(s, 0).unwrap())),
            prop_oneof![Just("a"), Just("42")].prop_map(|s| FieldValue::Choices(s.to_string())),
        ]
    }

    proptest! {
        #[test]
        fn the_verdict_by_types_agrees_with_every_conversion(value in any_scalar_value(), target in any_scalar_type()) {
            match (value.verdict_for(&target), value.convert_to(&target)) {
                (TypeVerdict::Always, result) => prop_assert!(result.is_ok(), "{value:?} → {target:?}: {result:?}"),
                (TypeVerdict::Never(refusal), result) => prop_assert_eq!(result.map_err(|e| e.refusal), Err(refusal)),
                (TypeVerdict::DependsOnValue, _) => {}
            }
        }

        #[test]
        fn converting_and_back_loses_nothing(value in any_scalar_value(), target in any_scalar_type()) {
            let original_type = match &value {
                FieldValue::Choices(_) => choices(&["a", "b", "42", "true"]),
                FieldValue::String(_) => FieldType::String,
                FieldValue::Integer(_) => FieldType::Integer,
                FieldValue::Number(_) => FieldType::Number,
                FieldValue::Boolean(_) => FieldType::Boolean,
                FieldValue::Date(_) => FieldType::Date,
                FieldValue::Datetime(_) => FieldType::Datetime,
                FieldValue::File(_) => FieldType::File,
            };
            if let Ok(converted) = value.convert_to(&target) {
                let back = converted.convert_to(&original_type);
                prop_assert_eq!(back, Ok(value));
            }
        }
    }
}
