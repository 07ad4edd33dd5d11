//! The API's two translations, each in one place: JSON:API bodies into the engine's typed commands
//! (with pointers for what cannot be read), and the engine's typed refusals into the contract's
//! codes and pointers.

use engine::Problem;
use engine::connections::{ActError, ConnectionRefusal, CreateConnectionError};
use engine::fields::FieldPath;
use engine::fields::{FieldInput, parse_fields, pointer_of};
use engine::hydration::{FieldMapping, MAX_MAPPINGS, MappingProblem};
use engine::ids::{ConnectionId, OrgId, ShareTokenId};
use engine::objects::{CreateObject, CreateObjectError, ObjectKind};
use engine::redemption::{Redeem, RedeemError};
use engine::share_tokens::{
    CreateShareToken, CreateShareTokenError, DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, MIN_TTL_SECONDS,
};
use serde_json::Value;

use super::body::JsonApiBody;
use super::error::ApiError;

const DESTINATION: &str = "/data/attributes/destination-id";
const MAPPINGS: &str = "/meta/field-mappings";
const CONNECTION: &str = "/data/attributes/connection-id";
const SOURCE: &str = "/data/attributes/source-id";
const TTL: &str = "/data/attributes/expires-in-seconds";

fn required<'a>(body: &'a JsonApiBody, name: &str, pointer: &str) -> Result<&'a str, ApiError> {
    body.str_attribute(name)?.ok_or_else(|| {
        Problem::invalid(
            "missing-attribute",
            format!("`{name}` is required"),
            pointer,
        )
        .into()
    })
}

/// `expires-in-seconds` that is not a whole number in range (or not a number at all).
fn ttl_problem() -> Problem {
    Problem::invalid(
        "invalid-expires-in-seconds",
        format!(
            "`expires-in-seconds` is a whole number from {MIN_TTL_SECONDS} to {MAX_TTL_SECONDS}"
        ),
        TTL,
    )
}

fn connection_not_found() -> Problem {
    Problem {
        pointer: Some(CONNECTION.to_owned()),
        ..Problem::not_found("the connection")
    }
}

const DESTINATION_ORGANIZATION: &str = "/data/attributes/destination-organization-id";

/// `POST /connect/connections`: the organization to connect to.
pub fn create_connection(body: &JsonApiBody) -> Result<OrgId, ApiError> {
    let id = required(
        body,
        "destination-organization-id",
        DESTINATION_ORGANIZATION,
    )?;
    OrgId::parse(id).map_err(|err| {
        Problem::invalid(
            "invalid-destination-organization",
            err.to_string(),
            DESTINATION_ORGANIZATION,
        )
        .into()
    })
}

/// A connection id from the path: one that cannot be a connection's is one nobody has.
pub fn connection_id(text: &str) -> Result<ConnectionId, ApiError> {
    ConnectionId::parse(text).map_err(|_| Problem::not_found("the connection").into())
}

/// A share-token id from the path: one that cannot be a token's is one nobody has (404, like any
/// unknown one).
pub fn share_token_id(text: &str) -> Result<ShareTokenId, ApiError> {
    ShareTokenId::parse(text).map_err(|_| Problem::not_found("the share token").into())
}

/// A refused connection proposal in the contract's terms.
pub fn create_connection_error(err: CreateConnectionError) -> ApiError {
    match err {
        CreateConnectionError::Internal(err) => err.into(),
        refused => Problem::invalid(
            "invalid-destination-organization",
            refused.to_string(),
            DESTINATION_ORGANIZATION,
        )
        .into(),
    }
}

/// A refused action on a connection in the contract's terms: the source accepting is told the
/// connection does not exist for it; every other refusal is a state conflict.
pub fn connection_act_error(err: ActError) -> ApiError {
    let refusal = match err {
        ActError::NotFound | ActError::Refused(ConnectionRefusal::DestinationOnly) => {
            return Problem::not_found("the connection").into();
        }
        ActError::Changed => {
            return Problem::conflict("connection-changed", err.to_string()).into();
        }
        ActError::Internal(err) => return err.into(),
        ActError::Refused(refusal) => refusal,
    };
    let code = match refusal {
        ConnectionRefusal::AlreadyActive => "connection-already-active",
        ConnectionRefusal::Inactive => "connection-inactive",
        ConnectionRefusal::AlreadyInactive => "connection-already-inactive",
        ConnectionRefusal::NotInactive => "connection-not-inactive",
        ConnectionRefusal::SourceOnly | ConnectionRefusal::DestinationOnly => {
            "connection-source-only"
        }
    };
    Problem::conflict(code, refusal.to_string()).into()
}

/// `POST /connect/share-tokens` as a command.
pub fn create_share_token(body: &JsonApiBody) -> Result<CreateShareToken, ApiError> {
    let expires_in_seconds = match body.attribute("expires-in-seconds") {
        None => DEFAULT_TTL_SECONDS,
        Some(value) => value
            .as_u64()
            .filter(|s| (MIN_TTL_SECONDS..=MAX_TTL_SECONDS).contains(s))
            .ok_or_else(ttl_problem)?,
    };
    let connection_id = required(body, "connection-id", CONNECTION)?;
    let source_id = required(body, "source-id", SOURCE)?;
    // An id that cannot be a connection's is one nobody has.
    let connection_id = ConnectionId::parse(connection_id).map_err(|_| connection_not_found())?;
    Ok(CreateShareToken {
        connection_id,
        source_id: source_id.to_owned(),
        expires_in_seconds,
    })
}

