//! Inquiry templates, transaction types and account types: named schemas of an organization.

use serde::{Deserialize, Serialize};

use crate::Engine;
use crate::error::{Problem, Result};
use crate::fields::{FieldDef, Schema, SchemaError};
use crate::ids::{AccountTypeId, InquiryTemplateId, OrgId, TransactionTypeId};
use crate::paging::{Page, PageRequest};
use crate::time::Timestamp;
use crate::verification::{CheckList, Checks, ChecksError, Report, Verification};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemaKind {
    InquiryTemplate,
    TransactionType,
    AccountType,
}

impl SchemaKind {
    /// The JSON:API type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::InquiryTemplate => "inquiry-template",
            Self::TransactionType => "transaction-type",
            Self::AccountType => "account-type",
        }
    }

    /// The text stored in the `kind` column (the type name).
    pub fn as_str(self) -> &'static str {
        self.type_name()
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::InquiryTemplate,
            Self::TransactionType,
            Self::AccountType,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    pub fn id_prefix(self) -> &'static str {
        match self {
            Self::InquiryTemplate => InquiryTemplateId::PREFIX,
            Self::TransactionType => TransactionTypeId::PREFIX,
            Self::AccountType => AccountTypeId::PREFIX,
        }
    }

    fn new_id(self) -> String {
        match self {
            Self::InquiryTemplate => InquiryTemplateId::new().to_string(),
            Self::TransactionType => TransactionTypeId::new().to_string(),
            Self::AccountType => AccountTypeId::new().to_string(),
        }
    }

    fn described(self) -> &'static str {
        match self {
            Self::InquiryTemplate => "the inquiry template",
            Self::TransactionType => "the transaction type",
            Self::AccountType => "the account type",
        }
    }
}

domain::text_column!(SchemaKind);

/// A stored schema: its declared fields and, for inquiry templates, verifications and reports.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaRecord {
    pub id: String,
    pub kind: SchemaKind,
    pub organization_id: OrgId,
    pub name: String,
    /// Inquiry templates: why the organization asks, in its own words (the consent screen shows it).
    pub purpose: Option<String>,
    /// The fields as declared.
    pub schema: Schema,
    pub checks: Checks,
    pub created_at: Timestamp,
}

impl SchemaRecord {
    /// The fields with every field a verification or report needs marked required.
    pub fn effective_schema(&self) -> Schema {
        let mut schema = self.schema.clone();
        schema.require(&self.checks.needed_fields());
        schema
    }
}

/// Most characters of a schema's name.
pub const MAX_NAME_CHARS: usize = 200;
/// Most characters of an inquiry template's purpose.
pub const MAX_PURPOSE_CHARS: usize = 500;

/// A new schema as a channel read it: typed, not yet checked against the rules.
#[derive(Clone, Debug)]
pub struct CreateSchema {
    pub kind: SchemaKind,
    pub name: String,
    /// Inquiry templates only.
    pub purpose: Option<String>,
    pub fields: Vec<FieldDef>,
    /// Inquiry templates only.
    pub verifications: Vec<Verification>,
    /// Inquiry templates only.
    pub reports: Vec<Report>,
}

impl CreateSchema {
    /// A schema of `kind` with these fields and nothing else.
    pub fn new(kind: SchemaKind, name: impl Into<String>, fields: Vec<FieldDef>) -> Self {
        Self {
            kind,
            name: name.into(),
            purpose: None,
            fields,
            verifications: Vec::new(),
            reports: Vec::new(),
        }
    }

    /// A command from the storage form of field declarations (`[{"key", "type", …}]`) and of
    /// verifications and reports (`[{"type": …}]`), for callers that hold them as JSON they
    /// wrote themselves (the demo, load scenarios, tests). A request is read by its channel.
    pub fn from_json(
        kind: SchemaKind,
        name: &str,
        fields: serde_json::Value,
        verifications: serde_json::Value,
        reports: serde_json::Value,
    ) -> std::result::Result<Self, serde_json::Error> {
        let list = |json: serde_json::Value| {
            if json.is_null() {
                serde_json::json!([])
            } else {
                json
            }
        };
        Ok(Self {
            verifications: serde_json::from_value(list(verifications))?,
            reports: serde_json::from_value(list(reports))?,
            ..Self::new(kind, name, serde_json::from_value(fields)?)
        })
    }
}

