//! Fields: paths (`name.first`), the types a schema declares, typed values and the lossless
//! conversions between them (CONTRACT.md §3).

mod path;
mod value;

pub use path::{FieldPath, InvalidFieldPath};
pub use value::{
    ConversionError, FieldType, FieldValue, FileRef, Refusal, TypeVerdict, format_date,
    format_datetime, parse_date, parse_text,
};

/// The values an object holds, by full path. Unset fields are absent.
pub type FieldValues = std::collections::BTreeMap<FieldPath, FieldValue>;

/// Generators for property tests (the `proptest` feature).
#[cfg(any(test, feature = "proptest"))]
pub mod strategies {
    pub use super::path::tests::any_path;
    pub use super::value::tests::{any_scalar_type, any_scalar_value};
}
