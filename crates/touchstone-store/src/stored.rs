//! The stored project as the engine sees it: texts parsed from the stored
//! bytes, findings from the stored runs, verdicts written back with their
//! history.

use std::collections::BTreeMap;

use serde_json::json;
use sqlx::AnyConnection;
use touchstone_catalog::Catalog;
use touchstone_engine::{Assessment, Inputs, SourcedFinding, assess};
use touchstone_project::safe_fs::InputKind;
use touchstone_project::{Diagnostic, Project, Sources};

use crate::rows::VerdictChange;
use crate::{Result, StoreError, blob, clock};

/// The embedded catalogue.
pub(crate) fn catalog() -> Result<&'static Catalog> {
    Catalog::embedded().map_err(|e| StoreError::Corrupt(format!("embedded catalogue: {e}")))
}

/// A relative path inside a project, normalised: `/`-separated, no empty,
/// `.` or `..` component. `None` for anything that could leave the project.
pub(crate) fn normalize(rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.contains('\0') || rel.contains('\\') {
        return None;
    }
    let mut parts = Vec::new();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The four project texts of a project, by role.
#[derive(Debug, Default)]
pub(crate) struct Texts {
    pub(crate) project: String,
    pub(crate) ics: Option<String>,
    pub(crate) ixit: Option<String>,
    pub(crate) evidence: Option<String>,
}

/// Parse and validate texts, attachments hashed from `files` (normalised
/// path → SHA-256 of the stored bytes).
pub(crate) fn parse(
    texts: &Texts,
    files: &BTreeMap<String, String>,
) -> Result<(Project, Vec<Diagnostic>)> {
    let catalog = catalog()?;
    let sources = Sources {
        project: &texts.project,
        ics: texts.ics.as_deref(),
        ixit: texts.ixit.as_deref(),
        evidence: texts.evidence.as_deref(),
    };
    let mut hasher = |rel: &str| -> Result<String, String> {
        normalize(rel)
            .and_then(|p| files.get(&p).cloned())
            .ok_or_else(|| {
                format!(
                    "`{rel}` is not a file of the project (files in hidden directories are not imported)"
                )
            })
    };
    let (project, diags) = touchstone_project::parse(&sources, catalog, &mut hasher);
    match project {
        Some(p) if !diags.iter().any(Diagnostic::is_error) => Ok((p, diags)),
        _ => Err(StoreError::InvalidProject(diags)),
    }
}

/// A project text read back from a blob (UTF-8, at most the project-file limit).
pub(crate) async fn text_of(conn: &mut AnyConnection, sha256: &str, path: &str) -> Result<String> {
    let limit = InputKind::ProjectFile.default_limit();
    let bytes = blob::read_all(conn, sha256, limit).await?;
    String::from_utf8(bytes).map_err(|_| StoreError::Io(format!("`{path}` is not UTF-8 text")))
}

/// The stored files of an assessment: (path, role, sha256), by path.
pub(crate) async fn files_of(
    conn: &mut AnyConnection,
    assessment_id: &str,
) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT path, role, sha256 FROM project_files WHERE assessment_id = $1 ORDER BY path",
    )
    .bind(assessment_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The stored texts of an assessment.
pub(crate) async fn texts_of(
    conn: &mut AnyConnection,
    files: &[(String, String, String)],
) -> Result<Texts> {
    let mut texts = Texts::default();
    let mut found_project = false;
    for (path, role, sha) in files {
        let slot = match role.as_str() {
            "project" => {
                found_project = true;
                texts.project = text_of(conn, sha, path).await?;
                continue;
            }
            "ics" => &mut texts.ics,
            "ixit" => &mut texts.ixit,
            "evidence" => &mut texts.evidence,
            _ => continue,
        };
        *slot = Some(text_of(conn, sha, path).await?);
    }
    if !found_project {
        return Err(StoreError::Corrupt(
            "the assessment has no touchstone.toml".to_owned(),
        ));
    }
    Ok(texts)
}

/// The findings of an assessment's runs, in run and file order, each
/// labelled with its run (the findings file's path for imports).
pub(crate) async fn findings_of(
    conn: &mut AnyConnection,
    assessment_id: &str,
) -> Result<Vec<SourcedFinding>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT r.label, f.body FROM findings f JOIN runs r ON r.id = f.run_id \
         WHERE r.assessment_id = $1 AND r.status = 'done' \
         ORDER BY r.position, f.position",
    )
    .bind(assessment_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(source, body)| {
            let finding = serde_json::from_str(&body)
                .map_err(|e| StoreError::Corrupt(format!("a stored finding: {e}")))?;
            Ok(SourcedFinding { source, finding })
        })
        .collect()
}

