//! Several `tessera serve` processes over one PostgreSQL database: every promise of a single
//! instance (exactly-once redemption, leases, events with their cause) holds with two, and one
//! instance killed mid-run leaves nothing undone. Needs PostgreSQL: `make test` runs it against
//! a throwaway server (`scripts/with-postgres.sh`); without one it says so and passes nothing.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::db::TEST_DATABASE_URL;
use engine::events::names;
use engine::{Database, Engine};
use serde_json::{Value, json};

const TOKENS: usize = 1000;
/// Tokens redeemed before one instance is killed.
const BEFORE_KILL: usize = 600;
/// One in this many tokens is also sent, at the same time, to the other instance.
const DUPLICATE_EVERY: u64 = 4;
const CONCURRENT_REQUESTS: usize = 32;
/// Short, so that the killed instance's claimed jobs are taken over within the test.
const JOB_LEASE_SECS: &str = "3";

/// A `tessera serve` process, killed when dropped.
struct Instance {
    child: Child,
    base_url: String,
}

impl Instance {
    fn spawn(database_url: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--database-url",
                database_url,
            ])
            .args(["--job-lease-secs", JOB_LEASE_SECS, "--rate-limit", "100000"])
            .env("RUST_LOG", "off")
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn tessera serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the listening line");
        let base_url = line
            .trim()
            .strip_prefix("Tessera is listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from tessera serve: {line:?}"))
            .to_owned();
        Self { child, base_url }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small deterministic generator (xorshift): which instance gets a token, and which tokens are
/// sent twice. The seed is printed so a failing run can be repeated.
struct Dice(u64);

impl Dice {
    fn roll(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// What the instances answered for one token: one status per request sent.
type Answers = HashMap<String, Vec<u16>>;

/// Sends `POST …/redeem` for each `(token, destination, targets)`, `CONCURRENT_REQUESTS` at a
/// time; a token with two targets goes to both at once.
async fn redeem_all(
    client: &reqwest::Client,
    key: &str,
    work: Vec<(String, String, Vec<String>)>,
) -> Answers {
    let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_REQUESTS));
    let mut requests = tokio::task::JoinSet::new();
    for (token, destination, targets) in work {
        for base in targets {
            let (client, key, token, destination) = (
                client.clone(),
                key.to_owned(),
                token.clone(),
                destination.clone(),
            );
            let permit = limit.clone().acquire_owned().await.expect("semaphore");
            requests.spawn(async move {
                let response = client
                    .post(format!("{base}/api/v1/connect/share-tokens/{token}/redeem"))
                    .bearer_auth(&key)
                    .json(&json!({"data": {"attributes": {"destination-id": destination}}}))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("redeem request to {base} failed: {e}"));
                drop(permit);
                (token, response.status().as_u16())
            });
        }
    }
    let mut answers = Answers::new();
    while let Some(joined) = requests.join_next().await {
        let (token, status) = joined.expect("a request task");
        answers.entry(token).or_default().push(status);
    }
    answers
}

