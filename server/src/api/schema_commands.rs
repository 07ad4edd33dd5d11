//! `POST /inquiry-templates`, `/transaction-types`, `/account-types`: the JSON:API body read into
//! a [`CreateSchema`] command, and the engine's refusals turned into codes and pointers.
//!
//! The edge refuses only what it cannot represent (a list that is not a list, an unknown type or
//! option); every rule about what a schema may declare is the domain's. A request with both kinds
//! of problem hears about all of them at once.

use engine::Problem;
use engine::fields::{FieldDef, FieldPath, FieldType, SchemaError};
use engine::schemas::{CreateSchema, CreateSchemaError, SchemaKind, SchemaRefusal};
use engine::verification::{
    CheckList, ChecksError, DEFAULT_MINIMUM_AGE, MAX_MINIMUM_AGE, Report, Verification,
};
use serde_json::{Map, Value};

use super::body::JsonApiBody;
use super::error::ApiError;

const NAME: &str = "/data/attributes/name";
const PURPOSE: &str = "/data/attributes/purpose";
const FIELDS: &str = "/data/attributes/fields";

fn list_pointer(list: CheckList) -> String {
    format!("/data/attributes/{}", list.name())
}

/// The body as a command, or every problem with it.
pub fn create_schema(kind: SchemaKind, body: &JsonApiBody) -> Result<CreateSchema, ApiError> {
    let mut problems = Vec::new();
    // A name or purpose that is not text is an empty one: the domain says what they must be.
    let text = |name: &str| match body.attribute(name) {
        None => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => Some(String::new()),
    };
    let fields = match body.attribute("fields") {
        Some(json) => field_defs(json, &mut problems),
        None => {
            problems.push(Problem::invalid(
                "invalid-fields",
                "`fields` is required: a list of field declarations",
                FIELDS,
            ));
            Vec::new()
        }
    };
    let verifications = checks(body, CheckList::Verifications, &mut problems, verification);
    let reports = checks(body, CheckList::Reports, &mut problems, report);
    let command = CreateSchema {
        kind,
        name: text("name").unwrap_or_default(),
        purpose: text("purpose"),
        fields,
        verifications,
        reports,
    };
    if problems.is_empty() {
        return Ok(command);
    }
    // Say everything at once: what the rules refuse in the parts that could be read as well
    // (a template's checks are judged against its fields, which may not have been readable).
    let readable = if kind == SchemaKind::InquiryTemplate {
        CreateSchema {
            verifications: Vec::new(),
            reports: Vec::new(),
            ..command
        }
    } else {
        command
    };
    if let Err(refusals) = engine::schemas::check(readable) {
        problems.extend(refusals.into_iter().map(refusal_problem));
    }
    problems.sort_by_key(|p| attribute_order(p.pointer.as_deref()));
    Err(ApiError::Problems(problems))
}

/// Problems in the order of the resource's attributes.
fn attribute_order(pointer: Option<&str>) -> usize {
    let pointer = pointer.unwrap_or_default();
    ["name", "purpose", "fields", "verifications", "reports"]
        .iter()
        .position(|a| pointer.starts_with(&format!("/data/attributes/{a}")))
        .unwrap_or(usize::MAX)
}

/// A refused schema in the contract's terms.
pub fn create_schema_error(err: CreateSchemaError) -> ApiError {
    match err {
        CreateSchemaError::Refused(refusals) => {
            ApiError::Problems(refusals.into_iter().map(refusal_problem).collect())
        }
        CreateSchemaError::Internal(err) => err.into(),
    }
}