/// A refused share-token creation in the contract's terms.
pub fn create_share_token_error(err: CreateShareTokenError) -> ApiError {
    let detail = err.to_string();
    let problem = match err {
        CreateShareTokenError::TtlOutOfRange => ttl_problem(),
        CreateShareTokenError::ConnectionNotFound => connection_not_found(),
        CreateShareTokenError::NotConnectionSource => {
            Problem::invalid("not-connection-source", detail, CONNECTION)
        }
        CreateShareTokenError::ConnectionNotActive(_) => {
            Problem::invalid("connection-not-active", detail, CONNECTION)
        }
        CreateShareTokenError::InvalidSource => Problem::invalid(
            "invalid-source",
            "`source-id` is an inq_, txn_ or act_ id",
            SOURCE,
        ),
        CreateShareTokenError::SourceNotFound => Problem {
            pointer: Some(SOURCE.to_owned()),
            ..Problem::not_found("the source")
        },
        CreateShareTokenError::SourceNotShareable => {
            Problem::invalid("source-not-shareable", detail, SOURCE)
        }
        CreateShareTokenError::Internal(err) => return err.into(),
    };
    problem.into()
}
/// `POST /connect/share-tokens/{id}/redeem` (and `preview-redemption`) as a command. Rule 1 comes
/// first (CONTRACT.md §5): a token that is not the caller's to redeem is answered as such before
/// the body is read; the token so checked goes with the command (no second read).
pub async fn redeem(
    engine: &engine::Engine,
    org: &engine::ids::OrgId,
    token_id: &str,
    body: &JsonApiBody,
) -> Result<(Redeem, engine::redemption::Redeemable), ApiError> {
    let token_id = share_token_id(token_id)?;
    let checked = engine::redemption::check_token(engine, org, &token_id)
        .await
        .map_err(redeem_error)?;
    let destination_id = body.str_attribute("destination-id")?.ok_or_else(|| {
        ApiError::from(Problem::invalid(
            "missing-attribute",
            "`destination-id` is required: an inq_, txn_ or act_ id",
            DESTINATION,
        ))
    })?;
    let mappings = field_mappings(body.meta.get("field-mappings")).map_err(ApiError::Problems)?;
    Ok((
        Redeem {
            token_id,
            destination_id: destination_id.to_owned(),
            mappings,
        },
        checked,
    ))
}

/// `meta.field-mappings`: a list of `{source-field-name, destination-field-name}` field paths.
fn field_mappings(json: Option<&Value>) -> Result<Vec<FieldMapping>, Vec<Problem>> {
    field_mappings_at(json, MAPPINGS)
}

/// A list of field mappings found at the pointer `at` (the redeem body's meta, or a workflow step).
pub fn field_mappings_at(
    json: Option<&Value>,
    at: &str,
) -> Result<Vec<FieldMapping>, Vec<Problem>> {
    let items = match json {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() <= MAX_MAPPINGS => items,
        Some(Value::Array(_)) => {
            return Err(vec![Problem::invalid(
                "invalid-field-mapping",
                format!("at most {MAX_MAPPINGS} field mappings"),
                at,
            )]);
        }
        Some(_) => {
            return Err(vec![Problem::invalid(
                "invalid-field-mapping",
                "`field-mappings` is a list",
                at,
            )]);
        }
    };
    let mut problems = Vec::new();
    let mut mappings = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let path_at = |name: &str| -> Result<FieldPath, Problem> {
            let at = format!("{at}/{index}/{name}");
            let text = item.get(name).and_then(Value::as_str).ok_or_else(|| {
                Problem::invalid(
                    "invalid-field-mapping",
                    format!("`{name}` is required and is a string"),
                    at.clone(),
                )
            })?;
            FieldPath::parse(text)
                .map_err(|err| Problem::invalid("invalid-field-mapping", err.to_string(), at))
        };
        match (
            path_at("source-field-name"),
            path_at("destination-field-name"),
        ) {
            (Ok(source_field_name), Ok(destination_field_name)) => mappings.push(FieldMapping {
                source_field_name,
                destination_field_name,
            }),
            (source, destination) => {
                problems.extend(source.err());
                problems.extend(destination.err());
            }
        }
    }
    if problems.is_empty() {
        Ok(mappings)
    } else {
        Err(problems)
    }
}

