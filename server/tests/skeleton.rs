//! Black-box tests of the walking skeleton over real HTTP.

// Multi-threaded runtimes: Leptos renders async (SsrMode::Async) pages on spawned tasks that a
// current-thread test runtime can starve.
mod common;

use common::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_ok_as_json() {
    let server = TestServer::start().await;

    let response = server
        .client
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), 200, "/healthz should answer 200");
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    assert_eq!(body, serde_json::json!({ "status": "ok" }));
    server.stop().await.expect("a graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_landing_page_says_what_tessera_is_and_links_the_api_reference() {
    let server = TestServer::start().await;

    let response = server
        .client
        .get(server.url("/"))
        .header("accept-language", "es")
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("an HTML body");
    for expected in [
        "<html lang=\"es\"",
        "<h1>Tessera está en marcha",
        r#"href="/docs/api""#,
        r#"href="/openapi.json""#,
        "make run",
    ] {
        assert!(
            html.contains(expected),
            "{expected} is missing from:\n{html}"
        );
    }
    server.stop().await.expect("a graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_page_writes_nothing_and_the_visit_counter_is_gone() {
    let server = TestServer::start().await;

    let removed = server
        .client
        .post(server.url("/fn/record-visit"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .expect("request");

    assert!(
        removed.status().is_client_error(),
        "no unauthenticated write is left behind: {}",
        removed.status()
    );
    server.stop().await.expect("a graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_address_is_a_404_page() {
    let server = TestServer::start().await;

    let response = server
        .client
        .get(server.url("/no-such-page"))
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), 404);
    let html = response.text().await.expect("body");
    assert!(
        html.contains("Page not found"),
        "the 404 page should say so:\n{html}"
    );
    server.stop().await.expect("a graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_answers_ready_when_the_database_is_migrated_and_503_once_it_is_closed() {
    let server = TestServer::start().await;

    let ready = server
        .client
        .get(server.url("/readyz"))
        .send()
        .await
        .expect("request");
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["status"],
        "ready"
    );

    server.engine.db().close().await;
    let closed = server
        .client
        .get(server.url("/readyz"))
        .send()
        .await
        .expect("request");
    assert_eq!(closed.status(), 503, "a closed pool is not ready");
    server.stop().await.expect("a graceful stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id_and_keeps_the_clients_own() {
    let server = TestServer::start().await;

    let generated = server
        .client
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("request");
    let echoed = server
        .client
        .get(server.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect("request");

    let id = generated
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        id.starts_with("req_") && id.len() > 10,
        "a generated request id, got {id:?}"
    );
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");
    server.stop().await.expect("a graceful stop");
}
