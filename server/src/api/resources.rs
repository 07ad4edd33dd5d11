//! The API's handlers: each translates between HTTP and one engine call.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use engine::connections::{self, ConnectionAction};
use engine::objects::{self, NewObject, ObjectKind};
use engine::redemption::{self, RedeemRequest};
use engine::schemas::{self, NewSchema, SchemaKind};
use engine::share_tokens::{self, Direction, ListFilter, NewShareToken, ShareTokenStatus};
use engine::{Engine, Problem, events, render};
use serde_json::json;

use super::auth::Caller;
use super::body::JsonApiBody;
use super::document::{Query, document, list};
use super::error::ApiError;
use crate::http_app::AppState;

type ApiResult = Result<Response, ApiError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/inquiry-templates",
            post(create_inquiry_template).get(list_inquiry_templates),
        )
        .route("/inquiry-templates/{id}", get(get_inquiry_template))
        .route(
            "/transaction-types",
            post(create_transaction_type).get(list_transaction_types),
        )
        .route("/transaction-types/{id}", get(get_transaction_type))
        .route(
            "/account-types",
            post(create_account_type).get(list_account_types),
        )
        .route("/account-types/{id}", get(get_account_type))
        .route("/inquiries", post(create_inquiry).get(list_inquiries))
        .route("/inquiries/{id}", get(get_inquiry))
        .route("/inquiries/{id}/resume", post(resume_inquiry))
        .route(
            "/transactions",
            post(create_transaction).get(list_transactions),
        )
        .route("/transactions/{id}", get(get_transaction))
        .route("/accounts", post(create_account).get(list_accounts))
        .route("/accounts/{id}", get(get_account))
        .route(
            "/connect/connections",
            post(create_connection).get(list_connections),
        )
        .route("/connect/connections/{id}", get(get_connection))
        .route("/connect/connections/{id}/accept", post(accept_connection))
        .route(
            "/connect/connections/{id}/deactivate",
            post(deactivate_connection),
        )
        .route(
            "/connect/share-tokens",
            post(create_share_token).get(list_share_tokens),
        )
        .route("/connect/share-tokens/{id}", get(get_share_token))
        .route(
            "/connect/share-tokens/{id}/expire",
            post(expire_share_token),
        )
        .route(
            "/connect/share-tokens/{id}/redeem",
            post(redeem_share_token),
        )
        .route(
            "/connect/share-tokens/{id}/preview-redemption",
            post(preview_redemption),
        )
        .route("/events", get(list_events))
        .route("/events/{id}", get(get_event))
}

const BASE: &str = "/api/v1";

// Schemas: inquiry templates, transaction types, account types.

async fn create_schema(
    engine: &Engine,
    caller: &Caller,
    kind: SchemaKind,
    body: &JsonApiBody,
) -> ApiResult {
    let input = NewSchema {
        name: body.attribute("name"),
        fields: body.attribute("fields"),
        verifications: body.attribute("verifications"),
        reports: body.attribute("reports"),
    };
    let record = schemas::create(engine, &caller.0, kind, input).await?;
    Ok(document(StatusCode::CREATED, render::schema(&record), None))
}

async fn get_schema(engine: &Engine, caller: &Caller, kind: SchemaKind, id: &str) -> ApiResult {
    let record = schemas::get(engine, &caller.0, kind, id).await?;
    Ok(document(StatusCode::OK, render::schema(&record), None))
}

async fn list_schemas(
    engine: &Engine,
    caller: &Caller,
    kind: SchemaKind,
    path: &str,
    raw: Option<String>,
) -> ApiResult {
    let query = Query::parse(raw.as_deref());
    let page = schemas::list(engine, &caller.0, kind, &query.page()?).await?;
    Ok(list(
        &format!("{BASE}{path}"),
        &query,
        page.map(|s| render::schema(&s)),
    ))
}

async fn create_inquiry_template(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    create_schema(&engine, &caller, SchemaKind::InquiryTemplate, &body).await
}
async fn get_inquiry_template(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    get_schema(&engine, &caller, SchemaKind::InquiryTemplate, &id).await
}
async fn list_inquiry_templates(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    list_schemas(
        &engine,
        &caller,
        SchemaKind::InquiryTemplate,
        "/inquiry-templates",
        q,
    )
    .await
}
async fn create_transaction_type(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    create_schema(&engine, &caller, SchemaKind::TransactionType, &body).await
}
async fn get_transaction_type(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    get_schema(&engine, &caller, SchemaKind::TransactionType, &id).await
}
async fn list_transaction_types(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    list_schemas(
        &engine,
        &caller,
        SchemaKind::TransactionType,
        "/transaction-types",
        q,
    )
    .await
}
async fn create_account_type(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    create_schema(&engine, &caller, SchemaKind::AccountType, &body).await
}
async fn get_account_type(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    get_schema(&engine, &caller, SchemaKind::AccountType, &id).await
}
async fn list_account_types(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    list_schemas(
        &engine,
        &caller,
        SchemaKind::AccountType,
        "/account-types",
        q,
    )
    .await
}

