//! A world for engine tests: two organizations with an active connection, a completed source
//! inquiry holding personal data and two files, and destination schemas of every kind.

#![allow(dead_code)]

use std::io::Cursor;

use base64::Engine as _;
use engine::connections::{self, ConnectionAction};
use engine::objects::{self, ObjectKind, ObjectRecord};
use engine::orgs::{self, Organization};
use engine::schemas::{self, CreateSchema, SchemaKind, SchemaRecord};
use engine::share_tokens::{self, ShareToken};
use engine::time::{Clock, Timestamp};
use engine::{Database, Engine};
use serde_json::{Value, json};

/// 2026-11-25T12:00:00Z.
pub const START: Timestamp = Timestamp(1_795_435_200_000);

pub struct World {
    pub engine: Engine,
    pub source: Organization,
    pub destination: Organization,
    pub stranger: Organization,
    pub connection_id: engine::ids::ConnectionId,
    pub source_inquiry: ObjectRecord,
    _dir: Option<tempfile::TempDir>,
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 3 % 256) as u8, (y * 5 % 256) as u8, 90])
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .expect("encode png");
    bytes
}

pub fn file_json(name: &str, bytes: &[u8]) -> Value {
    json!({"filename": name, "content-type": "image/png", "data": base64::engine::general_purpose::STANDARD.encode(bytes)})
}

/// The fields of the full KYC template used on both sides.
pub fn kyc_fields() -> Value {
    json!([
        {"key": "name-first", "type": "string", "label": "First name"},
        {"key": "name-last", "type": "string", "label": "Last name"},
        {"key": "birthdate", "type": "date", "label": "Date of birth"},
        {"key": "identification-number", "type": "string", "label": "ID number"},
        {"key": "government-id-front", "type": "file", "label": "Front of ID"},
        {"key": "selfie", "type": "file", "label": "Selfie"},
        {"key": "salary", "type": "string"},
        {"key": "name_first", "type": "string"}
    ])
}

pub fn kyc_values(id_front: &[u8], selfie: &[u8]) -> Value {
    json!({
        "name-first": "Ada",
        "name-last": "Lovelace",
        "birthdate": "1990-02-01",
        "identification-number": "X1234567",
        "government-id-front": file_json("id.png", id_front),
        "selfie": file_json("selfie.png", selfie),
        "salary": "52000",
        "name_first": "Ada"
    })
}

impl World {
    pub async fn new() -> Self {
        let db = Database::connect(&engine::db::test_database_url("sqlite::memory:").await)
            .await
            .expect("database");
        Self::with_db(db, None).await
    }

    /// A world over a database file, for tests that need real concurrent connections.
    pub async fn on_disk() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Database::connect(&engine::db::test_database_url(&file).await)
            .await
            .expect("database");
        Self::with_db(db, Some(dir)).await
    }

    async fn with_db(db: Database, dir: Option<tempfile::TempDir>) -> Self {
        let engine = Engine::new(db).with_clock(Clock::manual(START));
        let (source, _) = orgs::create(&engine, "Source Bank", &[]).await.unwrap();
        let (destination, _) = orgs::create(
            &engine,
            "Destination Lender",
            &["https://lender.example".into()],
        )
        .await
        .unwrap();
        let (stranger, _) = orgs::create(&engine, "Stranger", &[]).await.unwrap();
        let connection = connections::create(&engine, &source.id, &destination.id)
            .await
            .unwrap();
        connections::act(
            &engine,
            &destination.id,
            &connection.id,
            ConnectionAction::Accept,
        )
        .await
        .unwrap();
        let template = schema(
            &engine,
            &source,
            SchemaKind::InquiryTemplate,
            kyc_fields(),
            json!([{"type": "government-id"}, {"type": "selfie"}]),
        )
        .await;
        let created = create_object(
            &engine,
            &source.id,
            ObjectKind::Inquiry,
            NewObject {
                schema_id: Some(&template.id),
                reference_id: None,
                fields: Some(&kyc_values(&png(80, 80), &png(100, 100))),
            },
        )
        .await
        .expect("source inquiry");
        assert_eq!(
            created.record.status,
            Some(engine::inquiry::InquiryStatus::Completed),
            "the source inquiry should complete: {:?}",
            created.record.run
        );
        Self {
            engine,
            source,
            destination,
            stranger,
            connection_id: connection.id.clone(),
            source_inquiry: created.record,
            _dir: dir,
        }
    }

    pub async fn share(&self) -> ShareToken {
        share_tokens::create(
            &self.engine,
            &self.source.id,
            &engine::share_tokens::CreateShareToken {
                connection_id: self.connection_id.clone(),
                source_id: String::from(&self.source_inquiry.id),
                expires_in_seconds: engine::share_tokens::DEFAULT_TTL_SECONDS,
            },
        )
        .await
        .expect("share token")
    }

    pub async fn destination_schema(
        &self,
        kind: SchemaKind,
        fields: Value,
        verifications: Value,
    ) -> SchemaRecord {
        schema(&self.engine, &self.destination, kind, fields, verifications).await
    }

    pub async fn destination_object(
        &self,
        kind: ObjectKind,
        schema: &SchemaRecord,
    ) -> ObjectRecord {
        create_object(
            &self.engine,
            &self.destination.id,
            kind,
            NewObject {
                schema_id: Some(&schema.id),
                ..Default::default()
            },
        )
        .await
        .expect("destination object")
        .record
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.engine.db().pool())
            .await
            .expect("count query")
    }
}

