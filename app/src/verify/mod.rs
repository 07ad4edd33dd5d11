//! `/verify`: the hosted flow an end user walks (CONTRACT.md §7). The server renders every screen
//! (so it works without JavaScript: each step is a real form post); once hydrated, forms are sent
//! with `fetch`, the router moves between screens without reloading, focus goes to each screen's
//! heading and errors are announced.

mod model;
mod server;

use std::collections::BTreeMap;

use leptos::html;
use leptos::prelude::*;
use leptos_meta::{Html, Meta, Title};
use leptos_router::hooks::use_location;

use crate::i18n::{self, Lang, Msg, t};
pub use model::*;
pub use server::*;

/// How long the outcome stays on screen before going back to the site that sent the user.
pub const REDIRECT_DELAY: std::time::Duration = std::time::Duration::from_secs(3);

#[component]
pub fn VerifyPage() -> impl IntoView {
    let location = use_location();
    let page = Resource::new(move || location.search.get(), load_flow);
    // Set only in the browser, once the WASM has taken over the page: end-to-end tests wait for it.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let refetch = Callback::new(move |()| page.refetch());

    view! {
        <div class="flow-shell" data-hydrated=move || hydrated.get().to_string()>
            <Suspense fallback=|| view! { <p class="flow-loading" aria-busy="true">"…"</p> }>
                {move || {
                    page.get()
                        .map(|result| {
                            let page = result
                                .unwrap_or_else(|_| FlowPage {
                                    lang: Lang::default(),
                                    organization: None,
                                    session: None,
                                    screen: Screen::Error {
                                        problem: FlowProblem::Unavailable,
                                        without_sharing: None,
                                    },
                                });
                            view! { <FlowScreen page refetch /> }
                        })
                }}
            </Suspense>
        </div>
    }
}

