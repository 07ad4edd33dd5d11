//! Inquiry templates, transaction types and account types: named schemas of an organization.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Engine;
use crate::error::{Problem, Result};
use crate::fields::Schema;
use crate::ids::{AccountTypeId, InquiryTemplateId, OrgId, TransactionTypeId};
use crate::paging::{Page, PageRequest};
use crate::time::Timestamp;
use crate::verification::Checks;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "kebab-case")]
#[sqlx(rename_all = "kebab-case")]
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

/// What a create request carries.
#[derive(Clone, Debug, Default)]
pub struct NewSchema<'a> {
    pub name: Option<&'a Value>,
    pub fields: Option<&'a Value>,
    pub verifications: Option<&'a Value>,
    pub reports: Option<&'a Value>,
    pub purpose: Option<&'a Value>,
}

/// Creates a schema of `kind` for `org`, refusing anything invalid with pointers.
pub async fn create(
    engine: &Engine,
    org: &OrgId,
    kind: SchemaKind,
    input: NewSchema<'_>,
) -> Result<SchemaRecord> {
    let mut problems = Vec::new();
    let name = match input.name.and_then(Value::as_str).map(str::trim) {
        Some(name) if !name.is_empty() && name.chars().count() <= 200 => name.to_owned(),
        _ => {
            problems.push(Problem::invalid(
                "invalid-name",
                "`name` is a string of 1 to 200 characters",
                "/data/attributes/name",
            ));
            String::new()
        }
    };
    let purpose = match input.purpose {
        None | Some(Value::Null) => None,
        Some(_) if kind != SchemaKind::InquiryTemplate => {
            problems.push(Problem::invalid(
                "invalid-attribute",
                "only inquiry templates have a purpose",
                "/data/attributes/purpose",
            ));
            None
        }
        Some(Value::String(text)) if !text.trim().is_empty() && text.chars().count() <= 500 => {
            Some(text.trim().to_owned())
        }
        Some(_) => {
            problems.push(Problem::invalid(
                "invalid-purpose",
                "`purpose` is a string of 1 to 500 characters",
                "/data/attributes/purpose",
            ));
            None
        }
    };
    let schema = match input.fields {
        Some(fields) => Schema::from_json(fields, "/data/attributes/fields").unwrap_or_else(|p| {
            problems.extend(p);
            Schema::default()
        }),
        None => {
            problems.push(Problem::invalid(
                "invalid-fields",
                "`fields` is required: a list of field declarations",
                "/data/attributes/fields",
            ));
            Schema::default()
        }
    };
    let checks = if kind == SchemaKind::InquiryTemplate {
        if problems.is_empty() {
            Checks::from_json(input.verifications, input.reports, &schema).unwrap_or_else(|p| {
                problems.extend(p);
                Checks::default()
            })
        } else {
            Checks::default()
        }
    } else {
        for (name, value) in [
            ("verifications", input.verifications),
            ("reports", input.reports),
        ] {
            if value.is_some_and(|v| !v.is_null()) {
                problems.push(Problem::invalid(
                    "invalid-attribute",
                    format!("only inquiry templates have {name}"),
                    format!("/data/attributes/{name}"),
                ));
            }
        }
        Checks::default()
    };
    if !problems.is_empty() {
        return Err(problems.into());
    }
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
    sqlx::query("INSERT INTO schemas (id, kind, organization_id, name, purpose, fields, checks, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
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
    find(engine.db().pool(), id)
        .await?
        .filter(|s| &s.organization_id == org && s.kind == kind)
        .ok_or_else(|| Problem::not_found(kind.described()).into())
}

pub(crate) async fn find<'e>(
    executor: impl sqlx::SqliteExecutor<'e>,
    id: &str,
) -> Result<Option<SchemaRecord>> {
    let row: Option<SchemaRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM schemas WHERE id = ?"))
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
        "SELECT {COLUMNS} FROM schemas WHERE organization_id = ?1 AND kind = ?2
           AND (?3 IS NULL OR seq < (SELECT seq FROM schemas WHERE id = ?3))
         ORDER BY seq DESC LIMIT ?4"
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

    #[tokio::test]
    async fn an_inquiry_template_requires_the_fields_its_verifications_need() {
        let engine = engine().await;
        let (org, _) = orgs::create(&engine, "Acme", &[]).await.unwrap();
        let fields = json!([{"key": "phone-number", "type": "string"}, {"key": "nickname", "type": "string"}]);

        let template = create(
            &engine,
            &org.id,
            SchemaKind::InquiryTemplate,
            NewSchema {
                name: Some(&json!("KYC")),
                fields: Some(&fields),
                verifications: Some(&json!([{"type": "phone-number"}])),
                reports: None,
                purpose: Some(&json!("  To open your account.  ")),
            },
        )
        .await
        .unwrap();

        let effective = template.effective_schema();
        assert!(
            effective
                .get(&FieldPath::parse("phone-number").unwrap())
                .unwrap()
                .required
        );
        assert!(
            !effective
                .get(&FieldPath::parse("nickname").unwrap())
                .unwrap()
                .required
        );
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
        let long = json!("x".repeat(501));
        let create_with = |kind, purpose| {
            let engine = engine.clone();
            let org = org.id.clone();
            async move {
                create(
                    &engine,
                    &org,
                    kind,
                    NewSchema {
                        name: Some(&json!("T")),
                        fields: Some(&json!([])),
                        purpose: Some(&purpose),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_err()
            }
        };

        let too_long = create_with(SchemaKind::InquiryTemplate, long).await;
        let on_a_type = create_with(SchemaKind::TransactionType, json!("Because.")).await;

        assert_eq!(too_long.code(), Some("invalid-purpose"));
        assert_eq!(
            too_long.problems()[0].pointer.as_deref(),
            Some("/data/attributes/purpose")
        );
        assert_eq!(on_a_type.code(), Some("invalid-attribute"));
    }

    #[tokio::test]
    async fn a_transaction_type_has_no_verifications_and_is_invisible_to_other_organizations() {
        let engine = engine().await;
        let (org, _) = orgs::create(&engine, "Acme", &[]).await.unwrap();
        let (other, _) = orgs::create(&engine, "Other", &[]).await.unwrap();

        let refused = create(
            &engine,
            &org.id,
            SchemaKind::TransactionType,
            NewSchema {
                name: Some(&json!("Loan")),
                fields: Some(&json!([])),
                verifications: Some(&json!([{"type": "selfie"}])),
                reports: None,
                purpose: None,
            },
        )
        .await
        .unwrap_err();
        let created = create(
            &engine,
            &org.id,
            SchemaKind::TransactionType,
            NewSchema {
                name: Some(&json!("Loan")),
                fields: Some(&json!([])),
                ..Default::default()
            },
        )
        .await
        .unwrap();

        assert_eq!(
            refused.problems()[0].pointer.as_deref(),
            Some("/data/attributes/verifications")
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
    async fn every_problem_of_a_bad_template_is_reported_at_once() {
        let engine = engine().await;
        let (org, _) = orgs::create(&engine, "Acme", &[]).await.unwrap();

        let err = create(
            &engine,
            &org.id,
            SchemaKind::AccountType,
            NewSchema {
                name: Some(&json!("")),
                fields: None,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();

        let pointers: Vec<_> = err
            .problems()
            .iter()
            .map(|p| p.pointer.clone().unwrap())
            .collect();
        assert_eq!(
            pointers,
            ["/data/attributes/name", "/data/attributes/fields"]
        );
    }
}
