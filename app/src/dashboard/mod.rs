//! The dashboard (CONTRACT.md §8): an organization's people sign in and see their Connect data.
//!
//! Like the hosted flow, every page is rendered on the server and every form is a real form post
//! to a server function that answers with a redirect: it all works without JavaScript, and each
//! page load starts with focus on its heading. A session lives in an `HttpOnly`, `SameSite=Lax`
//! cookie; forms that change something carry the session's CSRF token.

mod model;
mod redeem;
mod server;
mod settings;
mod text;

use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;
use leptos_meta::{Html, Meta, Title};
use leptos_router::hooks::use_location;

pub use model::*;
pub use server::*;
use text::{D, d};

use crate::i18n::Lang;

/// A page's heading: it takes focus as the page loads (unless a dialog over the page does).
#[component]
fn Heading(text: &'static str, #[prop(default = true)] focus: bool) -> impl IntoView {
    view! {
        <h1 id="screen-heading" tabindex="-1" autofocus=focus>
            {text}
        </h1>
    }
}

/// `/dashboard/sign-in`.
#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_location().search.get_untracked();
    view! {
        {crate::awaited(async move {
            let view = load_sign_in(query)
                .await
                .unwrap_or(SignInView {
                    lang: Lang::default(),
                    language: None,
                    problem: None,
                    token: String::new(),
                });
            view! { <SignInForm view /> }
        })}
    }
}

#[component]
fn SignInForm(view: SignInView) -> impl IntoView {
    let lang = view.lang;
    let problem = view.problem.map(|problem| {
        let (text, kind) = match problem {
            SignInProblem::Invalid => (d(lang, D::ProblemInvalid), "error-summary"),
            SignInProblem::Throttled => (d(lang, D::ProblemThrottled), "error-summary"),
            SignInProblem::CrossSite => (d(lang, D::ProblemCrossSite), "error-summary"),
            SignInProblem::SignedOut => (d(lang, D::ProblemSignedOut), "notice"),
            SignInProblem::Expired => (d(lang, D::ProblemExpired), "notice"),
        };
        view! { <p class=kind>{text}</p> }
    });
    let invalid = view.problem == Some(SignInProblem::Invalid);
    view! {
        <Html {..} lang=lang.tag() />
        <Title text=d(lang, D::Title) />
        <Meta name="robots" content="noindex" />
        <main class="page dashboard-auth" id="main">
            <div class="card">
                <Heading text=d(lang, D::SignInHeading) />
                <p class="lead">{d(lang, D::SignInIntro)}</p>
                <div role="alert" id="error-summary">{problem}</div>
                <form method="post" action=DashboardSignIn::url()>
                    <div class="field">
                        <label for="email">{d(lang, D::Email)}</label>
                        <input
                            id="email"
                            name="email"
                            type="email"
                            autocomplete="username"
                            required=true
                            aria-invalid=invalid.then_some("true")
                            aria-describedby=invalid.then_some("error-summary")
                        />
                    </div>
                    <div class="field">
                        <label for="password">{d(lang, D::Password)}</label>
                        <input
                            id="password"
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            required=true
                            aria-invalid=invalid.then_some("true")
                            aria-describedby=invalid.then_some("error-summary")
                        />
                    </div>
                    <input type="hidden" name="signin" value=view.token />
                    {view.language.map(|l| view! { <input type="hidden" name="language" value=l /> })}
                    <div class="actions">
                        <button type="submit" class="button primary">{d(lang, D::SignIn)}</button>
                    </div>
                </form>
            </div>
        </main>
    }
}

/// `/dashboard`: sends a member to Connect › Share Tokens, anyone else to sign in.
#[component]
pub fn DashboardHome() -> impl IntoView {
    let query = use_location().search.get_untracked();
    view! { {crate::awaited(async move { render(load_home(query).await) })} }
}

