//! The demo: two organizations with an active connection, a completed source inquiry with
//! generated ID and selfie images, destination templates, and fresh share tokens.
//!
//! Seeding is idempotent: the organizations, templates and source inquiry are created once; every
//! run issues new API keys (keys are shown only once) and new share tokens (tokens get redeemed).

use std::io::Cursor;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::Engine;
use crate::connections::{self, ConnectionAction, ConnectionStatus};
use crate::error::Result;
use crate::ids::{ConnectionId, OrgId};
use crate::members::{self, Password};
use crate::objects::{self, CreateObject, ObjectKind};
use crate::orgs::{self, ApiKey};
use crate::schemas::{self, CreateSchema, SchemaKind};
use crate::share_tokens::{self, CreateShareToken, DEFAULT_TTL_SECONDS};
use crate::workflows::{self, CreateWorkflow, Step};
use domain::fields::FieldPath;
use domain::hydration::FieldMapping;

pub const SOURCE_NAME: &str = "Northwind Bank (demo)";
pub const DESTINATION_NAME: &str = "Contoso Lending (demo)";
/// A second destination that redeems every token shared with it by a workflow, without code.
pub const AUTOMATED_NAME: &str = "Fabrikam Insurance (demo)";
const AUTOMATED_TYPE: &str = "Applicant (demo)";
const AUTOMATED_WORKFLOW: &str = "Auto-redeem partner shares (demo)";
const FULL_TEMPLATE: &str = "Identity check (demo)";
const LOAN_TYPE: &str = "Loan application (demo)";
const ACCOUNT_TYPE: &str = "Customer account (demo)";
const EXTRA_TEMPLATE: &str = "Identity and address check (demo)";

/// What a demo run prints.
#[derive(Debug)]
pub struct Demo {
    pub source: OrgId,
    pub source_key: ApiKey,
    pub destination: OrgId,
    pub destination_key: ApiKey,
    pub connection_id: ConnectionId,
    /// A destination template the shared data covers completely.
    pub full_template_id: String,
    /// A destination template that also needs a phone number and a proof of address.
    pub extra_template_id: String,
    /// Fresh share tokens, one for each template.
    pub full_token_id: String,
    pub extra_token_id: String,
    /// The destination whose workflow redeems inbound tokens into a transaction.
    pub automated: AutomatedDestination,
    /// One member per demo organization (source, destination, automated destination), each with
    /// a fresh password.
    pub members: Vec<DemoMember>,
}

/// A demo member and the password this run gave it.
#[derive(Debug)]
pub struct DemoMember {
    pub organization: OrgId,
    pub organization_name: &'static str,
    pub email: &'static str,
    pub password: Password,
}

/// The demo member of `org` with a fresh password (created the first time).
async fn ensure_member(
    engine: &Engine,
    org: &OrgId,
    organization_name: &'static str,
    email: &'static str,
) -> Result<DemoMember> {
    let password = Password::generate();
    // Only the demo organization's own member: an address taken elsewhere is left alone.
    if let Some(found) = members::find_by_email(engine, email).await?
        && &found.organization_id != org
    {
        return Err(crate::Error::Internal(format!(
            "the demo member {email} belongs to another organization"
        )));
    }
    let reset = members::reset_password(engine, email, password.clone())
        .await
        .map_err(crate::Error::from)?;
    if reset.is_none() {
        members::create(engine, org, email, password.clone())
            .await
            .map_err(crate::Error::from)?;
    }
    Ok(DemoMember {
        organization: org.clone(),
        organization_name,
        email,
        password,
    })
}

/// The demo's destination that integrates by configuration only: a workflow redeems every token
/// shared with it into a new transaction, mapping `email-address` to its `contact-email`.
#[derive(Debug)]
pub struct AutomatedDestination {
    pub organization: OrgId,
    pub key: ApiKey,
    pub connection_id: ConnectionId,
    pub workflow_id: String,
    pub transaction_type_id: String,
    /// The source's completed inquiry, to share with it.
    pub source_inquiry_id: String,
}

