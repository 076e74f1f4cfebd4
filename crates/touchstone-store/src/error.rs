//! Errors of the store.

use touchstone_project::Diagnostic;

/// Someone saved the same test case (or record) since the caller read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// What was saved concurrently (`test case 5.1-4-1`, `record EV-007`).
    pub what: String,
    /// The version the caller's save was based on.
    pub expected: i64,
    /// The version in the store now.
    pub current: i64,
    /// Who saved it last.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `--db` is neither `sqlite:PATH` nor a PostgreSQL URL.
    #[error(
        "unrecognised database location `{0}`: expected sqlite:PATH or postgres://USER@HOST/DB"
    )]
    BadLocation(String),
    /// The database could not be opened or reached.
    #[error("cannot open the store at {0}: {1}")]
    Connect(String, String),
    /// A query failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("cannot migrate the store: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// The project (or the project after a change) does not validate.
    #[error("the project is not valid ({} error(s))", .0.iter().filter(|d| d.is_error()).count())]
    InvalidProject(Vec<Diagnostic>),
    /// No assessment, record or test case by that id.
    #[error("{0}")]
    NotFound(String),
    /// An id prefix matches several assessments.
    #[error("`{0}` matches several assessments: {1}")]
    Ambiguous(String, String),
    /// Someone else saved first.
    #[error(
        "{} was saved by {} at {} (version {}) after you read version {}: reload it, nothing was overwritten",
        .0.what, .0.by, .0.at, .0.current, .0.expected
    )]
    Conflict(Conflict),
    /// The assessment is signed off and frozen.
    #[error("assessment {0} is signed off and frozen: reopen it first")]
    Frozen(String),
    /// The request is not allowed (a role, a missing rationale).
    #[error("{0}")]
    Refused(String),
    /// Stored data is inconsistent (a bug or tampering).
    #[error("the store is inconsistent: {0}")]
    Corrupt(String),
}