/// One reason a schema is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchemaRefusal {
    #[error("`name` is a text of 1 to {MAX_NAME_CHARS} characters")]
    InvalidName,
    #[error("`purpose` is a text of 1 to {MAX_PURPOSE_CHARS} characters")]
    InvalidPurpose,
    #[error("only inquiry templates have a purpose")]
    PurposeNotAllowed,
    #[error("only inquiry templates have {}", .0.name())]
    ChecksNotAllowed(CheckList),
    #[error(transparent)]
    Field(#[from] SchemaError),
    #[error(transparent)]
    Check(#[from] ChecksError),
}

#[derive(Debug, thiserror::Error)]
pub enum CreateSchemaError {
    #[error("the schema is refused: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<SchemaRefusal>),
    #[error(transparent)]
    Internal(#[from] crate::Error),
}

crate::error::command_error!(CreateSchemaError);

/// A command that keeps every rule, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedSchema {
    pub kind: SchemaKind,
    pub name: String,
    pub purpose: Option<String>,
    pub schema: Schema,
    pub checks: Checks,
}

/// Checks a command against the rules: every refusal at once, except that verifications and
/// reports are checked against the fields only once the fields are right.
pub fn check(command: CreateSchema) -> std::result::Result<CheckedSchema, Vec<SchemaRefusal>> {
    let mut refusals = Vec::new();
    let name = command.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        refusals.push(SchemaRefusal::InvalidName);
    }
    let purpose = command.purpose.map(|p| p.trim().to_owned());
    match &purpose {
        Some(_) if command.kind != SchemaKind::InquiryTemplate => {
            refusals.push(SchemaRefusal::PurposeNotAllowed)
        }
        Some(p) if p.is_empty() || p.chars().count() > MAX_PURPOSE_CHARS => {
            refusals.push(SchemaRefusal::InvalidPurpose)
        }
        _ => {}
    }
    let schema = Schema::new(command.fields).unwrap_or_else(|errors| {
        refusals.extend(errors.into_iter().map(SchemaRefusal::Field));
        Schema::default()
    });
    let checks = if command.kind == SchemaKind::InquiryTemplate {
        if refusals.is_empty() {
            Checks::new(command.verifications, command.reports, &schema).unwrap_or_else(|errors| {
                refusals.extend(errors.into_iter().map(SchemaRefusal::Check));
                Checks::default()
            })
        } else {
            Checks::default()
        }
    } else {
        if !command.verifications.is_empty() {
            refusals.push(SchemaRefusal::ChecksNotAllowed(CheckList::Verifications));
        }
        if !command.reports.is_empty() {
            refusals.push(SchemaRefusal::ChecksNotAllowed(CheckList::Reports));
        }
        Checks::default()
    };
    if refusals.is_empty() {
        Ok(CheckedSchema {
            kind: command.kind,
            name,
            purpose,
            schema,
            checks,
        })
    } else {
        Err(refusals)
    }
}

