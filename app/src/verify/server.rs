//! The server functions of `/verify`. Each also works as the target of a plain form post (no
//! JavaScript): it then answers with a redirect to the page that shows what comes next.

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

use super::model::{FlowPage, StepReply};

/// What `/verify?<query>` (or `/widget?<query>` when `widget`) shows. Opening a template creates
/// the inquiry and redirects to it.
#[server(prefix = "/fn", endpoint = "verify-flow")]
pub async fn load_flow(query: String, widget: bool) -> Result<FlowPage, ServerFnError> {
    Ok(backend::load(&query, widget).await)
}

/// Accept or decline sharing (`decision` is `accept` or `decline`), then go on.
#[server(prefix = "/fn", endpoint = "verify-consent")]
pub async fn verify_consent(
    inquiry_id: String,
    session_token: String,
    language: Option<String>,
    frame: Option<String>,
    decision: String,
) -> Result<(), ServerFnError> {
    backend::consent(inquiry_id, session_token, language, frame, &decision).await;
    Ok(())
}

/// Returns once the flow's redemption has ended (or after 20 s): the waiting page then reloads.
#[server(prefix = "/fn", endpoint = "verify-wait")]
pub async fn verify_wait(inquiry_id: String, session_token: String) -> Result<(), ServerFnError> {
    let engine = crate::ssr::engine()?;
    let waited = engine::flow::wait_while_redeeming(
        &engine,
        &inquiry_id,
        &session_token,
        std::time::Duration::from_secs(20),
    )
    .await;
    match waited {
        Err(engine::flow::FlowError::Unavailable) => Err(ServerFnError::new(
            "The flow is unavailable right now. Try again in a moment.",
        )),
        // A wrong session or a finished flow returns at once; the reloaded page says what is next.
        _ => Ok(()),
    }
}

/// Saves one step's answers (multipart: text fields and files).
#[server(prefix = "/fn", endpoint = "verify-step", input = MultipartFormData)]
pub async fn verify_step(data: MultipartData) -> Result<StepReply, ServerFnError> {
    let multipart = data
        .into_inner()
        .ok_or_else(|| ServerFnError::new("The form could not be read."))?;
    Ok(backend::step(multipart).await)
}

#[cfg(feature = "ssr")]
mod backend {
    use std::collections::BTreeMap;
    use std::net::SocketAddr;

    use engine::fields::FieldType;
    use engine::flow::{self, Screen as EngineScreen, StartRequest, StepInput, StepResult};
    use engine::inquiry::InquiryStatus;
    use leptos::prelude::*;

    use crate::i18n::Lang;
    use crate::verify::model::*;

    /// Largest file a step accepts (CONTRACT.md §3).
    const MAX_FILE: usize = 10 * 1024 * 1024;

