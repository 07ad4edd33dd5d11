//! Tessera's engine: the domain rules and the storage behind them, in plain Rust.
//!
//! Nothing here knows about HTTP or Leptos: the API, the hosted flow, the dashboard and the
//! workflows all call the same functions.

pub mod connections;
mod context;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod documents;
pub mod error;
pub mod events;
pub mod fields;
pub mod flow;
pub mod generate;
pub mod idempotency;
pub mod ids;
pub mod inquiry;
pub mod jobs;
pub mod members;
pub mod notifications;
pub mod objects;
pub mod orgs;
pub mod outbound;
pub mod paging;
pub mod redemption;
pub mod render;
pub mod scenarios;
pub mod schemas;
pub mod share_tokens;
#[cfg(test)]
mod testing;
pub mod time;
mod trust;
pub mod verification;
pub mod webhooks;
pub mod worker;
pub mod workflows;

pub use context::Engine;
pub use db::{Database, DatabaseError, WriteTransaction};
pub use domain::hydration;
pub use domain::webhook_signature;
pub use error::{Error, Problem, ProblemKind, Result};
