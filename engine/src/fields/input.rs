//! Reading `fields` from a request: plain JSON, nested for dotted keys, checked against a schema.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::{FieldPath, FieldType, FieldValue, Schema};
use crate::error::Problem;
use domain::fields::{parse_date, parse_text};

/// Largest file accepted in a request, in bytes (10 MiB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Longest value a string field holds, in bytes.
pub const MAX_STRING_BYTES: usize = 10_000;

/// Content types a file field accepts.
pub const ACCEPTED_CONTENT_TYPES: &[&str] = &["image/png", "image/jpeg", "application/pdf"];

/// A file uploaded in a request, not yet stored.
#[derive(Clone, PartialEq, Eq)]
pub struct NewFile {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// What the file is, once inspected (before the write transaction that stores it).
    pub inspection: Option<crate::verification::Inspection>,
}

impl std::fmt::Debug for NewFile {
    // The file name is the person's data: not in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NewFile({}, {} bytes)",
            self.content_type,
            self.bytes.len()
        )
    }
}

/// One input value: a typed value, a new file to store, or `null` to clear the field.
#[derive(Clone, Debug, PartialEq)]
pub enum InputValue {
    Value(FieldValue),
    File(NewFile),
    Clear,
}

/// Parsed `fields` of a request, keyed by full path.
pub type FieldInput = BTreeMap<FieldPath, InputValue>;

/// Reads `json` (an object) against `schema`. Every problem is reported with its pointer under
/// `pointer`; unknown keys and values that do not fit their type are refused.
pub fn parse_fields(
    schema: &Schema,
    json: &Value,
    pointer: &str,
) -> Result<FieldInput, Vec<Problem>> {
    let mut input = FieldInput::new();
    let mut problems = Vec::new();
    match json {
        Value::Object(map) => walk(schema, None, map, pointer, &mut input, &mut problems),
        Value::Null => {}
        _ => problems.push(Problem::invalid(
            "invalid-fields",
            "`fields` is an object",
            pointer,
        )),
    }
    if problems.is_empty() {
        Ok(input)
    } else {
        Err(problems)
    }
}

fn walk(
    schema: &Schema,
    parent: Option<&FieldPath>,
    map: &Map<String, Value>,
    pointer: &str,
    input: &mut FieldInput,
    problems: &mut Vec<Problem>,
) {
    for (key, value) in map {
        let at = format!("{pointer}/{}", escape_pointer(key));
        let Ok(path) = FieldPath::child(parent, key) else {
            problems.push(Problem::invalid(
                "unknown-field",
                format!("`{key}` is not a field of this schema"),
                at,
            ));
            continue;
        };
        if let Some(def) = schema.get(&path) {
            match read_value(&def.field_type, value) {
                Ok(parsed) => {
                    input.insert(path, parsed);
                }
                Err(detail) => problems.push(Problem::invalid("invalid-field-value", detail, at)),
            }
        } else if schema.is_hash(&path) {
            match value {
                Value::Object(inner) => walk(schema, Some(&path), inner, &at, input, problems),
                Value::Null => {
                    for def in schema
                        .fields()
                        .iter()
                        .filter(|d| path.is_ancestor_of(&d.key))
                    {
                        input.insert(def.key.clone(), InputValue::Clear);
                    }
                }
                _ => problems.push(Problem::invalid(
                    "invalid-field-value",
                    format!("`{path}` is a hash of fields: send an object"),
                    at,
                )),
            }
        } else {
            problems.push(Problem::invalid(
                "unknown-field",
                format!("`{path}` is not a field of this schema"),
                at,
            ));
        }
    }
}