fn kyc_fields() -> Value {
    json!([
        {"key": "name-first", "type": "string", "label": "First name"},
        {"key": "name-last", "type": "string", "label": "Last name"},
        {"key": "birthdate", "type": "date", "label": "Date of birth"},
        {"key": "identification-number", "type": "string", "label": "ID number"},
        {"key": "government-id-front", "type": "file", "label": "Front of your ID"},
        {"key": "selfie", "type": "file", "label": "Selfie"},
        {"key": "email-address", "type": "string", "label": "Email address"}
    ])
}

fn kyc_checks() -> Value {
    json!([{"type": "government-id"}, {"type": "selfie"}, {"type": "email-address"}])
}

/// A generated PNG standing in for a photo.
fn picture(width: u32, height: u32, tint: u8) -> Value {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([tint, (x % 256) as u8, (y % 256) as u8])
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .expect("encoding a generated PNG cannot fail");
    json!({"filename": "photo.png", "content-type": "image/png", "data": base64::engine::general_purpose::STANDARD.encode(bytes)})
}

async fn org_named(engine: &Engine, name: &str) -> Result<Option<OrgId>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM organizations WHERE name = $1 ORDER BY seq LIMIT 1")
            .bind(name)
            .fetch_optional(engine.db().pool())
            .await?,
    )
}

async fn schema_named(engine: &Engine, org: &OrgId, name: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM schemas WHERE organization_id = $1 AND name = $2 ORDER BY seq LIMIT 1",
    )
    .bind(org)
    .bind(name)
    .fetch_optional(engine.db().pool())
    .await?)
}

async fn ensure_org(engine: &Engine, name: &str, origins: &[String]) -> Result<(OrgId, ApiKey)> {
    match org_named(engine, name).await? {
        Some(id) => {
            orgs::allow_origins(engine, &id, origins).await?;
            let key = orgs::create_api_key(engine, &id).await?;
            Ok((id, key))
        }
        None => {
            let (org, key) = orgs::create(engine, name, origins).await?;
            Ok((org.id, key))
        }
    }
}

async fn ensure_template(
    engine: &Engine,
    org: &OrgId,
    name: &str,
    fields: Value,
    checks: Value,
) -> Result<String> {
    if let Some(id) = schema_named(engine, org, name).await? {
        return Ok(id);
    }
    let command = CreateSchema {
        purpose: Some(
            "The law requires us to confirm who you are before we can offer you a loan.".into(),
        ),
        ..CreateSchema::from_json(
            SchemaKind::InquiryTemplate,
            name,
            fields,
            checks,
            json!([{"type": "watchlist"}]),
        )
        .map_err(|err| crate::Error::Internal(format!("the demo's template: {err}")))?
    };
    Ok(schemas::create(engine, org, command).await?.id)
}

/// A transaction or account type's fields: the source's names, but `contact-email` for its
/// `email-address` (a workflow or the dashboard maps it).
fn customer_fields() -> Value {
    json!([
        {"key": "name-first", "type": "string", "label": "First name"},
        {"key": "name-last", "type": "string", "label": "Last name"},
        {"key": "birthdate", "type": "date", "label": "Date of birth"},
        {"key": "contact-email", "type": "string", "label": "Contact email"}
    ])
}

/// `org`'s transaction or account type named `name` (created the first time).
async fn ensure_type(
    engine: &Engine,
    org: &OrgId,
    kind: SchemaKind,
    name: &str,
    fields: Value,
) -> Result<String> {
    if let Some(id) = schema_named(engine, org, name).await? {
        return Ok(id);
    }
    let command = CreateSchema::from_json(kind, name, fields, Value::Null, Value::Null)
        .map_err(|err| crate::Error::Internal(format!("the demo's type {name}: {err}")))?;
    Ok(schemas::create(engine, org, command).await?.id)
}