async fn schema(
    engine: &Engine,
    org: &Organization,
    kind: SchemaKind,
    fields: Value,
    verifications: Value,
) -> SchemaRecord {
    let verifications = if kind == SchemaKind::InquiryTemplate {
        verifications
    } else {
        Value::Null
    };
    let command = CreateSchema::from_json(kind, "Schema", fields, verifications, Value::Null)
        .expect("the storage form");
    schemas::create(engine, &org.id, command)
        .await
        .expect("schema")
}

impl World {
    /// `action` on the world's connection by `org`.
    pub async fn act_on_connection(
        &self,
        org: &Organization,
        action: ConnectionAction,
    ) -> Result<engine::connections::Connection, engine::connections::ActError> {
        connections::act(&self.engine, &org.id, &self.connection_id, action).await
    }

    /// A transaction type of the destination with one field, `name-last` (a string).
    pub async fn loan_type(&self) -> SchemaRecord {
        self.destination_schema(
            SchemaKind::TransactionType,
            json!([{"key": "name-last", "type": "string"}]),
            json!([]),
        )
        .await
    }

    /// A fresh token being redeemed (status `pending`, its job queued) into a new transaction
    /// whose type has only `name-last`. Returns the token and the transaction.
    pub async fn redemption_under_way(&self) -> (ShareToken, ObjectRecord) {
        let token = self.share().await;
        let loan = self.loan_type().await;
        let transaction = self
            .destination_object(ObjectKind::Transaction, &loan)
            .await;
        engine::redemption::redeem(
            &self.engine,
            &self.destination.id,
            &cmd(
                token.id.as_str(),
                RedeemRequest {
                    destination_id: Some(&transaction.id),
                    field_mappings: None,
                },
            ),
        )
        .await
        .expect("the redemption starts");
        (token, transaction)
    }
}

/// A redemption as tests write it: the destination and, optionally, the mappings as the API's
/// JSON list (`[{"source-field-name", "destination-field-name"}]`).
#[derive(Clone, Copy, Default)]
pub struct RedeemRequest<'a> {
    pub destination_id: Option<&'a str>,
    pub field_mappings: Option<&'a Value>,
}

/// The typed command for redeeming `token` as `request` says.
pub fn cmd(token: &str, request: RedeemRequest<'_>) -> engine::redemption::Redeem {
    engine::redemption::Redeem {
        token_id: engine::ids::ShareTokenId::parse(token).expect("a share token id"),
        destination_id: request.destination_id.expect("a destination").to_owned(),
        mappings: request
            .field_mappings
            .map(|json| serde_json::from_value(json.clone()).expect("mappings in the API's shape"))
            .unwrap_or_default(),
    }
}

impl World {
    /// `org`'s events, newest first, up to 100.
    pub async fn events_of(&self, org: &engine::ids::OrgId) -> Vec<engine::events::Event> {
        engine::events::list(
            &self.engine,
            org,
            None,
            &engine::paging::PageRequest {
                size: 100,
                after: None,
            },
        )
        .await
        .expect("events")
        .items
    }

    /// The destination's transaction `id` as it is stored now.
    pub async fn transaction(&self, id: &str) -> ObjectRecord {
        objects::get(
            &self.engine,
            &self.destination.id,
            ObjectKind::Transaction,
            id,
        )
        .await
        .expect("the destination's transaction")
        .0
    }
}

/// An object as tests describe it: its schema and, as the API's JSON, its reference and fields.
#[derive(Clone, Copy, Default)]
pub struct NewObject<'a> {
    pub schema_id: Option<&'a str>,
    pub reference_id: Option<&'a Value>,
    pub fields: Option<&'a Value>,
}

/// Creates an object the way the API does: the fields read against the schema at the edge (with
/// the API's pointers), then the typed command.
pub async fn create_object(
    engine: &Engine,
    org: &engine::ids::OrgId,
    kind: ObjectKind,
    input: NewObject<'_>,
) -> engine::Result<objects::Created> {
    let schema_id = input.schema_id.expect("a schema id").to_owned();
    let fields = match input.fields {
        Some(json) => {
            let schema = schemas::get(engine, org, kind.schema_kind(), &schema_id).await?;
            engine::fields::parse_fields(&schema.schema, json, "/data/attributes/fields")?
        }
        None => Default::default(),
    };
    let command = objects::CreateObject {
        kind,
        schema_id,
        reference_id: input
            .reference_id
            .map(|r| r.as_str().expect("a text reference id").to_owned()),
        fields,
    };
    Ok(objects::create(engine, org, command).await?)
}
