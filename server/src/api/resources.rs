//! The API's handlers: each translates between HTTP and one engine call.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use engine::connections::{self, ConnectionAction};
use engine::objects::{self, ObjectKind};
use engine::redemption;
use engine::schemas::{self, SchemaKind};
use engine::share_tokens::{self, Direction, ListFilter, ShareTokenStatus};
use engine::{Engine, Problem, events, render};
use serde_json::json;

use super::auth::Caller;
use super::body::JsonApiBody;
use super::catalog::{Catalog, Doc, Param, param};
use super::commands;
use super::document::{Query, document, list};
use super::error::ApiError;
use super::schema_commands;

type ApiResult = Result<Response, ApiError>;

/// `page[size]` and `page[after]`, documented once for every list.
pub(super) const LIST: &[Param] = &[
    param("page[size]", "integer", false, "1 to 100 items, default 10"),
    param(
        "page[after]",
        "string",
        false,
        "the id of the last item of the previous page (see links.next)",
    ),
];
const SHARE_TOKEN_LIST: &[Param] = &[
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
        "created, pending, redeemed, expired or failed",
    ),
    param(
        "filter[direction]",
        "string",
        false,
        "inbound (you are the destination) or outbound",
    ),
    param(
        "filter[connection-id]",
        "string",
        false,
        "only tokens of this connection",
    ),
];
const SCHEMA_ATTRIBUTES: &[Param] = &[
    param("name", "string", true, "1 to 200 characters"),
    param(
        "fields",
        "array",
        true,
        "field declarations {key, type, required?, label?, choices?}",
    ),
];
const TEMPLATE_ATTRIBUTES: &[Param] = &[
    param("name", "string", true, "1 to 200 characters"),
    param(
        "fields",
        "array",
        true,
        "field declarations {key, type, required?, label?, choices?}",
    ),
    param(
        "verifications",
        "array",
        false,
        "government-id (minimum-age), selfie, database, phone-number, email-address, document",
    ),
    param("reports", "array", false, "watchlist"),
    param(
        "purpose",
        "string",
        false,
        "why you ask, 1 to 500 characters: shown to the end user on the hosted flow's consent screen",
    ),
];
const OBJECT_FIELDS: Param = param(
    "fields",
    "object",
    false,
    "values as plain JSON, nested for dotted keys; a file is {filename, content-type, data (base64)}",
);
const REFERENCE_ID: Param = param("reference-id", "string", false, "your own reference");
const REDEEM_ATTRIBUTES: &[Param] = &[param(
    "destination-id",
    "string",
    true,
    "an inq_, txn_ or act_ id of yours",
)];
const REDEEM_META: &[Param] = &[param(
    "field-mappings",
    "array",
    false,
    "[{source-field-name, destination-field-name}] for fields that do not match by name",
)];
const INQUIRY_ATTRIBUTES: &[Param] = &[
    param("inquiry-template-id", "string", true, "itmpl_ id of yours"),
    REFERENCE_ID,
    OBJECT_FIELDS,
];
const TRANSACTION_ATTRIBUTES: &[Param] = &[
    param("transaction-type-id", "string", true, "txntp_ id of yours"),
    REFERENCE_ID,
    OBJECT_FIELDS,
];
const ACCOUNT_ATTRIBUTES: &[Param] = &[
    param("account-type-id", "string", true, "acttp_ id of yours"),
    REFERENCE_ID,
    OBJECT_FIELDS,
];
const CONNECTION_ATTRIBUTES: &[Param] = &[param(
    "destination-organization-id",
    "string",
    true,
    "org_ id of the partner",
)];
const EVENT_QUERY: &[Param] = &[param(
    "filter[name]",
    "string",
    false,
    "an event name, e.g. connect/share-token.inbound-created",
)];
const SHARE_TOKEN_ATTRIBUTES: &[Param] = &[
    param(
        "connection-id",
        "string",
        true,
        "an active connection you are the source of",
    ),
    param(
        "source-id",
        "string",
        true,
        "a completed inq_, or a txn_ or act_ of yours",
    ),
    param(
        "expires-in-seconds",
        "integer",
        false,
        "60 to 1814400, default 1209600",
    ),
];
const INVALID: (u16, &str) = (422, "invalid input, with a pointer");
const NOT_FOUND: (u16, &str) = (404, "not-found");
const CONFLICT: (u16, &str) = (409, "state conflict");

const fn doc(tag: &'static str, summary: &'static str, status: u16) -> Doc {
    Doc::new(tag, summary, status)
}

