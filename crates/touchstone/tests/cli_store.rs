//! `touchstone store import|export|list` on SQLite and on the PostgreSQL of
//! `TOUCHSTONE_TEST_POSTGRES` (scripts/with-postgres): the example goes in
//! and comes back byte for byte, `assess` on the export gives the same
//! report, and errors exit 2 with nothing stored.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EPOCH: &str = "1795000000";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/smart-plug")
}

fn touchstone(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove("TOUCHSTONE_DB")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((abs, rel)) = stack.pop() {
        for e in std::fs::read_dir(&abs).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
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

/// The JSON report of `assess DIR`, with the directory's name replaced.
fn assess_json(dir: &Path) -> (i32, String) {
    let out = touchstone(&["assess", dir.to_str().unwrap(), "--format", "json"]);
    let text = stdout(&out).replace(dir.to_str().unwrap(), "PROJECT");
    (out.status.code().unwrap_or(-1), text)
}

fn round_trip(db: &str) {
    let work = tempfile::tempdir().unwrap();
    let import = touchstone(&[
        "store",
        "import",
        example().to_str().unwrap(),
        "--db",
        db,
        "--user",
        "r.okafor",
    ]);
    assert_eq!(import.status.code(), Some(0), "{}", stderr(&import));
    let id = stdout(&import).trim().to_owned();
    assert_eq!(
        id.len(),
        36,
        "stdout is the id alone: {:?}",
        stdout(&import)
    );
    assert!(stderr(&import).contains("7 records"), "{}", stderr(&import));

    let list = touchstone(&["store", "list", "--db", db, "--format", "json"]);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&list)).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["model"], "Lumio SP-20 Smart Plug");
    assert_eq!(row["firmware_version"], "2.4.1");
    assert_eq!(row["edition"], "2.1.1");
    let human = touchstone(&["store", "list", "--db", db]);
    assert!(stdout(&human).contains(&id), "{}", stdout(&human));

    let target = work.path().join("exported");
    let export = touchstone(&[
        "store",
        "export",
        &id[..8],
        target.to_str().unwrap(),
        "--db",
        db,
    ]);
    assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
    assert!(stdout(&export).is_empty());
    assert_eq!(
        tree(&target),
        tree(&example()),
        "the export differs from the example"
    );
    // The same report from the export as from the original.
    let (code, original) = assess_json(&example());
    let (code_again, exported) = assess_json(&target);
    assert!(original.contains("\"verdict\""), "{original}");
    assert_eq!((code_again, exported), (code, original));

    // Exporting over a non-empty directory exits 2 and writes nothing.
    let again = touchstone(&["store", "export", &id, target.to_str().unwrap(), "--db", db]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
    assert_eq!(tree(&target), tree(&example()));
}

#[test]
fn round_trip_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("data/store.db").display());
    round_trip(&db);
}

#[test]
fn round_trip_on_postgres() {
    let Ok(admin) = std::env::var("TOUCHSTONE_TEST_POSTGRES") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "TOUCHSTONE_TEST_POSTGRES is not set on CI: run the tests under scripts/with-postgres"
        );
        eprintln!(
            "skipped: no PostgreSQL (TOUCHSTONE_TEST_POSTGRES unset; run under scripts/with-postgres)"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let admin = touchstone_store::Location::parse(&admin).unwrap();
    let name = format!("cli_{}", uuid::Uuid::new_v4().simple());
    let location = runtime
        .block_on(touchstone_store::create_postgres_database(&admin, &name))
        .unwrap();
    let touchstone_store::Location::Postgres(url) = location else {
        panic!("not a PostgreSQL location");
    };
    round_trip(&url);
}

#[test]
fn errors_exit_2_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("store.db").display());
    // An invalid project: the diagnostics, exit 2, nothing stored.
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    for (rel, bytes) in tree(&example()) {
        let p = project.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    std::fs::write(project.join("evidence/label-photo-notes.txt"), "tampered\n").unwrap();
    let out = touchstone(&["store", "import", project.to_str().unwrap(), "--db", &db]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("nothing stored"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("label-photo-notes"),
        "{}",
        stderr(&out)
    );
    let list = touchstone(&["store", "list", "--db", &db, "--format", "json"]);
    assert_eq!(stdout(&list).trim(), "[]");
    // An unknown id, an unknown kind of database.
    let out = touchstone(&[
        "store",
        "export",
        "0000ffff",
        dir.path().join("x").to_str().unwrap(),
        "--db",
        &db,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no assessment"), "{}", stderr(&out));
    assert!(!dir.path().join("x").exists());
    let out = touchstone(&["store", "list", "--db", "mysql://localhost/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("sqlite:PATH or postgres://"),
        "{}",
        stderr(&out)
    );
    // The default store lives in the user's data directory.
    let home = dir.path().join("home");
    let out = Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(["store", "list"])
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env_remove("TOUCHSTONE_DB")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(home.join("data/touchstone/touchstone.db").is_file());
}

#[test]
fn serve_refuses_addresses_other_than_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("s.db").display());
    for addr in ["0.0.0.0:8645", "[::]:8645", "192.0.2.1:80"] {
        let out = touchstone(&["serve", "--db", &db, "--listen", addr]);
        assert_eq!(out.status.code(), Some(2), "{addr}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("loopback only"), "{addr}: {err}");
    }
    // Refused before anything is opened or created.
    assert!(!dir.path().join("s.db").exists());
}