// Objects: inquiries, transactions, accounts.

async fn create_object(
    engine: &Engine,
    caller: &Caller,
    kind: ObjectKind,
    body: &JsonApiBody,
) -> ApiResult {
    let input = NewObject {
        schema_id: body.str_attribute(kind.schema_attribute())?,
        reference_id: body.attribute("reference-id"),
        fields: body.attribute("fields"),
    };
    let created = objects::create(engine, &caller.0, kind, input).await?;
    let now = engine.now();
    let meta = created.session_token.map(|token| {
        json!({
            "session-token": token.expose_secret(),
            "missing-fields": render::missing_fields_meta(&created.record, &created.schema),
        })
    });
    Ok(document(
        StatusCode::CREATED,
        render::object(&created.record, &created.schema, now),
        meta,
    ))
}

async fn get_object(engine: &Engine, caller: &Caller, kind: ObjectKind, id: &str) -> ApiResult {
    let (record, schema) = objects::get(engine, &caller.0, kind, id).await?;
    let meta = (kind == ObjectKind::Inquiry)
        .then(|| json!({ "missing-fields": render::missing_fields_meta(&record, &schema) }));
    Ok(document(
        StatusCode::OK,
        render::object(&record, &schema, engine.now()),
        meta,
    ))
}

async fn list_objects(
    engine: &Engine,
    caller: &Caller,
    kind: ObjectKind,
    path: &str,
    raw: Option<String>,
) -> ApiResult {
    let query = Query::parse(raw.as_deref());
    let page = objects::list(engine, &caller.0, kind, &query.page()?).await?;
    let schemas = objects::schemas_of(engine, &page.items).await?;
    let now = engine.now();
    Ok(list(
        &format!("{BASE}{path}"),
        &query,
        page.map(|record| render::object(&record, &schemas[&record.schema_id], now)),
    ))
}

async fn create_inquiry(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    create_object(&engine, &caller, ObjectKind::Inquiry, &body).await
}
async fn get_inquiry(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    get_object(&engine, &caller, ObjectKind::Inquiry, &id).await
}
async fn list_inquiries(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    list_objects(&engine, &caller, ObjectKind::Inquiry, "/inquiries", q).await
}
async fn resume_inquiry(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let (record, schema, token) = objects::resume(&engine, &caller.0, &id).await?;
    let meta = json!({
        "session-token": token.expose_secret(),
        "missing-fields": render::missing_fields_meta(&record, &schema),
    });
    Ok(document(
        StatusCode::OK,
        render::object(&record, &schema, engine.now()),
        Some(meta),
    ))
}
async fn create_transaction(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    create_object(&engine, &caller, ObjectKind::Transaction, &body).await
}
async fn get_transaction(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    get_object(&engine, &caller, ObjectKind::Transaction, &id).await
}
async fn list_transactions(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    list_objects(
        &engine,
        &caller,
        ObjectKind::Transaction,
        "/transactions",
        q,
    )
    .await
}
async fn create_account(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    create_object(&engine, &caller, ObjectKind::Account, &body).await
}
async fn get_account(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    get_object(&engine, &caller, ObjectKind::Account, &id).await
}
async fn list_accounts(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    list_objects(&engine, &caller, ObjectKind::Account, "/accounts", q).await
}

// Connections.