/// The demo's connection from `source` to `destination`, whatever its status.
async fn demo_connection(
    engine: &Engine,
    source: &OrgId,
    destination: &OrgId,
) -> Result<Option<ConnectionId>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM connections WHERE source_organization_id = $1 AND destination_organization_id = $2 ORDER BY seq LIMIT 1",
    )
    .bind(source)
    .bind(destination)
    .fetch_optional(engine.db().pool())
    .await?)
}

/// The completed source inquiry of the demo's template, the one its tokens share.
async fn completed_inquiry(engine: &Engine, template: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM objects WHERE schema_id = $1 AND status = 'completed' ORDER BY seq LIMIT 1",
    )
    .bind(template)
    .fetch_optional(engine.db().pool())
    .await?)
}

/// Two fresh tokens sharing `inquiry` over `connection`: one for each destination template.
async fn two_tokens(
    engine: &Engine,
    source: &OrgId,
    connection: &ConnectionId,
    inquiry: &str,
) -> Result<(String, String)> {
    let command = CreateShareToken {
        connection_id: connection.clone(),
        source_id: inquiry.to_owned(),
        expires_in_seconds: DEFAULT_TTL_SECONDS,
    };
    let token = || share_tokens::create(engine, source, &command);
    Ok((token().await?.id.to_string(), token().await?.id.to_string()))
}

/// Two fresh share tokens of a demo seeded before (the demo embedding site asks for them on every
/// page view, since each token is redeemed once): the full one and the one that leaves steps.
pub async fn fresh_tokens(engine: &Engine) -> Result<DemoTokens> {
    let missing =
        || crate::Error::Internal("the demo is not seeded: run `tessera demo` first".into());
    let source = org_named(engine, SOURCE_NAME).await?.ok_or_else(missing)?;
    let destination = org_named(engine, DESTINATION_NAME)
        .await?
        .ok_or_else(missing)?;
    let connection = demo_connection(engine, &source, &destination)
        .await?
        .ok_or_else(missing)?;
    let source_template = schema_named(engine, &source, FULL_TEMPLATE)
        .await?
        .ok_or_else(missing)?;
    let inquiry = completed_inquiry(engine, &source_template)
        .await?
        .ok_or_else(missing)?;
    let (full_token_id, extra_token_id) =
        two_tokens(engine, &source, &connection, &inquiry).await?;
    Ok(DemoTokens {
        full_template_id: schema_named(engine, &destination, FULL_TEMPLATE)
            .await?
            .ok_or_else(missing)?,
        extra_template_id: schema_named(engine, &destination, EXTRA_TEMPLATE)
            .await?
            .ok_or_else(missing)?,
        full_token_id,
        extra_token_id,
    })
}

/// What [`fresh_tokens`] answers.
#[derive(Debug)]
pub struct DemoTokens {
    pub full_template_id: String,
    pub full_token_id: String,
    pub extra_template_id: String,
    pub extra_token_id: String,
}

/// An active connection from `source` to `destination` (created, accepted or brought back).
async fn active_connection(
    engine: &Engine,
    source: &OrgId,
    destination: &OrgId,
) -> Result<ConnectionId> {
    let connection_id = match demo_connection(engine, source, destination).await? {
        Some(id) => id,
        None => connections::create(engine, source, destination).await?.id,
    };
    let status = connections::get(engine, destination, &connection_id)
        .await?
        .ok_or_else(|| crate::Error::Internal("the demo's connection vanished".into()))?
        .status;
    if status == ConnectionStatus::Inactive {
        connections::act(engine, source, &connection_id, ConnectionAction::Reactivate).await?;
    }
    if status != ConnectionStatus::Active {
        connections::act(
            engine,
            destination,
            &connection_id,
            ConnectionAction::Accept,
        )
        .await?;
    }
    Ok(connection_id)
}

