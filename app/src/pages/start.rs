//! The start page: proves that server rendering, hydration, server functions and SQLite work
//! together. The hosted flow replaces it.

use leptos::prelude::*;

/// How many visits the start page has recorded.
#[server(prefix = "/fn", endpoint = "visit-count")]
pub async fn visit_count() -> Result<i64, ServerFnError> {
    let engine = crate::ssr::engine()?;
    engine::visits::count(engine.db()).await.map_err(|err| {
        tracing::error!(error = %err, "counting visits failed");
        ServerFnError::new("The visit count is unavailable right now. Try again in a moment.")
    })
}

/// Records a visit and returns the new total.
#[server(prefix = "/fn", endpoint = "record-visit")]
pub async fn record_visit() -> Result<i64, ServerFnError> {
    let engine = crate::ssr::engine()?;
    engine::visits::record(engine.db()).await.map_err(|err| {
        tracing::error!(error = %err, "recording a visit failed");
        ServerFnError::new("The visit could not be recorded. Try again in a moment.")
    })
}

#[component]
pub fn StartPage() -> impl IntoView {
    view! {
        <leptos_meta::Html {..} lang="en" />
        <main class="page">
            <h1>"Tessera is running"</h1>
            <p>"Reusable identity data: share tokens, redemption and the hosted verification flow."</p>
            <Visits />
        </main>
    }
}

/// The visit counter: an island, the part of the page that runs in the browser.
#[island]
fn Visits() -> impl IntoView {
    let record = ServerAction::<RecordVisit>::new();
    let count = Resource::new(move || record.version().get(), |_| visit_count());
    // Set only in the browser, once the WASM has taken over the page: end-to-end tests wait for it.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
            <section aria-labelledby="visits-heading" data-hydrated=move || hydrated.get().to_string()>
                <h2 id="visits-heading">"Visits"</h2>
                <p aria-live="polite">
                    <Suspense fallback=|| "Counting visits…">
                        {move || {
                            count
                                .get()
                                .map(|result| match result {
                                    Ok(total) => format!("Visits recorded: {total}"),
                                    Err(err) => err.to_string(),
                                })
                        }}
                    </Suspense>
                </p>
                <ActionForm action=record>
                    <button type="submit">"Record a visit"</button>
                </ActionForm>
            </section>
    }
}
