//! The store on SQLite and on PostgreSQL: import and lossless export of the
//! example, content addressing, optimistic locking, verdict history, the
//! append-only audit log, sign-off and hostile inputs.

#![allow(clippy::unwrap_used, unreachable_pub)]

mod support;

use touchstone_store::{
    Declaration, NewAttachment, RecordInput, ReviewDecision, SignoffRole, Store, StoreError,
    UserRole,
};

use support::{example, example_copy, tree};

on_both! {
    round_trip_is_byte_identical => round_trip;
    content_is_stored_once => stored_once;
    second_save_of_a_test_case_conflicts => conflicting_saves;
    concurrent_saves_one_wins => concurrent_saves;
    new_records_on_different_cases_get_distinct_ids => distinct_new_ids;
    saved_record_reaches_the_export_and_the_history => saved_record_exported;
    audit_log_refuses_update_and_delete => audit_append_only;
    invalid_project_stores_nothing => invalid_project;
    sign_off_freezes => sign_off;
    hostile_paths_are_refused => hostile_paths;
    files_over_one_chunk_round_trip => large_files;
    accounts_keep_only_the_hash => accounts;
    a_declaration_save_is_validated_locked_and_exported => declarations;
    an_attachment_saved_with_a_record_is_exported => record_attachment;
}

async fn round_trip(store: &Store) {
    let imported = store.import_project(&example(), "r.okafor").await.unwrap();
    assert_eq!(imported.name, "smart-plug");
    assert_eq!(imported.records, 7);
    assert!(imported.findings > 0);
    assert!(imported.test_cases > 90, "{}", imported.test_cases);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("exported");
    let exported = store.export_project(&imported.id, &target).await.unwrap();
    let original = tree(&example());
    assert_eq!(exported.files, original.len());
    assert_eq!(
        tree(&target),
        original,
        "the export differs from the example"
    );
    // No staging directory is left behind.
    let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert_eq!(left.len(), 1);

    let list = store.list_assessments().await.unwrap();
    assert_eq!(list.len(), 1);
    let row = &list[0];
    assert_eq!(row.id, imported.id);
    assert_eq!(
        (
            row.maker.as_str(),
            row.model.as_str(),
            row.firmware_version.as_str(),
            row.edition.as_str()
        ),
        (
            "Lumio Home Ltd (fictional)",
            "Lumio SP-20 Smart Plug",
            "2.4.1",
            "2.1.1"
        )
    );
    assert_eq!(row.state, "open");
    assert!(!row.overall.is_empty());
    assert!(row.coverage.is_some());

    let records = store.records(&imported.id).await.unwrap();
    assert_eq!(records.len(), 7);
    let ev7 = records.iter().find(|r| r.key == "EV-007").unwrap();
    assert_eq!(
        (ev7.test_case.as_str(), ev7.verdict.as_str(), ev7.version),
        ("5.1-4-1", "INCONCLUSIVE", 1)
    );
    let verdicts = store.verdicts(&imported.id).await.unwrap();
    assert_eq!(verdicts.len(), imported.test_cases);
    let pass = store.verdict(&imported.id, "5.2-1-1").await.unwrap();
    assert_eq!(
        (
            pass.verdict.as_str(),
            pass.version,
            pass.updated_by.as_str()
        ),
        ("pass", 1, "r.okafor")
    );

    // The roles of the files.
    let files = store.files(&imported.id).await.unwrap();
    let role = |p: &str| files.iter().find(|f| f.0 == p).map(|f| f.1.clone());
    assert_eq!(role("touchstone.toml").as_deref(), Some("project"));
    assert_eq!(role("evidence.toml").as_deref(), Some("evidence"));
    assert_eq!(role("findings/lab-scan.json").as_deref(), Some("findings"));
    assert_eq!(
        role("evidence/label-photo-notes.txt").as_deref(),
        Some("attachment")
    );
    assert_eq!(
        role("signoff/touchstone-lab.toml").as_deref(),
        Some("other")
    );

    // A unique prefix resolves; the audit log has the import.
    assert_eq!(store.resolve(&imported.id[..8]).await.unwrap(), imported.id);
    let audit = store.audit_of(&imported.id).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].actor.as_str(), audit[0].action.as_str()),
        ("r.okafor", "assessment.import")
    );
    assert!(audit[0].before.is_none());
    assert!(audit[0].after.as_deref().unwrap().contains("lab-scan.json"));
}

