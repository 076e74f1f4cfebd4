//! Saving evidence records, with optimistic locking.
//!
//! A save names the version of the test case it was based on (what the
//! assessor saw) and, for an edit, the version of the record. Both are
//! checked by conditional updates inside one write transaction: when
//! someone saved the same test case or record in between, the save fails
//! with [`StoreError::Conflict`] naming who and when, and nothing is
//! written; the caller still holds its input.
//!
//! The record is written where the project keeps it: `evidence.toml` is
//! edited in place (`toml_edit`: comments, order and formatting of
//! everything else are kept), the whole project is validated again from the
//! stored texts, and only then are the record row, the file, the verdicts
//! (the engine's, with history) and the audit log updated.

use serde::Serialize;
use serde_json::json;
use sqlx::AnyConnection;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};
use touchstone_project::EVIDENCE_FILE;

use crate::audit::{self, Change};
use crate::import::insert_record;
use crate::review::ensure_user;
use crate::rows::{UserRole, VerdictChange};
use crate::stored::{self, Texts};
use crate::{Conflict, Result, Store, StoreError, blob, clock};

/// A record to save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordInput {
    /// Record id in the project (`EV-008`).
    pub key: String,
    /// Test case.
    pub test_case: String,
    /// Units (empty: the whole test case).
    pub units: Vec<String>,
    /// `PASS`, `FAIL` or `INCONCLUSIVE`.
    pub verdict: String,
    /// Who assessed (as it appears in the report).
    pub assessor: String,
    /// When (`YYYY-MM-DD`).
    pub date: String,
    /// What was done and observed.
    pub notes: String,
    /// `None` for a new record; the version read for an edit.
    pub record_version: Option<i64>,
    /// Files to attach to the record, already stored as blobs
    /// ([`Store::put_file`]).
    pub attachments: Vec<NewAttachment>,
}

/// A file attached to a record by a save: the blob is stored first, then the
/// save adds it to the project under `evidence/` and cites it from the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewAttachment {
    /// Path inside the project (`evidence/photo.png`): normalised, no `..`,
    /// not absolute; a path already holding other bytes is refused.
    pub path: String,
    /// SHA-256 of the stored blob.
    pub sha256: String,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedRecord {
    /// The record's new version.
    pub record_version: i64,
    /// The test case's new version.
    pub test_case_version: i64,
    /// Verdicts the engine set or changed.
    pub changes: Vec<VerdictChange>,
}

/// Set the `[[record]]` with id `input.key` in `text` (appended when new).
fn patch_evidence(text: &str, input: &RecordInput) -> Result<String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| {
        StoreError::Corrupt(format!("the stored {EVIDENCE_FILE} does not parse: {e}"))
    })?;
    let date: toml_edit::Datetime = input
        .date
        .parse()
        .ok()
        .filter(|_| touchstone_project::valid_ymd(&input.date))
        .ok_or_else(|| {
            StoreError::Refused(format!(
                "`{}` is not a date (YYYY-MM-DD)",
                touchstone_core::text::display_safe(&input.date)
            ))
        })?;
    let records = doc
        .entry("record")
        .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
    let Some(records) = records.as_array_of_tables_mut() else {
        return Err(StoreError::Refused(format!(
            "{EVIDENCE_FILE} writes its records as an inline array: edit it as [[record]] tables"
        )));
    };
    let existing = records
        .iter_mut()
        .find(|t| t.get("id").and_then(Item::as_str) == Some(input.key.as_str()));
    let table = match existing {
        Some(t) => t,
        None => {
            let mut t = Table::new();
            t.decor_mut().set_prefix("\n");
            t.insert("id", value(input.key.as_str()));
            records.push(t);
            let last = records.len() - 1;
            records
                .get_mut(last)
                .ok_or_else(|| StoreError::Corrupt("appending a record".to_owned()))?
        }
    };
    table.insert("test_case", value(input.test_case.as_str()));
    if input.units.is_empty() {
        table.remove("units");
    } else {
        let mut units = toml_edit::Array::new();
        for u in &input.units {
            units.push(u.as_str());
        }
        table.insert("units", value(units));
    }
    table.insert("verdict", value(input.verdict.as_str()));
    table.insert("assessor", value(input.assessor.as_str()));
    table.insert("date", value(date));
    table.insert("notes", value(input.notes.as_str()));
    if !input.attachments.is_empty() {
        let item = table
            .entry("attachment")
            .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
        let Some(list) = item.as_array_of_tables_mut() else {
            return Err(StoreError::Refused(format!(
                "record {} writes its attachments inline: edit it as [[record.attachment]] tables",
                input.key
            )));
        };
        for a in &input.attachments {
            let cited = list
                .iter()
                .any(|t| t.get("path").and_then(Item::as_str) == Some(a.path.as_str()));
            if !cited {
                let mut t = Table::new();
                t.insert("path", value(a.path.as_str()));
                t.insert("sha256", value(a.sha256.as_str()));
                list.push(t);
            }
        }
    }
    Ok(doc.to_string())
}

