//! The landing page `/`: what Tessera is, how it works, and where developers go next. Plain
//! server-rendered HTML: nothing on it needs the browser to run code.

use leptos::prelude::*;

use crate::i18n::{Msg, request_lang, t};

#[component]
pub fn StartPage() -> impl IntoView {
    let lang = request_lang(None);
    view! {
        <leptos_meta::Html {..} lang=lang.tag() />
        <main class="page landing">
            <h1>{t(lang, Msg::StartHeading)}</h1>
            <p>{t(lang, Msg::StartIntro)}</p>
            <section aria-labelledby="how-heading">
                <h2 id="how-heading">{t(lang, Msg::StartHowHeading)}</h2>
                <ol>
                    <li>{t(lang, Msg::StartHowSource)}</li>
                    <li>{t(lang, Msg::StartHowDestination)}</li>
                    <li>{t(lang, Msg::StartHowPerson)}</li>
                </ol>
            </section>
            <section aria-labelledby="developers-heading">
                <h2 id="developers-heading">{t(lang, Msg::StartDevelopersHeading)}</h2>
                <ul>
                    <li><a href="/docs/api">{t(lang, Msg::StartApiReference)}</a></li>
                    <li><a href="/openapi.json">{t(lang, Msg::StartOpenApi)}</a></li>
                </ul>
            </section>
            <section aria-labelledby="quick-heading">
                <h2 id="quick-heading">{t(lang, Msg::StartQuickHeading)}</h2>
                <ul>
                    <li><code>"make run"</code>" " {t(lang, Msg::StartQuickRun)}</li>
                    <li><code>"tessera org create --name NAME"</code>" " {t(lang, Msg::StartQuickOrg)}</li>
                    <li>{t(lang, Msg::StartQuickReadme)}</li>
                </ul>
            </section>
        </main>
    }
}
