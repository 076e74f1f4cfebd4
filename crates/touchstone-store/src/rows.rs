//! What the store hands out.

use serde::Serialize;

/// Roles of users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UserRole {
    /// Records evidence and verdicts.
    Assessor,
    /// Reviews and signs off.
    Reviewer,
    /// Manages users.
    Admin,
}

impl UserRole {
    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Assessor => "assessor",
            UserRole::Reviewer => "reviewer",
            UserRole::Admin => "admin",
        }
    }

    /// Parse a stored name.
    pub fn parse(s: &str) -> Option<UserRole> {
        match s {
            "assessor" => Some(UserRole::Assessor),
            "reviewer" => Some(UserRole::Reviewer),
            "admin" => Some(UserRole::Admin),
            _ => None,
        }
    }
}

/// One assessment in the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssessmentRow {
    /// Id (a UUID).
    pub id: String,
    /// Name (the project directory's name at import).
    pub name: String,
    /// Manufacturer.
    pub maker: String,
    /// Model.
    pub model: String,
    /// Hardware version.
    pub hardware_version: String,
    /// Firmware version.
    pub firmware_version: String,
    /// EN 303 645 edition (`2.1.1`).
    pub edition: String,
    /// Overall verdict (`pass`, `fail`, `needs-manual`, ...).
    pub overall: String,
    /// Test-case coverage in percent, when anything is applicable.
    pub coverage: Option<f64>,
    /// `open` or `frozen`.
    pub state: String,
    /// Version (grows with every change).
    pub version: i64,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

/// A stored evidence record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordRow {
    /// Record id in the project (`EV-001`).
    pub key: String,
    /// Test case.
    pub test_case: String,
    /// Units (empty: the whole case).
    pub units: Vec<String>,
    /// `PASS`, `FAIL` or `INCONCLUSIVE`.
    pub verdict: String,
    /// Assessor as written.
    pub assessor: String,
    /// Date (`YYYY-MM-DD`).
    pub date: String,
    /// Notes.
    pub notes: String,
    /// Version of the record.
    pub version: i64,
}

/// The current verdict of a test case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictRow {
    /// Test case id.
    pub test_case: String,
    /// Verdict (`pass`, `needs-manual`, ...).
    pub verdict: String,
    /// Why.
    pub reason: String,
    /// Version: a save of this test case names it.
    pub version: i64,
    /// Who changed it last (login).
    pub updated_by: String,
    /// When.
    pub updated_at: String,
}

/// A verdict that was set or changed by an evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictChange {
    /// Test case.
    pub test_case: String,
    /// The previous verdict (none when the case is new).
    pub from: Option<String>,
    /// The new one.
    pub to: String,
    /// The version it now has.
    pub version: i64,
}

/// One entry of a test case's verdict history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// The test case's version it belongs to.
    pub version: i64,
    /// The verdict.
    pub verdict: String,
    /// Why.
    pub reason: String,
    /// What caused it (`import`, `record EV-007 saved`).
    pub cause: String,
    /// Who (login).
    pub changed_by: String,
    /// When (RFC 3339).
    pub changed_at: String,
}