/// The automated destination: its organization, transaction type and workflow, made once.
async fn automated_destination(
    engine: &Engine,
    source: &OrgId,
    source_inquiry: &str,
) -> Result<AutomatedDestination> {
    let (organization, key) = ensure_org(engine, AUTOMATED_NAME, &[]).await?;
    let connection_id = active_connection(engine, source, &organization).await?;
    let transaction_type_id = ensure_type(
        engine,
        &organization,
        SchemaKind::TransactionType,
        AUTOMATED_TYPE,
        customer_fields(),
    )
    .await?;
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT id FROM workflows WHERE organization_id = $1 AND name = $2 ORDER BY seq LIMIT 1",
    )
    .bind(&organization)
    .bind(AUTOMATED_WORKFLOW)
    .fetch_optional(engine.db().pool())
    .await?;
    let workflow_id = match existing {
        Some(id) => id,
        None => {
            let mapping = |from: &str, to: &str| -> Result<FieldMapping> {
                let path = |p: &str| {
                    FieldPath::parse(p)
                        .map_err(|err| crate::Error::Internal(format!("the demo's mapping: {err}")))
                };
                Ok(FieldMapping {
                    source_field_name: path(from)?,
                    destination_field_name: path(to)?,
                })
            };
            let command = CreateWorkflow {
                name: AUTOMATED_WORKFLOW.to_owned(),
                trigger_event: workflows::REDEEMABLE_TRIGGER.to_owned(),
                steps: vec![Step::RedeemShareToken {
                    destination_kind: ObjectKind::Transaction,
                    schema_id: transaction_type_id.clone(),
                    field_mappings: vec![mapping("email-address", "contact-email")?],
                }],
            };
            workflows::create(engine, &organization, command)
                .await
                .map_err(crate::Error::from)?
                .id
                .to_string()
        }
    };
    Ok(AutomatedDestination {
        organization,
        key,
        connection_id,
        workflow_id,
        transaction_type_id,
        source_inquiry_id: source_inquiry.to_owned(),
    })
}