type RecordTuple = (String, String, String, String, String, String, String, i64);

async fn record_row(
    conn: &mut AnyConnection,
    assessment_id: &str,
    key: &str,
) -> Result<Option<RecordTuple>> {
    Ok(sqlx::query_as(
        "SELECT test_case, units, verdict, assessor, date, notes, updated_at, version \
         FROM records WHERE assessment_id = $1 AND record_key = $2",
    )
    .bind(assessment_id)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?)
}

fn record_json(t: &RecordTuple) -> serde_json::Value {
    json!({
        "test_case": t.0,
        "units": serde_json::from_str::<serde_json::Value>(&t.1).unwrap_or_default(),
        "verdict": t.2,
        "assessor": t.3,
        "date": t.4,
        "notes": t.5,
        "version": t.7,
    })
}

async fn last_change(
    conn: &mut AnyConnection,
    sql: &'static str,
    a: &str,
    b: &str,
) -> Result<(String, String)> {
    let found: Option<(String, String)> = sqlx::query_as(sql)
        .bind(a)
        .bind(b)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.unwrap_or_default())
}

/// The next `EV-NNN` after every record id of the assessment.
async fn next_record_key(conn: &mut AnyConnection, assessment_id: &str) -> Result<String> {
    let keys: Vec<(String,)> =
        sqlx::query_as("SELECT record_key FROM records WHERE assessment_id = $1")
            .bind(assessment_id)
            .fetch_all(&mut *conn)
            .await?;
    let next = keys
        .iter()
        .filter_map(|(k,)| k.strip_prefix("EV-").and_then(|n| n.parse::<u32>().ok()))
        .max()
        .unwrap_or(0)
        + 1;
    Ok(format!("EV-{next:03}"))
}

