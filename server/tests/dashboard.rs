//! The dashboard over real HTTP, as a browser without JavaScript uses it: sign-in form posts,
//! the session cookie, CSRF tokens, and an organization that sees only its own share tokens.

mod common;

use common::TestServer;
use common::api::{connected, id};
use engine::members::{self, Password};
use reqwest::StatusCode;
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

/// A browser-like client of the dashboard: form posts asking for HTML, its own cookie jar.
struct Browser<'a> {
    server: &'a TestServer,
    cookies: std::collections::BTreeMap<String, String>,
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    set_cookie: Vec<String>,
    body: String,
}

impl Answer {
    fn session_cookie(&self) -> Option<&String> {
        self.set_cookie
            .iter()
            .find(|c| c.starts_with("tessera_session="))
    }
}

impl<'a> Browser<'a> {
    fn new(server: &'a TestServer) -> Self {
        Self {
            server,
            cookies: Default::default(),
        }
    }

    async fn answer(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let request = if self.cookies.is_empty() {
            request
        } else {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request.header("cookie", jar.join("; "))
        };
        let response = request.send().await.expect("request");
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let set_cookie: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        for set in &set_cookie {
            let pair = set.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        Answer {
            status: response.status(),
            location,
            set_cookie,
            body: response.text().await.unwrap_or_default(),
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let request = self.server.client.get(self.server.url(path));
        self.answer(request).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)], site: Option<&str>) -> Answer {
        let mut request = self
            .server
            .client
            .post(self.server.url(path))
            .header("accept", "text/html")
            .form(form);
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        self.answer(request).await
    }

    /// Opens the sign-in page (its form token and cookie) and posts the form.
    async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let page = self.get("/dashboard/sign-in").await;
        let token = hidden(&page.body, "signin");
        self.post(
            "/fn/dashboard-sign-in",
            &[
                ("email", email),
                ("password", password),
                ("signin", token.as_str()),
            ],
            Some("same-origin"),
        )
        .await
    }
}

