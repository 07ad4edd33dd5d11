//! The Connect API over real HTTP: a server on a random port with a fresh SQLite database per test.

mod common;

use common::TestServer;
use common::api::{Client, connected, first_error, id, redeem_raw, wait_for_status};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_redeems_a_share_token_into_a_transaction_with_field_mappings() {
    let server = TestServer::start().await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    let token = source
        .created(
            "/connect/share-tokens",
            json!({"connection-id": connection, "source-id": inquiry}),
        )
        .await;
    let token_id = id(&token);
    assert_eq!(token["data"]["attributes"]["direction"], "outbound");
    let loan = id(&destination.created("/transaction-types", json!({"name": "Loan", "fields": [{"key": "name-last", "type": "string"}, {"key": "income", "type": "integer"}, {"key": "tier", "type": "string"}]})).await);
    let transaction = id(&destination
        .created(
            "/transactions",
            json!({"transaction-type-id": loan, "reference-id": "loan-42"}),
        )
        .await);
    let redeem_body = json!({
        "data": {"attributes": {"destination-id": transaction}},
        "meta": {"field-mappings": [{"source-field-name": "salary", "destination-field-name": "income"}]}
    });

    let (preview_status, preview) = destination
        .send(
            reqwest::Method::POST,
            &format!("/connect/share-tokens/{token_id}/preview-redemption"),
            Some(redeem_body.clone()),
        )
        .await;
    let (status, redeemed) = destination
        .send(
            reqwest::Method::POST,
            &format!("/connect/share-tokens/{token_id}/redeem"),
            Some(redeem_body),
        )
        .await;

    assert_eq!(preview_status, StatusCode::OK, "{preview}");
    assert_eq!(status, StatusCode::ACCEPTED, "{redeemed}");
    assert_eq!(redeemed["data"]["attributes"]["status"], "pending");
    let done = wait_for_status(&destination, &token_id, "redeemed").await;
    // The preview judges by types: text into an integer is decided at redemption.
    let mut previewed = preview["data"]["attributes"]["hydration-report"].clone();
    let conditional = previewed
        .as_object_mut()
        .and_then(|report| report.remove("conditional"))
        .unwrap_or_default();
    assert_eq!(conditional[0]["path"], "income", "{preview}");
    assert_eq!(done["data"]["attributes"]["hydration-report"], previewed);
    assert_eq!(
        done["data"]["attributes"]["hydration-report"]["by-mapping"],
        json!(["income"])
    );
    let (_, fetched) = destination
        .get(&format!("/transactions/{transaction}"))
        .await;
    let fields = &fetched["data"]["attributes"]["fields"];
    assert_eq!(fields["income"], json!({"type": "integer", "value": 52000}));
    assert_eq!(
        fields["name-last"],
        json!({"type": "string", "value": "Lovelace"})
    );
    assert_eq!(
        fields["tier"],
        json!({"type": "string", "value": null}),
        "unmatched fields stay unset"
    );
    let (_, events) = destination
        .get("/events?filter[name]=connect/share-token.inbound-redeemed")
        .await;
    assert_eq!(
        events["data"][0]["attributes"]["payload"]["data"]["attributes"]["status"],
        "redeemed"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redeeming_into_an_inquiry_that_misses_a_field_leaves_it_stuck_with_missing_fields() {
    let server = TestServer::start().await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    let token = id(&source
        .created(
            "/connect/share-tokens",
            json!({"connection-id": connection, "source-id": inquiry}),
        )
        .await);
    let template = id(&destination
        .created("/inquiry-templates", json!({"name": "Phone KYC", "fields": [{"key": "name-last", "type": "string"}, {"key": "phone-number", "type": "string"}], "verifications": [{"type": "phone-number"}]}))
        .await);
    let created = destination
        .created("/inquiries", json!({"inquiry-template-id": template}))
        .await;
    assert!(
        created["meta"]["session-token"]
            .as_str()
            .is_some_and(|t| t.starts_with("sess_"))
    );
    let target = id(&created);

    let (status, _) = destination
        .post(
            &format!("/connect/share-tokens/{token}/redeem"),
            json!({"destination-id": target}),
        )
        .await;
    wait_for_status(&destination, &token, "redeemed").await;

    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, stuck) = destination.get(&format!("/inquiries/{target}")).await;
    assert_eq!(stuck["data"]["attributes"]["status"], "pending");
    assert_eq!(stuck["meta"]["missing-fields"], json!(["phone-number"]));
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_use_the_contract_format_with_codes_and_pointers() {
    let server = TestServer::start().await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    let token = id(&source
        .created(
            "/connect/share-tokens",
            json!({"connection-id": connection, "source-id": inquiry}),
        )
        .await);

    let (_, bad_ttl) = source
        .post(
            "/connect/share-tokens",
            json!({"connection-id": connection, "source-id": inquiry, "expires-in-seconds": 5}),
        )
        .await;
    let (_, ttl_as_text) = source
        .post(
            "/connect/share-tokens",
            json!({"connection-id": connection, "source-id": inquiry, "expires-in-seconds": "600"}),
        )
        .await;
    let (_, bad_mapping) = destination
        .send(
            reqwest::Method::POST,
            &format!("/connect/share-tokens/{token}/redeem"),
            Some(json!({"data": {"attributes": {"destination-id": inquiry}}, "meta": {"field-mappings": []}})),
        )
        .await;
    let (_, no_destination) =
        redeem_raw(&destination, &token, json!({"data": {"attributes": {}}})).await;
    let (_, not_an_object) = redeem_raw(
        &destination,
        &token,
        json!({"data": {"attributes": {"destination-id": connection}}}),
    )
    .await;
    let (_, unreadable_mapping) = redeem_raw(
        &destination,
        &token,
        json!({
            "data": {"attributes": {"destination-id": inquiry}},
            "meta": {"field-mappings": [{"source-field-name": "salary"}]}
        }),
    )
    .await;
    let (_, bad_field) = source
        .post(
            "/inquiry-templates",
            json!({"name": "T", "fields": [{"key": "A B", "type": "string"}]}),
        )
        .await;

    assert_eq!(
        first_error(&bad_ttl),
        (
            "422",
            "invalid-expires-in-seconds",
            Some("/data/attributes/expires-in-seconds")
        )
    );
    assert_eq!(
        first_error(&bad_mapping),
        ("404", "not-found", Some("/data/attributes/destination-id")),
        "the source's inquiry is not the destination's"
    );
    assert_eq!(
        first_error(&ttl_as_text),
        (
            "422",
            "invalid-expires-in-seconds",
            Some("/data/attributes/expires-in-seconds")
        )
    );
    assert_eq!(
        first_error(&no_destination),
        (
            "422",
            "missing-attribute",
            Some("/data/attributes/destination-id")
        )
    );
    assert_eq!(
        first_error(&not_an_object),
        (
            "422",
            "invalid-destination",
            Some("/data/attributes/destination-id")
        )
    );
    assert_eq!(
        first_error(&unreadable_mapping),
        (
            "422",
            "invalid-field-mapping",
            Some("/meta/field-mappings/0/destination-field-name")
        )
    );
    assert_eq!(
        first_error(&bad_field),
        (
            "422",
            "invalid-field",
            Some("/data/attributes/fields/0/key")
        )
    );
    assert_eq!(bad_ttl["errors"][0]["title"], "Invalid expires in seconds");
    let loan = id(&destination
        .created("/transaction-types", json!({"name": "Loan", "fields": []}))
        .await);
    let (_, no_type) = destination.post("/transactions", json!({})).await;
    let (_, someone_elses_type) = source
        .post("/transactions", json!({"transaction-type-id": loan}))
        .await;
    assert_eq!(
        first_error(&someone_elses_type),
        (
            "404",
            "not-found",
            Some("/data/attributes/transaction-type-id")
        )
    );
    let (_, bad_reference) = destination
        .post(
            "/transactions",
            json!({"transaction-type-id": loan, "reference-id": 42}),
        )
        .await;
    assert_eq!(
        first_error(&no_type),
        (
            "422",
            "missing-attribute",
            Some("/data/attributes/transaction-type-id")
        )
    );
    assert_eq!(
        first_error(&bad_reference),
        (
            "422",
            "invalid-reference-id",
            Some("/data/attributes/reference-id")
        )
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_missing_keys_and_unknown_paths_answer_in_the_error_format() {
    let server = TestServer::start().await;
    let client = Client::new(&server, "Acme").await;
    let url = server.url("/api/v1/inquiry-templates");

    let no_key = server.client.get(&url).send().await.unwrap();
    let bad_key = server
        .client
        .get(&url)
        .bearer_auth("tsk_nope")
        .send()
        .await
        .unwrap();
    let malformed = server
        .client
        .post(&url)
        .bearer_auth(&client.key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let wrong_type = server
        .client
        .post(&url)
        .bearer_auth(&client.key)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    let unknown = server
        .client
        .get(server.url("/api/v1/nothing-here"))
        .bearer_auth(&client.key)
        .send()
        .await
        .unwrap();

    for (response, status, code) in [
        (no_key, 401, "unauthorized"),
        (bad_key, 401, "unauthorized"),
        (malformed, 400, "malformed-json"),
        (wrong_type, 400, "invalid-content-type"),
        (unknown, 404, "not-found"),
    ] {
        assert_eq!(response.status().as_u16(), status);
        let body: Value = response.json().await.expect("a JSON error body");
        assert_eq!(body["errors"][0]["code"], code, "{body}");
        assert_eq!(body["errors"][0]["status"], status.to_string());
    }
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_413_in_the_error_format() {
    let server = TestServer::start().await;
    let client = Client::new(&server, "Acme").await;
    let huge = format!(
        "{{\"data\":{{\"attributes\":{{\"name\":\"{}\"}}}}}}",
        "x".repeat(16 * 1024 * 1024)
    );

    let response = server
        .client
        .post(server.url("/api/v1/inquiry-templates"))
        .bearer_auth(&client.key)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "payload-too-large");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organizations_objects_are_404_on_every_read_and_action() {
    let server = TestServer::start().await;
    let (source, _destination, connection, inquiry) = connected(&server).await;
    let stranger = Client::new(&server, "Stranger").await;
    let token = id(&source
        .created(
            "/connect/share-tokens",
            json!({"connection-id": connection, "source-id": inquiry}),
        )
        .await);
    let (_, fetched) = source.get(&format!("/inquiries/{inquiry}")).await;
    let template = fetched["data"]["relationships"]["inquiry-template"]["data"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let reads = [
        format!("/inquiries/{inquiry}"),
        format!("/inquiry-templates/{template}"),
        format!("/connect/connections/{connection}"),
        format!("/connect/share-tokens/{token}"),
    ];
    for path in reads {
        let (status, body) = stranger.get(&path).await;
        assert_eq!(
            (status, first_error(&body).1),
            (StatusCode::NOT_FOUND, "not-found"),
            "GET {path}"
        );
    }
    let actions = [
        format!("/inquiries/{inquiry}/resume"),
        format!("/connect/connections/{connection}/accept"),
        format!("/connect/connections/{connection}/deactivate"),
        format!("/connect/share-tokens/{token}/expire"),
        format!("/connect/share-tokens/{token}/redeem"),
        format!("/connect/share-tokens/{token}/preview-redemption"),
    ];
    for path in actions {
        let (status, _) = stranger
            .post(&path, json!({"destination-id": inquiry}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "POST {path}");
        // Rule 1 comes before the body: an empty one changes nothing.
        let (status, _) = stranger.post(&path, json!({})).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "POST {path} with an empty body"
        );
    }
    let (_, listed) = stranger.get("/connect/share-tokens").await;
    assert_eq!(listed["data"], json!([]));
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_newest_first_with_links_next() {
    let server = TestServer::start().await;
    let client = Client::new(&server, "Acme").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(id(&client
            .created(
                "/account-types",
                json!({"name": format!("Type {n}"), "fields": []}),
            )
            .await));
    }

    let (_, first) = client.get("/account-types?page[size]=2").await;
    let next = first["links"]["next"]
        .as_str()
        .expect("a next link")
        .to_owned();
    let (_, second) = client.get(next.trim_start_matches("/api/v1")).await;
    let (status, bad) = client.get("/account-types?page[size]=500").await;

    let page_ids = |page: &Value| {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(page_ids(&first), [ids[2].clone(), ids[1].clone()]);
    assert_eq!(page_ids(&second), [ids[0].clone()]);
    assert_eq!(second["links"]["next"], Value::Null);
    assert_eq!(
        (status, first_error(&bad).1),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid-page-size")
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_replays_the_first_response_and_refuses_a_different_body() {
    let server = TestServer::start().await;
    let client = Client::new(&server, "Acme").await;
    let url = server.url("/api/v1/account-types");
    let post = |body: Value, key: &'static str| {
        server
            .client
            .post(url.clone())
            .bearer_auth(&client.key)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let body = json!({"data": {"attributes": {"name": "Savings", "fields": []}}});

    let first = post(body.clone(), "k-1").await.unwrap();
    let (first_status, first_body) = (first.status(), first.text().await.unwrap());
    let replay = post(body.clone(), "k-1").await.unwrap();
    let replayed_header = replay.headers().get("idempotent-replayed").cloned();
    let (replay_status, replay_body) = (replay.status(), replay.text().await.unwrap());
    let reused = post(
        json!({"data": {"attributes": {"name": "Checking", "fields": []}}}),
        "k-1",
    )
    .await
    .unwrap();
    let (_, listed) = client.get("/account-types").await;

    assert_eq!(first_status, StatusCode::CREATED);
    assert_eq!(
        (replay_status, replay_body),
        (first_status, first_body),
        "the replay is the first response"
    );
    assert_eq!(
        replayed_header.as_ref().and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reused.json::<Value>().await.unwrap()["errors"][0]["code"],
        "idempotency-key-reused"
    );
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        1,
        "only one account type was created"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_the_rate_limit_of_a_key_are_429_with_ratelimit_headers() {
    let server =
        TestServer::start_with(|config| config.rate_limit = std::num::NonZeroU32::new(3).unwrap())
            .await;
    let limited = Client::new(&server, "Busy").await;
    let other = Client::new(&server, "Quiet").await;
    let get = |key: &str| {
        server
            .client
            .get(server.url("/api/v1/connect/connections"))
            .bearer_auth(key)
            .send()
    };

    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..4 {
        let response = get(&limited.key).await.unwrap();
        statuses.push(response.status().as_u16());
        last = Some(response);
    }
    let other_status = get(&other.key).await.unwrap().status();

    assert_eq!(
        statuses,
        [200, 200, 200, 429],
        "a burst of 3 then the limit"
    );
    let last = last.unwrap();
    assert_eq!(last.headers()["ratelimit-limit"], "3");
    assert_eq!(last.headers()["ratelimit-remaining"], "0");
    assert!(
        last.headers().contains_key("ratelimit-reset")
            && last.headers().contains_key("retry-after")
    );
    assert_eq!(
        last.json::<Value>().await.unwrap()["errors"][0]["code"],
        "rate-limited"
    );
    assert_eq!(other_status, StatusCode::OK, "limits are per key");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_every_routed_endpoint_and_the_reference_page_lists_them() {
    let server = TestServer::start().await;

    let document: Value = server
        .client
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = server
        .client
        .get(server.url("/docs/api"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, methods) in paths {
        for method in methods.as_object().unwrap().keys() {
            operations += 1;
            let concrete = path.replace("{id}", "x").replace("{delivery_id}", "y");
            let response = server
                .client
                .request(
                    method.to_uppercase().parse().unwrap(),
                    server.url(&concrete),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} is documented but not routed behind auth"
            );
            assert!(
                page.contains(&format!("{} {}", method.to_uppercase(), path)),
                "the reference page lacks {method} {path}"
            );
        }
    }
    assert_eq!(
        operations, 50,
        "every endpoint of CONTRACT.md §§4–6 that exists today"
    );
    assert!(paths["/api/v1/connect/share-tokens/{id}/redeem"]["post"]["requestBody"].is_object());
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_shows_only_the_callers_own_objects() {
    let server = TestServer::start().await;
    let (source, _destination, connection, inquiry) = connected(&server).await;
    source
        .created(
            "/connect/share-tokens",
            json!({"connection-id": connection, "source-id": inquiry}),
        )
        .await;
    let loan = id(&source
        .created("/transaction-types", json!({"name": "Loan", "fields": []}))
        .await);
    source
        .created("/transactions", json!({"transaction-type-id": loan}))
        .await;
    let savings = id(&source
        .created("/account-types", json!({"name": "Savings", "fields": []}))
        .await);
    source
        .created("/accounts", json!({"account-type-id": savings}))
        .await;
    let stranger = Client::new(&server, "Stranger").await;

    for path in [
        "/inquiry-templates",
        "/inquiries",
        "/transaction-types",
        "/transactions",
        "/account-types",
        "/accounts",
        "/connect/connections",
        "/connect/share-tokens",
        "/events",
    ] {
        let (_, own) = source.get(path).await;
        let (status, theirs) = stranger.get(path).await;
        assert!(
            !own["data"].as_array().unwrap().is_empty(),
            "the owner should see its {path}"
        );
        assert_eq!(
            (status, &theirs["data"]),
            (StatusCode::OK, &json!([])),
            "a stranger must see none of {path}"
        );
    }
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inquiry_template_keeps_the_purpose_its_consent_screen_shows() {
    let server = TestServer::start().await;
    let client = Client::new(&server, "Purposeful").await;

    let created = client
        .created(
            "/inquiry-templates",
            json!({"name": "KYC", "fields": [], "purpose": "To open your account."}),
        )
        .await;
    let (status, refused) = client
        .post(
            "/transaction-types",
            json!({"name": "Loan", "fields": [], "purpose": "Because."}),
        )
        .await;

    assert_eq!(
        created["data"]["attributes"]["purpose"],
        "To open your account."
    );
    let (_, read) = client
        .get(&format!("/inquiry-templates/{}", id(&created)))
        .await;
    assert_eq!(
        read["data"]["attributes"]["purpose"],
        "To open your account."
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        first_error(&refused),
        ("422", "invalid-attribute", Some("/data/attributes/purpose")),
        "only inquiry templates have a purpose"
    );
}
