//! Server-only glue between the pages and the engine.

use leptos::prelude::*;

/// The engine's database, provided to every page and server function by the server.
pub fn database() -> Result<engine::Database, ServerFnError> {
    use_context::<engine::Database>()
        .ok_or_else(|| ServerFnError::new("The server is misconfigured: no database in context."))
}