/// Every route with its documentation.
pub fn catalog() -> Catalog {
    const T: &str = "Inquiry templates";
    const TT: &str = "Transaction types";
    const AT: &str = "Account types";
    const I: &str = "Inquiries";
    const TX: &str = "Transactions";
    const A: &str = "Accounts";
    const C: &str = "Connections";
    const S: &str = "Share tokens";
    const E: &str = "Events";
    Catalog::new()
        .post("/inquiry-templates", create_schema::<InquiryTemplates>, Doc { attributes: TEMPLATE_ATTRIBUTES, errors: &[INVALID], ..doc(T, "Create an inquiry template", 201) })
        .get("/inquiry-templates", list_schemas::<InquiryTemplates>, Doc { query: LIST, ..doc(T, "List inquiry templates", 200) })
        .get("/inquiry-templates/{id}", get_schema::<InquiryTemplates>, Doc { errors: &[NOT_FOUND], ..doc(T, "Read an inquiry template", 200) })
        .post("/transaction-types", create_schema::<TransactionTypes>, Doc { attributes: SCHEMA_ATTRIBUTES, errors: &[INVALID], ..doc(TT, "Create a transaction type", 201) })
        .get("/transaction-types", list_schemas::<TransactionTypes>, Doc { query: LIST, ..doc(TT, "List transaction types", 200) })
        .get("/transaction-types/{id}", get_schema::<TransactionTypes>, Doc { errors: &[NOT_FOUND], ..doc(TT, "Read a transaction type", 200) })
        .post("/account-types", create_schema::<AccountTypes>, Doc { attributes: SCHEMA_ATTRIBUTES, errors: &[INVALID], ..doc(AT, "Create an account type", 201) })
        .get("/account-types", list_schemas::<AccountTypes>, Doc { query: LIST, ..doc(AT, "List account types", 200) })
        .get("/account-types/{id}", get_schema::<AccountTypes>, Doc { errors: &[NOT_FOUND], ..doc(AT, "Read an account type", 200) })
        .post(
            "/inquiries",
            create_object::<Inquiries>,
            Doc {
                attributes: INQUIRY_ATTRIBUTES,
                errors: &[INVALID, NOT_FOUND],
                ..doc(I, "Create an inquiry (meta.session-token, meta.missing-fields); it runs when nothing required is missing", 201)
            },
        )
        .get("/inquiries", list_objects::<Inquiries>, Doc { query: LIST, ..doc(I, "List inquiries", 200) })
        .get("/inquiries/{id}", get_object::<Inquiries>, Doc { errors: &[NOT_FOUND], ..doc(I, "Read an inquiry with its verifications, reports and meta.missing-fields", 200) })
        .post("/inquiries/{id}/resume", resume_inquiry, Doc { errors: &[NOT_FOUND, CONFLICT], ..doc(I, "Issue a new session token for a created, pending or expired inquiry", 200) })
        .post(
            "/transactions",
            create_object::<Transactions>,
            Doc { attributes: TRANSACTION_ATTRIBUTES, errors: &[INVALID, NOT_FOUND], ..doc(TX, "Create a transaction", 201) },
        )
        .get("/transactions", list_objects::<Transactions>, Doc { query: LIST, ..doc(TX, "List transactions", 200) })
        .get("/transactions/{id}", get_object::<Transactions>, Doc { errors: &[NOT_FOUND], ..doc(TX, "Read a transaction", 200) })
        .post(
            "/accounts",
            create_object::<Accounts>,
            Doc { attributes: ACCOUNT_ATTRIBUTES, errors: &[INVALID, NOT_FOUND], ..doc(A, "Create an account", 201) },
        )
        .get("/accounts", list_objects::<Accounts>, Doc { query: LIST, ..doc(A, "List accounts", 200) })
        .get("/accounts/{id}", get_object::<Accounts>, Doc { errors: &[NOT_FOUND], ..doc(A, "Read an account", 200) })
        .post(
            "/connect/connections",
            create_connection,
            Doc { attributes: CONNECTION_ATTRIBUTES, errors: &[INVALID], ..doc(C, "Propose a connection as its source (status pending)", 201) },
        )
        .get("/connect/connections", list_connections, Doc { query: LIST, ..doc(C, "List your connections, either side", 200) })
        .get("/connect/connections/{id}", get_connection, Doc { errors: &[NOT_FOUND], ..doc(C, "Read a connection", 200) })
        .post("/connect/connections/{id}/accept", accept_connection, Doc { errors: &[NOT_FOUND, CONFLICT], ..doc(C, "Accept as the destination (pending → active; an inactive connection is 409 until its source reactivates it)", 200) })
        .post("/connect/connections/{id}/deactivate", deactivate_connection, Doc { errors: &[NOT_FOUND, CONFLICT], ..doc(C, "Deactivate, either side; by the source it is a revocation that expires its created share tokens", 200) })
        .post("/connect/connections/{id}/reactivate", reactivate_connection, Doc { errors: &[NOT_FOUND, CONFLICT], ..doc(C, "Reactivate as the source (inactive → pending; the destination accepts again)", 200) })
        .post(
            "/connect/share-tokens",
            create_share_token,
            Doc {
                attributes: SHARE_TOKEN_ATTRIBUTES,
                errors: &[INVALID, NOT_FOUND],
                ..doc(S, "Create a share token: a snapshot of the source's data for the connection's destination", 201)
            },
        )
        .get("/connect/share-tokens", list_share_tokens, Doc { query: SHARE_TOKEN_LIST, ..doc(S, "List share tokens", 200) })
        .get("/connect/share-tokens/{id}", get_share_token, Doc { errors: &[NOT_FOUND], ..doc(S, "Read a share token", 200) })
        .post("/connect/share-tokens/{id}/expire", expire_share_token, Doc { errors: &[NOT_FOUND, CONFLICT], ..doc(S, "Expire a created token (source only)", 200) })
        .post(
            "/connect/share-tokens/{id}/redeem",
            redeem_share_token,
            Doc {
                attributes: REDEEM_ATTRIBUTES,
                meta: REDEEM_META,
                errors: &[INVALID, NOT_FOUND, (409, "share-token-already-redeemed")],
                ..doc(S, "Redeem into an inquiry, transaction or account (destination only); finishes in the background", 202)
            },
        )
        .post(
            "/connect/share-tokens/{id}/preview-redemption",
            preview_redemption,
            Doc { attributes: REDEEM_ATTRIBUTES, meta: REDEEM_META, errors: &[INVALID, NOT_FOUND, CONFLICT], ..doc(S, "The hydration report redeeming would produce; writes nothing", 200) },
        )
        .get("/events", list_events, Doc { query: EVENT_QUERY, ..doc(E, "List your events", 200) })
        .get("/events/{id}", get_event, Doc { errors: &[NOT_FOUND], ..doc(E, "Read an event", 200) })
        .pipe(super::automation::routes)
}

