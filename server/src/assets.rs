//! What browsers download besides pages: the hydration bundle (`/pkg`) and the embed client
//! (`/embed.js`, `/embed/*`). Compressed once at build time (`tessera precompress`, run by the
//! Makefile), served as Brotli or gzip by what the browser accepts, and cached for good when the
//! name carries the content's hash.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// The file types worth compressing (images are compressed already).
const COMPRESSIBLE: [&str; 5] = ["js", "wasm", "css", "svg", "json"];

/// Writes `<file>.br` and `<file>.gz` next to every compressible file under `dir` (up to a
/// megabyte, Brotli at quality 11 and gzip by Zopfli: 4-5 % smaller than zlib's level 9 and read
/// by every gzip decoder; slow once, small on every download). Returns how many files.
pub fn precompress(dir: &Path) -> anyhow::Result<usize> {
    let mut count = 0;
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))?
    {
        let path = entry?.path();
        if path.is_dir() {
            count += precompress(&path)?;
            continue;
        }
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible {
            continue;
        }
        let bytes =
            std::fs::read(&path).with_context(|| format!("could not read {}", path.display()))?;
        let gzip = gzip(&bytes)?;
        std::fs::write(with_suffix(&path, "gz"), gzip)?;
        let mut brotli = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: if bytes.len() > EFFORT_LIMIT { 9 } else { 11 },
            lgwin: 22,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut bytes.as_slice(), &mut brotli, &params)?;
        std::fs::write(with_suffix(&path, "br"), brotli)?;
        count += 1;
    }
    Ok(count)
}

/// Above this size a file gets zlib's best gzip and Brotli 9: Zopfli's and Brotli 11's last few
/// percent would take tens of seconds (a debug build's WASM is 2 MB; a release build's is under
/// 300 KB).
const EFFORT_LIMIT: usize = 1 << 20;

/// `bytes` gzipped: by Zopfli (five passes: within a few bytes of fifteen on these files, a
/// third of the time), or by zlib for files over `EFFORT_LIMIT`.
fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    if bytes.len() > EFFORT_LIMIT {
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut gzip, bytes)?;
        return gzip.finish();
    }
    let mut gzip = Vec::new();
    let options = zopfli::Options {
        iteration_count: std::num::NonZeroU64::new(5).expect("five is not zero"),
        ..Default::default()
    };
    zopfli::compress(options, zopfli::Format::Gzip, bytes, &mut gzip)?;
    Ok(gzip)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `/pkg/*` (the hydration bundle, content-hashed names when the build hashes them), `/embed.js`
/// (a stable name partners import: revalidated after five minutes) and `/embed/*` (the embed
/// client's content-addressed wasm). The embed client is fetched from partners' pages: any
/// origin may read it.
pub fn router<S: Clone + Send + Sync + 'static>(
    site_root: &Path,
    pkg_dir: &str,
    hashed: bool,
) -> Router<S> {
    let pkg = ServeDir::new(site_root.join(pkg_dir))
        .precompressed_br()
        .precompressed_gzip();
    let pkg_cache = if hashed { IMMUTABLE } else { "no-cache" };
    let cors = || {
        SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        )
    };
    let cache = |value: &'static str| {
        SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(value))
    };
    let embed_js = ServeFile::new(site_root.join("embed.js"))
        .precompressed_br()
        .precompressed_gzip();
    let embed = ServeDir::new(site_root.join("embed"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        // The persona SDK's `Client.preload()` loads this in a hidden frame to warm the connection:
        // an empty page any site may frame.
        .route(
            "/preload",
            axum::routing::get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                        (
                            header::CONTENT_SECURITY_POLICY,
                            "default-src 'none'; frame-ancestors *",
                        ),
                        (header::CACHE_CONTROL, "public, max-age=86400"),
                    ],
                    "<!doctype html><html lang=\"en\"><title>Tessera</title></html>",
                )
            }),
        )
        // Browsers ask for /favicon.ico on pages that name no icon (JSON, plain text).
        .route_service(
            "/favicon.ico",
            tower::ServiceBuilder::new()
                .layer(cache("public, max-age=86400"))
                .service(ServeFile::new(site_root.join("favicon.svg"))),
        )
        .nest_service(
            &format!("/{pkg_dir}"),
            tower::ServiceBuilder::new()
                .layer(cache(pkg_cache))
                .service(pkg),
        )
        .route_service(
            "/embed.js",
            tower::ServiceBuilder::new()
                .layer(cors())
                .layer(cache("public, max-age=300"))
                .layer(vary())
                .service(embed_js),
        )
        .nest_service(
            "/embed",
            tower::ServiceBuilder::new()
                .layer(cors())
                .layer(cache(IMMUTABLE))
                .layer(vary())
                .service(embed),
        )
}

/// Caches keep the Brotli and gzip answers apart.
fn vary() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        HeaderName::from_static("vary"),
        HeaderValue::from_static("accept-encoding"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precompressing_writes_brotli_and_gzip_that_decode_to_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let script = "export const x = 1;\n".repeat(200);
        std::fs::write(dir.path().join("a.js"), &script).unwrap();
        std::fs::write(dir.path().join("photo.png"), [0u8; 64]).unwrap();

        let count = precompress(dir.path()).unwrap();

        assert_eq!(count, 1, "only the script is compressible");
        let gz = std::fs::read(dir.path().join("a.js.gz")).unwrap();
        let mut unzipped = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(gz.as_slice()),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped, script);
        let br = std::fs::read(dir.path().join("a.js.br")).unwrap();
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut br.as_slice(), &mut unbrotli).unwrap();
        assert_eq!(unbrotli, script.as_bytes());
        assert!(br.len() < script.len() / 10, "compressed to a fraction");
        assert!(!dir.path().join("photo.png.gz").exists());
    }
}
