//! Server-only glue between the pages and the engine.

use leptos::prelude::*;

/// The engine, provided to every page and server function by the server.
pub fn engine() -> Result<engine::Engine, ServerFnError> {
    use_context::<engine::Engine>()
        .ok_or_else(|| ServerFnError::new("The server is misconfigured: no engine in context."))
}
