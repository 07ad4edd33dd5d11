//! The hosted flow over real HTTP: the redirects a browser without JavaScript follows, consent
//! records, and the headers and escaping every page gets.

mod common;

use common::TestServer;
use engine::demo;
use reqwest::header;
use serde_json::json;

async fn demo_server() -> (TestServer, demo::Demo) {
    let server = TestServer::start().await;
    let seeded = demo::seed(&server.engine, &[])
        .await
        .expect("the demo seeds");
    (server, seeded)
}

/// A hosted-flow link for `template`, sharing `token`.
fn link(template: &str, token: &str) -> String {
    format!("/verify?inquiry-template-id={template}&share-token={token}")
}

/// Accepts sharing the way a browser without JavaScript does: a form post.
async fn accept_by_form(server: &TestServer, inquiry: &str, session: &str) -> reqwest::Response {
    server
        .client
        .post(server.url("/fn/verify-consent"))
        .header(header::ACCEPT, "text/html")
        .header(header::USER_AGENT, "integration-test/1.0")
        .form(&[
            ("inquiry_id", inquiry),
            ("session_token", session),
            ("decision", "accept"),
        ])
        .send()
        .await
        .unwrap()
}

/// Follows the 302 from a `/verify?inquiry-template-id=…` link; returns the resume path.
async fn open_link(server: &TestServer, path: &str) -> String {
    let response = server
        .client
        .get(server.url(path))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        302,
        "opening a template link redirects to its inquiry"
    );
    response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn page(server: &TestServer, path: &str) -> (reqwest::header::HeaderMap, String) {
    let response = server
        .client
        .get(server.url(path))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    (headers, response.text().await.unwrap())
}