/// The value of the hidden input `name` of a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("the page has no hidden {name}"))
        + marker.len();
    page[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_signs_in_sees_only_their_organizations_tokens_and_signs_out_with_the_csrf_token()
{
    let server = TestServer::start().await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    let token = id(&source
        .created(
            "/connect/share-tokens",
            json!({"connection-id": connection, "source-id": inquiry}),
        )
        .await);
    let destination_org = engine::ids::OrgId::parse(&destination.org).unwrap();
    members::create(
        &server.engine,
        &destination_org,
        "ops@lender.example",
        Password::new(PASSWORD),
    )
    .await
    .unwrap();
    let (stranger, _) = engine::orgs::create(&server.engine, "Stranger", &[])
        .await
        .unwrap();
    members::create(
        &server.engine,
        &stranger.id,
        "eve@stranger.example",
        Password::new(PASSWORD),
    )
    .await
    .unwrap();
    let mut browser = Browser::new(&server);
    let mut eve = Browser::new(&server);

    let anonymous = browser.get("/dashboard").await;
    let signed_in = browser.sign_in("OPS@lender.example", PASSWORD).await;
    let home = browser.get("/dashboard").await;
    let dashboard = browser.get("/dashboard/connect/share-tokens").await;
    let by_id = browser
        .get(&format!("/dashboard/connect/share-tokens?q={token}"))
        .await;
    eve.sign_in("eve@stranger.example", PASSWORD).await;
    let eves = eve.get("/dashboard/connect/share-tokens").await;
    let eves_search = eve
        .get(&format!("/dashboard/connect/share-tokens?q={token}"))
        .await;
    let forged = browser
        .post(
            "/fn/dashboard-sign-out",
            &[("csrf", "not-the-token")],
            Some("same-origin"),
        )
        .await;
    let still_in = browser.get("/dashboard/connect/share-tokens").await;
    let csrf = hidden(&still_in.body, "csrf");
    let signed_out = browser
        .post(
            "/fn/dashboard-sign-out",
            &[("csrf", csrf.as_str())],
            Some("same-origin"),
        )
        .await;
    let after = browser.get("/dashboard/connect/share-tokens").await;

    assert!(anonymous.status.is_redirection(), "{}", anonymous.status);
    assert_eq!(anonymous.location.as_deref(), Some("/dashboard/sign-in"));
    assert!(
        signed_in.status.is_redirection(),
        "{} {}",
        signed_in.status,
        signed_in.body
    );
    assert_eq!(
        signed_in.location.as_deref(),
        Some("/dashboard/connect/share-tokens")
    );
    assert_eq!(
        home.location.as_deref(),
        Some("/dashboard/connect/share-tokens"),
        "a member's /dashboard"
    );
    let cookie = signed_in
        .session_cookie()
        .expect("a session cookie")
        .clone();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(flag), "{flag} missing from {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http serves no Secure cookie: {cookie}"
    );
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.body.contains(&token),
        "the inbound created token is listed"
    );
    assert!(dashboard.body.contains("Source Bank"), "with its partner");
    assert!(dashboard.body.contains("ops@lender.example"));
    assert!(by_id.body.contains(&token));
    assert!(
        !eves.body.contains(&token),
        "another organization's token is not shown"
    );
    assert!(
        eves_search
            .body
            .contains("No share token of yours has that id.")
    );
    assert_eq!(
        forged.location.as_deref(),
        Some("/dashboard/connect/share-tokens"),
        "a forged sign-out is ignored"
    );
    assert_eq!(still_in.status, StatusCode::OK);
    assert_eq!(
        signed_out.location.as_deref(),
        Some("/dashboard/sign-in?problem=signed-out")
    );
    assert!(
        signed_out
            .session_cookie()
            .is_some_and(|c| c.contains("Max-Age=0")),
        "the cookie is cleared: {:?}",
        signed_out.set_cookie
    );
    assert!(after.status.is_redirection());
    assert_eq!(
        after.location.as_deref(),
        Some("/dashboard/sign-in"),
        "signed out: the cookie was cleared"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_a_cross_site_post_does_not_sign_in() {
    let server = TestServer::start().await;
    let (org, _) = engine::orgs::create(&server.engine, "Acme", &[])
        .await
        .unwrap();
    members::create(
        &server.engine,
        &org.id,
        "ada@acme.example",
        Password::new(PASSWORD),
    )
    .await
    .unwrap();
    let mut browser = Browser::new(&server);

    let wrong = browser
        .sign_in("ada@acme.example", "not the password")
        .await;
    let unknown = browser.sign_in("bob@acme.example", PASSWORD).await;
    let page = browser.get("/dashboard/sign-in").await;
    let token = hidden(&page.body, "signin");
    let cross_site = browser
        .post(
            "/fn/dashboard-sign-in",
            &[
                ("email", "ada@acme.example"),
                ("password", PASSWORD),
                ("signin", token.as_str()),
            ],
            Some("cross-site"),
        )
        .await;
    // An old browser sends no Sec-Fetch-Site: a form on another site cannot know the token.
    let mut other_site = Browser::new(&server);
    let forged = other_site
        .post(
            "/fn/dashboard-sign-in",
            &[
                ("email", "ada@acme.example"),
                ("password", PASSWORD),
                ("signin", "guessed"),
            ],
            None,
        )
        .await;
    let malformed = browser
        .post("/fn/dashboard-sign-in", &[], Some("same-origin"))
        .await;
    let page = browser
        .get("/dashboard/sign-in?problem=invalid&language=es")
        .await;

    for refused in [&wrong, &unknown] {
        assert_eq!(
            refused.location.as_deref(),
            Some("/dashboard/sign-in?problem=invalid")
        );
        assert!(refused.session_cookie().is_none());
    }
    assert_eq!(
        cross_site.location.as_deref(),
        Some("/dashboard/sign-in?problem=cross-site")
    );
    assert!(cross_site.session_cookie().is_none());
    assert_eq!(
        forged.location.as_deref(),
        Some("/dashboard/sign-in?problem=cross-site"),
        "a form without this site's sign-in token is refused"
    );
    assert!(forged.session_cookie().is_none());
    assert!(
        malformed.status.is_redirection(),
        "a post without fields gets the page back, not an error: {}",
        malformed.status
    );
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("lang=\"es\""),
        "{}",
        &page.body[..200.min(page.body.len())]
    );
    assert!(
        page.body
            .contains("Ese correo y esa contraseña no coinciden.")
    );
    assert!(page.body.contains("autocomplete=\"current-password\""));
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_wrong_passwords_throttle_sign_in_and_the_list_needs_a_session() {
    let server = TestServer::start().await;
    let (org, _) = engine::orgs::create(&server.engine, "Acme", &[])
        .await
        .unwrap();
    members::create(
        &server.engine,
        &org.id,
        "ada@acme.example",
        Password::new(PASSWORD),
    )
    .await
    .unwrap();
    let mut browser = Browser::new(&server);
    for _ in 0..members::MAX_FAILURES_PER_CLIENT {
        browser.sign_in("ada@acme.example", "a wrong guess").await;
    }

    let throttled = browser.sign_in("ada@acme.example", PASSWORD).await;
    let list = server
        .client
        .post(server.url("/fn/dashboard-share-tokens"))
        .form(&[("query", "")])
        .send()
        .await
        .unwrap();
    let list_status = list.status();
    let list_body = list.text().await.unwrap();

    assert_eq!(
        throttled.location.as_deref(),
        Some("/dashboard/sign-in?problem=throttled"),
        "the right password is refused after {} failures from one network",
        members::MAX_FAILURES_PER_CLIENT
    );
    assert!(throttled.session_cookie().is_none());
    assert!(
        !list_body.contains("cnst_") && !list_body.contains("Tokens"),
        "the list's server function without a session gives no data: {list_status} {list_body}"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_page_shows_its_timeline_and_hydration_report_and_another_organizations_token_is_not_found()
 {
    let server = TestServer::start().await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    let token = id(&source
        .created(
            "/connect/share-tokens",
            json!({"connection-id": connection, "source-id": inquiry}),
        )
        .await);
    let transaction_type = id(&destination
        .created(
            "/transaction-types",
            json!({"name": "Loan", "fields": [{"key": "name-last", "type": "string"}, {"key": "income", "type": "integer"}]}),
        )
        .await);
    let transaction = id(&destination
        .created(
            "/transactions",
            json!({"transaction-type-id": transaction_type}),
        )
        .await);
    let (status, _) = destination
        .post(
            &format!("/connect/share-tokens/{token}/redeem"),
            json!({"destination-id": transaction}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    common::api::wait_for_status(&destination, &token, "redeemed").await;
    let destination_org = engine::ids::OrgId::parse(&destination.org).unwrap();
    members::create(
        &server.engine,
        &destination_org,
        "ops@lender.example",
        Password::new(PASSWORD),
    )
    .await
    .unwrap();
    let (stranger, _) = engine::orgs::create(&server.engine, "Stranger", &[])
        .await
        .unwrap();
    members::create(
        &server.engine,
        &stranger.id,
        "eve@stranger.example",
        Password::new(PASSWORD),
    )
    .await
    .unwrap();
    let mut ops = Browser::new(&server);
    let mut eve = Browser::new(&server);
    ops.sign_in("ops@lender.example", PASSWORD).await;
    eve.sign_in("eve@stranger.example", PASSWORD).await;

    let page = ops
        .get(&format!("/dashboard/connect/share-tokens/{token}"))
        .await;
    let foreign = eve
        .get(&format!("/dashboard/connect/share-tokens/{token}"))
        .await;
    let nonsense = ops.get("/dashboard/connect/share-tokens/cnst_nope").await;

    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        token.as_str(),
        "Redemption started",
        "Redeemed",
        "Hydration report",
        "Matched by name",
        "name-last",
        "Left unset",
        "income",
        transaction.as_str(),
    ] {
        assert!(
            page.body.contains(expected),
            "the token page lacks {expected:?}"
        );
    }
    assert!(
        !page.body.contains("Lovelace"),
        "the page shows paths, not values"
    );
    assert_eq!(
        foreign.status,
        StatusCode::NOT_FOUND,
        "another organization's token is not found"
    );
    assert!(!foreign.body.contains("Source Bank"));
    assert_eq!(nonsense.status, StatusCode::NOT_FOUND);
    server.stop().await.unwrap();
}
