//! The Redeem Share Token dialog (CONTRACT.md §8), open over Connect › Share Tokens.
//!
//! It is a page state, not a script: every button posts the one form to `dashboard-redeem`, which
//! answers with a redirect to the list with the dialog as it now stands (a row added, the other
//! tab, a preview, a refusal, the redemption's outcome). It works without JavaScript; the page
//! behind is `inert`, so keyboard focus stays in the dialog, and focus starts where the last action
//! left it. The one island closes the dialog on Escape.

use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;

use super::Paths;
use super::model::*;
use super::server::DashboardRedeem;
use super::text::{self, D, d};
use crate::i18n::Lang;

/// The dialog, with the member's form token and the page's `language` parameter.
#[component]
pub fn RedeemDialogView(
    lang: Lang,
    dialog: RedeemDialog,
    csrf: String,
    language: Option<String>,
) -> impl IntoView {
    let problem = dialog.problem.map(|problem| {
        view! {
            <p class="error-summary" id="redeem-problem-text">
                <strong>{d(lang, D::RedeemProblemHeading)}</strong>
                " "
                {text::redeem_problem(lang, problem)}
            </p>
        }
    });
    let focus_problem = dialog.focus == RedeemFocus::Problem && dialog.problem.is_some();
    let body = match dialog.redeemed.clone() {
        Some(redeemed) => {
            view! { <RedeemOutcome lang redeemed close=dialog.close.clone() /> }.into_any()
        }
        None => view! { <RedeemForm lang dialog=dialog.clone() csrf language /> }.into_any(),
    };
    view! {
        <div class="dialog-backdrop">
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="redeem-heading"
                id="redeem-dialog"
            >
                <div class="dialog-head">
                    <h2
                        id="redeem-heading"
                        tabindex="-1"
                        autofocus=dialog.focus == RedeemFocus::Heading && dialog.redeemed.is_none()
                    >
                        {d(lang, D::RedeemShareToken)}
                    </h2>
                    <a class="button secondary dialog-close" href=dialog.close.clone()>
                        {d(lang, D::Close)}
                    </a>
                </div>
                <div role="alert" id="redeem-problem" tabindex="-1" autofocus=focus_problem>
                    {problem}
                </div>
                {body}
                <CloseOnEscape close=dialog.close.clone() />
            </div>
        </div>
        // The dialog's island is the only browser code of the dashboard.
        <crate::IslandScripts />
    }
}

/// Where a redemption the dialog started stands: running, done (with the destination's link) or
/// failed.
#[component]
fn RedeemOutcome(lang: Lang, redeemed: RedeemedView, close: String) -> impl IntoView {
    let (message, link) = match redeemed.status.as_str() {
        "pending" => (d(lang, D::RedeemingNow), None),
        "redeemed" => (
            d(lang, D::RedeemedDone),
            redeemed.destination.clone().map(|(href, id)| {
                view! {
                    <p>
                        <a href=href autofocus=true class="button primary">
                            {text::open_destination(lang, &redeemed.kind, &id)}
                        </a>
                    </p>
                }
            }),
        ),
        _ => (d(lang, D::RedeemFailedText), None),
    };
    let failure = redeemed.failure_code.clone().map(|code| {
        view! {
            <p>
                {text::failure(lang, &code)}
                " "
                <code>{code.clone()}</code>
            </p>
        }
    });
    let waiting = redeemed.status == "pending";
    view! {
        <div class="redeem-outcome" role="status" tabindex="-1" autofocus=link.is_none()>
            <p class=if waiting { "notice busy" } else { "notice" }>
                {message}
                " "
                <code>{redeemed.token.clone()}</code>
            </p>
            {failure}
        </div>
        {link}
        <p>
            <a href=close>{d(lang, D::BackToList)}</a>
        </p>
    }
}

