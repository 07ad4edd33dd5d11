//! `tessera demo-site`: a partner's sign-up page on a second origin, for trying the embedded and
//! inline flows next to the hosted one (started by `make run`). Each view gets fresh demo share
//! tokens from the same database, since a token is redeemed once. Each way of embedding comes
//! with the snippet to copy.

use std::net::SocketAddr;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use engine::Engine;

use crate::api::reference::escape;

#[derive(Clone)]
struct Site {
    engine: Engine,
    /// Tessera's URL as the browser reaches it, e.g. `http://127.0.0.1:3000`.
    tessera: String,
}

/// Serves the demo site on `addr` until the process stops.
pub async fn run(engine: Engine, addr: SocketAddr, tessera: String) -> anyhow::Result<()> {
    let site = Site {
        engine,
        tessera: tessera.trim_end_matches('/').to_owned(),
    };
    let app = Router::new()
        .route("/", axum::routing::get(page))
        .with_state(site);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("could not listen on {addr}"))?;
    println!("The partner demo site is on http://{addr}");
    axum::serve(listener, app)
        .await
        .context("the demo site stopped")
}

async fn page(State(site): State<Site>) -> Response {
    let (modal, inline) = match (
        engine::demo::fresh_tokens(&site.engine).await,
        engine::demo::fresh_tokens(&site.engine).await,
    ) {
        (Ok(modal), Ok(inline)) => (modal, inline),
        (Err(err), _) | (_, Err(err)) => {
            tracing::warn!(error = %err, "the demo site could not make share tokens");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Html(
                    "<!doctype html><html lang=\"en\"><title>Demo unavailable</title><h1>The demo is not ready</h1>\
                     <p>Run <code>tessera demo</code> against the same database, then reload this page.</p></html>"
                        .to_owned(),
                ),
            )
                .into_response();
        }
    };
    let hosted = format!(
        "{}/verify?inquiry-template-id={}&share-token={}",
        site.tessera, modal.full_template_id, inline.full_token_id
    );
    let html = TEMPLATE
        .replace("{tessera}", &escape(&site.tessera))
        .replace("{hosted}", &escape(&hosted))
        .replace("{full_template}", &escape(&modal.full_template_id))
        .replace("{full_token}", &escape(&modal.full_token_id))
        .replace("{extra_template}", &escape(&inline.extra_template_id))
        .replace("{extra_token}", &escape(&inline.extra_token_id));
    let mut response = Html(html).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

const TEMPLATE: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Contoso Lending — partner demo</title>
<link rel="icon" href="data:,">
<style>
  body { font: 16px/1.5 system-ui, sans-serif; color: #1c1f24; margin: 0; background: #f6f7f9; }
  header, main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
  .grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); }
  section { background: #fff; border: 1px solid #d5d9e0; border-radius: 10px; padding: 1rem; }
  h2 { font-size: 1.15rem; margin-top: 0; }
  pre { background: #0f172a; color: #e2e8f0; padding: .75rem; border-radius: 8px; overflow-x: auto; font-size: .8rem; }
  button, .button { font: inherit; padding: .5rem 1rem; border-radius: 8px; border: 0; background: #2f4fb3; color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
  button:focus-visible, .button:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
  #inline { border: 1px dashed #9aa3b2; border-radius: 8px; min-height: 4rem; }
  #log { font-family: ui-monospace, monospace; font-size: .85rem; white-space: pre-wrap; }
</style>
</head>
<body>
<header>
  <h1>Contoso Lending: open an account</h1>
  <p>A partner's page on its own origin, embedding Tessera at <code>{tessera}</code>. Each view of this
  page gets fresh demo share tokens.</p>
</header>
<main id="demo" data-tessera="{tessera}" data-full-template="{full_template}" data-full-token="{full_token}"
  data-extra-template="{extra_template}" data-extra-token="{extra_token}">
  <div class="grid">
    <section aria-labelledby="hosted-heading">
      <h2 id="hosted-heading">Hosted link</h2>
      <p>Send the user to Tessera; it comes back to a <code>redirect-uri</code> on an allowed origin.</p>
      <p><a class="button" href="{hosted}">Open the hosted flow</a></p>
      <pre><code>&lt;a href="{tessera}/verify?inquiry-template-id=itmpl_…&amp;share-token=cnst_…"&gt;Verify&lt;/a&gt;</code></pre>
    </section>
    <section aria-labelledby="modal-heading">
      <h2 id="modal-heading">Embedded (modal), Tessera's client</h2>
      <p>The shared data covers everything: one click on Accept completes it.</p>
      <p><button type="button" id="open-modal">Verify your identity</button></p>
      <pre><code>import init, { Client } from "{tessera}/embed.js";
await init();
const client = new Client({
  host: "{tessera}",
  templateId: "itmpl_…", shareToken: "cnst_…",
  onComplete: ({ inquiryId, status }) =&gt; { … },
  onCancel: ({ inquiryId, sessionToken }) =&gt; { … },
});
button.onclick = () =&gt; client.open();</code></pre>
    </section>
    <section aria-labelledby="persona-heading">
      <h2 id="persona-heading">Embedded, the persona npm SDK</h2>
      <p>Sites that already use <code>persona</code> 5.9 change one option: <code>host</code> (a bare
      <code>host:port</code>; <code>localhost:…</code> is plain http, anything else https).</p>
      <pre><code>import { Client } from "persona";
const client = new Client({
  host: "localhost:3000",
  templateId: "itmpl_…", shareToken: "cnst_…",
  onReady: () =&gt; client.open(),
  onComplete: ({ inquiryId, status }) =&gt; { … },
});</code></pre>
    </section>
  </div>
  <section aria-labelledby="inline-heading" style="margin-top:1rem">
    <h2 id="inline-heading">Inline, Tessera's client</h2>
    <p>This template needs more than was shared: only the missing steps are asked, and the frame
    follows the height of each step.</p>
    <div id="inline"></div>
    <pre><code>new Client({ host: "{tessera}", templateId: "itmpl_…", shareToken: "cnst_…",
  parent: "#inline", onComplete: (result) =&gt; { … } });</code></pre>
  </section>
  <section aria-labelledby="log-heading" style="margin-top:1rem">
    <h2 id="log-heading">What the page heard</h2>
    <div id="log" role="log" aria-live="polite"></div>
  </section>
</main>
<script type="module">
  // The values come from data attributes (HTML-escaped), never spliced into the script.
  const demo = document.getElementById("demo").dataset;
  const log = (what) => { document.getElementById("log").textContent += what + "\n"; };
  const { default: init, Client } = await import(`${demo.tessera}/embed.js`);
  await init();
  const callbacks = (name) => ({
    onReady: () => log(`${name}: ready`),
    onComplete: (r) => log(`${name}: complete ${r.inquiryId} ${r.status}`),
    onCancel: (r) => log(`${name}: cancel ${r.inquiryId} (resume with its session token)`),
    onError: (e) => log(`${name}: error ${e.code}`),
  });
  const modal = new Client({ host: demo.tessera, templateId: demo.fullTemplate, shareToken: demo.fullToken, ...callbacks("modal") });
  document.getElementById("open-modal").addEventListener("click", () => modal.open());
  new Client({ host: demo.tessera, templateId: demo.extraTemplate, shareToken: demo.extraToken, parent: "#inline", ...callbacks("inline") });
</script>
</body>
</html>
"##;