/// Reads one JSON value as a value of `field_type`.
fn read_value(field_type: &FieldType, value: &Value) -> Result<InputValue, String> {
    let expected = || format!("expected a value of type {}", field_type.name());
    let parsed = match (field_type, value) {
        (_, Value::Null) => return Ok(InputValue::Clear),
        (FieldType::File, Value::Object(file)) => return read_file(file).map(InputValue::File),
        (FieldType::File, _) => {
            return Err(
                "a file is an object with `filename`, `content-type` and base64 `data`".into(),
            );
        }
        (FieldType::String, Value::String(s)) => FieldValue::String(s.clone()),
        (FieldType::Integer, Value::Number(n)) => {
            FieldValue::Integer(n.as_i64().ok_or("expected a whole number")?)
        }
        (FieldType::Number, Value::Number(n)) => {
            FieldValue::Number(n.as_f64().ok_or_else(expected)?)
        }
        (FieldType::Boolean, Value::Bool(b)) => FieldValue::Boolean(*b),
        (FieldType::Date, Value::String(s)) => {
            FieldValue::Date(parse_date(s).ok_or("expected a date in the form YYYY-MM-DD")?)
        }
        (FieldType::Datetime, Value::String(s)) => {
            parse_text(s, field_type).ok_or("expected an RFC 3339 date and time")?
        }
        (FieldType::Choices { choices }, Value::String(s)) => {
            if choices.contains(s) {
                FieldValue::Choices(s.clone())
            } else {
                return Err(format!("expected one of: {}", choices.join(", ")));
            }
        }
        _ => return Err(expected()),
    };
    if let FieldValue::String(s) = &parsed
        && s.len() > MAX_STRING_BYTES
    {
        return Err(format!(
            "a string field holds at most {MAX_STRING_BYTES} bytes"
        ));
    }
    Ok(InputValue::Value(parsed))
}

fn read_file(file: &Map<String, Value>) -> Result<NewFile, String> {
    let text = |name: &str| file.get(name).and_then(Value::as_str).map(str::to_owned);
    let filename = text("filename").unwrap_or_default();
    let content_type = text("content-type").ok_or("a file needs a `content-type`")?;
    // Name and type first: nothing is decoded for a file that would be refused anyway.
    check_file_description(&filename, &content_type).map_err(FileRefusal::sentence)?;
    let data = text("data").ok_or("a file needs its bytes as base64 `data`")?;
    if data.len() > MAX_FILE_BYTES.div_ceil(3) * 4 + 4 {
        return Err(FileRefusal::TooLarge.sentence());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|_| "`data` is not valid base64".to_string())?;
    new_file(filename, content_type, bytes).map_err(FileRefusal::sentence)
}

/// Why an uploaded file is refused before it is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRefusal {
    BadName,
    UnsupportedType,
    TooLarge,
    Empty,
}

impl FileRefusal {
    pub fn sentence(self) -> String {
        match self {
            Self::BadName => "a file needs a `filename` of 1 to 255 bytes".into(),
            Self::UnsupportedType => format!(
                "a file's content type is one of {}",
                ACCEPTED_CONTENT_TYPES.join(", ")
            ),
            Self::TooLarge => format!("a file is at most {} MiB", MAX_FILE_BYTES / (1024 * 1024)),
            Self::Empty => "a file cannot be empty".into(),
        }
    }
}

fn check_file_description(filename: &str, content_type: &str) -> Result<(), FileRefusal> {
    if filename.is_empty() || filename.len() > 255 {
        return Err(FileRefusal::BadName);
    }
    if !ACCEPTED_CONTENT_TYPES.contains(&content_type) {
        return Err(FileRefusal::UnsupportedType);
    }
    Ok(())
}

/// An uploaded file as every channel hands it over (the API after decoding base64, a form with
/// its raw bytes), checked the same way.
pub fn new_file(
    filename: String,
    content_type: String,
    bytes: Vec<u8>,
) -> Result<NewFile, FileRefusal> {
    check_file_description(&filename, &content_type)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileRefusal::TooLarge);
    }
    if bytes.is_empty() {
        return Err(FileRefusal::Empty);
    }
    Ok(NewFile {
        filename,
        content_type,
        bytes,
        inspection: None,
    })
}

