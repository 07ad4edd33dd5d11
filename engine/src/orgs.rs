//! Organizations and their API keys.
//!
//! A key is `tsk_` followed by 256 random bits in base32. It is shown once, at creation; only its
//! SHA-256 hash is stored, and its `Debug` form is redacted.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::Engine;
use crate::db::{Dialect, Lock};
use crate::error::{Problem, Result};
use crate::ids::{ApiKeyId, OrgId, encode_base32, random_bytes};
use crate::time::Timestamp;

/// The fixed prefix of every API key, so leaked keys are easy to recognise and scan for.
pub const API_KEY_PREFIX: &str = "tsk_";

/// An organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    /// Origins (`https://example.com`) allowed to embed the flow and receive redirects.
    pub allowed_origins: Vec<String>,
    pub created_at: Timestamp,
}

/// A freshly generated API key. The only place the secret exists in the clear.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    secret: String,
}

impl ApiKey {
    fn generate() -> Self {
        Self {
            id: ApiKeyId::new(),
            secret: format!("{API_KEY_PREFIX}{}", encode_base32(&random_bytes::<32>())),
        }
    }

    /// The secret, to show once to its owner.
    pub fn expose_secret(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({}, {API_KEY_PREFIX}[redacted])", self.id)
    }
}

fn hash_key(secret: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(secret.as_bytes()))
}

/// Checks an organization's name: 1 to 200 characters, not blank.
fn parse_name(name: &str) -> Result<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 200 {
        return Err(Problem::invalid(
            "invalid-name",
            "a name has 1 to 200 characters",
            "/data/attributes/name",
        )
        .into());
    }
    Ok(trimmed.to_owned())
}

/// Reads an origin such as `https://shop.example.com` or `http://localhost:8080`: scheme, host and
/// optional port, nothing else. Returns it in canonical form. The host is a domain name (letters,
/// digits, `-`, `.`) or an IP address: URL parsing alone lets through `*`, `;` and quotes, which
/// would widen or break the `frame-ancestors` policy the origin is written into.
pub fn parse_origin(text: &str) -> Option<String> {
    let url = url::Url::parse(text).ok()?;
    let host_ok = match url.host()? {
        url::Host::Domain(domain) => domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'),
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => true,
    };
    let plain = matches!(url.scheme(), "http" | "https")
        && host_ok
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !text.ends_with('/');
    plain.then(|| url.origin().ascii_serialization())
}