async fn stored_once(store: &Store) {
    let first = store.import_project(&example(), "a").await.unwrap();
    let (blobs, bytes) = store.blob_totals().await.unwrap();
    assert_eq!(first.new_blobs as u64, blobs);
    assert_eq!(first.bytes, bytes);
    // The example cites one attachment from two records: stored once.
    assert_eq!(blobs as usize, first.files);
    let second = store.import_project(&example(), "b").await.unwrap();
    assert_ne!(first.id, second.id);
    assert_eq!(second.new_blobs, 0);
    assert_eq!(store.blob_totals().await.unwrap(), (blobs, bytes));
    // A copy with one changed file adds exactly one blob.
    let copy = example_copy();
    std::fs::write(copy.path().join("signoff/notes.txt"), "one more file\n").unwrap();
    let third = store.import_project(copy.path(), "c").await.unwrap();
    assert_eq!(third.new_blobs, 1);
    assert_eq!(store.blob_totals().await.unwrap().0, blobs + 1);
    assert_eq!(store.list_assessments().await.unwrap().len(), 3);
}

fn record(key: &str, verdict: &str, notes: &str, version: Option<i64>) -> RecordInput {
    RecordInput {
        key: key.to_owned(),
        test_case: "5.1-4-1".to_owned(),
        units: vec![],
        verdict: verdict.to_owned(),
        assessor: "R. Okafor".to_owned(),
        date: "2026-12-02".to_owned(),
        notes: notes.to_owned(),
        record_version: version,
        attachments: vec![],
    }
}

async fn conflicting_saves(store: &Store) {
    let id = store.import_project(&example(), "lead").await.unwrap().id;
    // Both assessors open test case 5.1-4-1 and see the same version.
    let seen = store.verdict(&id, "5.1-4-1").await.unwrap().version;
    let first = store
        .save_record(
            &id,
            &record("EV-007", "PASS", "Final manual checked.", Some(1)),
            seen,
            "r.okafor",
        )
        .await
        .unwrap();
    assert_eq!(
        (first.record_version, first.test_case_version),
        (2, seen + 1)
    );
    let second = store
        .save_record(
            &id,
            &record("EV-009", "FAIL", "Manual lacks the section.", None),
            seen,
            "m.lindqvist",
        )
        .await;
    let Err(StoreError::Conflict(c)) = second else {
        panic!("expected a conflict, got {second:?}");
    };
    assert_eq!(
        (c.expected, c.current, c.by.as_str()),
        (seen, seen + 1, "r.okafor")
    );
    assert!(c.what.contains("5.1-4-1"));
    // Nothing of the second save was written, the first is intact.
    let records = store.records(&id).await.unwrap();
    assert!(records.iter().all(|r| r.key != "EV-009"));
    let ev7 = records.iter().find(|r| r.key == "EV-007").unwrap();
    assert_eq!(
        (ev7.verdict.as_str(), ev7.notes.as_str(), ev7.version),
        ("PASS", "Final manual checked.", 2)
    );
    // Editing a record from a stale version conflicts on the record too.
    let now = store.verdict(&id, "5.1-4-1").await.unwrap().version;
    let stale = store
        .save_record(
            &id,
            &record("EV-007", "FAIL", "stale", Some(1)),
            now,
            "m.lindqvist",
        )
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict(ref c)) if c.what == "record EV-007" && c.current == 2),
        "{stale:?}"
    );
    // After reloading, the second assessor's save goes through.
    let retried = store
        .save_record(
            &id,
            &record("EV-009", "FAIL", "Manual lacks the section.", None),
            now,
            "m.lindqvist",
        )
        .await
        .unwrap();
    assert_eq!(retried.record_version, 1);
    assert_eq!(store.records(&id).await.unwrap().len(), 8);
}

