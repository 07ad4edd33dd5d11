//! Reading JSON:API request bodies. Every way a body can be wrong ends in the API's error format:
//! the framework's plain-text rejections never reach a client.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde_json::{Map, Value};

use super::error::ApiError;

/// Largest request body accepted: a 10 MiB file in base64 plus the JSON around it.
pub const MAX_BODY_BYTES: usize = 15 * 1024 * 1024;

/// A request body `{"data":{"attributes":{…}},"meta":{…}}`; both parts optional.
#[derive(Debug, Default)]
pub struct JsonApiBody {
    pub attributes: Map<String, Value>,
    pub meta: Map<String, Value>,
}

impl JsonApiBody {
    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.get(name).filter(|v| !v.is_null())
    }

    pub fn str_attribute(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.attribute(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(engine::Problem::invalid(
                "invalid-attribute",
                format!("`{name}` is a string"),
                format!("/data/attributes/{name}"),
            )
            .into()),
        }
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "application/vnd.api+json"
}

impl<S: Send + Sync> FromRequest<S> for JsonApiBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let raw =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection {
                    BytesRejection::FailedToBufferBody(inner)
                        if inner.status() == StatusCode::PAYLOAD_TOO_LARGE =>
                    {
                        ApiError::Status {
                            status: StatusCode::PAYLOAD_TOO_LARGE,
                            code: "payload-too-large",
                            detail: format!(
                                "the body is larger than {} MiB",
                                MAX_BODY_BYTES / (1024 * 1024)
                            ),
                        }
                    }
                    other => ApiError::malformed(
                        "unreadable-body",
                        format!("the body could not be read: {other}"),
                    ),
                })?;
        if raw.is_empty() {
            return Ok(Self::default());
        }
        if !content_type.as_deref().is_some_and(is_json) {
            return Err(ApiError::malformed(
                "invalid-content-type",
                "send the body as `Content-Type: application/json`",
            ));
        }
        let value: Value = serde_json::from_slice(&raw).map_err(|err| {
            ApiError::malformed(
                "malformed-json",
                format!("the body is not valid JSON: {err}"),
            )
        })?;
        let Value::Object(mut document) = value else {
            return Err(ApiError::malformed(
                "malformed-json",
                "the body is a JSON object with `data`",
            ));
        };
        let part = |document: &mut Map<String, Value>,
                    name: &str|
         -> Result<Map<String, Value>, ApiError> {
            match document.remove(name) {
                None | Some(Value::Null) => Ok(Map::new()),
                Some(Value::Object(map)) => Ok(map),
                Some(_) => Err(ApiError::malformed(
                    "malformed-json",
                    format!("`{name}` is an object"),
                )),
            }
        };
        let mut data = part(&mut document, "data")?;
        let meta = part(&mut document, "meta")?;
        let attributes = part(&mut data, "attributes")?;
        Ok(Self { attributes, meta })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_recognised_with_parameters() {
        assert!(is_json("application/json"));
        assert!(is_json("application/vnd.api+json; charset=utf-8"));
        assert!(!is_json("text/plain"));
    }
}
