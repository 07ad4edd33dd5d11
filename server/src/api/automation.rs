//! Webhooks, their deliveries, workflows and workflow runs (CONTRACT.md §6): JSON:API bodies into
//! the engine's commands, the engine's refusals into codes and pointers, records into documents.

use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use engine::objects::ObjectKind;
use engine::render::{relation, time};
use engine::webhooks::{
    self, CreateWebhook, Delivery, DeliveryStatus, RedeliverError, UpdateWebhook, Webhook,
    WebhookError, WebhookSecret, WebhookStatus,
};
use engine::workflows::{
    self, CreateWorkflow, Run, RunFilter, RunStatus, Step, Workflow, WorkflowError, WorkflowStatus,
};
use engine::{Engine, Problem};
use serde_json::{Value, json};

use super::auth::Caller;
use super::body::JsonApiBody;
use super::catalog::{Catalog, Doc, Param, param};
use super::commands::{field_mappings_at, mapping_refusal_problems};
use super::document::{Query, document, list};
use super::error::ApiError;
use super::resources::LIST;

type ApiResult = Result<Response, ApiError>;

const BASE: &str = "/api/v1";
const URL: &str = "/data/attributes/url";
const EVENTS: &str = "/data/attributes/enabled-events";
const OVERLAP: &str = "/data/attributes/overlap-seconds";
const NAME: &str = "/data/attributes/name";
const TRIGGER: &str = "/data/attributes/trigger/event";
const STEPS: &str = "/data/attributes/steps";

const WEBHOOK_ATTRIBUTES: &[Param] = &[
    param(
        "url",
        "string",
        true,
        "http(s) URL that receives a POST per event; loopback and private addresses are refused unless the server allows them",
    ),
    param(
        "enabled-events",
        "array",
        true,
        "event names (see GET /events), or [\"*\"] for every event",
    ),
];
const WEBHOOK_UPDATE: &[Param] = &[
    param("url", "string", false, "a new URL"),
    param(
        "enabled-events",
        "array",
        false,
        "a new list of event names, or [\"*\"]",
    ),
];
const ROTATE_ATTRIBUTES: &[Param] = &[param(
    "overlap-seconds",
    "integer",
    false,
    "how long the previous secret keeps signing too (0 to 604800, default 86400)",
)];
const DELIVERY_QUERY: &[Param] = &[
    param("page[size]", "integer", false, "1 to 100 items, default 10"),
    param(
        "page[after]",
        "string",
        false,
        "the id of the last item of the previous page",
    ),
    param(
        "filter[status]",
        "string",
        false,
        "pending, sending, succeeded or failed",
    ),
];
const WORKFLOW_ATTRIBUTES: &[Param] = &[
    param("name", "string", true, "1 to 200 characters"),
    param(
        "trigger",
        "object",
        true,
        "{\"event\": \"connect/share-token.inbound-created\"} or any other event name",
    ),
    param(
        "steps",
        "array",
        true,
        "[{\"action\":\"redeem-share-token\",\"destination-type\":\"inquiry|transaction|account\",\"inquiry-template-id|transaction-type-id|account-type-id\":\"…\",\"field-mappings\":[…]}]",
    ),
];
const RUN_QUERY: &[Param] = &[
    param("page[size]", "integer", false, "1 to 100 items, default 10"),
    param(
        "page[after]",
        "string",
        false,
        "the id of the last item of the previous page",
    ),
    param(
        "filter[workflow-id]",
        "string",
        false,
        "only this workflow's runs",
    ),
    param(
        "filter[status]",
        "string",
        false,
        "running, succeeded or failed",
    ),
];
const INVALID: (u16, &str) = (422, "invalid input, with a pointer");
const NOT_FOUND: (u16, &str) = (404, "not-found");

const fn doc(tag: &'static str, summary: &'static str, status: u16) -> Doc {
    Doc::new(tag, summary, status)
}

