//! The two migration directories describe one schema: the same files, the
//! same statements apart from the documented differences of dialect, and,
//! once migrated, the same tables, columns, types, nullability and indexes.

#![allow(clippy::unwrap_used, unreachable_pub)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use touchstone_store::{Location, Store};

fn dir(backend: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
}

fn names(backend: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir(backend))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// The statements before the triggers, without comments.
fn tables(text: &str, end: &str) -> String {
    let body = text.split(end).next().unwrap();
    body.lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn both_backends_have_the_same_migrations_and_tables() {
    let sqlite = names("sqlite");
    assert_eq!(sqlite, names("postgres"));
    assert!(!sqlite.is_empty());
    for name in &sqlite {
        let lite = std::fs::read_to_string(dir("sqlite").join(name)).unwrap();
        let pg = std::fs::read_to_string(dir("postgres").join(name)).unwrap();
        // The only differences of dialect allowed before the triggers.
        let translated = tables(&lite, "CREATE TRIGGER")
            .replace(" BLOB ", " BYTEA ")
            .replace(
                "INTEGER PRIMARY KEY AUTOINCREMENT",
                "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            );
        let end = if pg.contains("CREATE FUNCTION") {
            "CREATE FUNCTION"
        } else {
            "CREATE TRIGGER"
        };
        assert_eq!(translated, tables(&pg, end), "{name}: the tables differ");
        // Both make the same tables append-only (where they are created).
        if !lite.contains("CREATE TABLE audit_log") {
            continue;
        }
        for table in ["audit_log", "verdict_history"] {
            assert!(
                lite.contains(&format!("BEFORE UPDATE ON {table}")),
                "{name}: {table}"
            );
            assert!(
                lite.contains(&format!("BEFORE DELETE ON {table}")),
                "{name}: {table}"
            );
            assert!(
                pg.contains(&format!("BEFORE UPDATE OR DELETE ON {table}")),
                "{name}: {table}"
            );
            assert!(
                pg.contains(&format!("BEFORE TRUNCATE ON {table}")),
                "{name}: {table}"
            );
        }
    }
}

type Columns = BTreeSet<(String, String, String, bool)>;

fn normal_type(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "bigint".to_owned(),
        "blob" | "bytea" => "bytes".to_owned(),
        other => other.to_owned(),
    }
}

async fn sqlite_catalogue(store: &Store) -> (Columns, BTreeSet<String>) {
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut columns = Columns::new();
    for (table,) in tables {
        let rows: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(store.pool())
                .await
                .unwrap();
        for (name, ty, notnull, pk) in rows {
            columns.insert((
                table.clone(),
                name,
                normal_type(&ty),
                notnull == 0 && pk == 0,
            ));
        }
    }
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    (columns, indexes.into_iter().map(|r| r.0).collect())
}

async fn postgres_catalogue(store: &Store) -> (Columns, BTreeSet<String>) {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), CAST(data_type AS TEXT), CAST(is_nullable AS TEXT) \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let columns = rows
        .into_iter()
        .map(|(t, c, ty, null)| (t, c, normal_type(&ty), null == "YES"))
        .collect();
    let indexes: Vec<(String,)> = sqlx::query_as(
        "SELECT CAST(indexname AS TEXT) FROM pg_indexes WHERE schemaname = current_schema() \
         AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    (columns, indexes.into_iter().map(|r| r.0).collect())
}

#[tokio::test]
async fn migrated_schemas_agree_and_sqlite_uses_wal() {
    let held = support::sqlite().await;
    let (lite_columns, lite_indexes) = sqlite_catalogue(&held).await;
    assert!(lite_columns.len() > 100, "{}", lite_columns.len());
    assert_eq!(
        lite_indexes,
        [
            "audit_by_assessment",
            "findings_by_fingerprint",
            "records_by_test_case"
        ]
        .map(String::from)
        .into()
    );
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(held.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
        .fetch_one(held.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
    // Opening again migrates nothing and keeps the data.
    let migrations = held.migrations().await.unwrap();
    assert_eq!(migrations, vec![1, 2]);
    let Some(pg) = support::postgres().await else {
        return;
    };
    assert_eq!(pg.migrations().await.unwrap(), migrations);
    let (pg_columns, pg_indexes) = postgres_catalogue(&pg).await;
    let only_lite: Vec<_> = lite_columns.difference(&pg_columns).collect();
    let only_pg: Vec<_> = pg_columns.difference(&lite_columns).collect();
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "SQLite only: {only_lite:?}\nPostgreSQL only: {only_pg:?}"
    );
    assert_eq!(lite_indexes, pg_indexes);
}

#[tokio::test]
async fn a_store_reopens_without_migrating_again() {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::Sqlite(dir.path().join("s.db"));
    let store = Store::open(&location).await.unwrap();
    let id = store
        .import_project(&support::example(), "lead")
        .await
        .unwrap()
        .id;
    store.close().await;
    let again = Store::open(&location).await.unwrap();
    assert_eq!(again.migrations().await.unwrap(), vec![1, 2]);
    assert_eq!(again.list_assessments().await.unwrap()[0].id, id);
}
