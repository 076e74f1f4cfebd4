//! What `touchstone diff` and `--baseline` compare: a findings file
//! (`touchstone.findings/v1`) or a JSON report (`touchstone.report/v1`).
//!
//! Parsing is pure: the caller reads the file and passes its text.

use touchstone_core::{Finding, FindingSet, Supports, parse_findings};

use crate::model::{REPORT_SCHEMA, Report};

/// A findings file or a JSON report.
#[derive(Debug, Clone)]
pub enum Snapshot {
    /// A findings file.
    Findings(FindingSet),
    /// A JSON report (boxed: it is large).
    Report(Box<Report>),
}

impl Snapshot {
    /// Parse `text`, telling the two formats apart by their `schema` field.
    /// `name` labels the input in error messages.
    pub fn parse(text: &str, name: &str) -> Result<Snapshot, String> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("{name}:{}:{}: not JSON: {e}", e.line(), e.column()))?;
        let schema = value.get("schema").and_then(|s| s.as_str()).unwrap_or("");
        if schema == REPORT_SCHEMA {
            let report: Report = serde_json::from_value(value).map_err(|e| {
                format!("{name}: not a {REPORT_SCHEMA} report Touchstone can read: {e}")
            })?;
            return Ok(Snapshot::Report(Box::new(report)));
        }
        // `probe --format json` wraps a findings file in the probe's own
        // report (same schema, more fields): read its findings part.
        if schema == touchstone_core::FINDINGS_SCHEMA
            && parse_findings(text, name).is_err()
            && let Some(list) = value.get("findings")
            && let Ok(findings) = serde_json::from_value::<Vec<Finding>>(list.clone())
        {
            let mut set = FindingSet::new(None);
            set.findings = findings;
            return Ok(Snapshot::Findings(set));
        }
        parse_findings(text, name)
            .map(Snapshot::Findings)
            .map_err(|e| format!("{e}\nhint: expected a findings file (touchstone.findings/v1) or a JSON report ({REPORT_SCHEMA})"))
    }

    /// Every finding, as findings (a report's rows converted back).
    pub fn findings(&self) -> Vec<Finding> {
        match self {
            Snapshot::Findings(set) => set.findings.clone(),
            Snapshot::Report(report) => report_findings(report),
        }
    }

    /// The report, when this is one.
    pub fn report(&self) -> Option<&Report> {
        match self {
            Snapshot::Report(r) => Some(r),
            Snapshot::Findings(_) => None,
        }
    }
}

/// A report's finding rows as findings (what they were before the report).
pub fn report_findings(report: &Report) -> Vec<Finding> {
    report
        .findings
        .iter()
        .map(|row| Finding {
            check: row.check.clone(),
            severity: row.severity,
            supports: supports(&row.supports),
            provisions: row.provisions.clone(),
            test_units: row.test_units.clone(),
            location: row.location.clone(),
            message: row.message.clone(),
            evidence: row.evidence.clone(),
        })
        .collect()
}

fn supports(text: &str) -> Supports {
    match text {
        "pass" => Supports::Pass,
        "info" => Supports::Info,
        "error" => Supports::Error,
        _ => Supports::Fail,
    }
}

/// The findings that show a problem: those that support a FAIL.
pub fn problems(findings: &[Finding]) -> impl Iterator<Item = &Finding> {
    findings.iter().filter(|f| f.supports == Supports::Fail)
}

/// Drop the findings whose fingerprint the baseline already has: what is new.
pub fn only_new(findings: Vec<Finding>, baseline: &Snapshot) -> Vec<Finding> {
    let known: std::collections::HashSet<String> = baseline
        .findings()
        .iter()
        .map(Finding::fingerprint)
        .collect();
    findings
        .into_iter()
        .filter(|f| !known.contains(&f.fingerprint()))
        .collect()
}
