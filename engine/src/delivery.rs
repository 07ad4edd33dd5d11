//! The webhook delivery loop: claims due deliveries with a lease, sends each as its own task
//! (at most [`CONCURRENCY`] at once, [`PER_WEBHOOK`] per webhook), and records the outcomes of
//! the attempts that finished together in one transaction.
//!
//! It runs beside the job workers, never inside them: a receiver that is slow or down holds
//! only its own webhook's few slots for at most [`crate::outbound::TIMEOUT`] each, so redemptions
//! and other organizations' deliveries go on. No HTTP request is made inside a transaction.
//! Delivery is at least once: a crash between the send and its record sends again after the
//! lease, with the same event id (receivers drop duplicates by it).

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt as _;
use tokio::task::JoinSet;

use crate::Engine;
use crate::error::Result;
use crate::ids::{EventId, WebhookDeliveryId, WebhookId};
use crate::outbound::{Outbound, Outcome};
use crate::webhooks::{self, DeliveryStatus, WebhookStatus};
use domain::webhook_signature;

/// Deliveries in flight at once, in this process.
pub const CONCURRENCY: usize = 64;

/// Deliveries in flight at once to one webhook, in this process: a receiver that never answers
/// holds no more than this many of the [`CONCURRENCY`] slots.
pub const PER_WEBHOOK: usize = 8;

/// How long a claimed delivery is reserved for its sender (well past the 5 s request limit): a
/// sender that died leaves it to be claimed again after this.
pub const LEASE: Duration = Duration::from_secs(30);

/// How often an idle loop looks without being woken (retries falling due, other instances).
pub const IDLE_POLL: Duration = Duration::from_millis(500);

/// Due deliveries read at once to choose from.
const CANDIDATES: i64 = 256;

/// A delivery claimed for one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claimed {
    pub id: WebhookDeliveryId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    /// This attempt's number (1 for the first).
    pub attempt: i64,
    pub max_attempts: i64,
}

/// What a claim found.
#[derive(Debug, Default)]
pub struct Claim {
    pub claimed: Vec<Claimed>,
    /// Deliveries were due but every one belongs to a webhook at its [`PER_WEBHOOK`] limit here:
    /// nothing to do until one of its attempts ends.
    pub blocked: bool,
}

/// Claims up to `limit` due deliveries, oldest due first, skipping webhooks that already have
/// [`PER_WEBHOOK`] in flight here (`busy`).
pub async fn claim(
    engine: &Engine,
    limit: usize,
    busy: &HashMap<WebhookId, usize>,
) -> Result<Claim> {
    if limit == 0 {
        return Ok(Claim::default());
    }
    let now = engine.now();
    // A read first: nothing due costs no write lock. At most PER_WEBHOOK candidates per webhook
    // (its oldest): one webhook's backlog never crowds the others out of the candidates.
    let due: Vec<(WebhookDeliveryId, WebhookId)> = sqlx::query_as(
        "SELECT id, webhook_id FROM (
             SELECT id, webhook_id, next_attempt_at, seq,
                    ROW_NUMBER() OVER (PARTITION BY webhook_id ORDER BY next_attempt_at, seq) AS place
             FROM webhook_deliveries
             WHERE (status = $2 AND next_attempt_at <= $1) OR (status = $3 AND locked_until <= $1)
         ) due
         WHERE place <= $5
         ORDER BY next_attempt_at, seq LIMIT $4",
    )
    .bind(now)
    .bind(DeliveryStatus::Pending)
    .bind(DeliveryStatus::Sending)
    .bind(CANDIDATES)
    .bind(PER_WEBHOOK as i64)
    .fetch_all(engine.db().pool())
    .await?;
    let mut taking: HashMap<&WebhookId, usize> = HashMap::new();
    let mut chosen = Vec::new();
    for (id, webhook) in &due {
        if chosen.len() == limit {
            break;
        }
        let in_flight = busy.get(webhook).copied().unwrap_or(0);
        let taken = taking.entry(webhook).or_default();
        if in_flight + *taken < PER_WEBHOOK {
            *taken += 1;
            chosen.push(id);
        }
    }
    if chosen.is_empty() {
        return Ok(Claim {
            claimed: Vec::new(),
            blocked: !due.is_empty(),
        });
    }
    let mut tx = engine.db().begin_write().await?;
    // A delivery whose sender stopped (a crash) during its last attempt is not sent again: it
    // ends failed, and can be redelivered.
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, locked_until = NULL, last_error = $2, updated_at = $3
         WHERE status = $4 AND locked_until <= $3 AND attempts >= max_attempts",
    )
    .bind(DeliveryStatus::Failed)
    .bind("the last attempt was interrupted before its answer was recorded")
    .bind(now)
    .bind(DeliveryStatus::Sending)
    .execute(&mut *tx)
    .await?;
    // One statement for the batch, from the state each was read in only: of two instances
    // claiming at once, one wins each row.
    let update = format!(
        "UPDATE webhook_deliveries
         SET status = $1, attempts = attempts + 1, locked_until = $2, last_attempt_at = $3, updated_at = $3
         WHERE id IN ({}) AND ((status = $4 AND next_attempt_at <= $3)
                              OR (status = $1 AND locked_until <= $3 AND attempts < max_attempts))
         RETURNING id, webhook_id, event_id, attempts, max_attempts",
        crate::db::placeholders(5, chosen.len())
    );
    let mut query = sqlx::query_as(&update)
        .bind(DeliveryStatus::Sending)
        .bind(now.plus(LEASE))
        .bind(now)
        .bind(DeliveryStatus::Pending);
    for id in &chosen {
        query = query.bind(*id);
    }
    let rows: Vec<(WebhookDeliveryId, WebhookId, EventId, i64, i64)> =
        query.fetch_all(&mut *tx).await?;
    let claimed = rows
        .into_iter()
        .map(
            |(id, webhook_id, event_id, attempt, max_attempts)| Claimed {
                id,
                webhook_id,
                event_id,
                attempt,
                max_attempts,
            },
        )
        .collect();
    tx.commit().await?;
    Ok(Claim {
        claimed,
        blocked: false,
    })
}