/// Creates an organization and its first API key.
pub async fn create(
    engine: &Engine,
    name: &str,
    allowed_origins: &[String],
) -> Result<(Organization, ApiKey)> {
    let name = parse_name(name)?;
    let mut origins = Vec::new();
    for (index, origin) in allowed_origins.iter().enumerate() {
        let parsed = parse_origin(origin).ok_or_else(|| {
            Problem::invalid(
                "invalid-origin",
                format!("`{origin}` is not an origin: use scheme://host[:port], e.g. https://shop.example.com"),
                format!("/data/attributes/allowed-origins/{index}"),
            )
        })?;
        if !origins.contains(&parsed) {
            origins.push(parsed);
        }
    }
    let organization = Organization {
        id: OrgId::new(),
        name,
        allowed_origins: origins,
        created_at: engine.now(),
    };
    let key = ApiKey::generate();
    let mut tx = engine.db().begin_write().await?;
    sqlx::query(
        "INSERT INTO organizations (id, name, allowed_origins, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&organization.id)
    .bind(&organization.name)
    .bind(serde_json::to_string(&organization.allowed_origins).expect("strings serialise"))
    .bind(organization.created_at)
    .execute(&mut *tx)
    .await?;
    insert_key(&mut tx, &organization.id, &key, organization.created_at).await?;
    tx.commit().await?;
    Ok((organization, key))
}

/// Adds origins to an organization's allowed origins (those already there, or that are not
/// origins, are skipped). Read and written under the write lock (SQLite) or the row's lock
/// (PostgreSQL), so concurrent calls add both.
pub async fn allow_origins(engine: &Engine, org: &OrgId, origins: &[String]) -> Result<()> {
    let _forget = engine.organization_cache().changing(Some(org.clone()));
    let mut tx = engine.db().begin_write().await?;
    let Some(mut organization) = find_for_update(&mut tx, org).await? else {
        return Err(Problem::not_found("the organization").into());
    };
    let before = organization.allowed_origins.len();
    for origin in origins.iter().filter_map(|o| parse_origin(o)) {
        if !organization.allowed_origins.contains(&origin) {
            organization.allowed_origins.push(origin);
        }
    }
    if organization.allowed_origins.len() != before {
        sqlx::query("UPDATE organizations SET allowed_origins = $1 WHERE id = $2")
            .bind(serde_json::to_string(&organization.allowed_origins).expect("strings serialise"))
            .bind(org)
            .execute(&mut *tx)
            .await?;
    }
    // Ended here either way: a dropped transaction would hold the write lock until its
    // connection is used again.
    tx.commit().await?;
    Ok(())
}

/// Reads an organization (for showing its name; access to it is the caller's to check), as of
/// at most [`ORGANIZATION_TRUST`] ago.
pub async fn get(engine: &Engine, id: &OrgId) -> Result<Option<Organization>> {
    cached(engine, id).await
}

/// Adds another API key to an organization.
pub async fn create_api_key(engine: &Engine, org: &OrgId) -> Result<ApiKey> {
    let key = ApiKey::generate();
    let mut tx = engine.db().begin_write().await?;
    insert_key(&mut tx, org, &key, engine.now()).await?;
    tx.commit().await?;
    Ok(key)
}

async fn insert_key(
    tx: &mut sqlx::AnyConnection,
    org: &OrgId,
    key: &ApiKey,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, organization_id, key_hash, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&key.id)
    .bind(org)
    .bind(hash_key(&key.secret))
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// An API key as its organization's members see it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// `org`'s API keys, newest first (at most `limit`).
pub async fn list_api_keys(engine: &Engine, org: &OrgId, limit: u32) -> Result<Vec<ApiKeyRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, created_at, revoked_at FROM api_keys WHERE organization_id = $1
         ORDER BY seq DESC LIMIT $2",
    )
    .bind(org)
    .bind(i64::from(limit))
    .fetch_all(engine.db().pool())
    .await?)
}

/// Revokes `org`'s key `id` (from then on it authenticates nothing). False when `org` has no
/// such key or it was revoked already.
pub async fn revoke_api_key(engine: &Engine, org: &OrgId, id: &ApiKeyId) -> Result<bool> {
    // Revoked keys are not known by hash here: every trusted key is checked again afterwards.
    let _forget = engine.api_key_cache().changing(None);
    let mut tx = engine.db().begin_write().await?;
    let revoked = sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND organization_id = $3 AND revoked_at IS NULL",
    )
    .bind(engine.now())
    .bind(id)
    .bind(org)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(revoked.rows_affected() == 1)
}

