//! Rendering an object's fields for responses: `{"<key>":{"type","value"}}`, hashes nested.

use serde_json::{Map, Value, json};

use super::{FieldValues, Schema};

/// Every field the schema declares, set or not (`"value": null`), nested by path segment.
pub fn render_fields(schema: &Schema, values: &FieldValues) -> Value {
    let mut root = Map::new();
    for def in schema.fields() {
        let leaf = match values.get(&def.key) {
            Some(value) => json!({"type": value.type_name(), "value": value.to_json()}),
            None => json!({"type": def.field_type.name(), "value": null}),
        };
        let segments: Vec<&str> = def.key.segments().collect();
        let (last, parents) = segments
            .split_last()
            .expect("a path has at least one segment");
        let mut node = &mut root;
        for segment in parents {
            let entry = node
                .entry(segment.to_string())
                .or_insert_with(|| json!({"type": "hash", "value": {}}));
            node = entry["value"]
                .as_object_mut()
                .expect("hash nodes hold an object");
        }
        node.insert(last.to_string(), leaf);
    }
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::{FieldPath, FieldValue};

    #[test]
    fn dotted_fields_render_as_nested_hashes_and_unset_fields_as_null() {
        let schema = crate::testing::schema(
            json!([{"key": "name.first", "type": "string"}, {"key": "age", "type": "integer"}]),
        );
        let mut values = FieldValues::new();
        values.insert(
            FieldPath::parse("name.first").unwrap(),
            FieldValue::String("Ada".into()),
        );

        let rendered = render_fields(&schema, &values);

        assert_eq!(
            rendered,
            json!({
                "name": {"type": "hash", "value": {"first": {"type": "string", "value": "Ada"}}},
                "age": {"type": "integer", "value": null}
            })
        );
    }
}
