//! Adding a findings file (`touchstone.findings/v1`) to a stored
//! assessment: the file becomes `findings/NAME` of the project, listed in
//! `touchstone.toml`'s `findings`, a new run with its findings, and the
//! verdicts are evaluated again, all in one transaction and only when the
//! project stays valid. The assessment's version is the lock.

use std::path::Path;

use serde_json::json;
use toml_edit::{Array, DocumentMut, value};
use touchstone_project::PROJECT_FILE;
use touchstone_project::safe_fs::InputKind;

use crate::audit::{self, Change};
use crate::review::{conflict, ensure_user};
use crate::rows::UserRole;
use crate::stored::{self, Texts};
use crate::{Result, Store, StoreError, blob, clock};

/// What adding a findings file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedFindings {
    /// The file's path in the project.
    pub path: String,
    /// How many findings it holds.
    pub findings: usize,
    /// The assessment's new version.
    pub version: i64,
}

impl Store {
    /// Add the findings file at `file` (read through `safe_fs`, bounded by
    /// the findings-file limit) as `findings/NAME` of the assessment that
    /// the caller read at `version`.
    pub async fn add_findings(
        &self,
        assessment_id: &str,
        file: &Path,
        name: &str,
        version: i64,
        actor: &str,
    ) -> Result<AddedFindings> {
        let rel = stored::normalize(&format!("findings/{name}"))
            .filter(|p| p.split('/').count() == 2 && !name.starts_with('.'))
            .ok_or_else(|| {
                StoreError::Refused(format!(
                    "`{}` cannot be a findings file's name",
                    touchstone_core::text::display_safe(name)
                ))
            })?;
        let mut tx = self.begin_write().await?;
        let user_id = ensure_user(&mut tx, actor, UserRole::Assessor).await?;
        let state: Option<(String, i64)> = sqlx::query_as(self.assessment_for_write())
            .bind(assessment_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((state, current)) = state else {
            return Err(StoreError::NotFound(format!(
                "no assessment `{assessment_id}`"
            )));
        };
        if state == "frozen" {
            return Err(StoreError::Frozen(assessment_id.to_owned()));
        }
        if current != version {
            return Err(conflict(&mut tx, assessment_id, version, current).await?);
        }
        let files = stored::files_of(&mut tx, assessment_id).await?;
        if files.iter().any(|(p, _, _)| *p == rel) {
            return Err(StoreError::Refused(format!(
                "the project already has `{rel}`: rename the file"
            )));
        }
        let stored_file =
            blob::put_file(&mut tx, file, None, InputKind::Findings.default_limit()).await?;
        let texts = stored::texts_of(&mut tx, &files).await?;
        let mut doc: DocumentMut = texts.project.parse().map_err(|e| {
            StoreError::Corrupt(format!("the stored {PROJECT_FILE} does not parse: {e}"))
        })?;
        let list = doc.entry("findings").or_insert_with(|| value(Array::new()));
        let Some(list) = list.as_array_mut() else {
            return Err(StoreError::Refused(format!(
                "`findings` in {PROJECT_FILE} is not an array"
            )));
        };
        list.push(rel.as_str());
        let project_text = doc.to_string();
        let mut by_path: std::collections::BTreeMap<String, String> = files
            .iter()
            .map(|(p, _, s)| (p.clone(), s.clone()))
            .collect();
        by_path.insert(rel.clone(), stored_file.sha256.clone());
        let (project, _) = stored::parse(
            &Texts {
                project: project_text.clone(),
                ..texts
            },
            &by_path,
        )?;
        let project_blob = blob::put_bytes(&mut tx, project_text.as_bytes()).await?;
        sqlx::query(
            "UPDATE project_files SET sha256 = $1 WHERE assessment_id = $2 AND role = 'project'",
        )
        .bind(&project_blob.sha256)
        .bind(assessment_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO project_files (assessment_id, path, role, sha256) VALUES ($1, $2, 'findings', $3)",
        )
        .bind(assessment_id)
        .bind(&rel)
        .bind(&stored_file.sha256)
        .execute(&mut *tx)
        .await?;
        let (runs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM runs WHERE assessment_id = $1")
            .bind(assessment_id)
            .fetch_one(&mut *tx)
            .await?;
        let now = clock::now();
        let count = crate::import::insert_run(
            &mut tx,
            assessment_id,
            usize::try_from(runs).unwrap_or(0),
            &rel,
            &stored_file.sha256,
            &user_id,
            &now,
        )
        .await?;
        let findings = stored::findings_of(&mut tx, assessment_id).await?;
        let assessment = stored::evaluate(&project, &findings)?;
        let cause = format!("{rel} added");
        stored::write_verdicts(&mut tx, assessment_id, &assessment, &user_id, &cause, None).await?;
        sqlx::query(
            "UPDATE assessments SET summary = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
        )
        .bind(stored::summary(&assessment).to_string())
        .bind(&now)
        .bind(assessment_id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            Change {
                actor,
                action: "run.findings-import",
                entity: "assessment",
                entity_id: assessment_id,
                assessment_id: Some(assessment_id),
                before: Some(json!({"version": version})),
                after: Some(json!({
                    "version": version + 1,
                    "path": rel,
                    "sha256": stored_file.sha256,
                    "findings": count,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(AddedFindings {
            path: rel,
            findings: count,
            version: version + 1,
        })
    }
}