async fn create_connection(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    let destination = body
        .str_attribute("destination-organization-id")?
        .ok_or_else(|| {
            Problem::invalid(
                "missing-attribute",
                "`destination-organization-id` is required",
                "/data/attributes/destination-organization-id",
            )
        })?;
    let connection = connections::create(&engine, &caller.0, destination).await?;
    Ok(document(
        StatusCode::CREATED,
        render::connection(&connection),
        None,
    ))
}
async fn get_connection(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let connection = connections::get(&engine, &caller.0, &id).await?;
    Ok(document(
        StatusCode::OK,
        render::connection(&connection),
        None,
    ))
}
async fn list_connections(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let query = Query::parse(q.as_deref());
    let page = connections::list(&engine, &caller.0, &query.page()?).await?;
    Ok(list(
        &format!("{BASE}/connect/connections"),
        &query,
        page.map(|c| render::connection(&c)),
    ))
}
async fn accept_connection(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let connection = connections::act(&engine, &caller.0, &id, ConnectionAction::Accept).await?;
    Ok(document(
        StatusCode::OK,
        render::connection(&connection),
        None,
    ))
}
async fn deactivate_connection(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let connection =
        connections::act(&engine, &caller.0, &id, ConnectionAction::Deactivate).await?;
    Ok(document(
        StatusCode::OK,
        render::connection(&connection),
        None,
    ))
}

// Share tokens.

async fn create_share_token(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    let input = NewShareToken {
        connection_id: body.str_attribute("connection-id")?,
        source_id: body.str_attribute("source-id")?,
        expires_in_seconds: body.attribute("expires-in-seconds"),
    };
    let token = share_tokens::create(&engine, &caller.0, input).await?;
    Ok(document(
        StatusCode::CREATED,
        render::share_token(&token, &caller.0, engine.now()),
        None,
    ))
}
async fn get_share_token(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let token = share_tokens::get(&engine, &caller.0, &id).await?;
    Ok(document(
        StatusCode::OK,
        render::share_token(&token, &caller.0, engine.now()),
        None,
    ))
}
async fn list_share_tokens(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let query = Query::parse(q.as_deref());
    let status = match query.get("filter[status]") {
        None => None,
        Some(text) => Some(ShareTokenStatus::parse(text).ok_or_else(|| {
            Problem::invalid_here(
                "invalid-filter",
                "filter[status] is created, pending, redeemed, expired or failed",
            )
        })?),
    };
    let direction = match query.get("filter[direction]") {
        None => None,
        Some("inbound") => Some(Direction::Inbound),
        Some("outbound") => Some(Direction::Outbound),
        Some(_) => {
            return Err(Problem::invalid_here(
                "invalid-filter",
                "filter[direction] is inbound or outbound",
            )
            .into());
        }
    };
    let filter = ListFilter {
        status,
        direction,
        connection_id: query.get("filter[connection-id]").map(str::to_owned),
    };
    let page = share_tokens::list(&engine, &caller.0, &filter, &query.page()?).await?;
    let now = engine.now();
    Ok(list(
        &format!("{BASE}/connect/share-tokens"),
        &query,
        page.map(|t| render::share_token(&t, &caller.0, now)),
    ))
}
async fn expire_share_token(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let token = share_tokens::expire(&engine, &caller.0, &id).await?;
    Ok(document(
        StatusCode::OK,
        render::share_token(&token, &caller.0, engine.now()),
        None,
    ))
}

fn redeem_request(body: &JsonApiBody) -> Result<RedeemRequest<'_>, ApiError> {
    Ok(RedeemRequest {
        destination_id: body.str_attribute("destination-id")?,
        field_mappings: body.meta.get("field-mappings"),
    })
}

async fn redeem_share_token(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
    body: JsonApiBody,
) -> ApiResult {
    let token = redemption::redeem(&engine, &caller.0, &id, redeem_request(&body)?).await?;
    Ok(document(
        StatusCode::ACCEPTED,
        render::share_token(&token, &caller.0, engine.now()),
        None,
    ))
}
async fn preview_redemption(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
    body: JsonApiBody,
) -> ApiResult {
    let report = redemption::preview(&engine, &caller.0, &id, redeem_request(&body)?).await?;
    let data =
        json!({ "type": "share-token", "id": id, "attributes": { "hydration-report": report } });
    Ok(document(StatusCode::OK, data, None))
}

// Events.

fn render_event(event: &events::Event) -> serde_json::Value {
    json!({
        "type": "event",
        "id": event.id,
        "attributes": { "name": event.name, "payload": event.payload, "created-at": event.created_at.to_rfc3339() },
    })
}

async fn list_events(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let query = Query::parse(q.as_deref());
    let page = events::list(
        &engine,
        &caller.0,
        query.get("filter[name]"),
        &query.page()?,
    )
    .await?;
    Ok(list(
        &format!("{BASE}/events"),
        &query,
        page.map(|e| render_event(&e)),
    ))
}
async fn get_event(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let event = events::get(&engine, &caller.0, &id).await?;
    Ok(document(StatusCode::OK, render_event(&event), None))
}
