//! What every load benchmark shares: percentiles, the process's memory, and one result line per
//! figure appended to `TESSERA_BENCH_OUT` (JSON lines; `make bench` turns them into one table).

#![allow(dead_code)] // each benchmark uses a different part

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

/// One figure: Tessera's value, the reference measured in the same run, and the goal: for the
/// ratio `value / reference` (`"ratio <= 1.5"`, `"ratio >= 0.25"`) or for the value itself
/// (`"<= 5"`, `">= 2000"`).
pub struct Figure<'a> {
    pub benchmark: &'a str,
    pub database: &'a str,
    pub metric: String,
    pub value: f64,
    pub unit: &'a str,
    pub reference: Option<(&'a str, f64)>,
    pub goal: Option<&'a str>,
}

impl Figure<'_> {
    /// Prints the figure and appends it to `TESSERA_BENCH_OUT` when that is set.
    pub fn report(self) {
        let ratio = self.reference.map(|(_, reference)| self.value / reference);
        let met = self.goal.map(|goal| match goal.strip_prefix("ratio ") {
            Some(goal) => meets(ratio.expect("a ratio goal needs a reference"), goal),
            None => meets(self.value, goal),
        });
        let reference_text = self
            .reference
            .map(|(name, value)| format!("  vs {name} {value:.2}  ratio {:.2}", ratio.unwrap()))
            .unwrap_or_default();
        println!(
            "{:<58} {:>10.2} {}{reference_text}{}",
            self.metric,
            self.value,
            self.unit,
            match (self.goal, met) {
                (Some(goal), Some(true)) => format!("  goal {goal}: met"),
                (Some(goal), _) => format!("  goal {goal}: NOT met"),
                _ => String::new(),
            }
        );
        let Ok(path) = std::env::var("TESSERA_BENCH_OUT") else {
            return;
        };
        let line = json!({
            "benchmark": self.benchmark,
            "database": self.database,
            "metric": self.metric,
            "value": self.value,
            "unit": self.unit,
            "reference": self.reference.map(|(name, value)| json!({"name": name, "value": value})),
            "ratio": ratio,
            "goal": self.goal,
            "met": met,
        });
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("TESSERA_BENCH_OUT={path} cannot be opened: {e}"));
        writeln!(file, "{line}").expect("the bench results file takes a line");
    }
}

/// `compared` against a goal written as `<= x` or `>= x`.
fn meets(compared: f64, goal: &str) -> bool {
    let (op, number) = goal.split_at(2);
    let number: f64 = number
        .trim()
        .parse()
        .expect("a goal is <= or >= and a number");
    match op {
        "<=" => compared <= number,
        ">=" => compared >= number,
        _ => panic!("a goal starts with <= or >=: {goal}"),
    }
}

/// The database a run uses, for the table: `sqlite` or `postgres`.
pub fn database_name(url: &str) -> &'static str {
    if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    }
}

pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's resident memory in MiB (Linux).
pub fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// The `p` quantile (0..=1) of sorted samples.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Sorts the samples and returns their median.
pub fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    percentile(&samples, 0.5)
}

pub fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs_f64()
        * 1000.0
}

/// Runs a benchmark's body on a multi-threaded runtime (the server's own kind).
pub fn block_on<F: std::future::Future>(body: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(body)
}

/// The databases a run measures: a SQLite file `name` in `dir`, then, under
/// `scripts/with-postgres.sh`, a fresh PostgreSQL database.
pub async fn database_urls(dir: &std::path::Path, name: &str) -> Vec<String> {
    let mut urls = vec![format!("sqlite://{}", dir.join(name).display())];
    if std::env::var(engine::db::TEST_DATABASE_URL).is_ok() {
        urls.push(engine::db::test_database_url("").await);
    }
    urls
}

/// Samples `GET {base}/healthz` every 5 ms until `done`: the floor a run is compared with.
pub fn sample_healthz(
    client: &reqwest::Client,
    base: &str,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<Vec<f64>> {
    let (client, url) = (client.clone(), format!("{base}/healthz"));
    tokio::spawn(async move {
        let mut latencies = Vec::new();
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            let started = std::time::Instant::now();
            let response = client.get(&url).send().await.expect("/healthz answers");
            assert_eq!(response.status(), 200, "/healthz should answer 200");
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        latencies
    })
}
