//! Workflows (CONTRACT.md §6) driven through the queue by hand: a run redeems its event's token
//! once, whatever is repeated, and a run that cannot redeem ends failed with a reason that names
//! no value.

mod common;

use common::World;
use engine::connections::ConnectionAction;
use engine::jobs::{self, Task};
use engine::objects::ObjectKind;
use engine::schemas::SchemaKind;
use engine::share_tokens::{self, ShareTokenStatus};
use engine::webhooks::{self, CreateWebhook};
use engine::worker;
use engine::workflows::{self, CreateWorkflow, RunFilter, RunStatus, Step};
use serde_json::json;

async fn redeeming_workflow(world: &World) -> workflows::Workflow {
    let schema = world
        .destination_schema(
            SchemaKind::TransactionType,
            json!([{"key": "name-last", "type": "string"}, {"key": "income", "type": "integer"}]),
            json!([]),
        )
        .await;
    workflows::create(
        &world.engine,
        &world.destination.id,
        CreateWorkflow {
            name: "Auto-redeem".into(),
            trigger_event: workflows::REDEEMABLE_TRIGGER.into(),
            steps: vec![Step::RedeemShareToken {
                destination_kind: ObjectKind::Transaction,
                schema_id: schema.id.clone(),
                field_mappings: vec![],
            }],
        },
    )
    .await
    .expect("the workflow is valid")
}

async fn runs(world: &World) -> Vec<workflows::Run> {
    workflows::list_runs(
        &world.engine,
        &world.destination.id,
        &RunFilter::default(),
        &Default::default(),
    )
    .await
    .unwrap()
    .items
}

#[tokio::test]
async fn a_run_redeems_its_token_once_even_when_its_job_runs_again() {
    let world = World::new().await;
    redeeming_workflow(&world).await;
    let token = world.share().await;

    worker::run_pending(&world.engine).await.unwrap();
    let [run] = runs(&world)
        .await
        .try_into()
        .expect("one run for one event");
    let mut tx = world.engine.db().begin_write().await.unwrap();
    jobs::enqueue(
        &mut tx,
        &Task::RunWorkflow {
            run_id: run.id.clone(),
        },
        world.engine.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    worker::run_pending(&world.engine).await.unwrap();

    let redeemed = share_tokens::get(&world.engine, &world.destination.id, &token.id)
        .await
        .unwrap();
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(redeemed.status, ShareTokenStatus::Redeemed);
    assert_eq!(
        redeemed.destination_id, run.destination_id,
        "redeemed into the run's object"
    );
    assert_eq!(
        world
            .count("SELECT COUNT(*) FROM objects WHERE kind = 'transaction'")
            .await,
        1,
        "the run's job ran twice and created one transaction"
    );
    assert_eq!(runs(&world).await.len(), 1);
    assert_eq!(
        world
            .count(
                "SELECT COUNT(*) FROM events WHERE name = 'connect/share-token.inbound-redeemed'"
            )
            .await,
        1,
        "redeemed once"
    );
}

#[tokio::test]
async fn a_run_whose_token_was_revoked_fails_with_a_reason_and_no_value() {
    let world = World::new().await;
    redeeming_workflow(&world).await;
    world.share().await;
    world
        .act_on_connection(&world.source, ConnectionAction::Deactivate)
        .await
        .unwrap();

    worker::run_pending(&world.engine).await.unwrap();

    let [run] = runs(&world).await.try_into().expect("one run");
    assert_eq!(run.status, RunStatus::Failed);
    let error = run.error.expect("a failed run says why");
    assert_eq!(error, "the share token has expired");
    assert!(!error.contains("Ada") && !error.contains("Lovelace"));
    let failed = workflows::list_runs(
        &world.engine,
        &world.destination.id,
        &RunFilter {
            workflow_id: None,
            status: Some(RunStatus::Failed),
        },
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(failed.items.len(), 1);
}

#[tokio::test]
async fn a_disabled_workflow_starts_no_run_and_an_event_queues_one_delivery_per_webhook() {
    let world = World::new().await;
    let workflow = redeeming_workflow(&world).await;
    workflows::set_status(
        &world.engine,
        &world.destination.id,
        workflow.id.as_str(),
        workflows::WorkflowStatus::Disabled,
    )
    .await
    .unwrap();
    for events in [
        vec!["*".to_owned()],
        vec![workflows::REDEEMABLE_TRIGGER.to_owned()],
        vec!["inquiry.completed".to_owned()],
    ] {
        webhooks::create(
            &world.engine,
            &world.destination.id,
            CreateWebhook {
                url: "https://hooks.example.com/t".into(),
                enabled_events: events,
            },
        )
        .await
        .unwrap();
    }

    world.share().await;

    assert!(
        runs(&world).await.is_empty(),
        "a disabled workflow runs on nothing"
    );
    assert_eq!(
        world.count("SELECT COUNT(*) FROM webhook_deliveries").await,
        2,
        "the inbound-created event goes to the two webhooks that want it, in its own transaction"
    );
}

#[tokio::test]
async fn a_run_ends_with_its_redemption_and_fails_when_the_redemption_fails() {
    let world = World::new().await;
    redeeming_workflow(&world).await;
    world.share().await;
    worker::run_batch(&world.engine).await.unwrap();
    let [started] = runs(&world).await.try_into().expect("one run");
    world
        .act_on_connection(&world.source, ConnectionAction::Deactivate)
        .await
        .unwrap();

    worker::run_pending(&world.engine).await.unwrap();

    let [ended] = runs(&world).await.try_into().expect("one run");
    assert_eq!(
        started.status,
        RunStatus::Running,
        "a run whose redemption has started but not ended is running: {started:?}"
    );
    assert!(
        started.destination_id.is_some(),
        "the run created its object first"
    );
    assert_eq!(ended.status, RunStatus::Failed, "{ended:?}");
    let error = ended.error.expect("a reason");
    assert!(
        error.starts_with("the redemption failed: "),
        "the token's fixed failure sentence: {error}"
    );
}
