//! Defences over real HTTP: decompression bombs are refused while other requests keep being
//! served, unauthenticated API requests and pages are rate-limited per address, and `/readyz`
//! reports the background workers.

mod common;

use std::num::NonZeroU32;

use base64::Engine as _;
use common::TestServer;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A real 1×1 RGB PNG.
const ONE_PIXEL_PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYGAAAAAEAAH2FzhVAAAAAElFTkSuQmCC";

/// The 1×1 PNG with a header claiming `side`×`side`: 69 bytes that would decode to side² × 3.
fn png_bomb(side: u32) -> Vec<u8> {
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode(ONE_PIXEL_PNG)
        .unwrap();
    bytes[16..20].copy_from_slice(&side.to_be_bytes());
    bytes[20..24].copy_from_slice(&side.to_be_bytes());
    let crc = crc32fast::hash(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decompression_bomb_is_a_422_at_its_field_and_other_requests_keep_being_served() {
    let server = TestServer::start().await;
    let (_, key) = engine::orgs::create(&server.engine, "Lender", &[])
        .await
        .unwrap();
    let post = |path: &str, attributes: Value| {
        server
            .client
            .post(server.url(&format!("/api/v1{path}")))
            .bearer_auth(key.expose_secret())
            .json(&json!({"data": {"attributes": attributes}}))
            .send()
    };
    let kind: Value = post(
        "/transaction-types",
        json!({"name": "Loan", "fields": [{"key": "selfie", "type": "file"}]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let kind = kind["data"]["id"].as_str().unwrap().to_owned();
    let bomb = base64::engine::general_purpose::STANDARD.encode(png_bomb(60_000));

    let (upload, health) = tokio::join!(
        post(
            "/transactions",
            json!({"transaction-type-id": kind, "fields": {"selfie": {
                "filename": "bomb.png", "content-type": "image/png", "data": bomb
            }}}),
        ),
        server.client.get(server.url("/healthz")).send(),
    );

    let upload = upload.unwrap();
    assert_eq!(upload.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = upload.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["code"], "file-too-large-to-decode",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["source"]["pointer"],
        "/data/attributes/fields/selfie"
    );
    assert_eq!(health.unwrap().status(), StatusCode::OK);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents")
        .fetch_one(server.engine.db().pool())
        .await
        .unwrap();
    assert_eq!(stored, 0, "a refused upload stores nothing");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_requests_without_a_key_are_rate_limited_per_address() {
    let server =
        TestServer::start_with(|config| config.rate_limit = NonZeroU32::new(2).unwrap()).await;

    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = server
            .client
            .get(server.url("/api/v1/connect/connections"))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }

    assert_eq!(
        statuses,
        [401, 401, 429],
        "a caller without a key is limited by its address too"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_over_the_limit_of_an_address_get_a_429_page_in_their_language() {
    let server =
        TestServer::start_with(|config| config.page_rate_limit = NonZeroU32::new(2).unwrap()).await;
    let page = || {
        server
            .client
            .get(server.url("/verify?inquiry-template-id=itmpl_x"))
            .header("accept-language", "es-MX,es;q=0.9")
            .send()
    };

    let first = page().await.unwrap().status();
    let second = page().await.unwrap().status();
    let third = page().await.unwrap();

    assert_ne!(first, StatusCode::TOO_MANY_REQUESTS);
    assert_ne!(second, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().contains_key("retry-after"));
    let html = third.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"es\">") && html.contains("Demasiadas solicitudes"),
        "the 429 page speaks the visitor's language:\n{html}"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_reports_every_background_worker_running() {
    let server = TestServer::start().await;

    let mut body = Value::Null;
    for _ in 0..100 {
        body = server
            .client
            .get(server.url("/readyz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if body["workers"]["expected"] != 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    assert_eq!(body["status"], "ready", "{body}");
    assert_eq!(body["workers"]["status"], "running", "{body}");
    assert_eq!(body["workers"]["running"], body["workers"]["expected"]);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_trickles_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start_with(|config| {
        config.header_read_timeout = std::time::Duration::from_millis(300)
    })
    .await;
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();

    let mut answer = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        slow.read_to_end(&mut answer),
    )
    .await;
    let healthy = server
        .client
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();

    assert!(
        matches!(closed, Ok(Ok(_)) | Ok(Err(_))),
        "the server must close a connection whose headers never end"
    );
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "the unfinished request was not served"
    );
    assert_eq!(
        healthy.status(),
        StatusCode::OK,
        "others are served meanwhile"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_that_is_too_long_or_strange_is_replaced() {
    let server = TestServer::start().await;

    let long = server
        .client
        .get(server.url("/healthz"))
        .header("x-request-id", "a".repeat(200))
        .send()
        .await
        .unwrap();
    let strange = server
        .client
        .get(server.url("/healthz"))
        .header("x-request-id", "id with spaces\"{}")
        .send()
        .await
        .unwrap();
    let fine = server
        .client
        .get(server.url("/healthz"))
        .header("x-request-id", "trace-1.2:3_x")
        .send()
        .await
        .unwrap();

    for response in [&long, &strange] {
        let id = response.headers()["x-request-id"].to_str().unwrap();
        assert!(
            id.starts_with("req_"),
            "a generated id replaces it, got {id}"
        );
    }
    assert_eq!(fine.headers()["x-request-id"], "trace-1.2:3_x");
    server.stop().await.unwrap();
}
