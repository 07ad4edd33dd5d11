//! A real Tessera server for black-box tests: random port, fresh SQLite database per test.

#![allow(dead_code)] // each test binary uses a different part of it

pub mod api;

use std::net::SocketAddr;

use server::{ServeConfig, Tessera};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct TestServer {
    pub base_url: String,
    pub engine: engine::Engine,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server after `configure` adjusts the configuration.
    pub async fn start_with(configure: impl FnOnce(&mut ServeConfig)) -> Self {
        // `TESSERA_TEST_LOG=debug` (any tracing filter) shows the servers' logs, for debugging.
        if let Ok(filter) = std::env::var("TESSERA_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let dir = tempfile::tempdir().expect("a temporary directory for the test database");
        let database_url = engine::db::test_database_url(&format!(
            "sqlite://{}",
            dir.path().join("tessera.db").display()
        ))
        .await;
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("a valid address");
        let mut config = ServeConfig::new(addr, database_url);
        configure(&mut config);
        let tessera = Tessera::build(config)
            .await
            .expect("the server should build against a fresh database");
        let base_url = format!("http://{}", tessera.local_addr());
        let engine = tessera.engine().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(tessera.run_until(async {
            let _ = stopped.await;
        }));
        Self {
            base_url,
            engine,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Stops the server gracefully and returns how `run_until` ended.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task
            .take()
            .expect("the server task is present until stopped")
            .await
            .expect("the server task should not panic")
    }
}
