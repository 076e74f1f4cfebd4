//! Users, reviews and sign-offs. An approver's sign-off freezes the
//! assessment; reopening it is logged like every other change.

use serde_json::json;
use sqlx::AnyConnection;

use crate::audit::{self, Change};
use crate::rows::UserRole;
use crate::{Result, Store, StoreError, clock};

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewDecision {
    /// Approved.
    Approved,
    /// Changes requested.
    ChangesRequested,
}

impl ReviewDecision {
    fn as_str(self) -> &'static str {
        match self {
            ReviewDecision::Approved => "approved",
            ReviewDecision::ChangesRequested => "changes-requested",
        }
    }
}

/// The capacity in which a user signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignoffRole {
    /// Technical reviewer.
    Reviewer,
    /// Approver: the assessment is frozen once they sign.
    Approver,
}

impl SignoffRole {
    fn as_str(self) -> &'static str {
        match self {
            SignoffRole::Reviewer => "reviewer",
            SignoffRole::Approver => "approver",
        }
    }
}

/// The id of the user `login`, created with `role` when missing.
pub(crate) async fn ensure_user(
    conn: &mut AnyConnection,
    login: &str,
    role: UserRole,
) -> Result<String> {
    let login = login.trim();
    if login.is_empty() || login.len() > 128 || login.chars().any(char::is_control) {
        return Err(StoreError::Refused(format!(
            "`{}` is not a user name",
            touchstone_core::text::display_safe(login)
        )));
    }
    let found: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE login = $1")
        .bind(login)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some((id,)) = found {
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO users (id, login, display_name, role, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(login)
    .bind(login)
    .bind(role.as_str())
    .bind(clock::now())
    .execute(&mut *conn)
    .await?;
    audit::append(
        conn,
        Change {
            actor: login,
            action: "user.create",
            entity: "user",
            entity_id: &id,
            assessment_id: None,
            before: None,
            after: Some(json!({"login": login, "role": role.as_str()})),
        },
    )
    .await?;
    Ok(id)
}

async fn role_of(conn: &mut AnyConnection, login: &str) -> Result<(String, UserRole)> {
    let found: Option<(String, String)> =
        sqlx::query_as("SELECT id, role FROM users WHERE login = $1")
            .bind(login)
            .fetch_optional(&mut *conn)
            .await?;
    let (id, role) = found.ok_or_else(|| StoreError::NotFound(format!("no user `{login}`")))?;
    let role = UserRole::parse(&role)
        .ok_or_else(|| StoreError::Corrupt(format!("user `{login}` has the role `{role}`")))?;
    Ok((id, role))
}

async fn state_of(conn: &mut AnyConnection, assessment_id: &str) -> Result<(String, i64)> {
    sqlx::query_as("SELECT state, version FROM assessments WHERE id = $1")
        .bind(assessment_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no assessment `{assessment_id}`")))
}

impl Store {
    /// Create a user (or return the existing one's id).
    pub async fn ensure_user(&self, login: &str, role: UserRole) -> Result<String> {
        let mut tx = self.begin_write().await?;
        let id = ensure_user(&mut tx, login, role).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Record a review of the assessment as it is at `version`.
    pub async fn review(
        &self,
        assessment_id: &str,
        reviewer: &str,
        decision: ReviewDecision,
        comment: &str,
        version: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let (user_id, role) = role_of(&mut tx, reviewer).await?;
        if role == UserRole::Assessor {
            return Err(StoreError::Refused(format!(
                "`{reviewer}` is an assessor: reviews need the reviewer or admin role"
            )));
        }
        let (_, current) = state_of(&mut tx, assessment_id).await?;
        if current != version {
            return Err(conflict(&mut tx, assessment_id, version, current).await?);
        }
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO reviews (id, assessment_id, reviewer_id, decision, comment, assessment_version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(assessment_id)
        .bind(&user_id)
        .bind(decision.as_str())
        .bind(comment)
        .bind(version)
        .bind(clock::now())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            Change {
                actor: reviewer,
                action: "review.create",
                entity: "review",
                entity_id: &id,
                assessment_id: Some(assessment_id),
                before: None,
                after: Some(
                    json!({"decision": decision.as_str(), "comment": comment, "version": version}),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sign the assessment as it is at `version`. The assessor who created
    /// it cannot sign; an approver's signature freezes it.
    pub async fn sign_off(
        &self,
        assessment_id: &str,
        login: &str,
        as_role: SignoffRole,
        version: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let (user_id, role) = role_of(&mut tx, login).await?;
        if role == UserRole::Assessor {
            return Err(StoreError::Refused(format!(
                "`{login}` is an assessor: sign-off needs the reviewer or admin role"
            )));
        }
        let (creator,): (String,) =
            sqlx::query_as("SELECT created_by FROM assessments WHERE id = $1")
                .bind(assessment_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("no assessment `{assessment_id}`")))?;
        if creator == user_id {
            return Err(StoreError::Refused(
                "a second person signs off: the assessment's creator cannot".to_owned(),
            ));
        }
        let (state, current) = state_of(&mut tx, assessment_id).await?;
        if state == "frozen" {
            return Err(StoreError::Frozen(assessment_id.to_owned()));
        }
        if current != version {
            return Err(conflict(&mut tx, assessment_id, version, current).await?);
        }
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO signoffs (id, assessment_id, user_id, role, assessment_version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(assessment_id)
        .bind(&user_id)
        .bind(as_role.as_str())
        .bind(version)
        .bind(clock::now())
        .execute(&mut *tx)
        .await?;
        if as_role == SignoffRole::Approver {
            sqlx::query("UPDATE assessments SET state = 'frozen', updated_at = $1 WHERE id = $2")
                .bind(clock::now())
                .bind(assessment_id)
                .execute(&mut *tx)
                .await?;
        }
        audit::append(
            &mut tx,
            Change {
                actor: login,
                action: if as_role == SignoffRole::Approver {
                    "signoff.approver"
                } else {
                    "signoff.reviewer"
                },
                entity: "assessment",
                entity_id: assessment_id,
                assessment_id: Some(assessment_id),
                before: Some(json!({"state": state})),
                after: Some(json!({
                    "state": if as_role == SignoffRole::Approver { "frozen" } else { "open" },
                    "version": version,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reopen a frozen assessment (logged with the reason).
    pub async fn reopen(&self, assessment_id: &str, login: &str, reason: &str) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(StoreError::Refused("reopening needs a reason".to_owned()));
        }
        let mut tx = self.begin_write().await?;
        let (_, role) = role_of(&mut tx, login).await?;
        if role == UserRole::Assessor {
            return Err(StoreError::Refused(format!(
                "`{login}` is an assessor: reopening needs the reviewer or admin role"
            )));
        }
        let (state, version) = state_of(&mut tx, assessment_id).await?;
        if state != "frozen" {
            return Err(StoreError::Refused(format!(
                "assessment {assessment_id} is not frozen"
            )));
        }
        sqlx::query(
            "UPDATE assessments SET state = 'open', version = version + 1, updated_at = $1 WHERE id = $2",
        )
        .bind(clock::now())
        .bind(assessment_id)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            Change {
                actor: login,
                action: "assessment.reopen",
                entity: "assessment",
                entity_id: assessment_id,
                assessment_id: Some(assessment_id),
                before: Some(json!({"state": "frozen", "version": version})),
                after: Some(json!({"state": "open", "version": version + 1, "reason": reason})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

pub(crate) async fn conflict(
    conn: &mut AnyConnection,
    assessment_id: &str,
    expected: i64,
    current: i64,
) -> Result<StoreError> {
    let last: Option<(String, String)> = sqlx::query_as(
        "SELECT actor, at FROM audit_log WHERE assessment_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(assessment_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (by, at) = last.unwrap_or_default();
    Ok(StoreError::Conflict(crate::Conflict {
        what: format!("assessment {assessment_id}"),
        expected,
        current,
        by,
        at,
    }))
}
