//! Webhooks and workflows over real HTTP: a Tessera server and a real local receiver (axum on a
//! random port), both in this process; deliveries cross the loopback network.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use common::TestServer;
use common::api::{Client, KYC_FIELDS, connected, first_error, id, wait_for_status};
use engine::webhook_signature;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// How the receiver answers.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// 200 to everything.
    Ok,
    /// 500 to the first `n` requests, then 200.
    FailFirst(usize),
    /// This status to everything.
    Status(u16),
    /// Never answers.
    Hang,
}

/// One request as the receiver got it.
#[derive(Clone, Debug)]
struct Received {
    signature: String,
    attempt: String,
    body: Vec<u8>,
    answered: u16,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a delivery's body is JSON")
    }
    fn event_id(&self) -> String {
        self.json()["data"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    fn event_name(&self) -> String {
        self.json()["data"]["attributes"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Default)]
struct ReceiverState {
    mode: Mutex<Option<Mode>>,
    received: Mutex<Vec<Received>>,
}

/// A webhook receiver on 127.0.0.1.
struct Receiver {
    url: String,
    state: Arc<ReceiverState>,
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> AxumStatus {
    let mode = state.mode.lock().unwrap().unwrap_or(Mode::Ok);
    let seen = state.received.lock().unwrap().len();
    let answered = match mode {
        Mode::Ok => 200,
        Mode::FailFirst(n) if seen < n => 500,
        Mode::FailFirst(_) => 200,
        Mode::Status(code) => code,
        Mode::Hang => 0,
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    state.received.lock().unwrap().push(Received {
        signature: header(webhook_signature::HEADER),
        attempt: header(webhook_signature::ATTEMPT_HEADER),
        body: body.to_vec(),
        answered,
    });
    if answered == 0 {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    AxumStatus::from_u16(answered).unwrap()
}

impl Receiver {
    async fn start(mode: Mode) -> Self {
        let state = Arc::new(ReceiverState::default());
        *state.mode.lock().unwrap() = Some(mode);
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, state }
    }

    fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = Some(mode);
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what arrived (10 s at most).
    async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..400 {
            let received = self.received();
            if done(&received) {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "the receiver never got {what}; it got {:?}",
            self.received()
                .iter()
                .map(|r| (r.event_name(), r.attempt.clone(), r.answered))
                .collect::<Vec<_>>()
        );
    }
}

/// A server that may deliver to loopback (the receiver), retrying after `delay`.
async fn server_with_retries(delay: Duration) -> TestServer {
    TestServer::start_with(|config| {
        config.allow_private_webhook_targets = true;
        config.webhook_retry_delays = vec![delay];
    })
    .await
}

/// Creates a webhook for `client`'s organization; returns its id and secret.
async fn webhook(client: &Client<'_>, url: &str, events: Value) -> (String, String) {
    let created = client
        .created("/webhooks", json!({"url": url, "enabled-events": events}))
        .await;
    let secret = created["data"]["attributes"]["secret"]
        .as_str()
        .expect("the secret is shown at creation")
        .to_owned();
    (id(&created), secret)
}

async fn share(source: &Client<'_>, connection: &str, inquiry: &str) -> String {
    id(&source
        .created(
            "/connect/share-tokens",
            json!({"connection-id": connection, "source-id": inquiry}),
        )
        .await)
}

async fn deliveries(client: &Client<'_>, webhook: &str) -> Vec<Value> {
    let (status, body) = client
        .get(&format!("/webhooks/{webhook}/deliveries?page[size]=100"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].as_array().unwrap().clone()
}

fn verifies(received: &Received, secret: &str) -> bool {
    let now = chrono_now();
    webhook_signature::verify(&received.signature, secret, &received.body, now, 300).is_ok()
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_arrives_signed_with_the_webhook_secret_and_is_listed_succeeded() {
    let server = server_with_retries(Duration::from_millis(100)).await;
    let receiver = Receiver::start(Mode::Ok).await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    let (hook, secret) = webhook(
        &destination,
        &receiver.url,
        json!(["connect/share-token.inbound-created"]),
    )
    .await;

    let token = share(&source, &connection, &inquiry).await;

    let received = receiver
        .wait_for("the inbound-created event", |r| !r.is_empty())
        .await;
    let delivery = &received[0];
    assert_eq!(delivery.event_name(), "connect/share-token.inbound-created");
    assert_eq!(
        delivery.json()["data"]["attributes"]["payload"]["data"]["id"],
        token
    );
    assert_eq!(delivery.attempt, "1");
    assert!(
        verifies(delivery, &secret),
        "the signature {} does not verify with the webhook's secret",
        delivery.signature
    );
    assert!(
        !verifies(delivery, "whsec_another"),
        "a signature must not verify with another secret"
    );
    let (_, events) = destination
        .get("/events?filter[name]=connect/share-token.inbound-created")
        .await;
    assert_eq!(
        delivery.event_id(),
        events["data"][0]["id"],
        "the body carries the stored event's id"
    );
    let listed = wait_for_delivery(&destination, &hook, |d| {
        d["attributes"]["status"] == "succeeded"
    })
    .await;
    assert_eq!(listed["attributes"]["status-code"], 200);
    assert_eq!(listed["attributes"]["attempt"], 1);
    assert_eq!(
        listed["attributes"]["event-name"],
        "connect/share-token.inbound-created"
    );
    assert_eq!(
        receiver.received().len(),
        1,
        "one event, one request: the source's events are not the destination's"
    );
    server.stop().await.unwrap();
}

async fn wait_for_delivery(
    client: &Client<'_>,
    webhook: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..400 {
        if let Some(found) = deliveries(client, webhook)
            .await
            .into_iter()
            .find(|d| done(d))
        {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "no delivery of {webhook} reached the state wanted: {:?}",
        deliveries(client, webhook).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_fails_then_recovers_gets_every_event_and_duplicates_keep_their_id() {
    let server = server_with_retries(Duration::from_millis(100)).await;
    let receiver = Receiver::start(Mode::FailFirst(3)).await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    let (hook, secret) = webhook(&destination, &receiver.url, json!(["*"])).await;

    for _ in 0..3 {
        share(&source, &connection, &inquiry).await;
    }

    let received = receiver
        .wait_for("each of 3 events answered 200", |r| {
            r.iter()
                .filter(|r| r.answered == 200)
                .map(Received::event_id)
                .collect::<BTreeSet<_>>()
                .len()
                == 3
        })
        .await;
    let (_, events) = destination.get("/events").await;
    let stored: BTreeSet<String> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    let delivered: BTreeSet<String> = received.iter().map(Received::event_id).collect();
    assert_eq!(
        delivered, stored,
        "every stored event is delivered, and nothing else"
    );
    let mut attempts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &received {
        assert!(verifies(r, &secret), "every attempt is signed");
        attempts
            .entry(r.event_id())
            .or_default()
            .push(r.attempt.clone());
    }
    assert!(
        attempts.values().any(|a| a.len() > 1),
        "some event was retried: {attempts:?}"
    );
    for (event, numbers) in &attempts {
        let expected: Vec<String> = (1..=numbers.len()).map(|n| n.to_string()).collect();
        assert_eq!(
            numbers, &expected,
            "event {event}'s attempts are numbered 1, 2, …"
        );
    }
    for delivery in deliveries(&destination, &hook).await {
        assert_eq!(delivery["attributes"]["status"], "succeeded", "{delivery}");
    }
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_stays_down_leaves_a_failed_delivery_that_redeliver_fixes() {
    let server = server_with_retries(Duration::from_millis(20)).await;
    let receiver = Receiver::start(Mode::Status(503)).await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    let (hook, secret) = webhook(
        &destination,
        &receiver.url,
        json!(["connect/share-token.inbound-created"]),
    )
    .await;
    share(&source, &connection, &inquiry).await;

    let failed = wait_for_delivery(&destination, &hook, |d| {
        d["attributes"]["status"] == "failed"
    })
    .await;
    receiver.set_mode(Mode::Ok);
    let delivery = id(&json!({ "data": failed }));
    let (status, redelivered) = destination
        .post(
            &format!("/webhooks/{hook}/deliveries/{delivery}/redeliver"),
            json!({}),
        )
        .await;

    assert_eq!(
        failed["attributes"]["attempt"], 8,
        "at least 5 attempts before failing: {failed}"
    );
    assert_eq!(failed["attributes"]["status-code"], 503);
    assert_eq!(failed["attributes"]["error"], "the receiver answered 503");
    assert_eq!(receiver.received().len(), 8);
    assert_eq!(
        (status, redelivered["data"]["attributes"]["status"].as_str()),
        (StatusCode::OK, Some("pending")),
        "{redelivered}"
    );
    let succeeded = wait_for_delivery(&destination, &hook, |d| {
        d["attributes"]["status"] == "succeeded"
    })
    .await;
    assert_eq!(succeeded["attributes"]["attempt"], 9);
    let last = receiver.received().pop().unwrap();
    assert_eq!((last.attempt.as_str(), last.answered), ("9", 200));
    assert!(verifies(&last, &secret));
    let (status, again) = destination
        .post(
            &format!("/webhooks/{hook}/deliveries/whdl_nope/redeliver"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, first_error(&again).1),
        (StatusCode::NOT_FOUND, "not-found")
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends() {
    let server = server_with_retries(Duration::from_millis(100)).await;
    let receiver = Receiver::start(Mode::Ok).await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    let (hook, old) = webhook(
        &destination,
        &receiver.url,
        json!(["connect/share-token.inbound-created"]),
    )
    .await;

    let (status, rotated) = destination
        .post(&format!("/webhooks/{hook}/rotate-secret"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new = rotated["data"]["attributes"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    share(&source, &connection, &inquiry).await;
    let during = receiver
        .wait_for("a delivery during the overlap", |r| r.len() == 1)
        .await
        .remove(0);
    let (_, ended) = destination
        .post(
            &format!("/webhooks/{hook}/rotate-secret"),
            json!({"overlap-seconds": 0}),
        )
        .await;
    let newest = ended["data"]["attributes"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    share(&source, &connection, &inquiry).await;
    let after = receiver
        .wait_for("a delivery after the overlap", |r| r.len() == 2)
        .await
        .remove(1);

    assert_ne!(old, new);
    assert_eq!(
        during.signature.matches("v1=").count(),
        2,
        "{}",
        during.signature
    );
    assert!(
        verifies(&during, &new) && verifies(&during, &old),
        "both secrets verify during the overlap"
    );
    assert_eq!(
        after.signature.matches("v1=").count(),
        1,
        "{}",
        after.signature
    );
    assert!(
        verifies(&after, &newest) && !verifies(&after, &new),
        "only the current secret once the overlap is over"
    );
    let (_, read) = destination.get(&format!("/webhooks/{hook}")).await;
    assert!(
        read["data"]["attributes"].get("secret").is_none(),
        "a secret is shown only when made: {read}"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_target_is_refused_by_default() {
    let server = TestServer::start().await;
    let receiver = Receiver::start(Mode::Ok).await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    let port = receiver
        .url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/hook")
        .to_owned();

    let (status, literal) = destination
        .post(
            "/webhooks",
            json!({"url": receiver.url, "enabled-events": ["*"]}),
        )
        .await;
    let (status_metadata, metadata) = destination
        .post(
            "/webhooks",
            json!({"url": "http://169.254.169.254/latest/meta-data", "enabled-events": ["*"]}),
        )
        .await;
    let (hook, _) = webhook(
        &destination,
        &format!("http://localhost:{port}/hook"),
        json!(["*"]),
    )
    .await;
    share(&source, &connection, &inquiry).await;
    let failed = wait_for_delivery(&destination, &hook, |d| {
        d["attributes"]["error"].is_string()
    })
    .await;

    assert_eq!(
        (status, first_error(&literal)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            ("422", "invalid-url", Some("/data/attributes/url"))
        )
    );
    assert_eq!(
        (status_metadata, first_error(&metadata).1),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid-url")
    );
    assert_eq!(
        failed["attributes"]["error"],
        "the host resolves only to loopback, private, link-local or metadata addresses",
        "a name that resolves to loopback is refused when connecting: {failed}"
    );
    assert!(
        receiver.received().is_empty(),
        "nothing reached the private receiver"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_answers_holds_up_neither_redemptions_nor_other_organizations() {
    let server = server_with_retries(Duration::from_secs(60)).await;
    let hanging = Receiver::start(Mode::Hang).await;
    let healthy = Receiver::start(Mode::Ok).await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    webhook(&destination, &hanging.url, json!(["*"])).await;
    webhook(
        &source,
        &healthy.url,
        json!(["connect/share-token.outbound-redeemed"]),
    )
    .await;
    let transaction_type = id(&destination
        .created(
            "/transaction-types",
            json!({"name": "Loan", "fields": serde_json::from_str::<Value>(KYC_FIELDS).unwrap()}),
        )
        .await);
    let mut tokens = Vec::new();
    for _ in 0..10 {
        let token = share(&source, &connection, &inquiry).await;
        let transaction = id(&destination
            .created(
                "/transactions",
                json!({"transaction-type-id": transaction_type}),
            )
            .await);
        let (status, body) = destination
            .post(
                &format!("/connect/share-tokens/{token}/redeem"),
                json!({"destination-id": transaction}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        tokens.push(token);
    }

    for token in &tokens {
        wait_for_status(&destination, token, "redeemed").await;
    }
    let healthy_got = healthy
        .wait_for("the source's 10 outbound-redeemed events", |r| {
            r.len() == 10
        })
        .await;

    let hanging_got = hanging.received();
    assert!(!hanging_got.is_empty(), "the hanging receiver was reached");
    assert!(
        hanging_got.len() <= engine::delivery::PER_WEBHOOK,
        "a receiver that never answers holds at most {} requests at once, got {}",
        engine::delivery::PER_WEBHOOK,
        hanging_got.len()
    );
    assert!(
        hanging_got.iter().all(|r| r.attempt == "1"),
        "every redemption ended while the first attempts were still unanswered"
    );
    assert!(healthy_got.iter().all(|r| r.answered == 200));
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_redeems_an_inbound_token_into_a_new_transaction_and_the_redeemed_event_is_delivered()
 {
    let server = server_with_retries(Duration::from_millis(100)).await;
    let receiver = Receiver::start(Mode::Ok).await;
    let (source, destination, connection, inquiry) = connected(&server).await;
    let transaction_type = id(&destination
        .created(
            "/transaction-types",
            json!({"name": "Loan", "fields": [
                {"key": "name.first", "type": "string"},
                {"key": "name-last", "type": "string"},
                {"key": "income", "type": "integer"}
            ]}),
        )
        .await);
    let workflow = id(&destination
        .created(
            "/workflows",
            json!({
                "name": "Auto-redeem partner shares",
                "trigger": {"event": "connect/share-token.inbound-created"},
                "steps": [{
                    "action": "redeem-share-token",
                    "destination-type": "transaction",
                    "transaction-type-id": transaction_type,
                    "field-mappings": [
                        {"source-field-name": "salary", "destination-field-name": "income"},
                        {"source-field-name": "name-first", "destination-field-name": "name.first"}
                    ]
                }]
            }),
        )
        .await);
    let (_, secret) = webhook(
        &destination,
        &receiver.url,
        json!(["connect/share-token.inbound-redeemed"]),
    )
    .await;

    let token = share(&source, &connection, &inquiry).await;

    let redeemed = wait_for_status(&destination, &token, "redeemed").await;
    let (_, runs) = destination
        .get(&format!("/workflow-runs?filter[workflow-id]={workflow}"))
        .await;
    let run = &runs["data"][0];
    assert_eq!(
        runs["data"].as_array().unwrap().len(),
        1,
        "one run for one event: {runs}"
    );
    assert_eq!(run["attributes"]["status"], "succeeded", "{run}");
    assert_eq!(run["attributes"]["steps"][0]["status"], "succeeded");
    assert_eq!(run["relationships"]["share-token"]["data"]["id"], token);
    let transaction = run["relationships"]["destination"]["data"]["id"]
        .as_str()
        .expect("the run names the transaction it created")
        .to_owned();
    assert_eq!(
        run["relationships"]["created-objects"]["data"][0]["id"],
        transaction
    );
    assert_eq!(
        redeemed["data"]["relationships"]["destination"]["data"]["id"],
        transaction
    );
    let (_, hydrated) = destination
        .get(&format!("/transactions/{transaction}"))
        .await;
    let fields = &hydrated["data"]["attributes"]["fields"];
    assert_eq!(fields["name"]["value"]["first"]["value"], "Ada", "{fields}");
    assert_eq!(fields["name-last"]["value"], "Lovelace");
    assert_eq!(
        fields["income"]["value"], 52000,
        "salary → income, \"52000\" → 52000"
    );
    let delivered = receiver
        .wait_for("inbound-redeemed", |r| !r.is_empty())
        .await
        .remove(0);
    assert_eq!(
        delivered.event_name(),
        "connect/share-token.inbound-redeemed"
    );
    assert_eq!(
        delivered.json()["data"]["attributes"]["payload"]["data"]["attributes"]["status"],
        "redeemed"
    );
    assert!(verifies(&delivered, &secret));
    let (_, filtered) = destination
        .get("/workflow-runs?filter[status]=failed")
        .await;
    assert_eq!(filtered["data"], json!([]));
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_and_workflows_refuse_bad_input_with_pointers_and_stay_within_their_organization()
{
    let server = TestServer::start_with(|c| c.allow_private_webhook_targets = true).await;
    let (source, destination, _, _) = connected(&server).await;
    let (hook, _) = webhook(
        &destination,
        "https://hooks.example.com/tessera",
        json!(["*"]),
    )
    .await;

    let (bad_event, bad_event_body) = destination
        .post("/webhooks", json!({"url": "https://hooks.example.com/", "enabled-events": ["inquiry.completed", "nope"]}))
        .await;
    let (bad_url, bad_url_body) = destination
        .post(
            "/webhooks",
            json!({"url": "ftp://hooks.example.com/", "enabled-events": ["*"]}),
        )
        .await;
    let (no_steps_kind, no_steps_body) = destination
        .post("/workflows", json!({"name": "x", "trigger": {"event": "connect/share-token.inbound-created"}, "steps": [{"action": "redeem-share-token", "destination-type": "car"}]}))
        .await;
    let (foreign_template, foreign_body) = destination
        .post("/workflows", json!({"name": "x", "trigger": {"event": "connect/share-token.inbound-created"}, "steps": [{"action": "redeem-share-token", "destination-type": "inquiry", "inquiry-template-id": "itmpl_nope"}]}))
        .await;
    let (wrong_trigger, wrong_trigger_body) = destination
        .post("/workflows", json!({"name": "x", "trigger": {"event": "inquiry.completed"}, "steps": [{"action": "redeem-share-token", "destination-type": "inquiry", "inquiry-template-id": "itmpl_nope"}]}))
        .await;
    let (foreign_read, _) = source.get(&format!("/webhooks/{hook}")).await;
    let (foreign_deliveries, _) = source.get(&format!("/webhooks/{hook}/deliveries")).await;
    let (_, foreign_list) = source.get("/webhooks").await;
    let (patched, patched_body) = destination
        .send(
            reqwest::Method::PATCH,
            &format!("/webhooks/{hook}"),
            Some(json!({"data": {"attributes": {"enabled-events": ["inquiry.completed"]}}})),
        )
        .await;
    let deleted = server
        .client
        .delete(server.url(&format!("/api/v1/webhooks/{hook}")))
        .bearer_auth(&destination.key)
        .send()
        .await
        .unwrap()
        .status();
    let (gone, _) = destination.get(&format!("/webhooks/{hook}")).await;
    let (disabled, disabled_body) = destination
        .post(
            "/workflows",
            json!({"name": "Nothing yet", "trigger": {"event": "inquiry.completed"}, "steps": []}),
        )
        .await;
    let workflow = id(&disabled_body);
    let (_, off) = destination
        .post(&format!("/workflows/{workflow}/disable"), json!({}))
        .await;
    let (foreign_workflow, _) = source
        .post(&format!("/workflows/{workflow}/enable"), json!({}))
        .await;

    assert_eq!(
        (bad_event, first_error(&bad_event_body).2),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/data/attributes/enabled-events/1")
        )
    );
    assert_eq!(
        (bad_url, first_error(&bad_url_body).2),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/data/attributes/url")
        )
    );
    assert_eq!(
        (no_steps_kind, first_error(&no_steps_body).2),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/data/attributes/steps/0/destination-type")
        )
    );
    assert_eq!(
        (foreign_template, first_error(&foreign_body).2),
        (StatusCode::NOT_FOUND, Some("/data/attributes/steps/0"))
    );
    assert_eq!(
        (wrong_trigger, first_error(&wrong_trigger_body).2),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/data/attributes/steps/0/action")
        )
    );
    assert_eq!(
        (foreign_read, foreign_deliveries),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
        "another organization's webhook is not found"
    );
    assert_eq!(foreign_list["data"], json!([]));
    assert_eq!(
        (
            patched,
            patched_body["data"]["attributes"]["enabled-events"].clone()
        ),
        (StatusCode::OK, json!(["inquiry.completed"]))
    );
    assert_eq!(
        (deleted, gone),
        (StatusCode::NO_CONTENT, StatusCode::NOT_FOUND)
    );
    assert_eq!(
        (disabled, off["data"]["attributes"]["status"].as_str()),
        (StatusCode::CREATED, Some("disabled"))
    );
    assert_eq!(foreign_workflow, StatusCode::NOT_FOUND);
    server.stop().await.unwrap();
}
