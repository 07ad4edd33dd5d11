//! An API client for tests, and the arrangement most API tests start from.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::TestServer;

/// An API client for one organization.
pub struct Client<'a> {
    pub server: &'a TestServer,
    pub key: String,
    pub org: String,
}

impl<'a> Client<'a> {
    pub async fn new(server: &'a TestServer, name: &str) -> Self {
        let (org, key) = engine::orgs::create(&server.engine, name, &[])
            .await
            .expect("organization");
        Self {
            server,
            key: key.expose_secret().to_owned(),
            org: org.id.to_string(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .server
            .client
            .request(method, self.server.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or_else(|_| {
            panic!("{path} answered {status} with a body that is not JSON: {text}")
        });
        (status, json)
    }

    pub async fn post(&self, path: &str, attributes: Value) -> (StatusCode, Value) {
        self.send(
            reqwest::Method::POST,
            path,
            Some(json!({ "data": { "attributes": attributes } })),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn created(&self, path: &str, attributes: Value) -> Value {
        let (status, body) = self.post(path, attributes).await;
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {body}");
        body
    }
}

/// POSTs `body` as it is to the redeem endpoint of `token`.
pub async fn redeem_raw(client: &Client<'_>, token: &str, body: Value) -> (StatusCode, Value) {
    client
        .send(
            reqwest::Method::POST,
            &format!("/connect/share-tokens/{token}/redeem"),
            Some(body),
        )
        .await
}

pub fn id(body: &Value) -> String {
    body["data"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no data.id in {body}"))
        .to_owned()
}

pub fn first_error(body: &Value) -> (&str, &str, Option<&str>) {
    let error = &body["errors"][0];
    (
        error["status"].as_str().unwrap_or_default(),
        error["code"].as_str().unwrap_or_default(),
        error["source"]["pointer"].as_str(),
    )
}

pub const KYC_FIELDS: &str = r#"[
  {"key": "name-first", "type": "string", "label": "First name"},
  {"key": "name-last", "type": "string", "label": "Last name"},
  {"key": "email-address", "type": "string"},
  {"key": "salary", "type": "string"}
]"#;

/// Source and destination with an active connection and a completed source inquiry.
pub async fn connected(server: &TestServer) -> (Client<'_>, Client<'_>, String, String) {
    let source = Client::new(server, "Source Bank").await;
    let destination = Client::new(server, "Destination Lender").await;
    let connection = id(&source
        .created(
            "/connect/connections",
            json!({"destination-organization-id": destination.org}),
        )
        .await);
    let (status, accepted) = destination
        .post(
            &format!("/connect/connections/{connection}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, accepted["data"]["attributes"]["status"].as_str()),
        (StatusCode::OK, Some("active"))
    );
    let fields: Value = serde_json::from_str(KYC_FIELDS).unwrap();
    let template = id(&source
        .created(
            "/inquiry-templates",
            json!({"name": "KYC", "fields": fields, "verifications": [{"type": "email-address"}]}),
        )
        .await);
    let inquiry = source
        .created(
            "/inquiries",
            json!({"inquiry-template-id": template, "fields": {"name-first": "Ada", "name-last": "Lovelace", "email-address": "ada@example.com", "salary": "52000"}}),
        )
        .await;
    assert_eq!(
        inquiry["data"]["attributes"]["status"], "completed",
        "{inquiry}"
    );
    (source, destination, connection, id(&inquiry))
}

pub async fn wait_for_status<'a>(client: &Client<'a>, token: &str, wanted: &str) -> Value {
    for _ in 0..200 {
        let (_, body) = client.get(&format!("/connect/share-tokens/{token}")).await;
        if body["data"]["attributes"]["status"] == wanted {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("share token {token} never became {wanted}");
}
