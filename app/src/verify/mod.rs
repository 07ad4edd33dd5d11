//! `/verify`: the hosted flow an end user walks (CONTRACT.md §7).
//!
//! Every screen is a page the server renders, and every form is a real form post to a server
//! function that answers with a redirect to the next screen: the flow works without JavaScript and
//! every transition is a plain page load (focus starts at the new screen's heading). Three small
//! islands are all the browser runs: [`Enhance`] (sends step forms with `fetch` so a refused
//! answer is shown in place with what was typed, marks forms busy), [`FilePicker`] (preview and
//! type and size checks before upload) and [`AwaitRedemption`] (the waiting page moves on the
//! moment the redemption ends).

mod model;
mod server;

use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;
use leptos_meta::{Html, Meta, Title};
use leptos_router::hooks::use_location;

use crate::i18n::{self, Lang, Msg, t};
pub use model::*;
pub use server::*;

/// How long the outcome stays on screen before going back to the site that sent the user.
pub const REDIRECT_DELAY: std::time::Duration = std::time::Duration::from_secs(3);

/// `/verify`: the hosted flow.
#[component]
pub fn VerifyPage() -> impl IntoView {
    view! { <FlowRoute widget=false /> }
}

/// `/widget`: the same flow inside another site's iframe, talking to it the way the `persona`
/// SDK expects (CONTRACT.md §7).
#[component]
pub fn WidgetPage() -> impl IntoView {
    view! { <FlowRoute widget=true /> }
}

#[component]
fn FlowRoute(widget: bool) -> impl IntoView {
    let query = use_location().search.get_untracked();
    view! {
        {crate::awaited(async move {
            let page = load_flow(query, widget)
                .await
                .unwrap_or_else(|_| FlowPage {
                    lang: Lang::default(),
                    organization: None,
                    session: None,
                    screen: Screen::Error {
                        problem: FlowError::Unavailable,
                        without_sharing: None,
                    },
                    widget: None,
                });
            view! { <FlowScreen page /> }
        })}
    }
}

#[component]
fn FlowScreen(page: FlowPage) -> impl IntoView {
    let lang = page.lang;
    let organization = page.organization.clone().unwrap_or_default();
    let bridge = page
        .widget
        .clone()
        .map(|widget| bridge_of(widget, page.session.as_ref(), &page.screen, lang));
    provide_context(Framed(page.widget.is_some()));
    let class = if page.widget.is_some() {
        "flow widget"
    } else {
        "flow"
    };
    // The hosted flow's last screens have nothing to enhance: no browser code is loaded there
    // (in the widget the bridge still tells the partner's page).
    let islands = page.widget.is_some()
        || !matches!(page.screen, Screen::Outcome { .. } | Screen::Redirect(_));
    let body = match page.screen {
        Screen::Consent { source, destination, shared, purpose, expires } => view! {
            <Consent lang session=page.session.clone() source destination shared purpose expires />
        }
        .into_any(),
        Screen::Redeeming => {
            let session = page.session.clone();
            view! {
                // Without JavaScript the page looks again every second; with it, the island
                // below reloads it the moment the redemption ends.
                <noscript>
                    <meta http-equiv="refresh" content="1" />
                </noscript>
                <Heading text=t(lang, Msg::RedeemingHeading) />
                <div class="spinner" aria-hidden="true"></div>
                <p role="status">{t(lang, Msg::RedeemingText)}</p>
                {session
                    .map(|s| {
                        view! {
                            <AwaitRedemption inquiry_id=s.inquiry_id session_token=s.session_token />
                        }
                    })}
            }
            .into_any()
        }
        Screen::Step { index, total, group, groups, fields } => view! {
            <StepForm
                lang
                session=page.session.clone()
                organization=organization.clone()
                index
                total
                group
                groups
                fields
            />
        }
        .into_any(),
        Screen::Outcome { outcome, redirect, redirect_origin } => view! {
            <OutcomeScreen lang organization=organization.clone() outcome redirect redirect_origin />
        }
        .into_any(),
        Screen::Error { problem, without_sharing } => {
            let (title, advice) = i18n::error_text(lang, problem);
            view! {
                <div class="outcome bad" aria-hidden="true"></div>
                <Heading text=title />
                <p class="lead">{advice}</p>
                {without_sharing
                    .map(|href| {
                        view! {
                            <div class="actions">
                                <a class="button primary" href=href>
                                    {t(lang, Msg::StartWithoutSharing)}
                                </a>
                            </div>
                        }
                    })}
            }
            .into_any()
        }
        Screen::Redirect(url) => view! {
            <p>
                <a href=url>{t(lang, Msg::Continue)}</a>
            </p>
        }
        .into_any(),
    };
    view! {
        <Html {..} lang=lang.tag() />
        <Title text=t(lang, Msg::PageTitle) />
        <Meta name="robots" content="noindex" />
        <main class=class id="main">
            {page.organization.map(|name| view! { <p class="flow-org">{name}</p> })}
            <div class="card">{body}</div>
            <p class="flow-footer">{t(lang, Msg::PoweredBy)}</p>
            {islands.then(|| view! { <Enhance lang /> })}
            {bridge}
        </main>
        {islands.then(|| view! { <crate::IslandScripts /> })}
    }
}

