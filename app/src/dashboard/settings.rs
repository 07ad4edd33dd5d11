//! Settings (`/dashboard/settings`): API keys (created and shown once, revoked), allowed origins,
//! connections (requested, accepted, deactivated, reactivated), and the webhooks and workflows
//! with their latest deliveries and runs. Every change is a form post with the session's CSRF
//! token, answered with the page again and a notice.

use leptos::prelude::*;
use leptos::server_fn::ServerFn as _;
use leptos_meta::{Html, Meta, Title};

use super::model::*;
use super::server::DashboardSettingsChange;
use super::text::{self, D, d};
use super::{MemberBar, Nav, ScrollTable};

/// A one-button form that posts a change.
#[component]
fn ChangeButton(
    csrf: String,
    language: Option<String>,
    action: &'static str,
    #[prop(optional)] id: Option<String>,
    #[prop(optional)] value: Option<String>,
    label: &'static str,
    /// The button's accessible name when the visible label alone is ambiguous.
    #[prop(optional)]
    name: Option<String>,
    #[prop(default = "button secondary")] class: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action=DashboardSettingsChange::url() class="inline-form">
            <input type="hidden" name="csrf" value=csrf />
            <input type="hidden" name="action" value=action />
            {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
            {value.map(|v| view! { <input type="hidden" name="value" value=v /> })}
            {language.map(|l| view! { <input type="hidden" name="language" value=l /> })}
            <button type="submit" class=class aria-label=name>{label}</button>
        </form>
    }
}

