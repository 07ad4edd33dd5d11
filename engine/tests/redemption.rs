//! Redemption end to end over SQLite: validation, hydration, inquiry runs, events, exactly-once.

mod common;

use std::time::Duration;

use common::RedeemRequest;
use common::World;
use engine::events::{self, names};
use engine::hydration::MappingProblem;
use engine::inquiry::InquiryStatus;
use engine::objects::{self, ObjectKind};
use engine::paging::PageRequest;
use engine::redemption::{self, RedeemError};
use engine::schemas::SchemaKind;
use engine::share_tokens::{self, ShareTokenStatus};
use engine::{fields::FieldPath, fields::FieldValue, worker};
use serde_json::json;

fn path(text: &str) -> FieldPath {
    FieldPath::parse(text).unwrap()
}

fn into(destination: &str) -> RedeemRequest<'_> {
    RedeemRequest {
        destination_id: Some(destination),
        field_mappings: None,
    }
}

#[tokio::test]
async fn redeem_into_transaction_copies_matching_fields_and_leaves_the_rest_unset() {
    let world = World::new().await;
    let token = world.share().await;
    let loan = world
        .destination_schema(
            SchemaKind::TransactionType,
            json!([{"key": "name-last", "type": "string"}, {"key": "income", "type": "integer"}]),
            json!([]),
        )
        .await;
    let transaction = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;

    let pending = redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&transaction.id)),
    )
    .await
    .expect("redeem");
    let ran = worker::run_pending(&world.engine).await.expect("worker");

    assert_eq!(
        pending.status,
        ShareTokenStatus::Pending,
        "redeem answers with the token pending"
    );
    assert_eq!(ran, 1, "one redemption job");
    let (hydrated, _) = objects::get(
        &world.engine,
        &world.destination.id,
        ObjectKind::Transaction,
        &transaction.id,
    )
    .await
    .unwrap();
    assert_eq!(
        hydrated.fields.get(&path("name-last")),
        Some(&FieldValue::String("Lovelace".into()))
    );
    assert_eq!(
        hydrated.fields.get(&path("income")),
        None,
        "income has no source by name and no mapping"
    );
    let redeemed = share_tokens::get(&world.engine, &world.destination.id, &token.id)
        .await
        .unwrap();
    assert_eq!(redeemed.status, ShareTokenStatus::Redeemed);
    let report = redeemed
        .hydration_report
        .expect("a report after redemption");
    assert_eq!(report.by_name, [path("name-last")]);
    assert_eq!(report.unset, [path("income")]);
}

#[tokio::test]
async fn field_mappings_fill_differently_named_and_nested_fields() {
    let world = World::new().await;
    let token = world.share().await;
    let account_type = world
        .destination_schema(
            SchemaKind::AccountType,
            json!([{"key": "income", "type": "integer"}, {"key": "name.first", "type": "string"}]),
            json!([]),
        )
        .await;
    let account = world
        .destination_object(ObjectKind::Account, &account_type)
        .await;
    let mappings = json!([
        {"source-field-name": "salary", "destination-field-name": "income"},
        {"source-field-name": "name_first", "destination-field-name": "name.first"}
    ]);

    redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(
            token.id.as_str(),
            RedeemRequest {
                destination_id: Some(&account.id),
                field_mappings: Some(&mappings),
            },
        ),
    )
    .await
    .unwrap();
    worker::run_pending(&world.engine).await.unwrap();

    let (hydrated, _) = objects::get(
        &world.engine,
        &world.destination.id,
        ObjectKind::Account,
        &account.id,
    )
    .await
    .unwrap();
    assert_eq!(
        hydrated.fields[&path("income")],
        FieldValue::Integer(52_000),
        "\"52000\" converts to the declared integer"
    );
    assert_eq!(
        hydrated.fields[&path("name.first")],
        FieldValue::String("Ada".into())
    );
}

