//! Webhook signatures (CONTRACT.md §6): how Tessera signs a delivery and how a receiver checks one.
//!
//! `Tessera-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, with one
//! `v1` per secret that signs (two while a rotated secret's overlap lasts). A receiver recomputes
//! the HMAC over the exact bytes it received with its secret, compares in constant time against
//! every `v1`, and refuses a `t` too far from its own clock (a replayed old delivery).
//!
//! ```
//! use domain::webhook_signature::{header, verify};
//! let body = br#"{"data":{"type":"event","id":"evt_1"}}"#;
//! let signed = header(1_700_000_000, &["whsec_new", "whsec_old"], body);
//! assert_eq!(verify(&signed, "whsec_old", body, 1_700_000_100, 300), Ok(1_700_000_000));
//! ```

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The request header that carries the signature.
pub const HEADER: &str = "Tessera-Signature";

/// The request header that carries the attempt number (1 for the first).
pub const ATTEMPT_HEADER: &str = "Tessera-Webhook-Attempt";

/// How far (seconds) a receiver should let `t` be from its clock by default.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Why a signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is not `t=<unix seconds>,v1=<hex>[,v1=<hex>]`")]
    Malformed,
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    #[error("no v1 signature matches the secret")]
    Mismatch,
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&mac(secret, timestamp, body).finalize().into_bytes())
}

/// The `Tessera-Signature` value: `t=…` and one `v1=…` per secret, in the order given.
pub fn header(timestamp: i64, secrets: &[&str], body: &[u8]) -> String {
    let mut value = format!("t={timestamp}");
    for secret in secrets {
        value.push_str(",v1=");
        value.push_str(&sign(secret, timestamp, body));
    }
    value
}

/// Checks a `Tessera-Signature` value against `secret` and the raw `body`: some `v1` must match
/// (compared in constant time) and `t` must be within `tolerance_secs` of `now` (Unix seconds).
/// Returns `t`.
pub fn verify(
    header: &str,
    secret: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<i64, SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => {
                timestamp = Some(t.parse::<i64>().map_err(|_| SignatureError::Malformed)?)
            }
            Some(("v1", hex)) => signatures.push(
                data_encoding::HEXLOWER_PERMISSIVE
                    .decode(hex.as_bytes())
                    .map_err(|_| SignatureError::Malformed)?,
            ),
            // Other schemes a later version may add are skipped, as receivers should.
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(timestamp) > tolerance_secs.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let matches = signatures
        .iter()
        .any(|signature| mac(secret, timestamp, body).verify_slice(signature).is_ok());
    if matches {
        Ok(timestamp)
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"data":{"id":"evt_x"}}"#;

    #[test]
    fn a_signature_verifies_with_its_secret_and_not_with_another() {
        let signed = header(1_000, &["secret-a"], BODY);

        assert_eq!(verify(&signed, "secret-a", BODY, 1_010, 300), Ok(1_000));
        assert_eq!(
            verify(&signed, "secret-b", BODY, 1_010, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_changed_body_or_timestamp_does_not_verify() {
        let signed = header(1_000, &["s"], BODY);
        let moved = signed.replacen("t=1000", "t=1001", 1);

        assert_eq!(
            verify(&signed, "s", b"{}", 1_000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&moved, "s", BODY, 1_000, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn during_a_rotation_both_secrets_verify() {
        let signed = header(1_000, &["new", "old"], BODY);

        assert_eq!(signed.matches(",v1=").count(), 2, "{signed}");
        assert!(verify(&signed, "new", BODY, 1_000, 300).is_ok());
        assert!(verify(&signed, "old", BODY, 1_000, 300).is_ok());
    }

    #[test]
    fn an_old_signature_is_stale_and_nonsense_is_malformed() {
        let signed = header(1_000, &["s"], BODY);

        assert_eq!(
            verify(&signed, "s", BODY, 2_000, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify("v1=00", "s", BODY, 1_000, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify("t=1000", "s", BODY, 1_000, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify("t=1000,v1=zz", "s", BODY, 1_000, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&format!("t={},v1=00", i64::MIN), "s", BODY, 1_000, 300),
            Err(SignatureError::Stale),
            "an extreme timestamp is stale, not an overflow"
        );
    }

    #[test]
    fn the_documented_example_is_what_sign_computes() {
        // The algorithm spelled out: HMAC-SHA256 over "<t>.<body>", lower-case hex.
        let by_hand = {
            let mut mac = Hmac::<Sha256>::new_from_slice(b"s").unwrap();
            mac.update(b"1000.");
            mac.update(BODY);
            data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
        };

        assert_eq!(sign("s", 1_000, BODY), by_hand);
    }
}