/// A screen's heading. Each screen is a new page, so the heading takes focus as the page loads:
/// keyboard and screen-reader users start at the new step.
#[component]
fn Heading(text: &'static str, #[prop(optional)] focus: Option<bool>) -> impl IntoView {
    let focus = focus.unwrap_or(true);
    // Browsers ignore `autofocus` in a cross-origin frame: the widget's island moves focus.
    let framed = framed();
    view! {
        <h1
            id="screen-heading"
            tabindex="-1"
            autofocus=focus && !framed
            data-autofocus=(focus && framed).then_some("true")
        >
            {text}
        </h1>
    }
}

/// Set on widget pages, which live in another site's frame.
#[derive(Clone, Copy)]
struct Framed(bool);

fn framed() -> bool {
    use_context::<Framed>().is_some_and(|f| f.0)
}

/// Hidden inputs that carry the flow's session in a consent form.
fn session_inputs(session: &Option<Session>) -> impl IntoView + use<> {
    session.clone().map(|s| {
        let frame = frame_input(&s);
        view! {
            <input type="hidden" name="inquiry_id" value=s.inquiry_id />
            <input type="hidden" name="session_token" value=s.session_token />
            {s.language.map(|l| view! { <input type="hidden" name="language" value=l /> })}
            {frame}
        }
    })
}

/// A widget flow's frame, carried by every form so the next page stays in the widget.
fn frame_input(session: &Session) -> Option<impl IntoView + use<>> {
    session.frame.as_ref().map(|frame| {
        view! { <input type="hidden" name="frame" value=frame.query() /> }
    })
}

/// The widget's messenger for this screen: what it tells the parent window as the page loads.
fn bridge_of(
    widget: Widget,
    session: Option<&Session>,
    screen: &Screen,
    lang: Lang,
) -> impl IntoView + use<> {
    let (event, status, error) = match screen {
        Screen::Outcome { outcome, .. } => {
            let (name, status) = match outcome {
                Outcome::Completed => ("complete", "completed"),
                Outcome::NeedsReview => ("complete", "needs_review"),
                Outcome::Saved => ("complete", "pending"),
                Outcome::Failed => ("fail", "failed"),
            };
            (Some(name), Some(status), None)
        }
        Screen::Consent { .. } => (Some("start"), None, None),
        Screen::Error { problem, .. } => {
            let (title, _) = i18n::error_text(lang, *problem);
            (
                Some("error"),
                None,
                Some((
                    problem.status(),
                    problem.code().to_owned(),
                    title.to_owned(),
                )),
            )
        }
        _ => (None, None, None),
    };
    let close = (!widget.inline).then(|| {
        view! {
            <button type="button" class="widget-close" id="widget-close">
                {t(lang, Msg::Close)}
            </button>
        }
    });
    view! {
        {close}
        <WidgetBridge
            inline=widget.inline
            container_id=widget.container_id
            template_id=widget.template_id
            target_origin=widget.target_origin
            refused_origin=widget.refused_origin
            inquiry_id=session.map(|s| s.inquiry_id.clone())
            session_token=session.map(|s| s.session_token.clone())
            event=event.map(str::to_owned)
            status=status.map(str::to_owned)
            error=error
        />
    }
}

