//! The server runs the background worker: a redemption finishes without anyone driving the queue.

mod common;

use std::time::Duration;

use common::TestServer;
use engine::connections::{self, ConnectionAction};
use engine::objects::{self, CreateObject, ObjectKind};
use engine::redemption::{self, Redeem};
use engine::schemas::{self, CreateSchema, SchemaKind};
use engine::share_tokens::{self, ShareTokenStatus};
use engine::{fields::FieldPath, fields::FieldValue, orgs};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redemption_started_on_a_running_server_is_finished_by_its_worker() {
    let server = TestServer::start().await;
    let engine = &server.engine;
    let (source, _) = orgs::create(engine, "Source", &[]).await.unwrap();
    let (destination, _) = orgs::create(engine, "Destination", &[]).await.unwrap();
    let connection = connections::create(engine, &source.id, &destination.id)
        .await
        .unwrap();
    connections::act(
        engine,
        &destination.id,
        &connection.id,
        ConnectionAction::Accept,
    )
    .await
    .unwrap();
    let fields = json!([{"key": "name-last", "type": "string"}]);
    let command = CreateSchema::from_json(
        SchemaKind::TransactionType,
        "Loan",
        fields,
        serde_json::Value::Null,
        serde_json::Value::Null,
    )
    .unwrap();
    let new_type = |org| schemas::create(engine, org, command.clone());
    let source_type = new_type(&source.id).await.unwrap();
    let destination_type = new_type(&destination.id).await.unwrap();
    let source_fields =
        objects::fields_from_json(engine, &source_type.id, &json!({"name-last": "Lovelace"}))
            .await
            .unwrap();
    let source_txn = objects::create(
        engine,
        &source.id,
        CreateObject {
            kind: ObjectKind::Transaction,
            schema_id: source_type.id.clone(),
            reference_id: None,
            fields: source_fields,
        },
    )
    .await
    .unwrap()
    .record;
    let destination_txn = objects::create(
        engine,
        &destination.id,
        CreateObject {
            kind: ObjectKind::Transaction,
            schema_id: destination_type.id.clone(),
            reference_id: None,
            fields: Default::default(),
        },
    )
    .await
    .unwrap()
    .record;
    let token = share_tokens::create(
        engine,
        &source.id,
        &engine::share_tokens::CreateShareToken {
            connection_id: engine::ids::ConnectionId::parse(connection.id.as_str()).unwrap(),
            source_id: String::from(&source_txn.id),
            expires_in_seconds: engine::share_tokens::DEFAULT_TTL_SECONDS,
        },
    )
    .await
    .unwrap();

    let command = Redeem {
        token_id: token.id.clone(),
        destination_id: destination_txn.id.clone(),
        mappings: Vec::new(),
    };
    redemption::redeem(engine, &destination.id, &command)
        .await
        .unwrap();

    let mut status = ShareTokenStatus::Pending;
    for _ in 0..200 {
        status = share_tokens::get(engine, &destination.id, &token.id)
            .await
            .unwrap()
            .status;
        if status != ShareTokenStatus::Pending {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        status,
        ShareTokenStatus::Redeemed,
        "the server's worker should finish the redemption"
    );
    let (hydrated, _) = objects::get(
        engine,
        &destination.id,
        ObjectKind::Transaction,
        &destination_txn.id,
    )
    .await
    .unwrap();
    assert_eq!(
        hydrated.fields[&FieldPath::parse("name-last").unwrap()],
        FieldValue::String("Lovelace".into())
    );
    server
        .stop()
        .await
        .expect("a graceful stop with the worker");
}
