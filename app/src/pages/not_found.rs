//! The page for an address Tessera does not serve.

use leptos::prelude::*;

use crate::i18n::{Msg, request_lang, t};

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        crate::ssr::set_status(http::StatusCode::NOT_FOUND);
    }
    let lang = request_lang(None);
    view! {
        <leptos_meta::Html {..} lang=lang.tag() />
        <main class="page">
            <h1>{t(lang, Msg::NotFoundHeading)}</h1>
            <p>{t(lang, Msg::NotFoundText)}</p>
            <p>
                <a href="/">{t(lang, Msg::StartPageLink)}</a>
            </p>
        </main>
    }
}
