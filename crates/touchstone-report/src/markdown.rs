//! The Markdown report: for pull requests, wikis and tickets.

use std::fmt::Write as _;

use touchstone_core::Verdict;

use crate::model::{Counts, Report};

/// Escape text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}%"))
}

fn verdict(v: Verdict) -> String {
    match v {
        Verdict::Pass => "✅ PASS".to_owned(),
        Verdict::Fail => "❌ FAIL".to_owned(),
        other => other.label().to_owned(),
    }
}

fn counts_row(label: &str, c: &Counts) -> String {
    format!(
        "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        c.pass,
        c.fail,
        c.not_applicable,
        c.not_run,
        c.needs_manual,
        c.inconclusive,
        c.error,
        pct(c.score),
        pct(c.coverage)
    )
}

const COUNTS_HEADER: &str = "| | PASS | FAIL | N/A | not run | needs manual | inconclusive | error | score | coverage |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

/// Render the report as Markdown.
pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let d = &report.device;
    let mut out = String::new();
    let _ = writeln!(out, "# EN 303 645 assessment: {} {}\n", d.maker, d.model);
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Standard | {} |", cell(&report.standard.title));
    let _ = writeln!(
        out,
        "| Test specification | {}{} |",
        cell(&report.standard.test_specification),
        if report.standard.test_specification_complete {
            ""
        } else {
            " (partly known: some test cases carried over from V1.1.1)"
        }
    );
    let _ = writeln!(out, "| Device | {} {} |", cell(&d.maker), cell(&d.model));
    let _ = writeln!(out, "| Hardware version | {} |", cell(&d.hardware_version));
    let _ = writeln!(out, "| Firmware version | {} |", cell(&d.firmware_version));
    let _ = writeln!(
        out,
        "| Generated | {} by touchstone {} (catalogue {}) |",
        report.generated_at, report.tool.version, report.tool.catalog_version
    );
    let _ = writeln!(
        out,
        "\n## Verdict: {} {}\n\n{}.\n",
        verdict(s.verdict),
        s.conclusion,
        cell(&s.explanation)
    );
    let _ = writeln!(out, "{COUNTS_HEADER}");
    let _ = writeln!(out, "{}", counts_row("Provisions", &s.provisions));
    let _ = writeln!(out, "{}", counts_row("Mandatory", &s.mandatory));
    let _ = writeln!(out, "{}", counts_row("Recommendations", &s.recommendations));
    let _ = writeln!(out, "{}", counts_row("Test cases", &s.test_cases));
    let _ = writeln!(out, "\n> {}\n", s.disclaimer);

    let _ = writeln!(out, "## Categories\n");
    let _ = writeln!(
        out,
        "| Category | Verdict | PASS | FAIL | N/A | pending | score | coverage |\n|---|---|---:|---:|---:|---:|---:|---:|"
    );
    for c in &report.categories {
        let p = &c.provisions;
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {} | {} | {} | {} |",
            c.id,
            cell(&c.title),
            verdict(c.verdict),
            p.pass,
            p.fail,
            p.not_applicable,
            p.not_run + p.needs_manual + p.inconclusive + p.error,
            pct(p.score),
            pct(p.coverage)
        );
    }

    let _ = writeln!(out, "\n## Provisions\n");
    let _ = writeln!(
        out,
        "| Provision | Status | ICS | Verdict | Severity | Reason |\n|---|---|---|---|---|---|"
    );
    for p in &report.provisions {
        let _ = writeln!(
            out,
            "| [{}](#p-{}) {} | {} | {} | {} | {} | {} |",
            p.id,
            anchor(&p.id),
            cell(&p.title),
            p.status,
            p.support.as_deref().unwrap_or("–"),
            if p.label == p.verdict.label() {
                verdict(p.verdict)
            } else {
                p.label.clone()
            },
            p.severity.map(|s| s.to_string()).unwrap_or_default(),
            cell(&p.reason)
        );
    }

    let _ = writeln!(out, "\n## Test cases and evidence\n");
    for p in &report.provisions {
        let _ = writeln!(
            out,
            "### <a id=\"p-{}\"></a>{} {} — {}\n",
            anchor(&p.id),
            p.id,
            p.title,
            verdict(p.verdict)
        );
        let _ = writeln!(out, "{}\n", p.summary);
        let _ = writeln!(
            out,
            "- Status `{}`; ICS `{}`{}",
            p.status,
            p.support.as_deref().unwrap_or("–"),
            if p.detail.is_empty() {
                String::new()
            } else {
                format!(": {}", cell(&p.detail))
            }
        );
        let _ = writeln!(out, "- {}", cell(&p.reason));
        if !p.mappings.is_empty() {
            let maps: Vec<String> = p
                .mappings
                .iter()
                .map(|m| format!("{} {} ({})", m.scheme, m.requirement, m.basis))
                .collect();
            let _ = writeln!(out, "- Maps to: {}", maps.join(", "));
        }
        if !p.findings.is_empty() {
            let _ = writeln!(out, "- Findings: {}", p.findings.join(", "));
        }
        if !p.test_cases.is_empty() {
            let _ = writeln!(
                out,
                "\n| Test case | Kind | Verdict | Units | Evidence | Reason |\n|---|---|---|---|---|---|"
            );
            for c in &p.test_cases {
                let units: Vec<String> = c
                    .units
                    .iter()
                    .map(|u| {
                        let letter = u.id.strip_prefix(c.id.as_str()).unwrap_or(&u.id);
                        format!("{letter}: {}", u.verdict.label())
                    })
                    .collect();
                let mut evidence = c.records.clone();
                evidence.extend(c.findings.iter().cloned());
                for u in &c.units {
                    evidence.extend(u.findings.iter().cloned());
                }
                evidence.sort();
                evidence.dedup();
                let _ = writeln!(
                    out,
                    "| {}{} | {} | {} | {} | {} | {} |",
                    c.id,
                    if c.carried_over { " †" } else { "" },
                    c.kind,
                    verdict(c.verdict),
                    cell(&units.join("; ")),
                    evidence.join(", "),
                    cell(&c.reason)
                );
            }
        }
        let _ = writeln!(out);
    }
    if report
        .provisions
        .iter()
        .any(|p| p.test_cases.iter().any(|c| c.carried_over))
    {
        let _ = writeln!(
            out,
            "† test case carried over from TS 103 701 V1.1.1 because the current edition's case is not in the catalogue (unverified).\n"
        );
    }

    out.push_str(&crate::regulatory::markdown(report));
    if !report.findings.is_empty() {
        let _ = writeln!(out, "## Findings\n");
        let _ = writeln!(
            out,
            "| Id | Check | Severity | Supports | Bears on | Location | Message | Evidence |\n|---|---|---|---|---|---|---|---|"
        );
        for f in &report.findings {
            let mut bears = f.provisions.clone();
            bears.extend(f.test_units.iter().cloned());
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} | {} | {} |",
                f.id,
                f.check,
                f.severity,
                f.supports,
                bears.join(", "),
                cell(
                    &f.location
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ),
                cell(&f.message),
                f.evidence
                    .as_deref()
                    .map(|e| format!("`{}`", cell(e).replace('`', "'")))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(out);
    }

    if !report.records.is_empty() {
        let _ = writeln!(out, "## Manual evidence records\n");
        let _ = writeln!(
            out,
            "| Id | Test case | Units | Verdict | Assessor | Date | Notes | Attachments (SHA-256) |\n|---|---|---|---|---|---|---|---|"
        );
        for r in &report.records {
            let att: Vec<String> = r
                .attachments
                .iter()
                .map(|a| format!("{} `{}`", cell(&a.path), a.sha256))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                r.id,
                r.test_case,
                if r.units.is_empty() {
                    "all".to_owned()
                } else {
                    r.units.join(", ")
                },
                r.verdict,
                cell(&r.assessor),
                r.date,
                cell(&r.notes),
                att.join("<br>")
            );
        }
        let _ = writeln!(out);
    }

    if !report.warnings.is_empty() || !report.notes.is_empty() {
        let _ = writeln!(out, "## Warnings and notes\n");
        for w in report.warnings.iter().chain(report.notes.iter()) {
            let _ = writeln!(out, "- {}", cell(w));
        }
        let _ = writeln!(out);
    }
    out
}

fn anchor(id: &str) -> String {
    id.replace('.', "-").to_lowercase()
}