fn refusal_problem(refusal: SchemaRefusal) -> Problem {
    let detail = refusal.to_string();
    match refusal {
        SchemaRefusal::InvalidName => Problem::invalid("invalid-name", detail, NAME),
        SchemaRefusal::InvalidPurpose => Problem::invalid("invalid-purpose", detail, PURPOSE),
        SchemaRefusal::PurposeNotAllowed => Problem::invalid("invalid-attribute", detail, PURPOSE),
        SchemaRefusal::ChecksNotAllowed(list) => {
            Problem::invalid("invalid-attribute", detail, list_pointer(list))
        }
        SchemaRefusal::Field(error) => {
            let at = |index: usize, name: &str| format!("{FIELDS}/{index}/{name}");
            let (code, pointer) = match error {
                SchemaError::TooManyFields => ("too-many-fields", FIELDS.to_owned()),
                SchemaError::DuplicateField { index, .. } => ("duplicate-field", at(index, "key")),
                SchemaError::FieldConflict { index, .. } => ("field-conflict", at(index, "key")),
                SchemaError::InvalidChoices { index } => ("invalid-choices", at(index, "choices")),
                SchemaError::InvalidLabel { index } => ("invalid-field", at(index, "label")),
            };
            Problem::invalid(code, detail, pointer)
        }
        SchemaRefusal::Check(error) => {
            let (list, index) = error.place();
            let at = format!("{}/{index}", list_pointer(list));
            let (code, pointer) = match error {
                ChecksError::Duplicate { .. } => (list_code(list), format!("{at}/type")),
                ChecksError::MissingField { .. } => {
                    ("template-missing-field", format!("{at}/type"))
                }
                ChecksError::FieldTypeMismatch { .. } => {
                    ("template-field-type-mismatch", format!("{at}/type"))
                }
                ChecksError::MinimumAgeOutOfRange { .. } => {
                    ("invalid-verification", format!("{at}/minimum-age"))
                }
            };
            Problem::invalid(code, detail, pointer)
        }
    }
}

fn list_code(list: CheckList) -> &'static str {
    match list {
        CheckList::Verifications => "invalid-verification",
        CheckList::Reports => "invalid-report",
    }
}

/// `fields`: a list of `{"key", "type", "required", "label", "choices"}`.
fn field_defs(json: &Value, problems: &mut Vec<Problem>) -> Vec<FieldDef> {
    let Some(items) = json.as_array() else {
        problems.push(Problem::invalid(
            "invalid-fields",
            "`fields` must be a list of field declarations",
            FIELDS,
        ));
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            field_def(item, &format!("{FIELDS}/{index}"))
                .map_err(|problem| problems.push(problem))
                .ok()
        })
        .collect()
}

/// An object's members, refusing any not in `allowed` at its pointer.
fn members<'a>(
    item: &'a Value,
    allowed: &[&str],
    invalid: &dyn Fn(String, &str) -> Problem,
    what: &str,
) -> Result<&'a Map<String, Value>, Problem> {
    let object = item
        .as_object()
        .ok_or_else(|| invalid(format!("{what} is an object"), ""))?;
    match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(unknown) => Err(invalid(
            format!("unknown attribute `{unknown}` in {what}"),
            &format!("/{unknown}"),
        )),
        None => Ok(object),
    }
}

fn field_def(item: &Value, at: &str) -> Result<FieldDef, Problem> {
    let invalid = |detail: String, suffix: &str| {
        Problem::invalid("invalid-field", detail, format!("{at}{suffix}"))
    };
    let object = members(
        item,
        &["key", "type", "required", "label", "choices"],
        &invalid,
        "a field declaration",
    )?;
    let key = object
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("`key` is required and is a string".into(), "/key"))?;
    let key = FieldPath::parse(key).map_err(|err| invalid(err.to_string(), "/key"))?;
    let type_name = object
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("`type` is required and is a string".into(), "/type"))?;
    let field_type = match type_name {
        "string" => FieldType::String,
        "integer" => FieldType::Integer,
        "number" => FieldType::Number,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "datetime" => FieldType::Datetime,
        "file" => FieldType::File,
        "choices" => FieldType::Choices {
            choices: object
                .get("choices")
                .and_then(Value::as_array)
                .and_then(|items| {
                    items
                        .iter()
                        .map(|c| c.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| {
                    invalid(
                        "a choices field lists its `choices` as strings".into(),
                        "/choices",
                    )
                })?,
        },
        other => {
            return Err(invalid(
                format!(
                    "unknown type `{other}`: use string, integer, number, boolean, date, datetime, choices or file"
                ),
                "/type",
            ));
        }
    };
    if object.contains_key("choices") && !matches!(field_type, FieldType::Choices { .. }) {
        return Err(invalid(
            "`choices` belongs only to a field of type choices".into(),
            "/choices",
        ));
    }
    let required = match object.get("required") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("`required` is true or false".into(), "/required")),
    };
    let label = match object.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid("`label` is a string".into(), "/label")),
    };
    Ok(FieldDef {
        label,
        required,
        ..FieldDef::new(key, field_type)
    })
}