#[tokio::test]
async fn redeem_into_inquiry_with_everything_completes_it_with_byte_identical_copies_of_files() {
    let world = World::new().await;
    let token = world.share().await;
    let template = world
        .destination_schema(
            SchemaKind::InquiryTemplate,
            common::kyc_fields(),
            json!([{"type": "government-id"}, {"type": "selfie"}]),
        )
        .await;
    let inquiry = world
        .destination_object(ObjectKind::Inquiry, &template)
        .await;

    redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&inquiry.id)),
    )
    .await
    .unwrap();
    worker::run_pending(&world.engine).await.unwrap();

    let (done, _) = objects::get(
        &world.engine,
        &world.destination.id,
        ObjectKind::Inquiry,
        &inquiry.id,
    )
    .await
    .unwrap();
    assert_eq!(
        done.status,
        Some(InquiryStatus::Completed),
        "run: {:?}",
        done.run
    );
    let (FieldValue::File(copy), FieldValue::File(original)) = (
        &done.fields[&path("selfie")],
        &world.source_inquiry.fields[&path("selfie")],
    ) else {
        panic!("selfie should be a file on both sides");
    };
    assert_ne!(
        copy.id, original.id,
        "the destination gets its own document"
    );
    assert_eq!(copy.sha256, original.sha256);
    let owner: String = sqlx::query_scalar("SELECT organization_id FROM documents WHERE id = $1")
        .bind(&copy.id)
        .fetch_one(world.engine.db().pool())
        .await
        .unwrap();
    assert_eq!(owner, world.destination.id.to_string());
    let bytes = |id: String| {
        let pool = world.engine.db().pool().clone();
        async move {
            sqlx::query_scalar::<_, Vec<u8>>("SELECT bytes FROM documents WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        bytes(copy.id.to_string()).await,
        bytes(original.id.to_string()).await,
        "identical bytes"
    );
    let completed = events::list(
        &world.engine,
        &world.destination.id,
        Some(names::INQUIRY_COMPLETED),
        &PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(completed.items.len(), 1);
}

#[tokio::test]
async fn redeem_into_inquiry_missing_a_required_field_leaves_it_pending_with_the_missing_fields() {
    let world = World::new().await;
    let token = world.share().await;
    let fields = json!([
        {"key": "name-first", "type": "string"}, {"key": "name-last", "type": "string"},
        {"key": "phone-number", "type": "string"}
    ]);
    let template = world
        .destination_schema(
            SchemaKind::InquiryTemplate,
            fields,
            json!([{"type": "phone-number"}]),
        )
        .await;
    let inquiry = world
        .destination_object(ObjectKind::Inquiry, &template)
        .await;

    redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&inquiry.id)),
    )
    .await
    .unwrap();
    worker::run_pending(&world.engine).await.unwrap();

    let (stuck, schema) = objects::get(
        &world.engine,
        &world.destination.id,
        ObjectKind::Inquiry,
        &inquiry.id,
    )
    .await
    .unwrap();
    assert_eq!(stuck.status, Some(InquiryStatus::Pending));
    assert_eq!(
        engine::render::missing_fields_meta(&stuck, &schema),
        json!(["phone-number"])
    );
    assert_eq!(
        share_tokens::get(&world.engine, &world.destination.id, &token.id)
            .await
            .unwrap()
            .status,
        ShareTokenStatus::Redeemed
    );
}

#[tokio::test]
async fn only_the_destination_organization_can_redeem() {
    let world = World::new().await;
    let token = world.share().await;
    let loan = world
        .destination_schema(SchemaKind::TransactionType, json!([]), json!([]))
        .await;
    let transaction = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;

    for org in [&world.source.id, &world.stranger.id] {
        let err = redemption::redeem(
            &world.engine,
            org,
            &common::cmd(token.id.as_str(), into(&transaction.id)),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, RedeemError::TokenNotFound),
            "{org} must not redeem: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_destination_of_another_organization_is_not_found() {
    let world = World::new().await;
    let token = world.share().await;

    let err = redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&world.source_inquiry.id)),
    )
    .await
    .unwrap_err();

    assert!(
        matches!(err, RedeemError::DestinationNotFound),
        "another organization's object is not found: {err:?}"
    );
}

