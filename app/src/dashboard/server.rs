//! The dashboard's server functions. Each page's data comes from one (reading the session cookie);
//! each form posts to one that answers with a redirect, so everything works without JavaScript.
//! Every function that changes something checks the session's CSRF token and refuses requests a
//! browser marks as coming from another site (`Sec-Fetch-Site`).

use leptos::prelude::*;

use super::model::*;

/// The sign-in page (`/dashboard/sign-in?<query>`).
#[server(prefix = "/fn", endpoint = "dashboard-sign-in-page")]
pub async fn load_sign_in(query: String) -> Result<SignInView, ServerFnError> {
    backend::load_sign_in(&query).await
}

/// Signs in with an e-mail address and password, then goes to the dashboard (or back to the
/// sign-in page, saying why not). Every field is optional: a malformed post gets the page back.
#[server(prefix = "/fn", endpoint = "dashboard-sign-in")]
pub async fn dashboard_sign_in(
    email: Option<String>,
    password: Option<String>,
    signin: Option<String>,
    language: Option<String>,
) -> Result<(), ServerFnError> {
    backend::sign_in(email, password, signin, language).await
}

/// Signs out (the session ends at once) and goes back to the sign-in page.
#[server(prefix = "/fn", endpoint = "dashboard-sign-out")]
pub async fn dashboard_sign_out(
    csrf: Option<String>,
    language: Option<String>,
) -> Result<(), ServerFnError> {
    backend::sign_out(csrf, language).await
}

/// `/dashboard`: where a member goes (Connect › Share Tokens), or sign in first.
#[server(prefix = "/fn", endpoint = "dashboard-home")]
pub async fn load_home(query: String) -> Result<DashboardView, ServerFnError> {
    backend::load_home(&query).await
}

/// Connect › Share Tokens (`/dashboard/connect/share-tokens?<query>`).
#[server(prefix = "/fn", endpoint = "dashboard-share-tokens")]
pub async fn load_share_tokens(query: String) -> Result<DashboardView, ServerFnError> {
    backend::load_share_tokens(&query).await
}

/// One share token (`/dashboard/connect/share-tokens/<id>`).
#[server(prefix = "/fn", endpoint = "dashboard-share-token")]
pub async fn load_share_token(id: String, query: String) -> Result<DashboardView, ServerFnError> {
    backend::load_share_token(&id, &query).await
}

/// An inquiry's, transaction's or account's page (`/dashboard/<collection>/<id>`); `kind` is
/// `inquiry`, `transaction` or `account`.
#[server(prefix = "/fn", endpoint = "dashboard-object")]
pub async fn load_object(
    kind: String,
    id: String,
    query: String,
) -> Result<DashboardView, ServerFnError> {
    backend::load_object(&kind, &id, &query).await
}

/// Inquiries, transactions or accounts (`/dashboard/<collection>?<query>`); `kind` is `inquiry`,
/// `transaction` or `account`.
#[server(prefix = "/fn", endpoint = "dashboard-objects")]
pub async fn load_objects(kind: String, query: String) -> Result<DashboardView, ServerFnError> {
    backend::load_objects(&kind, &query).await
}

/// Settings (`/dashboard/settings?<query>`): API keys, allowed origins, connections, webhooks and
/// workflows.
#[server(prefix = "/fn", endpoint = "dashboard-settings")]
pub async fn load_settings(query: String) -> Result<DashboardView, ServerFnError> {
    backend::load_settings(&query).await
}

/// A change on the settings page: `action` is `create-key`, `revoke-key` (`id`), `add-origin`
/// (`value`), `remove-origin` (`value`), `request-connection` (`value`: the partner's
/// organization id), or `accept`, `deactivate`, `reactivate` (`id`: a connection).
#[server(prefix = "/fn", endpoint = "dashboard-settings-change")]
pub async fn dashboard_settings_change(
    csrf: Option<String>,
    action: Option<String>,
    id: Option<String>,
    value: Option<String>,
    language: Option<String>,
) -> Result<(), ServerFnError> {
    backend::change_settings(csrf, action, id, value, language).await
}

/// The Redeem Share Token dialog's form. `intent` says which button sent it: `redeem` (checks the
/// session's form token and starts the redemption), `preview`, `add-mapping`, `tab-destination` or
/// `tab-mappings` (each answered with the dialog again, as the form was filled in). `schema` is
/// the chosen template or type per destination kind (`schema[transaction]=txntp_…`), `mapping`
/// the rows of the mappings tab (`mapping[0][source]=salary`).
#[server(prefix = "/fn", endpoint = "dashboard-redeem")]
pub async fn dashboard_redeem(
    csrf: Option<String>,
    intent: Option<String>,
    token: Option<String>,
    kind: Option<String>,
    schema: Option<std::collections::BTreeMap<String, String>>,
    mapping: Option<Vec<MappingRow>>,
    language: Option<String>,
) -> Result<(), ServerFnError> {
    let schema = schema.unwrap_or_default();
    let form = RedeemForm {
        token: token.unwrap_or_default().trim().to_owned(),
        kind: kind.unwrap_or_default(),
        chosen: DESTINATION_KINDS.map(|kind| schema.get(kind).cloned()),
        // One past the engine's limit, so that too many is refused rather than cut silently.
        mappings: mapping
            .unwrap_or_default()
            .into_iter()
            .take(engine_limits::MAX_MAPPING_ROWS)
            .map(|row| MappingRow {
                source: row.source.trim().to_owned(),
                destination: row.destination.trim().to_owned(),
            })
            .collect(),
    };
    backend::redeem(csrf, intent.as_deref().unwrap_or("preview"), form, language).await
}

/// Limits the dialog's form keeps to.
#[cfg(feature = "ssr")]
mod engine_limits {
    /// Field mappings the engine accepts (`MAX_MAPPINGS`), and one more to refuse.
    pub const MAX_MAPPING_ROWS: usize = engine::hydration::MAX_MAPPINGS + 1;
}

/// The dialog's fields as a member filled them in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedeemForm {
    pub token: String,
    pub kind: String,
    /// The schema chosen per kind, in [`DESTINATION_KINDS`] order.
    pub chosen: [Option<String>; 3],
    pub mappings: Vec<MappingRow>,
}

/// The sign-in form's token for this request, made by the server's middleware, which also sets the
/// matching cookie on the response (a page render's own response headers are not relied on).
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct SignInToken(pub String);

/// The cookie that carries the sign-in form's token.
#[cfg(feature = "ssr")]
pub fn sign_in_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-tessera_sign_in"
    } else {
        "tessera_sign_in"
    }
}

/// The member session a request's cookie carries, for the server's own dashboard routes (files).
#[cfg(feature = "ssr")]
pub async fn session_of_request(
    engine: &engine::Engine,
    headers: &http::HeaderMap,
    secure: bool,
) -> engine::error::Result<Option<engine::members::Session>> {
    match cookie_in(headers, session_cookie_name(secure)) {
        Some(value) => {
            engine::members::session(engine, &engine::members::SessionSecret::from_cookie(&value))
                .await
        }
        None => Ok(None),
    }
}

/// The session cookie's name (`__Host-` behind https: no other host or path can set it).
#[cfg(feature = "ssr")]
fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-tessera_session"
    } else {
        "tessera_session"
    }
}