const BASE: &str = "/api/v1";

// Schemas (inquiry templates, transaction types, account types) and objects (inquiries,
// transactions, accounts): one generic handler per operation, instantiated per kind.

/// A kind of schema served under one collection path.
trait SchemaResource {
    const KIND: SchemaKind;
    const PATH: &'static str;
}

/// A kind of object served under one collection path.
trait ObjectResource {
    const KIND: ObjectKind;
    const PATH: &'static str;
}

struct InquiryTemplates;
impl SchemaResource for InquiryTemplates {
    const KIND: SchemaKind = SchemaKind::InquiryTemplate;
    const PATH: &'static str = "/inquiry-templates";
}
struct TransactionTypes;
impl SchemaResource for TransactionTypes {
    const KIND: SchemaKind = SchemaKind::TransactionType;
    const PATH: &'static str = "/transaction-types";
}
struct AccountTypes;
impl SchemaResource for AccountTypes {
    const KIND: SchemaKind = SchemaKind::AccountType;
    const PATH: &'static str = "/account-types";
}
struct Inquiries;
impl ObjectResource for Inquiries {
    const KIND: ObjectKind = ObjectKind::Inquiry;
    const PATH: &'static str = "/inquiries";
}
struct Transactions;
impl ObjectResource for Transactions {
    const KIND: ObjectKind = ObjectKind::Transaction;
    const PATH: &'static str = "/transactions";
}
struct Accounts;
impl ObjectResource for Accounts {
    const KIND: ObjectKind = ObjectKind::Account;
    const PATH: &'static str = "/accounts";
}

async fn create_schema<R: SchemaResource>(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    let command = schema_commands::create_schema(R::KIND, &body)?;
    let record = schemas::create(&engine, &caller.0, command)
        .await
        .map_err(schema_commands::create_schema_error)?;
    Ok(document(StatusCode::CREATED, render::schema(&record), None))
}

async fn get_schema<R: SchemaResource>(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let record = schemas::get(&engine, &caller.0, R::KIND, &id).await?;
    Ok(document(StatusCode::OK, render::schema(&record), None))
}

