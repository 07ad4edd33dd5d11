//! Page rendering throughput against a real Tessera server: the hosted flow's consent screen
//! (server-rendered, read from the database on every request) next to a static axum answer of
//! the same bytes (the floor: HTTP, routing and the body, no rendering), `/healthz` and the
//! 404 page, each hammered by the same closed-loop clients for the same time.
//!
//! `cargo bench -p server --bench pages` (CLIENTS=n, SECONDS=n to change the run). Under
//! `scripts/with-postgres.sh` the consent screen is measured on PostgreSQL too.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Figure, database_name, env_or, median};
use server::{ServeConfig, Tessera};

fn main() {
    common::block_on(async move {
        let dir = tempfile::tempdir().expect("temp dir");
        for url in common::database_urls(dir.path(), "pages.db").await {
            run(&url).await;
        }
    });
}

/// Requests per second and the median latency of `clients` closed-loop clients getting `url`.
async fn hammer(client: &reqwest::Client, url: &str, clients: usize, seconds: u64) -> (f64, f64) {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, stop) = (client.clone(), url.to_owned(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                let response = client.get(&url).send().await.expect("an answer");
                let status = response.status();
                let _ = response.bytes().await.expect("a body");
                assert!(
                    status.is_success() || status == 404,
                    "{url} answered {status}"
                );
                latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a client"));
    }
    let rate = latencies.len() as f64 / started.elapsed().as_secs_f64();
    (rate, median(latencies))
}

async fn run(database_url: &str) {
    let clients = env_or("CLIENTS", 16);
    let seconds = env_or("SECONDS", 5) as u64;
    let database = database_name(database_url);
    println!("\n## pages on {database}: {clients} clients, {seconds} s each");
    let mut config = ServeConfig::new("127.0.0.1:0".parse().unwrap(), database_url);
    config.rate_limit = std::num::NonZeroU32::new(1_000_000).unwrap();
    config.page_rate_limit = config.rate_limit;
    let tessera = Tessera::build(config).await.expect("server");
    let base = format!("http://{}", tessera.local_addr());
    let engine = tessera.engine().clone();
    let demo = engine::demo::seed(&engine, &[]).await.expect("demo data");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tessera.run_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(2 * clients)
        .build()
        .unwrap();

    // The consent screen: the hosted flow's start creates an inquiry and redirects to it.
    let start = client
        .get(format!(
            "{base}/verify?inquiry-template-id={}&share-token={}",
            demo.full_template_id, demo.full_token_id
        ))
        .send()
        .await
        .unwrap();
    assert!(
        start.status().is_redirection(),
        "the flow's start redirects"
    );
    let location = start.headers()["location"].to_str().unwrap().to_owned();
    let consent_url = if location.starts_with('/') {
        format!("{base}{location}")
    } else {
        location
    };
    let body = client
        .get(&consent_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("data-testid=\"consent\"") || body.contains("Accept"),
        "the resumed flow shows the consent screen"
    );

    // The floor: a static axum answer of the same bytes, on its own port in this process.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let static_base = format!("http://{}", listener.local_addr().unwrap());
    let page = axum::response::Html(axum::body::Bytes::from(body.clone()));
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { page }
        }),
    );
    let static_server = tokio::spawn(async move { axum::serve(listener, app).await });

    let (consent_rate, consent_p50) = hammer(&client, &consent_url, clients, seconds).await;
    let (static_rate, static_p50) =
        hammer(&client, &format!("{static_base}/"), clients, seconds).await;
    let (health_rate, _) = hammer(&client, &format!("{base}/healthz"), clients, seconds).await;
    let (missing_rate, _) =
        hammer(&client, &format!("{base}/no-such-page"), clients, seconds).await;
    Figure {
        benchmark: "pages",
        database,
        metric: format!("consent screen SSR, {} KB (requests/s)", body.len() / 1024),
        value: consent_rate,
        unit: "/s",
        reference: Some(("static axum answer, same bytes", static_rate)),
        goal: Some("ratio >= 0.25"),
    }
    .report();
    Figure {
        benchmark: "pages",
        database,
        metric: format!("consent screen p50 under {clients} clients"),
        value: consent_p50,
        unit: "ms",
        reference: Some(("static answer p50", static_p50)),
        goal: None,
    }
    .report();
    Figure {
        benchmark: "pages",
        database,
        metric: "/healthz (requests/s)".into(),
        value: health_rate,
        unit: "/s",
        reference: Some(("static axum answer", static_rate)),
        goal: None,
    }
    .report();
    Figure {
        benchmark: "pages",
        database,
        metric: "404 page, no database (requests/s)".into(),
        value: missing_rate,
        unit: "/s",
        reference: Some(("static axum answer", static_rate)),
        goal: None,
    }
    .report();
    static_server.abort();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