async fn concurrent_saves(store: &Store) {
    let id = store.import_project(&example(), "lead").await.unwrap().id;
    let seen = store.verdict(&id, "5.1-4-1").await.unwrap().version;
    let (a, b) = (store.clone(), store.clone());
    let (ida, idb) = (id.clone(), id.clone());
    let ta = tokio::spawn(async move {
        a.save_record(
            &ida,
            &record("EV-100", "PASS", "from A", None),
            seen,
            "alice",
        )
        .await
    });
    let tb = tokio::spawn(async move {
        b.save_record(&idb, &record("EV-101", "FAIL", "from B", None), seen, "bob")
            .await
    });
    let results = [ta.await.unwrap(), tb.await.unwrap()];
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Conflict(_))))
        .count();
    assert_eq!((ok, conflicts), (1, 1), "{results:?}");
    let keys: Vec<String> = store
        .records(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(keys.iter().filter(|k| k.starts_with("EV-10")).count(), 1);
    assert_eq!(
        store.verdict(&id, "5.1-4-1").await.unwrap().version,
        seen + 1
    );
}

/// Two assessors adding a record each to different test cases at the same
/// time: both are saved, with distinct ids given by the store.
async fn distinct_new_ids(store: &Store) {
    let id = store.import_project(&example(), "lead").await.unwrap().id;
    let mut tasks = Vec::new();
    for (case, who) in [("5.1-4-1", "alice"), ("5.2-1-1", "bob")] {
        let (s, id) = (store.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let seen = s.verdict(&id, case).await.unwrap().version;
            let mut r = record("", "PASS", who, None);
            r.test_case = case.to_owned();
            s.save_record(&id, &r, seen, who).await
        }));
    }
    let mut keys = Vec::new();
    for t in tasks {
        let saved = t.await.unwrap();
        assert!(saved.is_ok(), "{saved:?}");
    }
    for r in store.records(&id).await.unwrap() {
        if r.notes == "alice" || r.notes == "bob" {
            keys.push(r.key);
        }
    }
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys.iter().all(|k| k.starts_with("EV-")), "{keys:?}");
}

async fn saved_record_exported(store: &Store) {
    let id = store.import_project(&example(), "lead").await.unwrap().id;
    let before = store.verdict(&id, "5.1-4-1").await.unwrap();
    assert_eq!(before.verdict, "inconclusive");
    let saved = store
        .save_record(
            &id,
            &record("EV-007", "PASS", "Final print version checked.", Some(1)),
            before.version,
            "r.okafor",
        )
        .await
        .unwrap();
    assert!(
        saved
            .changes
            .iter()
            .any(|c| c.test_case == "5.1-4-1" && c.to == "pass"),
        "{:?}",
        saved.changes
    );
    let history = store.verdict_history(&id, "5.1-4-1").await.unwrap();
    assert_eq!(history.len(), 2);
    let h: Vec<_> = history
        .iter()
        .map(|h| {
            (
                h.version,
                h.verdict.as_str(),
                h.cause.as_str(),
                h.changed_by.as_str(),
            )
        })
        .collect();
    assert_eq!(
        h,
        [
            (1, "inconclusive", "import", "lead"),
            (2, "pass", "record EV-007 saved", "r.okafor")
        ]
    );
    let audit = store.audit_of(&id).await.unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.action, "record.update");
    assert!(last.before.as_deref().unwrap().contains("INCONCLUSIVE"));
    assert!(
        last.after
            .as_deref()
            .unwrap()
            .contains("Final print version checked.")
    );
    // The export carries the edit and keeps the rest of evidence.toml.
    let out = tempfile::tempdir().unwrap();
    store.export_project(&id, out.path()).await.unwrap();
    let original = std::fs::read_to_string(example().join("evidence.toml")).unwrap();
    let edited = std::fs::read_to_string(out.path().join("evidence.toml")).unwrap();
    assert_eq!(
        edited,
        original
            .replace(
                "verdict = \"INCONCLUSIVE\"\nassessor = \"R. Okafor\"\ndate = 2026-11-22\nnotes = \"Manual section 4.2 describes the change; the supplied manual is a draft, the final print version is still to come.\"",
                "verdict = \"PASS\"\nassessor = \"R. Okafor\"\ndate = 2026-12-02\nnotes = \"Final print version checked.\""
            )
    );
    let mut other = tree(out.path());
    let mut orig = tree(&example());
    other.remove("evidence.toml");
    orig.remove("evidence.toml");
    assert_eq!(other, orig);
    // The exported project loads and shows the new record.
    let catalog = touchstone_catalog::Catalog::embedded().unwrap();
    let (project, _) = touchstone_project::load(out.path(), catalog);
    let project = project.expect("the export is a valid project");
    assert_eq!(
        project
            .records
            .iter()
            .find(|r| r.id == "EV-007")
            .unwrap()
            .verdict
            .as_str(),
        "PASS"
    );
}

