//! Fields: paths, types, values, schemas, request input and response rendering (CONTRACT.md §3).

mod input;
mod path;
mod render;
mod schema;
mod value;

pub use input::{
    ACCEPTED_CONTENT_TYPES, FieldInput, InputValue, MAX_FILE_BYTES, NewFile, escape_pointer,
    parse_fields,
};
pub use path::{FieldPath, InvalidFieldPath};
pub use render::render_fields;
pub use schema::{FieldDef, MAX_FIELDS, Schema};
pub use value::{
    ConversionError, FieldType, FieldValue, FileRef, Refusal, TypeVerdict, format_date,
    format_datetime, parse_date,
};

/// The values an object holds, by full path. Unset fields are absent.
pub type FieldValues = std::collections::BTreeMap<FieldPath, FieldValue>;

#[cfg(test)]
pub(crate) mod strategies {
    pub use super::path::tests::any_path;
    pub use super::value::tests::{any_scalar_type, any_scalar_value};
}