#[component]
fn Consent(
    lang: Lang,
    session: Option<Session>,
    source: String,
    destination: String,
    shared: Vec<(StepGroup, Vec<String>)>,
    purpose: Option<String>,
    expires: String,
) -> impl IntoView {
    let why = purpose.map(|purpose| {
        let heading = i18n::purpose_heading(lang, &destination);
        view! {
            <section aria-labelledby="purpose-heading" class="purpose">
                <h2 id="purpose-heading">{heading}</h2>
                <p>{purpose}</p>
            </section>
        }
    });
    view! {
        <Heading text=t(lang, Msg::ConsentHeading) />
        <p class="lead">{i18n::consent_intro(lang, &source, &destination)}</p>
        <section aria-labelledby="shared-heading" class="shared">
            <h2 id="shared-heading">{t(lang, Msg::WhatIsShared)}</h2>
            <ul class="shared-groups">
                {shared
                    .into_iter()
                    .map(|(group, labels)| {
                        view! {
                            <li>
                                <span class="group-name">{i18n::group_name(lang, group)}</span>
                                <span class="group-fields">{labels.join(", ")}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
        {why}
        <p class="muted">{t(lang, Msg::ConsentNotShared)}</p>
        <details class="more">
            <summary>{t(lang, Msg::MoreDetail)}</summary>
            <p>{t(lang, Msg::ConsentRecorded)}</p>
            <p>{i18n::consent_expires(lang, &expires)}</p>
        </details>
        <div class="actions">
            {decision_form(lang, &session, "decline", "secondary", t(lang, Msg::Decline))}
            {decision_form(lang, &session, "accept", "primary", t(lang, Msg::Accept))}
        </div>
        <p class="status" id="flow-status" role="status" aria-live="polite"></p>
    }
}

/// One consent button: a form of its own that posts `decision` with the flow's session.
fn decision_form(
    lang: Lang,
    session: &Option<Session>,
    decision: &'static str,
    class: &'static str,
    label: &'static str,
) -> impl IntoView + use<> {
    view! {
        <form method="post" action=VerifyConsent::url() data-busy=t(lang, Msg::Sharing)>
            {session_inputs(session)}
            <input type="hidden" name="decision" value=decision />
            <button type="submit" class=class>
                {label}
            </button>
        </form>
    }
}

fn problem_text(lang: Lang, problem: FieldProblem) -> &'static str {
    match problem {
        FieldProblem::Required => t(lang, Msg::ProblemRequired),
        FieldProblem::Invalid => t(lang, Msg::ProblemInvalid),
        FieldProblem::InvalidEmail => t(lang, Msg::ProblemEmail),
        FieldProblem::InvalidPhone => t(lang, Msg::ProblemPhone),
        FieldProblem::UnsupportedFile => t(lang, Msg::ProblemFile),
    }
}

/// The `autocomplete` token browsers fill a field with.
fn autocomplete(key: &str) -> &'static str {
    match key {
        "name-first" | "name.first" => "given-name",
        "name-last" | "name.last" => "family-name",
        "name-middle" | "name.middle" => "additional-name",
        "birthdate" => "bday",
        "email-address" => "email",
        "phone-number" => "tel",
        "address-street-1" => "address-line1",
        "address-street-2" => "address-line2",
        "address-city" => "address-level2",
        "address-subdivision" => "address-level1",
        "address-postal-code" => "postal-code",
        "address-country-code" => "country",
        _ => "off",
    }
}

/// The element id of a field's input (its error is `<id>-error`, its hint `<id>-hint`).
pub fn field_id(key: &str) -> String {
    format!("f-{}", key.replace('.', "__"))
}

#[component]
#[allow(clippy::too_many_arguments)]
fn StepForm(
    lang: Lang,
    session: Option<Session>,
    organization: String,
    index: usize,
    total: usize,
    group: StepGroup,
    groups: Vec<StepGroup>,
    fields: Vec<Field>,
) -> impl IntoView {
    let back = (index > 0)
        .then(|| session.as_ref().map(|s| s.url(Some(index - 1))))
        .flatten();
    let refused = fields.iter().any(|f| f.problem.is_some());
    // After a refusal, focus goes to the first refused field instead of the heading.
    let first_refused = fields.iter().position(|f| f.problem.is_some());
    let progress = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let state = if i < index {
                "done"
            } else if i == index {
                "current"
            } else {
                "todo"
            };
            view! {
                <li class=state aria-current=(i == index).then_some("step")>
                    {i18n::group_name(lang, *g)}
                </li>
            }
        })
        .collect_view();
    view! {
        <nav aria-label=t(lang, Msg::Progress) class="progress">
            <p class="progress-count">{i18n::step_of(lang, index + 1, total)}</p>
            <ol>{progress}</ol>
        </nav>
        <Heading text=i18n::group_name(lang, group) focus=!refused />
        <p class="lead">{i18n::step_intro(lang, &organization)}</p>
        <div role="alert" class="error-summary-slot" id="error-summary">
            {refused.then(|| view! { <p class="error-summary">{t(lang, Msg::ErrorSummary)}</p> })}
        </div>
        <form
            method="post"
            action=VerifyStep::url()
            enctype="multipart/form-data"
            data-busy=t(lang, Msg::Saving)
            data-step="true"
        >
            <input
                type="hidden"
                name="inquiry-id"
                value=session.as_ref().map(|s| s.inquiry_id.clone())
            />
            <input
                type="hidden"
                name="session-token"
                value=session.as_ref().map(|s| s.session_token.clone())
            />
            {session
                .as_ref()
                .and_then(|s| s.language.clone())
                .map(|l| view! { <input type="hidden" name="language" value=l /> })}
            {session.as_ref().and_then(frame_input)}
            <input type="hidden" name="step" value=index.to_string() />
            {fields
                .into_iter()
                .enumerate()
                .map(|(i, field)| {
                    let focus = first_refused == Some(i);
                    view! { <FieldInput lang field focus /> }
                })
                .collect_view()}
            <div class="actions">
                {back
                    .map(|href| {
                        view! {
                            <a class="button secondary" href=href>
                                {t(lang, Msg::Back)}
                            </a>
                        }
                    })}
                <button type="submit" class="primary">
                    {t(lang, Msg::Continue)}
                </button>
            </div>
            <p class="status" id="flow-status" role="status" aria-live="polite"></p>
        </form>
    }
}