/// The webhook and workflow routes, added to the API's catalog.
pub fn routes(catalog: Catalog) -> Catalog {
    const W: &str = "Webhooks";
    const F: &str = "Workflows";
    catalog
        .post("/webhooks", create_webhook, Doc { attributes: WEBHOOK_ATTRIBUTES, errors: &[INVALID], ..doc(W, "Create a webhook; the response's `secret` is shown only this once", 201) })
        .get("/webhooks", list_webhooks, Doc { query: LIST, ..doc(W, "List your webhooks", 200) })
        .get("/webhooks/{id}", get_webhook, Doc { errors: &[NOT_FOUND], ..doc(W, "Read a webhook", 200) })
        .patch("/webhooks/{id}", update_webhook, Doc { attributes: WEBHOOK_UPDATE, errors: &[INVALID, NOT_FOUND], ..doc(W, "Change a webhook's URL or events", 200) })
        .delete("/webhooks/{id}", delete_webhook, Doc { errors: &[NOT_FOUND], ..doc(W, "Delete a webhook and its deliveries", 204) })
        .post("/webhooks/{id}/enable", enable_webhook, Doc { errors: &[NOT_FOUND], ..doc(W, "Enable a webhook", 200) })
        .post("/webhooks/{id}/disable", disable_webhook, Doc { errors: &[NOT_FOUND], ..doc(W, "Disable a webhook: no new deliveries; queued ones end failed", 200) })
        .post("/webhooks/{id}/rotate-secret", rotate_secret, Doc { attributes: ROTATE_ATTRIBUTES, errors: &[INVALID, NOT_FOUND], ..doc(W, "Give the webhook a new secret (shown once); the previous one keeps signing during the overlap", 200) })
        .get("/webhooks/{id}/deliveries", list_deliveries, Doc { query: DELIVERY_QUERY, errors: &[NOT_FOUND], ..doc(W, "The webhook's deliveries: event, attempt, status code, time, error", 200) })
        .post("/webhooks/{id}/deliveries/{delivery_id}/redeliver", redeliver, Doc { errors: &[NOT_FOUND, (409, "delivery-in-progress, webhook-disabled")], ..doc(W, "Send a succeeded or failed delivery again, with fresh attempts", 200) })
        .post("/workflows", create_workflow, Doc { attributes: WORKFLOW_ATTRIBUTES, errors: &[INVALID], ..doc(F, "Create a workflow (enabled)", 201) })
        .get("/workflows", list_workflows, Doc { query: LIST, ..doc(F, "List your workflows", 200) })
        .get("/workflows/{id}", get_workflow, Doc { errors: &[NOT_FOUND], ..doc(F, "Read a workflow", 200) })
        .post("/workflows/{id}/enable", enable_workflow, Doc { errors: &[NOT_FOUND], ..doc(F, "Enable a workflow", 200) })
        .post("/workflows/{id}/disable", disable_workflow, Doc { errors: &[NOT_FOUND], ..doc(F, "Disable a workflow: its trigger starts no runs", 200) })
        .get("/workflow-runs", list_runs, Doc { query: RUN_QUERY, errors: &[INVALID], ..doc(F, "Workflow runs: status, steps, the objects created, the error", 200) })
        .get("/workflow-runs/{id}", get_run, Doc { errors: &[NOT_FOUND], ..doc(F, "Read a workflow run", 200) })
}

// Webhooks.

fn render_webhook(webhook: &Webhook, secret: Option<&WebhookSecret>) -> Value {
    let mut data = json!({
        "type": "webhook",
        "id": webhook.id,
        "attributes": {
            "url": webhook.url,
            "enabled-events": webhook.enabled_events,
            "status": webhook.status.as_str(),
            "previous-secret-expires-at": time(webhook.previous_secret_expires_at),
            "created-at": webhook.created_at.to_rfc3339(),
            "updated-at": webhook.updated_at.to_rfc3339(),
        },
    });
    if let Some(secret) = secret {
        data["attributes"]["secret"] = json!(secret.expose_secret());
    }
    data
}

fn webhook_error(err: WebhookError) -> ApiError {
    let detail = err.to_string();
    match err {
        WebhookError::NotFound => Problem::not_found("the webhook").into(),
        WebhookError::Url(_) | WebhookError::UrlTooLong => {
            Problem::invalid("invalid-url", detail, URL).into()
        }
        WebhookError::NoEvents => Problem::invalid("invalid-enabled-events", detail, EVENTS).into(),
        WebhookError::UnknownEvent(index) => Problem::invalid(
            "invalid-enabled-events",
            detail,
            format!("{EVENTS}/{index}"),
        )
        .into(),
        WebhookError::Internal(err) => err.into(),
    }
}

/// `url` as given (checked by the engine), when present.
fn url_attribute(body: &JsonApiBody) -> Result<Option<String>, ApiError> {
    Ok(body.str_attribute("url")?.map(str::to_owned))
}

/// `enabled-events` as a list of strings, when present.
fn events_attribute(body: &JsonApiBody) -> Result<Option<Vec<String>>, ApiError> {
    let Some(value) = body.attribute("enabled-events") else {
        return Ok(None);
    };
    let refused = || {
        Problem::invalid(
            "invalid-enabled-events",
            "`enabled-events` is a list of event names",
            EVENTS,
        )
    };
    let items = value.as_array().ok_or_else(refused)?;
    items
        .iter()
        .map(|item| item.as_str().map(str::to_owned).ok_or_else(refused))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
        .map_err(ApiError::from)
}

