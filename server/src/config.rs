//! Configuration of `tessera serve`, from flags and environment variables (CONTRACT.md §1).

use std::net::SocketAddr;

use clap::Args;

/// Flags and environment variables of `tessera serve`.
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "TESSERA_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Database URL: sqlite://PATH (created if missing) or postgres://USER:PASSWORD@HOST/DATABASE.
    #[arg(
        long,
        env = "TESSERA_DATABASE_URL",
        default_value = "sqlite://data/tessera.db"
    )]
    pub database_url: String,

    /// The URL users reach Tessera at, used in links Tessera prints and sends [default: http://<addr>].
    #[arg(long, env = "TESSERA_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Allow webhooks to loopback and private network addresses.
    #[arg(
        long,
        env = "TESSERA_ALLOW_PRIVATE_WEBHOOK_TARGETS",
        value_parser = clap::builder::BoolishValueParser::new(),
        action = clap::ArgAction::SetTrue
    )]
    pub allow_private_webhook_targets: bool,

    /// Watchlist CSV (`name,birthdate?`) for the watchlist report [default: a small fictional list].
    #[arg(long, env = "TESSERA_WATCHLIST")]
    pub watchlist: Option<std::path::PathBuf>,

    /// API requests per second allowed per API key (bursts of the same size).
    #[arg(long, env = "TESSERA_RATE_LIMIT", default_value = "100")]
    pub rate_limit: std::num::NonZeroU32,

    /// Page and server-function requests per second allowed per client address (bursts of the
    /// same size).
    #[arg(long, env = "TESSERA_PAGE_RATE_LIMIT", default_value = "30")]
    pub page_rate_limit: std::num::NonZeroU32,

    /// Directory holding the built site (the WASM bundle, CSS and public assets).
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        hide = true
    )]
    pub site_root: String,

    /// Seconds a claimed background job stays reserved for the instance that claimed it: when an
    /// instance dies, another one takes its jobs over after this long.
    #[arg(long, env = "TESSERA_JOB_LEASE_SECS", default_value = "60", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub job_lease_secs: u64,

    /// How long a client may take to send its request headers before the connection is closed.
    #[arg(skip = DEFAULT_HEADER_READ_TIMEOUT)]
    pub header_read_timeout: std::time::Duration,

    /// Waits before a webhook delivery's 2nd, 3rd, … attempt (tests shorten them).
    #[arg(skip = engine::webhooks::RETRY_DELAYS.to_vec())]
    pub webhook_retry_delays: Vec<std::time::Duration>,
}

/// The header-read timeout of `tessera serve`.
pub const DEFAULT_HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl ServeConfig {
    /// A configuration for tests and embedding: listen on `addr`, use `database_url`, defaults elsewhere.
    pub fn new(addr: SocketAddr, database_url: impl Into<String>) -> Self {
        Self {
            addr,
            database_url: database_url.into(),
            public_url: None,
            allow_private_webhook_targets: false,
            watchlist: None,
            rate_limit: std::num::NonZeroU32::new(100).expect("100 is not zero"),
            page_rate_limit: std::num::NonZeroU32::new(30).expect("30 is not zero"),
            site_root: "target/site".to_owned(),
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            job_lease_secs: engine::jobs::LEASE.as_secs(),
            webhook_retry_delays: engine::webhooks::RETRY_DELAYS.to_vec(),
        }
    }

    /// The public URL with no trailing slash: `--public-url`, or `http://<bound address>`.
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_defaults_to_the_bound_address() {
        let config = ServeConfig::new("127.0.0.1:0".parse().unwrap(), "sqlite::memory:");

        let url = config.public_url_for("127.0.0.1:4321".parse().unwrap());

        assert_eq!(url, "http://127.0.0.1:4321");
    }

    #[test]
    fn public_url_given_loses_its_trailing_slash() {
        let mut config = ServeConfig::new("127.0.0.1:0".parse().unwrap(), "sqlite::memory:");
        config.public_url = Some("https://id.example.com/".to_owned());

        let url = config.public_url_for("127.0.0.1:4321".parse().unwrap());

        assert_eq!(url, "https://id.example.com");
    }
}