/// Reads what a form input typed for a field of `field_type` (a number field's text, `true` /
/// `false`, a `datetime-local`'s `YYYY-MM-DDTHH:MM` as UTC). `None` when it does not fit.
pub fn form_value(field_type: &FieldType, text: &str) -> Option<FieldValue> {
    let value = match field_type {
        FieldType::Datetime if text.len() == 16 => parse_text(&format!("{text}:00Z"), field_type),
        FieldType::File => None,
        _ => parse_text(text, field_type),
    }?;
    match &value {
        FieldValue::String(s) if s.len() > MAX_STRING_BYTES => None,
        _ => Some(value),
    }
}

/// A field path as JSON pointer segments into a nested `fields` object (`/name/first`): the API
/// edge's way of pointing at a field.
pub fn pointer_of(path: &FieldPath) -> String {
    path.segments()
        .map(|s| format!("/{}", escape_pointer(s)))
        .collect()
}

/// Escapes a key for use in a JSON pointer (RFC 6901).
pub fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        crate::testing::schema(json!([
            {"key": "name.first", "type": "string"},
            {"key": "name.last", "type": "string"},
            {"key": "birthdate", "type": "date"},
            {"key": "income", "type": "integer"},
            {"key": "selfie", "type": "file"}
        ]))
    }

    fn path(text: &str) -> FieldPath {
        FieldPath::parse(text).unwrap()
    }

    #[test]
    fn nested_json_is_read_into_dotted_paths() {
        let input = parse_fields(
            &schema(),
            &json!({"name": {"first": "Ada"}, "birthdate": "1990-02-01"}),
            "/p",
        )
        .unwrap();

        assert_eq!(
            input[&path("name.first")],
            InputValue::Value(FieldValue::String("Ada".into()))
        );
        assert!(matches!(
            input[&path("birthdate")],
            InputValue::Value(FieldValue::Date(_))
        ));
        assert_eq!(input.len(), 2);
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused_with_its_pointer() {
        let problems = parse_fields(
            &schema(),
            &json!({"income": "lots", "birthdate": "01/02/1990"}),
            "/data/attributes/fields",
        )
        .expect_err("two bad values");

        let pointers: Vec<_> = problems
            .iter()
            .map(|p| p.pointer.clone().unwrap())
            .collect();
        assert_eq!(
            pointers,
            [
                "/data/attributes/fields/birthdate",
                "/data/attributes/fields/income"
            ]
        );
        assert!(problems.iter().all(|p| p.code == "invalid-field-value"));
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let problems = parse_fields(
            &schema(),
            &json!({"name": {"middle": "X"}, "salary": 3}),
            "/f",
        )
        .expect_err("unknown keys");

        assert_eq!(problems.len(), 2);
        assert!(problems.iter().all(|p| p.code == "unknown-field"));
        assert_eq!(problems[0].pointer.as_deref(), Some("/f/name/middle"));
    }

    #[test]
    fn a_file_is_decoded_from_base64() {
        let input = parse_fields(
            &schema(),
            &json!({"selfie": {"filename": "me.png", "content-type": "image/png", "data": "iVBORw=="}}),
            "/f",
        )
        .unwrap();

        let InputValue::File(file) = &input[&path("selfie")] else {
            panic!("expected a file, got {input:?}")
        };
        assert_eq!(file.bytes, [0x89, b'P', b'N', b'G']);
    }

    #[test]
    fn a_file_with_a_refused_content_type_or_bad_base64_is_invalid() {
        for file in [
            json!({"filename": "a.exe", "content-type": "application/x-msdownload", "data": "AA=="}),
            json!({"filename": "a.png", "content-type": "image/png", "data": "not base64!"}),
        ] {
            let problems =
                parse_fields(&schema(), &json!({ "selfie": file }), "/f").expect_err("a bad file");
            assert_eq!(problems[0].pointer.as_deref(), Some("/f/selfie"));
        }
    }

    #[test]
    fn null_clears_a_field() {
        let input = parse_fields(&schema(), &json!({"income": null}), "/f").unwrap();

        assert_eq!(input[&path("income")], InputValue::Clear);
    }
}