async fn create_webhook(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    let url = url_attribute(&body)?
        .ok_or_else(|| Problem::invalid("missing-attribute", "`url` is required", URL))?;
    let enabled_events = events_attribute(&body)?.ok_or_else(|| {
        Problem::invalid("missing-attribute", "`enabled-events` is required", EVENTS)
    })?;
    let (webhook, secret) = webhooks::create(
        &engine,
        &caller.0,
        CreateWebhook {
            url,
            enabled_events,
        },
    )
    .await
    .map_err(webhook_error)?;
    Ok(document(
        StatusCode::CREATED,
        render_webhook(&webhook, Some(&secret)),
        None,
    ))
}

async fn list_webhooks(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let query = Query::parse(q.as_deref());
    let page = webhooks::list(&engine, &caller.0, &query.page()?).await?;
    Ok(list(
        &format!("{BASE}/webhooks"),
        &query,
        page.map(|w| render_webhook(&w, None)),
    ))
}

async fn get_webhook(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let webhook = webhooks::get(&engine, &caller.0, &id)
        .await
        .map_err(webhook_error)?;
    Ok(document(
        StatusCode::OK,
        render_webhook(&webhook, None),
        None,
    ))
}

async fn update_webhook(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
    body: JsonApiBody,
) -> ApiResult {
    let command = UpdateWebhook {
        url: url_attribute(&body)?,
        enabled_events: events_attribute(&body)?,
    };
    let webhook = webhooks::update(&engine, &caller.0, &id, command)
        .await
        .map_err(webhook_error)?;
    Ok(document(
        StatusCode::OK,
        render_webhook(&webhook, None),
        None,
    ))
}