/// Removes `origin` from an organization's allowed origins (nothing when it is not there).
pub async fn disallow_origin(engine: &Engine, org: &OrgId, origin: &str) -> Result<()> {
    let _forget = engine.organization_cache().changing(Some(org.clone()));
    let mut tx = engine.db().begin_write().await?;
    let Some(mut organization) = find_for_update(&mut tx, org).await? else {
        return Err(Problem::not_found("the organization").into());
    };
    let before = organization.allowed_origins.len();
    organization.allowed_origins.retain(|o| o != origin);
    if organization.allowed_origins.len() != before {
        sqlx::query("UPDATE organizations SET allowed_origins = $1 WHERE id = $2")
            .bind(serde_json::to_string(&organization.allowed_origins).expect("strings serialise"))
            .bind(org)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How long this process trusts a key it checked against the database without checking again.
/// A revocation made through this process ends the key's use at once; one made through another
/// instance (several `tessera serve` on one PostgreSQL) within this long.
pub const API_KEY_TRUST: std::time::Duration = std::time::Duration::from_secs(5);

/// Keys checked recently, by hash (never the secret itself).
pub(crate) type ApiKeyCache = crate::trust::TrustCache<String, OrgId>;

/// Keys remembered per process.
pub(crate) const CACHED_API_KEYS: usize = 10_000;

/// How long this process trusts an organization it read (its name, its allowed origins) without
/// reading it again. A change made through this process is seen at once; one made through
/// another instance, within this long.
pub const ORGANIZATION_TRUST: std::time::Duration = std::time::Duration::from_secs(5);

/// Organizations read recently.
pub(crate) type OrganizationCache = crate::trust::TrustCache<OrgId, Organization>;

/// Organizations remembered per process.
pub(crate) const CACHED_ORGANIZATIONS: usize = 4_096;

/// The organization a presented key belongs to, if the key is known and not revoked (as of at
/// most [`API_KEY_TRUST`] ago).
pub async fn authenticate(engine: &Engine, presented: &str) -> Result<Option<OrgId>> {
    if !presented.starts_with(API_KEY_PREFIX) || presented.len() > 100 {
        return Ok(None);
    }
    let hash = hash_key(presented);
    let cache = engine.api_key_cache();
    if let Some(org) = cache.get(&hash) {
        return Ok(Some(org));
    }
    let start = cache.start_read();
    let org: Option<OrgId> = sqlx::query_scalar(
        "SELECT organization_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
    )
    .bind(&hash)
    .fetch_optional(engine.db().pool())
    .await?;
    cache.remember(hash, org.clone(), start);
    Ok(org)
}

/// An organization as read at most [`ORGANIZATION_TRUST`] ago (for showing its name and checking
/// its allowed origins; access to it is the caller's to check).
pub async fn cached(engine: &Engine, id: &OrgId) -> Result<Option<Organization>> {
    let cache = engine.organization_cache();
    if let Some(organization) = cache.get(id) {
        return Ok(Some(organization));
    }
    let start = cache.start_read();
    let organization = find(engine.db().pool(), id).await?;
    cache.remember(id.clone(), organization.clone(), start);
    Ok(organization)
}

#[derive(sqlx::FromRow)]
struct OrganizationRow {
    id: OrgId,
    name: String,
    allowed_origins: String,
    created_at: Timestamp,
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            allowed_origins: serde_json::from_str(&row.allowed_origins).unwrap_or_default(),
            created_at: row.created_at,
        }
    }
}

/// One organization by id (its lock, if any, appended by the caller).
const SELECT_BY_ID: &str =
    "SELECT id, name, allowed_origins, created_at FROM organizations WHERE id = $1";

pub(crate) async fn find<'e>(
    executor: impl sqlx::AnyExecutor<'e>,
    id: &OrgId,
) -> Result<Option<Organization>> {
    let row: Option<OrganizationRow> = sqlx::query_as(SELECT_BY_ID)
        .bind(id)
        .fetch_optional(executor)
        .await?;
    Ok(row.map(Into::into))
}

