//! Opening the database and applying the embedded migrations.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// Migrations compiled into the binary, applied at start: SQLite's history, and PostgreSQL's
/// baseline (the same final schema in one step).
static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per process on PostgreSQL (the server's own limit is shared by every instance).
const POSTGRES_POOL_SIZE: u32 = 16;

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error(
        "unsupported database URL `{0}`: use sqlite://PATH, sqlite::memory: or postgres://USER@HOST/DATABASE"
    )]
    UnsupportedUrl(String),
    #[error("could not create `{path}` for the database: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("could not open the database: {0}")]
    Open(#[from] sqlx::Error),
    #[error("could not apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Which database a connection speaks to. The SQL is written once with `$N` placeholders; what
/// cannot be (row locks, notifications, how a write transaction begins) is asked of the dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// One writer at a time: every write transaction holds the process's write permit and
    /// SQLite's write lock from its first statement, so a read inside it is stable until commit.
    Sqlite,
    /// Concurrent writers (several instances): correctness rests on conditional updates and on
    /// the row locks taken by [`Dialect::locked`].
    Postgres,
}

/// The row lock a `SELECT` inside a write transaction takes on PostgreSQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// The rows will be written back by this transaction (read, merge, write).
    Update,
    /// The rows must not change until commit (a check that the write depends on).
    Share,
    /// Claim rows no other transaction holds, skipping those that one does (job queues).
    UpdateSkipLocked,
    /// The rows must not be deleted (or their key changed) until commit: rows inserted by this
    /// transaction reference them. Weakest lock: other readers and updates of other columns go on.
    KeyShare,
}

impl Dialect {
    /// The dialect of an open connection.
    pub fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }

    /// `select` with the row lock appended on PostgreSQL. SQLite needs none: its write
    /// transaction already excludes every other writer.
    pub fn locked(self, select: &str, lock: Lock) -> Cow<'_, str> {
        match self {
            Self::Sqlite => Cow::Borrowed(select),
            Self::Postgres => Cow::Owned(format!(
                "{select} {}",
                match lock {
                    // Not `FOR UPDATE`: rows that reference this one (events, files) may
                    // still be inserted meanwhile; only its key would block them.
                    Lock::Update => "FOR NO KEY UPDATE",
                    Lock::Share => "FOR SHARE",
                    Lock::UpdateSkipLocked => "FOR UPDATE SKIP LOCKED",
                    Lock::KeyShare => "FOR KEY SHARE",
                }
            )),
        }
    }
}

