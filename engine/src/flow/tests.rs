use super::*;
use crate::demo::{self, Demo};
use crate::testing::engine;
use crate::worker;
use serde_json::json;

const ORIGIN: &str = "https://shop.example";

async fn demo_world() -> (Engine, Demo) {
    let engine = engine().await;
    let demo = demo::seed(&engine, &[ORIGIN.to_owned()])
        .await
        .expect("demo seeds");
    (engine, demo)
}

fn start_request(template: &str, token: Option<&str>) -> StartRequest {
    StartRequest {
        template_id: template.to_owned(),
        share_token: token.map(str::to_owned),
        ..StartRequest::default()
    }
}

async fn count(engine: &Engine, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(engine.db().pool())
        .await
        .unwrap()
}

/// Starts a flow that must start.
async fn begin_flow(engine: &Engine, template: &str, token: Option<&str>) -> Started {
    start(engine, &start_request(template, token))
        .await
        .expect("the flow starts")
}

/// Accepts sharing in `flow`, from nowhere in particular.
async fn accept_in(engine: &Engine, flow: &Started) -> Option<crate::ids::ShareTokenId> {
    accept(
        engine,
        &flow.inquiry_id,
        flow.session_token.expose_secret(),
        &ConsentOrigin::default(),
    )
    .await
    .expect("accepting works")
}

async fn open_view(engine: &Engine, started: &Started) -> FlowView {
    view(
        engine,
        &started.inquiry_id,
        started.session_token.expose_secret(),
        None,
        None,
    )
    .await
    .expect("the flow opens")
}

#[test]
fn fields_are_grouped_into_steps_in_the_order_people_expect() {
    let schema = crate::testing::schema(json!([
        {"key": "selfie", "type": "file"},
        {"key": "phone-number", "type": "string"},
        {"key": "name-first", "type": "string"},
        {"key": "address-city", "type": "string"},
        {"key": "proof-of-address", "type": "file"},
        {"key": "identification-number", "type": "string"},
        {"key": "favourite-colour", "type": "string"}
    ]));
    let missing: Vec<FieldPath> = schema.fields().iter().map(|f| f.key.clone()).collect();

    let steps = plan_steps(&schema, &missing);

    let groups: Vec<StepGroup> = steps.iter().map(|s| s.group).collect();
    assert_eq!(
        groups,
        [
            StepGroup::PersonalDetails,
            StepGroup::Address,
            StepGroup::Contact,
            StepGroup::GovernmentId,
            StepGroup::Selfie,
            StepGroup::ProofOfAddress,
            StepGroup::Other
        ]
    );
}

#[tokio::test]
async fn a_covering_token_completes_the_inquiry_after_consent_with_no_steps() {
    let (engine, demo) = demo_world().await;
    let started = begin_flow(&engine, &demo.full_template_id, Some(&demo.full_token_id)).await;
    assert!(
        matches!(
            open_view(&engine, &started).await.screen,
            Screen::Consent(_)
        ),
        "the consent screen comes first"
    );

    let origin = ConsentOrigin {
        ip: Some("203.0.113.9".into()),
        user_agent: Some("test".into()),
    };
    let token = accept(
        &engine,
        &started.inquiry_id,
        started.session_token.expose_secret(),
        &origin,
    )
    .await
    .expect("accepting works");
    let redeeming = open_view(&engine, &started).await.screen;
    worker::run_pending(&engine).await.unwrap();
    let after = open_view(&engine, &started).await.screen;

    assert_eq!(
        token.as_ref().map(|t| t.as_str()),
        Some(demo.full_token_id.as_str())
    );
    assert_eq!(
        redeeming,
        Screen::Redeeming,
        "while the job is queued the page waits"
    );
    assert_eq!(
        after,
        Screen::Outcome(InquiryStatus::Completed),
        "nothing was left to ask"
    );
    let (decision, version, ip): (String, String, String) =
        sqlx::query_as("SELECT decision, text_version, ip FROM consents")
            .fetch_one(engine.db().pool())
            .await
            .unwrap();
    assert_eq!(
        (decision.as_str(), version.as_str(), ip.as_str()),
        ("accepted", CONSENT_TEXT_VERSION, "203.0.113.9")
    );
}