/// Creates a schema for `org`, refusing anything that breaks the rules and storing nothing then.
pub async fn create(
    engine: &Engine,
    org: &OrgId,
    command: CreateSchema,
) -> std::result::Result<SchemaRecord, CreateSchemaError> {
    let CheckedSchema {
        kind,
        name,
        purpose,
        schema,
        checks,
    } = check(command).map_err(CreateSchemaError::Refused)?;
    let record = SchemaRecord {
        id: kind.new_id(),
        kind,
        organization_id: org.clone(),
        name,
        purpose,
        schema,
        checks,
        created_at: engine.now(),
    };
    let mut tx = engine.db().begin_write().await?;
    sqlx::query("INSERT INTO schemas (id, kind, organization_id, name, purpose, fields, checks, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&record.id)
        .bind(kind)
        .bind(org)
        .bind(&record.name)
        .bind(&record.purpose)
        .bind(serde_json::to_string(&record.schema).expect("schemas serialise"))
        .bind(serde_json::to_string(&record.checks).expect("checks serialise"))
        .bind(record.created_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(record)
}

#[derive(sqlx::FromRow)]
struct SchemaRow {
    id: String,
    kind: SchemaKind,
    organization_id: OrgId,
    name: String,
    purpose: Option<String>,
    fields: String,
    checks: String,
    created_at: Timestamp,
}

impl TryFrom<SchemaRow> for SchemaRecord {
    type Error = crate::Error;
    fn try_from(row: SchemaRow) -> Result<Self> {
        let corrupt = crate::error::unreadable("schema", &row.id);
        Ok(Self {
            schema: serde_json::from_str(&row.fields).map_err(&corrupt)?,
            checks: serde_json::from_str(&row.checks).map_err(&corrupt)?,
            id: row.id,
            kind: row.kind,
            organization_id: row.organization_id,
            name: row.name,
            purpose: row.purpose,
            created_at: row.created_at,
        })
    }
}

const COLUMNS: &str = "id, kind, organization_id, name, purpose, fields, checks, created_at";

/// `org`'s schema of `kind` with this id; 404 for anything else.
pub async fn get(engine: &Engine, org: &OrgId, kind: SchemaKind, id: &str) -> Result<SchemaRecord> {
    cached(engine, id)
        .await?
        .filter(|s| &s.organization_id == org && s.kind == kind)
        .ok_or_else(|| Problem::not_found(kind.described()).into())
}

/// Schemas kept in memory per process: a schema never changes once created, so a read is
/// good for as long as the process runs, whichever instance wrote it.
pub(crate) type SchemaCache = quick_cache::sync::Cache<String, std::sync::Arc<SchemaRecord>>;

/// How many schemas each process keeps (a few hundred bytes to a few kilobytes each).
pub(crate) const CACHED_SCHEMAS: usize = 4096;

/// A committed schema by id: from memory after its first read. Only reads through the pool
/// fill the cache (a schema read inside a transaction may not be committed yet).
pub(crate) async fn cached(engine: &Engine, id: &str) -> Result<Option<SchemaRecord>> {
    if let Some(found) = engine.schema_cache().get(id) {
        return Ok(Some(SchemaRecord::clone(&found)));
    }
    let found = find(engine.db().pool(), id).await?;
    if let Some(schema) = &found {
        engine
            .schema_cache()
            .insert(id.to_owned(), std::sync::Arc::new(schema.clone()));
    }
    Ok(found)
}

pub(crate) async fn find<'e>(
    executor: impl sqlx::AnyExecutor<'e>,
    id: &str,
) -> Result<Option<SchemaRecord>> {
    let row: Option<SchemaRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM schemas WHERE id = $1"))
            .bind(id)
            .fetch_optional(executor)
            .await?;
    row.map(TryInto::try_into).transpose()
}

/// `org`'s schemas of `kind`, newest first.
pub async fn list(
    engine: &Engine,
    org: &OrgId,
    kind: SchemaKind,
    page: &PageRequest,
) -> Result<Page<SchemaRecord>> {
    let rows: Vec<SchemaRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM schemas WHERE organization_id = $1 AND kind = $2
           AND ($3 IS NULL OR seq < (SELECT seq FROM schemas WHERE id = $3))
         ORDER BY seq DESC LIMIT $4"
    ))
    .bind(org)
    .bind(kind)
    .bind(&page.after)
    .bind(page.limit())
    .fetch_all(engine.db().pool())
    .await?;
    let records = rows
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<SchemaRecord>>>()?;
    Ok(Page::from_rows(records, page, |s| s.id.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::engine;
    use crate::{fields::FieldPath, orgs};
    use serde_json::json;

    fn template(fields: serde_json::Value, verifications: serde_json::Value) -> CreateSchema {
        CreateSchema::from_json(
            SchemaKind::InquiryTemplate,
            "KYC",
            fields,
            verifications,
            json!([]),
        )
        .expect("the storage form")
    }

    fn refusals(err: CreateSchemaError) -> Vec<SchemaRefusal> {
        match err {
            CreateSchemaError::Refused(refusals) => refusals,
            other => panic!("expected a refusal, got {other}"),
        }
    }

    #[tokio::test]
    async fn an_inquiry_template_requires_the_fields_its_verifications_need() {
        let engine = engine().await;
        let (org, _) = orgs::create(&engine, "Acme", &[]).await.unwrap();
        let command = CreateSchema {
            purpose: Some("  To open your account.  ".into()),
            ..template(
                json!([{"key": "phone-number", "type": "string"}, {"key": "nickname", "type": "string"}]),
                json!([{"type": "phone-number"}]),
            )
        };

        let template = create(&engine, &org.id, command).await.unwrap();

        let effective = template.effective_schema();
        let required = |key| {
            effective
                .get(&FieldPath::parse(key).unwrap())
                .unwrap()
                .required
        };
        assert!(required("phone-number"), "the verification needs it");
        assert!(!required("nickname"), "nothing needs it");
        let stored = get(&engine, &org.id, SchemaKind::InquiryTemplate, &template.id)
            .await
            .unwrap();
        assert_eq!(stored, template, "what is read back is what was created");
        assert_eq!(stored.purpose.as_deref(), Some("To open your account."));
    }

    #[tokio::test]
    async fn a_purpose_is_refused_when_too_long_or_on_anything_but_a_template() {
        let engine = engine().await;
        let (org, _) = orgs::create(&engine, "Acme", &[]).await.unwrap();
        let with_purpose = |kind, purpose: String| CreateSchema {
            purpose: Some(purpose),
            ..CreateSchema::new(kind, "T", vec![])
        };

        let too_long = create(
            &engine,
            &org.id,
            with_purpose(
                SchemaKind::InquiryTemplate,
                "x".repeat(MAX_PURPOSE_CHARS + 1),
            ),
        )
        .await
        .unwrap_err();
        let on_a_type = create(
            &engine,
            &org.id,
            with_purpose(SchemaKind::TransactionType, "Because.".into()),
        )
        .await
        .unwrap_err();

        assert_eq!(refusals(too_long), [SchemaRefusal::InvalidPurpose]);
        assert_eq!(refusals(on_a_type), [SchemaRefusal::PurposeNotAllowed]);
    }

    #[tokio::test]
    async fn a_transaction_type_has_no_verifications_and_is_invisible_to_other_organizations() {
        let engine = engine().await;
        let (org, _) = orgs::create(&engine, "Acme", &[]).await.unwrap();
        let (other, _) = orgs::create(&engine, "Other", &[]).await.unwrap();
        let loan = CreateSchema::new(SchemaKind::TransactionType, "Loan", vec![]);

        let refused = create(
            &engine,
            &org.id,
            CreateSchema {
                verifications: vec![Verification::Selfie],
                ..loan.clone()
            },
        )
        .await
        .unwrap_err();
        let created = create(&engine, &org.id, loan).await.unwrap();

        assert_eq!(
            refusals(refused),
            [SchemaRefusal::ChecksNotAllowed(CheckList::Verifications)]
        );
        assert!(created.id.starts_with("txntp_"));
        assert_eq!(
            get(&engine, &other.id, SchemaKind::TransactionType, &created.id)
                .await
                .unwrap_err()
                .code(),
            Some("not-found")
        );
        assert_eq!(
            get(&engine, &org.id, SchemaKind::AccountType, &created.id)
                .await
                .unwrap_err()
                .code(),
            Some("not-found")
        );
    }

    #[tokio::test]
    async fn every_refusal_of_a_bad_schema_is_reported_at_once_and_nothing_is_stored() {
        let engine = engine().await;
        let (org, _) = orgs::create(&engine, "Acme", &[]).await.unwrap();
        let command = CreateSchema {
            name: "   ".into(),
            ..template(
                json!([{"key": "income", "type": "integer"}, {"key": "income", "type": "number"}]),
                json!([{"type": "selfie"}]),
            )
        };

        let err = create(&engine, &org.id, command).await.unwrap_err();

        assert_eq!(
            refusals(err),
            [
                SchemaRefusal::InvalidName,
                SchemaRefusal::Field(SchemaError::DuplicateField {
                    index: 1,
                    key: FieldPath::parse("income").unwrap()
                })
            ],
            "the selfie's missing field is judged only once the fields are right"
        );
        let page = list(
            &engine,
            &org.id,
            SchemaKind::InquiryTemplate,
            &PageRequest::default(),
        )
        .await
        .unwrap();
        assert!(page.items.is_empty(), "nothing was stored");
    }
}
