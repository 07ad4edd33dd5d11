//! Prefixed identifiers (`inq_…`, `cnst_…`) and secrets, generated from the operating system's
//! random source.
//!
//! Every id carries 128 random bits, encoded as 26 lowercase base32 characters, so ids are
//! unguessable as well as unique; newest-first ordering comes from each table's sequence, not the id.

use std::fmt;

use data_encoding::BASE32_NOPAD;

/// Random bytes in every generated id.
#[cfg(feature = "random")]
const ID_RANDOM_BYTES: usize = 16;
/// Characters after the prefix of a generated id.
const ID_BODY_LEN: usize = 26;

/// `n` bytes from the operating system's CSPRNG.
#[cfg(feature = "random")]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    bytes
}

/// Lowercase unpadded base32 of `bytes`.
pub fn encode_base32(bytes: &[u8]) -> String {
    BASE32_NOPAD.encode(bytes).to_ascii_lowercase()
}

/// Declares a prefixed id newtype: `new()` generates one, `parse` accepts only its own prefix.
macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A new random id.
            #[cfg(feature = "random")]
            pub fn new() -> Self {
                Self(format!("{}{}", $prefix, encode_base32(&random_bytes::<ID_RANDOM_BYTES>())))
            }

            /// Accepts `<prefix><26 base32 characters>` and nothing else.
            pub fn parse(text: &str) -> Result<Self, InvalidId> {
                let body = text.strip_prefix($prefix).ok_or(InvalidId { expected: $prefix })?;
                let well_formed = body.len() == ID_BODY_LEN
                    && body.bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
                if well_formed { Ok(Self(text.to_owned())) } else { Err(InvalidId { expected: $prefix }) }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        #[cfg(feature = "random")]
        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(text: String) -> Result<Self, InvalidId> {
                Self::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        // Stored as text in any database sqlx supports (SQLite today, PostgreSQL next).
        #[cfg(feature = "sqlx")]
        $crate::text_column!($name);
    };
}

/// A string that is not an id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid `{expected}…` id")]
pub struct InvalidId {
    pub expected: &'static str,
}

prefixed_id!(/// An organization.
    OrgId, "org_");
prefixed_id!(/// A connection between a source and a destination organization.
    ConnectionId, "cxn_");
prefixed_id!(/// An inquiry template.
    InquiryTemplateId, "itmpl_");
prefixed_id!(/// An inquiry.
    InquiryId, "inq_");
prefixed_id!(/// A transaction type.
    TransactionTypeId, "txntp_");
prefixed_id!(/// A transaction.
    TransactionId, "txn_");
prefixed_id!(/// An account type.
    AccountTypeId, "acttp_");
prefixed_id!(/// An account.
    AccountId, "act_");
prefixed_id!(/// A share token: 128 random bits, so knowing one id never reveals another.
    ShareTokenId, "cnst_");
prefixed_id!(/// A stored file.
    DocumentId, "doc_");
prefixed_id!(/// An event.
    EventId, "evt_");
prefixed_id!(/// A webhook.
    WebhookId, "wbh_");
prefixed_id!(/// One webhook's delivery of one event.
    WebhookDeliveryId, "whdl_");
prefixed_id!(/// A workflow.
    WorkflowId, "wfl_");
prefixed_id!(/// A workflow run.
    WorkflowRunId, "wflr_");
prefixed_id!(/// A member of an organization (a person who signs in to the dashboard).
    MemberId, "usr_");
prefixed_id!(/// An API key's public id (the secret itself is never stored).
    ApiKeyId, "key_");

#[cfg(all(test, feature = "random"))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_ids_carry_their_prefix_and_parse_back() {
        let id = ShareTokenId::new();

        assert!(
            id.as_str().starts_with("cnst_"),
            "{id} should start with cnst_"
        );
        assert_eq!(id.as_str().len(), "cnst_".len() + ID_BODY_LEN);
        assert_eq!(ShareTokenId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn an_id_of_another_kind_is_refused() {
        let inquiry = InquiryId::new();

        let err = TransactionId::parse(inquiry.as_str()).expect_err("an inq_ id is not a txn_ id");

        assert_eq!(err.expected, "txn_");
    }

    #[test]
    fn generated_ids_differ() {
        let ids: std::collections::HashSet<_> = (0..1000).map(|_| ShareTokenId::new()).collect();

        assert_eq!(ids.len(), 1000, "1000 generated ids should all be distinct");
    }

    proptest! {
        #[test]
        fn parse_refuses_anything_that_is_not_prefix_plus_26_base32(body in "[a-z2-7]{0,40}") {
            let text = format!("inq_{body}");
            prop_assert_eq!(InquiryId::parse(&text).is_ok(), body.len() == ID_BODY_LEN);
        }
    }
}