#[tokio::test]
async fn the_consent_screen_names_both_organizations_and_lists_labels_never_values() {
    let (engine, demo) = demo_world().await;
    let started = begin_flow(&engine, &demo.full_template_id, Some(&demo.full_token_id)).await;

    let Screen::Consent(consent) = open_view(&engine, &started).await.screen else {
        panic!("expected the consent screen");
    };

    assert_eq!(consent.source_name, demo::SOURCE_NAME);
    assert!(
        consent
            .purpose
            .as_deref()
            .is_some_and(|p| p.contains("confirm who you are")),
        "the template's purpose: {:?}",
        consent.purpose
    );
    assert_eq!(consent.destination_name, demo::DESTINATION_NAME);
    let labels: Vec<&String> = consent.shared.iter().flat_map(|(_, l)| l).collect();
    assert!(
        labels.iter().any(|l| *l == "First name"),
        "labels: {labels:?}"
    );
    assert!(
        !labels
            .iter()
            .any(|l| l.contains("Alex") || l.contains("Rivera")),
        "no value is shown: {labels:?}"
    );
}

#[tokio::test]
async fn only_the_steps_the_token_did_not_cover_are_asked_and_submitting_them_completes() {
    let (engine, demo) = demo_world().await;
    let started = begin_flow(&engine, &demo.extra_template_id, Some(&demo.extra_token_id)).await;
    let session = started.session_token.expose_secret();
    accept(
        &engine,
        &started.inquiry_id,
        session,
        &ConsentOrigin::default(),
    )
    .await
    .unwrap();
    worker::run_pending(&engine).await.unwrap();

    let Screen::Step {
        index,
        total,
        group,
        fields,
        ..
    } = open_view(&engine, &started).await.screen
    else {
        panic!("expected a step");
    };
    assert_eq!(
        (index, total, group),
        (0, 3, StepGroup::Address),
        "address, contact, proof of address"
    );
    let keys: Vec<&str> = fields.iter().map(|f| f.def.key.as_str()).collect();
    assert_eq!(
        keys,
        ["address-street-1", "address-city", "address-country-code"]
    );

    let text = |pairs: &[(&str, &str)]| -> BTreeMap<String, StepInput> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), StepInput::Text((*v).to_owned())))
            .collect()
    };
    let address = text(&[
        ("address-street-1", "1 Main St"),
        ("address-city", "Springfield"),
        ("address-country-code", "US"),
    ]);
    assert_eq!(
        submit_step(&engine, &started.inquiry_id, session, 0, &address)
            .await
            .unwrap(),
        StepResult::Saved
    );
    let phone = text(&[("phone-number", "+14155550123")]);
    assert_eq!(
        submit_step(&engine, &started.inquiry_id, session, 1, &phone)
            .await
            .unwrap(),
        StepResult::Saved
    );
    let mut proof = BTreeMap::new();
    proof.insert(
        "proof-of-address".to_owned(),
        StepInput::File {
            filename: "bill.png".into(),
            content_type: "image/png".into(),
            bytes: crate::verification::tests::samples::png(80, 80),
        },
    );
    submit_step(&engine, &started.inquiry_id, session, 2, &proof)
        .await
        .unwrap();

    assert_eq!(
        open_view(&engine, &started).await.screen,
        Screen::Outcome(InquiryStatus::Completed)
    );
}

#[tokio::test]
async fn an_invalid_step_saves_nothing_and_says_which_fields_are_wrong() {
    let (engine, demo) = demo_world().await;
    let started = begin_flow(&engine, &demo.extra_template_id, None).await;
    let session = started.session_token.expose_secret();
    let before = open_view(&engine, &started).await.screen;
    let mut inputs = BTreeMap::new();
    inputs.insert("name-first".to_owned(), StepInput::Text("Ada".into()));
    inputs.insert("birthdate".to_owned(), StepInput::Text("31/02/1990".into()));

    let result = submit_step(&engine, &started.inquiry_id, session, 0, &inputs)
        .await
        .unwrap();

    let StepResult::Invalid(problems) = result else {
        panic!("expected refusals, got {result:?}")
    };
    let key = |k: &str| FieldPath::parse(k).unwrap();
    assert_eq!(
        problems.get(&key("birthdate")),
        Some(&FieldProblem::Invalid)
    );
    assert_eq!(
        problems.get(&key("name-last")),
        Some(&FieldProblem::Required)
    );
    assert_eq!(
        open_view(&engine, &started).await.screen,
        before,
        "nothing was saved"
    );
}