#[tokio::test]
async fn a_token_already_pending_or_redeemed_is_a_conflict() {
    let world = World::new().await;
    let token = world.share().await;
    let loan = world
        .destination_schema(SchemaKind::TransactionType, json!([]), json!([]))
        .await;
    let first = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;
    let second = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;
    redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&first.id)),
    )
    .await
    .unwrap();

    let while_pending = redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&second.id)),
    )
    .await
    .unwrap_err();
    worker::run_pending(&world.engine).await.unwrap();
    let once_redeemed = redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&second.id)),
    )
    .await
    .unwrap_err();

    assert!(
        matches!(while_pending, RedeemError::AlreadyRedeemed),
        "{while_pending:?}"
    );
    assert!(
        matches!(once_redeemed, RedeemError::AlreadyRedeemed),
        "{once_redeemed:?}"
    );
}

#[tokio::test]
async fn an_expired_token_reads_as_expired_at_once_and_cannot_be_redeemed() {
    let world = World::new().await;
    let token = share_tokens::create(
        &world.engine,
        &world.source.id,
        &engine::share_tokens::CreateShareToken {
            connection_id: world.connection_id.clone(),
            source_id: String::from(&world.source_inquiry.id),
            expires_in_seconds: 60,
        },
    )
    .await
    .unwrap();
    let loan = world
        .destination_schema(SchemaKind::TransactionType, json!([]), json!([]))
        .await;
    let transaction = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;

    world.engine.clock().advance(Duration::from_secs(60));

    let read = share_tokens::get(&world.engine, &world.destination.id, &token.id)
        .await
        .unwrap();
    assert_eq!(
        read.status_at(world.engine.now()),
        ShareTokenStatus::Expired,
        "no sweeper needed"
    );
    let err = redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&transaction.id)),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RedeemError::Expired), "{err:?}");
    let listed = share_tokens::list(
        &world.engine,
        &world.destination.id,
        &share_tokens::ListFilter {
            status: Some(ShareTokenStatus::Expired),
            ..Default::default()
        },
        &PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(listed.items.len(), 1, "the status filter sees expiry too");
}

#[tokio::test]
async fn a_terminal_destination_inquiry_is_not_redeemable() {
    let world = World::new().await;
    let token = world.share().await;
    let template = world
        .destination_schema(
            SchemaKind::InquiryTemplate,
            json!([{"key": "nickname", "type": "string"}]),
            json!([]),
        )
        .await;
    let done = common::create_object(
        &world.engine,
        &world.destination.id,
        ObjectKind::Inquiry,
        common::NewObject {
            schema_id: Some(&template.id),
            fields: Some(&json!({"nickname": "A"})),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(done.record.status, Some(InquiryStatus::Completed));

    let err = redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&done.record.id)),
    )
    .await
    .unwrap_err();

    assert!(
        matches!(err, RedeemError::DestinationNotRedeemable(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn mappings_to_undeclared_or_repeated_destination_fields_are_refused_and_change_nothing() {
    let world = World::new().await;
    let token = world.share().await;
    let loan = world
        .destination_schema(
            SchemaKind::TransactionType,
            json!([{"key": "income", "type": "integer"}]),
            json!([]),
        )
        .await;
    let transaction = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;
    let unknown = json!([{"source-field-name": "salary", "destination-field-name": "wealth"}]);

    let err = redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(
            token.id.as_str(),
            RedeemRequest {
                destination_id: Some(&transaction.id),
                field_mappings: Some(&unknown),
            },
        ),
    )
    .await
    .unwrap_err();

    match &err {
        RedeemError::Mappings(refusals) => assert_eq!(
            (refusals[0].index, refusals[0].problem),
            (0, MappingProblem::NotADestinationField)
        ),
        other => panic!("expected the mapping to be refused, got {other:?}"),
    }
    let unchanged = share_tokens::get(&world.engine, &world.destination.id, &token.id)
        .await
        .unwrap();
    assert_eq!(
        unchanged.status,
        ShareTokenStatus::Created,
        "a refused redemption leaves the token as it was"
    );
    assert_eq!(world.count("SELECT COUNT(*) FROM jobs").await, 0);
}

#[tokio::test]
async fn preview_returns_the_report_redeeming_produces_and_writes_nothing() {
    let world = World::new().await;
    let token = world.share().await;
    let account_type = world
        .destination_schema(SchemaKind::AccountType, json!([{"key": "income", "type": "integer"}, {"key": "name-last", "type": "string"}, {"key": "tier", "type": "string"}]), json!([]))
        .await;
    let account = world
        .destination_object(ObjectKind::Account, &account_type)
        .await;
    let mappings = json!([{"source-field-name": "salary", "destination-field-name": "income"}, {"source-field-name": "absent", "destination-field-name": "tier"}]);
    let request = || RedeemRequest {
        destination_id: Some(&account.id),
        field_mappings: Some(&mappings),
    };
    let events_before = world.count("SELECT COUNT(*) FROM events").await;

    let preview = redemption::preview(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), request()),
    )
    .await
    .unwrap();

    assert_eq!(
        world.count("SELECT COUNT(*) FROM events").await,
        events_before,
        "preview writes no events"
    );
    assert_eq!(
        share_tokens::get(&world.engine, &world.destination.id, &token.id)
            .await
            .unwrap()
            .status,
        ShareTokenStatus::Created
    );
    redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), request()),
    )
    .await
    .unwrap();
    worker::run_pending(&world.engine).await.unwrap();
    let redeemed = share_tokens::get(&world.engine, &world.destination.id, &token.id)
        .await
        .unwrap();
    // The preview judges by types: the text `salary` into an integer is decided at redemption.
    let mut previewed = preview.clone();
    let conditional: Vec<_> = previewed.conditional.drain(..).map(|c| c.path).collect();
    assert_eq!(conditional, [path("income")]);
    assert_eq!(Some(previewed), redeemed.hydration_report);
}

