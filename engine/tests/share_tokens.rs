//! Creating, reading, listing and expiring share tokens.

mod common;

use common::NewObject;
use common::RedeemRequest;
use common::World;
use engine::connections::{self, ConnectionAction};
use engine::objects::ObjectKind;
use engine::paging::PageRequest;
use engine::redemption;
use engine::render;
use engine::schemas::SchemaKind;
use engine::share_tokens::{
    self, CreateShareToken, CreateShareTokenError, Direction, ListFilter, ShareTokenStatus,
};
use engine::worker;
use serde_json::json;

fn request(world: &World, source: &str, ttl: Option<u64>) -> CreateShareToken {
    CreateShareToken {
        connection_id: world.connection_id.clone(),
        source_id: source.to_owned(),
        expires_in_seconds: ttl.unwrap_or(share_tokens::DEFAULT_TTL_SECONDS),
    }
}

#[tokio::test]
async fn a_token_snapshots_the_source_and_expires_in_14_days_by_default() {
    let world = World::new().await;

    let token = world.share().await;

    assert!(token.id.as_str().starts_with("cnst_"));
    assert_eq!(
        token.snapshot, world.source_inquiry.fields,
        "the snapshot is the source's data at creation"
    );
    assert_eq!(
        token.expires_at.millis() - token.created_at.millis(),
        1_209_600_000
    );
    assert_eq!(token.status, ShareTokenStatus::Created);
}

#[tokio::test]
async fn the_ttl_must_be_between_60_seconds_and_21_days() {
    let world = World::new().await;
    let source = world.source_inquiry.id.clone();

    for bad in [59, 1_814_401] {
        let err = share_tokens::create(
            &world.engine,
            &world.source.id,
            &request(&world, &source, Some(bad)),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, CreateShareTokenError::TtlOutOfRange),
            "ttl {bad}: {err:?}"
        );
    }
    for good in [60, 1_814_400] {
        assert!(
            share_tokens::create(
                &world.engine,
                &world.source.id,
                &request(&world, &source, Some(good))
            )
            .await
            .is_ok(),
            "ttl {good}"
        );
    }
}

