//! Tessera's pages: Leptos components rendered on the server and hydrated in the browser, and the
//! server functions they call. Everything that only exists on the server is gated here (feature
//! `ssr`); `server/` and `frontend/` carry no `#[cfg]`.
// A page's view is one nested static type; release builds (no `erase_components`) need more depth.
#![recursion_limit = "256"]

pub mod dashboard;
pub mod i18n;
pub mod pages;
pub mod verify;

#[cfg(feature = "ssr")]
mod ssr;
#[cfg(feature = "ssr")]
pub use ssr::*;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode, StaticSegment,
    components::{Route, Router, Routes},
    path,
};

/// Referenced by the WASM entry point so the islands of this crate are linked into the bundle.
pub fn register() {}

/// Gives every `requestIdleCallback` of the page a 200 ms timeout unless it has its own.
const IDLE_BOUND: &str = "(()=>{const r=window.requestIdleCallback;if(r)window.requestIdleCallback=(c,o)=>r.call(window,c,Object.assign({timeout:200},o))})()";

/// The HTML document around every page, rendered on the server. The browser code (the islands'
/// WASM) comes at the end of the pages that have islands ([`IslandScripts`]): a page without
/// any, such as the hosted flow's outcome or the 404 page, downloads and compiles none.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Islands mode: outside islands the page carries no hydration markers (`HydrationScripts`
    // says so when it renders; here it renders after the page's content).
    #[cfg(feature = "ssr")]
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    provide_context(options);
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link id="leptos" rel="stylesheet" href=stylesheet_href() />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The stylesheet's address: its content-hashed name when cargo-leptos left the bundle's hashes
/// next to this binary (`hash.txt`, as for `LeptosOptions::hash_files`), read once
/// (`leptos_meta::HashedStylesheet` reads that file on every render). Also for pages rendered
/// outside Leptos (the API reference).
pub fn stylesheet_href() -> &'static str {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
        let hashes = std::env::current_exe()
            .ok()
            .and_then(|exe| std::fs::read_to_string(exe.parent()?.join("hash.txt")).ok())
            .unwrap_or_default();
        let hash = hashes
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(file, _)| file.trim() == "css")
            .map(|(_, hash)| hash.trim().to_owned());
        match hash {
            Some(hash) => format!("/pkg/tessera.{hash}.css"),
            None => "/pkg/tessera.css".to_owned(),
        }
    })
}

/// The browser code of a page with islands, at its end: Leptos's islands loader (the module
/// and the WASM it loads), after a patch that gives every `requestIdleCallback` of the page a
/// 200 ms timeout unless it has its own. Islands hydrate when the browser is idle, and a frame
/// inside a busy page (the widget) may wait many seconds for that.
#[component]
pub(crate) fn IslandScripts() -> impl IntoView {
    let options = expect_context::<LeptosOptions>();
    view! {
        <script nonce=leptos::nonce::use_nonce() inner_html=IDLE_BOUND></script>
        <HydrationScripts options islands=true />
    }
}

/// The root component: routes every page. Pages render on the server only; the parts that need the
/// browser are islands (`#[island]`), the only code in the WASM bundle.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title text="Tessera" />
        <Router>
            <Routes fallback=pages::NotFound>
                // Async: the server waits for data before sending the page, so it works without
                // JavaScript (out-of-order streaming needs a script to fill Suspense blocks).
                <Route path=StaticSegment("") view=pages::StartPage ssr=SsrMode::Async />
                <Route path=StaticSegment("verify") view=verify::VerifyPage ssr=SsrMode::Async />
                <Route path=StaticSegment("widget") view=verify::WidgetPage ssr=SsrMode::Async />
                <Route path=StaticSegment("dashboard") view=dashboard::DashboardHome ssr=SsrMode::Async />
                <Route path=path!("/dashboard/connect/share-tokens") view=dashboard::ShareTokensPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard/connect/share-tokens/:id") view=dashboard::ShareTokenPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard/sign-in") view=dashboard::SignInPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard/settings") view=dashboard::SettingsPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard/inquiries") view=dashboard::InquiriesPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard/transactions") view=dashboard::TransactionsPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard/accounts") view=dashboard::AccountsPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard/inquiries/:id") view=dashboard::InquiryPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard/transactions/:id") view=dashboard::TransactionPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard/accounts/:id") view=dashboard::AccountPage ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}

/// A page's content once `load` has its data (pages render once, `SsrMode::Async`). The data is
/// awaited in a `Suspend` rather than read from a `Resource`, whose task tracking inside
/// `<Suspense>` was seen to leave a render waiting until the request timed out now and then; the
/// `<Suspense>` around it renders it inside its own reactive owner, where the request's contexts
/// (the page's `<html lang>` and `<title>` among them) are found.
pub(crate) fn awaited<V>(
    load: impl std::future::Future<Output = V> + Send + 'static,
) -> impl IntoView
where
    V: IntoView + 'static,
{
    view! { <Suspense fallback=|| ()>{Suspend::new(load)}</Suspense> }
}