#[component]
pub fn SettingsDetails(view: SettingsView) -> impl IntoView {
    let lang = view.lang;
    let csrf = view.member.csrf.clone();
    let language = view.language.clone();
    let notice = view.notice.map(|notice| {
        let class = if notice.is_refusal() {
            "error-summary"
        } else {
            "notice"
        };
        view! {
            <p class=class id="settings-notice" tabindex="-1" autofocus=true>
                {text::settings_notice(lang, notice)}
            </p>
        }
    });
    let refusal = view.notice.is_some_and(SettingsNotice::is_refusal);
    let new_key = view.new_key.clone().map(|secret| {
        view! {
            <div class="notice new-key">
                <p><strong>{d(lang, D::NewKeyWarning)}</strong></p>
                <p><code>{secret}</code></p>
            </div>
        }
    });
    let keys = view
        .keys
        .iter()
        .map(|key| {
            let state = match &key.revoked_at {
                Some(at) => format!("{} {at}", d(lang, D::Revoked)),
                None => d(lang, D::Active).to_owned(),
            };
            let revoke = key.revoked_at.is_none().then(|| {
                view! {
                    <ChangeButton
                        csrf=csrf.clone()
                        language=language.clone()
                        action="revoke-key"
                        id=key.id.clone()
                        label=d(lang, D::Revoke)
                        name=format!("{} {}", d(lang, D::Revoke), key.id)
                    />
                }
            });
            view! {
                <tr>
                    <th scope="row"><code>{key.id.clone()}</code></th>
                    <td>{key.created_at.clone()}</td>
                    <td>{state}</td>
                    <td>{revoke}</td>
                </tr>
            }
        })
        .collect_view();
    let origins = if view.origins.is_empty() {
        view! { <p class="muted">{d(lang, D::NoOrigins)}</p> }.into_any()
    } else {
        let items = view
            .origins
            .iter()
            .map(|origin| {
                view! {
                    <li>
                        <code>{origin.clone()}</code>
                        <ChangeButton
                            csrf=csrf.clone()
                            language=language.clone()
                            action="remove-origin"
                            value=origin.clone()
                            label=d(lang, D::Remove)
                            name=format!("{} {origin}", d(lang, D::Remove))
                        />
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="origins">{items}</ul> }.into_any()
    };
    let connections = view
        .connections
        .iter()
        .map(|c| {
            let side = if c.side == "source" { d(lang, D::SideSource) } else { d(lang, D::SideDestination) };
            let status = match c.status.as_str() {
                "active" => d(lang, D::ConnectionStatusActive),
                "inactive" => d(lang, D::ConnectionStatusInactive),
                _ => d(lang, D::Pending),
            };
            let actions = c
                .actions
                .iter()
                .map(|action| {
                    let (code, label) = match action.as_str() {
                        "accept" => ("accept", D::Accept),
                        "reactivate" => ("reactivate", D::Reactivate),
                        _ => ("deactivate", D::Deactivate),
                    };
                    view! {
                        <ChangeButton
                            csrf=csrf.clone()
                            language=language.clone()
                            action=code
                            id=c.id.clone()
                            label=d(lang, label)
                            name=format!("{} {}", d(lang, label), c.partner)
                        />
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{c.partner.clone()} " " <code class="muted">{c.id.clone()}</code></th>
                    <td>{side}</td>
                    <td><span class=format!("token-status token-status-{}", c.status)>{status}</span></td>
                    <td class="row-actions">{actions}</td>
                </tr>
            }
        })
        .collect_view();
    let no_connections = view
        .connections
        .is_empty()
        .then(|| view! { <p class="muted">{d(lang, D::NoConnections)}</p> });
    let webhooks = if view.webhooks.is_empty() {
        view! { <p class="muted">{d(lang, D::NoWebhooks)}</p> }.into_any()
    } else {
        view.webhooks
            .iter()
            .map(|w| {
                let deliveries = w
                    .deliveries
                    .iter()
                    .map(|delivery| {
                        view! {
                            <tr>
                                <td><code>{delivery.event.clone()}</code></td>
                                <td>{delivery.status.clone()}</td>
                                <td>{delivery.attempts}</td>
                                <td>{delivery.status_code.map(|c| c.to_string()).unwrap_or_default()}</td>
                                <td>{delivery.at.clone()}</td>
                                <td>{delivery.error.clone().unwrap_or_default()}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                let status = if w.status == "enabled" { d(lang, D::Enabled) } else { d(lang, D::Disabled) };
                let table_name = format!("{} {}", d(lang, D::RecentDeliveries), w.url);
                view! {
                    <div class="webhook">
                        <h3><code>{w.url.clone()}</code></h3>
                        <p>
                            {status} " · " {d(lang, D::Events)} ": " <code>{w.events.clone()}</code>
                        </p>
                        <ScrollTable label=table_name columns=vec![d(lang, D::Events), d(lang, D::Status), d(lang, D::Attempts), "HTTP", d(lang, D::CreatedAt), d(lang, D::Error)]>{deliveries}</ScrollTable>
                    </div>
                }
            })
            .collect_view()
            .into_any()
    };
    let workflows = if view.workflows.is_empty() {
        view! { <p class="muted">{d(lang, D::NoWorkflows)}</p> }.into_any()
    } else {
        let rows = view
            .workflows
            .iter()
            .map(|w| {
                let status = if w.status == "enabled" {
                    d(lang, D::Enabled)
                } else {
                    d(lang, D::Disabled)
                };
                view! {
                    <tr>
                        <th scope="row">{w.name.clone()}</th>
                        <td><code>{w.trigger.clone()}</code></td>
                        <td>{status}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <ScrollTable label=format!("{} ({})", d(lang, D::Workflows), d(lang, D::TableSuffix)) columns=vec![d(lang, D::Workflow), d(lang, D::Trigger), d(lang, D::Status)]>{rows}</ScrollTable>
        }
        .into_any()
    };
    let runs = if view.runs.is_empty() {
        view! { <p class="muted">{d(lang, D::NoRuns)}</p> }.into_any()
    } else {
        let rows = view
            .runs
            .iter()
            .map(|r| {
                let destination = r.destination.clone().map(|(href, id)| {
                    view! { <a href=href><code>{id}</code></a> }
                });
                view! {
                    <tr>
                        <th scope="row"><code>{r.id.clone()}</code></th>
                        <td>{r.workflow.clone()}</td>
                        <td>{r.status.clone()}</td>
                        <td>{destination}</td>
                        <td>{r.error.clone().unwrap_or_default()}</td>
                        <td>{r.at.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <ScrollTable label=d(lang, D::RecentRuns).to_owned() columns=vec![d(lang, D::Run), d(lang, D::Workflow), d(lang, D::Status), d(lang, D::Destination), d(lang, D::Error), d(lang, D::CreatedAt)]>{rows}</ScrollTable>
        }
        .into_any()
    };
    view! {
        <Html {..} lang=lang.tag() />
        <Title text=d(lang, D::Title) />
        <Meta name="robots" content="noindex" />
        <MemberBar lang member=view.member.clone() language=view.language.clone() current=Nav::Settings />
        <main class="page dashboard" id="main">
            <h1 id="screen-heading" tabindex="-1" autofocus=view.notice.is_none()>
                {d(lang, D::Settings)}
            </h1>
            <div role=if refusal { "alert" } else { "status" }>{notice}</div>
            <section aria-labelledby="keys-heading" class="panel">
                <h2 id="keys-heading">{d(lang, D::ApiKeys)}</h2>
                <p class="hint">{d(lang, D::ApiKeysIntro)}</p>
                {new_key}
                <ScrollTable label=format!("{} ({})", d(lang, D::ApiKeys), d(lang, D::TableSuffix)) columns=vec![d(lang, D::KeyId), d(lang, D::CreatedAt), d(lang, D::KeyStatus), d(lang, D::Actions)]>{keys}</ScrollTable>
                <ChangeButton csrf=csrf.clone() language=language.clone() action="create-key" label=d(lang, D::CreateKey) class="button primary" />
            </section>
            <section aria-labelledby="origins-heading" class="panel">
                <h2 id="origins-heading">{d(lang, D::AllowedOrigins)}</h2>
                <p class="hint">{d(lang, D::AllowedOriginsIntro)}</p>
                {origins}
                <form method="post" action=DashboardSettingsChange::url() class="add-form">
                    <input type="hidden" name="csrf" value=csrf.clone() />
                    <input type="hidden" name="action" value="add-origin" />
                    {language.clone().map(|l| view! { <input type="hidden" name="language" value=l /> })}
                    <div class="field">
                        <label for="origin">{d(lang, D::Origin)}</label>
                        <input id="origin" name="value" type="text" inputmode="url" autocomplete="off" aria-describedby="origin-hint" placeholder="https://shop.example" />
                        <p class="hint" id="origin-hint">{d(lang, D::OriginHint)}</p>
                    </div>
                    <button type="submit" class="button secondary">{d(lang, D::AddOrigin)}</button>
                </form>
            </section>
            <section aria-labelledby="connections-heading" class="panel">
                <h2 id="connections-heading">{d(lang, D::Connections)}</h2>
                <p class="hint">{d(lang, D::ConnectionsIntro)}</p>
                <p>
                    {d(lang, D::YourOrganizationId)} ": " <code>{view.organization_id.clone()}</code>
                </p>
                {no_connections}
                {(!view.connections.is_empty())
                    .then(|| {
                        view! {
                            <ScrollTable
                                label=format!("{} ({})", d(lang, D::Connections), d(lang, D::TableSuffix))
                                columns=vec![d(lang, D::Partner), d(lang, D::OurSide), d(lang, D::Status), d(lang, D::Actions)]
                            >
                                {connections}
                            </ScrollTable>
                        }
                    })}
                <form method="post" action=DashboardSettingsChange::url() class="add-form">
                    <input type="hidden" name="csrf" value=csrf.clone() />
                    <input type="hidden" name="action" value="request-connection" />
                    {language.clone().map(|l| view! { <input type="hidden" name="language" value=l /> })}
                    <div class="field">
                        <label for="partner">{d(lang, D::PartnerOrganizationId)}</label>
                        <input id="partner" name="value" autocomplete="off" spellcheck="false" aria-describedby="partner-hint" />
                        <p class="hint" id="partner-hint">{d(lang, D::PartnerOrganizationHint)}</p>
                    </div>
                    <button type="submit" class="button secondary">{d(lang, D::RequestConnection)}</button>
                </form>
            </section>
            <section aria-labelledby="webhooks-heading" class="panel">
                <h2 id="webhooks-heading">{d(lang, D::Webhooks)}</h2>
                <p class="hint">{d(lang, D::WebhooksIntro)}</p>
                {webhooks}
            </section>
            <section aria-labelledby="workflows-heading" class="panel">
                <h2 id="workflows-heading">{d(lang, D::Workflows)}</h2>
                {workflows}
                <h3>{d(lang, D::RecentRuns)}</h3>
                {runs}
            </section>
        </main>
    }
}
