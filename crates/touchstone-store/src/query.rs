//! Reading the store: assessments, records, verdicts and their history.

use crate::rows::{AssessmentRow, HistoryEntry, RecordRow, VerdictRow};
use crate::{Result, Store, StoreError};

type ListTuple = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
);

type RecordTuple = (String, String, String, String, String, String, String, i64);

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

impl Store {
    /// The full id of the assessment `id`: an id, or a prefix of at least 4
    /// characters that matches exactly one.
    pub async fn resolve(&self, id: &str) -> Result<String> {
        let exact: Option<(String,)> = sqlx::query_as("SELECT id FROM assessments WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        if let Some((id,)) = exact {
            return Ok(id);
        }
        let not_found = || {
            StoreError::NotFound(format!(
                "no assessment `{}` (`touchstone store list` shows the ids)",
                touchstone_core::text::display_safe(id)
            ))
        };
        // A prefix of a UUID: hex digits and dashes only, so nothing in it
        // is a LIKE wildcard.
        if id.len() < 4 || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(not_found());
        }
        let pattern = format!("{}%", id.to_ascii_lowercase());
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT id FROM assessments WHERE id LIKE $1 ORDER BY id LIMIT 5")
                .bind(pattern)
                .fetch_all(&self.pool)
                .await?;
        match rows.as_slice() {
            [] => Err(not_found()),
            [(one,)] => Ok(one.clone()),
            many => Err(StoreError::Ambiguous(
                id.to_owned(),
                many.iter()
                    .map(|r| r.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
        }
    }

    /// Every assessment, most recently changed first.
    pub async fn list_assessments(&self) -> Result<Vec<AssessmentRow>> {
        let rows: Vec<ListTuple> = sqlx::query_as(
            "SELECT a.id, a.name, p.maker, p.model, f.hardware_version, f.version, a.edition, \
                    a.summary, a.state, a.version, a.updated_at \
             FROM assessments a \
             JOIN firmware_versions f ON f.id = a.firmware_id \
             JOIN products p ON p.id = f.product_id \
             ORDER BY a.updated_at DESC, a.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|t| {
                let summary: serde_json::Value =
                    serde_json::from_str(&t.7).unwrap_or(serde_json::Value::Null);
                AssessmentRow {
                    id: t.0,
                    name: t.1,
                    maker: t.2,
                    model: t.3,
                    hardware_version: t.4,
                    firmware_version: t.5,
                    edition: t.6,
                    overall: summary["overall"].as_str().unwrap_or("").to_owned(),
                    coverage: summary["coverage"].as_f64(),
                    state: t.8,
                    version: t.9,
                    updated_at: t.10,
                }
            })
            .collect())
    }

    /// The evidence records of an assessment, by record id.
    pub async fn records(&self, assessment_id: &str) -> Result<Vec<RecordRow>> {
        let rows: Vec<RecordTuple> = sqlx::query_as(
            "SELECT record_key, test_case, units, verdict, assessor, date, notes, version \
                 FROM records WHERE assessment_id = $1 ORDER BY record_key",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|t| RecordRow {
                key: t.0,
                test_case: t.1,
                units: json_list(&t.2),
                verdict: t.3,
                assessor: t.4,
                date: t.5,
                notes: t.6,
                version: t.7,
            })
            .collect())
    }

    /// The current verdict of every test case of an assessment.
    pub async fn verdicts(&self, assessment_id: &str) -> Result<Vec<VerdictRow>> {
        let rows: Vec<(String, String, String, i64, String, String)> = sqlx::query_as(
            "SELECT v.test_case, v.verdict, v.reason, v.version, u.login, v.updated_at \
             FROM verdicts v JOIN users u ON u.id = v.updated_by \
             WHERE v.assessment_id = $1 ORDER BY v.test_case",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|t| VerdictRow {
                test_case: t.0,
                verdict: t.1,
                reason: t.2,
                version: t.3,
                updated_by: t.4,
                updated_at: t.5,
            })
            .collect())
    }

    /// The current verdict of one test case.
    pub async fn verdict(&self, assessment_id: &str, test_case: &str) -> Result<VerdictRow> {
        self.verdicts(assessment_id)
            .await?
            .into_iter()
            .find(|v| v.test_case == test_case)
            .ok_or_else(|| {
                StoreError::NotFound(format!(
                    "test case `{}` is not in the plan of this assessment",
                    touchstone_core::text::display_safe(test_case)
                ))
            })
    }

    /// Every verdict a test case had, oldest first.
    pub async fn verdict_history(
        &self,
        assessment_id: &str,
        test_case: &str,
    ) -> Result<Vec<HistoryEntry>> {
        let rows: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(
            "SELECT h.version, h.verdict, h.reason, h.cause, u.login, h.changed_at \
             FROM verdict_history h JOIN users u ON u.id = h.changed_by \
             WHERE h.assessment_id = $1 AND h.test_case = $2 ORDER BY h.version",
        )
        .bind(assessment_id)
        .bind(test_case)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|t| HistoryEntry {
                version: t.0,
                verdict: t.1,
                reason: t.2,
                cause: t.3,
                changed_by: t.4,
                changed_at: t.5,
            })
            .collect())
    }

    /// The stored files of an assessment: (path, role, SHA-256).
    pub async fn files(&self, assessment_id: &str) -> Result<Vec<(String, String, String)>> {
        let mut conn = self.pool.acquire().await?;
        crate::stored::files_of(&mut conn, assessment_id).await
    }
}
