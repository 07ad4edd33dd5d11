//! Building the HTTP application: state, routes and layers, bound to a listener.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context as _;
use axum::Router;
use axum::extract::FromRef;
use engine::verification::Watchlist;
use engine::{Database, Engine};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::{ServeConfig, health, telemetry};

/// The name cargo-leptos gives the WASM, JS and CSS bundles (`name` in the workspace metadata).
const OUTPUT_NAME: &str = "tessera";

/// Background workers per server: jobs read and verify in parallel; SQLite serialises their writes.
const WORKERS: usize = 4;

/// How long jobs in progress may take to finish once shutdown starts.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Longest a request may take, reading its body included (the longest legitimate one is the
/// waiting page's 20 s long poll).
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// What every handler and server function can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub engine: Engine,
    pub limiter: crate::api::ApiLimiter,
    pub page_limiter: crate::api::PageLimiter,
    pub dashboard: app::dashboard::DashboardSettings,
}

/// A Tessera server bound to its address, ready to run.
pub struct Tessera {
    listener: TcpListener,
    router: Router,
    engine: Engine,
    public_url: String,
    header_read_timeout: std::time::Duration,
}

impl Tessera {
    /// Opens and migrates the database, binds the address and assembles the routes.
    pub async fn build(config: ServeConfig) -> anyhow::Result<Self> {
        let watchlist = load_watchlist(config.watchlist.as_deref())?;
        let db = Database::connect(&config.database_url).await.context(
            "could not open the database given by --database-url / TESSERA_DATABASE_URL",
        )?;
        let engine = Engine::new(db)
            .with_watchlist(watchlist)
            .with_job_lease(std::time::Duration::from_secs(config.job_lease_secs))
            .with_webhook_policy(engine::webhooks::WebhookPolicy {
                allow_private_targets: config.allow_private_webhook_targets,
                retry_delays: config.webhook_retry_delays.clone(),
            });
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("could not listen on {}", config.addr))?;
        let bound = listener
            .local_addr()
            .context("could not read the bound address")?;
        let leptos = LeptosOptions::builder()
            .output_name(OUTPUT_NAME)
            .site_root(config.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(bound)
            .hash_files(hash_file_present())
            .build();
        let state = AppState {
            leptos,
            engine: engine.clone(),
            limiter: crate::api::ApiLimiter::new(config.rate_limit),
            page_limiter: crate::api::PageLimiter(crate::api::Limiter::new(config.page_rate_limit)),
            dashboard: app::dashboard::DashboardSettings {
                secure_cookies: config
                    .public_url_for(bound)
                    .to_ascii_lowercase()
                    .starts_with("https://"),
            },
        };
        Ok(Self {
            listener,
            router: router(state),
            engine,
            public_url: config.public_url_for(bound),
            header_read_timeout: config.header_read_timeout,
        })
    }

    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener always has a local address")
    }

    /// The URL users reach this server at.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The engine behind the server (tests use it to arrange data).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Serves requests and runs the background worker until `shutdown` resolves, then lets
    /// in-flight requests and the job in progress finish, and closes the database.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(addr = %self.local_addr(), "serving");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let workers = {
            let stopped = stopped.clone();
            tokio::spawn(engine::worker::supervise(
                self.engine.clone(),
                WORKERS,
                move || until_stopped(stopped.clone()),
            ))
        };
        let deliveries = {
            let stopped = stopped.clone();
            tokio::spawn(engine::delivery::supervise(
                self.engine.clone(),
                move || until_stopped(stopped.clone()),
            ))
        };
        tokio::spawn(async move {
            shutdown.await;
            // Nobody listening any more also means everything has stopped.
            let _ = stop.send(true);
        });
        crate::serve::serve(
            self.listener,
            self.router,
            self.header_read_timeout,
            until_stopped(stopped),
        )
        .await;
        // A job in progress gets the same grace as the requests; a hung one does not hold the
        // process forever (its lease runs out and another instance, or the next start, resumes it).
        match tokio::time::timeout(SHUTDOWN_GRACE, workers).await {
            Ok(joined) => joined.context("the background workers' supervisor panicked")?,
            Err(_) => {
                tracing::warn!("background work still running after the grace period was left")
            }
        }
        // Deliveries in flight end within the outbound request limit.
        if tokio::time::timeout(SHUTDOWN_GRACE, deliveries)
            .await
            .is_err()
        {
            tracing::warn!("webhook deliveries still running after the grace period were left");
        }
        self.engine.db().close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The watchlist of `--watchlist`, or the bundled fictional list.
