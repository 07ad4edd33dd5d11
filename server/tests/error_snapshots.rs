//! Snapshots of error bodies exactly as clients receive them (review changes with `cargo insta`).

mod common;

use common::TestServer;
use serde_json::{Value, json};

async fn body(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON error body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_bodies() {
    let server = TestServer::start().await;
    let (_, key) = engine::orgs::create(&server.engine, "Acme", &[])
        .await
        .unwrap();
    let key = key.expose_secret().to_owned();
    let post = |path: &str, body: Value| {
        server
            .client
            .post(server.url(path))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };

    let unauthorized = body(
        server
            .client
            .get(server.url("/api/v1/inquiries"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let not_found = body(
        server
            .client
            .get(server.url("/api/v1/inquiries/inq_aaaaaaaaaaaaaaaaaaaaaaaaaa"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let invalid_template = body(
        post("/api/v1/inquiry-templates", json!({"data": {"attributes": {"name": "KYC", "fields": [{"key": "phone", "type": "string"}], "verifications": [{"type": "phone-number"}]}}}))
            .await
            .unwrap(),
    )
    .await;
    let malformed = body(
        server
            .client
            .post(server.url("/api/v1/inquiries"))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body("{\"data\":")
            .send()
            .await
            .unwrap(),
    )
    .await;

    insta::assert_json_snapshot!("unauthorized", unauthorized);
    insta::assert_json_snapshot!("not_found", not_found);
    insta::assert_json_snapshot!("template_missing_field", invalid_template);
    insta::assert_json_snapshot!("malformed_json", malformed);
    server.stop().await.unwrap();
}