/// `/dashboard/connect/share-tokens`: Connect › Share Tokens.
#[component]
pub fn ShareTokensPage() -> impl IntoView {
    let query = use_location().search.get_untracked();
    view! { {crate::awaited(async move { render(load_share_tokens(query).await) })} }
}

/// `/dashboard/connect/share-tokens/<id>`: one share token.
#[component]
pub fn ShareTokenPage() -> impl IntoView {
    let (id, query) = route_id_and_query();
    view! { {crate::awaited(async move { render(load_share_token(id, query).await) })} }
}

/// `/dashboard/settings`.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let query = use_location().search.get_untracked();
    view! { {crate::awaited(async move { render(load_settings(query).await) })} }
}

/// `/dashboard/inquiries`.
#[component]
pub fn InquiriesPage() -> impl IntoView {
    objects_page("inquiry")
}

/// `/dashboard/transactions`.
#[component]
pub fn TransactionsPage() -> impl IntoView {
    objects_page("transaction")
}

/// `/dashboard/accounts`.
#[component]
pub fn AccountsPage() -> impl IntoView {
    objects_page("account")
}

fn objects_page(kind: &'static str) -> impl IntoView {
    let query = use_location().search.get_untracked();
    view! { {crate::awaited(async move { render(load_objects(kind.to_owned(), query).await) })} }
}

fn nav_of(kind: &str) -> Nav {
    match kind {
        "transaction" => Nav::Transactions,
        "account" => Nav::Accounts,
        _ => Nav::Inquiries,
    }
}

/// `/dashboard/inquiries/<id>`.
#[component]
pub fn InquiryPage() -> impl IntoView {
    object_page("inquiry")
}

/// `/dashboard/transactions/<id>`.
#[component]
pub fn TransactionPage() -> impl IntoView {
    object_page("transaction")
}

/// `/dashboard/accounts/<id>`.
#[component]
pub fn AccountPage() -> impl IntoView {
    object_page("account")
}

fn object_page(kind: &'static str) -> impl IntoView {
    let (id, query) = route_id_and_query();
    view! {
        {crate::awaited(async move { render(load_object(kind.to_owned(), id, query).await) })}
    }
}

/// The `:id` of the page's route and its query string.
fn route_id_and_query() -> (String, String) {
    let id = leptos_router::hooks::use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    (id, use_location().search.get_untracked())
}

/// A dashboard page's content, a link where it redirects (the server sends the redirect; the link
/// is for a client that does not follow it), or why it is unavailable.
fn render(result: Result<DashboardView, ServerFnError>) -> AnyView {
    match result {
        Ok(DashboardView::Tokens(view)) => view! { <TokensPage view=*view /> }.into_any(),
        Ok(DashboardView::Token(view)) => view! { <TokenPage view=*view /> }.into_any(),
        Ok(DashboardView::Object(view)) => view! { <ObjectDetails view=*view /> }.into_any(),
        Ok(DashboardView::Objects(view)) => view! { <ObjectsList view=*view /> }.into_any(),
        Ok(DashboardView::Settings(view)) => {
            view! { <settings::SettingsDetails view=*view /> }.into_any()
        }
        Ok(DashboardView::NotFound(lang, member)) => view! {
            <Html {..} lang=lang.tag() />
            <Title text=d(lang, D::Title) />
            {member.map(|member| {
                let (member, language) = *member;
                view! { <MemberBar lang member language current=Nav::ShareTokens /> }
            })}
            <main class="page" id="main">
                <Heading text=d(lang, D::NotFoundHeading) />
                <p>{d(lang, D::NotFoundText)}</p>
                <p>
                    <a href="/dashboard/connect/share-tokens">{d(lang, D::BackToList)}</a>
                </p>
            </main>
        }
        .into_any(),
        Ok(DashboardView::Redirect(url)) => view! {
            <main class="page" id="main">
                <p><a href=url>{d(Lang::default(), D::Title)}</a></p>
            </main>
        }
        .into_any(),
        Err(err) => view! {
            <main class="page" id="main">
                <h1>{d(Lang::default(), D::Title)}</h1>
                <p role="alert">{err.to_string()}</p>
            </main>
        }
        .into_any(),
    }
}

