//! Inquiries, transactions and accounts: creation, runs, session tokens and resume.

mod common;

use std::time::Duration;

use common::NewObject;
use common::{World, png};
use engine::events::{self, names};
use engine::inquiry::{INQUIRY_TTL, InquiryStatus};
use engine::objects::{self, ObjectKind};
use engine::paging::PageRequest;
use engine::schemas::SchemaKind;
use serde_json::json;

#[tokio::test]
async fn an_inquiry_created_with_every_required_field_runs_at_once() {
    let world = World::new().await;

    let source = &world.source_inquiry;

    assert_eq!(source.status, Some(InquiryStatus::Completed));
    let run = source.run.as_ref().expect("a run");
    assert_eq!(run.verifications.len(), 2);
    let names: Vec<_> = events::list(
        &world.engine,
        &world.source.id,
        None,
        &PageRequest::default(),
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|e| e.name)
    .collect();
    assert_eq!(
        names,
        [
            names::INQUIRY_COMPLETED,
            names::INQUIRY_STARTED,
            names::INQUIRY_CREATED
        ]
    );
}

#[tokio::test]
async fn a_value_that_does_not_fit_or_an_unknown_key_is_refused_and_nothing_is_created() {
    let world = World::new().await;
    let loan = world
        .destination_schema(
            SchemaKind::TransactionType,
            json!([{"key": "amount", "type": "integer"}]),
            json!([]),
        )
        .await;
    let before = world.count("SELECT COUNT(*) FROM objects").await;

    let err = common::create_object(
        &world.engine,
        &world.destination.id,
        ObjectKind::Transaction,
        NewObject {
            schema_id: Some(&loan.id),
            fields: Some(&json!({"amount": "ten", "colour": "red"})),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();

    let codes: Vec<_> = err
        .problems()
        .iter()
        .map(|p| (p.code, p.pointer.clone().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            (
                "invalid-field-value",
                "/data/attributes/fields/amount".to_owned()
            ),
            ("unknown-field", "/data/attributes/fields/colour".to_owned())
        ]
    );
    assert_eq!(world.count("SELECT COUNT(*) FROM objects").await, before);
}

#[tokio::test]
async fn a_schema_of_another_organization_is_not_found() {
    let world = World::new().await;
    let loan = world
        .destination_schema(SchemaKind::TransactionType, json!([]), json!([]))
        .await;

    let err = objects::create(
        &world.engine,
        &world.source.id,
        objects::CreateObject {
            kind: ObjectKind::Transaction,
            schema_id: loan.id.clone(),
            reference_id: None,
            fields: Default::default(),
        },
    )
    .await
    .unwrap_err();

    assert!(
        matches!(err, objects::CreateObjectError::SchemaNotFound),
        "another organization's schema is not found: {err:?}"
    );
}

#[tokio::test]
async fn a_failing_verification_fails_the_inquiry() {
    let world = World::new().await;
    let template = world
        .destination_schema(
            SchemaKind::InquiryTemplate,
            json!([{"key": "selfie", "type": "file"}]),
            json!([{"type": "selfie"}]),
        )
        .await;

    let created = common::create_object(
        &world.engine,
        &world.destination.id,
        ObjectKind::Inquiry,
        NewObject {
            schema_id: Some(&template.id),
            fields: Some(&json!({"selfie": common::file_json("tiny.png", &png(10, 10))})),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    assert_eq!(created.record.status, Some(InquiryStatus::Failed));
    assert!(created.record.failed_at.is_some());
}

#[tokio::test]
async fn a_session_token_opens_its_inquiry_until_it_is_replaced_by_resume() {
    let world = World::new().await;
    let template = world
        .destination_schema(
            SchemaKind::InquiryTemplate,
            json!([{"key": "x", "type": "string", "required": true}]),
            json!([]),
        )
        .await;
    let created = common::create_object(
        &world.engine,
        &world.destination.id,
        ObjectKind::Inquiry,
        NewObject {
            schema_id: Some(&template.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let first = created
        .session_token
        .expect("inquiries get a session token");

    let (opened, _) = objects::by_session(&world.engine, &created.record.id, first.expose_secret())
        .await
        .unwrap()
        .expect("the first session opens the inquiry");
    let (_, _, second) = objects::resume(&world.engine, &world.destination.id, &created.record.id)
        .await
        .unwrap();

    assert_eq!(opened.id, created.record.id);
    assert!(
        objects::by_session(&world.engine, &created.record.id, first.expose_secret())
            .await
            .unwrap()
            .is_none(),
        "a resumed inquiry's old session no longer opens it"
    );
    assert!(
        objects::by_session(&world.engine, &created.record.id, second.expose_secret())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        !format!("{second:?}").contains(second.expose_secret()),
        "session tokens are redacted in Debug"
    );
}

#[tokio::test]
async fn an_inquiry_expires_unless_resumed_and_a_terminal_one_cannot_be_resumed() {
    let world = World::new().await;
    let template = world
        .destination_schema(
            SchemaKind::InquiryTemplate,
            json!([{"key": "x", "type": "string", "required": true}]),
            json!([]),
        )
        .await;
    let created = common::create_object(
        &world.engine,
        &world.destination.id,
        ObjectKind::Inquiry,
        NewObject {
            schema_id: Some(&template.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    world
        .engine
        .clock()
        .advance(INQUIRY_TTL + Duration::from_secs(1));
    let (expired, _) = objects::get(
        &world.engine,
        &world.destination.id,
        ObjectKind::Inquiry,
        &created.record.id,
    )
    .await
    .unwrap();
    let (resumed, _, _) = objects::resume(&world.engine, &world.destination.id, &created.record.id)
        .await
        .unwrap();
    let terminal = objects::resume(&world.engine, &world.source.id, &world.source_inquiry.id)
        .await
        .unwrap_err();

    assert_eq!(
        expired.status_at(world.engine.now()),
        Some(InquiryStatus::Expired)
    );
    assert_eq!(
        resumed.status_at(world.engine.now()),
        Some(InquiryStatus::Created),
        "resume reopens an expired inquiry"
    );
    assert_eq!(terminal.code(), Some("inquiry-not-resumable"));
}