/// `verifications` or `reports`: a list read item by item with `read`.
fn checks<T>(
    body: &JsonApiBody,
    list: CheckList,
    problems: &mut Vec<Problem>,
    read: fn(&Value, &str) -> Result<T, Problem>,
) -> Vec<T> {
    let pointer = list_pointer(list);
    match body.attribute(list.name()) {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| {
                read(item, &format!("{pointer}/{index}"))
                    .map_err(|problem| problems.push(problem))
                    .ok()
            })
            .collect(),
        Some(_) => {
            problems.push(Problem::invalid(
                "invalid-template",
                "a list is expected",
                pointer,
            ));
            Vec::new()
        }
    }
}

/// One entry of `verifications`: `{"type", "minimum-age"?}`.
fn verification(item: &Value, at: &str) -> Result<Verification, Problem> {
    let invalid = |detail: String, suffix: &str| {
        Problem::invalid("invalid-verification", detail, format!("{at}{suffix}"))
    };
    let type_name = item
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("a verification is an object with a `type`".into(), "/type"))?;
    let options: &[&str] = if type_name == "government-id" {
        &["type", "minimum-age"]
    } else {
        &["type"]
    };
    let object = members(item, options, &invalid, type_name)?;
    let verification = Verification::of_type_name(type_name).ok_or_else(|| {
        invalid(
            format!(
                "unknown verification `{type_name}`: use {}",
                Verification::TYPE_NAMES.join(", ")
            ),
            "/type",
        )
    })?;
    Ok(match verification {
        Verification::GovernmentId { .. } => Verification::GovernmentId {
            minimum_age: match object.get("minimum-age") {
                None | Some(Value::Null) => DEFAULT_MINIMUM_AGE,
                Some(age) => age
                    .as_u64()
                    .and_then(|age| u32::try_from(age).ok())
                    .ok_or_else(|| {
                        invalid(
                            format!(
                                "`minimum-age` is a whole number of years from 0 to {MAX_MINIMUM_AGE}"
                            ),
                            "/minimum-age",
                        )
                    })?,
            },
        },
        other => other,
    })
}