/// The organization, locked until the transaction ends on PostgreSQL (read, changed, written).
async fn find_for_update(tx: &mut sqlx::AnyConnection, id: &OrgId) -> Result<Option<Organization>> {
    let row: Option<OrganizationRow> =
        sqlx::query_as(&Dialect::of(tx).locked(SELECT_BY_ID, Lock::Update))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(row.map(Into::into))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::engine;

    #[tokio::test]
    async fn a_created_organization_authenticates_with_its_key_which_is_stored_only_hashed() {
        let engine = engine().await;

        let (org, key) = create(&engine, "Acme Bank", &["https://acme.example".into()])
            .await
            .expect("create");

        assert!(key.expose_secret().starts_with(API_KEY_PREFIX));
        assert!(
            key.expose_secret().len() >= API_KEY_PREFIX.len() + 26,
            "a key carries at least 128 random bits"
        );
        assert_eq!(
            authenticate(&engine, key.expose_secret()).await.unwrap(),
            Some(org.id.clone())
        );
        let stored: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM api_keys")
            .fetch_all(engine.db().pool())
            .await
            .unwrap();
        assert_eq!(
            stored,
            [hash_key(key.expose_secret())],
            "only the hash is stored"
        );
        assert!(!stored[0].contains(key.expose_secret()));
    }

    #[tokio::test]
    async fn an_unknown_or_malformed_key_authenticates_nobody() {
        let engine = engine().await;
        create(&engine, "Acme", &[]).await.unwrap();

        assert_eq!(authenticate(&engine, "tsk_notakey").await.unwrap(), None);
        assert_eq!(
            authenticate(&engine, "Bearer nonsense").await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn a_key_revoked_here_stops_at_once_and_one_revoked_elsewhere_within_the_trust_period() {
        let engine = engine().await;
        let (org, key) = create(&engine, "Acme", &[]).await.unwrap();
        let second = create_api_key(&engine, &org.id).await.unwrap();
        // Both keys checked once: this process now trusts them for API_KEY_TRUST.
        authenticate(&engine, key.expose_secret()).await.unwrap();
        authenticate(&engine, second.expose_secret()).await.unwrap();

        // Another instance revokes the second key (a write this process does not hear of).
        sqlx::query("UPDATE api_keys SET revoked_at = 1 WHERE id = $1")
            .bind(&second.id)
            .execute(engine.db().pool())
            .await
            .unwrap();
        let elsewhere = authenticate(&engine, second.expose_secret()).await.unwrap();
        let revoked_here = revoke_api_key(&engine, &org.id, &key.id).await.unwrap();
        let after = authenticate(&engine, key.expose_secret()).await.unwrap();
        let second_after = authenticate(&engine, second.expose_secret()).await.unwrap();

        assert_eq!(
            elsewhere,
            Some(org.id.clone()),
            "a revocation by another instance takes effect within API_KEY_TRUST, not at once"
        );
        assert!(revoked_here);
        assert_eq!(after, None, "a key revoked in this process stops at once");
        assert_eq!(
            second_after, None,
            "a revocation here forgets every trusted key, so the other revocation shows too"
        );
    }

    #[test]
    fn a_key_is_redacted_in_debug_output() {
        let key = ApiKey::generate();

        let shown = format!("{key:?}");

        assert!(
            !shown.contains(key.expose_secret()),
            "{shown} leaks the secret"
        );
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(
            parse_origin("https://shop.example.com").as_deref(),
            Some("https://shop.example.com")
        );
        assert_eq!(
            parse_origin("http://localhost:8080").as_deref(),
            Some("http://localhost:8080")
        );
        for bad in [
            "https://shop.example.com/path",
            "ftp://x.example",
            "shop.example.com",
            "https://a.example/",
            "https://u@a.example",
        ] {
            assert_eq!(parse_origin(bad), None, "`{bad}` should be refused");
        }
        for widening in [
            "https://*",
            "https://*.shop.example",
            "https://a.example;report-uri",
        ] {
            assert_eq!(
                parse_origin(widening),
                None,
                "`{widening}` would widen or break frame-ancestors"
            );
        }
    }

    #[tokio::test]
    async fn a_blank_name_or_bad_origin_is_refused_and_creates_nothing() {
        let engine = engine().await;

        let blank = create(&engine, "  ", &[]).await.expect_err("blank name");
        let origin = create(&engine, "Acme", &["https://a.example/x".into()])
            .await
            .expect_err("bad origin");

        assert_eq!(blank.code(), Some("invalid-name"));
        assert_eq!(
            origin.problems()[0].pointer.as_deref(),
            Some("/data/attributes/allowed-origins/0")
        );
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
            .fetch_one(engine.db().pool())
            .await
            .unwrap();
        assert_eq!(count, 0);
    }
}