#[tokio::test]
async fn creation_and_redemption_emit_events_to_each_side() {
    let world = World::new().await;
    let token = world.share().await;
    let loan = world
        .destination_schema(SchemaKind::TransactionType, json!([]), json!([]))
        .await;
    let transaction = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;

    redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&transaction.id)),
    )
    .await
    .unwrap();
    worker::run_pending(&world.engine).await.unwrap();

    let names_of = |org| {
        let engine = world.engine.clone();
        async move {
            events::list(
                &engine,
                org,
                None,
                &PageRequest {
                    size: 100,
                    after: None,
                },
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .filter(|e| e.name.starts_with("connect/"))
            .map(|e| {
                (
                    e.name,
                    e.payload["data"]["attributes"]["status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        names_of(&world.destination.id).await,
        [
            (
                names::SHARE_TOKEN_INBOUND_REDEEMED.to_owned(),
                "redeemed".to_owned()
            ),
            (
                names::SHARE_TOKEN_INBOUND_CREATED.to_owned(),
                "created".to_owned()
            )
        ]
    );
    assert_eq!(
        names_of(&world.source.id).await,
        [
            (
                names::SHARE_TOKEN_OUTBOUND_REDEEMED.to_owned(),
                "redeemed".to_owned()
            ),
            (
                names::SHARE_TOKEN_OUTBOUND_CREATED.to_owned(),
                "created".to_owned()
            )
        ]
    );
}

#[tokio::test]
async fn a_destination_that_becomes_terminal_before_the_job_runs_fails_the_token_for_good() {
    let world = World::new().await;
    let token = world.share().await;
    let template = world
        .destination_schema(
            SchemaKind::InquiryTemplate,
            json!([{"key": "nickname", "type": "string"}]),
            json!([]),
        )
        .await;
    let inquiry = world
        .destination_object(ObjectKind::Inquiry, &template)
        .await;
    redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&inquiry.id)),
    )
    .await
    .unwrap();
    sqlx::query("UPDATE objects SET status = 'completed' WHERE id = $1")
        .bind(&inquiry.id)
        .execute(world.engine.db().pool())
        .await
        .unwrap();

    worker::run_pending(&world.engine).await.unwrap();

    let failed = share_tokens::get(&world.engine, &world.destination.id, &token.id)
        .await
        .unwrap();
    assert_eq!(failed.status, ShareTokenStatus::Failed);
    assert_eq!(
        failed.failure,
        Some(engine::share_tokens::RedemptionFailure::DestinationNotRedeemable),
        "the token records why with a code"
    );
    let again = world
        .destination_object(ObjectKind::Inquiry, &template)
        .await;
    let err = redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&again.id)),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RedeemError::Failed(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_16_concurrent_redeems_exactly_one_is_accepted_and_the_destination_is_hydrated_once() {
    let world = World::on_disk().await;
    let token = world.share().await;
    let template = world
        .destination_schema(
            SchemaKind::InquiryTemplate,
            common::kyc_fields(),
            json!([{"type": "selfie"}]),
        )
        .await;
    let inquiry = world
        .destination_object(ObjectKind::Inquiry, &template)
        .await;
    let docs_before = world.count("SELECT COUNT(*) FROM documents").await;

    let attempts = (0..16).map(|_| {
        let engine = world.engine.clone();
        let org = world.destination.id.clone();
        let token_id = token.id.to_string();
        let destination = inquiry.id.clone();
        tokio::spawn(async move {
            redemption::redeem(
                &engine,
                &org,
                &common::cmd(
                    &token_id,
                    RedeemRequest {
                        destination_id: Some(&destination),
                        field_mappings: None,
                    },
                ),
            )
            .await
        })
    });
    let results: Vec<_> = futures_join(attempts).await;
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let engine = world.engine.clone();
            tokio::spawn(async move { worker::run_pending(&engine).await.unwrap() })
        })
        .collect();
    let ran: usize = futures_join(workers).await.into_iter().sum();

    let accepted = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(RedeemError::AlreadyRedeemed)))
        .count();
    assert_eq!((accepted, conflicts), (1, 15), "results: {results:?}");
    assert_eq!(ran, 1, "one job");
    assert_eq!(
        world.count("SELECT COUNT(*) FROM documents").await - docs_before,
        2,
        "two files copied, once"
    );
    let redeemed_events = events::list(
        &world.engine,
        &world.destination.id,
        Some(names::SHARE_TOKEN_INBOUND_REDEEMED),
        &PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(redeemed_events.items.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redemptions_requested_at_once_all_start_and_a_refused_one_among_them_changes_nothing_else()
{
    let world = World::on_disk().await;
    let loan = world.loan_type().await;
    let mut work = Vec::new();
    for _ in 0..6 {
        let token = world.share().await;
        let transaction = world
            .destination_object(ObjectKind::Transaction, &loan)
            .await;
        work.push((token.id.to_string(), transaction.id.clone()));
    }
    // The last is redeemed already: asked again among the others, it is refused alone.
    let (spent, spent_into) = work[5].clone();
    redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(&spent, into(&spent_into)),
    )
    .await
    .expect("the first redemption of the last token");

    let attempts = work.iter().cloned().map(|(token, transaction)| {
        let engine = world.engine.clone();
        let org = world.destination.id.clone();
        tokio::spawn(async move {
            redemption::redeem(&engine, &org, &common::cmd(&token, into(&transaction))).await
        })
    });
    let results: Vec<_> = futures_join(attempts).await;

    for (n, result) in results.iter().enumerate().take(5) {
        let token = result
            .as_ref()
            .unwrap_or_else(|err| panic!("redemption {n} was refused: {err:?}"));
        assert_eq!(token.status, ShareTokenStatus::Pending, "redemption {n}");
    }
    assert!(
        matches!(results[5], Err(RedeemError::AlreadyRedeemed)),
        "the spent token is refused, got {:?}",
        results[5]
    );
    assert_eq!(
        world.count("SELECT COUNT(*) FROM jobs").await,
        6,
        "one job per started redemption, none for the refused one"
    );
    worker::run_pending(&world.engine).await.expect("worker");
    for (token, _) in &work {
        let id = engine::ids::ShareTokenId::parse(token).unwrap();
        let token = share_tokens::get(&world.engine, &world.destination.id, &id)
            .await
            .unwrap();
        assert_eq!(
            token.status,
            ShareTokenStatus::Redeemed,
            "{id} ends redeemed"
        );
    }
}

async fn futures_join<T: Send + 'static>(
    handles: impl IntoIterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.expect("task panicked"));
    }
    out
}

