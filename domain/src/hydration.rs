//! Hydration: which source values go into which destination fields (CONTRACT.md §5, rules 3–5).
//!
//! Pure functions: the same code computes a redemption and its preview.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::fields::{ConversionError, FieldPath, FieldValues, TypeVerdict};
use crate::schema::Schema;

/// Most mappings one redemption may carry.
pub const MAX_MAPPINGS: usize = 200;

/// Pairs a source field with a differently named destination field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FieldMapping {
    pub source_field_name: FieldPath,
    pub destination_field_name: FieldPath,
}

/// Why a mapping does not fit the destination schema (rule 3), by its position in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingRefusal {
    pub index: usize,
    pub destination_field_name: FieldPath,
    pub problem: MappingProblem,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MappingProblem {
    /// The destination schema has no such field.
    NotADestinationField,
    /// An earlier mapping already fills this destination field.
    DuplicateDestination,
    /// More than [`MAX_MAPPINGS`] mappings: this is the first one past the limit.
    TooMany,
}

/// Rule 3: every mapping's destination is a field of `destination`, and no two mappings fill the
/// same one; at most [`MAX_MAPPINGS`] of them.
pub fn check_mappings(
    mappings: &[FieldMapping],
    destination: &Schema,
) -> Result<(), Vec<MappingRefusal>> {
    let mut refusals = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, mapping) in mappings.iter().enumerate() {
        if index >= MAX_MAPPINGS {
            refusals.push(MappingRefusal {
                index,
                destination_field_name: mapping.destination_field_name.clone(),
                problem: MappingProblem::TooMany,
            });
            break;
        }
        let field = &mapping.destination_field_name;
        let problem = if destination.get(field).is_none() {
            MappingProblem::NotADestinationField
        } else if !seen.insert(field.clone()) {
            MappingProblem::DuplicateDestination
        } else {
            continue;
        };
        refusals.push(MappingRefusal {
            index,
            destination_field_name: field.clone(),
            problem,
        });
    }
    if refusals.is_empty() {
        Ok(())
    } else {
        Err(refusals)
    }
}

/// A mapping that did not apply, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct IgnoredMapping {
    pub source_field_name: FieldPath,
    pub destination_field_name: FieldPath,
    pub reason: String,
}

/// A source value that fit no destination type without loss.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    pub path: FieldPath,
    pub reason: String,
}

/// A field a preview matched whose conversion depends on the source value, so it is decided only
/// when the token is redeemed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conditional {
    pub path: FieldPath,
    pub reason: String,
}

/// What a redemption copied (rule 5). `by-name`, `by-mapping` and `unset` partition the destination's
/// fields; `rejected` explains the unset ones whose source value could not be converted. A preview
/// also lists under `conditional` the matched fields whose conversion depends on the value (it
/// judges by types only, so that it tells the destination nothing about a value before redemption).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct HydrationReport {
    pub by_name: Vec<FieldPath>,
    pub by_mapping: Vec<FieldPath>,
    pub unset: Vec<FieldPath>,
    pub ignored_mappings: Vec<IgnoredMapping>,
    pub rejected: Vec<Rejected>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditional: Vec<Conditional>,
}

/// How the source's type meets the destination's, in words that name paths and types only.
fn describe(source: &FieldPath, destination: &FieldPath, from: &str, to: &str) -> String {
    if source == destination {
        format!("the source's {from} at `{source}` into a {to}")
    } else {
        format!("the source's {from} at `{source}` into the {to} at `{destination}`")
    }
}

impl HydrationReport {
    /// Records that the value at `source` could not become `destination`'s type: the reason names
    /// the paths and the types, never the value (the report is shown before redemption).
    fn reject(&mut self, source: &FieldPath, destination: &FieldPath, err: &ConversionError) {
        let what = describe(source, destination, err.from, err.to);
        self.rejected.push(Rejected {
            path: destination.clone(),
            reason: format!("{what}: {}", err.refusal.sentence()),
        });
        self.unset.push(destination.clone());
    }
}

/// Whether a hydration may look at the source's values (a redemption) or only at their types
/// (a preview, before the destination may know anything about a value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sight {
    Values,
    TypesOnly,
}

/// The values to write into the destination and the report of how they were chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct Hydration {
    pub values: FieldValues,
    pub report: HydrationReport,
}