#[tokio::test]
async fn declining_leaves_the_token_untouched_and_asks_every_required_field() {
    let (engine, demo) = demo_world().await;
    let started = begin_flow(&engine, &demo.full_template_id, Some(&demo.full_token_id)).await;

    decline(
        &engine,
        &started.inquiry_id,
        started.session_token.expose_secret(),
        &ConsentOrigin::default(),
    )
    .await
    .unwrap();

    let token = share_tokens::find(
        engine.db().pool(),
        &crate::ids::ShareTokenId::parse(&demo.full_token_id).unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        token.status,
        ShareTokenStatus::Created,
        "the token can still be used elsewhere"
    );
    let Screen::Step { total, .. } = open_view(&engine, &started).await.screen else {
        panic!("expected the first step");
    };
    assert_eq!(total, 4, "personal details, contact, government ID, selfie");
}

#[tokio::test]
async fn a_bad_token_or_redirect_refuses_to_start_and_writes_nothing() {
    let (engine, demo) = demo_world().await;
    let objects_before = count(&engine, "objects").await;
    let mut unknown = start_request(&demo.full_template_id, Some("cnst_doesnotexist"));
    let mut foreign_redirect = start_request(&demo.full_template_id, Some(&demo.full_token_id));
    foreign_redirect.redirect_uri = Some("https://evil.example/steal".into());
    let mut allowed_redirect = start_request(&demo.full_template_id, None);
    allowed_redirect.redirect_uri = Some(format!("{ORIGIN}/done?x=1"));

    let unknown_result = start(&engine, &unknown).await.err();
    let redirect_result = start(&engine, &foreign_redirect).await.err();
    unknown.share_token = None;
    unknown.template_id = "itmpl_nope".into();
    let template_result = start(&engine, &unknown).await.err();
    let objects_after = count(&engine, "objects").await;
    let allowed = start(&engine, &allowed_redirect).await;

    assert_eq!(unknown_result, Some(FlowError::TokenUnknown));
    assert_eq!(redirect_result, Some(FlowError::RedirectNotAllowed));
    assert_eq!(template_result, Some(FlowError::UnknownTemplate));
    assert_eq!(
        objects_before, objects_after,
        "refused starts create no inquiry"
    );
    let allowed = allowed.expect("an allowed origin starts");
    assert_eq!(
        open_view(&engine, &allowed).await.redirect_uri.as_deref(),
        Some("https://shop.example/done?x=1")
    );
}

#[tokio::test]
async fn an_expired_or_redeemed_token_gets_its_own_page() {
    let (engine, demo) = demo_world().await;
    let first = begin_flow(&engine, &demo.full_template_id, Some(&demo.full_token_id)).await;
    accept_in(&engine, &first).await;
    worker::run_pending(&engine).await.unwrap();

    let again = start(
        &engine,
        &start_request(&demo.full_template_id, Some(&demo.full_token_id)),
    )
    .await
    .err();
    engine.clock().advance(Duration::from_secs(15 * 24 * 3600));
    let expired = start(
        &engine,
        &start_request(&demo.extra_template_id, Some(&demo.extra_token_id)),
    )
    .await
    .err();

    assert_eq!(again, Some(FlowError::TokenRedeemed));
    assert_eq!(expired, Some(FlowError::TokenExpired));
}

#[tokio::test]
async fn a_wrong_session_token_opens_nothing() {
    let (engine, demo) = demo_world().await;
    let started = begin_flow(&engine, &demo.full_template_id, None).await;

    let result = view(&engine, &started.inquiry_id, "sess_wrong", None, None).await;

    assert_eq!(result.err(), Some(FlowError::InvalidSession));
}

#[tokio::test]
async fn prefilled_fields_are_not_asked_and_mappings_are_checked_up_front() {
    let (engine, demo) = demo_world().await;
    let mut request = start_request(&demo.full_template_id, None);
    request.prefill = vec![("email-address".into(), "ada@example.com".into())];
    let mut bad_mapping = start_request(&demo.full_template_id, None);
    bad_mapping.field_mappings = vec![("salary".into(), "income".into())];

    let started = start(&engine, &request).await.unwrap();
    let refused = start(&engine, &bad_mapping).await.err();

    assert_eq!(
        refused,
        Some(FlowError::InvalidFieldMappings),
        "income is not a field of the template"
    );
    let Screen::Step { total, .. } = open_view(&engine, &started).await.screen else {
        panic!("a step")
    };
    assert_eq!(
        total, 3,
        "personal details, government ID, selfie: contact was prefilled"
    );
}