/// Which navigation entry a page is under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Nav {
    ShareTokens,
    Inquiries,
    Transactions,
    Accounts,
    Settings,
}

/// The header every signed-in page shows: who, which organization, sign out; and the navigation.
#[component]
fn MemberBar(
    lang: Lang,
    member: Member,
    language: Option<String>,
    #[prop(default = Nav::ShareTokens)] current: Nav,
) -> impl IntoView {
    let here = move |nav: Nav| (current == nav).then_some("page");
    view! {
        <header class="dash-bar">
            <p class="dash-org">{member.organization}</p>
            <p class="dash-member">{text::signed_in_as(lang, &member.email)}</p>
            <form method="post" action=DashboardSignOut::url()>
                <input type="hidden" name="csrf" value=member.csrf />
                {language.map(|l| view! { <input type="hidden" name="language" value=l /> })}
                <button type="submit" class="button secondary">{d(lang, D::SignOut)}</button>
            </form>
        </header>
        <nav class="dash-nav" aria-label=d(lang, D::Navigation)>
            <p class="dash-nav-group" id="nav-connect">{d(lang, D::Connect)}</p>
            <ul aria-labelledby="nav-connect">
                <li>
                    <a href="/dashboard/connect/share-tokens" aria-current=here(Nav::ShareTokens)>
                        {d(lang, D::ShareTokens)}
                    </a>
                </li>
            </ul>
            <p class="dash-nav-group" id="nav-objects">{d(lang, D::Objects)}</p>
            <ul aria-labelledby="nav-objects">
                <li>
                    <a href="/dashboard/inquiries" aria-current=here(Nav::Inquiries)>
                        {d(lang, D::Inquiries)}
                    </a>
                </li>
                <li>
                    <a href="/dashboard/transactions" aria-current=here(Nav::Transactions)>
                        {d(lang, D::Transactions)}
                    </a>
                </li>
                <li>
                    <a href="/dashboard/accounts" aria-current=here(Nav::Accounts)>
                        {d(lang, D::Accounts)}
                    </a>
                </li>
            </ul>
            <ul aria-label=d(lang, D::Settings)>
                <li>
                    <a href="/dashboard/settings" aria-current=here(Nav::Settings)>
                        {d(lang, D::Settings)}
                    </a>
                </li>
            </ul>
        </nav>
    }
    // One opaque view: every page's type stays shallow enough to compile without
    // `erase_components` (release builds).
    .into_any()
}

