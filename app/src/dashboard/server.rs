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

    use engine::ids::{OrgId, ShareTokenId};
    use engine::members::{self, Password, SessionSecret, SignIn};
    use engine::paging::PageRequest;
    use engine::share_tokens::{self, Direction, ListFilter, ShareToken, ShareTokenStatus};
    use engine::time::Timestamp;
    use http::header::{self, HeaderValue};
    use leptos::prelude::*;

    use super::DashboardSettings;
    use crate::dashboard::model::*;
    use crate::i18n::{Lang, request_lang};

    /// Connect › Share Tokens.
    pub const SHARE_TOKENS: &str = "/dashboard/connect/share-tokens";

    /// Share tokens per page.
    const PAGE_SIZE: u32 = 25;

    fn secure() -> bool {
        use_context::<DashboardSettings>()
            .unwrap_or_default()
            .secure_cookies
    }

    /// The session cookie's name (`__Host-` behind https: no other host or path can set it).
    fn session_cookie_name() -> &'static str {
        if secure() {
            "__Host-tessera_session"
        } else {
            "tessera_session"
        }
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
        let parts = parts()?;
        parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                (name == wanted && !value.is_empty()).then(|| value.to_owned())
            })
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
        leptos_axum::redirect(url);
        let rendering_page = parts().is_some_and(|p| p.uri.path().starts_with("/dashboard"));
        if let (true, Some(response)) = (
            rendering_page,
            use_context::<leptos_axum::ResponseOptions>(),
        ) {
            response.set_status(http::StatusCode::SEE_OTHER);
        }
    }

    fn no_store() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }

    fn set_cookie(value: &str, max_age: u64) {
        set_named_cookie(session_cookie_name(), value, max_age, "Lax");
    }

    fn set_named_cookie(name: &str, value: &str, max_age: u64, same_site: &str) {
        let cookie = format!(
            "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}{}",
            if secure() { "; Secure" } else { "" }
        );
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            HeaderValue::from_str(&cookie),
        ) {
            response.append_header(header::SET_COOKIE, value);
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
        }
    }

    pub async fn load_share_token(id: &str, query: &str) -> Result<DashboardView, ServerFnError> {
        no_store();
        let params = params(query);
        let language = param(&params, "language").map(str::to_owned);
        let lang = request_lang(language.as_deref());
        let engine = crate::ssr::engine()?;
        let session = match signed_in(&engine, language.as_deref()).await? {
            Ok(session) => session,
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
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::NOT_FOUND);
            }
            return Ok(DashboardView::NotFound(lang));
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
        Ok(DashboardView::Token(Box::new(TokenView {
            lang,
            language,
            member: member_of(&engine, &session).await?,
            row: row_of(&token, &org, &names, now),
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
        no_store();
        let params = params(query);
        let language = param(&params, "language").map(str::to_owned);
        let lang = request_lang(language.as_deref());
        let engine = crate::ssr::engine()?;
        let session = match signed_in(&engine, language.as_deref()).await? {
            Ok(session) => session,
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
            .map(|token| row_of(token, &org, &names, now))
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
        })))
    }
}