/// What one attempt came to, to be recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempted {
    pub outcome: Outcome,
    /// No further attempt, whatever the outcome (the webhook is disabled).
    pub last: bool,
}

/// Sends one claimed delivery, outside any transaction. `None` when its webhook was deleted
/// meanwhile (its deliveries with it: nothing to record).
pub async fn send(
    engine: &Engine,
    outbound: &Outbound,
    claimed: &Claimed,
) -> Result<Option<Attempted>> {
    let Some(signing) = webhooks::signing(engine, &claimed.webhook_id).await? else {
        return Ok(None);
    };
    if signing.status == WebhookStatus::Disabled {
        return Ok(Some(Attempted {
            outcome: Outcome::Failed("the webhook is disabled".to_owned()),
            last: true,
        }));
    }
    let event = crate::events::find(engine, &claimed.event_id).await?;
    let body = webhooks::event_document(&event).to_string().into_bytes();
    let timestamp = engine.now().millis().div_euclid(1000);
    let secrets: Vec<&str> = signing.secrets.iter().map(String::as_str).collect();
    let headers = [
        (
            webhook_signature::HEADER,
            webhook_signature::header(timestamp, &secrets, &body),
        ),
        (
            webhook_signature::ATTEMPT_HEADER,
            claimed.attempt.to_string(),
        ),
    ];
    let outcome = outbound.post_json(&signing.url, &headers, body).await;
    Ok(Some(Attempted {
        outcome,
        last: false,
    }))
}