/// Run the engine.
pub(crate) fn evaluate(project: &Project, findings: &[SourcedFinding]) -> Result<Assessment> {
    let today = clock::today();
    Ok(assess(Inputs {
        catalog: catalog()?,
        project,
        findings,
        today: Some(&today),
    }))
}

/// The cached summary of an assessment (overall verdict, coverage, counts).
pub(crate) fn summary(a: &Assessment) -> serde_json::Value {
    json!({
        "overall": a.overall.verdict.as_str(),
        "coverage": a.coverage(),
        "cases": a.overall.cases,
        "unsettled": a.unsettled_count(),
    })
}

/// Write the engine's verdict of every test case. A case whose verdict or
/// reason changed gets a new version and a history entry; `bumped` is a case
/// whose version the caller already raised (the optimistic lock of a save):
/// it gets its history entry at that version whether or not it changed.
pub(crate) async fn write_verdicts(
    conn: &mut AnyConnection,
    assessment_id: &str,
    assessment: &Assessment,
    user_id: &str,
    cause: &str,
    bumped: Option<(&str, i64)>,
) -> Result<Vec<VerdictChange>> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT test_case, verdict, reason, version FROM verdicts WHERE assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_all(&mut *conn)
    .await?;
    let current: BTreeMap<String, (String, String, i64)> = rows
        .into_iter()
        .map(|(c, v, r, n)| (c, (v, r, n)))
        .collect();
    let now = clock::now();
    let mut changes = Vec::new();
    for case in assessment.provisions.iter().flat_map(|p| p.cases.iter()) {
        let verdict = case.verdict.as_str();
        let reason = case.reason.as_str();
        let old = current.get(&case.id);
        let version = match (old, bumped) {
            (_, Some((id, v))) if id == case.id => {
                sqlx::query(
                    "UPDATE verdicts SET verdict = $1, reason = $2 \
                     WHERE assessment_id = $3 AND test_case = $4 AND version = $5",
                )
                .bind(verdict)
                .bind(reason)
                .bind(assessment_id)
                .bind(&case.id)
                .bind(v)
                .execute(&mut *conn)
                .await?;
                v
            }
            (None, _) => {
                sqlx::query(
                    "INSERT INTO verdicts (assessment_id, test_case, verdict, reason, version, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, 1, $5, $6)",
                )
                .bind(assessment_id)
                .bind(&case.id)
                .bind(verdict)
                .bind(reason)
                .bind(user_id)
                .bind(&now)
                .execute(&mut *conn)
                .await?;
                1
            }
            (Some((v, r, _)), _) if v == verdict && r == reason => continue,
            (Some((_, _, n)), _) => {
                let done = sqlx::query(
                    "UPDATE verdicts SET verdict = $1, reason = $2, version = version + 1, updated_by = $3, updated_at = $4 \
                     WHERE assessment_id = $5 AND test_case = $6 AND version = $7",
                )
                .bind(verdict)
                .bind(reason)
                .bind(user_id)
                .bind(&now)
                .bind(assessment_id)
                .bind(&case.id)
                .bind(*n)
                .execute(&mut *conn)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Corrupt(format!(
                        "test case {} changed during the evaluation",
                        case.id
                    )));
                }
                n + 1
            }
        };
        sqlx::query(
            "INSERT INTO verdict_history (assessment_id, test_case, version, verdict, reason, cause, changed_by, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(assessment_id)
        .bind(&case.id)
        .bind(version)
        .bind(verdict)
        .bind(reason)
        .bind(cause)
        .bind(user_id)
        .bind(&now)
        .execute(&mut *conn)
        .await?;
        changes.push(VerdictChange {
            test_case: case.id.clone(),
            from: old.map(|o| o.0.clone()),
            to: verdict.to_owned(),
            version,
        });
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn paths_normalise_inside_the_project() {
        assert_eq!(
            normalize("evidence/a.txt").as_deref(),
            Some("evidence/a.txt")
        );
        assert_eq!(
            normalize("./evidence//a.txt").as_deref(),
            Some("evidence/a.txt")
        );
        for bad in ["", ".", "/etc/passwd", "../x", "a/../../x", "a\\b", "a\0b"] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
    }
}
