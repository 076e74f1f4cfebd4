//! The assessment store: everything a lab keeps about its assessments, in
//! one schema on two backends.
//!
//! - **SQLite** by default: one file, embedded, WAL journal, created on first
//!   use under the user's data directory ([`default_location`]) or at
//!   `sqlite:PATH`.
//! - **PostgreSQL** for a lab server: `postgres://...`.
//!
//! Both run the same queries through sqlx's `Any` driver (checked at run
//! time: no database is needed to build). Every value reaches SQL as a bound
//! parameter; no query text is ever built from data. The migrations are one
//! directory per backend (`migrations/sqlite`, `migrations/postgres`) with
//! the same tables, columns and constraints; `tests/schema.rs` keeps them in
//! step, statically and on live databases. Identifiers are UUIDs made here
//! (or SHA-256 for content), so rows can be made on any machine.
//!
//! What it holds: products and firmware versions; assessments (device,
//! edition, conditions, features, the ICS and IXIT as rows, the deliverable);
//! the files of the project directory exactly as read (`project_files`), so
//! that [`Store::export_project`] writes them back byte for byte; runs
//! (imports of findings files today; firmware scans and probes next) with
//! their findings; evidence records; attachments, content-addressed by
//! SHA-256 and stored once ([`blob`]); the verdict of every test case with
//! its full history; users, reviews and sign-offs; and an append-only audit
//! log (who, what, when, before and after, [`audit`]).
//!
//! **Invariants.**
//! - The stored project texts always form a valid project: every change
//!   (an import, a saved record) is parsed and validated with
//!   `touchstone_project::parse` against the stored bytes before it commits,
//!   and the rows (ICS, IXIT, records, verdicts) are derived from those
//!   texts in the same transaction.
//! - The verdicts are the engine's (`touchstone_engine::assess`) on the
//!   stored project and findings; the store has no verdict rules of its own.
//! - Optimistic locking: every test case has a version; a save names the
//!   version it was based on and fails with [`StoreError::Conflict`] when
//!   someone saved in between (nothing is overwritten, nothing is lost).
//!   Records carry their own version too.
//! - `audit_log` and `verdict_history` only grow: triggers on both backends
//!   refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).
//! - An import or a save is one transaction: a failure or a `kill -9`
//!   leaves the store as it was.

mod accounts;
pub mod audit;
pub mod blob;
mod clock;
mod declarations;
mod error;
mod export;
mod findings_import;
mod import;
mod location;
mod query;
mod records;
mod review;
mod rows;
mod stored;

use std::str::FromStr as _;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor as _};

pub use accounts::Evaluated;
pub use blob::BlobRef;
pub use declarations::Declaration;
pub use error::{Conflict, StoreError};
pub use export::Exported;
pub use findings_import::AddedFindings;
pub use import::{Imported, MAX_DEPTH, MAX_FILES};
pub use location::{Backend, Location, create_postgres_database, default_location};
pub use records::{NewAttachment, RecordInput, SavedRecord};
pub use review::{ReviewDecision, SignoffRole};
pub use rows::{AssessmentRow, HistoryEntry, RecordRow, UserRole, VerdictChange, VerdictRow};

/// Result of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Open (and create or migrate) the store at `location`.
    ///
    /// SQLite: the file and its directory are created when missing (the
    /// directory private to the user), the journal is WAL, foreign keys are
    /// enforced and writers wait up to 10 s for each other.
    pub async fn open(location: &Location) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = location.backend();
        let url = location.sqlx_url()?;
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StoreError::Connect(location.to_string(), e.to_string()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 8,
            })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Connect(location.to_string(), e.to_string()))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await?;
        Ok(Store { pool, backend })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for the crate's tests and the web layer's health
    /// checks. Every query through it must bind its values as parameters.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Close every connection (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begin a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so concurrent writers queue on the busy timeout
    /// instead of failing when a read would have to become a write.
    /// The query that reads an assessment's state and version at the start
    /// of a write. On PostgreSQL it also locks the row until the transaction
    /// ends, so writes to one assessment (which all edit its project files)
    /// run one after another, as `BEGIN IMMEDIATE` makes them on SQLite.
    pub(crate) fn assessment_for_write(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "SELECT state, version FROM assessments WHERE id = $1",
            Backend::Postgres => "SELECT state, version FROM assessments WHERE id = $1 FOR UPDATE",
        }
    }

    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// The migration versions applied, oldest first.
    pub async fn migrations(&self) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
