//! Property: the report `preview-redemption` returns is the report redeeming writes, except that
//! a conversion the preview lists as `conditional` (it judges by types only) may end rejected.

mod common;

use common::RedeemRequest;
use common::World;
use engine::objects::ObjectKind;
use engine::redemption;
use engine::schemas::SchemaKind;
use engine::{share_tokens, worker};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Destination field declarations drawn from names the source has (and some it lacks), with
/// types that sometimes convert and sometimes do not.
fn destination_fields() -> impl Strategy<Value = Vec<(String, String)>> {
    let names = prop::sample::select(vec![
        "name-first",
        "name-last",
        "birthdate",
        "salary",
        "income",
        "selfie",
        "nickname",
        "name.first",
    ]);
    let types = prop::sample::select(vec!["string", "integer", "date", "file", "boolean"]);
    prop::collection::btree_map(names, types, 0..7).prop_map(|m| {
        m.into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    })
}

fn mappings() -> impl Strategy<Value = Vec<(String, String)>> {
    let sources = prop::sample::select(vec!["salary", "name_first", "name-first", "absent"]);
    let destinations = prop::sample::select(vec!["income", "name.first", "nickname", "name-last"]);
    prop::collection::btree_map(destinations, sources, 0..4).prop_map(|m| {
        m.into_iter()
            .map(|(d, s)| (s.to_owned(), d.to_owned()))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn preview_report_equals_redeem_report(fields in destination_fields(), mappings in mappings()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let world = World::new().await;
            let declared: Vec<Value> = fields.iter().map(|(key, ty)| json!({"key": key, "type": ty})).collect();
            let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
            let mappings: Vec<Value> = mappings
                .iter()
                .filter(|(_, d)| keys.contains(&d.as_str()))
                .map(|(s, d)| json!({"source-field-name": s, "destination-field-name": d}))
                .collect();
            let Ok(schema) = engine::schemas::create(
                &world.engine,
                &world.destination.id,
                engine::schemas::CreateSchema::from_json(SchemaKind::AccountType, "A", Value::Array(declared), Value::Null, Value::Null).unwrap(),
            )
            .await else {
                return; // e.g. `name` and `name.first` together: not a valid schema, nothing to compare
            };
            let account = world.destination_object(ObjectKind::Account, &schema).await;
            let token = world.share().await;
            let mappings = Value::Array(mappings);
            let request = || RedeemRequest { destination_id: Some(&account.id), field_mappings: Some(&mappings) };

            let preview = redemption::preview(&world.engine, &world.destination.id, &common::cmd(token.id.as_str(), request())).await.unwrap();
            redemption::redeem(&world.engine, &world.destination.id, &common::cmd(token.id.as_str(), request())).await.unwrap();
            worker::run_pending(&world.engine).await.unwrap();

            let redeemed = share_tokens::get(&world.engine, &world.destination.id, &token.id)
                .await
                .unwrap()
                .hydration_report
                .expect("a redeemed token has its report");
            assert!(redeemed.conditional.is_empty(), "redeeming decides every conversion");
            // Resolve the preview's conditional fields the way redeeming did.
            let mut expected = preview.clone();
            expected.conditional.clear();
            for conditional in &preview.conditional {
                if redeemed.rejected.iter().any(|r| r.path == conditional.path) {
                    expected.by_name.retain(|p| p != &conditional.path);
                    expected.by_mapping.retain(|p| p != &conditional.path);
                    expected.unset.push(conditional.path.clone());
                }
            }
            for certain in &preview.rejected {
                assert!(
                    redeemed.rejected.contains(certain),
                    "the preview was sure {} would be rejected, redeeming did not reject it",
                    certain.path
                );
            }
            expected.rejected = redeemed.rejected.clone();
            let sorted = |mut v: Vec<engine::fields::FieldPath>| { v.sort(); v };
            assert_eq!(sorted(expected.by_name), sorted(redeemed.by_name.clone()), "by-name");
            assert_eq!(sorted(expected.by_mapping), sorted(redeemed.by_mapping.clone()), "by-mapping");
            assert_eq!(sorted(expected.unset), sorted(redeemed.unset.clone()), "unset");
            assert_eq!(expected.ignored_mappings, redeemed.ignored_mappings, "ignored mappings");
            for rejected in &redeemed.rejected {
                assert!(
                    preview.rejected.contains(rejected)
                        || preview.conditional.iter().any(|c| c.path == rejected.path),
                    "{} was rejected at redemption without the preview saying it might be",
                    rejected.path
                );
            }
        });
    }
}
