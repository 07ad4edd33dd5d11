//! The remaining error codes of CONTRACT.md §§3–5, each refused with its code and pointer, and
//! each leaving the database as it was.

mod common;

use common::RedeemRequest;
use common::World;
use engine::connections::{self, ConnectionAction, ConnectionStatus};
use engine::objects::{self, ObjectKind};
use engine::redemption;
use engine::schemas::SchemaKind;
use engine::share_tokens;
use serde_json::json;

#[tokio::test]
async fn a_terminal_inquiry_refuses_new_data() {
    let world = World::new().await;
    let (mut record, schema) = objects::get(
        &world.engine,
        &world.source.id,
        ObjectKind::Inquiry,
        &world.source_inquiry.id,
    )
    .await
    .unwrap();
    let mut tx = world.engine.db().begin_write().await.unwrap();

    let err = objects::apply_values(
        &mut tx,
        &world.engine,
        &mut record,
        &schema,
        Default::default(),
        world.engine.now(),
    )
    .await
    .unwrap_err();

    assert_eq!(err.code(), Some("inquiry-not-editable"));
}

#[tokio::test]
async fn share_token_and_redemption_errors_carry_their_codes_and_pointers() {
    let world = World::new().await;
    let token = world.share().await;

    let bad_source = share_tokens::create(
        &world.engine,
        &world.source.id,
        &engine::share_tokens::CreateShareToken {
            connection_id: world.connection_id.clone(),
            source_id: String::from("doc_aaaaaaaaaaaaaaaaaaaaaaaaaa"),
            expires_in_seconds: engine::share_tokens::DEFAULT_TTL_SECONDS,
        },
    )
    .await
    .unwrap_err();
    connections::act(
        &world.engine,
        &world.destination.id,
        &world.connection_id,
        ConnectionAction::Deactivate,
    )
    .await
    .unwrap();
    let loan = world
        .destination_schema(SchemaKind::TransactionType, json!([]), json!([]))
        .await;
    let transaction = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;
    let inactive = redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(
            token.id.as_str(),
            RedeemRequest {
                destination_id: Some(&transaction.id),
                field_mappings: None,
            },
        ),
    )
    .await
    .unwrap_err();

    assert!(
        matches!(
            bad_source,
            share_tokens::CreateShareTokenError::InvalidSource
        ),
        "a doc_ id is not a source: {bad_source:?}"
    );
    assert!(
        matches!(
            inactive,
            redemption::RedeemError::ConnectionNotActive(ConnectionStatus::Inactive)
        ),
        "a token over a deactivated connection is not redeemable: {inactive:?}"
    );
    assert_eq!(
        world.count("SELECT COUNT(*) FROM jobs").await,
        0,
        "nothing was enqueued"
    );
}
