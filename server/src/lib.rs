//! The `tessera` server: configuration, the axum router around the Leptos pages, and the
//! command line. `main.rs` only calls [`cli::main`].

mod api;
pub mod assets;
pub mod cli;
pub mod config;
mod demo_site;
mod health;
mod http_app;
mod member_files;
mod security;
mod serve;
mod shutdown;
mod telemetry;

pub use config::ServeConfig;
pub use http_app::Tessera;
