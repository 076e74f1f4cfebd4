//! CI gates: whether a run should fail a pipeline, and why.
//!
//! Exit codes of the binary (one table, in the README and `--help`):
//! [`EXIT_OK`], [`EXIT_FAILURES`], [`EXIT_USAGE`] (set by the binary for
//! bad input) and [`EXIT_INCOMPLETE`]. A failure gate wins over an
//! incompleteness gate.
//!
//! - `--fail-on SEVERITY`: a finding that supports FAIL at or above the
//!   severity (`firmware scan`, `probe`, `diff`), or a failed provision at or
//!   above it (`assess`; a provision without a severity counts as high).
//! - `--min-coverage PERCENT` (`assess`): test-case coverage (evaluated over
//!   applicable) below the percentage.
//! - `--fail-on-unsettled` (`assess`): an applicable test case without a
//!   normative verdict (not run, needs manual assessment, inconclusive, error).
//! - `--baseline FILE`: only what is new counts; findings by fingerprint, and
//!   for `assess` against a JSON report, provisions that did not fail in it.

use std::collections::HashSet;

use touchstone_core::{Finding, Severity, Verdict};

use crate::model::Report;
use crate::snapshot::{Snapshot, only_new, problems, report_findings};

/// Nothing at or above the gates.
pub const EXIT_OK: u8 = 0;
/// A failure at or above `--fail-on`.
pub const EXIT_FAILURES: u8 = 1;
/// Usage or input error: nothing was assessed.
pub const EXIT_USAGE: u8 = 2;
/// Incomplete: coverage below `--min-coverage`, or unsettled test cases with `--fail-on-unsettled`.
pub const EXIT_INCOMPLETE: u8 = 3;

/// The gates of `assess`.
#[derive(Debug, Clone, Default)]
pub struct ReportGates {
    /// Lowest severity of a failed provision that fails the run; `None`: never.
    pub fail_on: Option<Severity>,
    /// Lowest acceptable test-case coverage, percent.
    pub min_coverage: Option<f64>,
    /// Fail when an applicable test case has no normative verdict.
    pub fail_on_unsettled: bool,
}

/// What the gates found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GateOutcome {
    /// Reasons for [`EXIT_FAILURES`].
    pub failures: Vec<String>,
    /// Reasons for [`EXIT_INCOMPLETE`].
    pub incomplete: Vec<String>,
}

impl GateOutcome {
    /// The exit code: failures win over incompleteness.
    pub fn exit_code(&self) -> u8 {
        if !self.failures.is_empty() {
            EXIT_FAILURES
        } else if !self.incomplete.is_empty() {
            EXIT_INCOMPLETE
        } else {
            EXIT_OK
        }
    }
}

/// Gate a list of findings (`firmware scan`, `probe`, `diff`): every finding
/// that supports FAIL at or above `fail_on` is a reason.
pub fn check_findings(findings: &[Finding], fail_on: Option<Severity>) -> GateOutcome {
    let Some(threshold) = fail_on else {
        return GateOutcome::default();
    };
    GateOutcome {
        failures: problems(findings)
            .filter(|f| f.severity >= threshold)
            .map(|f| format!("{} [{}]: {}", f.check, f.severity, f.message))
            .collect(),
        incomplete: Vec::new(),
    }
}

/// Gate a report (`assess`). With a baseline, only what is new counts: a
/// baseline report excuses provisions that already failed in it; a baseline
/// findings file makes the severity gate look at new failing findings only.
pub fn check_report(
    report: &Report,
    gates: &ReportGates,
    baseline: Option<&Snapshot>,
) -> GateOutcome {
    let mut out = GateOutcome::default();
    if let Some(threshold) = gates.fail_on {
        match baseline {
            Some(base @ Snapshot::Findings(_)) => {
                let now = only_new(report_findings(report), base);
                out.failures = check_findings(&now, Some(threshold)).failures;
            }
            _ => {
                let excused: HashSet<&str> = baseline
                    .and_then(Snapshot::report)
                    .map(|b| {
                        b.provisions
                            .iter()
                            .filter(|p| p.verdict == Verdict::Fail)
                            .map(|p| p.id.as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                out.failures = report
                    .provisions
                    .iter()
                    .filter(|p| p.verdict == Verdict::Fail && !excused.contains(p.id.as_str()))
                    .filter(|p| p.severity.unwrap_or(Severity::High) >= threshold)
                    .map(|p| format!("{} failed [{}]", p.id, p.severity.unwrap_or(Severity::High)))
                    .collect();
            }
        }
    }
    // An unsettled contradiction (a manual PASS against a decisive automated
    // FAIL without a disposition) is an open question, not a pass: it fails
    // any threshold. With a baseline, only a contradiction that a new finding
    // bears on counts (one already there was already open).
    if gates.fail_on.is_some() {
        let new = baseline.map(|base| crate::snapshot::only_new(report_findings(report), base));
        let open: Vec<&str> = report
            .unsettled
            .iter()
            .map(String::as_str)
            .filter(|case| {
                new.as_ref()
                    .is_none_or(|new| new.iter().any(|f| bears_on_case(f, case)))
            })
            .collect();
        if !open.is_empty() {
            out.failures.push(format!(
                "{} test case(s) hold an unsettled contradiction ({}): record a disposition in evidence.toml",
                open.len(),
                open.join(", ")
            ));
        }
    }
    if let Some(min) = gates.min_coverage {
        let coverage = report.summary.test_cases.coverage.unwrap_or(0.0);
        if coverage < min {
            out.incomplete.push(format!(
                "test-case coverage {coverage:.1}% is below --min-coverage {min}%"
            ));
        }
    }
    if gates.fail_on_unsettled {
        let unsettled: Vec<&str> = report
            .provisions
            .iter()
            .flat_map(|p| &p.test_cases)
            .filter(|c| {
                matches!(
                    c.verdict,
                    Verdict::NotRun | Verdict::NeedsManual | Verdict::Inconclusive | Verdict::Error
                )
            })
            .map(|c| c.id.as_str())
            .collect();
        if !unsettled.is_empty() {
            let shown: Vec<&str> = unsettled.iter().take(10).copied().collect();
            out.incomplete.push(format!(
                "{} test case(s) unsettled: {}{}",
                unsettled.len(),
                shown.join(", "),
                if unsettled.len() > shown.len() {
                    ", ..."
                } else {
                    ""
                }
            ));
        }
    }
    out
}

/// Whether a finding bears on a test case: it names the case, one of its
/// units (`5.6-2-2a` for `5.6-2-2`) or the provision it belongs to.
fn bears_on_case(f: &touchstone_core::Finding, case: &str) -> bool {
    let unit_of_case = |u: &str| {
        u == case
            || u.strip_prefix(case)
                .is_some_and(|rest| rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase()))
    };
    let provision_of_case = |p: &str| {
        case.strip_prefix(p).is_some_and(|rest| {
            rest.strip_prefix('-')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        })
    };
    f.test_units.iter().any(|u| unit_of_case(u))
        || f.provisions.iter().any(|p| provision_of_case(p))
}
