//! JUnit XML, the format most CI systems display as a test summary: one
//! test suite per category, one test case per TS 103 701 test case.
//! FAIL is a failure, a check that could not run is an error, and every
//! state without a normative verdict is "skipped" with the reason, so that
//! nothing unevaluated shows up as passed (a proposed verdict included: its
//! message says it is proposed).
//!
//! Jenkins' schema allows no properties on the root, so each test suite
//! carries the deliverable as `<properties>` (device, report id, revision
//! and status, laboratory, test period, samples, every input by file name
//! and SHA-256, reviewer and approver, every disposition with its reason). Each test case's `<system-out>`
//! names who assessed it, whether a contradiction is unsettled, and every
//! disposition that decided how a finding counts on its units, with the
//! reason.

use std::fmt::Write as _;

use touchstone_core::Verdict;

use crate::escape::xml as escape;
use crate::model::{CaseRow, Report};

/// The deliverable as `(name, value)` properties; empty values are left out.
fn properties(report: &Report) -> Vec<(String, String)> {
    let d = &report.deliverable;
    let mut out: Vec<(String, String)> = vec![
        (
            "device".into(),
            format!("{} {}", report.device.maker, report.device.model),
        ),
        (
            "firmware_version".into(),
            report.device.firmware_version.clone(),
        ),
        ("report_status".into(), d.status.clone()),
        ("conclusion".into(), report.summary.conclusion.clone()),
    ];
    let opt = [
        ("report_id", &d.report_id),
        ("revision", &d.revision),
        ("lab", &d.lab_name),
        ("lab_accreditation", &d.lab_accreditation),
        ("client", &d.client),
        ("test_start", &d.test_start),
        ("test_end", &d.test_end),
        ("scope", &d.scope),
    ];
    for (k, v) in opt {
        if let Some(v) = v {
            out.push((k.into(), v.clone()));
        }
    }
    for dev in &d.deviations {
        out.push(("deviation".into(), dev.clone()));
    }
    for s in &d.samples {
        let mut v = s.id.clone();
        if let Some(serial) = &s.serial {
            v.push_str(&format!(" serial {serial}"));
        }
        if let Some(fw) = &s.firmware_version {
            v.push_str(&format!(" firmware {fw}"));
        }
        out.push(("sample".into(), v));
    }
    for i in &d.inputs {
        out.push((
            format!("input {}", i.name),
            format!("sha256:{} ({})", i.sha256, i.status),
        ));
    }
    for (k, sig) in [("reviewer", &d.reviewer), ("approver", &d.approver)] {
        if let Some(sig) = sig {
            out.push((k.into(), format!("{} {}", sig.name, sig.date)));
        }
    }
    // Every disposition, matched or not, with its reason.
    for d in &report.dispositions {
        out.push((
            format!("disposition {}", d.id),
            format!(
                "{} {} ({}, {} {}): {}",
                d.decision, d.target, d.status, d.assessor, d.date, d.reason
            ),
        ));
    }
    out.retain(|(_, v)| !v.trim().is_empty());
    out
}

/// What a test case's `<system-out>` says: assessors, an unsettled
/// contradiction, and the dispositions on its units with their reasons.
fn case_notes(report: &Report, c: &CaseRow) -> String {
    let mut lines = Vec::new();
    if !c.assessors.is_empty() {
        lines.push(format!("Assessed by {}.", c.assessors.join(", ")));
    }
    if c.unsettled {
        lines.push(
            "Unsettled: a manual PASS contradicts a decisive finding and no disposition settles it."
                .to_owned(),
        );
    }
    let mut seen: Vec<&str> = Vec::new();
    for u in &c.units {
        for a in &u.applied {
            let Some(id) = a.disposition.as_deref() else {
                continue;
            };
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            if let Some(d) = report.dispositions.iter().find(|d| d.id == id) {
                let mut line = format!(
                    "Disposition {} ({}, {}): finding {} {} by {} on {}: {}",
                    d.id, d.decision, d.status, a.finding, a.effect, d.assessor, d.date, d.reason
                );
                if let Some(exp) = &d.expires {
                    line.push_str(&format!(" (expires {exp})"));
                }
                lines.push(line);
            }
        }
    }
    lines.join("\n")
}

/// Render the report as JUnit XML.
pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let all: Vec<_> = report
        .provisions
        .iter()
        .flat_map(|p| p.test_cases.iter())
        .collect();
    let count = |v: Verdict| all.iter().filter(|c| c.verdict == v).count();
    // The root carries only what Jenkins' JUnit schema allows there (name,
    // tests, failures, errors, time, disabled); skips and the timestamp go
    // on each test suite.
    let _ = writeln!(
        out,
        "<testsuites name=\"EN 303 645 {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        escape(&report.standard.edition),
        all.len(),
        count(Verdict::Fail),
        count(Verdict::Error),
    );
    let props = properties(report);
    for cat in &report.categories {
        let cases: Vec<_> = report
            .provisions
            .iter()
            .filter(|p| p.category == cat.id)
            .flat_map(|p| p.test_cases.iter().map(move |c| (p, c)))
            .collect();
        let n = |v: Verdict| cases.iter().filter(|(_, c)| c.verdict == v).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" timestamp=\"{}\">",
            escape(&cat.id),
            escape(&cat.title),
            cases.len(),
            n(Verdict::Fail),
            n(Verdict::Error),
            cases.len() - n(Verdict::Pass) - n(Verdict::Fail) - n(Verdict::Error),
            escape(&report.generated_at)
        );
        if !props.is_empty() {
            out.push_str("    <properties>\n");
            for (k, v) in &props {
                let _ = writeln!(
                    out,
                    "      <property name=\"{}\" value=\"{}\"/>",
                    escape(k),
                    escape(v)
                );
            }
            out.push_str("    </properties>\n");
        }
        for (p, c) in cases {
            let notes = case_notes(report, c);
            let system_out = if notes.is_empty() {
                String::new()
            } else {
                format!("      <system-out>{}</system-out>\n", escape(&notes))
            };
            let _ = write!(
                out,
                "    <testcase classname=\"{} {}\" name=\"{} ({})\"",
                escape(&p.id),
                escape(&p.title),
                escape(&c.id),
                escape(&c.kind)
            );
            let reason = escape(&c.reason);
            let outcome = match c.verdict {
                Verdict::Pass => String::new(),
                Verdict::Fail => format!(
                    "      <failure message=\"{reason}\" type=\"{}\"/>\n",
                    c.severity.map_or("fail".to_owned(), |s| s.to_string())
                ),
                Verdict::Error => format!("      <error message=\"{reason}\"/>\n"),
                // A proposed verdict is no verdict: the case stays skipped,
                // and the message says what is proposed and why.
                other => {
                    let proposed = c
                        .proposed
                        .as_ref()
                        .map(|p| format!(" ({}, not a verdict: {})", p.label, p.rationale))
                        .unwrap_or_default();
                    format!(
                        "      <skipped message=\"{}{}: {reason}\"/>\n",
                        escape(other.label()),
                        escape(&proposed)
                    )
                }
            };
            if outcome.is_empty() && system_out.is_empty() {
                out.push_str("/>\n");
            } else {
                let _ = write!(out, ">\n{outcome}{system_out}    </testcase>\n");
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