/// One entry of `reports`: `{"type"}`.
fn report(item: &Value, at: &str) -> Result<Report, Problem> {
    let invalid = |detail: String, suffix: &str| {
        Problem::invalid("invalid-report", detail, format!("{at}{suffix}"))
    };
    let type_name = item
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("a report is an object with a `type`".into(), "/type"))?;
    members(item, &["type"], &invalid, type_name)?;
    Report::of_type_name(type_name).ok_or_else(|| {
        invalid(
            format!(
                "unknown report `{type_name}`: use {}",
                Report::TYPE_NAMES.join(", ")
            ),
            "/type",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pointers(kind: SchemaKind, attributes: Value) -> Vec<(&'static str, String)> {
        let body = JsonApiBody {
            attributes: attributes.as_object().cloned().unwrap_or_default(),
            ..Default::default()
        };
        match create_schema(kind, &body) {
            Ok(command) => match engine::schemas::check(command) {
                Ok(_) => Vec::new(),
                Err(refusals) => refusals
                    .into_iter()
                    .map(refusal_problem)
                    .map(|p| (p.code, p.pointer.unwrap_or_default()))
                    .collect(),
            },
            Err(ApiError::Problems(problems)) => problems
                .into_iter()
                .map(|p| (p.code, p.pointer.unwrap_or_default()))
                .collect(),
            Err(other) => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn a_field_list_that_cannot_be_read_is_refused_at_each_declaration() {
        let found = pointers(
            SchemaKind::AccountType,
            json!({"name": "A", "fields": [
                {"key": "a", "type": "money"},
                {"key": "A B", "type": "string"},
                {"key": "c", "type": "string", "colour": "red"},
                {"key": "d", "type": "string", "choices": ["x"]}
            ]}),
        );

        assert_eq!(
            found,
            [
                ("invalid-field", "/data/attributes/fields/0/type".into()),
                ("invalid-field", "/data/attributes/fields/1/key".into()),
                ("invalid-field", "/data/attributes/fields/2/colour".into()),
                ("invalid-field", "/data/attributes/fields/3/choices".into()),
            ]
        );
    }

    #[test]
    fn the_rules_of_a_schema_are_refused_at_the_declaration_that_breaks_them() {
        let too_many: Vec<_> = (0..201)
            .map(|n| json!({"key": format!("f{n}"), "type": "string"}))
            .collect();

        let cases = [
            (
                json!({"name": "A", "fields": too_many}),
                ("too-many-fields", "/data/attributes/fields"),
            ),
            (
                json!({"name": "A", "fields": [{"key": "c", "type": "choices", "choices": []}]}),
                ("invalid-choices", "/data/attributes/fields/0/choices"),
            ),
            (
                json!({"name": "A", "fields": [{"key": "i", "type": "integer"}, {"key": "i", "type": "number"}]}),
                ("duplicate-field", "/data/attributes/fields/1/key"),
            ),
            (
                json!({"name": "A", "fields": [{"key": "n", "type": "string"}, {"key": "n.first", "type": "string"}]}),
                ("field-conflict", "/data/attributes/fields/1/key"),
            ),
            (
                json!({"name": "A", "fields": {"key": "x"}}),
                ("invalid-fields", "/data/attributes/fields"),
            ),
            (
                json!({"name": "A", "fields": [], "reports": [{"type": "credit-check"}]}),
                ("invalid-report", "/data/attributes/reports/0/type"),
            ),
            (
                json!({"name": "A", "fields": [], "verifications": "selfie"}),
                ("invalid-template", "/data/attributes/verifications"),
            ),
            (
                json!({"name": "A", "fields": [], "verifications": [{"type": "selfie", "minimum-age": 3}]}),
                (
                    "invalid-verification",
                    "/data/attributes/verifications/0/minimum-age",
                ),
            ),
            (
                json!({"name": "A", "fields": [], "verifications": [{"type": "government-id", "minimum-age": 151}]}),
                (
                    "invalid-verification",
                    "/data/attributes/verifications/0/minimum-age",
                ),
            ),
            (
                json!({"name": "A", "fields": [], "verifications": [{"type": "phone-number"}]}),
                (
                    "template-missing-field",
                    "/data/attributes/verifications/0/type",
                ),
            ),
            (
                json!({"name": "A", "fields": [{"key": "selfie", "type": "string"}], "verifications": [{"type": "selfie"}]}),
                (
                    "template-field-type-mismatch",
                    "/data/attributes/verifications/0/type",
                ),
            ),
        ];

        for (attributes, (code, pointer)) in cases {
            let found = pointers(SchemaKind::InquiryTemplate, attributes.clone());
            assert_eq!(
                found.first(),
                Some(&(code, pointer.to_owned())),
                "for {attributes}: {found:?}"
            );
        }
    }

    #[test]
    fn every_problem_of_a_bad_schema_is_reported_at_once_in_attribute_order() {
        let found = pointers(
            SchemaKind::TransactionType,
            json!({"name": "", "purpose": "Because", "verifications": [{"type": "selfie"}]}),
        );

        assert_eq!(
            found,
            [
                ("invalid-name", "/data/attributes/name".into()),
                ("invalid-attribute", "/data/attributes/purpose".into()),
                ("invalid-fields", "/data/attributes/fields".into()),
                ("invalid-attribute", "/data/attributes/verifications".into()),
            ]
        );
    }
}
