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
    bytes: Vec<u8>,
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
        let status = response.status();
        let bytes = response.bytes().await.unwrap_or_default().to_vec();
        Answer {
            status,
            location,
            set_cookie,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
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

/// The value of `name` in a redirect's query.
fn query_param(location: &str, name: &str) -> Option<String> {
    let query = location.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A destination member signed in, a partner's token for them and a transaction type to redeem
/// into (`name-last` matches by name, `income` needs a mapping from `salary`).
async fn redeem_setup(
    server: &TestServer,
) -> (Browser<'_>, String, String, common::api::Client<'_>) {
    let (source, destination, connection, inquiry) = connected(server).await;
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
    let destination_org = engine::ids::OrgId::parse(&destination.org).unwrap();
    members::create(
        &server.engine,
        &destination_org,
        "ops@lender.example",
        Password::new(PASSWORD),
    )
    .await
    .unwrap();
    let mut ops = Browser::new(server);
    ops.sign_in("ops@lender.example", PASSWORD).await;
    (ops, token, transaction_type, destination)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redeem_dialog_previews_then_redeems_into_a_new_transaction_with_a_mapping_without_javascript()
 {
    let server = TestServer::start().await;
    let (mut ops, token, transaction_type, destination) = redeem_setup(&server).await;
    let list = ops.get("/dashboard/connect/share-tokens").await;
    let dialog = ops
        .get(&format!(
            "/dashboard/connect/share-tokens?redeem=1&token={token}"
        ))
        .await;
    let csrf = hidden(&list.body, "csrf");
    let form = |intent: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("intent", intent.to_owned()),
            ("token", token.clone()),
            ("kind", "transaction".to_owned()),
            ("schema[transaction]", transaction_type.clone()),
            ("mapping[0][source]", "salary".to_owned()),
            ("mapping[0][destination]", "income".to_owned()),
        ]
    };
    let as_pairs =
        |form: &[(&'static str, String)]| -> Vec<(&'static str, String)> { form.to_vec() };
    let preview_form = as_pairs(&form("preview"));
    let preview_form: Vec<(&str, &str)> =
        preview_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let preview_post = ops
        .post("/fn/dashboard-redeem", &preview_form, Some("same-origin"))
        .await;
    let preview_location = preview_post.location.clone().expect("a redirect");
    let preview = ops.get(&preview_location).await;
    let redeem_form = form("redeem");
    let redeem_form: Vec<(&str, &str)> =
        redeem_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let redeemed_post = ops
        .post("/fn/dashboard-redeem", &redeem_form, Some("same-origin"))
        .await;
    let redeemed_location = redeemed_post.location.clone().expect("a redirect");
    let mut outcome = ops.get(&redeemed_location).await;
    for _ in 0..50 {
        if !outcome.body.contains("Redeeming the share token") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        outcome = ops.get(&redeemed_location).await;
    }
    let token_now = destination
        .get(&format!("/connect/share-tokens/{token}"))
        .await
        .1;
    let transaction = token_now["data"]["relationships"]["destination"]["data"]["id"]
        .as_str()
        .expect("the token names its destination")
        .to_owned();
    let object = ops
        .get(&format!("/dashboard/transactions/{transaction}"))
        .await;

    assert_eq!(dialog.status, StatusCode::OK);
    for expected in [
        "role=\"dialog\"",
        "Redeem Share Token",
        "Field mappings (optional)",
        "<option value=\"salary\">",
    ] {
        assert!(
            dialog.body.contains(expected),
            "the dialog lacks {expected:?}"
        );
    }
    assert!(
        dialog.body.contains(" inert"),
        "the page behind the dialog is inert"
    );
    assert!(
        !dialog.body.contains("Lovelace") && !dialog.body.contains("52000"),
        "before redemption the dialog shows keys, never values"
    );
    assert_eq!(
        query_param(&preview_location, "preview").as_deref(),
        Some("1")
    );
    assert!(
        preview_location.find("csrf").is_none(),
        "the form token never goes into an address: {preview_location}"
    );
    assert!(
        preview.body.contains("What redeeming would fill"),
        "{}",
        preview.body
    );
    let by_mapping = preview
        .body
        .find("Filled by a field mapping")
        .expect("a by-mapping list");
    let unset = preview.body.find("Left unset").expect("an unset list");
    assert!(
        preview.body[by_mapping..unset].contains(">income<"),
        "income is filled by the mapping: {}",
        &preview.body[by_mapping..unset]
    );
    assert!(!preview.body.contains("52000"), "a preview shows no value");
    assert_eq!(
        query_param(&redeemed_location, "redeemed").as_deref(),
        Some(token.as_str()),
        "{redeemed_location}"
    );
    assert_eq!(token_now["data"]["attributes"]["status"], "redeemed");
    assert!(
        outcome
            .body
            .contains(&format!("href=\"/dashboard/transactions/{transaction}\"")),
        "the dialog links the new transaction: {}",
        outcome.body
    );
    assert_eq!(object.status, StatusCode::OK);
    for expected in [transaction.as_str(), "Loan", "Lovelace", "52000"] {
        assert!(
            object.body.contains(expected),
            "the transaction page lacks {expected:?}"
        );
    }
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redeem_dialog_refuses_in_place_and_a_forged_or_stale_form_redeems_nothing() {
    let server = TestServer::start().await;
    let (mut ops, token, transaction_type, destination) = redeem_setup(&server).await;
    let list = ops.get("/dashboard/connect/share-tokens").await;
    let csrf = hidden(&list.body, "csrf");
    let post = |csrf: &str, token: &str, destination_field: &str| {
        vec![
            ("csrf", csrf.to_owned()),
            ("intent", "redeem".to_owned()),
            ("token", token.to_owned()),
            ("kind", "transaction".to_owned()),
            ("schema[transaction]", transaction_type.clone()),
            ("mapping[0][source]", "salary".to_owned()),
            ("mapping[0][destination]", destination_field.to_owned()),
        ]
    };
    let send = |form: Vec<(&'static str, String)>| form;
    let mut answers = Vec::new();
    for (form, site) in [
        (send(post("forged", &token, "income")), Some("same-origin")),
        (send(post(&csrf, &token, "income")), Some("cross-site")),
        (
            send(post(&csrf, "cnst_nope", "income")),
            Some("same-origin"),
        ),
        (send(post(&csrf, &token, "wages")), Some("same-origin")),
        (send(post(&csrf, &token, "")), Some("same-origin")),
    ] {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        answers.push(ops.post("/fn/dashboard-redeem", &pairs, site).await);
    }
    let refused_page = ops
        .get(answers[3].location.as_deref().expect("a redirect"))
        .await;
    let mut anonymous = Browser::new(&server);
    let pairs: Vec<(&str, String)> = post(&csrf, &token, "income");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let without_session = anonymous
        .post("/fn/dashboard-redeem", &pairs, Some("same-origin"))
        .await;
    let token_now = destination
        .get(&format!("/connect/share-tokens/{token}"))
        .await
        .1;
    let transactions = destination.get("/transactions").await.1;

    let problems: Vec<(Option<String>, Option<String>)> = answers
        .iter()
        .map(|a| {
            let location = a.location.as_deref().unwrap_or_default();
            (
                query_param(location, "problem"),
                query_param(location, "row"),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (Some("stale-form".to_owned()), None),
            (Some("stale-form".to_owned()), None),
            (Some("token-not-found".to_owned()), None),
            (
                Some("not-a-destination-field".to_owned()),
                Some("0".to_owned())
            ),
            (Some("mapping-incomplete".to_owned()), Some("0".to_owned())),
        ],
        "each refusal says why, and which mapping row"
    );
    assert!(refused_page.body.contains("role=\"alert\""));
    assert!(
        refused_page
            .body
            .contains("The destination has no field with this name."),
        "the refusal is shown in the dialog"
    );
    assert!(
        refused_page.body.contains("value=\"wages\""),
        "what was typed is kept"
    );
    assert_eq!(
        without_session.location.as_deref(),
        Some("/dashboard/sign-in?problem=expired")
    );
    assert_eq!(
        token_now["data"]["attributes"]["status"], "created",
        "nothing was redeemed"
    );
    assert_eq!(
        transactions["data"].as_array().map(Vec::len),
        Some(0),
        "no refused redemption leaves an object behind: {transactions}"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_server_function_needs_a_session_and_shows_only_the_members_organization() {
    let server = TestServer::start().await;
    let (mut ops, token, transaction_type, destination) = redeem_setup(&server).await;
    let transaction = id(&destination
        .created(
            "/transactions",
            json!({"transaction-type-id": transaction_type, "fields": {"name-last": "Hopper"}}),
        )
        .await);
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
    let mut eve = Browser::new(&server);
    eve.sign_in("eve@stranger.example", PASSWORD).await;
    let mut anonymous = Browser::new(&server);
    // The dialog opened on another organization's token (its id typed in) shows nothing of it.
    let calls: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("/fn/dashboard-home", vec![("query", String::new())]),
        ("/fn/dashboard-share-tokens", vec![("query", String::new())]),
        (
            "/fn/dashboard-share-tokens",
            vec![(
                "query",
                format!(
                    "redeem=1&token={token}&kind=transaction&mapping[0][source]=salary&mapping[0][destination]=income&preview=1"
                ),
            )],
        ),
        (
            "/fn/dashboard-share-token",
            vec![("id", token.clone()), ("query", String::new())],
        ),
        (
            "/fn/dashboard-objects",
            vec![("kind", "transaction".to_owned()), ("query", String::new())],
        ),
        (
            "/fn/dashboard-object",
            vec![
                ("kind", "transaction".to_owned()),
                ("id", transaction.clone()),
                ("query", String::new()),
            ],
        ),
    ];

    let mut leaks = Vec::new();
    for (path, form) in &calls {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for (who, browser) in [
            ("nobody", &mut anonymous),
            ("another organization", &mut eve),
        ] {
            let request = server.client.post(server.url(path)).form(&pairs);
            let answer = browser.answer(request).await;
            // What the caller typed in comes back; nothing else of the organization's may.
            let typed_in = |marker: &str| form.iter().any(|(_, v)| v.contains(marker));
            let leaked = [
                token.as_str(),
                "name-last",
                transaction.as_str(),
                "Hopper",
                "salary",
            ]
            .into_iter()
            .any(|marker| answer.body.contains(marker) && !typed_in(marker));
            if leaked {
                leaks.push(format!("{path} answered {who}: {}", answer.body));
            }
        }
    }
    let eve_dialog = eve
        .answer(
            server
                .client
                .post(server.url("/fn/dashboard-share-tokens"))
                .form(&[(
                    "query",
                    format!("redeem=1&token={token}&kind=transaction&preview=1"),
                )]),
        )
        .await
        .body;
    let own_list = ops.get("/dashboard/transactions").await;
    let filtered = ops
        .get(&format!(
            "/dashboard/transactions?schema={transaction_type}"
        ))
        .await;
    let other_type = ops.get("/dashboard/transactions?schema=txntp_other").await;
    let eves_list = eve.get("/dashboard/transactions").await;
    let own = ops
        .get(&format!("/dashboard/transactions/{transaction}"))
        .await;
    let foreign_page = eve
        .get(&format!("/dashboard/transactions/{transaction}"))
        .await;
    let wrong_kind = ops.get(&format!("/dashboard/accounts/{transaction}")).await;

    assert!(leaks.is_empty(), "{leaks:#?}");
    assert!(
        own_list.body.contains(&transaction),
        "the list shows the organization's transaction"
    );
    assert!(filtered.body.contains(&transaction), "filtered by its type");
    assert!(
        other_type.body.contains(&transaction),
        "a type that is not the organization's filters nothing"
    );
    assert!(
        !eves_list.body.contains(&transaction),
        "another organization's list does not show it"
    );
    assert!(
        eve_dialog.contains("TokenNotFound"),
        "another organization's token is not found in the dialog: {eve_dialog}"
    );
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("Hopper"));
    assert!(
        own.body.contains("<html lang=\"en\""),
        "the page names its language: {}",
        &own.body[..300.min(own.body.len())]
    );
    assert_eq!(foreign_page.status, StatusCode::NOT_FOUND);
    assert!(!foreign_page.body.contains("Hopper"));
    assert_eq!(
        wrong_kind.status,
        StatusCode::NOT_FOUND,
        "a transaction is not an account"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_objects_files_open_for_its_members_only() {
    // A 1×1 PNG.
    const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    let server = TestServer::start().await;
    let (mut ops, _token, _transaction_type, destination) = redeem_setup(&server).await;
    let with_file = id(&destination
        .created(
            "/transaction-types",
            json!({"name": "Photo", "fields": [{"key": "selfie", "type": "file", "label": "Selfie"}]}),
        )
        .await);
    let transaction = id(&destination
        .created(
            "/transactions",
            json!({"transaction-type-id": with_file, "fields": {"selfie": {"filename": "me.png", "content-type": "image/png", "data": PNG}}}),
        )
        .await);
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
    let mut eve = Browser::new(&server);
    eve.sign_in("eve@stranger.example", PASSWORD).await;

    let page = ops
        .get(&format!("/dashboard/transactions/{transaction}"))
        .await;
    let at = page
        .body
        .find("href=\"/dashboard/files/")
        .expect("a file link")
        + "href=\"".len();
    let link = page.body[at..].split('"').next().unwrap().to_owned();
    let file = ops.get(&link).await;
    let foreign = eve.get(&link).await;
    let anonymous = Browser::new(&server).get(&link).await;

    assert!(page.body.contains("Selfie") && page.body.contains("me.png"));
    assert_eq!(file.status, StatusCode::OK);
    use base64::Engine as _;
    assert_eq!(
        file.bytes,
        base64::engine::general_purpose::STANDARD
            .decode(PNG)
            .unwrap(),
        "the member gets the stored bytes"
    );
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert!(anonymous.status.is_redirection(), "{}", anonymous.status);
    server.stop().await.unwrap();
}

/// The key a settings page shows once, if any.
fn shown_key(page: &str) -> Option<String> {
    let at = page.find("<code>tsk_")? + "<code>".len();
    Some(page[at..].split(['<', '"']).next()?.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_create_a_key_shown_once_revoke_it_and_change_origins_and_connections_only_with_the_form_token()
 {
    let server = TestServer::start().await;
    let (mut ops, _token, _type, destination) = redeem_setup(&server).await;
    let (partner, _) = engine::orgs::create(&server.engine, "Partner", &[])
        .await
        .unwrap();
    let page = ops.get("/dashboard/settings").await;
    let csrf = hidden(&page.body, "csrf");
    let change = |action: &'static str, id: &str, value: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("action", action.to_owned()),
            ("id", id.to_owned()),
            ("value", value.to_owned()),
        ]
    };
    let post = async |browser: &mut Browser<'_>, form: Vec<(&'static str, String)>, site| {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser
            .post("/fn/dashboard-settings-change", &pairs, site)
            .await
    };

    let created = post(&mut ops, change("create-key", "", ""), Some("same-origin")).await;
    let shown = ops.get(created.location.as_deref().unwrap()).await;
    let again = ops.get("/dashboard/settings").await;
    let secret = shown_key(&shown.body).expect("the new key is shown once");
    let with_new_key = server
        .client
        .get(server.url("/api/v1/connect/share-tokens"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .status();
    // Newest first: the first revoke form on the page is the new key's.
    let key_id = hidden(&again.body, "id");
    let forged = post(
        &mut ops,
        vec![
            ("csrf", "forged".into()),
            ("action", "revoke-key".into()),
            ("id", key_id.clone()),
        ],
        Some("same-origin"),
    )
    .await;
    let cross_site = post(
        &mut ops,
        change("revoke-key", &key_id, ""),
        Some("cross-site"),
    )
    .await;
    let still_works = server
        .client
        .get(server.url("/api/v1/connect/share-tokens"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .status();
    let revoked = post(
        &mut ops,
        change("revoke-key", &key_id, ""),
        Some("same-origin"),
    )
    .await;
    let after_revoke = server
        .client
        .get(server.url("/api/v1/connect/share-tokens"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .status();
    let bad_origin = post(
        &mut ops,
        change("add-origin", "", "javascript:alert(1)"),
        Some("same-origin"),
    )
    .await;
    post(
        &mut ops,
        change("add-origin", "", "https://Shop.example"),
        Some("same-origin"),
    )
    .await;
    let with_origin = ops.get("/dashboard/settings").await;
    post(
        &mut ops,
        change("remove-origin", "", "https://shop.example"),
        Some("same-origin"),
    )
    .await;
    let without_origin = ops.get("/dashboard/settings").await;
    let requested = post(
        &mut ops,
        change("request-connection", "", partner.id.as_str()),
        Some("same-origin"),
    )
    .await;
    let unknown = post(
        &mut ops,
        change("request-connection", "", "org_nobody"),
        Some("same-origin"),
    )
    .await;
    let connections = destination.get("/connect/connections").await.1;

    assert!(
        shown.body.contains("Copy this key now"),
        "the key is shown with its warning"
    );
    assert!(shown_key(&again.body).is_none(), "a key is shown only once");
    assert_eq!(with_new_key, StatusCode::OK, "the new key opens the API");
    for refused in [&forged, &cross_site] {
        assert_eq!(
            refused.location.as_deref(),
            Some("/dashboard/settings?notice=stale-form"),
            "a change without this page's form token is refused"
        );
    }
    assert_eq!(
        still_works,
        StatusCode::OK,
        "nothing was revoked by the refused posts"
    );
    assert_eq!(
        revoked.location.as_deref(),
        Some("/dashboard/settings?notice=key-revoked")
    );
    assert_eq!(
        after_revoke,
        StatusCode::UNAUTHORIZED,
        "a revoked key opens nothing"
    );
    assert_eq!(
        bad_origin.location.as_deref(),
        Some("/dashboard/settings?notice=origin-invalid")
    );
    assert!(with_origin.body.contains(">https://shop.example<"));
    assert!(!without_origin.body.contains(">https://shop.example<"));
    assert_eq!(
        requested.location.as_deref(),
        Some("/dashboard/settings?notice=connection-requested")
    );
    assert_eq!(
        unknown.location.as_deref(),
        Some("/dashboard/settings?notice=unknown-organization")
    );
    assert!(
        connections.to_string().contains(partner.id.as_str()),
        "the requested connection exists: {connections}"
    );
    server.stop().await.unwrap();
}
