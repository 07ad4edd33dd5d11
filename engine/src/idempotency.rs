//! Idempotency keys: the first response to a POST with a given key is stored for 24 hours and
//! replayed for the same request; the same key with a different request is refused.

use std::time::Duration;

use crate::Engine;
use crate::error::Result;
use crate::ids::OrgId;

/// How long a stored response is replayed.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// How long a claim whose request never finished (its process crashed) blocks the key: after
/// this the client's retry with the same key is handled anew. Twice the server's request timeout
/// (60 s), so a request still running is never handled a second time.
pub const IN_PROGRESS_LEASE: Duration = Duration::from_secs(120);
/// Longest accepted key.
pub const MAX_KEY_LEN: usize = 255;

/// What to do with a request carrying a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Begin {
    /// First use: handle it, then [`finish`] (or [`abandon`]).
    New,
    /// Seen with the same request: send this stored response.
    Replay { status: u16, body: Vec<u8> },
    /// Seen with a different request.
    Reused,
    /// The first request with this key is still being handled.
    InProgress,
}

/// The fingerprint of a request: SHA-256 over its method, path with query, and body (callers pass
/// the body in a canonical form, so the same JSON written differently matches).
pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in [
        method.as_bytes(),
        b"\n",
        path_and_query.as_bytes(),
        b"\n",
        body,
    ] {
        hasher.update(part);
    }
    data_encoding::HEXLOWER.encode(&hasher.finalize())
}

/// Claims `key` for `fingerprint` (a hash of method, path and body), or says how it was used.
pub async fn begin(engine: &Engine, org: &OrgId, key: &str, fingerprint: &str) -> Result<Begin> {
    let now = engine.now();
    let cutoff = crate::time::Timestamp(
        now.millis() - i64::try_from(RETENTION.as_millis()).unwrap_or(i64::MAX),
    );
    let abandoned = crate::time::Timestamp(
        now.millis() - i64::try_from(IN_PROGRESS_LEASE.as_millis()).unwrap_or(i64::MAX),
    );
    let mut tx = engine.db().begin_write().await?;
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE organization_id = $1 AND key = $2
           AND (created_at < $3 OR (status IS NULL AND created_at < $4))",
    )
    .bind(org)
    .bind(key)
    .bind(cutoff)
    .bind(abandoned)
    .execute(&mut *tx)
    .await?;
    let existing: Option<(String, Option<i64>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT fingerprint, status, body FROM idempotency_keys WHERE organization_id = $1 AND key = $2")
            .bind(org)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
    let outcome = match existing {
        Some((stored, _, _)) if stored != fingerprint => Begin::Reused,
        Some((_, Some(status), body)) => Begin::Replay {
            status: u16::try_from(status).unwrap_or(500),
            body: body.unwrap_or_default(),
        },
        Some((_, None, _)) => Begin::InProgress,
        None => {
            // Where writers run concurrently (PostgreSQL), another request with the same key may
            // have inserted since the read: it goes first, and this one is told so.
            let inserted = sqlx::query(
                "INSERT INTO idempotency_keys (organization_id, key, fingerprint, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (organization_id, key) DO NOTHING",
            )
            .bind(org)
            .bind(key)
            .bind(fingerprint)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 1 {
                Begin::New
            } else {
                Begin::InProgress
            }
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Stores the response to replay.
pub async fn finish(
    engine: &Engine,
    org: &OrgId,
    key: &str,
    status: u16,
    body: &[u8],
) -> Result<()> {
    let mut tx = engine.db().begin_write().await?;
    sqlx::query(
        "UPDATE idempotency_keys SET status = $1, body = $2 WHERE organization_id = $3 AND key = $4",
    )
    .bind(i64::from(status))
    .bind(body)
    .bind(org)
    .bind(key)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets a claim whose request failed on our side, so the client can retry with the same key.
pub async fn abandon(engine: &Engine, org: &OrgId, key: &str) -> Result<()> {
    let mut tx = engine.db().begin_write().await?;
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE organization_id = $1 AND key = $2 AND status IS NULL",
    )
    .bind(org)
    .bind(key)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::engine;

    #[tokio::test]
    async fn a_key_replays_its_response_refuses_another_request_and_expires_after_24_hours() {
        let engine = engine().await;
        let (org, _) = crate::orgs::create(&engine, "Acme", &[]).await.unwrap();

        assert_eq!(
            begin(&engine, &org.id, "k1", "fp-a").await.unwrap(),
            Begin::New
        );
        assert_eq!(
            begin(&engine, &org.id, "k1", "fp-a").await.unwrap(),
            Begin::InProgress
        );
        finish(&engine, &org.id, "k1", 201, b"{}").await.unwrap();
        assert_eq!(
            begin(&engine, &org.id, "k1", "fp-a").await.unwrap(),
            Begin::Replay {
                status: 201,
                body: b"{}".to_vec()
            }
        );
        assert_eq!(
            begin(&engine, &org.id, "k1", "fp-b").await.unwrap(),
            Begin::Reused
        );
        engine.clock().advance(RETENTION + Duration::from_secs(1));
        assert_eq!(
            begin(&engine, &org.id, "k1", "fp-b").await.unwrap(),
            Begin::New,
            "after 24 h the key is free again"
        );
    }

    #[tokio::test]
    async fn a_claim_whose_request_never_finished_frees_the_key_after_its_lease() {
        let engine = engine().await;
        let (org, _) = crate::orgs::create(&engine, "Acme", &[]).await.unwrap();
        begin(&engine, &org.id, "k", "fp").await.unwrap(); // the process dies before finishing

        let during = begin(&engine, &org.id, "k", "fp").await.unwrap();
        engine
            .clock()
            .advance(IN_PROGRESS_LEASE + Duration::from_secs(1));
        let after = begin(&engine, &org.id, "k", "fp").await.unwrap();

        assert_eq!(during, Begin::InProgress);
        assert_eq!(
            after,
            Begin::New,
            "the retry is handled, not refused for 24 hours"
        );
    }

    #[tokio::test]
    async fn keys_are_per_organization_and_an_abandoned_claim_can_be_retried() {
        let engine = engine().await;
        let (a, _) = crate::orgs::create(&engine, "A", &[]).await.unwrap();
        let (b, _) = crate::orgs::create(&engine, "B", &[]).await.unwrap();

        assert_eq!(begin(&engine, &a.id, "k", "fp").await.unwrap(), Begin::New);
        assert_eq!(
            begin(&engine, &b.id, "k", "other").await.unwrap(),
            Begin::New
        );
        abandon(&engine, &a.id, "k").await.unwrap();
        assert_eq!(begin(&engine, &a.id, "k", "fp").await.unwrap(), Begin::New);
    }
}