#[component]
fn TokensPage(view: TokensView) -> impl IntoView {
    let lang = view.lang;
    let status = view.status.clone().unwrap_or_else(|| "any".to_owned());
    let status_options = ["any", "created", "pending", "redeemed", "expired", "failed"]
        .into_iter()
        .map(|code| {
            let label = if code == "any" {
                d(lang, D::AnyStatus)
            } else {
                text::status(lang, code)
            };
            view! { <option value=code selected=status == code>{label}</option> }
        })
        .collect_view();
    let direction_options = [("inbound", D::Inbound), ("outbound", D::Outbound)]
        .into_iter()
        .map(|(code, label)| {
            view! { <option value=code selected=view.direction == code>{d(lang, label)}</option> }
        })
        .collect_view();
    let empty = view.rows.is_empty().then(|| {
        let text = if view.not_found {
            d(lang, D::NotFoundById)
        } else {
            d(lang, D::NoTokens)
        };
        view! { <p class="notice" role="status">{text}</p> }
    });
    let rows = view
        .rows
        .iter()
        .map(|row| {
            view! {
                <tr>
                    <th scope="row">
                        <a href=format!("/dashboard/connect/share-tokens/{}", row.id)>
                            <code>{row.id.clone()}</code>
                        </a>
                    </th>
                    <td><span class=format!("token-status token-status-{}", row.status)>{text::status(lang, &row.status)}</span></td>
                    <td>{if row.direction == "inbound" { d(lang, D::Inbound) } else { d(lang, D::Outbound) }}</td>
                    <td>{row.partner.clone()}</td>
                    <td>{text::source_type(lang, &row.source_type)}</td>
                    <td>{row.created_at.clone()}</td>
                    <td>{row.expires_at.clone()}</td>
                    <td>{row.redeemed_at.clone().unwrap_or_default()}</td>
                    <td>
                        {row.redeem.clone().map(|href| {
                            view! {
                                <a href=href aria-label=text::redeem_token(lang, &row.id)>
                                    {d(lang, D::RedeemRow)}
                                </a>
                            }
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let table = (!view.rows.is_empty()).then(|| {
        view! {
            <ScrollTable label=d(lang, D::TableRegion).to_owned() columns=vec![d(lang, D::Token), d(lang, D::Status), d(lang, D::DirectionColumn), d(lang, D::Partner), d(lang, D::SourceType), d(lang, D::CreatedAt), d(lang, D::ExpiresAt), d(lang, D::RedeemedAt), d(lang, D::Actions)]>{rows}</ScrollTable>
        }
    });
    let next = view.next.clone().map(|href| {
        view! {
            <nav class="pager" aria-label=d(lang, D::Pages)>
                <a href=href rel="next">{d(lang, D::NextPage)}</a>
            </nav>
        }
    });
    let dialog_open = view.redeem.is_some();
    let dialog = view.redeem.clone().map(|dialog| {
        view! {
            <redeem::RedeemDialogView
                lang
                dialog
                csrf=view.member.csrf.clone()
                language=view.language.clone()
            />
        }
        .into_any()
    });
    view! {
        <Html {..} lang=lang.tag() />
        <Title text=d(lang, D::Title) />
        <Meta name="robots" content="noindex" />
        // Behind an open dialog the page is inert: no focus, no clicks, hidden from assistive
        // technology.
        <div class="dash-shell" inert=dialog_open>
        <MemberBar lang member=view.member.clone() language=view.language.clone() />
        <main class="page dashboard" id="main">
            <div class="page-head">
                <Heading text=d(lang, D::ShareTokens) focus=!dialog_open />
                <form method="get" action="/dashboard/connect/share-tokens">
                    <input type="hidden" name="redeem" value="1" />
                    {view.language.clone().map(|l| view! { <input type="hidden" name="language" value=l /> })}
                    <button type="submit" class="button primary">{d(lang, D::RedeemShareToken)}</button>
                </form>
            </div>
            <form method="get" action="/dashboard/connect/share-tokens" class="filters" role="search" aria-label=d(lang, D::Filters)>
                <div class="field">
                    <label for="direction">{d(lang, D::Direction)}</label>
                    <select id="direction" name="direction">{direction_options}</select>
                </div>
                <div class="field">
                    <label for="status">{d(lang, D::Status)}</label>
                    <select id="status" name="status">{status_options}</select>
                </div>
                <div class="field">
                    <label for="q">{d(lang, D::SearchById)}</label>
                    <input id="q" name="q" type="search" value=view.search.clone().unwrap_or_default() aria-describedby="q-hint" autocomplete="off" />
                    <p class="hint" id="q-hint">{d(lang, D::SearchHint)}</p>
                </div>
                {view.language.clone().map(|l| view! { <input type="hidden" name="language" value=l /> })}
                <div class="actions">
                    <button type="submit" class="button secondary">{d(lang, D::Apply)}</button>
                </div>
            </form>
            {empty}
            {table}
            {next}
        </main>
        </div>
        {dialog}
    }
}

/// A list of field paths under a heading (level 3 or 4; "None" when empty).
#[component]
fn Paths(
    lang: Lang,
    heading: D,
    paths: Vec<String>,
    #[prop(default = 3)] level: u8,
) -> impl IntoView {
    let body = if paths.is_empty() {
        view! { <p class="muted">{d(lang, D::NoneListed)}</p> }.into_any()
    } else {
        let items = paths
            .into_iter()
            .map(|p| view! { <li><code>{p}</code></li> })
            .collect_view();
        view! { <ul class="paths">{items}</ul> }.into_any()
    };
    let heading = d(lang, heading);
    let heading = if level == 4 {
        view! { <h4>{heading}</h4> }.into_any()
    } else {
        view! { <h3>{heading}</h3> }.into_any()
    };
    view! {
        {heading}
        {body}
    }
}

#[component]
fn TokenPage(view: TokenView) -> impl IntoView {
    let lang = view.lang;
    let row = view.row.clone();
    let direction = if row.direction == "inbound" {
        d(lang, D::Inbound)
    } else {
        d(lang, D::Outbound)
    };
    let report = view.report.clone().map(|report| {
        view! {
            <section aria-labelledby="report-heading" class="panel">
                <h2 id="report-heading">{d(lang, D::HydrationReport)}</h2>
                <Paths lang heading=D::ByName paths=report.by_name />
                <Paths lang heading=D::ByMapping paths=report.by_mapping />
                <Paths lang heading=D::Unset paths=report.unset />
                <Paths lang heading=D::NotConverted paths=report.rejected />
            </section>
        }
    });
    let inbound = row.direction == "inbound";
    let destination = view.destination.clone().map(|id| {
        let shown = match object_url(&id).filter(|_| inbound) {
            Some(href) => view! { <a href=href><code>{id}</code></a> }.into_any(),
            None => view! { <code>{id}</code> }.into_any(),
        };
        view! {
            <dt>{d(lang, D::Destination)}</dt>
            <dd>{shown}</dd>
        }
    });
    let redeem = row.redeem.clone().map(|href| {
        view! {
            <p>
                <a href=href class="button primary">{d(lang, D::RedeemShareToken)}</a>
            </p>
        }
    });
    let failure = view.failure_code.clone().map(|code| {
        view! {
            <dt>{d(lang, D::FailureCode)}</dt>
            <dd>
                <code>{code}</code>
            </dd>
        }
    });
    let status_class = format!("token-status token-status-{}", row.status);
    view! {
        <Html {..} lang=lang.tag() />
        <Title text=d(lang, D::Title) />
        <Meta name="robots" content="noindex" />
        <MemberBar lang member=view.member.clone() language=view.language.clone() />
        <main class="page dashboard" id="main">
            <p>
                <a href="/dashboard/connect/share-tokens">{d(lang, D::BackToList)}</a>
            </p>
            <h1 id="screen-heading" tabindex="-1" autofocus=true>
                {d(lang, D::ShareToken)}
                " "
                <code>{row.id.clone()}</code>
            </h1>
            <section aria-labelledby="details-heading" class="panel">
                <h2 id="details-heading">{d(lang, D::Details)}</h2>
                <dl class="details">
                    <dt>{d(lang, D::Status)}</dt>
                    <dd>
                        <span class=status_class>{text::status(lang, &row.status)}</span>
                    </dd>
                    <dt>{d(lang, D::DirectionColumn)}</dt>
                    <dd>{direction}</dd>
                    <dt>{d(lang, D::Partner)}</dt>
                    <dd>{row.partner.clone()}</dd>
                    <dt>{d(lang, D::SourceType)}</dt>
                    <dd>{text::source_type(lang, &row.source_type)}</dd>
                    <dt>{d(lang, D::ExpiresAt)}</dt>
                    <dd>{row.expires_at.clone()}</dd>
                    {destination}
                    {failure}
                </dl>
            </section>
            <section aria-labelledby="timeline-heading" class="panel">
                <h2 id="timeline-heading">{d(lang, D::Timeline)}</h2>
                <Timeline lang events=view.timeline.clone() />
            </section>
            {redeem}
            {report}
        </main>
    }
}

#[component]
fn ObjectDetails(view: ObjectView) -> impl IntoView {
    let lang = view.lang;
    let status = view.status.clone().map(|code| {
        view! {
            <dt>{d(lang, D::Status)}</dt>
            <dd>
                <span class=format!("token-status token-status-{code}")>
                    {text::inquiry_status(lang, &code)}
                </span>
            </dd>
        }
    });
    let reference = view.reference_id.clone().map(|r| {
        view! {
            <dt>{d(lang, D::ReferenceId)}</dt>
            <dd><code>{r}</code></dd>
        }
    });
    let rows = view
        .fields
        .iter()
        .map(|field| {
            let value = match (&field.file, &field.value) {
                (Some((href, name)), _) => {
                    view! { <a href=href.clone()>{name.clone()}</a> }.into_any()
                }
                (None, Some(value)) => view! { <span>{value.clone()}</span> }.into_any(),
                (None, None) => {
                    view! { <span class="muted">{d(lang, D::NotSet)}</span> }.into_any()
                }
            };
            view! {
                <tr>
                    <th scope="row">
                        {field.label.clone()}
                        " "
                        <code class="muted">{field.key.clone()}</code>
                    </th>
                    <td>{value}</td>
                </tr>
            }
        })
        .collect_view();
    let missing = (!view.missing.is_empty()).then(|| {
        view! { <Paths lang heading=D::StillMissing paths=view.missing.clone() /> }
    });
    let is_inquiry = view.kind == "inquiry";
    let verifications = is_inquiry.then(|| {
        let items = view
            .verifications
            .iter()
            .map(|v| {
                let checks = v
                    .checks
                    .iter()
                    .map(|c| {
                        let reasons = c
                            .reasons
                            .iter()
                            .map(|r| view! { <li>{r.clone()}</li> })
                            .collect_view();
                        view! {
                            <li>
                                <code>{c.name.clone()}</code>
                                " "
                                {check_label(lang, &c.status)}
                                <ul class="reasons">{reasons}</ul>
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <li>
                        <h3>
                            <code>{v.kind.clone()}</code>
                            " "
                            {check_label(lang, &v.status)}
                        </h3>
                        <ul class="checks">{checks}</ul>
                    </li>
                }
            })
            .collect_view();
        let empty = view
            .verifications
            .is_empty()
            .then(|| view! { <p class="muted">{d(lang, D::NoneRecorded)}</p> });
        let reports = view
            .reports
            .iter()
            .map(|r| {
                let label = if r.status == "hit" {
                    d(lang, D::Hit)
                } else {
                    d(lang, D::Clear)
                };
                let matches = (!r.matches.is_empty()).then(|| {
                    view! {
                        <p>
                            {d(lang, D::Matches)}
                            ": "
                            {r.matches.join(", ")}
                        </p>
                    }
                });
                view! {
                    <li>
                        <h3><code>{r.kind.clone()}</code> " " {label}</h3>
                        {matches}
                    </li>
                }
            })
            .collect_view();
        let no_reports = view
            .reports
            .is_empty()
            .then(|| view! { <p class="muted">{d(lang, D::NoneRecorded)}</p> });
        let consents = view
            .consents
            .iter()
            .map(|c| {
                let decision = if c.decision == "accepted" {
                    d(lang, D::Accepted)
                } else {
                    d(lang, D::Declined)
                };
                view! {
                    <li>
                        <span class="when">{c.at.clone()}</span>
                        " "
                        {decision}
                        " · "
                        <code>{c.share_token.clone()}</code>
                        " · "
                        {d(lang, D::TextVersion)}
                        " "
                        <code>{c.text_version.clone()}</code>
                    </li>
                }
            })
            .collect_view();
        let no_consents = view
            .consents
            .is_empty()
            .then(|| view! { <p class="muted">{d(lang, D::NoneRecorded)}</p> });
        view! {
            <section aria-labelledby="object-timeline-heading" class="panel">
                <h2 id="object-timeline-heading">{d(lang, D::Timeline)}</h2>
                <Timeline lang events=view.timeline.clone() />
            </section>
            <section aria-labelledby="verifications-heading" class="panel">
                <h2 id="verifications-heading">{d(lang, D::Verifications)}</h2>
                {empty}
                <ul class="results">{items}</ul>
            </section>
            <section aria-labelledby="reports-heading" class="panel">
                <h2 id="reports-heading">{d(lang, D::Reports)}</h2>
                {no_reports}
                <ul class="results">{reports}</ul>
            </section>
            <section aria-labelledby="consent-heading" class="panel">
                <h2 id="consent-heading">{d(lang, D::ConsentRecord)}</h2>
                {no_consents}
                <ul class="timeline">{consents}</ul>
            </section>
        }
    });
    view! {
        <Html {..} lang=lang.tag() />
        <Title text=d(lang, D::Title) />
        <Meta name="robots" content="noindex" />
        <MemberBar lang member=view.member.clone() language=view.language.clone() current=nav_of(&view.kind) />
        <main class="page dashboard" id="main">
            <h1 id="screen-heading" tabindex="-1" autofocus=true>
                {text::source_type(lang, &view.kind)}
                " "
                <code>{view.id.clone()}</code>
            </h1>
            <section aria-labelledby="details-heading" class="panel">
                <h2 id="details-heading">{d(lang, D::Details)}</h2>
                <dl class="details">
                    {status}
                    <dt>{d(lang, D::SchemaName)}</dt>
                    <dd>{view.schema.clone()}</dd>
                    {reference}
                    <dt>{d(lang, D::CreatedAt)}</dt>
                    <dd>{view.created_at.clone()}</dd>
                </dl>
            </section>
            <section aria-labelledby="fields-heading" class="panel">
                <h2 id="fields-heading">{d(lang, D::Fields)}</h2>
                <ScrollTable label=d(lang, D::FieldsTable).to_owned() columns=vec![d(lang, D::Field), d(lang, D::Value)] class="fields">{rows}</ScrollTable>
                {missing}
            </section>
            {verifications}
        </main>
    }
}

/// `passed` / `failed` in words.
fn check_label(lang: Lang, status: &str) -> &'static str {
    if status == "passed" {
        d(lang, D::Passed)
    } else {
        d(lang, D::CheckFailed)
    }
}

#[component]
fn ObjectsList(view: ObjectsView) -> impl IntoView {
    let lang = view.lang;
    let kind = view.kind.clone();
    let (heading, schema_label) = match kind.as_str() {
        "transaction" => (D::Transactions, D::TransactionType),
        "account" => (D::Accounts, D::AccountType),
        _ => (D::Inquiries, D::InquiryTemplate),
    };
    let is_inquiry = kind == "inquiry";
    let chosen = view.schema.clone();
    let schema_options = view
        .schemas
        .iter()
        .map(|s| {
            view! { <option value=s.id.clone() selected=chosen.as_deref() == Some(s.id.as_str())>{s.name.clone()}</option> }
        })
        .collect_view();
    let status = view.status.clone().unwrap_or_default();
    let status_filter = is_inquiry.then(|| {
        let options = ["created", "pending", "completed", "failed", "needs_review", "expired"]
            .into_iter()
            .map(|code| {
                view! { <option value=code selected=status == code>{text::inquiry_status(lang, code)}</option> }
            })
            .collect_view();
        view! {
            <div class="field">
                <label for="status">{d(lang, D::Status)}</label>
                <select id="status" name="status">
                    <option value="" selected=status.is_empty()>{d(lang, D::AnyStatus)}</option>
                    {options}
                </select>
            </div>
        }
    });
    let rows = view
        .rows
        .iter()
        .map(|row| {
            let status = row.status.clone().map(|code| {
                view! {
                    <td>
                        <span class=format!("token-status token-status-{code}")>
                            {text::inquiry_status(lang, &code)}
                        </span>
                    </td>
                }
            });
            view! {
                <tr>
                    <th scope="row"><a href=row.href.clone()><code>{row.id.clone()}</code></a></th>
                    <td>{row.schema.clone()}</td>
                    {status}
                    <td>{row.reference_id.clone().unwrap_or_default()}</td>
                    <td>{row.created_at.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = view
        .rows
        .is_empty()
        .then(|| view! { <p class="notice" role="status">{d(lang, D::NoObjects)}</p> });
    let mut columns = vec![d(lang, D::Id), d(lang, schema_label)];
    if is_inquiry {
        columns.push(d(lang, D::Status));
    }
    columns.extend([d(lang, D::ReferenceId), d(lang, D::CreatedAt)]);
    let table = (!view.rows.is_empty()).then(|| {
        view! {
            <ScrollTable
                label=format!("{} ({})", d(lang, heading), d(lang, D::TableSuffix))
                columns=columns
            >
                {rows}
            </ScrollTable>
        }
    });
    let next = view.next.clone().map(|href| {
        view! {
            <nav class="pager" aria-label=d(lang, D::Pages)>
                <a href=href rel="next">{d(lang, D::NextPage)}</a>
            </nav>
        }
    });
    view! {
        <Html {..} lang=lang.tag() />
        <Title text=d(lang, D::Title) />
        <Meta name="robots" content="noindex" />
        <MemberBar lang member=view.member.clone() language=view.language.clone() current=nav_of(&kind) />
        <main class="page dashboard" id="main">
            <Heading text=d(lang, heading) />
            <form method="get" action=objects_url(&kind) class="filters" role="search" aria-label=d(lang, D::Filters)>
                <div class="field">
                    <label for="schema">{d(lang, schema_label)}</label>
                    <select id="schema" name="schema">
                        <option value="" selected=chosen.is_none()>{d(lang, D::AnySchema)}</option>
                        {schema_options}
                    </select>
                </div>
                {status_filter}
                {view.language.clone().map(|l| view! { <input type="hidden" name="language" value=l /> })}
                <div class="actions">
                    <button type="submit" class="button secondary">{d(lang, D::Apply)}</button>
                </div>
            </form>
            {empty}
            {table}
            {next}
        </main>
    }
}

/// What happened to a share token or an object, in order: each event code in words with its time.
#[component]
fn Timeline(lang: Lang, events: Vec<(String, String)>) -> impl IntoView {
    let items = events
        .into_iter()
        .map(|(event, at)| {
            let label = match event.as_str() {
                "created" => d(lang, D::EventCreated),
                "redeeming" => d(lang, D::EventRedeeming),
                "redeemed" => d(lang, D::EventRedeemed),
                "completed" => d(lang, D::EventCompleted),
                "failed" => d(lang, D::EventFailed),
                "needs_review" => d(lang, D::EventNeedsReview),
                "expires" => d(lang, D::EventExpires),
                "expired" => d(lang, D::EventExpired),
                _ => d(lang, D::Unknown),
            };
            view! {
                <li>
                    <span class="when">{at}</span>
                    " "
                    {label}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline">{items}</ol> }
}

/// A table in a scrollable region named `label` (reachable by keyboard), with one header row.
#[component]
fn ScrollTable(
    label: String,
    columns: Vec<&'static str>,
    #[prop(default = "tokens")] class: &'static str,
    children: Children,
) -> impl IntoView {
    let head = columns
        .into_iter()
        .map(|column| view! { <th scope="col">{column}</th> })
        .collect_view();
    view! {
        <div class="table-scroll" role="region" aria-label=label tabindex="0">
            <table class=class>
                <thead>
                    <tr>{head}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
