//! Accounts of the workbench: a password hash per user (an argon2 PHC
//! string made by the web layer; the store never sees a password), and the
//! stored project evaluated for pages and reports.

use serde_json::json;

use crate::audit::{self, Change};
use crate::review::ensure_user;
use crate::rows::UserRole;
use crate::{Result, Store, StoreError, clock, stored};

/// A stored assessment as the engine sees it now.
#[derive(Debug)]
pub struct Evaluated {
    /// The project parsed from the stored texts.
    pub project: touchstone_project::Project,
    /// Its warnings.
    pub diagnostics: Vec<touchstone_project::Diagnostic>,
    /// The engine's result on the project and the stored findings.
    pub assessment: touchstone_engine::Assessment,
}

impl Store {
    /// How many users have a password.
    pub async fn account_count(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM credentials")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Create the user `login` with `role` when missing and set its password
    /// hash, as `actor` (logged, without the hash).
    pub async fn set_password_hash(
        &self,
        login: &str,
        role: UserRole,
        hash: &str,
        actor: &str,
    ) -> Result<()> {
        if login.is_empty()
            || login.len() > 64
            || !login
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(StoreError::Refused(
                "a login is 1 to 64 letters, digits, `.`, `-` or `_`".to_owned(),
            ));
        }
        let mut tx = self.begin_write().await?;
        let id = ensure_user(&mut tx, login, role).await?;
        let now = clock::now();
        let updated = sqlx::query(
            "UPDATE credentials SET password_hash = $1, updated_at = $2 WHERE user_id = $3",
        )
        .bind(hash)
        .bind(&now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO credentials (user_id, password_hash, updated_at) VALUES ($1, $2, $3)",
            )
            .bind(&id)
            .bind(hash)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        audit::append(
            &mut tx,
            Change {
                actor,
                action: "user.password",
                entity: "user",
                entity_id: &id,
                assessment_id: None,
                before: None,
                after: Some(json!({"login": login})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The role and password hash of `login`, if it has an account.
    pub async fn account(&self, login: &str) -> Result<Option<(UserRole, String)>> {
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT u.role, c.password_hash FROM users u JOIN credentials c ON c.user_id = u.id \
             WHERE u.login = $1",
        )
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.and_then(|(role, hash)| UserRole::parse(&role).map(|r| (r, hash))))
    }

    /// Every user with an account: (login, role).
    pub async fn accounts(&self) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT u.login, u.role FROM users u JOIN credentials c ON c.user_id = u.id ORDER BY u.login",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The stored project of an assessment evaluated by the engine now.
    pub async fn evaluate(&self, assessment_id: &str) -> Result<Evaluated> {
        let mut conn = self.pool.acquire().await?;
        let files = stored::files_of(&mut conn, assessment_id).await?;
        if files.is_empty() {
            return Err(StoreError::NotFound(format!(
                "no assessment `{assessment_id}`"
            )));
        }
        let texts = stored::texts_of(&mut conn, &files).await?;
        let by_path = files
            .iter()
            .map(|(p, _, s)| (p.clone(), s.clone()))
            .collect();
        let (project, diagnostics) = stored::parse(&texts, &by_path)?;
        let findings = stored::findings_of(&mut conn, assessment_id).await?;
        let assessment = stored::evaluate(&project, &findings)?;
        Ok(Evaluated {
            project,
            diagnostics,
            assessment,
        })
    }

    /// The sign-offs of an assessment: (login, role, version, at), oldest first.
    pub async fn signoffs(
        &self,
        assessment_id: &str,
    ) -> Result<Vec<(String, String, i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT u.login, s.role, s.assessment_version, s.created_at FROM signoffs s \
             JOIN users u ON u.id = s.user_id WHERE s.assessment_id = $1 ORDER BY s.created_at",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