#[component]
fn FieldInput(lang: Lang, field: Field, focus: bool) -> impl IntoView {
    // In a widget the island focuses the first refused field (`autofocus` is ignored there).
    let focus = focus && !framed();
    let id = field_id(&field.key);
    let name = format!("field:{}", field.key);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let invalid = field.problem.is_some().then_some("true");
    let described = format!("{hint_id} {error_id}");
    let has_file = field.current.is_some() && matches!(field.input, Input::Image | Input::Document);
    let required = field.required && !has_file;
    let label = view! {
        <span class="label-text">{field.label.clone()}</span>
        {field
            .required
            .then(|| view! { <span class="required">" (" {t(lang, Msg::Required)} ")"</span> })}
    };
    let hint: Option<String> = match &field.input {
        Input::Image => Some(t(lang, Msg::FileHintImage).to_owned()),
        Input::Document => Some(t(lang, Msg::FileHintAny).to_owned()),
        _ => None,
    }
    .map(|h| match (&field.current, has_file) {
        (Some(name), true) => format!("{h} {}", i18n::current_file(lang, name)),
        _ => h,
    });
    let error = view! {
        <p id=error_id.clone() class="field-error">
            {field.problem.map(|p| problem_text(lang, p))}
        </p>
    };
    let hint_view = view! { <p id=hint_id class="hint">{hint}</p> };
    let class = if field.problem.is_some() {
        "field invalid"
    } else {
        "field"
    };
    let control = match field.input.clone() {
        Input::Boolean => {
            let current = field.current.clone();
            return view! {
                <fieldset class=class aria-describedby=described aria-invalid=invalid>
                    <legend>{label}</legend>
                    {hint_view}
                    <label class="choice">
                        <input
                            type="radio"
                            name=name.clone()
                            value="true"
                            required=required
                            autofocus=focus
                            checked=current.as_deref() == Some("true")
                        />
                        {t(lang, Msg::Yes)}
                    </label>
                    <label class="choice">
                        <input
                            type="radio"
                            name=name
                            value="false"
                            checked=current.as_deref() == Some("false")
                        />
                        {t(lang, Msg::No)}
                    </label>
                    {error}
                </fieldset>
            }
            .into_any();
        }
        Input::Choices(choices) => {
            let current = field.current.clone();
            view! {
                <select
                    id=id.clone()
                    name=name
                    required=required
                    autofocus=focus
                    aria-describedby=described
                    aria-invalid=invalid
                >
                    <option value="">{t(lang, Msg::ChooseOne)}</option>
                    {choices
                        .into_iter()
                        .map(|c| {
                            let selected = current.as_deref() == Some(c.as_str());
                            view! {
                                <option value=c.clone() selected=selected>
                                    {c.clone()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            }
            .into_any()
        }
        Input::Image | Input::Document => {
            let accept = if field.input == Input::Image {
                "image/png,image/jpeg"
            } else {
                "image/png,image/jpeg,application/pdf"
            }
            .to_owned();
            view! {
                <FilePicker
                    id=id.clone()
                    name
                    accept
                    required
                    focus
                    invalid=field.problem.is_some()
                    lang
                />
            }
            .into_any()
        }
        input => {
            let (kind, inputmode, step) = match input {
                Input::Email => ("email", None, None),
                Input::Tel => ("tel", Some("tel"), None),
                Input::Date => ("date", None, None),
                Input::DateTime => ("datetime-local", None, None),
                Input::Integer => ("number", Some("numeric"), Some("1")),
                Input::Number => ("number", Some("decimal"), Some("any")),
                _ => ("text", None, None),
            };
            let pattern = (kind == "tel").then_some(r"\+[1-9][0-9]{6,14}");
            view! {
                <input
                    id=id.clone()
                    type=kind
                    name=name
                    value=field.current.clone()
                    required=required
                    autofocus=focus
                    inputmode=inputmode
                    step=step
                    pattern=pattern
                    autocomplete=autocomplete(&field.key)
                    aria-describedby=described
                    aria-invalid=invalid
                />
            }
            .into_any()
        }
    };
    view! {
        <div class=class>
            <label for=id>{label}</label>
            {hint_view}
            {control}
            {error}
        </div>
    }
    .into_any()
}

#[component]
fn OutcomeScreen(
    lang: Lang,
    organization: String,
    outcome: Outcome,
    redirect: Option<String>,
    redirect_origin: Option<String>,
) -> impl IntoView {
    let (title, class) = match outcome {
        Outcome::Completed => (t(lang, Msg::OutcomeCompleted), "outcome ok"),
        Outcome::Failed => (t(lang, Msg::OutcomeFailed), "outcome bad"),
        Outcome::NeedsReview => (t(lang, Msg::OutcomeReview), "outcome review"),
        Outcome::Saved => (t(lang, Msg::OutcomeSaved), "outcome ok"),
    };
    view! {
        <div class=class aria-hidden="true"></div>
        <Heading text=title />
        <p class="lead">{i18n::outcome_text(lang, outcome, &organization)}</p>
        {redirect
            .map(|url| {
                let origin = redirect_origin.unwrap_or_default();
                view! {
                    <p class="muted">{i18n::redirecting(lang)}</p>
                    <div class="actions">
                        <a class="button primary" href=url rel="noreferrer">
                            {i18n::continue_to(lang, &origin)}
                        </a>
                    </div>
                }
            })}
    }
}

/// The browser side of every flow page: marks forms busy while they are sent, and sends step
/// forms with `fetch` so that a refused answer is shown in place, keeping what was typed (without
/// JavaScript the same form posts and the server redirects back with the refusals).
#[island]
fn Enhance(lang: Lang) -> impl IntoView {
    // Set only in the browser, once this island runs: end-to-end tests wait for it.
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser.
    Effect::new(move |_| {
        hydrated.set(true);
        browser::listen(lang);
    });
    view! { <span hidden data-hydrated=move || hydrated.get().to_string()></span> }
}

/// Reloads the waiting page the moment the redemption ends (the server holds the request until
/// then).
#[island]
fn AwaitRedemption(inquiry_id: String, session_token: String) -> impl IntoView {
    // Effects run only in the browser.
    Effect::new(move |_| {
        let (inquiry_id, session_token) = (inquiry_id.clone(), session_token.clone());
        leptos::task::spawn_local(async move {
            // Whatever the answer, the reloaded page shows where the flow is now.
            let _ = verify_wait(inquiry_id, session_token).await;
            _ = window().location().reload();
        });
    });
}

/// The widget's side of the `persona` SDK's protocol: as the page loads it tells the parent window
/// `load`, `ready`, `page-change` (with the page's height, for inline hosts) and the screen's own
/// event (`start`, `complete` / `fail`, `error`); it answers the SDK's `{action: "exit"}`, the
/// close button and (in a modal) Escape with `exit` (inquiry id and session token, to resume
/// later). Messages go only to
/// `target_origin`, which the server set only when it is one of the organization's allowed origins;
/// actions are obeyed only from the parent window at that origin.
#[island]
#[allow(clippy::too_many_arguments)]
fn WidgetBridge(
    inline: bool,
    container_id: Option<String>,
    template_id: Option<String>,
    target_origin: Option<String>,
    refused_origin: Option<String>,
    inquiry_id: Option<String>,
    session_token: Option<String>,
    event: Option<String>,
    status: Option<String>,
    error: Option<(u16, String, String)>,
) -> impl IntoView {
    // Effects run only in the browser.
    Effect::new(move |_| {
        let messenger = browser::Messenger {
            inline,
            container_id: container_id.clone(),
            template_id: template_id.clone(),
            target_origin: target_origin.clone(),
            inquiry_id: inquiry_id.clone(),
            session_token: session_token.clone(),
        };
        messenger.page_loaded(
            refused_origin.as_deref(),
            event.as_deref(),
            status.as_deref(),
            error.clone(),
        );
    });
}

/// A file input that previews the chosen picture and refuses, before upload, a file of the wrong
/// type or over 10 MiB (the server checks again).
#[island]
fn FilePicker(
    id: String,
    name: String,
    accept: String,
    required: bool,
    focus: bool,
    invalid: bool,
    lang: Lang,
) -> impl IntoView {
    let preview = RwSignal::new(None::<String>);
    let error_id = format!("{id}-error");
    let described = format!("{id}-hint {error_id}");
    // Event handlers run only in the browser.
    let on_change =
        move |ev: leptos::ev::Event| browser::file_chosen(&ev, &error_id, lang, preview);
    view! {
        <input
            id=id
            type="file"
            name=name
            accept=accept
            required=required
            autofocus=focus
            aria-describedby=described
            aria-invalid=invalid.then_some("true")
            on:change=on_change
        />
        {move || preview.get().map(|src| view! { <img class="preview" src=src alt="" /> })}
    }
}

mod browser {
    //! DOM work of the islands (called from effects and event handlers, which only run in the
    //! browser).

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{FormData, HtmlElement, HtmlFormElement, HtmlInputElement};

    use super::{FieldProblem, field_id, problem_text, verify_step};
    use crate::i18n::{Lang, Msg, t};

    const MAX_FILE: f64 = 10.0 * 1024.0 * 1024.0;

    fn by_id<T: JsCast>(id: &str) -> Option<T> {
        document()
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<T>().ok())
    }

    /// Shows (or clears) a field's refusal: its message, `aria-invalid` and the field's style.
    pub fn mark(id: &str, problem: Option<FieldProblem>, lang: Lang) {
        if let Some(error) = by_id::<HtmlElement>(&format!("{id}-error")) {
            error.set_text_content(problem.map(|p| problem_text(lang, p)));
        }
        if let Some(input) = by_id::<HtmlElement>(id) {
            match problem {
                Some(_) => _ = input.set_attribute("aria-invalid", "true"),
                None => _ = input.remove_attribute("aria-invalid"),
            }
            if let Some(field) = input.closest(".field").ok().flatten() {
                _ = field
                    .class_list()
                    .toggle_with_force("invalid", problem.is_some());
            }
        }
    }

    fn set_summary(show: bool, lang: Lang) {
        if let Some(summary) = by_id::<HtmlElement>("error-summary") {
            summary.set_inner_html("");
            if show && let Ok(p) = document().create_element("p") {
                p.set_class_name("error-summary");
                p.set_text_content(Some(t(lang, Msg::ErrorSummary)));
                _ = summary.append_child(&p);
            }
        }
    }

    fn set_busy(form: &HtmlFormElement, busy: bool) {
        if let Ok(buttons) = form.query_selector_all("button") {
            for i in 0..buttons.length() {
                if let Some(button) = buttons
                    .item(i)
                    .and_then(|b| b.dyn_into::<HtmlElement>().ok())
                {
                    _ = if busy {
                        button.set_attribute("disabled", "")
                    } else {
                        button.remove_attribute("disabled")
                    };
                }
            }
        }
        form.set_attribute("aria-busy", if busy { "true" } else { "false" })
            .ok();
        if let Some(status) = by_id::<HtmlElement>("flow-status") {
            status.set_text_content(
                busy.then(|| form.get_attribute("data-busy"))
                    .flatten()
                    .as_deref(),
            );
        }
    }

    /// Handles every form submission of the page.
    pub fn listen(lang: Lang) {
        // A successful step answers with a redirect to the next screen: a page load.
        _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
            _ = window().location().set_href(location);
        });
        let handle = window_event_listener(leptos::ev::submit, move |ev| {
            let Some(form) = ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
            else {
                return;
            };
            if form.get_attribute("aria-busy").as_deref() == Some("true") {
                // Sent already: a second click must not send it twice.
                ev.prevent_default();
                return;
            }
            if form.get_attribute("data-step").is_none() {
                set_busy(&form, true);
                return;
            }
            let Ok(data) = FormData::new_with_form(&form) else {
                return;
            };
            ev.prevent_default();
            set_busy(&form, true);
            leptos::task::spawn_local(async move {
                match verify_step(data.into()).await {
                    Ok(reply) if reply.problems.is_empty() => {}
                    Ok(reply) => {
                        set_busy(&form, false);
                        show_problems(&form, &reply.problems, lang);
                    }
                    // The server could not be reached this way: post the form the plain way.
                    Err(_) => _ = form.submit(),
                }
            });
        });
        // The listener lives as long as the page.
        std::mem::forget(handle);
    }

    fn show_problems(form: &HtmlFormElement, problems: &[(String, FieldProblem)], lang: Lang) {
        if let Ok(fields) = form.query_selector_all("[name^='field:']") {
            for i in 0..fields.length() {
                if let Some(id) = fields
                    .item(i)
                    .and_then(|f| f.dyn_into::<HtmlElement>().ok())
                    .map(|f| f.id())
                    && !id.is_empty()
                {
                    mark(&id, None, lang);
                }
            }
        }
        for (key, problem) in problems {
            mark(&field_id(key), Some(*problem), lang);
        }
        set_summary(!problems.is_empty(), lang);
        if let Some((key, _)) = problems.first()
            && let Some(input) = by_id::<HtmlElement>(&field_id(key))
        {
            _ = input.focus();
        }
    }

    /// Checks a chosen file and previews it; refuses it in place when it cannot be sent.
    pub fn file_chosen(
        ev: &leptos::ev::Event,
        error_id: &str,
        lang: Lang,
        preview: RwSignal<Option<String>>,
    ) {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let id = error_id.trim_end_matches("-error").to_owned();
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            preview.set(None);
            return;
        };
        let kind = file.type_();
        let fits = file.size() <= MAX_FILE
            && matches!(
                kind.as_str(),
                "image/png" | "image/jpeg" | "application/pdf"
            );
        mark(&id, (!fits).then_some(FieldProblem::UnsupportedFile), lang);
        set_summary(!fits, lang);
        if !fits {
            input.set_value("");
            preview.set(None);
        } else if kind.starts_with("image/") {
            preview.set(web_sys::Url::create_object_url_with_blob(&file).ok());
        } else {
            preview.set(None);
        }
    }

    /// What `autofocus` does on a page of its own: the first refused field, else the heading.
    fn focus_first() {
        let target = document()
            .query_selector("[aria-invalid=\"true\"]")
            .ok()
            .flatten()
            .or_else(|| document().query_selector("[data-autofocus]").ok().flatten());
        if let Some(element) = target.and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            _ = element.focus();
        }
    }

    /// Talks to the window that frames a widget page (see `WidgetBridge`).
    pub struct Messenger {
        pub inline: bool,
        pub container_id: Option<String>,
        pub template_id: Option<String>,
        pub target_origin: Option<String>,
        pub inquiry_id: Option<String>,
        pub session_token: Option<String>,
    }

    impl Messenger {
        /// Posts `{containerId, templateId, name, metadata}` (and `error` for errors) to the
        /// parent, only at the allowed target origin.
        fn post(&self, name: &str, metadata: serde_json::Value, error: Option<serde_json::Value>) {
            let (Some(target), Ok(Some(parent))) = (&self.target_origin, window().parent()) else {
                return;
            };
            // Opened on its own (not in a frame), the page has no one to talk to.
            if js_sys::Object::is(parent.as_ref(), window().as_ref()) {
                return;
            }
            let mut message = serde_json::json!({
                "containerId": self.container_id,
                "templateId": self.template_id,
                "name": name,
                "metadata": metadata,
            });
            if let Some(error) = error {
                message["error"] = error;
            }
            if let Ok(value) = js_sys::JSON::parse(&message.to_string()) {
                _ = parent.post_message(&value, target);
            }
        }

        /// True the first time this tab sees `event` for this inquiry (remembered in the
        /// frame's session storage; without storage, every time).
        fn first_time(&self, event: &str) -> bool {
            let Ok(Some(storage)) = window().session_storage() else {
                return true;
            };
            let key = format!(
                "tessera:{event}:{}",
                self.inquiry_id.as_deref().unwrap_or_default()
            );
            let seen = storage.get_item(&key).ok().flatten().is_some();
            _ = storage.set_item(&key, "1");
            !seen
        }

        fn exit(&self) {
            self.post(
                "exit",
                serde_json::json!({
                    "inquiryId": self.inquiry_id,
                    "sessionToken": self.session_token,
                }),
                None,
            );
        }

        /// Posts the height the flow needs: the bottom of its content (the document's own
        /// height never shrinks below the frame's, since the page fills at least the viewport).
        fn page_change(&self) {
            let height = by_id::<HtmlElement>("main")
                .map(|main| main.offset_top() + main.offset_height())
                .unwrap_or_default();
            self.post(
                "page-change",
                serde_json::json!({
                    "pathname": window().location().pathname().unwrap_or_default(),
                    "pageHeight": height,
                }),
                None,
            );
        }

        /// What a page says as it loads, then listening for the parent's actions.
        pub fn page_loaded(
            self,
            refused_origin: Option<&str>,
            event: Option<&str>,
            status: Option<&str>,
            error: Option<(u16, String, String)>,
        ) {
            focus_first();
            if self.target_origin.is_none() {
                let why = match refused_origin {
                    Some(origin) => format!(
                        "Tessera: this flow sends no messages to {origin}: it is not one of the organization's allowed origins."
                    ),
                    None => {
                        "Tessera: this flow sends no messages: the link names no iframe-origin."
                            .to_owned()
                    }
                };
                web_sys::console::error_1(&why.into());
                return;
            }
            self.post("load", serde_json::Value::Null, None);
            self.post("ready", serde_json::json!({}), None);
            self.page_change();
            match (event, error) {
                (Some("error"), Some((status, code, message))) => self.post(
                    "error",
                    serde_json::json!({}),
                    Some(serde_json::json!({"status": status, "code": code, "message": message})),
                ),
                (Some(name @ ("complete" | "fail")), _) => self.post(
                    name,
                    serde_json::json!({
                        "inquiryId": self.inquiry_id,
                        "status": status,
                        "fields": {},
                    }),
                    None,
                ),
                // Once per inquiry in this tab, not on every reload of the consent screen.
                (Some("start"), _) if self.first_time("start") => self.post(
                    "start",
                    serde_json::json!({"inquiryId": self.inquiry_id}),
                    None,
                ),
                _ => {}
            }
            let messenger = std::rc::Rc::new(self);
            if let Some(button) = by_id::<HtmlElement>("widget-close") {
                let m = messenger.clone();
                let on_click = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || m.exit());
                button.set_onclick(Some(on_click.as_ref().unchecked_ref()));
                on_click.forget();
            }
            let m = messenger.clone();
            let on_message = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| m.obey(&event),
            );
            window().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            on_message.forget();
            // Inline, the host sizes the frame to the page: say so whenever the page's height
            // changes (a refusal shown in place, a photo preview), not only when it loads.
            if messenger.inline {
                let m = messenger.clone();
                let on_resize =
                    wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || m.page_change());
                if let (Ok(observer), Some(main)) = (
                    web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()),
                    by_id::<HtmlElement>("main"),
                ) {
                    observer.observe(&main);
                    // Observes for as long as the page lives.
                    std::mem::forget(observer);
                }
                on_resize.forget();
            }
            // In a modal, Escape closes it, as the close button does.
            if !messenger.inline {
                let m = messenger.clone();
                let on_key = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(
                    move |event: web_sys::KeyboardEvent| {
                        if event.key() == "Escape" {
                            m.exit();
                        }
                    },
                );
                window().set_onkeydown(Some(on_key.as_ref().unchecked_ref()));
                on_key.forget();
            }
        }

        /// The parent's `{action: "open" | "exit" | "destroy"}`, only from the parent window at the
        /// allowed origin. `exit` is answered with `exit` (the SDK closes its modal on it).
        fn obey(&self, event: &web_sys::MessageEvent) {
            let from_parent = match (event.source(), window().parent()) {
                (Some(source), Ok(Some(parent))) => js_sys::Object::is(&source, parent.as_ref()),
                _ => false,
            };
            if !from_parent || Some(event.origin()) != self.target_origin {
                return;
            }
            let action = js_sys::Reflect::get(&event.data(), &"action".into())
                .ok()
                .and_then(|a| a.as_string());
            if action.as_deref() == Some("exit") {
                self.exit();
            }
        }
    }
}
