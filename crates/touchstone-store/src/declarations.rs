//! Saving the ICS or the IXIT as a whole text (the workbench's editors):
//! validated with the rest of the project before anything is written, the
//! ICS and IXIT rows and every verdict derived again in the same
//! transaction, the assessment's version as the optimistic lock.

use serde_json::json;
use touchstone_project::{ICS_FILE, IXIT_FILE};

use crate::audit::{self, Change};
use crate::review::{conflict, ensure_user};
use crate::rows::UserRole;
use crate::stored::{self, Texts};
use crate::{Result, Store, StoreError, blob, clock};

/// Which declaration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declaration {
    /// `ics.toml`.
    Ics,
    /// `ixit.toml`.
    Ixit,
}

impl Declaration {
    /// The file's role in `project_files`.
    pub fn role(self) -> &'static str {
        match self {
            Declaration::Ics => "ics",
            Declaration::Ixit => "ixit",
        }
    }

    /// The file's name in a project.
    pub fn file(self) -> &'static str {
        match self {
            Declaration::Ics => ICS_FILE,
            Declaration::Ixit => IXIT_FILE,
        }
    }
}

impl Store {
    /// The stored text of a declaration file (empty when the project has none).
    pub async fn declaration_text(
        &self,
        assessment_id: &str,
        which: Declaration,
    ) -> Result<String> {
        let mut conn = self.pool.acquire().await?;
        let files = stored::files_of(&mut conn, assessment_id).await?;
        let texts = stored::texts_of(&mut conn, &files).await?;
        Ok(match which {
            Declaration::Ics => texts.ics,
            Declaration::Ixit => texts.ixit,
        }
        .unwrap_or_default())
    }

    /// Replace a declaration file by `text`, based on the assessment at
    /// `version`. An invalid project is refused with its diagnostics
    /// ([`StoreError::InvalidProject`]); a change since `version` is a
    /// [`StoreError::Conflict`]. Returns the assessment's new version.
    pub async fn save_declaration(
        &self,
        assessment_id: &str,
        which: Declaration,
        text: &str,
        version: i64,
        actor: &str,
    ) -> Result<i64> {
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
        let texts = stored::texts_of(&mut tx, &files).await?;
        let before = match which {
            Declaration::Ics => texts.ics.clone(),
            Declaration::Ixit => texts.ixit.clone(),
        };
        let changed = match which {
            Declaration::Ics => Texts {
                ics: Some(text.to_owned()),
                ..texts
            },
            Declaration::Ixit => Texts {
                ixit: Some(text.to_owned()),
                ..texts
            },
        };
        let by_path = files
            .iter()
            .map(|(p, _, s)| (p.clone(), s.clone()))
            .collect();
        let (project, _) = stored::parse(&changed, &by_path)?;
        let stored_blob = blob::put_bytes(&mut tx, text.as_bytes()).await?;
        if files.iter().any(|(_, role, _)| role == which.role()) {
            sqlx::query(
                "UPDATE project_files SET sha256 = $1 WHERE assessment_id = $2 AND role = $3",
            )
            .bind(&stored_blob.sha256)
            .bind(assessment_id)
            .bind(which.role())
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO project_files (assessment_id, path, role, sha256) VALUES ($1, $2, $3, $4)",
            )
            .bind(assessment_id)
            .bind(which.file())
            .bind(which.role())
            .bind(&stored_blob.sha256)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM ics_answers WHERE assessment_id = $1")
            .bind(assessment_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM ixit_entries WHERE assessment_id = $1")
            .bind(assessment_id)
            .execute(&mut *tx)
            .await?;
        crate::import::write_declarations(&mut tx, assessment_id, &project).await?;
        crate::import::write_attachments(&mut tx, assessment_id, &project).await?;
        let findings = stored::findings_of(&mut tx, assessment_id).await?;
        let assessment = stored::evaluate(&project, &findings)?;
        let cause = format!("{} saved", which.file());
        stored::write_verdicts(&mut tx, assessment_id, &assessment, &user_id, &cause, None).await?;
        let now = clock::now();
        let done = sqlx::query(
            "UPDATE assessments SET summary = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
        )
        .bind(stored::summary(&assessment).to_string())
        .bind(&now)
        .bind(assessment_id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Corrupt(
                "the assessment changed under the write lock".to_owned(),
            ));
        }
        audit::append(
            &mut tx,
            Change {
                actor,
                action: match which {
                    Declaration::Ics => "ics.update",
                    Declaration::Ixit => "ixit.update",
                },
                entity: "assessment",
                entity_id: assessment_id,
                assessment_id: Some(assessment_id),
                before: Some(json!({"version": version, "text": before})),
                after: Some(json!({"version": version + 1, "sha256": stored_blob.sha256})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(version + 1)
    }
}
