//! Prepared data for benchmarks and load runs: `count` share tokens of a 10-field transaction,
//! each with an empty destination transaction to redeem into.

use serde_json::{Value, json};

use crate::Engine;
use crate::connections::{self, ConnectionAction};
use crate::error::Result;
use crate::ids::OrgId;
use crate::objects::{self, CreateObject, ObjectKind};
use crate::orgs::{self, ApiKey};
use crate::schemas::{self, CreateSchema, SchemaKind};
use crate::share_tokens::{self, CreateShareToken, DEFAULT_TTL_SECONDS};

/// What a redemption load run needs.
#[derive(Debug)]
pub struct RedemptionLoad {
    pub destination: OrgId,
    pub destination_key: ApiKey,
    /// The source's field values, as plain JSON.
    pub values: Value,
    /// `(share token id, destination transaction id)` pairs, one per redemption.
    pub work: Vec<(String, String)>,
}

/// Two organizations with an active connection, a 10-field transaction type on each side, one
/// source transaction, and `count` tokens with their destination transactions.
pub async fn redemption_load(engine: &Engine, count: usize) -> Result<RedemptionLoad> {
    let (source, _) = orgs::create(engine, "Source", &[]).await?;
    let (destination, destination_key) = orgs::create(engine, "Destination", &[]).await?;
    let connection = connections::create(engine, &source.id, &destination.id).await?;
    connections::act(
        engine,
        &destination.id,
        &connection.id,
        ConnectionAction::Accept,
    )
    .await?;
    let fields = Value::Array(
        (0..10)
            .map(|n| json!({"key": format!("field-{n}"), "type": "string"}))
            .collect(),
    );
    let values: Value = (0..10)
        .map(|n| (format!("field-{n}"), json!(format!("value {n}"))))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let command = CreateSchema::from_json(
        SchemaKind::TransactionType,
        "Load",
        fields,
        Value::Null,
        Value::Null,
    )
    .map_err(|err| crate::Error::Internal(format!("the load scenario's type: {err}")))?;
    let new_type = |org| schemas::create(engine, org, command.clone());
    let source_type = new_type(&source.id).await?;
    let destination_type = new_type(&destination.id).await?;
    let source_txn = objects::create(
        engine,
        &source.id,
        CreateObject {
            kind: ObjectKind::Transaction,
            schema_id: source_type.id.clone(),
            reference_id: None,
            fields: objects::fields_from_json(engine, &source_type.id, &values).await?,
        },
    )
    .await?
    .record;
    let mut work = Vec::with_capacity(count);
    for _ in 0..count {
        let token = share_tokens::create(
            engine,
            &source.id,
            &CreateShareToken {
                connection_id: connection.id.clone(),
                source_id: source_txn.id.clone(),
                expires_in_seconds: DEFAULT_TTL_SECONDS,
            },
        )
        .await?;
        let txn = objects::create(
            engine,
            &destination.id,
            CreateObject {
                kind: ObjectKind::Transaction,
                schema_id: destination_type.id.clone(),
                reference_id: None,
                fields: Default::default(),
            },
        )
        .await?
        .record;
        work.push((token.id.to_string(), txn.id));
    }
    Ok(RedemptionLoad {
        destination: destination.id,
        destination_key,
        values,
        work,
    })
}