thread_local! {
    /// Screens shown in this page load: the first is where the browser starts reading anyway.
    static SCREENS_SHOWN: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Moves keyboard and screen-reader focus to a screen's heading when it replaces another one.
fn focus_on_mount(heading: NodeRef<html::H1>) {
    Effect::new(move |_| {
        if let Some(el) = heading.get() {
            let shown = SCREENS_SHOWN.with(|n| n.replace(n.get() + 1));
            if shown > 0 {
                let _ = el.focus();
            }
        }
    });
}

#[component]
fn FlowScreen(page: FlowPage, refetch: Callback<()>) -> impl IntoView {
    let lang = page.lang;
    let organization = page.organization.clone().unwrap_or_default();
    let heading = NodeRef::<html::H1>::new();
    focus_on_mount(heading);
    let body = match page.screen {
        Screen::Consent { source, destination, shared, expires } => view! {
            <Consent lang heading session=page.session.clone() source destination shared expires refetch />
        }
        .into_any(),
        Screen::Redeeming => view! { <Redeeming lang heading refetch /> }.into_any(),
        Screen::Step { index, total, group, groups, fields } => view! {
            <StepForm
                refetch
                lang
                heading
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
            <OutcomeScreen lang heading organization=organization.clone() outcome redirect redirect_origin />
        }
        .into_any(),
        Screen::Error { problem, without_sharing } => view! {
            <ErrorScreen lang heading problem without_sharing />
        }
        .into_any(),
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
        <main class="flow" id="main">
            {page.organization.map(|name| view! { <p class="flow-org">{name}</p> })}
            <div class="card">{body}</div>
            <p class="flow-footer">{t(lang, Msg::PoweredBy)}</p>
        </main>
    }
}

/// Hidden inputs that carry the flow's session in every form.
fn session_inputs(session: &Option<Session>) -> impl IntoView + use<> {
    session.clone().map(|s| {
        view! {
            <input type="hidden" name="inquiry_id" value=s.inquiry_id />
            <input type="hidden" name="session_token" value=s.session_token />
            {s.language.map(|l| view! { <input type="hidden" name="language" value=l /> })}
        }
    })
}

#[component]
fn Consent(
    lang: Lang,
    heading: NodeRef<html::H1>,
    session: Option<Session>,
    source: String,
    destination: String,
    shared: Vec<(Group, Vec<String>)>,
    expires: String,
    refetch: Callback<()>,
) -> impl IntoView {
    let action = ServerAction::<VerifyConsent>::new();
    let pending = action.pending();
    // The server redirects to the flow's own URL, which the router sees as no change: look again.
    Effect::new(move |_| {
        if action.version().get() > 0 {
            refetch.run(());
        }
    });
    let decline_inputs = session_inputs(&session);
    let accept_inputs = session_inputs(&session);
    view! {
        <h1 id="screen-heading" tabindex="-1" node_ref=heading>
            {t(lang, Msg::ConsentHeading)}
        </h1>
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
        <p class="muted">{t(lang, Msg::ConsentNotShared)}</p>
        <details class="more">
            <summary>{t(lang, Msg::MoreDetail)}</summary>
            <p>{t(lang, Msg::ConsentRecorded)}</p>
            <p>{i18n::consent_expires(lang, &expires)}</p>
        </details>
        <div class="actions" aria-busy=move || pending.get().to_string()>
            <ActionForm action>
                {decline_inputs}
                <input type="hidden" name="decision" value="decline" />
                <button type="submit" class="secondary" disabled=move || pending.get()>
                    {t(lang, Msg::Decline)}
                </button>
            </ActionForm>
            <ActionForm action>
                {accept_inputs}
                <input type="hidden" name="decision" value="accept" />
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {t(lang, Msg::Accept)}
                </button>
            </ActionForm>
        </div>
        <p class="status" role="status" aria-live="polite">
            {move || pending.get().then(|| t(lang, Msg::Sharing))}
        </p>
    }
}

#[component]
fn Redeeming(lang: Lang, heading: NodeRef<html::H1>, refetch: Callback<()>) -> impl IntoView {
    // With JavaScript: look again shortly. Without: the response's `Refresh` header reloads it.
    Effect::new(move |_| {
        set_timeout(
            move || refetch.run(()),
            std::time::Duration::from_millis(300),
        );
    });
    view! {
        <h1 id="screen-heading" tabindex="-1" node_ref=heading>
            {t(lang, Msg::RedeemingHeading)}
        </h1>
        <div class="spinner" aria-hidden="true"></div>
        <p role="status" aria-live="polite">{t(lang, Msg::RedeemingText)}</p>
    }
}

fn problem_text(lang: Lang, problem: FieldProblem) -> &'static str {
    match problem {
        FieldProblem::Required => t(lang, Msg::ProblemRequired),
        FieldProblem::Invalid => t(lang, Msg::ProblemInvalid),
        FieldProblem::Email => t(lang, Msg::ProblemEmail),
        FieldProblem::Phone => t(lang, Msg::ProblemPhone),
        FieldProblem::File => t(lang, Msg::ProblemFile),
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

#[component]
#[allow(clippy::too_many_arguments)]
fn StepForm(
    lang: Lang,
    heading: NodeRef<html::H1>,
    session: Option<Session>,
    organization: String,
    index: usize,
    total: usize,
    group: Group,
    groups: Vec<Group>,
    fields: Vec<Field>,
    refetch: Callback<()>,
) -> impl IntoView {
    let submit = Action::new_local(|data: &web_sys::FormData| verify_step(data.clone().into()));
    let pending = submit.pending();
    // Refusals: from the URL after a post without JavaScript, then from each fetch answer.
    let initial: BTreeMap<String, FieldProblem> = fields
        .iter()
        .filter_map(|f| f.problem.map(|p| (f.key.clone(), p)))
        .collect();
    let problems = RwSignal::new(initial);
    Effect::new(move |_| match submit.value().get() {
        Some(Ok(reply)) if reply.problems.is_empty() => refetch.run(()),
        Some(Ok(reply)) => problems.set(reply.problems.into_iter().collect()),
        Some(Err(_)) => refetch.run(()),
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        use wasm_bindgen::JsCast;
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        let Ok(data) = web_sys::FormData::new_with_form(&form) else {
            return;
        };
        ev.prevent_default();
        submit.dispatch_local(data);
    };
    let back = (index > 0)
        .then(|| session.as_ref().map(|s| s.url(Some(index - 1))))
        .flatten();
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
        <h1 id="screen-heading" tabindex="-1" node_ref=heading>
            {i18n::group_name(lang, group)}
        </h1>
        <p class="lead">{i18n::step_intro(lang, &organization)}</p>
        <div role="alert" aria-live="assertive" class="error-summary-slot">
            {move || {
                (!problems.with(BTreeMap::is_empty))
                    .then(|| view! { <p class="error-summary">{t(lang, Msg::ErrorSummary)}</p> })
            }}
        </div>
        <form
            method="post"
            action="/fn/verify-step"
            enctype="multipart/form-data"
            on:submit=on_submit
            novalidate=false
        >
            <input type="hidden" name="inquiry-id" value=session.as_ref().map(|s| s.inquiry_id.clone()) />
            <input type="hidden" name="session-token" value=session.as_ref().map(|s| s.session_token.clone()) />
            {session
                .as_ref()
                .and_then(|s| s.language.clone())
                .map(|l| view! { <input type="hidden" name="language" value=l /> })}
            <input type="hidden" name="step" value=index.to_string() />
            {fields.into_iter().map(|field| view! { <FieldInput lang field problems /> }).collect_view()}
            <div class="actions">
                {back.map(|href| view! { <a class="button secondary" href=href>{t(lang, Msg::Back)}</a> })}
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {t(lang, Msg::Continue)}
                </button>
            </div>
            <p class="status" role="status" aria-live="polite">
                {move || pending.get().then(|| t(lang, Msg::Saving))}
            </p>
        </form>
    }
}

#[component]
fn FieldInput(
    lang: Lang,
    field: Field,
    problems: RwSignal<BTreeMap<String, FieldProblem>>,
) -> impl IntoView {
    let id = format!("f-{}", field.key.replace('.', "__"));
    let name = format!("field:{}", field.key);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let key = field.key.clone();
    let problem = Memo::new(move |_| problems.with(|p| p.get(&key).copied()));
    let invalid = move || problem.get().is_some().then_some("true");
    let described = format!("{hint_id} {error_id}");
    let has_file = field.current.is_some() && matches!(field.input, Input::Image | Input::Document);
    let required = field.required && !has_file;
    let label = view! {
        <span class="label-text">{field.label.clone()}</span>
        {field.required.then(|| view! { <span class="required">" (" {t(lang, Msg::Required)} ")"</span> })}
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
            {move || problem.get().map(|p| problem_text(lang, p))}
        </p>
    };
    let hint_view = view! { <p id=hint_id.clone() class="hint">{hint}</p> };
    let control = match field.input.clone() {
        Input::Boolean => {
            let current = field.current.clone();
            return view! {
                <fieldset class="field" aria-describedby=described.clone() aria-invalid=invalid>
                    <legend>{label}</legend>
                    {hint_view}
                    <label class="choice">
                        <input type="radio" name=name.clone() value="true" required=required checked=current.as_deref() == Some("true") />
                        {t(lang, Msg::Yes)}
                    </label>
                    <label class="choice">
                        <input type="radio" name=name.clone() value="false" checked=current.as_deref() == Some("false") />
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
                <select id=id.clone() name=name.clone() required=required aria-describedby=described.clone() aria-invalid=invalid>
                    <option value="">{t(lang, Msg::ChooseOne)}</option>
                    {choices
                        .into_iter()
                        .map(|c| {
                            let selected = current.as_deref() == Some(c.as_str());
                            view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
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
            };
            let preview = RwSignal::new(None::<String>);
            let key = field.key.clone();
            let on_change = move |ev: leptos::ev::Event| {
                use wasm_bindgen::JsCast;
                let Some(input) = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                else {
                    return;
                };
                let file = input.files().and_then(|files| files.get(0));
                let Some(file) = file else {
                    preview.set(None);
                    return;
                };
                let fits = file.size() <= 10.0 * 1024.0 * 1024.0
                    && matches!(
                        file.type_().as_str(),
                        "image/png" | "image/jpeg" | "application/pdf"
                    );
                problems.update(|p| {
                    if fits {
                        p.remove(&key);
                    } else {
                        p.insert(key.clone(), FieldProblem::File);
                    }
                });
                if !fits {
                    input.set_value("");
                    preview.set(None);
                    return;
                }
                if file.type_().starts_with("image/") {
                    preview.set(web_sys::Url::create_object_url_with_blob(&file).ok());
                } else {
                    preview.set(None);
                }
            };
            view! {
                <input
                    id=id.clone()
                    type="file"
                    name=name.clone()
                    accept=accept
                    required=required
                    aria-describedby=described.clone()
                    aria-invalid=invalid
                    on:change=on_change
                />
                {move || preview.get().map(|src| view! { <img class="preview" src=src alt="" /> })}
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
                    name=name.clone()
                    value=field.current.clone()
                    required=required
                    inputmode=inputmode
                    step=step
                    pattern=pattern
                    autocomplete=autocomplete(&field.key)
                    aria-describedby=described.clone()
                    aria-invalid=invalid
                />
            }
            .into_any()
        }
    };
    view! {
        <div class="field" class:invalid=move || problem.get().is_some()>
            <label for=id.clone()>{label}</label>
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
    heading: NodeRef<html::H1>,
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
    // With JavaScript: go back to the site after a moment. Without: the `Refresh` header does it.
    if let Some(url) = redirect.clone() {
        Effect::new(move |_| {
            let url = url.clone();
            set_timeout(
                move || {
                    let _ = window().location().set_href(&url);
                },
                REDIRECT_DELAY,
            );
        });
    }
    view! {
        <div class=class aria-hidden="true"></div>
        <h1 id="screen-heading" tabindex="-1" node_ref=heading>{title}</h1>
        <p class="lead">{i18n::outcome_text(lang, outcome, &organization)}</p>
        {redirect.map(|url| {
            let origin = redirect_origin.unwrap_or_default();
            view! {
                <p class="muted">{i18n::redirecting(lang)}</p>
                <div class="actions">
                    <a class="button primary" href=url rel="noreferrer">{i18n::continue_to(lang, &origin)}</a>
                </div>
            }
        })}
    }
}

#[component]
fn ErrorScreen(
    lang: Lang,
    heading: NodeRef<html::H1>,
    problem: FlowProblem,
    without_sharing: Option<String>,
) -> impl IntoView {
    let (title, advice) = i18n::error_text(lang, problem);
    view! {
        <div class="outcome bad" aria-hidden="true"></div>
        <h1 id="screen-heading" tabindex="-1" node_ref=heading>{title}</h1>
        <p class="lead">{advice}</p>
        {without_sharing.map(|href| view! {
            <div class="actions">
                <a class="button primary" href=href rel="external">{t(lang, Msg::StartWithoutSharing)}</a>
            </div>
        })}
    }
}
