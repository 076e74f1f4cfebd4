//! JUnit XML, the format most CI systems display as a test summary: one
//! test suite per category, one test case per TS 103 701 test case.
//! FAIL is a failure, a check that could not run is an error, and every
//! state without a normative verdict is "skipped" with the reason, so that
//! nothing unevaluated shows up as passed (a proposed verdict included: its
//! message says it is proposed).

use std::fmt::Write as _;

use touchstone_core::Verdict;

use crate::escape::xml as escape;
use crate::model::Report;

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
        for (p, c) in cases {
            let _ = write!(
                out,
                "    <testcase classname=\"{} {}\" name=\"{} ({})\"",
                escape(&p.id),
                escape(&p.title),
                escape(&c.id),
                escape(&c.kind)
            );
            let reason = escape(&c.reason);
            match c.verdict {
                Verdict::Pass => out.push_str("/>\n"),
                Verdict::Fail => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{reason}\" type=\"{}\"/>\n    </testcase>",
                        c.severity.map_or("fail".to_owned(), |s| s.to_string())
                    );
                }
                Verdict::Error => {
                    let _ = writeln!(
                        out,
                        ">\n      <error message=\"{reason}\"/>\n    </testcase>"
                    );
                }
                // A proposed verdict is no verdict: the case stays skipped,
                // and the message says what is proposed and why.
                other => {
                    let proposed = c
                        .proposed
                        .as_ref()
                        .map(|p| format!(" ({}, not a verdict: {})", p.label, p.rationale))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}{}: {reason}\"/>\n    </testcase>",
                        escape(other.label()),
                        escape(&proposed)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