impl Store {
    /// Save an evidence record (new or edited; a new one with an empty key
    /// gets the next free `EV-NNN`) of a test case whose version
    /// the caller read as `test_case_version`, as user `actor`.
    pub async fn save_record(
        &self,
        assessment_id: &str,
        input: &RecordInput,
        test_case_version: i64,
        actor: &str,
    ) -> Result<SavedRecord> {
        let mut tx = self.begin_write().await?;
        let user_id = ensure_user(&mut tx, actor, UserRole::Assessor).await?;
        let state: Option<(String, i64)> = sqlx::query_as(self.assessment_for_write())
            .bind(assessment_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((state, assessment_version)) = state else {
            return Err(StoreError::NotFound(format!(
                "no assessment `{assessment_id}`"
            )));
        };
        if state == "frozen" {
            return Err(StoreError::Frozen(assessment_id.to_owned()));
        }
        let now = clock::now();
        // The test case's lock: one conditional update.
        let locked = sqlx::query(
            "UPDATE verdicts SET version = version + 1, updated_by = $1, updated_at = $2 \
             WHERE assessment_id = $3 AND test_case = $4 AND version = $5",
        )
        .bind(&user_id)
        .bind(&now)
        .bind(assessment_id)
        .bind(&input.test_case)
        .bind(test_case_version)
        .execute(&mut *tx)
        .await?;
        if locked.rows_affected() != 1 {
            let current: Option<(i64,)> = sqlx::query_as(
                "SELECT version FROM verdicts WHERE assessment_id = $1 AND test_case = $2",
            )
            .bind(assessment_id)
            .bind(&input.test_case)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((current,)) = current else {
                return Err(StoreError::NotFound(format!(
                    "test case `{}` is not in the plan of this assessment",
                    touchstone_core::text::display_safe(&input.test_case)
                )));
            };
            let (by, at) = last_change(
                &mut tx,
                "SELECT u.login, v.updated_at FROM verdicts v JOIN users u ON u.id = v.updated_by \
                 WHERE v.assessment_id = $1 AND v.test_case = $2",
                assessment_id,
                &input.test_case,
            )
            .await?;
            return Err(StoreError::Conflict(Conflict {
                what: format!("test case {}", input.test_case),
                expected: test_case_version,
                current,
                by,
                at,
            }));
        }
        let new_case_version = test_case_version + 1;
        // A new record without an id gets the next free `EV-NNN` here,
        // inside the write transaction, so two assessors adding records to
        // different test cases never claim the same id.
        let mut input = input.clone();
        if input.key.is_empty() {
            input.key = next_record_key(&mut tx, assessment_id).await?;
        }
        // The record's own lock.
        let before = record_row(&mut tx, assessment_id, &input.key).await?;
        match (&before, input.record_version) {
            (Some(row), expected) if expected != Some(row.7) => {
                let (by, at) = last_change(
                    &mut tx,
                    "SELECT u.login, r.updated_at FROM records r JOIN users u ON u.id = r.updated_by \
                     WHERE r.assessment_id = $1 AND r.record_key = $2",
                    assessment_id,
                    &input.key,
                )
                .await?;
                return Err(StoreError::Conflict(Conflict {
                    what: format!("record {}", input.key),
                    expected: expected.unwrap_or(0),
                    current: row.7,
                    by,
                    at,
                }));
            }
            (Some(row), _) if row.0 != input.test_case => {
                return Err(StoreError::Refused(format!(
                    "record {} is about test case {}: a record does not move to another test case",
                    input.key, row.0
                )));
            }
            (None, Some(_)) => {
                return Err(StoreError::NotFound(format!("no record `{}`", input.key)));
            }
            _ => {}
        }
        // The file, edited and validated with the rest of the project.
        let files = stored::files_of(&mut tx, assessment_id).await?;
        let texts = stored::texts_of(&mut tx, &files).await?;
        let mut by_path: std::collections::BTreeMap<String, String> = files
            .iter()
            .map(|(p, _, s)| (p.clone(), s.clone()))
            .collect();
        for a in &mut input.attachments {
            let path = stored::normalize(&a.path)
                .filter(|p| !p.split('/').any(|c| c.starts_with('.')))
                .ok_or_else(|| {
                    StoreError::Refused(format!(
                        "`{}` cannot be an attachment's path",
                        touchstone_core::text::display_safe(&a.path)
                    ))
                })?;
            if blob::existing(&mut tx, &a.sha256).await?.is_none() {
                return Err(StoreError::NotFound(format!("no stored blob {}", a.sha256)));
            }
            match by_path.get(&path) {
                Some(sha) if *sha == a.sha256 => {}
                Some(_) => {
                    return Err(StoreError::Refused(format!(
                        "`{}` already holds another file: rename the upload",
                        touchstone_core::text::display_safe(&path)
                    )));
                }
                None => {
                    sqlx::query(
                        "INSERT INTO project_files (assessment_id, path, role, sha256) VALUES ($1, $2, 'attachment', $3)",
                    )
                    .bind(assessment_id)
                    .bind(&path)
                    .bind(&a.sha256)
                    .execute(&mut *tx)
                    .await?;
                    by_path.insert(path.clone(), a.sha256.clone());
                }
            }
            a.path = path;
        }
        let input = &input;
        let patched = patch_evidence(texts.evidence.as_deref().unwrap_or(""), input)?;
        let (project, _) = stored::parse(
            &Texts {
                evidence: Some(patched.clone()),
                ..texts
            },
            &by_path,
        )?;
        let stored_blob = blob::put_bytes(&mut tx, patched.as_bytes()).await?;
        if files.iter().any(|(_, role, _)| role == "evidence") {
            sqlx::query(
                "UPDATE project_files SET sha256 = $1 WHERE assessment_id = $2 AND role = 'evidence'",
            )
            .bind(&stored_blob.sha256)
            .bind(assessment_id)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO project_files (assessment_id, path, role, sha256) VALUES ($1, $2, 'evidence', $3)",
            )
            .bind(assessment_id)
            .bind(EVIDENCE_FILE)
            .bind(&stored_blob.sha256)
            .execute(&mut *tx)
            .await?;
        }
        // The row, as the project now reads it.
        let record = project
            .records
            .iter()
            .find(|r| r.id == input.key)
            .ok_or_else(|| StoreError::Corrupt(format!("record {} vanished", input.key)))?;
        let record_version = match &before {
            None => {
                insert_record(&mut tx, assessment_id, record, &user_id, &now).await?;
                1
            }
            Some(row) => {
                let done = sqlx::query(
                    "UPDATE records SET units = $1, verdict = $2, assessor = $3, date = $4, notes = $5, \
                     version = version + 1, updated_by = $6, updated_at = $7 \
                     WHERE assessment_id = $8 AND record_key = $9 AND version = $10",
                )
                .bind(serde_json::to_string(&record.units).unwrap_or_default())
                .bind(record.verdict.as_str())
                .bind(&record.assessor)
                .bind(&record.date)
                .bind(&record.notes)
                .bind(&user_id)
                .bind(&now)
                .bind(assessment_id)
                .bind(&input.key)
                .bind(row.7)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Corrupt(format!(
                        "record {} changed under the lock",
                        input.key
                    )));
                }
                row.7 + 1
            }
        };
        if !input.attachments.is_empty() {
            crate::import::write_attachments(&mut tx, assessment_id, &project).await?;
        }
        let after = record_row(&mut tx, assessment_id, &input.key).await?;
        // Verdicts, summary, audit.
        let findings = stored::findings_of(&mut tx, assessment_id).await?;
        let assessment = stored::evaluate(&project, &findings)?;
        let cause = format!("record {} saved", input.key);
        let changes = stored::write_verdicts(
            &mut tx,
            assessment_id,
            &assessment,
            &user_id,
            &cause,
            Some((&input.test_case, new_case_version)),
        )
        .await?;
        sqlx::query(
            "UPDATE assessments SET summary = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
        )
        .bind(stored::summary(&assessment).to_string())
        .bind(&now)
        .bind(assessment_id)
        .bind(assessment_version)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            Change {
                actor,
                action: if before.is_some() {
                    "record.update"
                } else {
                    "record.create"
                },
                entity: "record",
                entity_id: &input.key,
                assessment_id: Some(assessment_id),
                before: before.as_ref().map(record_json),
                after: after.as_ref().map(record_json),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(SavedRecord {
            record_version,
            test_case_version: new_case_version,
            changes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(key: &str, verdict: &str) -> RecordInput {
        RecordInput {
            key: key.to_owned(),
            test_case: "5.1-4-1".to_owned(),
            units: vec![],
            verdict: verdict.to_owned(),
            assessor: "R. Okafor".to_owned(),
            date: "2026-12-02".to_owned(),
            notes: "Final manual, section 4.2.".to_owned(),
            record_version: None,
            attachments: Vec::new(),
        }
    }

    const TEXT: &str = "# Records.\n\n[[record]]\nid = \"EV-007\" # the draft\ntest_case = \"5.1-4-1\"\nunits = [\"a\"]\nverdict = \"INCONCLUSIVE\"\nassessor = \"R. Okafor\"\ndate = 2026-11-22\nnotes = \"draft\"\n\n# Dispositions.\n[[disposition]]\nid = \"D\"\n";

    #[test]
    fn an_edit_keeps_everything_else() {
        let out = patch_evidence(TEXT, &input("EV-007", "PASS")).expect("patch");
        assert_eq!(
            out,
            "# Records.\n\n[[record]]\nid = \"EV-007\" # the draft\ntest_case = \"5.1-4-1\"\nverdict = \"PASS\"\nassessor = \"R. Okafor\"\ndate = 2026-12-02\nnotes = \"Final manual, section 4.2.\"\n\n# Dispositions.\n[[disposition]]\nid = \"D\"\n"
        );
    }

    #[test]
    fn a_new_record_is_appended() {
        let out = patch_evidence(TEXT, &input("EV-008", "FAIL")).expect("patch");
        assert!(out.starts_with(TEXT.split("\n# Dispositions").next().unwrap_or("")));
        assert!(
            out.contains("\n[[record]]\nid = \"EV-008\"\ntest_case = \"5.1-4-1\"\nverdict = \"FAIL\"\nassessor = \"R. Okafor\"\ndate = 2026-12-02\nnotes = \"Final manual, section 4.2.\"\n"),
            "{out}"
        );
        let empty = patch_evidence("", &input("EV-1", "PASS")).expect("patch");
        assert!(empty.contains("[[record]]\nid = \"EV-1\""), "{empty}");
    }

    #[test]
    fn bad_dates_and_inline_arrays_are_refused() {
        let mut bad = input("EV-1", "PASS");
        bad.date = "2026-02-30".to_owned();
        assert!(patch_evidence("", &bad).is_err());
        assert!(patch_evidence("record = [{id = \"x\"}]\n", &input("EV-1", "PASS")).is_err());
    }
}