#[tokio::test]
async fn only_a_completed_inquiry_of_the_source_over_an_active_connection_can_be_shared() {
    let world = World::new().await;
    let template = engine::schemas::create(
        &world.engine,
        &world.source.id,
        engine::schemas::CreateSchema::from_json(
            SchemaKind::InquiryTemplate,
            "T",
            json!([{"key": "x", "type": "string", "required": true}]),
            json!([]),
            json!([]),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    let open = common::create_object(
        &world.engine,
        &world.source.id,
        ObjectKind::Inquiry,
        NewObject {
            schema_id: Some(&template.id),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .record;

    let not_completed = share_tokens::create(
        &world.engine,
        &world.source.id,
        &request(&world, &open.id, None),
    )
    .await
    .unwrap_err();
    let by_destination = share_tokens::create(
        &world.engine,
        &world.destination.id,
        &request(&world, &world.source_inquiry.id, None),
    )
    .await
    .unwrap_err();
    let by_stranger = share_tokens::create(
        &world.engine,
        &world.stranger.id,
        &request(&world, &world.source_inquiry.id, None),
    )
    .await
    .unwrap_err();
    connections::act(
        &world.engine,
        &world.source.id,
        &world.connection_id,
        ConnectionAction::Deactivate,
    )
    .await
    .unwrap();
    let inactive = share_tokens::create(
        &world.engine,
        &world.source.id,
        &request(&world, &world.source_inquiry.id, None),
    )
    .await
    .unwrap_err();

    assert!(
        matches!(not_completed, CreateShareTokenError::SourceNotShareable),
        "{not_completed:?}"
    );
    assert!(
        matches!(by_destination, CreateShareTokenError::NotConnectionSource),
        "{by_destination:?}"
    );
    assert!(
        matches!(by_stranger, CreateShareTokenError::ConnectionNotFound),
        "a stranger does not learn the connection exists: {by_stranger:?}"
    );
    assert!(
        matches!(inactive, CreateShareTokenError::ConnectionNotActive(_)),
        "{inactive:?}"
    );
}

#[tokio::test]
async fn a_source_object_of_another_organization_is_not_found() {
    let world = World::new().await;
    let loan = world
        .destination_schema(SchemaKind::TransactionType, json!([]), json!([]))
        .await;
    let foreign = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;

    let err = share_tokens::create(
        &world.engine,
        &world.source.id,
        &request(&world, &foreign.id, None),
    )
    .await
    .unwrap_err();

    assert!(
        matches!(err, CreateShareTokenError::SourceNotFound),
        "another organization's object is not found: {err:?}"
    );
}

#[tokio::test]
async fn source_data_shows_keys_and_types_only_until_redeemed_and_values_only_to_the_destination() {
    let world = World::new().await;
    let token = world.share().await;
    let loan = world.loan_type().await;
    let transaction = world
        .destination_object(ObjectKind::Transaction, &loan)
        .await;
    let now = world.engine.now();

    let before = render::share_token(&token, &world.destination.id, now);
    assert_eq!(
        before["attributes"]["source-data"]["name-last"],
        json!({"type": "string"}),
        "no value before redemption"
    );
    assert_eq!(before["attributes"]["direction"], "inbound");
    assert!(
        before["relationships"].get("source").is_none(),
        "the destination does not see the source object"
    );

    redemption::redeem(
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
    .unwrap();
    worker::run_pending(&world.engine).await.unwrap();
    let redeemed = share_tokens::get(&world.engine, &world.destination.id, &token.id)
        .await
        .unwrap();

    let destination_view =
        render::share_token(&redeemed, &world.destination.id, world.engine.now());
    let source_view = render::share_token(&redeemed, &world.source.id, world.engine.now());
    assert_eq!(
        destination_view["attributes"]["source-data"]["name-last"],
        json!({"type": "string", "value": "Lovelace"})
    );
    assert_eq!(
        source_view["attributes"]["source-data"]["name-last"],
        json!({"type": "string"}),
        "values only to the destination"
    );
    assert_eq!(source_view["attributes"]["direction"], "outbound");
    assert_eq!(
        source_view["relationships"]["source"]["data"]["id"],
        json!(world.source_inquiry.id)
    );
}

#[tokio::test]
async fn the_source_can_expire_a_created_token_and_nothing_else() {
    let world = World::new().await;
    let token = world.share().await;

    let by_destination = share_tokens::expire(&world.engine, &world.destination.id, &token.id)
        .await
        .unwrap_err();
    let expired = share_tokens::expire(&world.engine, &world.source.id, &token.id)
        .await
        .unwrap();
    let again = share_tokens::expire(&world.engine, &world.source.id, &token.id)
        .await
        .unwrap_err();

    assert_eq!(by_destination.code(), Some("not-found"));
    assert_eq!(
        expired.status_at(world.engine.now()),
        ShareTokenStatus::Expired
    );
    assert_eq!(again.code(), Some("share-token-not-expirable"));
}

#[tokio::test]
async fn lists_filter_by_direction_status_and_connection_and_page_newest_first() {
    let world = World::new().await;
    let first = world.share().await;
    let second = world.share().await;
    let third = world.share().await;
    share_tokens::expire(&world.engine, &world.source.id, &second.id)
        .await
        .unwrap();

    let list = |org, filter: ListFilter, page: PageRequest| {
        let engine = world.engine.clone();
        async move {
            share_tokens::list(&engine, org, &filter, &page)
                .await
                .unwrap()
        }
    };
    let outbound = list(
        &world.source.id,
        ListFilter {
            direction: Some(Direction::Outbound),
            ..Default::default()
        },
        PageRequest::default(),
    )
    .await;
    let inbound_for_source = list(
        &world.source.id,
        ListFilter {
            direction: Some(Direction::Inbound),
            ..Default::default()
        },
        PageRequest::default(),
    )
    .await;
    let created = list(
        &world.destination.id,
        ListFilter {
            status: Some(ShareTokenStatus::Created),
            ..Default::default()
        },
        PageRequest::default(),
    )
    .await;
    let by_connection = list(
        &world.destination.id,
        ListFilter {
            connection_id: Some(world.connection_id.to_string()),
            ..Default::default()
        },
        PageRequest::default(),
    )
    .await;
    let page_one = list(
        &world.destination.id,
        ListFilter::default(),
        PageRequest {
            size: 2,
            after: None,
        },
    )
    .await;
    let page_two = list(
        &world.destination.id,
        ListFilter::default(),
        PageRequest {
            size: 2,
            after: page_one.next_after.clone(),
        },
    )
    .await;
    let stranger = list(
        &world.stranger.id,
        ListFilter::default(),
        PageRequest::default(),
    )
    .await;

    let ids = |page: &engine::paging::Page<share_tokens::ShareToken>| {
        page.items.iter().map(|t| t.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&outbound),
        [third.id.clone(), second.id.clone(), first.id.clone()]
    );
    assert!(inbound_for_source.items.is_empty());
    assert_eq!(ids(&created), [third.id.clone(), first.id.clone()]);
    assert_eq!(by_connection.items.len(), 3);
    assert_eq!(ids(&page_one), [third.id.clone(), second.id.clone()]);
    assert_eq!(ids(&page_two), [first.id]);
    assert!(stranger.items.is_empty());
}

#[tokio::test]
async fn a_lapsed_token_lists_as_expired_before_and_after_the_sweep_writes_it_once_with_its_events()
{
    let world = World::new().await;
    let source = String::from(&world.source_inquiry.id);
    let short = share_tokens::create(
        &world.engine,
        &world.source.id,
        &request(&world, &source, Some(60)),
    )
    .await
    .unwrap();
    let waiting = world.share().await;
    world
        .engine
        .clock()
        .advance(std::time::Duration::from_secs(61));
    let expired_filter = |connection_id: Option<String>| ListFilter {
        status: Some(ShareTokenStatus::Expired),
        direction: Some(Direction::Inbound),
        connection_id,
    };
    let list = |filter: ListFilter| {
        let engine = world.engine.clone();
        let org = world.destination.id.clone();
        async move {
            share_tokens::list(&engine, &org, &filter, &PageRequest::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|t| t.id)
                .collect::<Vec<_>>()
        }
    };
    let before = list(expired_filter(None)).await;
    let before_by_connection = list(expired_filter(Some(world.connection_id.to_string()))).await;

    let swept = share_tokens::sweep_expired(&world.engine).await.unwrap();
    let swept_again = share_tokens::sweep_expired(&world.engine).await.unwrap();

    let after = list(expired_filter(None)).await;
    let created = list(ListFilter {
        status: Some(ShareTokenStatus::Created),
        ..Default::default()
    })
    .await;
    let stored = share_tokens::get(&world.engine, &world.source.id, &short.id)
        .await
        .unwrap();
    let inbound_expired = world
        .events_of(&world.destination.id)
        .await
        .into_iter()
        .filter(|e| e.name == "connect/share-token.inbound-expired")
        .count();
    let outbound_expired = world
        .events_of(&world.source.id)
        .await
        .into_iter()
        .filter(|e| e.name == "connect/share-token.outbound-expired")
        .count();
    assert_eq!(
        before,
        std::slice::from_ref(&short.id),
        "a lapsed token the sweep has not reached lists as expired"
    );
    assert_eq!(
        before_by_connection,
        std::slice::from_ref(&short.id),
        "the connection filter finds the lapsed token too"
    );
    assert_eq!(
        (swept, swept_again),
        (1, 0),
        "the sweep expires the lapsed token once and the waiting one not at all"
    );
    assert_eq!(
        stored.status,
        ShareTokenStatus::Expired,
        "the sweep writes the status"
    );
    assert_eq!(
        stored.expires_at, short.expires_at,
        "the sweep keeps the expiry the token had"
    );
    assert_eq!(
        after,
        std::slice::from_ref(&short.id),
        "after the sweep it still lists as expired"
    );
    assert_eq!(created, [waiting.id], "only the waiting token is created");
    assert_eq!(
        (inbound_expired, outbound_expired),
        (1, 1),
        "each side hears of the expiry once"
    );
}