fn load_watchlist(path: Option<&std::path::Path>) -> anyhow::Result<Watchlist> {
    let Some(path) = path else {
        return Ok(Watchlist::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read the watchlist {}", path.display()))?;
    Watchlist::from_csv(&text).with_context(|| {
        format!(
            "the watchlist {} is not CSV of `name,birthdate`",
            path.display()
        )
    })
}

/// The sign-in page's form token: made here, handed to the page through the request and set as a
/// `SameSite=Strict` cookie on the response (the page's own response headers are not relied on).
async fn sign_in_token(
    axum::extract::State(settings): axum::extract::State<app::dashboard::DashboardSettings>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if request.method() != http::Method::GET || request.uri().path() != "/dashboard/sign-in" {
        return next.run(request).await;
    }
    let token = engine::ids::encode_base32(&engine::ids::random_bytes::<16>());
    request
        .extensions_mut()
        .insert(app::dashboard::SignInToken(token.clone()));
    let mut response = next.run(request).await;
    let cookie = format!(
        "{}={token}; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict{}",
        app::dashboard::sign_in_cookie_name(settings.secure_cookies),
        if settings.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(value) = http::HeaderValue::from_str(&cookie) {
        response
            .headers_mut()
            .append(http::header::SET_COOKIE, value);
    }
    response
}

/// Resolves once `true` is sent, or the sender is gone.
async fn until_stopped(mut stopped: tokio::sync::watch::Receiver<bool>) {
    // An error means the sender was dropped: stop as well.
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// True when cargo-leptos left the content hashes of the bundle next to this binary (a build with
/// `hash-files`): pages then link `/pkg/tessera.<hash>.js`, which may be cached for good.
fn hash_file_present() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|path| path.exists())
}

fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let context = {
        let engine = state.engine.clone();
        let dashboard = state.dashboard;
        move || {
            provide_context(engine.clone());
            provide_context(dashboard);
            crate::security::provide_page_nonce();
        }
    };
    let shell = {
        let options = state.leptos.clone();
        move || app::shell(options.clone())
    };
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context.clone(), shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, app::shell))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            crate::security::MAX_BODY,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.dashboard,
            sign_in_token,
        ))
        .layer(axum::middleware::from_fn(crate::security::page_response))
        // Outermost: a rate-limited visitor costs no rendering and no database work.
        .layer(axum::middleware::from_fn_with_state(
            state.page_limiter.clone(),
            crate::api::page_middleware,
        ));
    let assets = crate::assets::router(
        std::path::Path::new(state.leptos.site_root.as_ref()),
        state.leptos.site_pkg_dir.as_ref(),
        state.leptos.hash_files,
    );
    let router = Router::new()
        .merge(health::router())
        .nest("/api/v1", crate::api::router(&state))
        .merge(crate::api::docs_router())
        .merge(assets)
        .merge(crate::member_files::router())
        .merge(pages)
        // Pages and API answers are compressed when the client accepts it and it pays (tiny
        // answers and the precompressed assets are left as they are).
        .layer(tower_http::compression::CompressionLayer::new());
    crate::security::with_headers(router)
        // A request (body included) that takes longer than this is answered 408 and dropped;
        // inside the layers below, so the 408 is logged and carries its request id.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // Every request gets an `x-request-id` (kept if the client sent an acceptable one), the
        // span logs it, and the response carries it back.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(telemetry::request_span)
                .on_response(telemetry::log_response),
        )
        .layer(SetRequestIdLayer::x_request_id(telemetry::RandomRequestId))
        // Outermost: an unacceptable client-sent request id is dropped before anything logs it.
        .layer(axum::middleware::from_fn(telemetry::sanitize_request_id))
        .with_state(state)
}