async fn audit_append_only(store: &Store) {
    let id = store.import_project(&example(), "lead").await.unwrap().id;
    let before = store.audit_log(0, 100).await.unwrap();
    assert!(before.len() >= 2, "user creation and import");
    let update = sqlx::query("UPDATE audit_log SET actor = $1")
        .bind("mallory")
        .execute(store.pool())
        .await;
    assert!(update.is_err(), "an UPDATE of the audit log went through");
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM audit_log WHERE assessment_id = $1")
        .bind(&id)
        .execute(store.pool())
        .await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    let history = sqlx::query("DELETE FROM verdict_history WHERE assessment_id = $1")
        .bind(&id)
        .execute(store.pool())
        .await;
    assert!(history.unwrap_err().to_string().contains("append-only"));
    if store.backend() == touchstone_store::Backend::Postgres {
        let truncate = sqlx::query("TRUNCATE audit_log")
            .execute(store.pool())
            .await;
        assert!(truncate.unwrap_err().to_string().contains("append-only"));
    }
    assert_eq!(store.audit_log(0, 100).await.unwrap(), before);
}

async fn invalid_project(store: &Store) {
    let copy = example_copy();
    std::fs::write(
        copy.path().join("evidence/label-photo-notes.txt"),
        "changed after its hash was recorded\n",
    )
    .unwrap();
    let err = store.import_project(copy.path(), "lead").await.unwrap_err();
    let StoreError::InvalidProject(diags) = err else {
        panic!("expected an invalid project, got {err:?}");
    };
    assert!(
        diags
            .iter()
            .any(|d| d.is_error() && d.message.contains("label-photo-notes")),
        "{diags:?}"
    );
    assert!(store.list_assessments().await.unwrap().is_empty());
    assert_eq!(store.blob_totals().await.unwrap(), (0, 0));
    let missing = store
        .import_project(&copy.path().join("evidence"), "lead")
        .await;
    assert!(
        matches!(missing, Err(StoreError::Io(ref m)) if m.contains("touchstone.toml")),
        "{missing:?}"
    );
}

async fn sign_off(store: &Store) {
    let id = store
        .import_project(&example(), "r.okafor")
        .await
        .unwrap()
        .id;
    store
        .ensure_user("a.brennan", UserRole::Reviewer)
        .await
        .unwrap();
    let version = store.list_assessments().await.unwrap()[0].version;
    // The assessor cannot review or sign; the creator cannot sign.
    assert!(matches!(
        store
            .review(&id, "r.okafor", ReviewDecision::Approved, "", version)
            .await,
        Err(StoreError::Refused(_))
    ));
    store
        .review(
            &id,
            "a.brennan",
            ReviewDecision::Approved,
            "Checked against the plan.",
            version,
        )
        .await
        .unwrap();
    // A stale version conflicts.
    assert!(matches!(
        store
            .sign_off(&id, "a.brennan", SignoffRole::Approver, version - 1)
            .await,
        Err(StoreError::Conflict(_))
    ));
    store
        .sign_off(&id, "a.brennan", SignoffRole::Approver, version)
        .await
        .unwrap();
    assert_eq!(store.list_assessments().await.unwrap()[0].state, "frozen");
    let seen = store.verdict(&id, "5.1-4-1").await.unwrap().version;
    let frozen = store
        .save_record(
            &id,
            &record("EV-007", "PASS", "late", Some(1)),
            seen,
            "r.okafor",
        )
        .await;
    assert!(matches!(frozen, Err(StoreError::Frozen(_))), "{frozen:?}");
    assert!(matches!(
        store.reopen(&id, "a.brennan", " ").await,
        Err(StoreError::Refused(_))
    ));
    store
        .reopen(&id, "a.brennan", "Typo in EV-007")
        .await
        .unwrap();
    store
        .save_record(
            &id,
            &record("EV-007", "PASS", "late", Some(1)),
            seen,
            "r.okafor",
        )
        .await
        .unwrap();
    let actions: Vec<String> = store
        .audit_of(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "assessment.import",
            "review.create",
            "signoff.approver",
            "assessment.reopen",
            "record.update"
        ]
    );
}

