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

/// mimalloc for every binary built on the server (the `tessera` command, its tests and
/// benchmarks): page rendering allocates a lot of small strings, and glibc's allocator took
/// about 15 % of the CPU of a page render under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