fn query_value(location: &str, name: &str) -> String {
    url::Url::parse(&format!("http://x{location}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{location} has no {name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_template_link_creates_one_inquiry_and_redirects_to_its_resume_url() {
    let (server, seeded) = demo_server().await;
    let link = format!(
        "/verify?inquiry-template-id={}&share-token={}",
        seeded.full_template_id, seeded.full_token_id
    );

    let location = open_link(&server, &link).await;

    assert!(
        location.starts_with("/verify?inquiry-id=inq_"),
        "{location}"
    );
    assert!(query_value(&location, "session-token").starts_with("sess_"));
    let (headers, body) = page(&server, &location).await;
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "no-store",
        "flow pages carry PII and must not be cached"
    );
    assert!(
        body.contains("Share your verified information?"),
        "the consent screen follows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_post_records_consent_redeems_and_redirects_to_the_outcome() {
    let (server, seeded) = demo_server().await;
    let location = open_link(
        &server,
        &link(&seeded.full_template_id, &seeded.full_token_id),
    )
    .await;
    let inquiry = query_value(&location, "inquiry-id");
    let session = query_value(&location, "session-token");

    let response = accept_by_form(&server, &inquiry, &session).await;

    assert_eq!(
        response.status(),
        302,
        "a form post without JavaScript is answered with a redirect"
    );
    let next = response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(query_value(&next, "inquiry-id"), inquiry);
    let (_, body) = page(&server, &next).await;
    assert!(
        body.contains("Verification complete"),
        "the full-match token completes: {body}"
    );
    let (decision, ip, agent, version): (String, String, String, String) =
        sqlx::query_as("SELECT decision, ip, user_agent, text_version FROM consents")
            .fetch_one(server.engine.db().pool())
            .await
            .unwrap();
    assert_eq!(
        (decision.as_str(), ip.as_str(), agent.as_str()),
        ("accepted", "127.0.0.1", "integration-test/1.0")
    );
    assert_eq!(version, engine::flow::CONSENT_TEXT_VERSION);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_pages_with_islands_load_browser_code_and_the_hosted_outcome_loads_none() {
    let (server, seeded) = demo_server().await;
    let location = open_link(
        &server,
        &link(&seeded.full_template_id, &seeded.full_token_id),
    )
    .await;
    let (inquiry, session) = (
        query_value(&location, "inquiry-id"),
        query_value(&location, "session-token"),
    );
    let (_, consent) = page(&server, &location).await;

    let accepted = accept_by_form(&server, &inquiry, &session).await;
    let next = accepted.headers()[header::LOCATION].to_str().unwrap();
    let (_, outcome) = page(&server, next).await;

    let loads_wasm = |body: &str| body.contains("rel=\"modulepreload\"") && body.contains(".wasm");
    assert!(
        consent.contains("<leptos-island") && loads_wasm(&consent),
        "the consent screen's form is enhanced by an island, which loads the WASM: {consent}"
    );
    assert!(
        outcome.contains("Verification complete"),
        "the outcome follows: {outcome}"
    );
    assert!(
        !outcome.contains("<leptos-island")
            && !outcome.contains("type=\"module\"")
            && !outcome.contains(".wasm"),
        "the hosted outcome has nothing to enhance and loads no browser code: {outcome}"
    );
    assert!(
        outcome.contains("rel=\"stylesheet\" href=\"/pkg/"),
        "the outcome keeps its stylesheet: {outcome}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_session_token_cannot_accept_for_someone_else() {
    let (server, seeded) = demo_server().await;
    let location = open_link(
        &server,
        &link(&seeded.full_template_id, &seeded.full_token_id),
    )
    .await;
    let inquiry = query_value(&location, "inquiry-id");

    accept_by_form(&server, &inquiry, "sess_guessed").await;

    let consents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consents")
        .fetch_one(server.engine.db().pool())
        .await
        .unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM share_tokens WHERE id = $1")
        .bind(&seeded.full_token_id)
        .fetch_one(server.engine.db().pool())
        .await
        .unwrap();
    assert_eq!(
        consents, 0,
        "no consent is recorded without the session token"
    );
    assert_eq!(status, "created", "the token is untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_inline_script_carries_the_nonce_of_the_pages_content_security_policy() {
    let (server, seeded) = demo_server().await;
    let location = open_link(
        &server,
        &link(&seeded.extra_template_id, &seeded.extra_token_id),
    )
    .await;

    let (headers, body) = page(&server, &location).await;

    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("script-src has a nonce");
    assert!(
        policy.contains("frame-ancestors 'none'") && policy.contains("object-src 'none'"),
        "{policy}"
    );
    assert!(
        !policy.contains("'unsafe-inline'"),
        "no inline script without the nonce: {policy}"
    );
    let scripts: Vec<&str> = body
        .split("<script")
        .skip(1)
        .map(|s| s.split('>').next().unwrap_or_default())
        .collect();
    assert!(!scripts.is_empty(), "the page hydrates with a script");
    for script in scripts {
        assert!(
            script.contains(&format!("nonce=\"{nonce}\"")),
            "script without the page's nonce: <script{script}>"
        );
    }
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_labels_from_organizations_are_escaped() {
    let server = TestServer::start().await;
    let (org, _) = engine::orgs::create(&server.engine, "<img src=x onerror=alert(1)>", &[])
        .await
        .unwrap();
    let fields =
        json!([{"key": "nickname", "type": "string", "required": true, "label": "<b>Nick</b>"}]);
    let template = engine::schemas::create(
        &server.engine,
        &org.id,
        engine::schemas::CreateSchema::from_json(
            engine::schemas::SchemaKind::InquiryTemplate,
            "t",
            fields,
            serde_json::Value::Null,
            serde_json::Value::Null,
        )
        .unwrap(),
    )
    .await
    .unwrap();

    let location = open_link(
        &server,
        &format!("/verify?inquiry-template-id={}", template.id),
    )
    .await;
    let (_, body) = page(&server, &location).await;

    assert!(
        !body.contains("<img src=x"),
        "the organization name is markup-escaped"
    );
    assert!(body.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        !body.contains("<b>Nick</b>") && body.contains("&lt;b&gt;Nick&lt;/b&gt;"),
        "labels are escaped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_with_both_a_template_and_an_inquiry_is_an_error_page_that_creates_nothing() {
    let (server, seeded) = demo_server().await;
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM objects")
        .fetch_one(server.engine.db().pool())
        .await
        .unwrap();

    let (_, body) = page(
        &server,
        &format!(
            "/verify?inquiry-template-id={}&inquiry-id=inq_x",
            seeded.full_template_id
        ),
    )
    .await;

    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM objects")
        .fetch_one(server.engine.db().pool())
        .await
        .unwrap();
    assert!(body.contains("This link is incomplete"), "{body}");
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_follows_the_browser_language() {
    let server = TestServer::start().await;

    let missing = server
        .client
        .get(server.url("/no-such-page"))
        .header(header::ACCEPT_LANGUAGE, "es-ES,es;q=0.9")
        .send()
        .await
        .unwrap();
    let status = missing.status();
    let not_found = missing.text().await.unwrap();
    let start = server
        .client
        .get(server.url("/"))
        .header(header::ACCEPT_LANGUAGE, "es")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(status, 404);
    assert!(
        not_found.contains("<html lang=\"es\"") && not_found.contains("Página no encontrada"),
        "{not_found}"
    );
    assert!(
        start.contains("Tessera está en marcha") && start.contains("Cómo funciona"),
        "{start}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_prefill_is_not_asked_again() {
    let (server, seeded) = demo_server().await;

    let location = open_link(
        &server,
        &format!(
            "/verify?inquiry-template-id={}&fields%5Bemail-address%5D=ada%40example.com",
            seeded.full_template_id
        ),
    )
    .await;
    let (_, body) = page(&server, &location).await;

    assert!(
        body.contains("Step 1 of 3"),
        "personal details, government ID, selfie; contact was prefilled: {body}"
    );
    let stored: String = sqlx::query_scalar("SELECT fields FROM objects WHERE id = $1")
        .bind(query_value(&location, "inquiry-id"))
        .fetch_one(server.engine.db().pool())
        .await
        .unwrap();
    assert!(
        stored.contains("ada@example.com"),
        "the prefill is stored on the inquiry: {stored}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_field_mappings_apply_to_the_redemption() {
    let (server, seeded) = demo_server().await;
    let fields =
        json!([{"key": "surname", "type": "string", "required": true, "label": "Surname"}]);
    let template = engine::schemas::create(
        &server.engine,
        &seeded.destination,
        engine::schemas::CreateSchema::from_json(
            engine::schemas::SchemaKind::InquiryTemplate,
            "mapped",
            fields,
            serde_json::Value::Null,
            serde_json::Value::Null,
        )
        .unwrap(),
    )
    .await
    .unwrap();
    let link = format!(
        "/verify?inquiry-template-id={}&share-token={}&field-mappings%5B0%5D%5Bsource-field-name%5D=name-last&field-mappings%5B0%5D%5Bdestination-field-name%5D=surname",
        template.id, seeded.full_token_id
    );
    let location = open_link(&server, &link).await;
    let inquiry = query_value(&location, "inquiry-id");
    let session = query_value(&location, "session-token");

    let accepted = accept_by_form(&server, &inquiry, &session).await;
    let (_, body) = page(
        &server,
        accepted.headers()[header::LOCATION].to_str().unwrap(),
    )
    .await;

    assert!(
        body.contains("Verification complete"),
        "the mapped surname was all the template needed: {body}"
    );
    let stored: String = sqlx::query_scalar("SELECT fields FROM objects WHERE id = $1")
        .bind(&inquiry)
        .fetch_one(server.engine.db().pool())
        .await
        .unwrap();
    assert!(
        stored.contains("Rivera"),
        "name-last was copied into surname: {stored}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_inquiry_says_so_and_stays_unchanged() {
    let (server, seeded) = demo_server().await;
    let location = open_link(
        &server,
        &format!("/verify?inquiry-template-id={}", seeded.full_template_id),
    )
    .await;
    sqlx::query("UPDATE objects SET expires_at = 0 WHERE id = $1")
        .bind(query_value(&location, "inquiry-id"))
        .execute(server.engine.db().pool())
        .await
        .unwrap();

    let (_, body) = page(&server, &location).await;

    assert!(body.contains("This verification has expired"), "{body}");
    let (status, expires_at): (String, i64) =
        sqlx::query_as("SELECT status, expires_at FROM objects WHERE id = $1")
            .bind(query_value(&location, "inquiry-id"))
            .fetch_one(server.engine.db().pool())
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), expires_at),
        ("created", 0),
        "viewing changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_waiting_page_moves_on_the_moment_the_redemption_ends() {
    let (server, seeded) = demo_server().await;
    let location = open_link(
        &server,
        &link(&seeded.extra_template_id, &seeded.extra_token_id),
    )
    .await;
    let inquiry = query_value(&location, "inquiry-id");
    let session = query_value(&location, "session-token");
    // A redemption in progress: consent given, token pending, its job not done yet.
    let pool = server.engine.db().pool();
    sqlx::query("INSERT INTO consents (inquiry_id, share_token_id, decision, text_version, created_at) VALUES ($1, $2, 'accepted', 'test', 0)")
        .bind(&inquiry)
        .bind(&seeded.extra_token_id)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE share_tokens SET status = 'pending', destination_id = $1 WHERE id = $2")
        .bind(&inquiry)
        .bind(&seeded.extra_token_id)
        .execute(pool)
        .await
        .unwrap();
    let (_, waiting) = page(&server, &location).await;
    let wait = server
        .client
        .post(server.url("/fn/verify-wait"))
        .form(&[
            ("inquiry_id", inquiry.as_str()),
            ("session_token", session.as_str()),
        ])
        .send();
    let finish = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        sqlx::query("UPDATE share_tokens SET status = 'failed' WHERE id = $1")
            .bind(&seeded.extra_token_id)
            .execute(pool)
            .await
            .unwrap();
    };

    let (answer, ()) = tokio::join!(
        tokio::time::timeout(std::time::Duration::from_secs(15), wait),
        finish
    );

    assert!(waiting.contains("Getting your information"), "{waiting}");
    assert!(
        waiting.contains(r#"<noscript><meta http-equiv="refresh" content="1">"#),
        "without JavaScript the page reloads itself: {waiting}"
    );
    let answer = answer
        .expect("the wait returns when the redemption ends, not at its 20 s limit")
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn a_widget_may_be_framed_only_by_its_organizations_allowed_origins_and_keeps_its_frame() {
    let server = TestServer::start().await;
    let partner = "https://partner.example".to_owned();
    let seeded = demo::seed(&server.engine, std::slice::from_ref(&partner))
        .await
        .expect("the demo seeds");
    let frame = "container-id=c1&flow-type=embedded&iframe-origin=https%3A%2F%2Fpartner.example";

    let location = open_link(
        &server,
        &format!(
            "/widget?inquiry-template-id={}&share-token={}&{frame}",
            seeded.full_template_id, seeded.full_token_id
        ),
    )
    .await;
    let (headers, body) = page(&server, &location).await;
    let (unknown, _) = page(
        &server,
        &format!("/widget?inquiry-template-id=itmpl_unknown&{frame}"),
    )
    .await;
    let (hosted, _) = page(
        &server,
        &open_link(
            &server,
            &link(&seeded.extra_template_id, &seeded.extra_token_id),
        )
        .await,
    )
    .await;

    let policy = |headers: &reqwest::header::HeaderMap| {
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        location.starts_with("/widget?inquiry-id="),
        "the widget stays a widget: {location}"
    );
    assert!(
        location.contains("container-id=c1") && location.contains("iframe-origin="),
        "the frame travels to the next page: {location}"
    );
    assert!(
        policy(&headers).contains("frame-ancestors https://partner.example;"),
        "{}",
        policy(&headers)
    );
    assert!(
        body.contains("https://partner.example"),
        "the island knows where to post"
    );
    assert!(
        policy(&unknown).contains("frame-ancestors 'none'"),
        "a link naming nothing known may be framed by no one"
    );
    assert!(
        policy(&hosted).contains("frame-ancestors 'none'"),
        "the hosted flow is never framed"
    );
}
