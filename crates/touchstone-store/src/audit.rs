//! The append-only audit log: who did what, when, with the state before and
//! after (JSON). Entries are written in the same transaction as the change
//! they describe; the database refuses to update or delete them (triggers on
//! both backends).

use serde::Serialize;
use sqlx::AnyConnection;

use crate::{Result, Store, clock};

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the log (grows with every entry).
    pub seq: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who (user login).
    pub actor: String,
    /// What (`assessment.import`, `record.update`, `signoff.approver`, ...).
    pub action: String,
    /// The kind of thing changed (`assessment`, `record`, ...).
    pub entity: String,
    /// Its id.
    pub entity_id: String,
    /// The assessment it belongs to.
    pub assessment_id: Option<String>,
    /// State before (JSON), none for a creation.
    pub before: Option<String>,
    /// State after (JSON), none for a removal.
    pub after: Option<String>,
}

/// What to log.
pub(crate) struct Change<'a> {
    pub(crate) actor: &'a str,
    pub(crate) action: &'a str,
    pub(crate) entity: &'a str,
    pub(crate) entity_id: &'a str,
    pub(crate) assessment_id: Option<&'a str>,
    pub(crate) before: Option<serde_json::Value>,
    pub(crate) after: Option<serde_json::Value>,
}

pub(crate) async fn append(conn: &mut AnyConnection, change: Change<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, assessment_id, before, after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(clock::now())
    .bind(change.actor)
    .bind(change.action)
    .bind(change.entity)
    .bind(change.entity_id)
    .bind(change.assessment_id)
    .bind(change.before.map(|v| v.to_string()))
    .bind(change.after.map(|v| v.to_string()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

type AuditTuple = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn entry(t: AuditTuple) -> AuditEntry {
    AuditEntry {
        seq: t.0,
        at: t.1,
        actor: t.2,
        action: t.3,
        entity: t.4,
        entity_id: t.5,
        assessment_id: t.6,
        before: t.7,
        after: t.8,
    }
}

impl Store {
    /// The audit entries of one assessment, oldest first.
    pub async fn audit_of(&self, assessment_id: &str) -> Result<Vec<AuditEntry>> {
        let rows: Vec<AuditTuple> = sqlx::query_as(
            "SELECT seq, at, actor, action, entity, entity_id, assessment_id, before, after \
             FROM audit_log WHERE assessment_id = $1 ORDER BY seq",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(entry).collect())
    }

    /// The whole audit log, oldest first, at most `limit` entries after `after_seq`.
    pub async fn audit_log(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows: Vec<AuditTuple> = sqlx::query_as(
            "SELECT seq, at, actor, action, entity, entity_id, assessment_id, before, after \
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(entry).collect())
    }
}