/// The form: token, destination, mappings, preview.
#[component]
fn RedeemForm(
    lang: Lang,
    dialog: RedeemDialog,
    csrf: String,
    language: Option<String>,
) -> impl IntoView {
    let token_problem = dialog.problem.is_some_and(RedeemProblem::is_token);
    let on_mappings = dialog.tab == RedeemTab::Mappings;
    let kind = dialog.kind.clone();
    let kind_options = DESTINATION_KINDS
        .into_iter()
        .map(|code| {
            view! {
                <option value=code selected=kind == code>
                    {text::source_type(lang, code)}
                </option>
            }
        })
        .collect_view();
    let schema_selects = DESTINATION_KINDS
        .into_iter()
        .enumerate()
        .map(|(i, code)| {
            let label = match code {
                "transaction" => D::TransactionType,
                "account" => D::AccountType,
                _ => D::InquiryTemplate,
            };
            let chosen = dialog.chosen[i].clone();
            let options = dialog
                .schemas
                .iter()
                .filter(|s| s.kind == code)
                .map(|s| {
                    view! {
                        <option value=s.id.clone() selected=chosen.as_deref() == Some(s.id.as_str())>
                            {format!("{} ({})", s.name, s.id)}
                        </option>
                    }
                })
                .collect_view();
            let none = chosen
                .is_none()
                .then(|| view! { <p class="hint">{d(lang, D::NoSchemas)}</p> });
            let id = format!("redeem-schema-{code}");
            view! {
                <div class=format!("field schema-choice schema-{code}")>
                    <label for=id.clone()>{d(lang, label)}</label>
                    <select id=id name=format!("schema[{code}]")>{options}</select>
                    {none}
                </div>
            }
        })
        .collect_view();
    let rows = dialog
        .mappings
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let refused = dialog.problem_row == Some(i);
            let focus = dialog.focus == RedeemFocus::Row(i);
            view! {
                <li>
                    <fieldset class="mapping">
                        <legend>{format!("{} {}", d(lang, D::MappingRowLabel), i + 1)}</legend>
                        <div class="field">
                            <label for=format!("source-{i}")>{d(lang, D::SourceField)}</label>
                            <input
                                id=format!("source-{i}")
                                name=format!("mapping[{i}][source]")
                                value=row.source.clone()
                                list="redeem-source-fields"
                                autocomplete="off"
                                autofocus=focus
                                aria-invalid=refused.then_some("true")
                                aria-describedby=refused.then_some("redeem-problem-text")
                            />
                        </div>
                        <div class="field">
                            <label for=format!("destination-{i}")>
                                {d(lang, D::DestinationField)}
                            </label>
                            <input
                                id=format!("destination-{i}")
                                name=format!("mapping[{i}][destination]")
                                value=row.destination.clone()
                                list="redeem-destination-fields"
                                autocomplete="off"
                                aria-invalid=refused.then_some("true")
                                aria-describedby=refused.then_some("redeem-problem-text")
                            />
                        </div>
                    </fieldset>
                </li>
            }
        })
        .collect_view();
    let no_rows = dialog
        .mappings
        .is_empty()
        .then(|| view! { <p class="muted">{d(lang, D::NoMappings)}</p> });
    let kind_index = DESTINATION_KINDS
        .iter()
        .position(|k| *k == dialog.kind)
        .unwrap_or(0);
    let source_options = dialog
        .source_fields
        .iter()
        .map(|key| view! { <option value=key.clone()></option> })
        .collect_view();
    let destination_options = dialog.destination_fields[kind_index]
        .iter()
        .map(|key| view! { <option value=key.clone()></option> })
        .collect_view();
    let preview = dialog.preview.clone().map(|preview| {
        view! {
            <section
                class="panel preview"
                aria-labelledby="preview-heading"
                tabindex="-1"
                autofocus=dialog.focus == RedeemFocus::Preview
            >
                <h3 id="preview-heading">{d(lang, D::PreviewHeading)}</h3>
                <Paths level=4 lang heading=D::ByName paths=preview.by_name />
                <Paths level=4 lang heading=D::ByMapping paths=preview.by_mapping />
                <Paths level=4 lang heading=D::Unset paths=preview.unset />
                <Paths level=4 lang heading=D::NotConverted paths=preview.rejected />
                <Paths level=4 lang heading=D::MappingsNotUsed paths=preview.ignored />
                {(dialog.kind == "inquiry")
                    .then(|| {
                        view! {
                            <Paths level=4 lang heading=D::WouldStayMissing paths=preview.missing />
                        }
                    })}
            </section>
        }
    });
    let tab =
        |value: &'static str, id: &'static str, panel: &'static str, label: D, selected: bool| {
            view! {
                <button
                    type="submit"
                    name="intent"
                    value=value
                    role="tab"
                    id=id
                    aria-controls=panel
                    aria-selected=selected.to_string()
                        autofocus=selected && dialog.focus == RedeemFocus::Tab
                    class="tab"
                >
                    {d(lang, label)}
                </button>
            }
        };
    view! {
        <form method="post" action=DashboardRedeem::url() class="redeem-form">
            // Pressing Enter in a field previews (the form's first submit button decides).
            <button type="submit" name="intent" value="preview" hidden=true tabindex="-1"></button>
            <input type="hidden" name="csrf" value=csrf />
            {language.map(|l| view! { <input type="hidden" name="language" value=l /> })}
            <div class="field">
                <label for="redeem-token">{d(lang, D::ShareTokenField)}</label>
                <input
                    id="redeem-token"
                    name="token"
                    value=dialog.token.clone()
                    autocomplete="off"
                    spellcheck="false"
                    aria-describedby=if token_problem {
                        "redeem-token-hint redeem-problem-text"
                    } else {
                        "redeem-token-hint"
                    }
                    aria-invalid=token_problem.then_some("true")
                />
                <p class="hint" id="redeem-token-hint">{d(lang, D::ShareTokenHint)}</p>
            </div>
            <div role="tablist" class="tabs" aria-label=d(lang, D::RedeemSections)>
                {tab("tab-destination", "tab-destination", "panel-destination", D::TabDestination, !on_mappings)}
                {tab("tab-mappings", "tab-mappings", "panel-mappings", D::TabMappings, on_mappings)}
            </div>
            <div role="tabpanel" id="panel-destination" aria-labelledby="tab-destination" hidden=on_mappings class="tabpanel">
                <div class="field">
                    <label for="redeem-kind">{d(lang, D::DestinationType)}</label>
                    <select id="redeem-kind" name="kind">{kind_options}</select>
                </div>
                {schema_selects}
            </div>
            <div role="tabpanel" id="panel-mappings" aria-labelledby="tab-mappings" hidden=!on_mappings class="tabpanel">
                <p class="hint">{d(lang, D::MappingsIntro)}</p>
                {no_rows}
                <ol class="mappings">{rows}</ol>
                <button type="submit" name="intent" value="add-mapping" class="button secondary">
                    {d(lang, D::AddMapping)}
                </button>
            </div>
            <datalist id="redeem-source-fields">{source_options}</datalist>
            <datalist id="redeem-destination-fields">{destination_options}</datalist>
            {preview}
            <div class="actions">
                <button type="submit" name="intent" value="preview" class="button secondary">
                    {d(lang, D::Preview)}
                </button>
                <button type="submit" name="intent" value="redeem" class="button primary">
                    {d(lang, D::RedeemShareToken)}
                </button>
            </div>
        </form>
    }
}

/// Escape closes the dialog (goes to the list without it).
#[island]
fn CloseOnEscape(close: String) -> impl IntoView {
    // Effects run only in the browser.
    Effect::new(move |_| {
        let close = close.clone();
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" && !ev.default_prevented() {
                _ = window().location().set_href(&close);
            }
        });
        // The page leaves with the dialog: the listener lives as long as it.
        std::mem::forget(handle);
    });
}