#[tokio::test]
async fn form_strings_are_typed_by_their_fields_before_they_are_saved() {
    let engine = engine().await;
    let (org, _) = orgs::create(&engine, "Typed", &[]).await.unwrap();
    let fields = json!([
        {"key": "household-size", "type": "integer", "required": true},
        {"key": "income", "type": "number", "required": true},
        {"key": "homeowner", "type": "boolean", "required": true},
        {"key": "employment", "type": "choices", "choices": ["employed", "retired"], "required": true}
    ]);
    let template = schemas::create(&engine, &org.id, typed_template(fields))
        .await
        .unwrap();
    let started = begin_flow(&engine, &template.id, None).await;
    let inputs: BTreeMap<String, StepInput> = [
        ("household-size", "3"),
        ("income", "52000.5"),
        ("homeowner", "false"),
        ("employment", "retired"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), StepInput::Text(v.to_owned())))
    .collect();

    let result = submit_step(
        &engine,
        &started.inquiry_id,
        started.session_token.expose_secret(),
        0,
        &inputs,
    )
    .await
    .unwrap();

    assert_eq!(result, StepResult::Saved);
    let (record, _) = objects::by_session(
        &engine,
        &started.inquiry_id,
        started.session_token.expose_secret(),
    )
    .await
    .unwrap()
    .expect("the session opens its inquiry");
    let value = |k: &str| record.fields.get(&FieldPath::parse(k).unwrap()).cloned();
    assert_eq!(value("household-size"), Some(FieldValue::Integer(3)));
    assert_eq!(value("income"), Some(FieldValue::Number(52000.5)));
    assert_eq!(value("homeowner"), Some(FieldValue::Boolean(false)));
    assert_eq!(
        value("employment"),
        Some(FieldValue::Choices("retired".into()))
    );
    assert_eq!(
        record.status,
        Some(InquiryStatus::Completed),
        "nothing else was required"
    );
}

#[tokio::test]
async fn a_choice_outside_the_list_is_refused() {
    let engine = engine().await;
    let (org, _) = orgs::create(&engine, "Typed", &[]).await.unwrap();
    let fields = json!([{"key": "employment", "type": "choices", "choices": ["employed"], "required": true}]);
    let template = schemas::create(&engine, &org.id, typed_template(fields))
        .await
        .unwrap();
    let started = begin_flow(&engine, &template.id, None).await;
    let inputs = BTreeMap::from([("employment".to_owned(), StepInput::Text("astronaut".into()))]);

    let result = submit_step(
        &engine,
        &started.inquiry_id,
        started.session_token.expose_secret(),
        0,
        &inputs,
    )
    .await
    .unwrap();

    assert_eq!(
        result,
        StepResult::Invalid(BTreeMap::from([(
            FieldPath::parse("employment").unwrap(),
            FieldProblem::Invalid
        )]))
    );
}

#[tokio::test]
async fn a_step_posted_before_consent_saves_nothing_and_does_not_fix_the_steps() {
    let (engine, demo) = demo_world().await;
    let started = begin_flow(&engine, &demo.extra_template_id, Some(&demo.extra_token_id)).await;
    let session = started.session_token.expose_secret();
    let early = BTreeMap::from([("name-first".to_owned(), StepInput::Text("Mallory".into()))]);

    let result = submit_step(&engine, &started.inquiry_id, session, 0, &early)
        .await
        .unwrap();
    accept(
        &engine,
        &started.inquiry_id,
        session,
        &ConsentOrigin::default(),
    )
    .await
    .unwrap();
    worker::run_pending(&engine).await.unwrap();

    assert_eq!(
        result,
        StepResult::Saved,
        "a stale or early post is ignored"
    );
    let Screen::Step { total, group, .. } = open_view(&engine, &started).await.screen else {
        panic!("expected a step");
    };
    assert_eq!(
        (total, group),
        (3, StepGroup::Address),
        "steps are planned after the redemption"
    );
}

fn typed_template(fields: serde_json::Value) -> schemas::CreateSchema {
    schemas::CreateSchema::from_json(
        SchemaKind::InquiryTemplate,
        "typed",
        fields,
        serde_json::Value::Null,
        serde_json::Value::Null,
    )
    .expect("the storage form")
}
