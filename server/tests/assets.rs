//! What browsers download besides pages: precompressed, cached by content, and the embed client
//! readable from any partner's page.

mod common;

use common::TestServer;

/// A site folder like the build makes: the hydration bundle under `pkg/`, the embed client at
/// the root and under `embed/`, precompressed by `tessera precompress`.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = "export function hello() { return 'hello'; }\n".repeat(100);
    std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
    std::fs::create_dir_all(dir.path().join("embed")).unwrap();
    std::fs::write(dir.path().join("pkg/tessera.abc123.js"), &script).unwrap();
    std::fs::write(dir.path().join("embed.js"), &script).unwrap();
    std::fs::write(
        dir.path().join("embed/tessera_embed.0123456789abcdef.wasm"),
        &script,
    )
    .unwrap();
    server::assets::precompress(dir.path()).unwrap();
    dir
}

async fn get(server: &TestServer, path: &str, encoding: &str) -> reqwest::Response {
    server
        .client
        .get(format!("{}{path}", server.base_url))
        .header("accept-encoding", encoding)
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn the_embed_client_is_sent_precompressed_to_any_origin() {
    let site = site();
    let root = site.path().display().to_string();
    let server = TestServer::start_with(|config| config.site_root = root).await;

    let brotli = get(&server, "/embed.js", "br, gzip").await;
    let gzip = get(&server, "/embed.js", "gzip").await;
    let wasm = get(&server, "/embed/tessera_embed.0123456789abcdef.wasm", "br").await;

    assert_eq!(brotli.status(), 200);
    assert_eq!(header(&brotli, "content-encoding"), "br");
    assert_eq!(header(&gzip, "content-encoding"), "gzip");
    assert_eq!(
        header(&brotli, "access-control-allow-origin"),
        "*",
        "partners' pages import it"
    );
    assert_eq!(
        header(&brotli, "cache-control"),
        "public, max-age=300",
        "a stable name is revalidated"
    );
    assert!(header(&brotli, "vary").contains("accept-encoding"));
    assert_eq!(header(&wasm, "access-control-allow-origin"), "*");
    assert_eq!(
        header(&wasm, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&wasm, "content-type"), "application/wasm");
}

#[tokio::test]
async fn the_page_bundle_is_compressed_and_a_missing_asset_is_404() {
    let site = site();
    let root = site.path().display().to_string();
    let server = TestServer::start_with(|config| config.site_root = root).await;

    let bundle = get(&server, "/pkg/tessera.abc123.js", "br").await;
    let missing = get(&server, "/embed/nothing.wasm", "br").await;

    assert_eq!(bundle.status(), 200);
    assert_eq!(header(&bundle, "content-encoding"), "br");
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn pages_and_api_answers_are_compressed_when_the_client_accepts_it() {
    let server = TestServer::start().await;

    let page = get(&server, "/openapi.json", "gzip").await;

    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "content-encoding"), "gzip");
}

#[tokio::test]
async fn the_persona_sdks_preload_page_is_empty_and_may_be_framed_by_anyone() {
    let server = TestServer::start().await;

    let preload = get(&server, "/preload", "identity").await;

    assert_eq!(preload.status(), 200);
    assert!(header(&preload, "content-security-policy").contains("frame-ancestors *"));
    assert!(
        preload.text().await.unwrap().len() < 100,
        "nothing to see, nothing to leak"
    );
}