async fn list_schemas<R: SchemaResource>(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = Query::parse(raw.as_deref());
    let page = schemas::list(&engine, &caller.0, R::KIND, &query.page()?).await?;
    Ok(list(
        &format!("{BASE}{}", R::PATH),
        &query,
        page.map(|s| render::schema(&s)),
    ))
}

async fn create_object<R: ObjectResource>(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    let command = commands::create_object(&engine, &caller.0, R::KIND, &body).await?;
    let created = objects::create(&engine, &caller.0, command)
        .await
        .map_err(|err| commands::create_object_error(R::KIND, err))?;
    let meta = created.session_token.map(|token| {
        json!({
            "session-token": token.expose_secret(),
            "missing-fields": render::missing_fields_meta(&created.record, &created.schema),
        })
    });
    Ok(document(
        StatusCode::CREATED,
        render::object(&created.record, &created.schema, engine.now()),
        meta,
    ))
}

async fn get_object<R: ObjectResource>(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let (record, schema) = objects::get(&engine, &caller.0, R::KIND, &id).await?;
    let meta = (R::KIND == ObjectKind::Inquiry)
        .then(|| json!({ "missing-fields": render::missing_fields_meta(&record, &schema) }));
    Ok(document(
        StatusCode::OK,
        render::object(&record, &schema, engine.now()),
        meta,
    ))
}

async fn list_objects<R: ObjectResource>(
    State(engine): State<Engine>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = Query::parse(raw.as_deref());
    let page = objects::list(&engine, &caller.0, R::KIND, &query.page()?).await?;
    let schemas = objects::schemas_of(&engine, &page.items).await?;
    let now = engine.now();
    Ok(list(
        &format!("{BASE}{}", R::PATH),
        &query,
        page.map(|record| render::object(&record, &schemas[&record.schema_id], now)),
    ))
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
// Connections.

async fn create_connection(
    State(engine): State<Engine>,
    caller: Caller,
    body: JsonApiBody,
) -> ApiResult {
    let destination = commands::create_connection(&body)?;
    let connection = connections::create(&engine, &caller.0, &destination)
        .await
        .map_err(commands::create_connection_error)?;
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
    let connection = connections::get(&engine, &caller.0, &commands::connection_id(&id)?)
        .await?
        .ok_or_else(|| Problem::not_found("the connection"))?;
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
async fn accept_connection(engine: State<Engine>, caller: Caller, id: Path<String>) -> ApiResult {
    act_on_connection(engine, caller, id, ConnectionAction::Accept).await
}
async fn deactivate_connection(
    engine: State<Engine>,
    caller: Caller,
    id: Path<String>,
) -> ApiResult {
    act_on_connection(engine, caller, id, ConnectionAction::Deactivate).await
}
async fn reactivate_connection(
    engine: State<Engine>,
    caller: Caller,
    id: Path<String>,
) -> ApiResult {
    act_on_connection(engine, caller, id, ConnectionAction::Reactivate).await
}
async fn act_on_connection(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
    action: ConnectionAction,
) -> ApiResult {
    let connection = connections::act(&engine, &caller.0, &commands::connection_id(&id)?, action)
        .await
        .map_err(commands::connection_act_error)?;
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
    let command = commands::create_share_token(&body)?;
    let token = share_tokens::create(&engine, &caller.0, &command)
        .await
        .map_err(commands::create_share_token_error)?;
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
    let token = share_tokens::get(&engine, &caller.0, &commands::share_token_id(&id)?).await?;
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
    let token = share_tokens::expire(&engine, &caller.0, &commands::share_token_id(&id)?).await?;
    Ok(document(
        StatusCode::OK,
        render::share_token(&token, &caller.0, engine.now()),
        None,
    ))
}

async fn redeem_share_token(
    State(engine): State<Engine>,
    caller: Caller,
    Path(id): Path<String>,
    body: JsonApiBody,
) -> ApiResult {
    let (command, checked) = commands::redeem(&engine, &caller.0, &id, &body).await?;
    let token = redemption::redeem_checked(&engine, &caller.0, Some(checked), &command)
        .await
        .map_err(commands::redeem_error)?;
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
    let (command, _) = commands::redeem(&engine, &caller.0, &id, &body).await?;
    let report = redemption::preview(&engine, &caller.0, &command)
        .await
        .map_err(commands::redeem_error)?;
    let data =
        json!({ "type": "share-token", "id": id, "attributes": { "hydration-report": report } });
    Ok(document(StatusCode::OK, data, None))
}

// Events.

fn render_event(event: &events::Event) -> serde_json::Value {
    render::event(event)
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