/// A comma-separated column list (`"id, kind, …"`) qualified by `table`, each column named
/// `{alias_prefix}{column}` when a prefix is given (statements that join tables with clashing
/// column names).
pub(crate) fn qualified(columns: &str, table: &str, alias_prefix: &str) -> String {
    columns
        .split(", ")
        .map(|c| {
            if alias_prefix.is_empty() {
                format!("{table}.{c}")
            } else {
                format!("{table}.{c} AS {alias_prefix}{c}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `count` numbered parameters from `$first` on, comma-separated (for `IN (…)` lists and
/// multi-row `VALUES`).
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    numbered(count, |n| first + n)
}

/// The parameters `$param(0)`, `$param(1)`, … for `count` rows, comma-separated (ids of a
/// multi-row statement laid out row by row).
pub(crate) fn numbered(count: usize, param: impl Fn(usize) -> usize) -> String {
    (0..count)
        .map(|n| format!("${}", param(n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `CASE id WHEN $id(0) THEN $value(0) … END` over `count` rows: each row's own value of a column
/// in a multi-row `UPDATE … WHERE id IN (…)`.
pub(crate) fn case_by_id(
    count: usize,
    id: impl Fn(usize) -> usize,
    value: impl Fn(usize) -> usize,
) -> String {
    let arms: String = (0..count)
        .map(|r| format!(" WHEN ${} THEN ${}", id(r), value(r)))
        .collect();
    format!("CASE id{arms} END")
}

/// A notification channel, delivered to every instance's listener when the transaction that sent
/// it commits (PostgreSQL); within one process the engine's own wake-ups serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// A job was enqueued: workers should claim.
    Jobs,
    /// A redemption finished (redeemed or failed): waiters should look again.
    Redemptions,
    /// Webhook deliveries were queued: the delivery loop should look.
    Deliveries,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Jobs, Channel::Redemptions, Channel::Deliveries];

    pub fn name(self) -> &'static str {
        match self {
            Self::Jobs => "tessera_jobs",
            Self::Redemptions => "tessera_redemptions",
            Self::Deliveries => "tessera_deliveries",
        }
    }
}

/// Sends `channel` at commit of the transaction `tx` is in (PostgreSQL); nothing on SQLite, whose
/// only writer is this process. The payload is empty: a notification carries no data, only "look".
pub async fn notify(tx: &mut AnyConnection, channel: Channel) -> Result<(), sqlx::Error> {
    if Dialect::of(tx) == Dialect::Postgres {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(channel.name())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// A handle on Tessera's database: a connection pool with the schema migrated.
#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    dialect: Dialect,
    url: Arc<str>,
    /// SQLite only: one writer at a time, queued fairly in the process. SQLite allows a single
    /// writer, and its own busy handler retries with sleeps of up to 100 ms, which under
    /// concurrency turns into long tails. Waiting here costs nothing while the lock holder works.
    writer: Option<Arc<Semaphore>>,
    /// Told after every write transaction of this process commits: the webhook delivery loop
    /// waits on it instead of polling (whatever the commit wrote may have queued deliveries).
    committed: Arc<Notify>,
}

/// A write transaction (holding, on SQLite, the process's write permit until it commits or is
/// dropped). Dereferences to the connection, like `sqlx::Transaction`.
pub struct WriteTransaction {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _permit: Option<OwnedSemaphorePermit>,
    committed: Arc<Notify>,
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        self.committed.notify_one();
        Ok(())
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl Database {
    /// Opens the database at `url` and applies pending migrations.
    ///
    /// `url` is `sqlite://PATH`, `sqlite:PATH` or `sqlite::memory:` (the file and its folder are
    /// created when missing), or `postgres://…` / `postgresql://…` (the database must exist).
    pub async fn connect(url: &str) -> Result<Self, DatabaseError> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else {
            return Err(DatabaseError::UnsupportedUrl(
                redacted_url(url).into_owned(),
            ));
        };
        let options: AnyConnectOptions = url.parse()?;
        let (pool, writer) = match dialect {
            Dialect::Sqlite => {
                let in_memory = url.contains(":memory:");
                if !in_memory {
                    let file: sqlx::sqlite::SqliteConnectOptions = url.parse()?;
                    create_private_file(file.get_filename())?;
                }
                let pool = AnyPoolOptions::new()
                    // An in-memory database lives in one connection; more would each see an
                    // empty one, and so would a replacement for one closed as idle.
                    .max_connections(if in_memory { 1 } else { sqlite_pool_size() })
                    .idle_timeout((!in_memory).then_some(Duration::from_secs(600)))
                    .max_lifetime((!in_memory).then_some(Duration::from_secs(1800)))
                    // No ping before each use: a connection to a local file has nothing to
                    // check, and the ping is a round trip to the connection's thread that
                    // doubled the cost of every read outside a transaction.
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // Readers never wait for the writer; a commit is durable once the
                            // write-ahead log reaches the disk at a checkpoint (a power cut may
                            // lose the last commits, never corrupt the file).
                            conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?;
                SQLITE_MIGRATOR.run(&pool).await?;
                (pool, Some(Arc::new(Semaphore::new(1))))
            }
            Dialect::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(POSTGRES_POOL_SIZE)
                    .connect_with(options)
                    .await?;
                POSTGRES_MIGRATOR.run(&pool).await?;
                (pool, None)
            }
        };
        Ok(Self {
            pool,
            dialect,
            url: url.into(),
            writer,
            committed: Arc::new(Notify::new()),
        })
    }

    /// Resolves after a write transaction of this process commits (one stored wake-up when none
    /// waits), or when [`Database::wake_committed`] is called.
    pub async fn committed(&self) {
        self.committed.notified().await;
    }

    /// Wakes [`Database::committed`]'s waiter: for writes committed elsewhere (another instance).
    pub fn wake_committed(&self) {
        self.committed.notify_one();
    }

    /// The underlying pool, for the storage modules.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The URL the database was opened with (it may hold a password: never log it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Starts a transaction that writes. On SQLite it takes the process's write permit and the
    /// database's write lock at once (`BEGIN IMMEDIATE`), so concurrent writers wait for each
    /// other instead of failing on upgrade. On PostgreSQL it is a plain transaction (read
    /// committed): the statements inside lock the rows they depend on.
    pub async fn begin_write(&self) -> Result<WriteTransaction, sqlx::Error> {
        let Some(writer) = &self.writer else {
            return Ok(WriteTransaction {
                tx: self.pool.begin().await?,
                _permit: None,
                committed: self.committed.clone(),
            });
        };
        let permit = writer
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTransaction {
            tx,
            _permit: Some(permit),
            committed: self.committed.clone(),
        })
    }

    /// True when the database answers a trivial query.
    pub async fn is_reachable(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// True when every migration compiled into this binary has been applied successfully.
    pub async fn migrations_applied(&self) -> bool {
        let migrator = match self.dialect {
            Dialect::Sqlite => &SQLITE_MIGRATOR,
            Dialect::Postgres => &POSTGRES_MIGRATOR,
        };
        let applied: Result<i64, _> =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await;
        applied.is_ok_and(|n| usize::try_from(n).is_ok_and(|n| n >= migrator.iter().count()))
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `url` with its password (if any) replaced by `***`, for messages and logs.
pub fn redacted_url(url: &str) -> Cow<'_, str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Cow::Borrowed(url);
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return Cow::Borrowed(url);
    };
    let Some((user, _password)) = userinfo.split_once(':') else {
        return Cow::Borrowed(url);
    };
    Cow::Owned(format!("{scheme}://{user}:***@{host}{path}"))
}

/// The variable naming a PostgreSQL server for the test suites (`postgres://USER@HOST:PORT/DB`,
/// a user allowed to create databases): set, every test gets a database of its own there.
pub const TEST_DATABASE_URL: &str = "TESSERA_TEST_DATABASE_URL";

/// For tests: the URL of a fresh, empty database. When [`TEST_DATABASE_URL`] is set, a new
/// PostgreSQL database is created on that server (the temporary server of `make test` is thrown
/// away whole afterwards); otherwise `sqlite` is returned unchanged.
pub async fn test_database_url(sqlite: &str) -> String {
    use sqlx::Connection as _;
    let Ok(server) = std::env::var(TEST_DATABASE_URL) else {
        return sqlite.to_owned();
    };
    let name = format!(
        "t_{}",
        crate::ids::encode_base32(&crate::ids::random_bytes::<10>())
    );
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL} names a server that refused: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("could not create a test database: {e}"));
    let _ = admin.close().await;
    let (path, query) = server.split_once('?').unwrap_or((&server, ""));
    let (base, _) = path
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("{TEST_DATABASE_URL} should name a database: …/DATABASE"));
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{base}/{name}{query}")
}

/// Connections (each with its own thread) in a SQLite pool: two per core, 4 to 16. On 2 cores, 4
/// did at least as well as 8 under 50 closed-loop clients (756–951 against 728–853 redemptions/s;
/// open-loop p99 9.6–10.8 against 9.9–12.3 ms): more threads than cores only switch, and each
/// connection drops its page cache whenever another one writes.
fn sqlite_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    u32::try_from(2 * cores).unwrap_or(16).clamp(4, 16)
}

/// Creates the database's folder (0700) and file (0600) when missing: identity data is readable
/// by the server's user only. Existing ones keep their permissions (the operator's choice).
fn create_private_file(file: &Path) -> Result<(), DatabaseError> {
    let failed = |path: &Path, source: std::io::Error| DatabaseError::CreateDir {
        path: path.display().to_string(),
        source,
    };
    if let Some(parent) = file.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent).map_err(|e| failed(parent, e))?;
    }
    if !file.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(file) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(failed(file, e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connect_creates_the_file_and_its_directory_and_migrates() {
        let dir = std::env::temp_dir().join(format!("tessera-db-test-{}", std::process::id()));
        let file = dir.join("nested").join("tessera.db");
        let _ = std::fs::remove_dir_all(&dir);

        let db = Database::connect(&format!("sqlite://{}", file.display()))
            .await
            .expect("a sqlite URL in a missing directory should be created and opened");

        assert!(
            file.exists(),
            "the database file {} was not created",
            file.display()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode(&file),
                0o600,
                "the database file is the server user's only"
            );
            assert_eq!(mode(file.parent().unwrap()), 0o700, "so is its folder");
        }
        assert!(
            db.is_reachable().await,
            "a freshly opened database should answer queries"
        );
        db.close().await;
        std::fs::remove_dir_all(&dir).expect("cleanup of the test directory");
    }

    #[test]
    fn a_printed_url_never_shows_its_password() {
        assert_eq!(
            redacted_url("postgres://tessera:s3cr%40t@db.internal:5432/tessera?sslmode=require"),
            "postgres://tessera:***@db.internal:5432/tessera?sslmode=require"
        );
        assert_eq!(
            redacted_url("postgres://tessera@127.0.0.1/t"),
            "postgres://tessera@127.0.0.1/t"
        );
        assert_eq!(
            redacted_url("sqlite://data/tessera.db"),
            "sqlite://data/tessera.db"
        );
    }

    #[tokio::test]
    async fn connect_refuses_a_url_it_does_not_support() {
        let err = Database::connect("mysql://localhost/tessera")
            .await
            .expect_err("a mysql URL must be refused");

        assert!(
            matches!(err, DatabaseError::UnsupportedUrl(_)),
            "expected UnsupportedUrl, got {err:?}"
        );
    }
}
