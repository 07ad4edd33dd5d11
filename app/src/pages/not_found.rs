//! The page for an address Tessera does not serve.

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <leptos_meta::Html {..} lang="en" />
        <main class="page">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. Check the link you followed, or go to the "
                <a href="/">"start page"</a>"."
            </p>
        </main>
    }
}
