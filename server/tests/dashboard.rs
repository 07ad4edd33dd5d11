//! The dashboard over real HTTP, as a browser without JavaScript uses it: sign-in form posts,
//! the session cookie, CSRF tokens, and an organization that sees only its own share tokens.

mod common;

use common::TestServer;
use common::api::{connected, id};
use engine::members::{self, Password};
use reqwest::StatusCode;
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

/// A browser-like client of the dashboard: form posts asking for HTML, cookies kept by hand.
struct Browser<'a> {
    server: &'a TestServer,
    cookie: Option<String>,
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    set_cookie: Option<String>,
    body: String,
}

impl<'a> Browser<'a> {
    fn new(server: &'a TestServer) -> Self {
        Self {
            server,
            cookie: None,
        }
    }

    async fn answer(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let request = match &self.cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        };
        let response = request.send().await.expect("request");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (status, location, set_cookie) =
            (response.status(), header("location"), header("set-cookie"));
        if let Some(set) = &set_cookie {
            let pair = set.split(';').next().unwrap_or_default().to_owned();
            self.cookie = (!pair.ends_with('=')).then_some(pair);
        }
        Answer {
            status,
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

    async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        self.post(
            "/fn/dashboard-sign-in",
            &[("email", email), ("password", password)],
            Some("same-origin"),
        )
        .await
    }
}

fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("the page has a sign-out form")
        + 19;
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
    let csrf = csrf_of(&still_in.body);
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
    let cookie = signed_in.set_cookie.expect("a session cookie");
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
            .set_cookie
            .is_some_and(|c| c.contains("Max-Age=0"))
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
    let cross_site = browser
        .post(
            "/fn/dashboard-sign-in",
            &[("email", "ada@acme.example"), ("password", PASSWORD)],
            Some("cross-site"),
        )
        .await;
    let page = browser
        .get("/dashboard/sign-in?problem=invalid&language=es")
        .await;

    for refused in [&wrong, &unknown] {
        assert_eq!(
            refused.location.as_deref(),
            Some("/dashboard/sign-in?problem=invalid")
        );
        assert!(refused.set_cookie.is_none());
    }
    assert_eq!(
        cross_site.location.as_deref(),
        Some("/dashboard/sign-in?problem=cross-site")
    );
    assert!(cross_site.set_cookie.is_none());
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