/// Rule 4: match by name, then mappings for fields that did not match, converting without loss.
pub fn hydrate(source: &FieldValues, destination: &Schema, mappings: &[FieldMapping]) -> Hydration {
    hydrate_with(source, destination, mappings, Sight::Values)
}

/// The report a preview gives before redemption: the same matching as [`hydrate`], but each
/// conversion judged by the two types alone. One that depends on the value is listed as matched
/// and under `conditional`; redeeming decides it. Two snapshots with the same keys and types give
/// the same preview, whatever their values.
pub fn preview(
    source: &FieldValues,
    destination: &Schema,
    mappings: &[FieldMapping],
) -> HydrationReport {
    hydrate_with(source, destination, mappings, Sight::TypesOnly).report
}

fn hydrate_with(
    source: &FieldValues,
    destination: &Schema,
    mappings: &[FieldMapping],
    sight: Sight,
) -> Hydration {
    let mut values = FieldValues::new();
    let mut report = HydrationReport::default();
    for def in destination.fields() {
        let by_name = source.get(&def.key);
        let mapping = mappings
            .iter()
            .find(|m| m.destination_field_name == def.key);
        let (source_path, value, by_mapping) = match (by_name, mapping) {
            (Some(value), mapping) => {
                if let Some(mapping) = mapping {
                    report.ignored_mappings.push(ignored(
                        mapping,
                        "the destination field matched a source field by name",
                    ));
                }
                (&def.key, value, false)
            }
            (None, Some(mapping)) => match source.get(&mapping.source_field_name) {
                None => {
                    report
                        .ignored_mappings
                        .push(ignored(mapping, "the source has no value for this field"));
                    report.unset.push(def.key.clone());
                    continue;
                }
                Some(value) => (&mapping.source_field_name, value, true),
            },
            (None, None) => {
                report.unset.push(def.key.clone());
                continue;
            }
        };
        let converted = match sight {
            Sight::Values => value.convert_to(&def.field_type).map(Some),
            Sight::TypesOnly => match value.verdict_for(&def.field_type) {
                TypeVerdict::Always => Ok(None),
                TypeVerdict::Never(refusal) => Err(ConversionError {
                    from: value.type_name(),
                    to: def.field_type.name(),
                    refusal,
                }),
                TypeVerdict::DependsOnValue => {
                    let what = describe(
                        source_path,
                        &def.key,
                        value.type_name(),
                        def.field_type.name(),
                    );
                    report.conditional.push(Conditional {
                        path: def.key.clone(),
                        reason: format!("{what} depends on the value: decided at redemption"),
                    });
                    Ok(None)
                }
            },
        };
        match converted {
            Ok(converted) => {
                if let Some(converted) = converted {
                    values.insert(def.key.clone(), converted);
                }
                if by_mapping {
                    report.by_mapping.push(def.key.clone());
                } else {
                    report.by_name.push(def.key.clone());
                }
            }
            Err(err) => report.reject(source_path, &def.key, &err),
        }
    }
    Hydration { values, report }
}

