//! Fields: the domain's paths, types and values (re-exported from `domain`), and schemas (also from `domain`),
//! plus what the engine adds around them: request input and response rendering (CONTRACT.md §3).

mod input;
mod render;

pub use domain::fields::{
    ConversionError, FieldPath, FieldType, FieldValue, FieldValues, FileRef, InvalidFieldPath,
    Refusal, TypeVerdict, format_date, format_datetime, parse_date, parse_text,
};
pub use domain::schema::{FieldDef, MAX_FIELDS, Schema, SchemaError};
pub use input::{
    ACCEPTED_CONTENT_TYPES, FieldInput, FileRefusal, InputValue, MAX_FILE_BYTES, MAX_STRING_BYTES,
    NewFile, escape_pointer, form_value, new_file, parse_fields, pointer_of,
};
pub use render::render_fields;
