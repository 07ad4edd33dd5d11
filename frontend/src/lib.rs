//! Entry point of the WASM bundle: hydrates the islands of the page the server rendered.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Linking the app registers its islands.
    app::register();
    leptos::mount::hydrate_islands();
}