/// The value of the cookie `wanted` in `headers`, if any.
#[cfg(feature = "ssr")]
fn cookie_in(headers: &http::HeaderMap, wanted: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == wanted && !value.is_empty()).then(|| value.to_owned())
        })
}

/// What the server tells the dashboard about itself (provided in context by `server/`).
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, Debug, Default)]
pub struct DashboardSettings {
    /// Session cookies carry `Secure` (the public URL is https).
    pub secure_cookies: bool,
}

#[cfg(feature = "ssr")]
mod backend {
    use std::collections::BTreeMap;
    use std::net::SocketAddr;

    use engine::fields::FieldPath;
    use engine::hydration::{FieldMapping, MappingProblem};
    use engine::ids::{OrgId, ShareTokenId};
    use engine::members::{self, Password, SessionSecret, SignIn};
    use engine::objects::ObjectKind;
    use engine::paging::PageRequest;
    use engine::redemption::{self, RedeemError, RedeemIntoNew};
    use engine::share_tokens::{self, Direction, ListFilter, ShareToken, ShareTokenStatus};
    use engine::time::Timestamp;
    use http::header::{self, HeaderValue};
    use leptos::prelude::*;

    use super::{DashboardSettings, RedeemForm};
    use crate::dashboard::model::*;
    use crate::i18n::{Lang, request_lang};

    /// Connect › Share Tokens.
    pub const SHARE_TOKENS: &str = "/dashboard/connect/share-tokens";

    /// Where members open an object's files (served by the server, for members only).
    pub const FILES: &str = "/dashboard/files";

    /// Share tokens per page.
    const PAGE_SIZE: u32 = 25;

    fn secure() -> bool {
        use_context::<DashboardSettings>()
            .unwrap_or_default()
            .secure_cookies
    }