async fn delete_webhook(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    webhooks::delete(&engine, &caller.0, &id)
        .await
        .map_err(webhook_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn enable_webhook(engine: State<Engine>, caller: Caller, id: Path<String>) -> ApiResult {
    set_webhook_status(engine, caller, id, WebhookStatus::Enabled).await
}

async fn disable_webhook(engine: State<Engine>, caller: Caller, id: Path<String>) -> ApiResult {
    set_webhook_status(engine, caller, id, WebhookStatus::Disabled).await
}

async fn set_webhook_status(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
    status: WebhookStatus,
) -> ApiResult {
    let webhook = webhooks::set_status(&engine, &caller.0, &id, status)
        .await
        .map_err(webhook_error)?;
    Ok(document(
        StatusCode::OK,
        render_webhook(&webhook, None),
        None,
    ))
}

async fn rotate_secret(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
    body: JsonApiBody,
) -> ApiResult {
    let overlap = match body.attribute("overlap-seconds") {
        None => webhooks::DEFAULT_ROTATION_OVERLAP,
        Some(value) => value
            .as_u64()
            .filter(|s| *s <= webhooks::MAX_ROTATION_OVERLAP_SECS)
            .map(Duration::from_secs)
            .ok_or_else(|| {
                Problem::invalid(
                    "invalid-overlap-seconds",
                    format!(
                        "`overlap-seconds` is a whole number from 0 to {}",
                        webhooks::MAX_ROTATION_OVERLAP_SECS
                    ),
                    OVERLAP,
                )
            })?,
    };
    let (webhook, secret) = webhooks::rotate_secret(&engine, &caller.0, &id, overlap)
        .await
        .map_err(webhook_error)?;
    Ok(document(
        StatusCode::OK,
        render_webhook(&webhook, Some(&secret)),
        None,
    ))
}

fn render_delivery(delivery: &Delivery) -> Value {
    json!({
        "type": "webhook-delivery",
        "id": delivery.id,
        "attributes": {
            "event-name": delivery.event_name,
            "status": delivery.status.as_str(),
            "attempt": delivery.attempts,
            "status-code": delivery.last_status_code,
            "error": delivery.last_error,
            "attempted-at": time(delivery.last_attempt_at),
            "next-attempt-at": time(delivery.next_attempt_at),
            "delivered-at": time(delivery.delivered_at),
            "created-at": delivery.created_at.to_rfc3339(),
        },
        "relationships": {
            "webhook": relation("webhook", delivery.webhook_id.as_str()),
            "event": relation("event", delivery.event_id.as_str()),
        },
    })
}

async fn list_deliveries(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let query = Query::parse(q.as_deref());
    let status = match query.get("filter[status]") {
        None => None,
        Some(text) => Some(DeliveryStatus::parse(text).ok_or_else(|| {
            Problem::invalid_here(
                "invalid-filter",
                "filter[status] is pending, sending, succeeded or failed",
            )
        })?),
    };
    let page = webhooks::deliveries(&engine, &caller.0, &id, status, &query.page()?)
        .await
        .map_err(webhook_error)?;
    Ok(list(
        &format!("{BASE}/webhooks/{id}/deliveries"),
        &query,
        page.map(|d| render_delivery(&d)),
    ))
}

async fn redeliver(
    State(engine): State<Engine>,
    caller: Caller,
    Path((id, delivery_id)): Path<(String, String)>,
) -> ApiResult {
    let delivery = webhooks::redeliver(&engine, &caller.0, &id, &delivery_id)
        .await
        .map_err(|err| {
            let detail = err.to_string();
            match err {
                RedeliverError::NotFound => Problem::not_found("the delivery").into(),
                RedeliverError::InProgress => {
                    Problem::conflict("delivery-in-progress", detail).into()
                }
                RedeliverError::WebhookDisabled => {
                    Problem::conflict("webhook-disabled", detail).into()
                }
                RedeliverError::Internal(err) => ApiError::from(err),
            }
        })?;
    Ok(document(StatusCode::OK, render_delivery(&delivery), None))
}

// Workflows.

fn render_step(step: &Step, status: &str) -> Value {
    workflows::render_step(step, status)
}

fn render_workflow(workflow: &Workflow) -> Value {
    json!({
        "type": "workflow",
        "id": workflow.id,
        "attributes": {
            "name": workflow.name,
            "status": workflow.status.as_str(),
            "trigger": { "event": workflow.trigger_event },
            "steps": workflow.steps.iter().map(|s| render_step(s, "configured")).collect::<Vec<_>>(),
            "created-at": workflow.created_at.to_rfc3339(),
            "updated-at": workflow.updated_at.to_rfc3339(),
        },
    })
}

fn render_run(run: &Run) -> Value {
    let mut relationships = json!({
        "workflow": relation("workflow", run.workflow_id.as_str()),
        "event": relation("event", run.event_id.as_str()),
    });
    if let Some(token) = &run.share_token_id {
        relationships["share-token"] = relation("share-token", token.as_str());
    }
    let mut created = Vec::new();
    if let Some(destination) = &run.destination_id
        && let Some(kind) = ObjectKind::of_id(destination)
    {
        relationships["destination"] = relation(kind.type_name(), destination);
        created.push(json!({ "type": kind.type_name(), "id": destination }));
    }
    relationships["created-objects"] = json!({ "data": created });
    json!({
        "type": "workflow-run",
        "id": run.id,
        "attributes": {
            "status": run.status.as_str(),
            "steps": run.steps.iter().map(|s| render_step(s, run.status.as_str())).collect::<Vec<_>>(),
            "error": run.error,
            "created-at": run.created_at.to_rfc3339(),
            "updated-at": run.updated_at.to_rfc3339(),
            "finished-at": time(run.finished_at),
        },
        "relationships": relationships,
    })
}

/// `steps` of a create body, each checked for its shape (the engine checks them against the
/// organization's schemas).
fn steps_attribute(body: &JsonApiBody) -> Result<Vec<Step>, ApiError> {
    let items = match body.attribute("steps") {
        None => {
            return Err(Problem::invalid("missing-attribute", "`steps` is required", STEPS).into());
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(Problem::invalid("invalid-steps", "`steps` is a list", STEPS).into());
        }
    };
    let mut steps = Vec::new();
    let mut problems = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let at = format!("{STEPS}/{index}");
        match item.get("action").and_then(Value::as_str) {
            Some("redeem-share-token") => {}
            _ => {
                problems.push(Problem::invalid(
                    "invalid-step",
                    "`action` is redeem-share-token",
                    format!("{at}/action"),
                ));
                continue;
            }
        }
        let kind = item
            .get("destination-type")
            .and_then(Value::as_str)
            .and_then(ObjectKind::parse);
        let Some(kind) = kind else {
            problems.push(Problem::invalid(
                "invalid-step",
                "`destination-type` is inquiry, transaction or account",
                format!("{at}/destination-type"),
            ));
            continue;
        };
        let attribute = kind.schema_attribute();
        let Some(schema_id) = item.get(attribute).and_then(Value::as_str) else {
            problems.push(Problem::invalid(
                "invalid-step",
                format!(
                    "`{attribute}` is required for a {} destination",
                    kind.as_str()
                ),
                format!("{at}/{attribute}"),
            ));
            continue;
        };
        match field_mappings_at(item.get("field-mappings"), &format!("{at}/field-mappings")) {
            Ok(field_mappings) => steps.push(Step::RedeemShareToken {
                destination_kind: kind,
                schema_id: schema_id.to_owned(),
                field_mappings,
            }),
            Err(refused) => problems.extend(refused),
        }
    }
    if problems.is_empty() {
        Ok(steps)
    } else {
        Err(ApiError::Problems(problems))
    }
}

fn workflow_error(err: WorkflowError) -> ApiError {
    let detail = err.to_string();
    match err {
        WorkflowError::NotFound => Problem::not_found("the workflow").into(),
        WorkflowError::InvalidName => Problem::invalid("invalid-name", detail, NAME).into(),
        WorkflowError::UnknownTrigger => {
            Problem::invalid("invalid-trigger", detail, TRIGGER).into()
        }
        WorkflowError::TooManySteps => Problem::invalid("invalid-steps", detail, STEPS).into(),
        WorkflowError::StepNeedsShareToken(index) | WorkflowError::SecondRedeem(index) => {
            Problem::invalid("invalid-step", detail, format!("{STEPS}/{index}/action")).into()
        }
        WorkflowError::SchemaNotFound(index) => Problem {
            pointer: Some(format!("{STEPS}/{index}")),
            ..Problem::not_found("the step's inquiry template, transaction type or account type")
        }
        .into(),
        WorkflowError::Mappings { index, refusals } => ApiError::Problems(
            mapping_refusal_problems(refusals, &format!("{STEPS}/{index}/field-mappings")),
        ),
        WorkflowError::Internal(err) => err.into(),
    }
}

async fn create_workflow(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    let name = body
        .str_attribute("name")?
        .ok_or_else(|| Problem::invalid("missing-attribute", "`name` is required", NAME))?
        .to_owned();
    let trigger_event = body
        .attribute("trigger")
        .and_then(|t| t.get("event"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Problem::invalid(
                "missing-attribute",
                "`trigger` is {\"event\": \"<event name>\"}",
                TRIGGER,
            )
        })?
        .to_owned();
    let steps = steps_attribute(&body)?;
    let workflow = workflows::create(
        &engine,
        &caller.0,
        CreateWorkflow {
            name,
            trigger_event,
            steps,
        },
    )
    .await
    .map_err(workflow_error)?;
    Ok(document(
        StatusCode::CREATED,
        render_workflow(&workflow),
        None,
    ))
}

async fn list_workflows(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let query = Query::parse(q.as_deref());
    let page = workflows::list(&engine, &caller.0, &query.page()?).await?;
    Ok(list(
        &format!("{BASE}/workflows"),
        &query,
        page.map(|w| render_workflow(&w)),
    ))
}

async fn get_workflow(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let workflow = workflows::get(&engine, &caller.0, &id)
        .await
        .map_err(workflow_error)?;
    Ok(document(StatusCode::OK, render_workflow(&workflow), None))
}

async fn enable_workflow(engine: State<Engine>, caller: Caller, id: Path<String>) -> ApiResult {
    set_workflow_status(engine, caller, id, WorkflowStatus::Enabled).await
}

async fn disable_workflow(engine: State<Engine>, caller: Caller, id: Path<String>) -> ApiResult {
    set_workflow_status(engine, caller, id, WorkflowStatus::Disabled).await
}

async fn set_workflow_status(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
    status: WorkflowStatus,
) -> ApiResult {
    let workflow = workflows::set_status(&engine, &caller.0, &id, status)
        .await
        .map_err(workflow_error)?;
    Ok(document(StatusCode::OK, render_workflow(&workflow), None))
}

async fn list_runs(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let query = Query::parse(q.as_deref());
    let status = match query.get("filter[status]") {
        None => None,
        Some(text) => Some(RunStatus::parse(text).ok_or_else(|| {
            Problem::invalid_here(
                "invalid-filter",
                "filter[status] is running, succeeded or failed",
            )
        })?),
    };
    let filter = RunFilter {
        workflow_id: query.get("filter[workflow-id]").map(str::to_owned),
        status,
    };
    let page = workflows::list_runs(&engine, &caller.0, &filter, &query.page()?).await?;
    Ok(list(
        &format!("{BASE}/workflow-runs"),
        &query,
        page.map(|r| render_run(&r)),
    ))
}

async fn get_run(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let run = workflows::get_run(&engine, &caller.0, &id)
        .await?
        .ok_or_else(|| Problem::not_found("the workflow run"))?;
    Ok(document(StatusCode::OK, render_run(&run), None))
}