/// Seeds (or refreshes) the demo. `origins` are the destination's allowed origins.
pub async fn seed(engine: &Engine, origins: &[String]) -> Result<Demo> {
    let (source, source_key) = ensure_org(engine, SOURCE_NAME, &[]).await?;
    let (destination, destination_key) = ensure_org(engine, DESTINATION_NAME, origins).await?;
    let connection_id = active_connection(engine, &source, &destination).await?;

    let source_template =
        ensure_template(engine, &source, FULL_TEMPLATE, kyc_fields(), kyc_checks()).await?;
    let source_inquiry = match completed_inquiry(engine, &source_template).await? {
        Some(id) => id,
        None => {
            let fields = json!({
                "name-first": "Alex", "name-last": "Rivera", "birthdate": "1988-06-15",
                "identification-number": "D1234567", "email-address": "alex.rivera@example.com",
                "government-id-front": picture(320, 200, 40), "selfie": picture(240, 240, 200),
            });
            let command = CreateObject {
                kind: ObjectKind::Inquiry,
                schema_id: source_template.clone(),
                reference_id: Some("demo-customer-1".to_owned()),
                fields: objects::fields_from_json(engine, &source_template, &fields).await?,
            };
            objects::create(engine, &source, command).await?.record.id
        }
    };

    let full_template_id = ensure_template(
        engine,
        &destination,
        FULL_TEMPLATE,
        kyc_fields(),
        kyc_checks(),
    )
    .await?;
    let mut extra_fields = kyc_fields();
    if let Some(list) = extra_fields.as_array_mut() {
        list.extend([
            json!({"key": "phone-number", "type": "string", "label": "Phone number"}),
            json!({"key": "address-street-1", "type": "string", "label": "Street address"}),
            json!({"key": "address-city", "type": "string", "label": "City"}),
            json!({"key": "address-country-code", "type": "string", "label": "Country code"}),
            json!({"key": "proof-of-address", "type": "file", "label": "Proof of address"}),
        ]);
    }
    let mut extra_checks = kyc_checks();
    if let Some(list) = extra_checks.as_array_mut() {
        list.extend([json!({"type": "phone-number"}), json!({"type": "document"})]);
    }
    let extra_template_id = ensure_template(
        engine,
        &destination,
        EXTRA_TEMPLATE,
        extra_fields,
        extra_checks,
    )
    .await?;

    // For redeeming by hand from the dashboard: the destination keeps nested names on its loans
    // (`name.first`, a mapping from the flat `name-first`) and flat ones on its customer accounts.
    ensure_type(
        engine,
        &destination,
        SchemaKind::TransactionType,
        LOAN_TYPE,
        json!([
            {"key": "name.first", "type": "string", "label": "First name"},
            {"key": "name.last", "type": "string", "label": "Last name"},
            {"key": "birthdate", "type": "date", "label": "Date of birth"},
            {"key": "amount", "type": "integer", "label": "Amount"}
        ]),
    )
    .await?;
    ensure_type(
        engine,
        &destination,
        SchemaKind::AccountType,
        ACCOUNT_TYPE,
        customer_fields(),
    )
    .await?;
    let (full_token_id, extra_token_id) =
        two_tokens(engine, &source, &connection_id, &source_inquiry).await?;
    let automated = automated_destination(engine, &source, &source_inquiry).await?;
    let members = vec![
        ensure_member(engine, &source, SOURCE_NAME, "admin@northwind.example").await?,
        ensure_member(
            engine,
            &destination,
            DESTINATION_NAME,
            "admin@contoso.example",
        )
        .await?,
        ensure_member(
            engine,
            &automated.organization,
            AUTOMATED_NAME,
            "admin@fabrikam.example",
        )
        .await?,
    ];
    Ok(Demo {
        source,
        source_key,
        destination,
        destination_key,
        connection_id,
        full_template_id,
        extra_template_id,
        full_token_id,
        extra_token_id,
        automated,
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::engine;

    #[tokio::test]
    async fn seeding_twice_reuses_the_organizations_and_issues_fresh_keys_and_tokens() {
        let engine = engine().await;

        let first = seed(&engine, &[]).await.expect("first seed");
        let second = seed(&engine, &[]).await.expect("second seed");

        assert_eq!(first.source, second.source);
        assert_eq!(first.full_template_id, second.full_template_id);
        assert_ne!(
            first.full_token_id, second.full_token_id,
            "a fresh token each run"
        );
        assert_eq!(
            orgs::authenticate(&engine, second.destination_key.expose_secret())
                .await
                .unwrap(),
            Some(second.destination.clone())
        );
        let orgs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
            .fetch_one(engine.db().pool())
            .await
            .unwrap();
        assert_eq!(
            orgs, 3,
            "source, destination, and the destination run by a workflow"
        );
        assert_eq!(
            first.automated.workflow_id, second.automated.workflow_id,
            "one workflow"
        );
        let completed: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM objects WHERE status = 'completed'")
                .fetch_one(engine.db().pool())
                .await
                .unwrap();
        assert_eq!(
            completed, 1,
            "the source inquiry is created once and completes"
        );
    }

    #[tokio::test]
    async fn the_automated_destination_redeems_a_token_shared_with_it_by_its_workflow() {
        let engine = engine().await;
        let demo = seed(&engine, &[]).await.expect("seed");
        let automated = &demo.automated;

        let token = share_tokens::create(
            &engine,
            &demo.source,
            &CreateShareToken {
                connection_id: automated.connection_id.clone(),
                source_id: automated.source_inquiry_id.clone(),
                expires_in_seconds: DEFAULT_TTL_SECONDS,
            },
        )
        .await
        .expect("the source shares with the automated destination");
        crate::worker::run_pending(&engine)
            .await
            .expect("the queue runs");

        let redeemed = share_tokens::get(&engine, &automated.organization, &token.id)
            .await
            .unwrap();
        assert_eq!(redeemed.status, share_tokens::ShareTokenStatus::Redeemed);
        let transaction = redeemed
            .destination_id
            .expect("redeemed into a transaction");
        let fields: String = sqlx::query_scalar("SELECT fields FROM objects WHERE id = $1")
            .bind(&transaction)
            .fetch_one(engine.db().pool())
            .await
            .unwrap();
        assert!(
            fields.contains("contact-email") && fields.contains("name-last"),
            "matched by name and by the workflow's mapping: {fields}"
        );
    }
}