    fn request_header(name: http::header::HeaderName) -> Option<String> {
        use_context::<http::request::Parts>().and_then(|parts| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
    }

    /// True for a plain browser form post (no JavaScript): answer with a redirect to a page.
    fn plain_form_post() -> bool {
        request_header(http::header::ACCEPT).is_some_and(|a| a.contains("text/html"))
    }

    pub async fn load(query: &str, widget: bool) -> FlowPage {
        // Read once: the page keeps it on its links, the widget decides where messages go by it.
        let frame = widget.then(|| Frame::from_query(query));
        let mut page = load_page(query, frame.clone()).await;
        if let Some(frame) = frame {
            page.widget = Some(widget_of(query, frame, &page).await);
        }
        {
            use http::header::{CACHE_CONTROL, HeaderValue};
            // The pages carry personal data and a session token: never cache them.
            crate::ssr::insert_header(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            // Without JavaScript, a page that waits reloads itself, and the outcome goes back to
            // the site after a moment (a fetch from the hydrated page ignores the header).
            let refresh = match &page.screen {
                Screen::Redeeming => Some("1".to_owned()),
                Screen::Outcome {
                    redirect: Some(url),
                    ..
                } => Some(format!(
                    "{};url={url}",
                    crate::verify::REDIRECT_DELAY.as_secs()
                )),
                _ => None,
            };
            if let Some(value) = refresh.and_then(|r| HeaderValue::from_str(&r).ok()) {
                crate::ssr::insert_header(http::header::HeaderName::from_static("refresh"), value);
            }
        }
        page
    }

    /// A widget page may be framed by its organization's allowed origins only, and talks only to
    /// the requested parent origin when it is one of them.
    async fn widget_of(query: &str, frame: Frame, page: &FlowPage) -> Widget {
        let inquiry_id = page
            .session
            .as_ref()
            .map(|s| s.inquiry_id.clone())
            .or_else(|| {
                url::form_urlencoded::parse(query.as_bytes())
                    .find(|(name, _)| name == "inquiry-id")
                    .map(|(_, value)| value.into_owned())
            });
        let origins = match crate::ssr::engine() {
            Ok(engine) => {
                flow::frame_origins(&engine, frame.template_id.as_deref(), inquiry_id.as_deref())
                    .await
                    .unwrap_or_default()
            }
            Err(_) => Vec::new(),
        };
        crate::ssr::allow_framing_by(&origins);
        let requested = frame.requested_target().map(str::to_owned);
        // Compared in canonical form (`HTTPS://Shop.example` is `https://shop.example`).
        let allowed = requested
            .as_deref()
            .and_then(engine::orgs::parse_origin)
            .filter(|origin| origins.contains(origin));
        Widget {
            inline: frame.flow_type.as_deref() == Some("inline"),
            container_id: frame.container_id,
            template_id: frame.template_id,
            refused_origin: requested.filter(|_| allowed.is_none()),
            target_origin: allowed,
        }
    }

    /// The page a query asks for; `frame` is set for the widget.
    async fn load_page(query: &str, frame: Option<Frame>) -> FlowPage {
        let widget = frame.is_some();
        let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let language_param = get("language")
            .filter(|l| Lang::parse(l).is_some())
            .map(str::to_owned);
        let lang = crate::i18n::request_lang(language_param.as_deref());
        let page = |screen: Screen| FlowPage {
            lang,
            organization: None,
            session: None,
            screen,
            widget: None,
        };
        let Ok(engine) = crate::ssr::engine() else {
            return page(Screen::Error {
                problem: FlowError::Unavailable,
                without_sharing: None,
            });
        };
        match (get("inquiry-template-id"), get("inquiry-id")) {
            (Some(template), None) => {
                let request = StartRequest {
                    template_id: template.to_owned(),
                    share_token: get("share-token").map(str::to_owned),
                    reference_id: get("reference-id").map(str::to_owned),
                    redirect_uri: get("redirect-uri").map(str::to_owned),
                    prefill: bracketed(&params, "fields"),
                    field_mappings: mappings(&params),
                };
                match flow::start(&engine, &request).await {
                    Ok(started) => {
                        let session = Session {
                            inquiry_id: started.inquiry_id,
                            session_token: started.session_token.expose_secret().to_owned(),
                            language: language_param,
                            frame: frame.clone(),
                        };
                        let url = session.url(None);
                        crate::ssr::redirect(&url, http::StatusCode::FOUND);
                        page(Screen::Redirect(url))
                    }
                    Err(err) => {
                        let without_sharing =
                            (request.share_token.is_some() && is_token_problem(err)).then(|| {
                                let path = if widget { "/widget" } else { "/verify" };
                                let mut url =
                                    format!("{path}?inquiry-template-id={}", encode(template));
                                if let Some(l) = &language_param {
                                    url.push_str(&format!("&language={}", encode(l)));
                                }
                                if let Some(frame) = &frame {
                                    // The template id is already there.
                                    let frame = Frame {
                                        template_id: None,
                                        ..frame.clone()
                                    };
                                    url.push_str(&frame.query());
                                }
                                url
                            });
                        page(Screen::Error {
                            problem: err,
                            without_sharing,
                        })
                    }
                }
            }
            (None, Some(inquiry_id)) => {
                let Some(session_token) = get("session-token") else {
                    return page(Screen::Error {
                        problem: FlowError::BadParameters,
                        without_sharing: None,
                    });
                };
                let step = get("step")
                    .and_then(|s| s.parse::<usize>().ok())
                    .and_then(|s| s.checked_sub(1));
                let problems: BTreeMap<String, FieldProblem> = bracketed(&params, "problem")
                    .into_iter()
                    .filter_map(|(k, code)| FieldProblem::from_code(&code).map(|p| (k, p)))
                    .collect();
                match flow::view(&engine, inquiry_id, session_token, get("share-token"), step).await
                {
                    Ok(view) => FlowPage {
                        lang,
                        organization: Some(view.organization_name.clone()),
                        session: Some(Session {
                            inquiry_id: inquiry_id.to_owned(),
                            session_token: session_token.to_owned(),
                            language: language_param,
                            frame,
                        }),
                        screen: screen_of(view, &problems),
                        widget: None,
                    },
                    Err(err) => page(Screen::Error {
                        problem: err,
                        without_sharing: None,
                    }),
                }
            }
            _ => page(Screen::Error {
                problem: FlowError::BadParameters,
                without_sharing: None,
            }),
        }
    }

    /// `name[<key>]=value` parameters, in order.
    fn bracketed(params: &[(String, String)], name: &str) -> Vec<(String, String)> {
        params
            .iter()
            .filter_map(|(k, v)| {
                let inner = k.strip_prefix(name)?.strip_prefix('[')?.strip_suffix(']')?;
                Some((inner.to_owned(), v.clone()))
            })
            .collect()
    }

    /// `field-mappings[N][source-field-name]` / `[destination-field-name]`, by N.
    fn mappings(params: &[(String, String)]) -> Vec<(String, String)> {
        let mut by_index: BTreeMap<usize, (String, String)> = BTreeMap::new();
        for (key, value) in bracketed(params, "field-mappings") {
            let Some((index, side)) = key.split_once("][") else {
                continue;
            };
            let Ok(index) = index.parse::<usize>() else {
                continue;
            };
            let entry = by_index.entry(index).or_default();
            match side {
                "source-field-name" => entry.0 = value,
                "destination-field-name" => entry.1 = value,
                _ => {}
            }
        }
        by_index.into_values().collect()
    }

    fn is_token_problem(err: FlowError) -> bool {
        matches!(
            err,
            FlowError::TokenUnknown
                | FlowError::TokenExpired
                | FlowError::TokenFailed
                | FlowError::TokenRedeemed
                | FlowError::TokenUnusable
        )
    }

    fn input_of(key: &str, field_type: &FieldType) -> Input {
        match field_type {
            FieldType::File if key.starts_with("selfie") || key.starts_with("government-id") => {
                Input::Image
            }
            FieldType::File => Input::Document,
            FieldType::Integer => Input::Integer,
            FieldType::Number => Input::Number,
            FieldType::Boolean => Input::Boolean,
            FieldType::Date => Input::Date,
            FieldType::Datetime => Input::DateTime,
            FieldType::Choices { choices } => Input::Choices(choices.clone()),
            FieldType::String if key.starts_with("email") => Input::Email,
            FieldType::String if key.starts_with("phone") => Input::Tel,
            FieldType::String => Input::Text,
        }
    }

    fn screen_of(view: flow::FlowView, problems: &BTreeMap<String, FieldProblem>) -> Screen {
        match view.screen {
            EngineScreen::Consent(consent) => Screen::Consent {
                source: consent.source_name,
                destination: consent.destination_name,
                shared: consent.shared.into_iter().collect(),
                purpose: consent.purpose,
                expires: consent
                    .expires_at
                    .to_datetime()
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
            },
            EngineScreen::Redeeming => Screen::Redeeming,
            EngineScreen::Step {
                index,
                total,
                group,
                fields,
                groups,
            } => Screen::Step {
                index,
                total,
                group,
                groups,
                fields: fields
                    .into_iter()
                    .map(|f| {
                        let key = f.def.key.to_string();
                        Field {
                            label: f.def.display_label().to_owned(),
                            input: input_of(&key, &f.def.field_type),
                            current: f.current,
                            required: f.required,
                            problem: problems.get(&key).copied(),
                            key,
                        }
                    })
                    .collect(),
            },
            EngineScreen::Outcome(status) => {
                let outcome = match status {
                    InquiryStatus::Completed => Outcome::Completed,
                    InquiryStatus::Failed => Outcome::Failed,
                    InquiryStatus::NeedsReview => Outcome::NeedsReview,
                    _ => Outcome::Saved,
                };
                let redirect = view
                    .redirect_uri
                    .as_deref()
                    .and_then(|uri| url::Url::parse(uri).ok())
                    .map(|mut url| {
                        url.query_pairs_mut()
                            .append_pair("inquiry-id", &view.inquiry_id)
                            .append_pair("status", status.as_str());
                        if let Some(reference) = &view.reference_id {
                            url.query_pairs_mut().append_pair("reference-id", reference);
                        }
                        url
                    });
                Screen::Outcome {
                    outcome,
                    redirect_origin: redirect.as_ref().map(|u| u.origin().ascii_serialization()),
                    redirect: redirect.map(String::from),
                }
            }
        }
    }

    fn consent_origin() -> flow::ConsentOrigin {
        let ip = use_context::<http::request::Parts>().and_then(|parts| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
        });
        flow::ConsentOrigin {
            ip,
            user_agent: request_header(http::header::USER_AGENT),
        }
    }

    pub async fn consent(
        inquiry_id: String,
        session_token: String,
        language: Option<String>,
        frame: Option<String>,
        decision: &str,
    ) {
        let session = Session {
            inquiry_id,
            session_token,
            language: language.filter(|l| Lang::parse(l).is_some()),
            frame: frame.map(|f| Frame::from_query(&f)),
        };
        if let Ok(engine) = crate::ssr::engine() {
            let origin = consent_origin();
            let outcome = match decision {
                "accept" => {
                    flow::accept(
                        &engine,
                        &session.inquiry_id,
                        &session.session_token,
                        &origin,
                    )
                    .await
                }
                "decline" => flow::decline(
                    &engine,
                    &session.inquiry_id,
                    &session.session_token,
                    &origin,
                )
                .await
                .map(|()| None),
                _ => Ok(None),
            };
            // Errors show on the page we go to: it reads the flow's state afresh.
            if let Ok(Some(token)) = outcome {
                flow::wait_for_redemption(&engine, &token, flow::REDEMPTION_WAIT).await;
            }
        }
        leptos_axum::redirect(&session.url(None));
    }

    /// Reads the multipart step form, saves it and says where to go.
    pub async fn step(mut multipart: multer::Multipart<'static>) -> StepReply {
        let mut hidden: BTreeMap<String, String> = BTreeMap::new();
        let mut inputs: BTreeMap<String, StepInput> = BTreeMap::new();
        let mut oversized = Vec::new();
        while let Ok(Some(mut part)) = multipart.next_field().await {
            let Some(name) = part.name().map(str::to_owned) else {
                continue;
            };
            let filename = part.file_name().map(str::to_owned);
            let content_type = part.content_type().map(|m| m.essence_str().to_owned());
            let mut bytes = Vec::new();
            let mut too_big = false;
            loop {
                match part.chunk().await {
                    Ok(Some(chunk)) if bytes.len() + chunk.len() <= MAX_FILE => {
                        bytes.extend_from_slice(&chunk)
                    }
                    Ok(Some(_)) => too_big = true,
                    Ok(None) => break,
                    Err(_) => {
                        return StepReply {
                            problems: Vec::new(),
                        };
                    }
                }
            }
            match name.strip_prefix("field:") {
                Some(key) if too_big => {
                    oversized.push((key.to_owned(), FieldProblem::UnsupportedFile))
                }
                Some(key) => {
                    let input = match filename {
                        Some(filename) => StepInput::File {
                            filename,
                            content_type: content_type
                                .unwrap_or_else(|| "application/octet-stream".into()),
                            bytes,
                        },
                        None => StepInput::Text(String::from_utf8_lossy(&bytes).into_owned()),
                    };
                    inputs.insert(key.to_owned(), input);
                }
                None => {
                    hidden.insert(name, String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
        let session = Session {
            inquiry_id: hidden.remove("inquiry-id").unwrap_or_default(),
            session_token: hidden.remove("session-token").unwrap_or_default(),
            language: hidden
                .remove("language")
                .filter(|l| Lang::parse(l).is_some()),
            frame: hidden.remove("frame").map(|f| Frame::from_query(&f)),
        };
        let index = hidden
            .get("step")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0);
        let mut problems = oversized;
        if problems.is_empty()
            && let Ok(engine) = crate::ssr::engine()
        {
            // A flow error (expired, wrong session) shows on the page we go to.
            if let Ok(StepResult::Invalid(refused)) = flow::submit_step(
                &engine,
                &session.inquiry_id,
                &session.session_token,
                index,
                &inputs,
            )
            .await
            {
                problems = refused
                    .into_iter()
                    .map(|(k, p)| (k.to_string(), p))
                    .collect();
            }
        }
        if problems.is_empty() {
            leptos_axum::redirect(&session.url(None));
        } else if plain_form_post() {
            let mut url = session.url(Some(index));
            for (key, problem) in &problems {
                url.push_str(&format!("&problem%5B{}%5D={}", encode(key), problem.code()));
            }
            leptos_axum::redirect(&url);
        }
        StepReply { problems }
    }
}