#[tokio::test]
async fn a_redemption_interrupted_after_the_claim_is_resumed_after_restart_and_completes_once() {
    let world = World::on_disk().await;
    let token = world.share().await;
    let loan = world
        .destination_schema(
            SchemaKind::TransactionType,
            json!([{"key": "name-last", "type": "string"}, {"key": "selfie", "type": "file"}]),
            json!([]),
        )
        .await;
    let transaction = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;
    redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(token.id.as_str(), into(&transaction.id)),
    )
    .await
    .unwrap();
    // A worker claims the job and dies mid-transaction: its writes are rolled back, the lease stays.
    engine::jobs::claim(&world.engine, engine::jobs::LEASE)
        .await
        .unwrap()
        .expect("the redemption job");
    {
        let mut tx = world.engine.db().begin_write().await.unwrap();
        sqlx::query("UPDATE objects SET fields = '{\"name-last\":{\"type\":\"string\",\"value\":\"half\"}}' WHERE id = $1")
            .bind(&transaction.id)
            .execute(&mut *tx)
            .await
            .unwrap();
        drop(tx); // the crash: never committed
    }
    assert_eq!(
        worker::run_pending(&world.engine).await.unwrap(),
        0,
        "the job is leased to the dead worker"
    );
    let (untouched, _) = objects::get(
        &world.engine,
        &world.destination.id,
        ObjectKind::Transaction,
        &transaction.id,
    )
    .await
    .unwrap();
    assert!(
        untouched.fields.is_empty(),
        "nothing half-written is visible"
    );
    assert_eq!(
        share_tokens::get(&world.engine, &world.destination.id, &token.id)
            .await
            .unwrap()
            .status,
        ShareTokenStatus::Pending
    );

    world.engine.clock().advance(engine::jobs::LEASE);
    let ran = worker::run_pending(&world.engine).await.unwrap();

    assert_eq!(ran, 1, "the job is resumed once its lease runs out");
    let (hydrated, _) = objects::get(
        &world.engine,
        &world.destination.id,
        ObjectKind::Transaction,
        &transaction.id,
    )
    .await
    .unwrap();
    assert_eq!(
        hydrated.fields[&path("name-last")],
        FieldValue::String("Lovelace".into())
    );
    let copies: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE organization_id = $1")
            .bind(&world.destination.id)
            .fetch_one(world.engine.db().pool())
            .await
            .unwrap();
    assert_eq!(copies, 1, "the selfie is copied exactly once");
    assert_eq!(
        share_tokens::get(&world.engine, &world.destination.id, &token.id)
            .await
            .unwrap()
            .status,
        ShareTokenStatus::Redeemed
    );
    assert_eq!(
        worker::run_pending(&world.engine).await.unwrap(),
        0,
        "nothing left to run"
    );
}

