//! Stores for the tests: a fresh SQLite file, and a fresh database on the
//! PostgreSQL named by `TOUCHSTONE_TEST_POSTGRES` (scripts/with-postgres
//! starts a throwaway cluster and sets it). Without that variable the
//! PostgreSQL half of a test fails when `CI=true` and is skipped with a
//! message otherwise.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use touchstone_store::{Location, Store};

pub const POSTGRES_ENV: &str = "TOUCHSTONE_TEST_POSTGRES";

/// Keeps a test's store alive (the SQLite file's directory).
pub struct Held {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

impl std::ops::Deref for Held {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

pub async fn sqlite() -> Held {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::Sqlite(dir.path().join("nested/store.db"));
    let store = Store::open(&location).await.unwrap();
    Held {
        store,
        _dir: Some(dir),
    }
}

/// The PostgreSQL server's URL, or `None` (after a message) when there is
/// none and this is not CI.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{POSTGRES_ENV} is not set on CI: run the tests under scripts/with-postgres"
            );
            eprintln!(
                "skipped: no PostgreSQL ({POSTGRES_ENV} unset; run under scripts/with-postgres)"
            );
            None
        }
    }
}

pub async fn postgres() -> Option<Held> {
    let admin = Location::parse(&postgres_url()?).unwrap();
    let name = format!("ts_{}", uuid::Uuid::new_v4().simple());
    let location = touchstone_store::create_postgres_database(&admin, &name)
        .await
        .unwrap();
    let store = Store::open(&location).await.unwrap();
    Some(Held { store, _dir: None })
}

/// Run an async test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident => $body:ident;)*) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let held = $crate::support::sqlite().await;
                    super::$body(&held.store).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(held) = $crate::support::postgres().await {
                        super::$body(&held.store).await;
                    }
                }
            }
        )*
    };
}

pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/smart-plug")
}

/// Every regular file under `dir` (relative path → bytes), hidden entries
/// skipped like the import does.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((abs, rel)) = stack.pop() {
        for e in std::fs::read_dir(&abs).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if e.file_type().unwrap().is_dir() {
                stack.push((e.path(), child));
            } else {
                out.insert(child, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

/// A copy of the example project in a temporary directory.
pub fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, bytes) in tree(&example()) {
        let path = dir.path().join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}
