//! Members (CONTRACT.md §8): the people of an organization who sign in to the dashboard, their
//! passwords (argon2id) and their sessions.
//!
//! A password is hashed and checked on the blocking pool, never on the async threads (argon2id is
//! deliberately slow: tens of milliseconds). A session is a random secret kept by the browser in
//! a cookie and stored here as its SHA-256 hash, with a CSRF token of its own and an expiry; every
//! read of a session checks the expiry. A sign-in with an unknown address costs the same hashing
//! as one with a wrong password, so timing does not tell which addresses are members.

use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

use crate::Engine;
use crate::error::Result;
use crate::ids::{MemberId, OrgId, encode_base32, random_bytes};
use crate::time::Timestamp;

/// How long a session lasts after sign-in.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (argon2 takes any length; this bounds the work one request causes).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A member as stored (never with the password hash).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Member {
    pub id: MemberId,
    pub organization_id: OrgId,
    pub email: String,
    pub created_at: Timestamp,
}

/// A password, kept out of `Debug` output and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// A random password of 120 bits, for a member created without one.
    pub fn generate() -> Self {
        Self(encode_base32(&random_bytes::<15>()))
    }

    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// Why a member cannot be created, in the domain's terms.
#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error("the organization was not found")]
    OrganizationNotFound,
    #[error("the e-mail address is not a valid address")]
    InvalidEmail,
    #[error("a member with this e-mail address already exists")]
    EmailTaken,
    #[error(
        "a password is {MIN_PASSWORD_CHARS} characters or more (at most {MAX_PASSWORD_BYTES} bytes)"
    )]
    WeakPassword,
    #[error(transparent)]
    Internal(#[from] crate::Error),
}

crate::error::command_error!(MemberError);

/// An address as members sign in with it: trimmed, lower-cased, syntactically valid.
pub fn normalise_email(text: &str) -> Option<String> {
    let email = text.trim().to_lowercase();
    email_address::EmailAddress::is_valid(&email).then_some(email)
}

fn check_password(password: &Password) -> Result<(), MemberError> {
    let text = password.expose_secret();
    if text.chars().count() < MIN_PASSWORD_CHARS || text.len() > MAX_PASSWORD_BYTES {
        return Err(MemberError::WeakPassword);
    }
    Ok(())
}

/// Password hashings at once in this process (each takes 19 MiB and a core for tens of
/// milliseconds): a burst of sign-ins queues instead of exhausting memory.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        tokio::sync::Semaphore::new(2 * cores)
    })
}

/// Hashes `password` with argon2id (the crate's defaults: 19 MiB, 2 passes, 1 lane, as OWASP
/// recommends) and a random salt, on the blocking pool.
async fn hash(password: Password) -> Result<String> {
    let _permit = hashing_permits()
        .acquire()
        .await
        .map_err(|_| crate::Error::Internal("the hashing permits are closed".into()))?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&random_bytes::<16>())
            .map_err(|err| crate::Error::Internal(format!("salt: {err}")))?;
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| crate::Error::Internal(format!("hashing a password: {err}")))
    })
    .await
    .map_err(|err| crate::Error::Internal(format!("the hashing task: {err}")))?
}

/// Checks `password` against a stored PHC string (a decoy when `None`: the same work, never a
/// match), on the blocking pool.
async fn verify(password: Password, stored: Option<String>) -> bool {
    let Ok(_permit) = hashing_permits().acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let matchable = stored.is_some();
        let stored = stored.unwrap_or_else(|| decoy_hash().to_owned());
        // Always checked, decoy included: the work does not depend on the address existing.
        let matches = PasswordHash::new(&stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok()
        });
        matchable && matches
    })
    .await
    .unwrap_or(false)
}

/// A hash nobody's password matches, checked when the address is unknown so that the answer takes
/// as long as for a member.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes make a salt");
        Argon2::default()
            .hash_password(&random_bytes::<32>(), &salt)
            .expect("argon2 hashes with its defaults")
            .to_string()
    })
}