async fn hostile_paths(store: &Store) {
    // A link out of the project is refused, and nothing is stored.
    let copy = example_copy();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), "secret").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), copy.path().join("notes.txt"))
        .unwrap();
    let err = store.import_project(copy.path(), "lead").await.unwrap_err();
    assert!(err.to_string().contains("outside"), "{err}");
    assert_eq!(store.blob_totals().await.unwrap(), (0, 0));
    // A FIFO is refused without blocking.
    let copy = example_copy();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        copy.path().join("pipe"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    let err = store.import_project(copy.path(), "lead").await.unwrap_err();
    assert!(
        err.to_string().contains("FIFO") || err.to_string().contains("not a regular"),
        "{err}"
    );
    // A stored path that climbs out is refused at export, nothing written.
    let id = store.import_project(&example(), "lead").await.unwrap().id;
    let sha: (String,) =
        sqlx::query_as("SELECT sha256 FROM project_files WHERE assessment_id = $1 AND path = $2")
            .bind(&id)
            .bind("touchstone.toml")
            .fetch_one(store.pool())
            .await
            .unwrap();
    sqlx::query("INSERT INTO project_files (assessment_id, path, role, sha256) VALUES ($1, $2, 'other', $3)")
        .bind(&id)
        .bind("../escaped.toml")
        .bind(&sha.0)
        .execute(store.pool())
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let err = store
        .export_project(&id, &out.path().join("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(!out.path().join("escaped.toml").exists());
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "a staging directory was left"
    );
    // A non-empty target is refused.
    std::fs::write(out.path().join("file"), "x").unwrap();
    assert!(matches!(
        store.export_project(&id, out.path()).await,
        Err(StoreError::Refused(_))
    ));
}

async fn large_files(store: &Store) {
    // 2.5 chunks of bytes that differ everywhere, kept beside the project.
    let copy = example_copy();
    let size = touchstone_store::blob::CHUNK * 5 / 2 + 7;
    let bytes: Vec<u8> = (0..size).map(|i| (i * 7 + i / 251) as u8).collect();
    std::fs::write(copy.path().join("capture.pcap"), &bytes).unwrap();
    let id = store.import_project(copy.path(), "lead").await.unwrap().id;
    let chunks: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM blob_chunks WHERE sha256 = $1")
        .bind(sha256_hex(&bytes))
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(chunks.0, 3);
    let out = tempfile::tempdir().unwrap();
    store
        .export_project(&id, &out.path().join("p"))
        .await
        .unwrap();
    assert_eq!(tree(&out.path().join("p")), tree(copy.path()));
    // A blob whose chunks were altered is refused on the way out.
    sqlx::query("UPDATE blob_chunks SET data = $1 WHERE sha256 = $2 AND seq = 1")
        .bind(vec![0u8; 16])
        .bind(sha256_hex(&bytes))
        .execute(store.pool())
        .await
        .unwrap();
    let err = store
        .export_project(&id, &out.path().join("q"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(!out.path().join("q").exists());
    // Uploads are size-limited.
    let big = copy.path().join("capture.pcap");
    let err = store.put_file(&big, 1 << 20).await.unwrap_err();
    assert!(err.to_string().contains("limit"), "{err}");
    let small = store
        .put_file(&copy.path().join("ics.toml"), 1 << 20)
        .await
        .unwrap();
    assert!(!small.new, "ics.toml was stored by the import");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

async fn accounts(store: &Store) {
    assert_eq!(store.account_count().await.unwrap(), 0);
    store
        .set_password_hash("ana", UserRole::Reviewer, "$argon2id$v=19$fake", "admin")
        .await
        .unwrap();
    store
        .set_password_hash("ana", UserRole::Reviewer, "$argon2id$v=19$second", "ana")
        .await
        .unwrap();
    assert_eq!(store.account_count().await.unwrap(), 1);
    let (role, hash) = store.account("ana").await.unwrap().unwrap();
    assert_eq!(role, UserRole::Reviewer);
    assert_eq!(hash, "$argon2id$v=19$second");
    assert!(store.account("nobody").await.unwrap().is_none());
    for bad in ["", "a b", "../x", "é", &"x".repeat(65)] {
        assert!(matches!(
            store
                .set_password_hash(bad, UserRole::Admin, "h", "admin")
                .await,
            Err(StoreError::Refused(_))
        ));
    }
    // The audit log names the change, never the hash.
    let log = store.audit_log(0, 100).await.unwrap();
    assert!(log.iter().any(|e| e.action == "user.password"));
    assert!(
        log.iter()
            .all(|e| !e.after.as_deref().unwrap_or("").contains("argon2"))
    );
}

async fn declarations(store: &Store) {
    let id = store.import_project(&example(), "lead").await.unwrap().id;
    let version = store.list_assessments().await.unwrap()[0].version;
    let ics = store.declaration_text(&id, Declaration::Ics).await.unwrap();
    // Invalid: refused with diagnostics, nothing changes.
    let broken = ics.replacen("support = \"Y\"", "support = \"MAYBE\"", 1);
    match store
        .save_declaration(&id, Declaration::Ics, &broken, version, "lead")
        .await
    {
        Err(StoreError::InvalidProject(d)) => assert!(d.iter().any(|d| d.file == "ics.toml")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.declaration_text(&id, Declaration::Ics).await.unwrap(),
        ics
    );
    // Valid: saved, the rows follow, the version grows.
    let edited = ics.replacen(
        "Every recommendation answered N or N/A below carries its justification.",
        "Edited through the store.",
        1,
    );
    let new_version = store
        .save_declaration(&id, Declaration::Ics, &edited, version, "lead")
        .await
        .unwrap();
    assert_eq!(new_version, version + 1);
    let (detail,): (String,) = sqlx::query_as(
        "SELECT detail FROM ics_answers WHERE assessment_id = $1 AND provision = $2",
    )
    .bind(&id)
    .bind("4-1")
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(detail, "Edited through the store.");
    // Stale version: a conflict.
    assert!(matches!(
        store
            .save_declaration(&id, Declaration::Ics, &ics, version, "lead")
            .await,
        Err(StoreError::Conflict(_))
    ));
    // The export carries the new text.
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("p");
    store.export_project(&id, &target).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(target.join("ics.toml")).unwrap(),
        edited
    );
}

async fn record_attachment(store: &Store) {
    let id = store.import_project(&example(), "lead").await.unwrap().id;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("upload");
    std::fs::write(&file, b"photo bytes").unwrap();
    let blob = store.put_file(&file, 1 << 20).await.unwrap();
    let version = store.verdict(&id, "5.1-4-1").await.unwrap().version;
    // A path leaving the project is refused.
    let mut input = record("EV-100", "PASS", "with a photo", None);
    input.attachments = vec![NewAttachment {
        path: "../outside.png".to_owned(),
        sha256: blob.sha256.clone(),
    }];
    assert!(matches!(
        store.save_record(&id, &input, version, "lead").await,
        Err(StoreError::Refused(_))
    ));
    input.attachments[0].path = "evidence/photo.png".to_owned();
    store
        .save_record(&id, &input, version, "lead")
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("p");
    store.export_project(&id, &target).await.unwrap();
    assert_eq!(
        std::fs::read(target.join("evidence/photo.png")).unwrap(),
        b"photo bytes"
    );
    let evidence = std::fs::read_to_string(target.join("evidence.toml")).unwrap();
    assert!(evidence.contains("path = \"evidence/photo.png\""));
    assert!(evidence.contains(&blob.sha256));
}
