//! Tessera's domain: the types every channel (API, hosted flow, dashboard, workflows) shares and
//! the rules that need no storage. No database and no async runtime here, so the browser build
//! uses the same types as the server instead of copies.
//!
//! Features: `random` generates ids (the server); `sqlx` stores ids and statuses (the engine);
//! `proptest` exports generators for other crates' property tests.

pub mod fields;
pub mod flow;
pub mod hydration;
pub mod ids;
pub mod lifecycle;
pub mod schema;
pub mod verification;
#[cfg(feature = "signature")]
pub mod webhook_signature;

/// What a `parse` answers, as an `Option` (status enums answer `Option`, ids `Result`).
#[doc(hidden)]
pub trait ParsedText<T> {
    fn into_option(self) -> Option<T>;
}

impl<T> ParsedText<T> for Option<T> {
    fn into_option(self) -> Option<T> {
        self
    }
}

impl<T, E> ParsedText<T> for Result<T, E> {
    fn into_option(self) -> Option<T> {
        self.ok()
    }
}

/// Stores a type as text in any database sqlx supports: the type's `as_str` is written and its
/// `parse` reads it back (an unknown text is a decode error naming the type, not the value).
/// Generic over the database, so the same impls serve SQLite and PostgreSQL.
#[macro_export]
macro_rules! text_column {
    ($ty:ty) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $ty
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $ty
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, DB>>::encode(String::from(self.as_str()), buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $ty
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <String as sqlx::Decode<'r, DB>>::decode(value)?;
                $crate::ParsedText::into_option(<$ty>::parse(&text))
                    .ok_or_else(|| concat!("not a stored ", stringify!($ty)).into())
            }
        }
    };
}
