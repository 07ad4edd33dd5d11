//! Opening the database and applying the embedded migrations.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Migrations compiled into the binary, applied at start.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("unsupported database URL `{0}`: use sqlite://PATH (Postgres support is planned)")]
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

/// A handle on Tessera's database: a connection pool with the schema migrated.
#[derive(Clone, Debug)]
pub struct Database {
    pool: SqlitePool,
    /// One writer at a time, queued fairly in the process: SQLite allows a single writer, and its
    /// own busy handler retries with sleeps of up to 100 ms, which under concurrency turns into
    /// long tails. Waiting here costs nothing while the lock holder works.
    writer: Arc<Semaphore>,
}

/// A write transaction holding the process's write permit until it commits or is dropped.
/// Dereferences to the connection, like `sqlx::Transaction`.
pub struct WriteTransaction {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _permit: OwnedSemaphorePermit,
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = sqlx::SqliteConnection;
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
    /// Opens (creating if missing) the database at `url` and applies pending migrations.
    ///
    /// `url` is `sqlite://PATH`, `sqlite:PATH` or `sqlite::memory:`.
    pub async fn connect(url: &str) -> Result<Self, DatabaseError> {
        if !url.starts_with("sqlite:") {
            return Err(DatabaseError::UnsupportedUrl(url.to_owned()));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let in_memory = url.contains(":memory:");
        if !in_memory {
            create_private_file(options.get_filename())?;
        }
        let pool = SqlitePoolOptions::new()
            // An in-memory database lives in one connection; more would each see an empty one.
            .max_connections(if in_memory { 1 } else { 8 })
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            writer: Arc::new(Semaphore::new(1)),
        })
    }

    /// The underlying pool, for the storage modules.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Starts a transaction that writes. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so concurrent writers wait for each other instead of failing on upgrade.
    pub async fn begin_write(&self) -> Result<WriteTransaction, sqlx::Error> {
        let permit = self
            .writer
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTransaction {
            tx,
            _permit: permit,
        })
    }

    /// True when the database answers a trivial query.
    pub async fn is_reachable(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// True when every migration compiled into this binary has been applied successfully.
    pub async fn migrations_applied(&self) -> bool {
        let applied: Result<i64, _> =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await;
        applied.is_ok_and(|n| usize::try_from(n).is_ok_and(|n| n >= MIGRATOR.iter().count()))
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
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
