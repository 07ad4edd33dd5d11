//! Schemas: the fields an inquiry template, transaction type or account type declares, and the
//! rules a declaration follows. Refusals say which declaration (by position) and what is wrong;
//! where that is in a request is for the channel to say.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::fields::{FieldPath, FieldType};

/// Most fields one schema may declare.
pub const MAX_FIELDS: usize = 200;
/// Most characters of a field's label.
pub const MAX_LABEL_CHARS: usize = 200;

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
    /// An optional field without a label.
    pub fn new(key: FieldPath, field_type: FieldType) -> Self {
        Self {
            key,
            field_type,
            required: false,
            label: None,
        }
    }

    /// The label shown to people: the declared label, else the key.
    pub fn display_label(&self) -> &str {
        self.label.as_deref().unwrap_or(self.key.as_str())
    }
}

/// Why a list of field declarations is not a schema. `index` is the declaration's position.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("a schema declares at most {MAX_FIELDS} fields")]
    TooManyFields,
    #[error("`{key}` is declared twice")]
    DuplicateField { index: usize, key: FieldPath },
    #[error("`{key}` nests inside `{parent}`, which is declared as a field of its own")]
    FieldConflict {
        index: usize,
        key: FieldPath,
        parent: FieldPath,
    },
    #[error("a choices field lists one or more distinct choices")]
    InvalidChoices { index: usize },
    #[error("a label is a non-empty text of at most {MAX_LABEL_CHARS} characters")]
    InvalidLabel { index: usize },
}

/// The fields of one schema. Keys are unique and no key nests inside another.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Schema {
    fields: Vec<FieldDef>,
}

impl Schema {
    /// Checks the invariants, answering every broken one.
    pub fn new(fields: Vec<FieldDef>) -> Result<Self, Vec<SchemaError>> {
        let mut errors = Vec::new();
        if fields.len() > MAX_FIELDS {
            errors.push(SchemaError::TooManyFields);
        }
        let mut seen = BTreeSet::new();
        for (index, field) in fields.iter().enumerate() {
            if !seen.insert(field.key.clone()) {
                errors.push(SchemaError::DuplicateField {
                    index,
                    key: field.key.clone(),
                });
            }
            if let Some(parent) = fields
                .iter()
                .find(|other| other.key.is_ancestor_of(&field.key))
            {
                errors.push(SchemaError::FieldConflict {
                    index,
                    key: field.key.clone(),
                    parent: parent.key.clone(),
                });
            }
            if let FieldType::Choices { choices } = &field.field_type {
                let distinct: BTreeSet<_> = choices.iter().collect();
                if choices.is_empty() || distinct.len() != choices.len() {
                    errors.push(SchemaError::InvalidChoices { index });
                }
            }
            if let Some(label) = &field.label
                && (label.trim().is_empty() || label.chars().count() > MAX_LABEL_CHARS)
            {
                errors.push(SchemaError::InvalidLabel { index });
            }
        }
        if errors.is_empty() {
            Ok(Self { fields })
        } else {
            Err(errors)
        }
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

    /// Marks the fields in `keys` required (a verification or report needs them).
    pub fn require(&mut self, keys: &BTreeSet<FieldPath>) {
        for field in &mut self.fields {
            if keys.contains(&field.key) {
                field.required = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> FieldPath {
        FieldPath::parse(text).expect("a valid path")
    }

    #[test]
    fn a_schema_knows_its_fields_hashes_and_labels() {
        let schema = Schema::new(vec![
            FieldDef {
                label: Some("First name".into()),
                ..FieldDef::new(path("name.first"), FieldType::String)
            },
            FieldDef {
                required: true,
                ..FieldDef::new(
                    path("tier"),
                    FieldType::Choices {
                        choices: vec!["gold".into(), "silver".into()],
                    },
                )
            },
        ])
        .expect("a valid schema");

        assert!(
            schema
                .get(&path("tier"))
                .expect("tier is declared")
                .required
        );
        assert!(schema.is_hash(&path("name")));
        assert_eq!(schema.fields()[0].display_label(), "First name");
    }

    #[test]
    fn a_key_declared_twice_is_refused_at_its_second_declaration() {
        let errors = Schema::new(vec![
            FieldDef::new(path("income"), FieldType::Integer),
            FieldDef::new(path("income"), FieldType::Number),
        ])
        .expect_err("duplicate keys");

        assert_eq!(
            errors,
            [SchemaError::DuplicateField {
                index: 1,
                key: path("income")
            }]
        );
    }

    #[test]
    fn a_field_nested_inside_another_field_is_refused() {
        let errors = Schema::new(vec![
            FieldDef::new(path("name"), FieldType::String),
            FieldDef::new(path("name.first"), FieldType::String),
        ])
        .expect_err("name is both a value and a hash");

        assert!(
            matches!(errors[..], [SchemaError::FieldConflict { index: 1, .. }]),
            "{errors:?}"
        );
    }

    #[test]
    fn too_many_fields_empty_choices_and_blank_labels_are_refused() {
        let many = (0..=MAX_FIELDS)
            .map(|n| FieldDef::new(path(&format!("f{n}")), FieldType::String))
            .collect();
        let odd = vec![
            FieldDef::new(path("c"), FieldType::Choices { choices: vec![] }),
            FieldDef {
                label: Some("  ".into()),
                ..FieldDef::new(path("d"), FieldType::String)
            },
        ];

        assert_eq!(Schema::new(many).unwrap_err(), [SchemaError::TooManyFields]);
        assert_eq!(
            Schema::new(odd).unwrap_err(),
            [
                SchemaError::InvalidChoices { index: 0 },
                SchemaError::InvalidLabel { index: 1 }
            ]
        );
    }

    #[test]
    fn a_schema_round_trips_through_its_storage_form() {
        let schema = Schema::new(vec![FieldDef::new(
            path("tier"),
            FieldType::Choices {
                choices: vec!["a".into()],
            },
        )])
        .unwrap();

        let stored = serde_json::to_string(&schema).unwrap();

        assert_eq!(serde_json::from_str::<Schema>(&stored).unwrap(), schema);
    }
}
