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
