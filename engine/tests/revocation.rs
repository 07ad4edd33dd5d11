//! The source's revocation (CONTRACT.md §5): a deactivation by the source expires its created
//! tokens, only the source brings the connection back, and a redemption under way stops.

mod common;

use common::World;
use engine::connections::{ActError, ConnectionAction, ConnectionRefusal, ConnectionStatus, Side};
use engine::events::names;
use engine::share_tokens::{self, RedemptionFailure, ShareTokenStatus};
use engine::worker;

async fn event_names(world: &World, org: &engine::ids::OrgId) -> Vec<String> {
    world
        .events_of(org)
        .await
        .into_iter()
        .map(|e| e.name)
        .collect()
}

#[tokio::test]
async fn a_source_deactivation_expires_its_created_tokens_with_their_events() {
    let world = World::new().await;
    let first = world.share().await;
    let second = world.share().await;

    let revoked = world
        .act_on_connection(&world.source, ConnectionAction::Deactivate)
        .await
        .expect("the source deactivates");

    assert_eq!(revoked.status, ConnectionStatus::Inactive);
    assert_eq!(revoked.deactivated_by, Some(Side::Source));
    for token in [&first, &second] {
        let now = share_tokens::get(&world.engine, &world.destination.id, &token.id)
            .await
            .unwrap();
        assert_eq!(
            now.status,
            ShareTokenStatus::Expired,
            "token {} outlived the revocation",
            token.id
        );
    }
    let inbound = event_names(&world, &world.destination.id).await;
    let outbound = event_names(&world, &world.source.id).await;
    assert_eq!(
        inbound
            .iter()
            .filter(|n| *n == names::SHARE_TOKEN_INBOUND_EXPIRED)
            .count(),
        2,
        "the destination hears of each expiry: {inbound:?}"
    );
    assert_eq!(
        outbound
            .iter()
            .filter(|n| *n == names::SHARE_TOKEN_OUTBOUND_EXPIRED)
            .count(),
        2,
        "the source hears of each expiry: {outbound:?}"
    );
}

#[tokio::test]
async fn the_destination_cannot_undo_a_revocation_and_the_source_can_bring_it_back() {
    let world = World::new().await;
    world
        .act_on_connection(&world.source, ConnectionAction::Deactivate)
        .await
        .unwrap();

    let undo = world
        .act_on_connection(&world.destination, ConnectionAction::Accept)
        .await
        .expect_err("the destination must not re-accept what the source revoked");
    let by_destination = world
        .act_on_connection(&world.destination, ConnectionAction::Reactivate)
        .await
        .expect_err("only the source reactivates");
    let reactivated = world
        .act_on_connection(&world.source, ConnectionAction::Reactivate)
        .await
        .unwrap();
    let accepted = world
        .act_on_connection(&world.destination, ConnectionAction::Accept)
        .await
        .unwrap();

    assert!(
        matches!(undo, ActError::Refused(ConnectionRefusal::Inactive)),
        "the destination cannot undo the source's revocation: {undo:?}"
    );
    assert!(
        matches!(
            by_destination,
            ActError::Refused(ConnectionRefusal::SourceOnly)
        ),
        "only the source reactivates: {by_destination:?}"
    );
    assert_eq!(reactivated.status, ConnectionStatus::Pending);
    assert_eq!(accepted.status, ConnectionStatus::Active);
}

#[tokio::test]
async fn a_destination_deactivation_leaves_the_tokens_created() {
    let world = World::new().await;
    let token = world.share().await;

    world
        .act_on_connection(&world.destination, ConnectionAction::Deactivate)
        .await
        .unwrap();

    let now = share_tokens::get(&world.engine, &world.source.id, &token.id)
        .await
        .unwrap();
    assert_eq!(now.status, ShareTokenStatus::Created);
}

#[tokio::test]
async fn a_redemption_under_way_when_the_source_revokes_fails_without_hydrating() {
    let world = World::new().await;
    let (token, transaction) = world.redemption_under_way().await;
    world
        .act_on_connection(&world.source, ConnectionAction::Deactivate)
        .await
        .unwrap();

    worker::run_pending(&world.engine).await.unwrap();

    let failed = share_tokens::get(&world.engine, &world.destination.id, &token.id)
        .await
        .unwrap();
    assert_eq!(failed.status, ShareTokenStatus::Failed);
    assert_eq!(failed.failure, Some(RedemptionFailure::ConnectionInactive));
    let untouched = world.transaction(&transaction.id).await;
    assert!(
        untouched.fields.is_empty(),
        "nothing was copied after the revocation: {:?}",
        untouched.fields.keys().collect::<Vec<_>>()
    );
    assert!(
        event_names(&world, &world.destination.id)
            .await
            .contains(&names::SHARE_TOKEN_INBOUND_FAILED.to_owned()),
        "the destination hears that the redemption failed"
    );
}
