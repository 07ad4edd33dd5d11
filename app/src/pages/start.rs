//! The start page: proves that server rendering, hydration, server functions and SQLite work
//! together. The hosted flow replaces it.

use leptos::prelude::*;

use crate::i18n::{self, Lang, Msg, request_lang, t};

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
    let lang = request_lang(None);
    view! {
        <leptos_meta::Html {..} lang=lang.tag() />
        <main class="page">
            <h1>{t(lang, Msg::StartHeading)}</h1>
            <p>{t(lang, Msg::StartIntro)}</p>
            <Visits lang />
        </main>
    }
}

/// The visit counter: an island, the part of the page that runs in the browser.
#[island]
fn Visits(lang: Lang) -> impl IntoView {
    let record = ServerAction::<RecordVisit>::new();
    let count = Resource::new(move || record.version().get(), |_| visit_count());
    // Set only in the browser, once the WASM has taken over the page: end-to-end tests wait for it.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
            <section aria-labelledby="visits-heading" data-hydrated=move || hydrated.get().to_string()>
                <h2 id="visits-heading">{t(lang, Msg::VisitsHeading)}</h2>
                <p aria-live="polite">
                    <Suspense fallback=move || t(lang, Msg::CountingVisits)>
                        {move || {
                            count
                                .get()
                                .map(|result| match result {
                                    Ok(total) => i18n::visits_recorded(lang, total),
                                    Err(_) => t(lang, Msg::VisitsUnavailable).to_owned(),
                                })
                        }}
                    </Suspense>
                </p>
                <ActionForm action=record>
                    <button type="submit">{t(lang, Msg::RecordVisit)}</button>
                </ActionForm>
            </section>
    }
}