#[tokio::test]
async fn a_group_of_redemptions_commits_together_and_a_failing_one_rolls_back_alone() {
    let world = World::new().await;
    let loan = world.loan_type().await;
    let mut redeemed = Vec::new();
    for _ in 0..3 {
        let token = world.share().await;
        let transaction = world
            .destination_object(ObjectKind::Transaction, &loan)
            .await;
        redemption::redeem(
            &world.engine,
            &world.destination.id,
            &common::cmd(token.id.as_str(), into(&transaction.id)),
        )
        .await
        .expect("redeem");
        redeemed.push(token.id.clone());
    }
    // A fourth whose destination inquiry completes before the job runs: that job fails alone.
    let template = world
        .destination_schema(
            SchemaKind::InquiryTemplate,
            json!([{"key": "nickname", "type": "string", "required": true}]),
            json!([]),
        )
        .await;
    let inquiry = world
        .destination_object(ObjectKind::Inquiry, &template)
        .await;
    let doomed = world.share().await;
    redemption::redeem(
        &world.engine,
        &world.destination.id,
        &common::cmd(doomed.id.as_str(), into(&inquiry.id)),
    )
    .await
    .expect("redeem");
    sqlx::query("UPDATE objects SET status = 'completed' WHERE id = $1")
        .bind(&inquiry.id)
        .execute(world.engine.db().pool())
        .await
        .unwrap();

    let ran = worker::run_pending(&world.engine).await.expect("worker");

    assert_eq!(ran, 4, "one batch of four jobs");
    for id in &redeemed {
        let token = share_tokens::get(&world.engine, &world.destination.id, id)
            .await
            .unwrap();
        assert_eq!(
            token.status,
            ShareTokenStatus::Redeemed,
            "{id} is redeemed despite its failing neighbour"
        );
    }
    let doomed = share_tokens::get(&world.engine, &world.destination.id, &doomed.id)
        .await
        .unwrap();
    assert_eq!(doomed.status, ShareTokenStatus::Failed);
    assert_eq!(
        world
            .count(
                "SELECT COUNT(*) FROM events WHERE name = 'connect/share-token.inbound-redeemed'"
            )
            .await,
        3,
        "the failed job's writes were rolled back, its neighbours' kept"
    );
}

