//! Property: until a share token is redeemed, the destination sees no source value: not in a
//! preview's report, an error, the token as it reads it, a failure reason or an event; and a
//! preview of two snapshots that differ only in their values is the same (no oracle).

mod common;

use common::NewObject;
use common::RedeemRequest;
use common::{World, file_json, png};
use engine::objects::ObjectKind;
use engine::paging::PageRequest;
use engine::redemption;
use engine::schemas::SchemaKind;
use engine::share_tokens;
use engine::{events, render};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Source values that cannot appear in an id, a timestamp or a fixed sentence by chance.
#[derive(Clone, Debug)]
struct Secrets {
    text: String,
    number: i64,
    date: String,
    filename: String,
}

impl Secrets {
    fn texts(&self) -> Vec<String> {
        vec![
            self.text.clone(),
            self.number.to_string(),
            self.date.clone(),
            self.filename.clone(),
        ]
    }
}

fn secrets() -> impl Strategy<Value = Secrets> {
    (
        "V[A-Z][a-z]{8}",
        1_000_000_000i64..999_999_999_999,
        (1900i32..2000, 1u32..=12, 1u32..=28),
        "[a-z]{10}",
    )
        .prop_map(|(text, number, (y, m, d), name)| Secrets {
            text,
            number,
            date: format!("{y:04}-{m:02}-{d:02}"),
            filename: format!("{name}.png"),
        })
}

const SOURCE_KEYS: [&str; 5] = [
    "secret-text",
    "secret-number",
    "secret-date",
    "secret-text-as-number",
    "secret-file",
];

/// Destination fields of types the source values rarely fit, by the source's names or others.
fn destination_fields() -> impl Strategy<Value = Vec<(String, Value)>> {
    let keys = prop::sample::select(vec![
        "secret-text",
        "secret-number",
        "secret-date",
        "secret-file",
        "tier",
        "amount",
        "when",
    ]);
    let types = prop::sample::select(vec![
        json!({"type": "choices", "choices": ["gold", "silver"]}),
        json!({"type": "integer"}),
        json!({"type": "number"}),
        json!({"type": "date"}),
        json!({"type": "boolean"}),
        json!({"type": "datetime"}),
        json!({"type": "file"}),
        json!({"type": "string"}),
    ]);
    prop::collection::btree_map(keys, types, 1..6).prop_map(|fields| {
        fields
            .into_iter()
            .map(|(key, mut def)| {
                def["key"] = json!(key);
                (key.to_owned(), def)
            })
            .collect()
    })
}

fn mappings() -> impl Strategy<Value = Vec<(String, String)>> {
    let sources = prop::sample::select(SOURCE_KEYS.to_vec());
    let destinations = prop::sample::select(vec!["tier", "amount", "when", "missing-field"]);
    prop::collection::btree_map(destinations, sources, 0..4).prop_map(|m| {
        m.into_iter()
            .map(|(d, s)| (s.to_owned(), d.to_owned()))
            .collect()
    })
}

/// A source account of `source_type` holding `secrets`, shared with the destination.
async fn share_secrets(
    world: &World,
    source_type: &str,
    secrets: &Secrets,
) -> share_tokens::ShareToken {
    let mut file = file_json(&secrets.filename, &png(70, 70));
    file["filename"] = json!(secrets.filename);
    let values = json!({
        "secret-text": secrets.text,
        "secret-number": secrets.number,
        "secret-date": secrets.date,
        "secret-text-as-number": format!("0{}", secrets.number),
        "secret-file": file,
    });
    let account = common::create_object(
        &world.engine,
        &world.source.id,
        ObjectKind::Account,
        NewObject {
            schema_id: Some(source_type),
            reference_id: None,
            fields: Some(&values),
        },
    )
    .await
    .unwrap()
    .record;
    share_tokens::create(
        &world.engine,
        &world.source.id,
        &engine::share_tokens::CreateShareToken {
            connection_id: world.connection_id.clone(),
            source_id: String::from(&account.id),
            expires_in_seconds: engine::share_tokens::DEFAULT_TTL_SECONDS,
        },
    )
    .await
    .unwrap()
}

/// Everything the destination can read about the token before it is redeemed.
async fn what_the_destination_reads(
    world: &World,
    token_id: &str,
    destination_id: &str,
    mappings: &Value,
) -> Vec<String> {
    let org = &world.destination.id;
    let request = || RedeemRequest {
        destination_id: Some(destination_id),
        field_mappings: Some(mappings),
    };
    let mut seen = Vec::new();
    match redemption::preview(&world.engine, org, &common::cmd(token_id, request())).await {
        Ok(report) => seen.push(serde_json::to_string(&report).unwrap()),
        Err(err) => seen.push(format!("{err} {err:?}")),
    }
    let token_id = engine::ids::ShareTokenId::parse(token_id).unwrap();
    let token = share_tokens::get(&world.engine, org, &token_id)
        .await
        .unwrap();
    seen.push(render::share_token(&token, org, world.engine.now()).to_string());
    let events = events::list(&world.engine, org, None, &PageRequest::default())
        .await
        .unwrap();
    for event in events.items {
        seen.push(event.payload.to_string());
    }
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn no_source_value_reaches_the_destination_before_redemption(
        secrets in secrets(),
        other in secrets(),
        fields in destination_fields(),
        mappings in mappings(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let world = World::new().await;
            // Arrange: a source account holding the secrets, shared with the destination.
            let source_type = engine::schemas::create(
                &world.engine,
                &world.source.id,
                engine::schemas::CreateSchema::from_json(
                    SchemaKind::AccountType,
                    "Secrets",
                    json!([
                        {"key": "secret-text", "type": "string"},
                        {"key": "secret-number", "type": "integer"},
                        {"key": "secret-date", "type": "date"},
                        {"key": "secret-text-as-number", "type": "string"},
                        {"key": "secret-file", "type": "file"},
                    ]),
                    Value::Null,
                    Value::Null,
                )
                .unwrap(),
            )
            .await
            .unwrap();
            let token = share_secrets(&world, &source_type.id, &secrets).await;
            let twin = share_secrets(&world, &source_type.id, &other).await;
            let declared: Vec<Value> = fields.iter().map(|(_, def)| def.clone()).collect();
            let Ok(destination_type) = engine::schemas::create(
                &world.engine,
                &world.destination.id,
                engine::schemas::CreateSchema::from_json(SchemaKind::AccountType, "D", Value::Array(declared), Value::Null, Value::Null).unwrap(),
            )
            .await else {
                return;
            };
            let destination = world.destination_object(ObjectKind::Account, &destination_type).await;
            let mappings = Value::Array(
                mappings
                    .iter()
                    .map(|(s, d)| json!({"source-field-name": s, "destination-field-name": d}))
                    .collect(),
            );

            // Act
            let seen = what_the_destination_reads(&world, token.id.as_str(), &destination.id, &mappings).await;
            let request = || RedeemRequest { destination_id: Some(&destination.id), field_mappings: Some(&mappings) };
            let previews = (
                redemption::preview(&world.engine, &world.destination.id, &common::cmd(token.id.as_str(), request())).await.ok(),
                redemption::preview(&world.engine, &world.destination.id, &common::cmd(twin.id.as_str(), request())).await.ok(),
            );

            // Assert
            assert_eq!(previews.0, previews.1, "a preview told two snapshots apart by their values");
            for text in seen {
                for secret in secrets.texts() {
                    assert!(
                        !text.contains(&secret),
                        "the destination read the source value `{secret}` before redemption in:\n{text}"
                    );
                }
            }
        });
    }
}