async fn count(engine: &Engine, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(engine.db().pool())
        .await
        .expect("a count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_redeem_every_token_once_and_the_survivor_finishes_a_killed_ones_jobs() {
    if std::env::var(TEST_DATABASE_URL).is_err() {
        eprintln!("skipped: needs PostgreSQL in {TEST_DATABASE_URL} (make test starts one)");
        return;
    }
    // Arrange: one database, 1,000 tokens with their destinations, two instances.
    let url = engine::db::test_database_url("").await;
    let engine = Engine::new(Database::connect(&url).await.expect("the test database"));
    let load = engine::scenarios::redemption_load(&engine, TOKENS)
        .await
        .expect("the load scenario");
    let key = load.destination_key.expose_secret().to_owned();
    let mut killed = Instance::spawn(&url);
    let survivor = Instance::spawn(&url);
    let client = reqwest::Client::new();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos() as u64
        | 1;
    eprintln!("dice seed {seed}");
    let mut dice = Dice(seed);
    let both = [killed.base_url.clone(), survivor.base_url.clone()];
    let mut plan = |range: std::ops::Range<usize>, instances: &[String]| {
        load.work[range]
            .iter()
            .map(|(token, destination)| {
                let first = (dice.roll() % instances.len() as u64) as usize;
                let mut targets = vec![instances[first].clone()];
                if dice.roll().is_multiple_of(DUPLICATE_EVERY) {
                    targets.push(instances[(first + 1) % instances.len()].clone());
                }
                (token.clone(), destination.clone(), targets)
            })
            .collect::<Vec<_>>()
    };
    let first_half = plan(0..BEFORE_KILL, &both);
    let second_half = plan(
        BEFORE_KILL..TOKENS,
        std::slice::from_ref(&survivor.base_url),
    );
    let sent_twice = first_half
        .iter()
        .chain(&second_half)
        .filter(|(_, _, targets)| targets.len() == 2)
        .count();

    // Act: redeem over both, kill one with SIGKILL while its work is in progress, redeem the
    // rest over the other.
    let mut answers = redeem_all(&client, &key, first_half).await;
    let unfinished_at_kill = count(
        &engine,
        "SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')",
    )
    .await;
    killed.child.kill().expect("SIGKILL the first instance");
    killed.child.wait().expect("reap the first instance");
    answers.extend(redeem_all(&client, &key, second_half).await);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let unfinished = count(
            &engine,
            "SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')",
        )
        .await;
        if unfinished == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{unfinished} jobs still unfinished 120 s after the kill ({unfinished_at_kill} were at the kill)"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "{TOKENS} tokens, {sent_twice} sent to both instances; {unfinished_at_kill} jobs unfinished when one was killed"
    );

    // Assert: one acceptance per token, every token redeemed once, every destination hydrated
    // once (in the transaction that redeemed its token), one pair of events per token.
    for (token, statuses) in &answers {
        let accepted = statuses.iter().filter(|s| **s == 202).count();
        assert_eq!(
            accepted, 1,
            "token {token} was accepted {accepted} times: {statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 202 || *s == 409),
            "a duplicate should be a 409 (already redeemed): {statuses:?}"
        );
    }
    assert_eq!(answers.len(), TOKENS, "every token was sent");
    let rows: Vec<(String, String, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT t.id, t.status, o.fields, CASE WHEN o.updated_at = t.redeemed_at THEN 1 ELSE 0 END
         FROM share_tokens t LEFT JOIN objects o ON o.id = t.destination_id",
    )
    .fetch_all(engine.db().pool())
    .await
    .expect("tokens and destinations");
    assert_eq!(rows.len(), TOKENS);
    for (token, status, fields, hydrated_when_redeemed) in &rows {
        assert_eq!(status, "redeemed", "token {token}");
        let fields: Value =
            serde_json::from_str(fields.as_deref().expect("a destination")).expect("stored fields");
        for n in 0..10 {
            assert_eq!(
                fields[format!("field-{n}")]["value"],
                json!(format!("value {n}")),
                "destination of {token} lacks field-{n}"
            );
        }
        assert_eq!(
            *hydrated_when_redeemed,
            Some(1),
            "the destination of {token} was written after its redemption"
        );
    }
    let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM events WHERE name = $1")
        .bind(names::SHARE_TOKEN_INBOUND_REDEEMED)
        .fetch_all(engine.db().pool())
        .await
        .expect("events");
    let mut redeemed_events: HashMap<String, usize> = HashMap::new();
    for payload in payloads {
        let payload: Value = serde_json::from_str(&payload).expect("an event payload");
        let id = payload["data"]["id"]
            .as_str()
            .expect("the token's id")
            .to_owned();
        *redeemed_events.entry(id).or_default() += 1;
    }
    assert_eq!(
        redeemed_events.len(),
        TOKENS,
        "one redeemed event per token"
    );
    assert!(
        redeemed_events.values().all(|n| *n == 1),
        "a token has more than one redeemed event"
    );
    let failed = count(
        &engine,
        "SELECT COUNT(*) FROM jobs WHERE status <> 'succeeded'",
    )
    .await;
    assert_eq!(failed, 0, "every job succeeded");
}