#[tokio::test]
async fn two_tokens_redeemed_into_one_destination_in_one_group_both_land() {
    let world = World::new().await;
    let loan = world
        .destination_schema(
            SchemaKind::TransactionType,
            json!([{"key": "name-last", "type": "string"}, {"key": "name-first", "type": "string"}]),
            json!([]),
        )
        .await;
    let transaction = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;
    let first = world.share().await;
    let second = world.share().await;
    for token in [&first, &second] {
        redemption::redeem(
            &world.engine,
            &world.destination.id,
            &common::cmd(token.id.as_str(), into(&transaction.id)),
        )
        .await
        .expect("redeem");
    }

    worker::run_pending(&world.engine).await.expect("worker");
    world.engine.clock().advance(Duration::from_secs(2));
    worker::run_pending(&world.engine).await.expect("the retry");

    for token in [&first, &second] {
        let token = share_tokens::get(&world.engine, &world.destination.id, &token.id)
            .await
            .unwrap();
        assert_eq!(
            token.status,
            ShareTokenStatus::Redeemed,
            "the second is retried after the first changed the destination"
        );
    }
}

#[tokio::test]
async fn a_redemption_whose_worker_died_on_its_last_attempt_fails_with_its_events_in_one_go() {
    let world = World::new().await;
    let (token, transaction) = world.redemption_under_way().await;
    // Every attempt but the last was used; the last one's worker dies holding the lease.
    sqlx::query("UPDATE jobs SET attempts = max_attempts - 1")
        .execute(world.engine.db().pool())
        .await
        .unwrap();
    engine::jobs::claim(&world.engine, engine::jobs::LEASE)
        .await
        .unwrap()
        .expect("the last attempt");
    world.engine.clock().advance(engine::jobs::LEASE);

    let ran = worker::run_pending(&world.engine).await.unwrap();

    assert_eq!(ran, 1);
    let failed = share_tokens::get(&world.engine, &world.destination.id, &token.id)
        .await
        .unwrap();
    assert_eq!(failed.status, ShareTokenStatus::Failed, "not left pending");
    assert_eq!(
        failed.failure,
        Some(share_tokens::RedemptionFailure::InternalError)
    );
    assert_eq!(
        world
            .count("SELECT COUNT(*) FROM jobs WHERE status = 'failed'")
            .await,
        1,
        "the job is failed with its token"
    );
    assert_eq!(
        world
            .count(&format!(
                "SELECT COUNT(*) FROM events WHERE name = '{}'",
                names::SHARE_TOKEN_INBOUND_FAILED
            ))
            .await,
        1,
        "the destination's failed event is written with it"
    );
    let untouched = world.transaction(&transaction.id).await;
    assert!(untouched.fields.is_empty(), "the job did not run again");
}
