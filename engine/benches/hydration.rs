//! Hydration of a 50-field snapshot into a 50-field destination with 10 mappings.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::fields::{FieldDef, FieldPath, FieldType, FieldValue, FieldValues, Schema};
use engine::hydration::{FieldMapping, hydrate};

fn path(text: &str) -> FieldPath {
    FieldPath::parse(text).expect("valid path")
}

fn setup() -> (FieldValues, Schema, Vec<FieldMapping>) {
    let mut source = FieldValues::new();
    let mut defs = Vec::new();
    for n in 0..50 {
        // 40 fields match by name (half need a string → integer conversion), 10 go through mappings.
        let value = if n % 2 == 0 {
            FieldValue::String(format!("{}", 1000 + n))
        } else {
            FieldValue::String(format!("value {n}"))
        };
        if n < 40 {
            source.insert(path(&format!("group-{}.field-{n}", n % 5)), value);
            let field_type = if n % 2 == 0 {
                FieldType::Integer
            } else {
                FieldType::String
            };
            defs.push(FieldDef {
                key: path(&format!("group-{}.field-{n}", n % 5)),
                field_type,
                required: false,
                label: None,
            });
        } else {
            source.insert(path(&format!("source_{n}")), value);
            defs.push(FieldDef {
                key: path(&format!("mapped.field-{n}")),
                field_type: FieldType::String,
                required: false,
                label: None,
            });
        }
    }
    let mappings = (40..50)
        .map(|n| FieldMapping {
            source_field_name: path(&format!("source_{n}")),
            destination_field_name: path(&format!("mapped.field-{n}")),
        })
        .collect();
    (source, Schema::new(defs).expect("valid schema"), mappings)
}

fn bench(c: &mut Criterion) {
    let (source, schema, mappings) = setup();
    let check = hydrate(&source, &schema, &mappings);
    assert_eq!(
        check.report.by_name.len() + check.report.by_mapping.len(),
        50,
        "every field should hydrate"
    );
    c.bench_function("hydrate 50 fields, 10 mappings", |b| {
        b.iter(|| hydrate(black_box(&source), black_box(&schema), black_box(&mappings)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
