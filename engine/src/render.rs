//! Objects as the API renders them (JSON:API resource objects with kebab-case attributes). Events
//! carry the same rendering, so it lives with the engine.

use serde_json::{Value, json};

use crate::connections::Connection;
use crate::fields::render_fields;
use crate::ids::OrgId;
use crate::inquiry::missing_fields;
use crate::objects::{ObjectKind, ObjectRecord};
use crate::schemas::{SchemaKind, SchemaRecord};
use crate::share_tokens::ShareToken;
use crate::time::Timestamp;

/// An optional time as the API renders it (RFC 3339, or null).
pub fn time(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(t.to_rfc3339()))
}

/// A JSON:API relationship to one resource.
pub fn relation(type_name: &str, id: &str) -> Value {
    json!({ "data": { "type": type_name, "id": id } })
}

/// An inquiry, transaction or account.
pub fn object(record: &ObjectRecord, schema: &SchemaRecord, now: Timestamp) -> Value {
    let mut attributes = json!({
        "reference-id": record.reference_id,
        "fields": render_fields(&schema.schema, &record.fields),
        "created-at": record.created_at.to_rfc3339(),
        "updated-at": record.updated_at.to_rfc3339(),
    });
    if record.kind == ObjectKind::Inquiry {
        let status = record.status_at(now).map(|s| s.as_str());
        let run = record.run.clone().unwrap_or_default();
        let extra = json!({
            "status": status,
            "verifications": run.verifications,
            "reports": run.reports,
            "expires-at": time(record.expires_at),
            "completed-at": time(record.completed_at),
            "failed-at": time(record.failed_at),
            "marked-for-review-at": time(record.reviewed_at),
        });
        merge(&mut attributes, extra);
    }
    json!({
        "type": record.kind.type_name(),
        "id": record.id,
        "attributes": attributes,
        "relationships": { schema_relation_name(schema.kind): relation(schema.kind.type_name(), &schema.id) },
    })
}

/// `meta.missing-fields` of an inquiry: required fields without a value.
pub fn missing_fields_meta(record: &ObjectRecord, schema: &SchemaRecord) -> Value {
    let missing: Vec<String> = missing_fields(&schema.effective_schema(), &record.fields)
        .iter()
        .map(ToString::to_string)
        .collect();
    json!(missing)
}

fn schema_relation_name(kind: SchemaKind) -> &'static str {
    kind.type_name()
}

fn merge(target: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(extra)) = (target.as_object_mut(), extra) {
        target.extend(extra);
    }
}

/// An inquiry template, transaction type or account type.
pub fn schema(record: &SchemaRecord) -> Value {
    let mut attributes = json!({
        "name": record.name,
        "fields": record.schema,
        "created-at": record.created_at.to_rfc3339(),
    });
    if record.kind == SchemaKind::InquiryTemplate {
        merge(
            &mut attributes,
            json!({
                "purpose": record.purpose,
                "verifications": record.checks.verifications,
                "reports": record.checks.reports,
            }),
        );
    }
    json!({ "type": record.kind.type_name(), "id": record.id, "attributes": attributes })
}

/// A connection.
pub fn connection(connection: &Connection) -> Value {
    json!({
        "type": "connection",
        "id": connection.id,
        "attributes": {
            "status": connection.status.as_str(),
            "deactivated-by": connection.deactivated_by.map(|side| side.as_str()),
            "created-at": connection.created_at.to_rfc3339(),
            "updated-at": connection.updated_at.to_rfc3339(),
        },
        "relationships": {
            "source-organization": relation("organization", connection.source_organization_id.as_str()),
            "destination-organization": relation("organization", connection.destination_organization_id.as_str()),
        },
    })
}

/// A share token as `viewer` (its source or destination organization) sees it at `now`.
pub fn share_token(token: &ShareToken, viewer: &OrgId, now: Timestamp) -> Value {
    let is_source = &token.source_organization_id == viewer;
    let status = token.status_at(now);
    let reveal_values = !is_source && status == crate::share_tokens::ShareTokenStatus::Redeemed;
    let source_data: serde_json::Map<String, Value> = token
        .snapshot
        .iter()
        .map(|(path, value)| {
            let value_json = if reveal_values {
                value.to_json()
            } else {
                Value::Null
            };
            let mut entry = json!({ "type": value.type_name() });
            if reveal_values {
                entry["value"] = value_json;
            }
            (path.to_string(), entry)
        })
        .collect();
    let mut relationships = json!({
        "connection": relation("connection", token.connection_id.as_str()),
        "destination": match &token.destination_id {
            Some(id) => relation(ObjectKind::of_id(id).map_or("object", ObjectKind::type_name), id),
            None => json!({ "data": null }),
        },
    });
    if is_source {
        relationships["source"] = relation(token.source_type.type_name(), &token.source_id);
    }
    json!({
        "type": "share-token",
        "id": token.id,
        "attributes": {
            "status": status.as_str(),
            "direction": if is_source { "outbound" } else { "inbound" },
            "source-type": token.source_type.type_name(),
            "source-data": source_data,
            "hydration-report": token.hydration_report,
            "failure-code": token.failure.map(|f| f.code()),
            "failure-reason": token.failure.map(|f| f.sentence()),
            "created-at": token.created_at.to_rfc3339(),
            "updated-at": token.updated_at.to_rfc3339(),
            "pending-at": time(token.pending_at),
            "redeemed-at": time(token.redeemed_at),
            "expires-at": token.expires_at.to_rfc3339(),
            "failed-at": time(token.failed_at),
        },
        "relationships": relationships,
    })
}

/// An event as the API renders it (and a webhook delivers it).
pub fn event(event: &crate::events::Event) -> Value {
    json!({
        "type": "event",
        "id": event.id,
        "attributes": { "name": event.name, "payload": event.payload, "created-at": event.created_at.to_rfc3339() },
    })
}