fn ignored(mapping: &FieldMapping, reason: &str) -> IgnoredMapping {
    IgnoredMapping {
        source_field_name: mapping.source_field_name.clone(),
        destination_field_name: mapping.destination_field_name.clone(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::FieldValue;
    use crate::fields::strategies::{any_path, any_scalar_type, any_scalar_value};
    use crate::schema::FieldDef;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn path(text: &str) -> FieldPath {
        FieldPath::parse(text).unwrap()
    }

    fn schema(fields: Value) -> Schema {
        Schema::new(serde_json::from_value(fields).expect("field declarations"))
            .expect("a valid schema")
    }

    fn mapping(source: &str, destination: &str) -> FieldMapping {
        FieldMapping {
            source_field_name: path(source),
            destination_field_name: path(destination),
        }
    }

    fn source(pairs: &[(&str, FieldValue)]) -> FieldValues {
        pairs.iter().map(|(k, v)| (path(k), v.clone())).collect()
    }

    #[test]
    fn fields_with_the_same_path_are_copied_by_name_and_the_rest_left_unset() {
        let destination = schema(
            json!([{"key": "name.first", "type": "string"}, {"key": "income", "type": "integer"}]),
        );
        let source = source(&[
            ("name.first", FieldValue::String("Ada".into())),
            ("nickname", FieldValue::String("A".into())),
        ]);

        let hydration = hydrate(&source, &destination, &[]);

        assert_eq!(hydration.values.len(), 1);
        assert_eq!(hydration.report.by_name, [path("name.first")]);
        assert_eq!(hydration.report.unset, [path("income")]);
    }

    #[test]
    fn a_mapping_fills_a_differently_named_field_and_flattens_into_nested() {
        let destination = schema(
            json!([{"key": "income", "type": "integer"}, {"key": "name.first", "type": "string"}]),
        );
        let source = source(&[
            ("salary", FieldValue::Integer(50_000)),
            ("name_first", FieldValue::String("Ada".into())),
        ]);

        let hydration = hydrate(
            &source,
            &destination,
            &[
                mapping("salary", "income"),
                mapping("name_first", "name.first"),
            ],
        );

        assert_eq!(
            hydration.values[&path("income")],
            FieldValue::Integer(50_000)
        );
        assert_eq!(
            hydration.values[&path("name.first")],
            FieldValue::String("Ada".into())
        );
        assert_eq!(
            hydration.report.by_mapping,
            [path("income"), path("name.first")]
        );
    }

    #[test]
    fn a_mapping_to_a_field_matched_by_name_is_ignored() {
        let destination = schema(json!([{"key": "income", "type": "integer"}]));
        let source = source(&[
            ("income", FieldValue::Integer(1)),
            ("salary", FieldValue::Integer(2)),
        ]);

        let hydration = hydrate(&source, &destination, &[mapping("salary", "income")]);

        assert_eq!(
            hydration.values[&path("income")],
            FieldValue::Integer(1),
            "the by-name value wins"
        );
        assert_eq!(hydration.report.ignored_mappings.len(), 1);
    }

    #[test]
    fn a_mapping_whose_source_field_is_absent_is_ignored() {
        let destination = schema(json!([{"key": "income", "type": "integer"}]));

        let hydration = hydrate(
            &FieldValues::new(),
            &destination,
            &[mapping("salary", "income")],
        );

        assert!(hydration.values.is_empty());
        assert_eq!(
            hydration.report.ignored_mappings[0].reason,
            "the source has no value for this field"
        );
        assert_eq!(hydration.report.unset, [path("income")]);
    }

    #[test]
    fn a_preview_judges_by_types_so_different_values_give_the_same_report() {
        let destination = schema(json!([
            {"key": "income", "type": "integer"},
            {"key": "tier", "type": "choices", "choices": ["gold", "silver"]},
            {"key": "nickname", "type": "string"},
            {"key": "selfie", "type": "file"}
        ]));
        let sources = [
            source(&[
                ("income", FieldValue::String("52000".into())),
                ("tier", FieldValue::String("gold".into())),
                ("nickname", FieldValue::Integer(7)),
                ("selfie", FieldValue::Boolean(true)),
            ]),
            source(&[
                ("income", FieldValue::String("a lot".into())),
                ("tier", FieldValue::String("bronze".into())),
                ("nickname", FieldValue::Integer(8)),
                ("selfie", FieldValue::Boolean(false)),
            ]),
        ];

        let previews = sources.each_ref().map(|s| preview(s, &destination, &[]));
        let redeemed = sources
            .each_ref()
            .map(|s| hydrate(s, &destination, &[]).report);

        assert_eq!(
            previews[0], previews[1],
            "the preview may not depend on the values"
        );
        assert_ne!(
            redeemed[0], redeemed[1],
            "redeeming does look at the values"
        );
        assert_eq!(
            previews[0]
                .conditional
                .iter()
                .map(|c| c.path.clone())
                .collect::<Vec<_>>(),
            [path("income"), path("tier")],
            "text into an integer or choices is decided at redemption"
        );
        assert_eq!(
            previews[0].by_name,
            [path("income"), path("tier"), path("nickname")]
        );
        assert_eq!(
            previews[0].unset,
            [path("selfie")],
            "a boolean never becomes a file"
        );
    }

    #[test]
    fn a_value_that_cannot_be_converted_is_rejected_and_left_unset() {
        let destination = schema(json!([{"key": "income", "type": "integer"}]));
        let source = source(&[("income", FieldValue::String("a lot".into()))]);

        let hydration = hydrate(&source, &destination, &[]);

        assert!(hydration.values.is_empty());
        assert_eq!(hydration.report.rejected[0].path, path("income"));
        assert_eq!(hydration.report.unset, [path("income")]);
    }

    #[test]
    fn a_string_number_is_converted_to_the_declared_integer() {
        let destination = schema(json!([{"key": "income", "type": "integer"}]));

        let hydration = hydrate(
            &source(&[("income", FieldValue::String("42".into()))]),
            &destination,
            &[],
        );

        assert_eq!(hydration.values[&path("income")], FieldValue::Integer(42));
    }

    #[test]
    fn a_mapping_to_an_undeclared_field_or_a_second_one_to_a_field_is_refused_by_position() {
        let destination = schema(json!([{"key": "income", "type": "integer"}]));

        let refusals = check_mappings(
            &[
                mapping("salary", "income"),
                mapping("x", "wealth"),
                mapping("wage", "income"),
            ],
            &destination,
        )
        .expect_err("wealth is not declared and income is mapped twice");

        assert_eq!(
            refusals,
            [
                MappingRefusal {
                    index: 1,
                    destination_field_name: path("wealth"),
                    problem: MappingProblem::NotADestinationField,
                },
                MappingRefusal {
                    index: 2,
                    destination_field_name: path("income"),
                    problem: MappingProblem::DuplicateDestination,
                },
            ]
        );
    }

    fn any_schema() -> impl Strategy<Value = Schema> {
        prop::collection::btree_map(any_path(), any_scalar_type(), 0..12).prop_filter_map(
            "nested keys",
            |fields| {
                let defs = fields
                    .into_iter()
                    .map(|(key, field_type)| FieldDef {
                        key,
                        field_type,
                        required: false,
                        label: None,
                    })
                    .collect();
                Schema::new(defs).ok()
            },
        )
    }

    fn any_values() -> impl Strategy<Value = FieldValues> {
        prop::collection::btree_map(any_path(), any_scalar_value(), 0..12)
    }

    /// A source sharing some paths with the destination, plus mappings between random fields.
    fn any_case() -> impl Strategy<Value = (FieldValues, Schema, Vec<FieldMapping>)> {
        (any_schema(), any_values(), any_values()).prop_flat_map(
            |(schema, extra, shared_values)| {
                let mut source = extra;
                for (def, (_, value)) in schema.fields().iter().zip(shared_values) {
                    source.insert(def.key.clone(), value);
                }
                let source_keys: Vec<FieldPath> = source
                    .keys()
                    .cloned()
                    .chain([FieldPath::parse("absent").unwrap()])
                    .collect();
                let dest_keys: Vec<FieldPath> =
                    schema.fields().iter().map(|d| d.key.clone()).collect();
                let mappings = if dest_keys.is_empty() {
                    Just(Vec::new()).boxed()
                } else {
                    prop::collection::vec(
                        (
                            prop::sample::select(source_keys),
                            prop::sample::select(dest_keys),
                        ),
                        0..6,
                    )
                    .prop_map(|pairs| {
                        let mut seen = BTreeSet::new();
                        pairs
                            .into_iter()
                            .filter(|(_, d)| seen.insert(d.clone()))
                            .map(|(s, d)| FieldMapping {
                                source_field_name: s,
                                destination_field_name: d,
                            })
                            .collect()
                    })
                    .boxed()
                };
                (Just(source), Just(schema), mappings)
            },
        )
    }

    proptest! {
        #[test]
        fn hydration_never_writes_a_field_the_destination_does_not_declare((source, schema, mappings) in any_case()) {
            let hydration = hydrate(&source, &schema, &mappings);
            for key in hydration.values.keys() {
                prop_assert!(schema.get(key).is_some(), "{} is not declared", key);
            }
        }

        #[test]
        fn a_mapping_never_overrides_a_by_name_match((source, schema, mappings) in any_case()) {
            let hydration = hydrate(&source, &schema, &mappings);
            for key in &hydration.report.by_mapping {
                prop_assert!(!source.contains_key(key), "{} was mapped although the source has it by name", key);
            }
            for key in &hydration.report.by_name {
                let expected = source[key].convert_to(&schema.get(key).unwrap().field_type).unwrap();
                prop_assert_eq!(&hydration.values[key], &expected);
            }
        }

        #[test]
        fn the_report_partitions_the_destination_fields((source, schema, mappings) in any_case()) {
            let report = hydrate(&source, &schema, &mappings).report;
            let mut all: Vec<_> = report.by_name.iter().chain(&report.by_mapping).chain(&report.unset).cloned().collect();
            all.sort();
            let mut declared: Vec<_> = schema.fields().iter().map(|d| d.key.clone()).collect();
            declared.sort();
            prop_assert_eq!(all, declared);
        }
    }
}