/// Records attempts' outcomes in one transaction (a busy loop records many attempts per commit):
/// succeeded on a 2xx; otherwise pending again after the policy's delay, or failed once the
/// attempts are used. Each is fenced by its attempt number, so a sender whose lease was taken
/// over records nothing.
pub async fn record(engine: &Engine, attempts: &[(Claimed, Attempted)]) -> Result<()> {
    if attempts.is_empty() {
        return Ok(());
    }
    let now = engine.now();
    let mut tx = engine.db().begin_write().await?;
    for (claimed, attempted) in attempts {
        let (code, error) = match &attempted.outcome {
            Outcome::Answered(code) if (200..300).contains(code) => (Some(i64::from(*code)), None),
            Outcome::Answered(code) => (
                Some(i64::from(*code)),
                Some(format!("the receiver answered {code}")),
            ),
            Outcome::Failed(why) => (None, Some(why.clone())),
        };
        let (status, next) = match &error {
            None => (DeliveryStatus::Succeeded, now),
            Some(_) if attempted.last || claimed.attempt >= claimed.max_attempts => {
                (DeliveryStatus::Failed, now)
            }
            Some(_) => (
                DeliveryStatus::Pending,
                now.plus(engine.webhook_policy().delay_after(claimed.attempt)),
            ),
        };
        sqlx::query(
            "UPDATE webhook_deliveries
             SET status = $1, next_attempt_at = $2, locked_until = NULL, last_status_code = $3, last_error = $4,
                 delivered_at = CASE WHEN $1 = 'succeeded' THEN $5 ELSE delivered_at END, updated_at = $5
             WHERE id = $6 AND attempts = $7 AND status = $8",
        )
        .bind(status)
        .bind(next)
        .bind(code)
        .bind(&error)
        .bind(now)
        .bind(&claimed.id)
        .bind(claimed.attempt)
        .bind(DeliveryStatus::Sending)
        .execute(&mut *tx)
        .await?;
        if let Some(error) = &error {
            tracing::info!(
                delivery = %claimed.id,
                webhook = %claimed.webhook_id,
                attempt = claimed.attempt,
                status = status.as_str(),
                %error,
                "webhook delivery attempt failed"
            );
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Sends deliveries until `shutdown` resolves; attempts in flight then finish (each within the
/// request limit) and are recorded.
pub async fn run(engine: Engine, shutdown: impl Future<Output = ()>) {
    let outbound = Outbound::new(engine.webhook_policy().allow_private_targets);
    let mut busy: HashMap<WebhookId, usize> = HashMap::new();
    let mut sending: JoinSet<Sent> = JoinSet::new();
    let mut finished = Vec::new();
    tokio::pin!(shutdown);
    loop {
        let free = CONCURRENCY.saturating_sub(sending.len());
        let Claim { claimed, blocked } = match claim(&engine, free, &busy).await {
            Ok(claim) => claim,
            Err(err) => {
                tracing::error!(error = %err, "the delivery loop could not read its queue");
                Claim::default()
            }
        };
        let claimed_some = !claimed.is_empty();
        for delivery in claimed {
            *busy.entry(delivery.webhook_id.clone()).or_default() += 1;
            let (engine, outbound) = (engine.clone(), outbound.clone());
            sending.spawn(async move {
                let work = AssertUnwindSafe(send(&engine, &outbound, &delivery)).catch_unwind();
                // An attempt that could not be made counts as a failed one (retried as usual).
                let failed = |why: &str| {
                    Some(Attempted {
                        outcome: Outcome::Failed(why.to_owned()),
                        last: false,
                    })
                };
                let attempted = match work.await {
                    Ok(Ok(attempted)) => attempted,
                    Ok(Err(err)) => {
                        tracing::error!(delivery = %delivery.id, error = %err, "could not prepare a delivery attempt");
                        failed("an internal error stopped this attempt before it was sent")
                    }
                    Err(_) => {
                        tracing::error!(delivery = %delivery.id, "a delivery attempt panicked");
                        failed("an internal error stopped this attempt before it was sent")
                    }
                };
                Sent { delivery, attempted }
            });
        }
        if claimed_some && sending.len() < CONCURRENCY {
            continue;
        }
        tokio::select! {
            () = &mut shutdown => break,
            Some(done) = sending.join_next(), if !sending.is_empty() => collect(&mut busy, &mut finished, done),
            // Not while blocked: only an attempt ending frees what is due.
            () = engine.db().committed(), if !blocked => {}
            () = tokio::time::sleep(IDLE_POLL) => {}
        }
        while let Some(done) = sending.try_join_next() {
            collect(&mut busy, &mut finished, done);
        }
        if let Err(err) = record(&engine, &finished).await {
            // Left `sending`: sent again when their leases run out (at least once).
            tracing::error!(error = %err, "could not record delivery attempts");
        }
        finished.clear();
    }
    while let Some(done) = sending.join_next().await {
        collect(&mut busy, &mut finished, done);
    }
    if let Err(err) = record(&engine, &finished).await {
        tracing::error!(error = %err, "could not record the last delivery attempts");
    }
    tracing::info!("webhook delivery stopped");
}

/// How long before a delivery loop that died is started again.
pub const RESTART_DELAY: Duration = Duration::from_millis(500);

/// Runs the delivery loop until the futures `shutdown` makes resolve, starting it again if it
/// dies (a panic outside an attempt).
pub async fn supervise<F, S>(engine: Engine, shutdown: F)
where
    F: Fn() -> S,
    S: Future<Output = ()> + Send + 'static,
{
    let stop = shutdown();
    tokio::pin!(stop);
    loop {
        let ended = tokio::spawn(run(engine.clone(), shutdown())).await;
        match ended {
            Ok(()) => return,
            Err(err) => {
                tracing::error!(error = %err, "the webhook delivery loop died; starting it again")
            }
        }
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(RESTART_DELAY) => {}
        }
    }
}

/// A finished send task: the delivery and, unless it could not be made, its attempt.
struct Sent {
    delivery: Claimed,
    attempted: Option<Attempted>,
}

/// Frees a finished task's slot and keeps its attempt for recording.
fn collect(
    busy: &mut HashMap<WebhookId, usize>,
    finished: &mut Vec<(Claimed, Attempted)>,
    done: Result<Sent, tokio::task::JoinError>,
) {
    // A task is never aborted and catches its panics: it always returns.
    let Ok(Sent {
        delivery,
        attempted,
    }) = done
    else {
        return;
    };
    release(busy, &delivery.webhook_id);
    if let Some(attempted) = attempted {
        finished.push((delivery, attempted));
    }
}

fn release(busy: &mut HashMap<WebhookId, usize>, webhook: &WebhookId) {
    if let Some(count) = busy.get_mut(webhook) {
        *count -= 1;
        if *count == 0 {
            busy.remove(webhook);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::engine;
    use crate::webhooks::CreateWebhook;

    async fn org_with_webhook(engine: &Engine, name: &str) -> (crate::ids::OrgId, WebhookId) {
        let (org, _) = crate::orgs::create(engine, name, &[]).await.unwrap();
        let (webhook, _) = webhooks::create(
            engine,
            &org.id,
            CreateWebhook {
                url: "https://hooks.example.com/t".into(),
                enabled_events: vec!["*".into()],
            },
        )
        .await
        .unwrap();
        (org.id, webhook.id)
    }

    async fn events(engine: &Engine, org: &crate::ids::OrgId, count: usize) {
        let mut tx = engine.db().begin_write().await.unwrap();
        for _ in 0..count {
            crate::events::record(
                &mut tx,
                org,
                crate::events::names::INQUIRY_COMPLETED,
                serde_json::json!({}),
                engine.now(),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn one_webhooks_backlog_does_not_keep_another_webhooks_delivery_from_being_claimed() {
        let engine = engine().await;
        let (flooded_org, flooded) = org_with_webhook(&engine, "Flooded").await;
        let (other_org, other) = org_with_webhook(&engine, "Other").await;
        events(&engine, &flooded_org, 300).await;
        engine.clock().advance(Duration::from_millis(1));
        events(&engine, &other_org, 1).await;
        let busy = HashMap::from([(flooded.clone(), PER_WEBHOOK)]);

        let claim = claim(&engine, CONCURRENCY, &busy).await.unwrap();

        let webhooks: Vec<&WebhookId> = claim.claimed.iter().map(|c| &c.webhook_id).collect();
        assert_eq!(
            webhooks,
            vec![&other],
            "the other webhook's delivery is claimed behind 300 older ones of a busy webhook"
        );
    }

    #[tokio::test]
    async fn a_claim_takes_at_most_per_webhook_deliveries_of_one_webhook_and_says_when_it_is_blocked()
     {
        let engine = engine().await;
        let (org, webhook) = org_with_webhook(&engine, "Busy").await;
        events(&engine, &org, 10).await;

        let first = claim(&engine, CONCURRENCY, &HashMap::new()).await.unwrap();
        let busy = HashMap::from([(webhook, PER_WEBHOOK)]);
        let second = claim(&engine, CONCURRENCY, &busy).await.unwrap();

        assert_eq!(first.claimed.len(), PER_WEBHOOK);
        assert!(second.claimed.is_empty() && second.blocked, "{second:?}");
    }

    #[tokio::test]
    async fn a_delivery_interrupted_on_its_last_attempt_ends_failed_instead_of_being_sent_again() {
        let engine = engine().await;
        let (org, _) = org_with_webhook(&engine, "Crashy").await;
        events(&engine, &org, 1).await;
        sqlx::query("UPDATE webhook_deliveries SET attempts = max_attempts - 1")
            .execute(engine.db().pool())
            .await
            .unwrap();
        let last = claim(&engine, CONCURRENCY, &HashMap::new()).await.unwrap();
        engine.clock().advance(LEASE);

        let again = claim(&engine, CONCURRENCY, &HashMap::new()).await.unwrap();

        assert_eq!(last.claimed.len(), 1, "the last attempt is claimed");
        assert!(again.claimed.is_empty(), "not sent a ninth time: {again:?}");
        let status: String = sqlx::query_scalar("SELECT status FROM webhook_deliveries")
            .fetch_one(engine.db().pool())
            .await
            .unwrap();
        assert_eq!(status, "failed");
    }
}