    /// The session cookie's name (`__Host-` behind https: no other host or path can set it).
    fn session_cookie_name() -> &'static str {
        super::session_cookie_name(secure())
    }

    /// The sign-in form's cookie, matched by the form's hidden field: no other site can post a
    /// sign-in for a browser without first reading this site's page.
    fn sign_in_cookie_name() -> &'static str {
        super::sign_in_cookie_name(secure())
    }

    fn parts() -> Option<http::request::Parts> {
        use_context::<http::request::Parts>()
    }

    fn request_header(name: header::HeaderName) -> Option<String> {
        parts().and_then(|p| p.headers.get(name)?.to_str().ok().map(str::to_owned))
    }

    /// The value of the cookie `wanted` the browser sent, if any.
    fn cookie(wanted: &str) -> Option<String> {
        super::cookie_in(&parts()?.headers, wanted)
    }

    /// The session secret the browser sent, if any.
    fn session_cookie() -> Option<SessionSecret> {
        cookie(session_cookie_name()).map(|value| SessionSecret::from_cookie(&value))
    }

    /// The live session of this request, if any.
    async fn current_session(
        engine: &engine::Engine,
    ) -> Result<Option<members::Session>, ServerFnError> {
        match session_cookie() {
            Some(secret) => members::session(engine, &secret).await.map_err(unavailable),
            None => Ok(None),
        }
    }

    /// The session a state-changing request acts for: only from a page of this site (the
    /// browser's `Sec-Fetch-Site`) and with the session's CSRF token. Every server function that
    /// changes something goes through here.
    async fn require_write(
        engine: &engine::Engine,
        csrf: Option<&str>,
    ) -> Result<Option<members::Session>, ServerFnError> {
        let session = current_session(engine).await?;
        Ok(session.filter(|session| {
            same_site() && csrf.is_some_and(|csrf| members::csrf_matches(session, csrf))
        }))
    }

    fn equal_in_constant_time(a: &str, b: &str) -> bool {
        a.len() == b.len()
            && a.bytes()
                .zip(b.bytes())
                .fold(0u8, |acc, (x, y)| acc | (x ^ y))
                == 0
    }

    /// False when the browser says the request comes from another site (a form on another
    /// page posting here). Browsers that send no `Sec-Fetch-Site` rely on the CSRF token and
    /// `SameSite=Lax` alone.
    fn same_site() -> bool {
        request_header(header::HeaderName::from_static("sec-fetch-site"))
            .is_none_or(|site| matches!(site.as_str(), "same-origin" | "none"))
    }

    /// The client's network (an IPv4 address or an IPv6 /64), for the sign-in throttle.
    fn client() -> Option<String> {
        parts()?
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|info| members::client_network(info.0.ip()))
    }

    /// Goes to `url`: a redirect for a form post, and for a page being rendered.
    fn redirect(url: &str) {
        crate::ssr::redirect(url, http::StatusCode::SEE_OTHER);
    }

    fn no_store() {
        crate::ssr::insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }

    fn set_cookie(value: &str, max_age: u64) {
        set_named_cookie(session_cookie_name(), value, max_age, "Lax");
    }

    fn set_named_cookie(name: &str, value: &str, max_age: u64, same_site: &str) {
        let cookie = format!(
            "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}{}",
            if secure() { "; Secure" } else { "" }
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            crate::ssr::append_header(header::SET_COOKIE, value);
        }
    }

    fn params(query: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
            .into_owned()
            .collect()
    }

    fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
        params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// `language=<tag>` to append to an address, when the page was asked in a language.
    fn language_suffix(language: Option<&str>, first: bool) -> String {
        language
            .and_then(Lang::parse)
            .map(|lang| format!("{}language={}", if first { '?' } else { '&' }, lang.tag()))
            .unwrap_or_default()
    }

    fn sign_in_url(problem: Option<SignInProblem>, language: Option<&str>) -> String {
        let mut url = "/dashboard/sign-in".to_owned();
        if let Some(problem) = problem {
            url.push_str("?problem=");
            url.push_str(problem.code());
        }
        url.push_str(&language_suffix(language, problem.is_none()));
        url
    }

    fn unavailable(err: impl std::fmt::Display) -> ServerFnError {
        tracing::error!(error = %err, "a dashboard request could not reach the engine");
        ServerFnError::new("The dashboard is unavailable right now. Try again in a moment.")
    }

    pub async fn load_sign_in(query: &str) -> Result<SignInView, ServerFnError> {
        no_store();
        let params = params(query);
        let language = param(&params, "language").map(str::to_owned);
        let lang = request_lang(language.as_deref());
        let engine = crate::ssr::engine()?;
        if current_session(&engine).await?.is_some() {
            redirect(&format!(
                "{SHARE_TOKENS}{}",
                language_suffix(language.as_deref(), true)
            ));
        }
        let token = match parts().and_then(|p| p.extensions.get::<super::SignInToken>().cloned()) {
            Some(token) => token.0,
            None => {
                let token = engine::ids::encode_base32(&engine::ids::random_bytes::<16>());
                set_named_cookie(sign_in_cookie_name(), &token, 3600, "Strict");
                token
            }
        };
        Ok(SignInView {
            lang,
            problem: param(&params, "problem").and_then(SignInProblem::from_code),
            language,
            token,
        })
    }

    pub async fn sign_in(
        email: Option<String>,
        password: Option<String>,
        signin: Option<String>,
        language: Option<String>,
    ) -> Result<(), ServerFnError> {
        let language = language.as_deref();
        let form_matches = match (cookie(sign_in_cookie_name()), signin) {
            (Some(expected), Some(sent)) => equal_in_constant_time(&expected, &sent),
            _ => false,
        };
        if !same_site() || !form_matches {
            redirect(&sign_in_url(Some(SignInProblem::CrossSite), language));
            return Ok(());
        }
        let (Some(email), Some(password)) = (email, password) else {
            redirect(&sign_in_url(Some(SignInProblem::Invalid), language));
            return Ok(());
        };
        let engine = crate::ssr::engine()?;
        // A session this browser still holds ends: one browser, one session.
        if let Some(previous) = session_cookie() {
            members::sign_out(&engine, &previous)
                .await
                .map_err(unavailable)?;
        }
        let outcome = members::sign_in(
            &engine,
            &email,
            Password::new(password),
            client().as_deref(),
        )
        .await
        .map_err(unavailable)?;
        match outcome {
            SignIn::Signed(_, secret) => {
                set_cookie(secret.expose_secret(), members::SESSION_TTL.as_secs());
                redirect(&format!(
                    "{SHARE_TOKENS}{}",
                    language_suffix(language, true)
                ));
            }
            SignIn::Invalid => redirect(&sign_in_url(Some(SignInProblem::Invalid), language)),
            SignIn::Throttled => redirect(&sign_in_url(Some(SignInProblem::Throttled), language)),
        }
        Ok(())
    }

    pub async fn sign_out(
        csrf: Option<String>,
        language: Option<String>,
    ) -> Result<(), ServerFnError> {
        let language = language.as_deref();
        let engine = crate::ssr::engine()?;
        let Some(secret) = session_cookie() else {
            redirect(&sign_in_url(Some(SignInProblem::Expired), language));
            return Ok(());
        };
        if require_write(&engine, csrf.as_deref()).await?.is_some() {
            members::sign_out(&engine, &secret)
                .await
                .map_err(unavailable)?;
            set_cookie("", 0);
            redirect(&sign_in_url(Some(SignInProblem::SignedOut), language));
        } else if current_session(&engine).await?.is_some() {
            // A form from elsewhere (or without the token) does not sign anyone out.
            redirect(&format!(
                "{SHARE_TOKENS}{}",
                language_suffix(language, true)
            ));
        } else {
            set_cookie("", 0);
            redirect(&sign_in_url(Some(SignInProblem::Expired), language));
        }
        Ok(())
    }

    fn time(t: Timestamp) -> String {
        t.to_datetime().format("%Y-%m-%d %H:%M UTC").to_string()
    }

    async fn partner_names(
        engine: &engine::Engine,
        tokens: &[ShareToken],
        org: &OrgId,
    ) -> Result<BTreeMap<String, String>, ServerFnError> {
        let mut names = BTreeMap::new();
        for token in tokens {
            let partner = if &token.destination_organization_id == org {
                &token.source_organization_id
            } else {
                &token.destination_organization_id
            };
            if names.contains_key(partner.as_str()) {
                continue;
            }
            let name = engine::orgs::get(engine, partner)
                .await
                .map_err(unavailable)?
                .map(|o| o.name)
                .unwrap_or_default();
            names.insert(partner.to_string(), name);
        }
        Ok(names)
    }

    /// What every signed-in page starts from: its query's parameters and language, the engine
    /// and the member's session.
    struct MemberPage {
        params: Vec<(String, String)>,
        language: Option<String>,
        lang: Lang,
        engine: engine::Engine,
        session: members::Session,
    }

    /// The signed-in page `query` asks for (never cached), or the redirect to sign in.
    async fn member_page(query: &str) -> Result<Result<MemberPage, DashboardView>, ServerFnError> {
        no_store();
        let params = params(query);
        let language = param(&params, "language").map(str::to_owned);
        let lang = request_lang(language.as_deref());
        let engine = crate::ssr::engine()?;
        Ok(match signed_in(&engine, language.as_deref()).await? {
            Ok(session) => Ok(MemberPage {
                params,
                language,
                lang,
                engine,
                session,
            }),
            Err(redirect) => Err(redirect),
        })
    }

    /// The member's session, or the redirect to sign in (clearing a dead session's cookie) that a
    /// page without one answers with.
    async fn signed_in(
        engine: &engine::Engine,
        language: Option<&str>,
    ) -> Result<Result<members::Session, DashboardView>, ServerFnError> {
        if let Some(session) = current_session(engine).await? {
            return Ok(Ok(session));
        }
        let problem = session_cookie().map(|_| SignInProblem::Expired);
        if problem.is_some() {
            set_cookie("", 0);
        }
        let url = sign_in_url(problem, language);
        redirect(&url);
        Ok(Err(DashboardView::Redirect(url)))
    }

    /// The "not found" page of a signed-in member (HTTP 404), with the member bar.
    async fn not_found(
        engine: &engine::Engine,
        session: &members::Session,
        lang: Lang,
        language: Option<String>,
    ) -> Result<DashboardView, ServerFnError> {
        crate::ssr::set_status(http::StatusCode::NOT_FOUND);
        let member = member_of(engine, session).await?;
        Ok(DashboardView::NotFound(
            lang,
            Some(Box::new((member, language))),
        ))
    }

    /// The signed-in member as every page's bar shows them.
    async fn member_of(
        engine: &engine::Engine,
        session: &members::Session,
    ) -> Result<Member, ServerFnError> {
        let organization = engine::orgs::get(engine, &session.member.organization_id)
            .await
            .map_err(unavailable)?
            .map(|o| o.name)
            .unwrap_or_default();
        Ok(Member {
            organization,
            email: session.member.email.clone(),
            csrf: session.csrf_token.clone(),
        })
    }

    /// A token as a list row (and the head of its page), seen from `org`.
    fn row_of(
        token: &ShareToken,
        org: &OrgId,
        names: &BTreeMap<String, String>,
        now: Timestamp,
        language: Option<&str>,
    ) -> TokenRow {
        let inbound = &token.destination_organization_id == org;
        let partner = if inbound {
            &token.source_organization_id
        } else {
            &token.destination_organization_id
        };
        TokenRow {
            id: token.id.to_string(),
            direction: if inbound { "inbound" } else { "outbound" }.to_owned(),
            status: token.status_at(now).as_str().to_owned(),
            partner: names.get(partner.as_str()).cloned().unwrap_or_default(),
            source_type: token.source_type.as_str().to_owned(),
            created_at: time(token.created_at),
            expires_at: time(token.expires_at),
            redeemed_at: token.redeemed_at.map(time),
            redeem: (inbound && token.status_at(now) == ShareTokenStatus::Created).then(|| {
                let form = RedeemForm {
                    token: token.id.to_string(),
                    ..RedeemForm::default()
                };
                dialog_url(&DialogState::of(form), language)
            }),
        }
    }

    /// How long a redeem answer waits for the redemption to end before showing it still running.
    const REDEEM_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

    /// The Redeem Share Token dialog as its page's address carries it (never the form token).
    #[derive(Clone, Debug)]
    struct DialogState {
        form: RedeemForm,
        tab: RedeemTab,
        focus: RedeemFocus,
        problem: Option<(RedeemProblem, Option<usize>)>,
        preview: bool,
        /// A redemption the dialog started: its token's id.
        redeemed: Option<String>,
    }

    impl DialogState {
        fn of(form: RedeemForm) -> Self {
            Self {
                form,
                tab: RedeemTab::Destination,
                focus: RedeemFocus::Heading,
                problem: None,
                preview: false,
                redeemed: None,
            }
        }

        fn refuse(&mut self, (problem, row): (RedeemProblem, Option<usize>)) {
            if row.is_some() {
                self.tab = RedeemTab::Mappings;
            } else if problem == RedeemProblem::SchemaMissing || problem.is_token() {
                self.tab = RedeemTab::Destination;
            }
            self.problem = Some((problem, row));
            self.focus = RedeemFocus::Problem;
        }
    }

    fn kind_index(kind: &str) -> usize {
        DESTINATION_KINDS
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(0)
    }

    fn dialog_url(state: &DialogState, language: Option<&str>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("redeem", "1");
        if let Some(token) = &state.redeemed {
            query.append_pair("redeemed", token);
        } else {
            let form = &state.form;
            if !form.token.is_empty() {
                query.append_pair("token", &form.token);
            }
            query.append_pair("kind", DESTINATION_KINDS[kind_index(&form.kind)]);
            for (kind, chosen) in DESTINATION_KINDS.iter().zip(&form.chosen) {
                if let Some(id) = chosen.as_deref().filter(|id| !id.is_empty()) {
                    query.append_pair(&format!("schema[{kind}]"), id);
                }
            }
            for (i, row) in form.mappings.iter().enumerate() {
                query.append_pair(&format!("mapping[{i}][source]"), &row.source);
                query.append_pair(&format!("mapping[{i}][destination]"), &row.destination);
            }
            if state.tab == RedeemTab::Mappings {
                query.append_pair("tab", "mappings");
            }
            let focus = match state.focus {
                RedeemFocus::Heading => None,
                RedeemFocus::Tab => Some("tab".to_owned()),
                RedeemFocus::Row(i) => Some(format!("row-{i}")),
                RedeemFocus::Preview => Some("preview".to_owned()),
                RedeemFocus::Problem => Some("problem".to_owned()),
            };
            if let Some(focus) = focus {
                query.append_pair("focus", &focus);
            }
            if let Some((problem, row)) = state.problem {
                query.append_pair("problem", problem.code());
                if let Some(row) = row {
                    query.append_pair("row", &row.to_string());
                }
            }
            if state.preview {
                query.append_pair("preview", "1");
            }
        }
        if let Some(l) = language.and_then(Lang::parse) {
            query.append_pair("language", l.tag());
        }
        format!("{SHARE_TOKENS}?{}", query.finish())
    }

    /// The dialog's state from its page's address, when the dialog is open.
    fn dialog_from_params(params: &[(String, String)]) -> Option<DialogState> {
        param(params, "redeem")?;
        let mut rows: BTreeMap<usize, MappingRow> = BTreeMap::new();
        for (name, value) in params {
            let Some((index, side)) = name
                .strip_prefix("mapping[")
                .and_then(|rest| rest.split_once("]["))
            else {
                continue;
            };
            let Some(i) = index
                .parse::<usize>()
                .ok()
                .filter(|i| *i <= engine::hydration::MAX_MAPPINGS)
            else {
                continue;
            };
            match side {
                "source]" => rows.entry(i).or_default().source = value.clone(),
                "destination]" => rows.entry(i).or_default().destination = value.clone(),
                _ => {}
            }
        }
        let form = RedeemForm {
            token: param(params, "token").unwrap_or_default().trim().to_owned(),
            kind: DESTINATION_KINDS[kind_index(param(params, "kind").unwrap_or_default())]
                .to_owned(),
            chosen: DESTINATION_KINDS
                .map(|kind| param(params, &format!("schema[{kind}]")).map(str::to_owned)),
            mappings: rows.into_values().collect(),
        };
        let rows = form.mappings.len();
        let focus = match param(params, "focus") {
            Some("tab") => RedeemFocus::Tab,
            Some("preview") => RedeemFocus::Preview,
            Some("problem") => RedeemFocus::Problem,
            Some(other) => other
                .strip_prefix("row-")
                .and_then(|i| i.parse::<usize>().ok())
                .filter(|i| *i < rows)
                .map_or(RedeemFocus::Heading, RedeemFocus::Row),
            None => RedeemFocus::Heading,
        };
        Some(DialogState {
            form,
            tab: if param(params, "tab") == Some("mappings") {
                RedeemTab::Mappings
            } else {
                RedeemTab::Destination
            },
            focus,
            problem: param(params, "problem")
                .and_then(RedeemProblem::from_code)
                .map(|p| (p, param(params, "row").and_then(|r| r.parse().ok()))),
            preview: param(params, "preview").is_some(),
            redeemed: param(params, "redeemed").map(str::to_owned),
        })
    }

    /// The dialog's fields as the engine's command, or the first problem (with its mapping row).
    /// Also returns, per mapping of the command, the row it came from.
    fn command_of(
        form: &RedeemForm,
    ) -> Result<(RedeemIntoNew, Vec<usize>), (RedeemProblem, Option<usize>)> {
        if form.token.is_empty() {
            return Err((RedeemProblem::TokenMissing, None));
        }
        let token_id =
            ShareTokenId::parse(&form.token).map_err(|_| (RedeemProblem::TokenNotFound, None))?;
        let index = kind_index(&form.kind);
        let kind = ObjectKind::parse(DESTINATION_KINDS[index])
            .expect("every destination kind code is an object kind");
        // None chosen: the engine checks the token first, then refuses the destination.
        let schema_id = form.chosen[index].clone().unwrap_or_default();
        let mut mappings = Vec::new();
        let mut rows = Vec::new();
        for (row, mapping) in form.mappings.iter().enumerate() {
            match (mapping.source.is_empty(), mapping.destination.is_empty()) {
                (true, true) => continue,
                (false, false) => {}
                _ => return Err((RedeemProblem::MappingIncomplete, Some(row))),
            }
            let (Ok(source), Ok(destination)) = (
                FieldPath::parse(&mapping.source),
                FieldPath::parse(&mapping.destination),
            ) else {
                return Err((RedeemProblem::MappingPath, Some(row)));
            };
            mappings.push(FieldMapping {
                source_field_name: source,
                destination_field_name: destination,
            });
            rows.push(row);
        }
        Ok((
            RedeemIntoNew {
                token_id,
                kind,
                schema_id,
                mappings,
            },
            rows,
        ))
    }

    /// A refused redemption in the dialog's words, with the mapping row it is about.
    fn problem_of(
        err: RedeemError,
        rows: &[usize],
    ) -> Result<(RedeemProblem, Option<usize>), ServerFnError> {
        Ok(match err {
            RedeemError::TokenNotFound => (RedeemProblem::TokenNotFound, None),
            RedeemError::AlreadyRedeemed => (RedeemProblem::AlreadyRedeemed, None),
            RedeemError::Expired => (RedeemProblem::Expired, None),
            RedeemError::Failed(_) => (RedeemProblem::Failed, None),
            RedeemError::ConnectionNotActive(_) => (RedeemProblem::ConnectionInactive, None),
            RedeemError::InvalidDestination
            | RedeemError::DestinationNotFound
            | RedeemError::DestinationNotRedeemable(_) => (RedeemProblem::SchemaMissing, None),
            RedeemError::Mappings(refusals) => {
                let Some(first) = refusals.first() else {
                    return Err(unavailable("a mapping refusal without a mapping"));
                };
                let problem = match first.problem {
                    MappingProblem::NotADestinationField => RedeemProblem::NotADestinationField,
                    MappingProblem::DuplicateDestination => RedeemProblem::DuplicateDestination,
                    MappingProblem::TooMany => RedeemProblem::TooManyMappings,
                };
                (problem, rows.get(first.index).copied())
            }
            RedeemError::Internal(err) => return Err(unavailable(err)),
        })
    }

    pub async fn redeem(
        csrf: Option<String>,
        intent: &str,
        form: RedeemForm,
        language: Option<String>,
    ) -> Result<(), ServerFnError> {
        let language = language.as_deref();
        let engine = crate::ssr::engine()?;
        let mut state = DialogState::of(form);
        match intent {
            "add-mapping" => {
                if state.form.mappings.len() < engine::hydration::MAX_MAPPINGS {
                    state.form.mappings.push(MappingRow::default());
                }
                state.tab = RedeemTab::Mappings;
                state.focus = RedeemFocus::Row(state.form.mappings.len() - 1);
            }
            "tab-mappings" | "tab-destination" => {
                state.tab = if intent == "tab-mappings" {
                    RedeemTab::Mappings
                } else {
                    RedeemTab::Destination
                };
                state.focus = RedeemFocus::Tab;
            }
            "redeem" => {
                let Some(session) = require_write(&engine, csrf.as_deref()).await? else {
                    if current_session(&engine).await?.is_none() {
                        redirect(&sign_in_url(Some(SignInProblem::Expired), language));
                        return Ok(());
                    }
                    state.refuse((RedeemProblem::StaleForm, None));
                    redirect(&dialog_url(&state, language));
                    return Ok(());
                };
                let org = session.member.organization_id.clone();
                match command_of(&state.form) {
                    Err(problem) => state.refuse(problem),
                    Ok((command, rows)) => {
                        match redemption::redeem_into_new(&engine, &org, &command).await {
                            Ok(token) => {
                                wait_for_redemption(&engine, &org, &token.id).await;
                                state.redeemed = Some(token.id.to_string());
                            }
                            Err(err) => state.refuse(problem_of(err, &rows)?),
                        }
                    }
                }
            }
            _ => match command_of(&state.form) {
                Err(problem) => state.refuse(problem),
                Ok(_) => {
                    state.preview = true;
                    state.focus = RedeemFocus::Preview;
                }
            },
        }
        redirect(&dialog_url(&state, language));
        Ok(())
    }

    /// Waits (a few seconds at most) for a redemption to end, so that the answer usually shows
    /// it done.
    async fn wait_for_redemption(engine: &engine::Engine, org: &OrgId, id: &ShareTokenId) {
        engine
            .wait_for_redemption(REDEEM_WAIT, || async {
                share_tokens::get(engine, org, id).await.map_or(true, |t| {
                    t.status_at(engine.now()) != ShareTokenStatus::Pending
                })
            })
            .await;
    }

    /// The dialog for the list page to show, from its state.
    async fn redeem_dialog(
        engine: &engine::Engine,
        org: &OrgId,
        mut state: DialogState,
        language: Option<&str>,
    ) -> Result<RedeemDialog, ServerFnError> {
        let mut schemas = Vec::new();
        let mut chosen: [Option<String>; 3] = Default::default();
        let mut destination_fields: [Vec<String>; 3] = Default::default();
        for (i, code) in DESTINATION_KINDS.iter().enumerate() {
            let kind =
                ObjectKind::parse(code).expect("every destination kind code is an object kind");
            let list = engine::schemas::list(
                engine,
                org,
                kind.schema_kind(),
                &PageRequest {
                    size: 100,
                    after: None,
                },
            )
            .await
            .map_err(unavailable)?
            .items;
            let wanted = state.form.chosen[i].as_deref();
            let pick = list
                .iter()
                .find(|s| Some(s.id.as_str()) == wanted)
                .or(list.first());
            if let Some(pick) = pick {
                chosen[i] = Some(pick.id.clone());
                destination_fields[i] = pick
                    .schema
                    .fields()
                    .iter()
                    .map(|f| f.key.to_string())
                    .collect();
            }
            schemas.extend(list.iter().map(|s| SchemaChoice {
                kind: (*code).to_owned(),
                id: s.id.clone(),
                name: s.name.clone(),
            }));
        }
        state.form.chosen = chosen.clone();
        let token = match ShareTokenId::parse(&state.form.token) {
            Ok(id) => match share_tokens::get(engine, org, &id).await {
                Ok(token) if &token.destination_organization_id == org => Some(token),
                Ok(_) => None,
                Err(err) if err.code() == Some("not-found") => None,
                Err(err) => return Err(unavailable(err)),
            },
            Err(_) => None,
        };
        // Keys only: the destination sees no value before redemption (CONTRACT.md §5).
        let source_fields = token
            .map(|t| t.snapshot.keys().map(|k| k.to_string()).collect())
            .unwrap_or_default();
        let mut preview = None;
        if state.preview && state.problem.is_none() {
            match command_of(&state.form) {
                Err(problem) => state.refuse(problem),
                Ok((command, rows)) => {
                    match redemption::preview_into_new(engine, org, &command).await {
                        Ok(found) => preview = Some(preview_view(&found)),
                        Err(err) => state.refuse(problem_of(err, &rows)?),
                    }
                }
            }
        }
        let redeemed = match state.redeemed.as_deref().map(ShareTokenId::parse) {
            Some(Ok(id)) => match share_tokens::get(engine, org, &id).await {
                // Only a token this organization redeems (an outbound one is not its to open).
                Ok(token) if &token.destination_organization_id == org => {
                    Some(redeemed_view(engine, &token))
                }
                Ok(_) => None,
                Err(err) if err.code() == Some("not-found") => None,
                Err(err) => return Err(unavailable(err)),
            },
            _ => None,
        };
        if redeemed.as_ref().is_some_and(|r| r.status == "pending") {
            // The page looks again in a moment (every 2 s: its status is announced on each load).
            crate::ssr::insert_header(
                header::HeaderName::from_static("refresh"),
                HeaderValue::from_static("2"),
            );
        }
        Ok(RedeemDialog {
            token: state.form.token.clone(),
            kind: DESTINATION_KINDS[kind_index(&state.form.kind)].to_owned(),
            schemas,
            chosen,
            tab: state.tab,
            mappings: state.form.mappings.clone(),
            source_fields,
            destination_fields,
            focus: state.focus,
            problem: state.problem.map(|(p, _)| p),
            problem_row: state.problem.and_then(|(_, row)| row),
            preview,
            redeemed,
            close: format!("{SHARE_TOKENS}{}", language_suffix(language, true)),
        })
    }

    fn preview_view(found: &redemption::NewPreview) -> PreviewView {
        let paths = |list: &[FieldPath]| list.iter().map(|p| p.to_string()).collect();
        let report = &found.report;
        PreviewView {
            by_name: paths(&report.by_name),
            by_mapping: paths(&report.by_mapping),
            unset: paths(&report.unset),
            rejected: report.rejected.iter().map(|r| r.path.to_string()).collect(),
            ignored: report
                .ignored_mappings
                .iter()
                .map(|m| format!("{} → {}", m.source_field_name, m.destination_field_name))
                .collect(),
            missing: paths(&found.missing),
        }
    }

    fn redeemed_view(engine: &engine::Engine, token: &ShareToken) -> RedeemedView {
        let destination = token.destination_id.clone();
        let kind = destination
            .as_deref()
            .and_then(ObjectKind::of_id)
            .map_or("inquiry", ObjectKind::as_str);
        RedeemedView {
            token: token.id.to_string(),
            status: token.status_at(engine.now()).as_str().to_owned(),
            destination: destination.and_then(|id| Some((object_url(&id)?, id))),
            kind: kind.to_owned(),
            failure_code: token.failure.map(|f| f.code().to_owned()),
        }
    }

    pub async fn load_objects(kind: &str, query: &str) -> Result<DashboardView, ServerFnError> {
        let MemberPage {
            params,
            language,
            lang,
            engine,
            session,
        } = match member_page(query).await? {
            Ok(page) => page,
            Err(redirect) => return Ok(redirect),
        };
        let org = session.member.organization_id.clone();
        let Some(kind) = ObjectKind::parse(kind) else {
            return not_found(&engine, &session, lang, language).await;
        };
        let schemas = engine::schemas::list(
            &engine,
            &org,
            kind.schema_kind(),
            &PageRequest {
                size: 100,
                after: None,
            },
        )
        .await
        .map_err(unavailable)?
        .items;
        let schema = param(&params, "schema")
            .filter(|id| schemas.iter().any(|s| s.id == *id))
            .map(str::to_owned);
        let status = (kind == ObjectKind::Inquiry)
            .then(|| param(&params, "status").and_then(engine::inquiry::InquiryStatus::parse))
            .flatten();
        let filter = engine::objects::ObjectFilter {
            schema_id: schema.clone(),
            status,
        };
        let page = engine::objects::list_filtered(
            &engine,
            &org,
            kind,
            &filter,
            &PageRequest {
                size: PAGE_SIZE,
                after: param(&params, "after").map(str::to_owned),
            },
        )
        .await
        .map_err(unavailable)?;
        let now = engine.now();
        let name_of = |id: &str| {
            schemas
                .iter()
                .find(|s| s.id == id)
                .map_or_else(|| id.to_owned(), |s| s.name.clone())
        };
        let rows = page
            .items
            .iter()
            .map(|record| ObjectListRow {
                id: record.id.clone(),
                href: object_url(&record.id).unwrap_or_default(),
                schema: name_of(&record.schema_id),
                status: record.status_at(now).map(|s| s.as_str().to_owned()),
                reference_id: record.reference_id.clone(),
                created_at: time(record.created_at),
            })
            .collect();
        let code = kind.as_str();
        let next = page.next_after.map(|after| {
            let mut url = url::form_urlencoded::Serializer::new(String::new());
            if let Some(schema) = &schema {
                url.append_pair("schema", schema);
            }
            if let Some(status) = status {
                url.append_pair("status", status.as_str());
            }
            url.append_pair("after", &after);
            if let Some(l) = language.as_deref().and_then(Lang::parse) {
                url.append_pair("language", l.tag());
            }
            format!("{}?{}", objects_url(code), url.finish())
        });
        Ok(DashboardView::Objects(Box::new(ObjectsView {
            lang,
            member: member_of(&engine, &session).await?,
            language,
            kind: code.to_owned(),
            schemas: schemas
                .iter()
                .map(|s| SchemaChoice {
                    kind: code.to_owned(),
                    id: s.id.clone(),
                    name: s.name.clone(),
                })
                .collect(),
            schema,
            status: status.map(|s| s.as_str().to_owned()),
            rows,
            next,
        })))
    }

    /// Settings.
    pub const SETTINGS: &str = "/dashboard/settings";

    /// The cookie that carries a key created a moment ago to the page that shows it once:
    /// `<member id>.<secret>`, shown only to that member, cleared as it is shown.
    fn new_key_cookie_name() -> &'static str {
        if secure() {
            "__Host-tessera_new_key"
        } else {
            "tessera_new_key"
        }
    }

    fn settings_url(notice: SettingsNotice, language: Option<&str>) -> String {
        format!(
            "{SETTINGS}?notice={}{}",
            notice.code(),
            language_suffix(language, false)
        )
    }

    pub async fn change_settings(
        csrf: Option<String>,
        action: Option<String>,
        id: Option<String>,
        value: Option<String>,
        language: Option<String>,
    ) -> Result<(), ServerFnError> {
        use engine::connections::{ActError, ConnectionAction, CreateConnectionError};
        let language = language.as_deref();
        let engine = crate::ssr::engine()?;
        let Some(session) = require_write(&engine, csrf.as_deref()).await? else {
            if current_session(&engine).await?.is_none() {
                redirect(&sign_in_url(Some(SignInProblem::Expired), language));
            } else {
                redirect(&settings_url(SettingsNotice::StaleForm, language));
            }
            return Ok(());
        };
        let org = session.member.organization_id.clone();
        let id = id.unwrap_or_default();
        let value = value.unwrap_or_default().trim().to_owned();
        let notice = match action.as_deref().unwrap_or_default() {
            "create-key" => {
                let key = engine::orgs::create_api_key(&engine, &org)
                    .await
                    .map_err(unavailable)?;
                let flash = format!("{}.{}", session.member.id, key.expose_secret());
                set_named_cookie(new_key_cookie_name(), &flash, 300, "Strict");
                SettingsNotice::KeyCreated
            }
            "revoke-key" => {
                if let Ok(key) = engine::ids::ApiKeyId::parse(&id) {
                    engine::orgs::revoke_api_key(&engine, &org, &key)
                        .await
                        .map_err(unavailable)?;
                }
                SettingsNotice::KeyRevoked
            }
            "add-origin" => match engine::orgs::parse_origin(&value) {
                Some(origin) => {
                    engine::orgs::allow_origins(&engine, &org, &[origin])
                        .await
                        .map_err(unavailable)?;
                    SettingsNotice::OriginAdded
                }
                None => SettingsNotice::OriginInvalid,
            },
            "remove-origin" => {
                engine::orgs::disallow_origin(&engine, &org, &value)
                    .await
                    .map_err(unavailable)?;
                SettingsNotice::OriginRemoved
            }
            "request-connection" => match OrgId::parse(&value) {
                Ok(partner) => match engine::connections::create(&engine, &org, &partner).await {
                    Ok(_) => SettingsNotice::ConnectionRequested,
                    Err(CreateConnectionError::Internal(err)) => return Err(unavailable(err)),
                    Err(_) => SettingsNotice::UnknownOrganization,
                },
                Err(_) => SettingsNotice::UnknownOrganization,
            },
            action @ ("accept" | "deactivate" | "reactivate") => {
                let action = match action {
                    "accept" => ConnectionAction::Accept,
                    "deactivate" => ConnectionAction::Deactivate,
                    _ => ConnectionAction::Reactivate,
                };
                match engine::ids::ConnectionId::parse(&id) {
                    Ok(connection) => {
                        match engine::connections::act(&engine, &org, &connection, action).await {
                            Ok(_) => SettingsNotice::ConnectionUpdated,
                            Err(ActError::Internal(err)) => return Err(unavailable(err)),
                            Err(_) => SettingsNotice::ConnectionRefused,
                        }
                    }
                    Err(_) => SettingsNotice::ConnectionRefused,
                }
            }
            _ => SettingsNotice::StaleForm,
        };
        redirect(&settings_url(notice, language));
        Ok(())
    }

    pub async fn load_settings(query: &str) -> Result<DashboardView, ServerFnError> {
        use engine::connections::{ConnectionAction, Side};
        let MemberPage {
            params,
            language,
            lang,
            engine,
            session,
        } = match member_page(query).await? {
            Ok(page) => page,
            Err(redirect) => return Ok(redirect),
        };
        let org = session.member.organization_id.clone();
        // A key created a moment ago, shown once, to the member who created it.
        let new_key = cookie(new_key_cookie_name()).and_then(|flash| {
            let (member, secret) = flash.split_once('.')?;
            (member == session.member.id.as_str()).then(|| secret.to_owned())
        });
        if cookie(new_key_cookie_name()).is_some() {
            set_named_cookie(new_key_cookie_name(), "", 0, "Strict");
        }
        let organization = engine::orgs::get(&engine, &org)
            .await
            .map_err(unavailable)?;
        let keys = engine::orgs::list_api_keys(&engine, &org, 100)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(|k| KeyRow {
                id: k.id.to_string(),
                created_at: time(k.created_at),
                revoked_at: k.revoked_at.map(time),
            })
            .collect();
        let page = PageRequest {
            size: 100,
            after: None,
        };
        let connections = engine::connections::list(&engine, &org, &page)
            .await
            .map_err(unavailable)?
            .items;
        let mut rows = Vec::new();
        for connection in connections {
            let side = connection.side_of(&org).unwrap_or(Side::Source);
            let partner = if side == Side::Source {
                &connection.destination_organization_id
            } else {
                &connection.source_organization_id
            };
            let partner = engine::orgs::get(&engine, partner)
                .await
                .map_err(unavailable)?
                .map(|o| o.name)
                .unwrap_or_default();
            let actions = [
                (ConnectionAction::Accept, "accept"),
                (ConnectionAction::Deactivate, "deactivate"),
                (ConnectionAction::Reactivate, "reactivate"),
            ]
            .into_iter()
            .filter(|(action, _)| {
                engine::connections::transition(connection.status, *action, side).is_ok()
            })
            .map(|(_, code)| code.to_owned())
            .collect();
            rows.push(ConnectionRow {
                id: connection.id.to_string(),
                partner,
                side: if side == Side::Source {
                    "source"
                } else {
                    "destination"
                }
                .to_owned(),
                status: connection.status.as_str().to_owned(),
                actions,
            });
        }
        let small = PageRequest {
            size: 5,
            after: None,
        };
        let mut webhooks = Vec::new();
        for webhook in engine::webhooks::list(&engine, &org, &page)
            .await
            .map_err(unavailable)?
            .items
        {
            let deliveries =
                engine::webhooks::deliveries(&engine, &org, webhook.id.as_str(), None, &small)
                    .await
                    .map_err(unavailable)?
                    .items
                    .into_iter()
                    .map(|d| DeliveryRow {
                        event: d.event_name,
                        status: d.status.as_str().to_owned(),
                        attempts: d.attempts,
                        status_code: d.last_status_code,
                        at: time(d.last_attempt_at.unwrap_or(d.created_at)),
                        error: d.last_error,
                    })
                    .collect();
            webhooks.push(WebhookRow {
                id: webhook.id.to_string(),
                url: webhook.url,
                events: webhook.enabled_events.join(", "),
                status: webhook.status.as_str().to_owned(),
                deliveries,
            });
        }
        let workflows: Vec<WorkflowRow> = engine::workflows::list(&engine, &org, &page)
            .await
            .map_err(unavailable)?
            .items
            .into_iter()
            .map(|w| WorkflowRow {
                id: w.id.to_string(),
                name: w.name,
                trigger: w.trigger_event,
                status: w.status.as_str().to_owned(),
            })
            .collect();
        let runs = engine::workflows::list_runs(
            &engine,
            &org,
            &engine::workflows::RunFilter::default(),
            &PageRequest {
                size: 10,
                after: None,
            },
        )
        .await
        .map_err(unavailable)?
        .items
        .into_iter()
        .map(|r| RunView {
            id: r.id.to_string(),
            workflow: workflows
                .iter()
                .find(|w| w.id == r.workflow_id.as_str())
                .map_or_else(|| r.workflow_id.to_string(), |w| w.name.clone()),
            status: r.status.as_str().to_owned(),
            destination: r.destination_id.and_then(|id| Some((object_url(&id)?, id))),
            error: r.error,
            at: time(r.created_at),
        })
        .collect();
        Ok(DashboardView::Settings(Box::new(SettingsView {
            lang,
            member: member_of(&engine, &session).await?,
            language,
            organization_id: org.to_string(),
            notice: param(&params, "notice").and_then(SettingsNotice::from_code),
            new_key,
            keys,
            origins: organization.map(|o| o.allowed_origins).unwrap_or_default(),
            connections: rows,
            webhooks,
            workflows,
            runs,
        })))
    }

    pub async fn load_object(
        kind: &str,
        id: &str,
        query: &str,
    ) -> Result<DashboardView, ServerFnError> {
        let MemberPage {
            params: _,
            language,
            lang,
            engine,
            session,
        } = match member_page(query).await? {
            Ok(page) => page,
            Err(redirect) => return Ok(redirect),
        };
        let org = session.member.organization_id.clone();
        let Some(kind) = ObjectKind::parse(kind) else {
            return not_found(&engine, &session, lang, language).await;
        };
        let (record, schema) = match engine::objects::get(&engine, &org, kind, id).await {
            Ok(found) => found,
            Err(err) if err.code() == Some("not-found") => {
                return not_found(&engine, &session, lang, language).await;
            }
            Err(err) => return Err(unavailable(err)),
        };
        let now = engine.now();
        let effective = schema.effective_schema();
        let fields = effective
            .fields()
            .iter()
            .map(|def| {
                let value = record.fields.get(&def.key);
                let file = match value {
                    Some(engine::fields::FieldValue::File(file)) => {
                        Some((format!("{FILES}/{}", file.id), file.filename.clone()))
                    }
                    _ => None,
                };
                FieldRowView {
                    key: def.key.to_string(),
                    label: def.label.clone().unwrap_or_else(|| def.key.to_string()),
                    value: value.and_then(|v| v.as_text()),
                    file,
                }
            })
            .collect();
        let status = record.status_at(now);
        let missing = if status.is_some_and(|s| !s.is_terminal()) {
            engine::inquiry::missing_fields(&effective, &record.fields)
                .iter()
                .map(|p| p.to_string())
                .collect()
        } else {
            Vec::new()
        };
        let run = record.run.clone().unwrap_or_default();
        let check_status = |passed: bool| if passed { "passed" } else { "failed" }.to_owned();
        let verifications = run
            .verifications
            .iter()
            .map(|v| VerificationView {
                kind: v.kind.clone(),
                status: check_status(v.status == engine::verification::CheckStatus::Passed),
                checks: v
                    .checks
                    .iter()
                    .map(|c| CheckView {
                        name: c.name.clone(),
                        status: check_status(c.status == engine::verification::CheckStatus::Passed),
                        reasons: c.reasons.clone(),
                    })
                    .collect(),
            })
            .collect();
        let reports = run
            .reports
            .iter()
            .map(|r| ReportResultView {
                kind: r.kind.clone(),
                status: if r.status == engine::verification::ReportStatus::Hit {
                    "hit"
                } else {
                    "clear"
                }
                .to_owned(),
                matches: r.matches.iter().map(|m| m.name.clone()).collect(),
            })
            .collect();
        let consents = if kind == ObjectKind::Inquiry {
            engine::flow::consents(&engine, &org, &record.id)
                .await
                .map_err(unavailable)?
                .into_iter()
                .map(|c| ConsentView {
                    share_token: c.share_token_id,
                    decision: c.decision,
                    text_version: c.text_version,
                    at: time(c.created_at),
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut timeline = vec![("created".to_owned(), time(record.created_at))];
        if let Some(status) = status {
            use engine::inquiry::InquiryStatus;
            timeline.extend(
                record
                    .completed_at
                    .map(|t| ("completed".to_owned(), time(t))),
            );
            timeline.extend(record.failed_at.map(|t| ("failed".to_owned(), time(t))));
            timeline.extend(
                record
                    .reviewed_at
                    .map(|t| ("needs_review".to_owned(), time(t))),
            );
            match (status, record.expires_at) {
                (InquiryStatus::Expired, Some(t)) => timeline.push(("expired".to_owned(), time(t))),
                (InquiryStatus::Created | InquiryStatus::Pending, Some(t)) => {
                    timeline.push(("expires".to_owned(), time(t)));
                }
                _ => {}
            }
        }
        Ok(DashboardView::Object(Box::new(ObjectView {
            lang,
            member: member_of(&engine, &session).await?,
            language,
            kind: kind.as_str().to_owned(),
            id: record.id.clone(),
            schema: schema.name.clone(),
            status: status.map(|s| s.as_str().to_owned()),
            reference_id: record.reference_id.clone(),
            created_at: time(record.created_at),
            fields,
            missing,
            verifications,
            reports,
            consents,
            timeline,
        })))
    }

    pub async fn load_share_token(id: &str, query: &str) -> Result<DashboardView, ServerFnError> {
        let MemberPage {
            params: _,
            language,
            lang,
            engine,
            session,
        } = match member_page(query).await? {
            Ok(page) => page,
            Err(redirect) => return Ok(redirect),
        };
        let org = session.member.organization_id.clone();
        let found = match ShareTokenId::parse(id) {
            Ok(id) => match share_tokens::get(&engine, &org, &id).await {
                Ok(token) => Some(token),
                Err(err) if err.code() == Some("not-found") => None,
                Err(err) => return Err(unavailable(err)),
            },
            Err(_) => None,
        };
        let Some(token) = found else {
            return not_found(&engine, &session, lang, language).await;
        };
        let names = partner_names(&engine, std::slice::from_ref(&token), &org).await?;
        let now = engine.now();
        let status = token.status_at(now);
        let mut timeline = vec![("created".to_owned(), time(token.created_at))];
        timeline.extend(token.pending_at.map(|t| ("redeeming".to_owned(), time(t))));
        timeline.extend(token.redeemed_at.map(|t| ("redeemed".to_owned(), time(t))));
        timeline.extend(token.failed_at.map(|t| ("failed".to_owned(), time(t))));
        if status == ShareTokenStatus::Expired {
            // Expired by time, or at once by the source (expire, revocation).
            let at = if token.status == ShareTokenStatus::Expired {
                token.updated_at
            } else {
                token.expires_at
            };
            timeline.push(("expired".to_owned(), time(at)));
        }
        let paths =
            |list: &[engine::fields::FieldPath]| list.iter().map(|p| p.to_string()).collect();
        let report = token.hydration_report.as_ref().map(|r| ReportView {
            by_name: paths(&r.by_name),
            by_mapping: paths(&r.by_mapping),
            unset: paths(&r.unset),
            rejected: r.rejected.iter().map(|x| x.path.to_string()).collect(),
        });
        let row = row_of(&token, &org, &names, now, language.as_deref());
        Ok(DashboardView::Token(Box::new(TokenView {
            lang,
            language,
            member: member_of(&engine, &session).await?,
            row,
            destination: token.destination_id.clone(),
            failure_code: token.failure.map(|f| f.code().to_owned()),
            timeline,
            report,
        })))
    }

    pub async fn load_home(query: &str) -> Result<DashboardView, ServerFnError> {
        no_store();
        let params = params(query);
        let language = param(&params, "language").map(str::to_owned);
        let engine = crate::ssr::engine()?;
        let signed_in = current_session(&engine).await?.is_some();
        let url = if signed_in {
            format!(
                "{SHARE_TOKENS}{}",
                language_suffix(language.as_deref(), true)
            )
        } else {
            sign_in_url(None, language.as_deref())
        };
        redirect(&url);
        Ok(DashboardView::Redirect(url))
    }

    pub async fn load_share_tokens(query: &str) -> Result<DashboardView, ServerFnError> {
        let MemberPage {
            params,
            language,
            lang,
            engine,
            session,
        } = match member_page(query).await? {
            Ok(page) => page,
            Err(redirect) => return Ok(redirect),
        };
        let org = session.member.organization_id.clone();
        let direction = match param(&params, "direction") {
            Some("outbound") => Direction::Outbound,
            _ => Direction::Inbound,
        };
        // Every status unless one is chosen (CONTRACT.md §8: the default shows every inbound token).
        let status = param(&params, "status").and_then(ShareTokenStatus::parse);
        let search = param(&params, "q").map(|q| q.trim().to_owned());
        let (tokens, next_after, not_found) = match &search {
            Some(id) => match ShareTokenId::parse(id) {
                Ok(id) => match share_tokens::get(&engine, &org, &id).await {
                    Ok(token) => (vec![token], None, false),
                    Err(err) if err.code() == Some("not-found") => (vec![], None, true),
                    Err(err) => return Err(unavailable(err)),
                },
                Err(_) => (vec![], None, true),
            },
            None => {
                let filter = ListFilter {
                    status,
                    direction: Some(direction),
                    connection_id: None,
                };
                let page = PageRequest {
                    size: PAGE_SIZE,
                    after: param(&params, "after").map(str::to_owned),
                };
                let page = share_tokens::list(&engine, &org, &filter, &page)
                    .await
                    .map_err(unavailable)?;
                (page.items, page.next_after, false)
            }
        };
        let names = partner_names(&engine, &tokens, &org).await?;
        let now = engine.now();
        let rows = tokens
            .iter()
            .map(|token| row_of(token, &org, &names, now, language.as_deref()))
            .collect();
        let direction_code = match direction {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        };
        let status_code = status.map_or("any", |s| s.as_str());
        let next = next_after.map(|after| {
            let mut url = url::form_urlencoded::Serializer::new(String::new());
            url.append_pair("direction", direction_code);
            url.append_pair("status", status_code);
            url.append_pair("after", &after);
            if let Some(l) = language.as_deref().and_then(Lang::parse) {
                url.append_pair("language", l.tag());
            }
            format!("{SHARE_TOKENS}?{}", url.finish())
        });
        let redeem = match dialog_from_params(&params) {
            Some(state) => Some(redeem_dialog(&engine, &org, state, language.as_deref()).await?),
            None => None,
        };
        Ok(DashboardView::Tokens(Box::new(TokensView {
            lang,
            language,
            member: member_of(&engine, &session).await?,
            direction: direction_code.to_owned(),
            status: status.map(|s| s.as_str().to_owned()),
            search,
            rows,
            not_found,
            next,
            redeem,
        })))
    }
}
