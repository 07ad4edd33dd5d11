//! Schemas: the fields an inquiry template, transaction type or account type declares.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FieldPath, FieldType};
use crate::error::Problem;

/// Most fields one schema may declare.
pub const MAX_FIELDS: usize = 200;

/// One declared field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    pub key: FieldPath,
    #[serde(flatten)]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl FieldDef {
    /// The label shown to people: the declared label, else the key.
    pub fn display_label(&self) -> &str {
        self.label.as_deref().unwrap_or(self.key.as_str())
    }
}

/// The fields of one schema. Keys are unique and no key nests inside another.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Schema {
    fields: Vec<FieldDef>,
}

impl Schema {
    /// Checks the invariants; `pointer` locates the list in the request for error messages.
    pub fn new(fields: Vec<FieldDef>, pointer: &str) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        if fields.len() > MAX_FIELDS {
            problems.push(Problem::invalid(
                "too-many-fields",
                format!("a schema declares at most {MAX_FIELDS} fields"),
                pointer,
            ));
        }
        let mut seen = BTreeSet::new();
        for (index, field) in fields.iter().enumerate() {
            let at = format!("{pointer}/{index}");
            if !seen.insert(field.key.clone()) {
                problems.push(Problem::invalid(
                    "duplicate-field",
                    format!("`{}` is declared twice", field.key),
                    format!("{at}/key"),
                ));
            }
            if let Some(parent) = fields
                .iter()
                .find(|other| other.key.is_ancestor_of(&field.key))
            {
                problems.push(Problem::invalid(
                    "field-conflict",
                    format!(
                        "`{}` nests inside `{}`, which is declared as a field of its own",
                        field.key, parent.key
                    ),
                    format!("{at}/key"),
                ));
            }
            if let FieldType::Choices { choices } = &field.field_type {
                let distinct: BTreeSet<_> = choices.iter().collect();
                if choices.is_empty() || distinct.len() != choices.len() {
                    problems.push(Problem::invalid(
                        "invalid-choices",
                        "a choices field lists one or more distinct choices",
                        format!("{at}/choices"),
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(Self { fields })
        } else {
            Err(problems)
        }
    }

    /// Reads a request's field list (`[{"key","type","required","label","choices"}]`).
    pub fn from_json(json: &Value, pointer: &str) -> Result<Self, Vec<Problem>> {
        let Some(items) = json.as_array() else {
            return Err(vec![Problem::invalid(
                "invalid-fields",
                "`fields` must be a list of field declarations",
                pointer,
            )]);
        };
        let mut problems = Vec::new();
        let mut fields = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match parse_field_def(item, &format!("{pointer}/{index}")) {
                Ok(field) => fields.push(field),
                Err(problem) => problems.push(problem),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Self::new(fields, pointer)
    }

    pub fn fields(&self) -> &[FieldDef] {
        &self.fields
    }

    pub fn get(&self, key: &FieldPath) -> Option<&FieldDef> {
        self.fields.iter().find(|f| &f.key == key)
    }

    /// True when `path` is a hash holding declared fields (`name` when `name.first` is declared).
    pub fn is_hash(&self, path: &FieldPath) -> bool {
        self.fields.iter().any(|f| path.is_ancestor_of(&f.key))
    }

    /// The schema with `extra` fields required as well (by a verification or report).
    pub fn require(&mut self, keys: &BTreeSet<FieldPath>) {
        for field in &mut self.fields {
            if keys.contains(&field.key) {
                field.required = true;
            }
        }
    }
}

fn parse_field_def(item: &Value, at: &str) -> Result<FieldDef, Problem> {
    let invalid = |detail: String, suffix: &str| {
        Problem::invalid("invalid-field", detail, format!("{at}{suffix}"))
    };
    let object = item
        .as_object()
        .ok_or_else(|| invalid("a field declaration is an object".into(), ""))?;
    for name in object.keys() {
        if !["key", "type", "required", "label", "choices"].contains(&name.as_str()) {
            return Err(invalid(
                format!("unknown attribute `{name}` in a field declaration"),
                &format!("/{name}"),
            ));
        }
    }
    let key_text = object
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("`key` is required and is a string".into(), "/key"))?;
    let key = FieldPath::parse(key_text).map_err(|err| invalid(err.to_string(), "/key"))?;
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
        "choices" => {
            let choices = object
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
                })?;
            FieldType::Choices { choices }
        }
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
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 200 => Some(s.clone()),
        Some(_) => {
            return Err(invalid(
                "`label` is a non-empty string of at most 200 characters".into(),
                "/label",
            ));
        }
    };
    Ok(FieldDef {
        key,
        field_type,
        required,
        label,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_field_list_parses_with_types_labels_and_choices() {
        let schema = Schema::from_json(
            &json!([
                {"key": "name.first", "type": "string", "label": "First name"},
                {"key": "tier", "type": "choices", "choices": ["gold", "silver"], "required": true}
            ]),
            "/data/attributes/fields",
        )
        .expect("a valid field list");

        let tier = schema
            .get(&FieldPath::parse("tier").unwrap())
            .expect("tier is declared");
        assert!(tier.required);
        assert_eq!(
            tier.field_type,
            FieldType::Choices {
                choices: vec!["gold".into(), "silver".into()]
            }
        );
        assert!(schema.is_hash(&FieldPath::parse("name").unwrap()));
        assert_eq!(schema.fields()[0].display_label(), "First name");
    }

    #[test]
    fn a_key_declared_twice_is_refused_with_a_pointer() {
        let problems = Schema::from_json(
            &json!([{"key": "income", "type": "integer"}, {"key": "income", "type": "number"}]),
            "/data/attributes/fields",
        )
        .expect_err("duplicate keys");

        assert_eq!(problems[0].code, "duplicate-field");
        assert_eq!(
            problems[0].pointer.as_deref(),
            Some("/data/attributes/fields/1/key")
        );
    }

    #[test]
    fn a_field_nested_inside_another_field_is_refused() {
        let problems = Schema::from_json(
            &json!([{"key": "name", "type": "string"}, {"key": "name.first", "type": "string"}]),
            "/f",
        )
        .expect_err("name is both a value and a hash");

        assert_eq!(problems[0].code, "field-conflict");
    }

    #[test]
    fn an_unknown_type_or_a_bad_key_is_refused() {
        let bad_type = Schema::from_json(&json!([{"key": "a", "type": "money"}]), "/f")
            .expect_err("unknown type");
        let bad_key = Schema::from_json(&json!([{"key": "A B", "type": "string"}]), "/f")
            .expect_err("bad key");

        assert_eq!(bad_type[0].pointer.as_deref(), Some("/f/0/type"));
        assert_eq!(bad_key[0].pointer.as_deref(), Some("/f/0/key"));
    }

    #[test]
    fn a_schema_round_trips_through_its_storage_form() {
        let schema = Schema::from_json(
            &json!([{"key": "tier", "type": "choices", "choices": ["a"]}]),
            "/f",
        )
        .unwrap();

        let stored = serde_json::to_string(&schema).unwrap();

        assert_eq!(serde_json::from_str::<Schema>(&stored).unwrap(), schema);
    }
}