/// Creates a member of `org` who signs in with `email` and `password`.
pub async fn create(
    engine: &Engine,
    org: &OrgId,
    email: &str,
    password: Password,
) -> Result<Member, MemberError> {
    let email = normalise_email(email).ok_or(MemberError::InvalidEmail)?;
    check_password(&password)?;
    if crate::orgs::find(engine.db().pool(), org).await?.is_none() {
        return Err(MemberError::OrganizationNotFound);
    }
    let password_hash = hash(password).await?;
    let now = engine.now();
    let member = Member {
        id: MemberId::new(),
        organization_id: org.clone(),
        email,
        created_at: now,
    };
    let mut tx = engine.db().begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO members (id, organization_id, email, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING",
    )
    .bind(&member.id)
    .bind(org)
    .bind(&member.email)
    .bind(password_hash)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(MemberError::EmailTaken);
    }
    tx.commit().await?;
    Ok(member)
}

/// The member who signs in with `email`, if any.
pub async fn find_by_email(engine: &Engine, email: &str) -> Result<Option<Member>> {
    let Some(email) = normalise_email(email) else {
        return Ok(None);
    };
    Ok(sqlx::query_as(
        "SELECT id, organization_id, email, created_at FROM members WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(engine.db().pool())
    .await?)
}

/// Gives the member signing in with `email` a new password and ends their sessions (the demo
/// prints a fresh one on each run). `None` when no member has that address.
pub async fn reset_password(
    engine: &Engine,
    email: &str,
    password: Password,
) -> Result<Option<Member>, MemberError> {
    let email = normalise_email(email).ok_or(MemberError::InvalidEmail)?;
    check_password(&password)?;
    let password_hash = hash(password).await?;
    let mut tx = engine.db().begin_write().await?;
    let member: Option<Member> = sqlx::query_as(
        "UPDATE members SET password_hash = $1, updated_at = $2 WHERE email = $3
         RETURNING id, organization_id, email, created_at",
    )
    .bind(password_hash)
    .bind(engine.now())
    .bind(&email)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(member) = &member {
        sqlx::query("DELETE FROM member_sessions WHERE member_id = $1")
            .bind(&member.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(member)
}

/// A session's secret, for the browser's cookie: shown once, stored hashed.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSecret(String);

impl SessionSecret {
    fn generate() -> Self {
        Self(format!("msess_{}", encode_base32(&random_bytes::<32>())))
    }

    pub fn from_cookie(text: &str) -> Self {
        Self(text.to_owned())
    }

    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    fn hash(&self) -> String {
        data_encoding::HEXLOWER.encode(&Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionSecret(msess_[redacted])")
    }
}

/// A signed-in member's session.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub member: Member,
    /// Every form and server function of this session must carry it.
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// Failed sign-ins are counted within this window.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failed sign-ins with one e-mail address from one client network within the window before that
/// pair is refused.
pub const MAX_FAILURES_PER_CLIENT: i64 = 10;
/// Failed sign-ins with one e-mail address from anywhere within the window before it is refused
/// (high: locking a member out takes this many requests every 15 minutes).
pub const MAX_FAILURES_PER_EMAIL: i64 = 100;

/// What a sign-in came to.
pub enum SignIn {
    Signed(Session, SessionSecret),
    /// The address and password do not match (or the address is no member's: the same answer).
    Invalid,
    /// Too many failed attempts for this address lately: try again later.
    Throttled,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Signed(..) => "SignIn::Signed",
            Self::Invalid => "SignIn::Invalid",
            Self::Throttled => "SignIn::Throttled",
        })
    }
}

/// The client's network: an IPv4 address, or an IPv6 /64 (one host's usual allocation, so
/// rotating addresses within it buys no fresh allowance).
pub fn client_network(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The throttle's keys: the hashed address, and that with the client's network.
fn failure_keys(email: &str, client: Option<&str>) -> [String; 2] {
    let email_key = data_encoding::HEXLOWER.encode(&Sha256::digest(email.as_bytes()));
    let pair = format!("{email_key}@{}", client.unwrap_or("unknown"));
    [format!("email:{email_key}"), format!("pair:{pair}")]
}

/// Counts the attempts within the window and, unless one key is over its limit, records this one
/// as failed until it proves otherwise, in one write transaction (parallel attempts cannot all
/// pass the check). Returns the attempt's id, or `None` when throttled.
async fn begin_attempt(engine: &Engine, keys: &[String; 2]) -> Result<Option<String>> {
    let now = engine.now();
    let since = Timestamp(now.millis() - FAILURE_WINDOW.as_millis() as i64);
    let mut tx = engine.db().begin_write().await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE failed_at <= $1")
        .bind(since)
        .execute(&mut *tx)
        .await?;
    for (key, limit) in keys
        .iter()
        .zip([MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_CLIENT])
    {
        let failures: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sign_in_failures WHERE key = $1 AND failed_at > $2",
        )
        .bind(key)
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
        if failures >= limit {
            return Ok(None);
        }
    }
    let attempt = encode_base32(&random_bytes::<16>());
    for key in keys {
        sqlx::query("INSERT INTO sign_in_failures (key, attempt, failed_at) VALUES ($1, $2, $3)")
            .bind(key)
            .bind(&attempt)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Some(attempt))
}

/// Signs in with `email` and `password` from `client` (its network, see [`client_network`]): a
/// new session when they match. An unknown address gets the same answer after the same work as a
/// wrong password; too many failures for the address refuse at once.
pub async fn sign_in(
    engine: &Engine,
    email: &str,
    password: Password,
    client: Option<&str>,
) -> Result<SignIn> {
    let email = normalise_email(email).unwrap_or_default();
    let keys = failure_keys(&email, client);
    let Some(attempt) = begin_attempt(engine, &keys).await? else {
        return Ok(SignIn::Throttled);
    };
    if password.expose_secret().len() > MAX_PASSWORD_BYTES {
        return Ok(SignIn::Invalid);
    }
    let found: Option<(MemberId, OrgId, String, Timestamp, String)> = sqlx::query_as(
        "SELECT id, organization_id, email, created_at, password_hash FROM members WHERE email = $1",
    )
    .bind(&email)
    .fetch_optional(engine.db().pool())
    .await?;
    let matches = verify(password, found.as_ref().map(|row| row.4.clone())).await;
    let Some((id, organization_id, email, created_at, _)) = found.filter(|_| matches) else {
        return Ok(SignIn::Invalid);
    };
    let member = Member {
        id,
        organization_id,
        email,
        created_at,
    };
    let secret = SessionSecret::generate();
    let now = engine.now();
    let session = Session {
        member,
        csrf_token: encode_base32(&random_bytes::<32>()),
        expires_at: now.plus(SESSION_TTL),
    };
    let mut tx = engine.db().begin_write().await?;
    // A success is no failure; expired sessions go as new ones come.
    sqlx::query("DELETE FROM sign_in_failures WHERE attempt = $1")
        .bind(&attempt)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM member_sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO member_sessions (token_hash, member_id, organization_id, csrf_token, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(secret.hash())
    .bind(&session.member.id)
    .bind(&session.member.organization_id)
    .bind(&session.csrf_token)
    .bind(now)
    .bind(session.expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(SignIn::Signed(session, secret))
}

/// The live session a cookie's secret names; `None` when unknown or expired.
pub async fn session(engine: &Engine, secret: &SessionSecret) -> Result<Option<Session>> {
    let row: Option<(MemberId, OrgId, String, Timestamp, String, Timestamp)> = sqlx::query_as(
        "SELECT m.id, m.organization_id, m.email, m.created_at, s.csrf_token, s.expires_at
         FROM member_sessions s JOIN members m ON m.id = s.member_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(secret.hash())
    .bind(engine.now())
    .fetch_optional(engine.db().pool())
    .await?;
    Ok(row.map(
        |(id, organization_id, email, created_at, csrf_token, expires_at)| Session {
            member: Member {
                id,
                organization_id,
                email,
                created_at,
            },
            csrf_token,
            expires_at,
        },
    ))
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("member", &self.member.id)
            .field("organization", &self.member.organization_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Signs out: the session ends at once.
pub async fn sign_out(engine: &Engine, secret: &SessionSecret) -> Result<()> {
    let mut tx = engine.db().begin_write().await?;
    sqlx::query("DELETE FROM member_sessions WHERE token_hash = $1")
        .bind(secret.hash())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Compares a presented CSRF token with the session's in constant time.
pub fn csrf_matches(session: &Session, presented: &str) -> bool {
    let (a, b) = (session.csrf_token.as_bytes(), presented.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::engine;

    const RIGHT: &str = "correct horse battery";

    async fn org(engine: &Engine) -> OrgId {
        crate::orgs::create(engine, "Acme", &[]).await.unwrap().0.id
    }

    async fn attempt(engine: &Engine, email: &str, password: &str, client: Option<&str>) -> SignIn {
        sign_in(engine, email, Password::new(password), client)
            .await
            .unwrap()
    }

    async fn signed(engine: &Engine, email: &str, password: &str) -> (Session, SessionSecret) {
        match attempt(engine, email, password, None).await {
            SignIn::Signed(session, secret) => (session, secret),
            other => panic!("{email} should sign in: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_member_signs_in_with_the_right_password_only_and_the_session_reads_back() {
        let engine = engine().await;
        let org = org(&engine).await;
        let member = create(&engine, &org, " Ada@Example.com ", Password::new(RIGHT))
            .await
            .unwrap();

        let wrong = attempt(&engine, "ada@example.com", "wrong horse battery", None).await;
        let unknown = attempt(&engine, "bob@example.com", RIGHT, None).await;
        let (session, secret) = signed(&engine, "ADA@example.com", RIGHT).await;
        let read = super::session(&engine, &secret).await.unwrap();

        assert_eq!(
            member.email, "ada@example.com",
            "addresses are kept lower-cased"
        );
        assert!(matches!(wrong, SignIn::Invalid), "{wrong:?}");
        assert!(matches!(unknown, SignIn::Invalid), "{unknown:?}");
        assert_eq!(read.as_ref(), Some(&session));
        assert_eq!(session.member.organization_id, org);
        let stored: String = sqlx::query_scalar("SELECT password_hash FROM members")
            .fetch_one(engine.db().pool())
            .await
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("correct horse"));
        let token_hash: String = sqlx::query_scalar("SELECT token_hash FROM member_sessions")
            .fetch_one(engine.db().pool())
            .await
            .unwrap();
        assert_ne!(
            token_hash,
            secret.expose_secret(),
            "the cookie's secret is stored hashed"
        );
    }

    #[tokio::test]
    async fn a_session_ends_when_it_expires_and_when_its_member_signs_out() {
        let engine = engine().await;
        let org = org(&engine).await;
        create(&engine, &org, "ada@example.com", Password::new(RIGHT))
            .await
            .unwrap();
        let (_, expiring) = signed(&engine, "ada@example.com", RIGHT).await;
        let (_, leaving) = signed(&engine, "ada@example.com", RIGHT).await;

        sign_out(&engine, &leaving).await.unwrap();
        let after_sign_out = session(&engine, &leaving).await.unwrap();
        let before_expiry = session(&engine, &expiring).await.unwrap();
        engine.clock().advance(SESSION_TTL);
        let after_expiry = session(&engine, &expiring).await.unwrap();

        assert!(after_sign_out.is_none(), "signed out");
        assert!(before_expiry.is_some());
        assert!(after_expiry.is_none(), "a session ends at its expiry");
    }

    #[tokio::test]
    async fn bad_addresses_weak_passwords_and_taken_addresses_are_refused() {
        let engine = engine().await;
        let org = org(&engine).await;
        let strong = || Password::new(RIGHT);

        let bad_email = create(&engine, &org, "not an address", strong()).await;
        let weak = create(&engine, &org, "ada@example.com", Password::new("short")).await;
        create(&engine, &org, "ada@example.com", strong())
            .await
            .unwrap();
        let taken = create(&engine, &org, "ADA@example.com", strong()).await;
        let nowhere = create(&engine, &OrgId::new(), "bob@example.com", strong()).await;

        assert!(matches!(bad_email, Err(MemberError::InvalidEmail)));
        assert!(matches!(weak, Err(MemberError::WeakPassword)));
        assert!(matches!(taken, Err(MemberError::EmailTaken)));
        assert!(matches!(nowhere, Err(MemberError::OrganizationNotFound)));
    }

    #[tokio::test]
    async fn a_new_password_ends_the_members_sessions() {
        let engine = engine().await;
        let org = org(&engine).await;
        create(&engine, &org, "ada@example.com", Password::new(RIGHT))
            .await
            .unwrap();
        let (_, secret) = signed(&engine, "ada@example.com", RIGHT).await;

        reset_password(
            &engine,
            "ada@example.com",
            Password::new("another long passphrase"),
        )
        .await
        .unwrap()
        .expect("a member");

        assert!(session(&engine, &secret).await.unwrap().is_none());
        let old = attempt(&engine, "ada@example.com", RIGHT, None).await;
        let new = attempt(&engine, "ada@example.com", "another long passphrase", None).await;
        assert!(matches!(old, SignIn::Invalid) && matches!(new, SignIn::Signed(..)));
    }

    #[tokio::test]
    async fn too_many_failures_from_one_network_refuse_that_network_until_the_window_passes() {
        let engine = engine().await;
        let org = org(&engine).await;
        create(&engine, &org, "ada@example.com", Password::new(RIGHT))
            .await
            .unwrap();
        for _ in 0..MAX_FAILURES_PER_CLIENT {
            attempt(
                &engine,
                "ada@example.com",
                "guess guess guess",
                Some("192.0.2.1"),
            )
            .await;
        }

        let locked = attempt(&engine, "ada@example.com", RIGHT, Some("192.0.2.1")).await;
        let elsewhere = attempt(&engine, "ada@example.com", RIGHT, Some("198.51.100.7")).await;
        engine.clock().advance(FAILURE_WINDOW);
        let later = attempt(&engine, "ada@example.com", RIGHT, Some("192.0.2.1")).await;

        assert!(matches!(locked, SignIn::Throttled), "{locked:?}");
        assert!(
            matches!(elsewhere, SignIn::Signed(..)),
            "a guesser elsewhere does not lock the member out: {elsewhere:?}"
        );
        assert!(matches!(later, SignIn::Signed(..)), "{later:?}");
    }

    #[tokio::test]
    async fn guesses_from_many_networks_lock_an_address_only_at_the_higher_limit() {
        let engine = engine().await;
        let org = org(&engine).await;
        create(&engine, &org, "ada@example.com", Password::new(RIGHT))
            .await
            .unwrap();
        for n in 0..MAX_FAILURES_PER_EMAIL {
            let client = format!("203.0.113.{}", n % 250);
            attempt(
                &engine,
                "ada@example.com",
                "guess guess guess",
                Some(&client),
            )
            .await;
        }

        let locked = attempt(&engine, "ada@example.com", RIGHT, Some("198.51.100.7")).await;

        assert!(matches!(locked, SignIn::Throttled), "{locked:?}");
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_network() {
        let a = client_network("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = client_network("2001:db8:1:2:bbbb::9".parse().unwrap());

        assert_eq!(a, b);
        assert_eq!(client_network("192.0.2.7".parse().unwrap()), "192.0.2.7");
    }

    #[test]
    fn csrf_tokens_compare_whole() {
        let session = Session {
            member: Member {
                id: MemberId::new(),
                organization_id: OrgId::new(),
                email: "a@b.c".into(),
                created_at: Timestamp(0),
            },
            csrf_token: "abcdef".into(),
            expires_at: Timestamp(0),
        };
        assert!(csrf_matches(&session, "abcdef"));
        assert!(!csrf_matches(&session, "abcdeg"));
        assert!(!csrf_matches(&session, "abcde"));
        assert!(!csrf_matches(&session, ""));
    }
}