/// Refused mappings as problems pointing into the list found at `at`.
pub fn mapping_refusal_problems(
    refusals: Vec<engine::hydration::MappingRefusal>,
    at: &str,
) -> Vec<Problem> {
    refusals
        .into_iter()
        .map(|refusal| {
            let pointer = format!("{at}/{}/destination-field-name", refusal.index);
            let field = &refusal.destination_field_name;
            match refusal.problem {
                MappingProblem::NotADestinationField => Problem::invalid(
                    "invalid-field-mapping",
                    format!("`{field}` is not a field of the destination"),
                    pointer,
                ),
                MappingProblem::DuplicateDestination => Problem::invalid(
                    "duplicate-field-mapping",
                    format!("`{field}` is the destination of more than one mapping"),
                    pointer,
                ),
                MappingProblem::TooMany => Problem::invalid(
                    "invalid-field-mapping",
                    format!("at most {MAX_MAPPINGS} field mappings"),
                    at,
                ),
            }
        })
        .collect()
}

/// A refused redemption in the contract's terms (CONTRACT.md §5, rules 1–3).
pub fn redeem_error(err: RedeemError) -> ApiError {
    let detail = err.to_string();
    let problem = match err {
        RedeemError::TokenNotFound => Problem::not_found("the share token"),
        RedeemError::AlreadyRedeemed => Problem::conflict("share-token-already-redeemed", detail),
        RedeemError::Expired => Problem::invalid_here("share-token-expired", detail),
        RedeemError::Failed(_) => Problem::invalid_here("share-token-failed", detail),
        RedeemError::ConnectionNotActive(_) => {
            Problem::invalid_here("connection-not-active", detail)
        }
        RedeemError::InvalidDestination => Problem::invalid(
            "invalid-destination",
            "`destination-id` is an inq_, txn_ or act_ id",
            DESTINATION,
        ),
        RedeemError::DestinationNotFound => Problem {
            pointer: Some(DESTINATION.to_owned()),
            ..Problem::not_found("the destination")
        },
        RedeemError::DestinationNotRedeemable(_) => {
            Problem::invalid("destination-not-redeemable", detail, DESTINATION)
        }
        RedeemError::Mappings(refusals) => {
            return ApiError::Problems(mapping_refusal_problems(refusals, MAPPINGS));
        }
        RedeemError::Internal(err) => return err.into(),
    };
    problem.into()
}

/// `POST /inquiries`, `/transactions`, `/accounts` as a command: the schema is read first, since
/// `fields` is read against it (CONTRACT.md §3).
pub async fn create_object(
    engine: &engine::Engine,
    org: &engine::ids::OrgId,
    kind: ObjectKind,
    body: &JsonApiBody,
) -> Result<CreateObject, ApiError> {
    let attribute = kind.schema_attribute();
    let at = format!("/data/attributes/{attribute}");
    let schema_id = required(body, attribute, &at)?;
    let schema = engine::schemas::get(engine, org, kind.schema_kind(), schema_id)
        .await
        .map_err(|err| err.at_pointer(&at))?;
    let reference_id = match body.attribute("reference-id") {
        None => None,
        Some(serde_json::Value::String(r)) if engine::objects::is_valid_reference_id(r) => {
            Some(r.clone())
        }
        Some(_) => return Err(reference_problem().into()),
    };
    let fields = match body.attribute("fields") {
        Some(json) => parse_fields(&schema.schema, json, FIELDS).map_err(ApiError::Problems)?,
        None => FieldInput::new(),
    };
    Ok(CreateObject {
        kind,
        schema_id: schema_id.to_owned(),
        reference_id,
        fields,
    })
}

const FIELDS: &str = "/data/attributes/fields";

fn reference_problem() -> Problem {
    Problem::invalid(
        "invalid-reference-id",
        "`reference-id` is a string of 1 to 255 characters",
        "/data/attributes/reference-id",
    )
}

/// A refused object creation in the contract's terms.
pub fn create_object_error(kind: ObjectKind, err: CreateObjectError) -> ApiError {
    match err {
        CreateObjectError::SchemaNotFound => Problem {
            pointer: Some(format!("/data/attributes/{}", kind.schema_attribute())),
            ..Problem::not_found("the schema")
        }
        .into(),
        CreateObjectError::InvalidReferenceId => reference_problem().into(),
        CreateObjectError::FilesTooLargeToDecode(paths) => ApiError::Problems(
            paths
                .iter()
                .map(|path| {
                    Problem::invalid(
                        "file-too-large-to-decode",
                        engine::verification::Unreadable::TooLarge.sentence(),
                        format!("{FIELDS}{}", pointer_of(path)),
                    )
                })
                .collect(),
        ),
        CreateObjectError::Internal(err) => err.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mappings_that_cannot_be_read_are_refused_with_pointers_to_each_name() {
        let problems = field_mappings(Some(&json!([
            {"source-field-name": "salary", "destination-field-name": "income"},
            {"source-field-name": 7},
            {"source-field-name": "Not A Path", "destination-field-name": "x"}
        ])))
        .expect_err("two mappings cannot be read");

        let pointers: Vec<_> = problems
            .iter()
            .filter_map(|p| p.pointer.as_deref())
            .collect();
        assert_eq!(
            pointers,
            [
                "/meta/field-mappings/1/source-field-name",
                "/meta/field-mappings/1/destination-field-name",
                "/meta/field-mappings/2/source-field-name",
            ]
        );
        assert!(field_mappings(Some(&json!("a"))).is_err());
        assert_eq!(field_mappings(None), Ok(Vec::new()));
    }
}
