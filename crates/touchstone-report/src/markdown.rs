//! The Markdown report: for pull requests, wikis and tickets.

use std::fmt::Write as _;

use touchstone_core::Verdict;

use crate::awaiting;
use crate::escape::{markdown as cell, markdown_code};
use crate::model::{Counts, Report};

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
        "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        c.pass,
        c.fail,
        c.not_applicable,
        c.not_implemented,
        c.not_run,
        c.needs_manual,
        c.inconclusive,
        c.error,
        pct(c.score),
        pct(c.coverage)
    )
}

const COUNTS_HEADER: &str = "| | PASS | FAIL | N/A | not implemented | not run | needs manual | inconclusive | error | score | coverage |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

/// Render the report as Markdown.
pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let d = &report.device;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# EN 303 645 assessment: {} {}\n",
        cell(&d.maker),
        cell(&d.model)
    );
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
        cell(&report.generated_at),
        cell(&report.tool.version),
        cell(&report.tool.catalog_version)
    );
    identification(&mut out, report);
    let _ = writeln!(
        out,
        "\n## Verdict: {} {}\n\n{}.\n",
        verdict(s.verdict),
        cell(&s.conclusion),
        cell(&s.explanation)
    );
    let _ = writeln!(out, "{COUNTS_HEADER}");
    let _ = writeln!(out, "{}", counts_row("Provisions", &s.provisions));
    let _ = writeln!(out, "{}", counts_row("Mandatory", &s.mandatory));
    let _ = writeln!(out, "{}", counts_row("Recommendations", &s.recommendations));
    let _ = writeln!(out, "{}", counts_row("Test cases", &s.test_cases));
    let t = &s.test_cases;
    if t.proposed_pass + t.proposed_fail > 0 {
        let _ = writeln!(
            out,
            "\nProposed verdicts (not counted above): {} proposed PASS, {} proposed FAIL among the test cases without a verdict; coverage counting them {} (without them {}).",
            t.proposed_pass,
            t.proposed_fail,
            pct(t.coverage_with_proposed),
            pct(t.coverage)
        );
    }
    let _ = writeln!(out, "\n> {}\n", cell(&s.disclaimer));

    let _ = writeln!(out, "## Categories\n");
    let _ = writeln!(
        out,
        "| Category | Verdict | PASS | FAIL | N/A | not impl. | pending | score | coverage |\n|---|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for c in &report.categories {
        let p = &c.provisions;
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&c.id),
            cell(&c.title),
            verdict(c.verdict),
            p.pass,
            p.fail,
            p.not_applicable,
            p.not_implemented,
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
            cell(&p.id),
            anchor(&p.id),
            cell(&p.title),
            cell(&p.status),
            cell(p.support.as_deref().unwrap_or("–")),
            if p.label == p.verdict.label() {
                verdict(p.verdict)
            } else {
                cell(&p.label)
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
            cell(&p.id),
            cell(&p.title),
            verdict(p.verdict)
        );
        let _ = writeln!(out, "{}\n", cell(&p.summary));
        let _ = writeln!(
            out,
            "- Status `{}`; ICS `{}`{}",
            markdown_code(&p.status),
            markdown_code(p.support.as_deref().unwrap_or("–")),
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
                .map(|m| {
                    format!(
                        "{} {} ({})",
                        cell(&m.scheme),
                        cell(&m.requirement),
                        cell(&m.basis)
                    )
                })
                .collect();
            let _ = writeln!(out, "- Maps to: {}", maps.join(", "));
        }
        if !p.findings.is_empty() {
            let _ = writeln!(out, "- Findings: {}", cell(&p.findings.join(", ")));
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
                        let hints: Vec<String> = u
                            .applied
                            .iter()
                            .map(|a| match &a.disposition {
                                Some(d) => format!("{} {} ({d})", a.finding, a.effect),
                                None => format!("{} {}", a.finding, a.weight),
                            })
                            .collect();
                        let state = match &u.proposed {
                            Some(p) => format!("{}, {}", u.verdict.label(), p.label),
                            None => u.verdict.label().to_owned(),
                        };
                        if hints.is_empty() {
                            format!("{letter}: {state}")
                        } else {
                            format!("{letter}: {state} [{}]", hints.join(", "))
                        }
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
                    "| {}{} | {} | {}{} | {} | {} | {} |",
                    cell(&c.id),
                    if c.carried_over { " †" } else { "" },
                    cell(&c.kind),
                    verdict(c.verdict),
                    match (&c.proposed, c.unsettled) {
                        (_, true) => " (unsettled)".to_owned(),
                        (Some(p), false) => format!(" · {}", cell(&p.label)),
                        (None, false) => String::new(),
                    },
                    cell(&units.join("; ")),
                    cell(&evidence.join(", ")),
                    cell(&c.reason)
                );
            }
            for c in p.test_cases.iter().filter(|c| awaiting::has_work(c)) {
                awaiting_block(&mut out, c);
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
            "| Id | Check | Severity | Supports | Bears on | Location | Message | Evidence | Fingerprint |\n|---|---|---|---|---|---|---|---|---|"
        );
        for f in &report.findings {
            let mut bears = f.provisions.clone();
            bears.extend(f.test_units.iter().cloned());
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} | {} | {} | `{}` |",
                cell(&f.id),
                markdown_code(&f.check),
                f.severity,
                cell(&f.supports),
                cell(&bears.join(", ")),
                cell(
                    &f.location
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ),
                cell(&f.message),
                f.evidence
                    .as_deref()
                    .map(|e| format!("`{}`", markdown_code(e)))
                    .unwrap_or_default(),
                markdown_code(&f.fingerprint)
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
                .map(|a| format!("{} `{}`", cell(&a.path), markdown_code(&a.sha256)))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                cell(&r.id),
                cell(&r.test_case),
                if r.units.is_empty() {
                    "all".to_owned()
                } else {
                    cell(&r.units.join(", "))
                },
                cell(&r.verdict),
                cell(&r.assessor),
                cell(&r.date),
                cell(&r.notes),
                att.join("<br>")
            );
        }
        let _ = writeln!(out);
    }

    dispositions(&mut out, report);
    advice(&mut out, report);

    if !report.warnings.is_empty() || !report.notes.is_empty() {
        let _ = writeln!(out, "## Warnings and notes\n");
        for w in report.warnings.iter().chain(report.notes.iter()) {
            let _ = writeln!(out, "- {}", cell(w));
        }
        let _ = writeln!(out);
    }
    signatures(&mut out, report);
    annexes(&mut out, report);
    out
}

/// A case's proposal, unit remarks and checklists, as a list under the table.
fn awaiting_block(out: &mut String, c: &crate::model::CaseRow) {
    match &c.proposed {
        Some(p) => {
            let _ = writeln!(
                out,
                "\n**{}: {}** ({}). {}.{}",
                cell(&c.id),
                cell(&p.label),
                awaiting::PROPOSED_NOTE,
                cell(&p.rationale),
                if p.sources.is_empty() {
                    String::new()
                } else {
                    format!(" Sources: {}.", cell(&p.sources.join(", ")))
                }
            );
        }
        None => {
            let _ = writeln!(out, "\n**{}** waits for an assessor.", cell(&c.id));
        }
    }
    for (letter, note) in awaiting::unit_notes(c) {
        let _ = writeln!(out, "- {}: {}", cell(&letter), cell(&note));
    }
    for (letters, list) in awaiting::checklists(c) {
        let _ = writeln!(
            out,
            "- checklist for {}:",
            cell(&awaiting::units_label(&letters))
        );
        for (i, item) in list.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}", i + 1, cell(item));
        }
    }
}

fn opt(x: &Option<String>) -> String {
    x.as_deref().map_or_else(|| "–".to_owned(), cell)
}

/// Report identification, laboratory, period, scope, samples and inputs.
fn identification(out: &mut String, report: &Report) {
    let d = &report.deliverable;
    let _ = writeln!(out, "\n## Report identification\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| Report | {} revision {} ({}) |",
        opt(&d.report_id),
        opt(&d.revision),
        cell(&d.status)
    );
    let _ = writeln!(out, "| Laboratory | {} |", opt(&d.lab_name));
    let _ = writeln!(out, "| Accreditation | {} |", opt(&d.lab_accreditation));
    let _ = writeln!(out, "| Client | {} |", opt(&d.client));
    let _ = writeln!(
        out,
        "| Test period | {} to {} |",
        opt(&d.test_start),
        opt(&d.test_end)
    );
    let _ = writeln!(out, "| Scope | {} |", opt(&d.scope));
    let devs = if d.deviations.is_empty() {
        "none".to_owned()
    } else {
        d.deviations
            .iter()
            .map(|x| cell(x))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let _ = writeln!(out, "| Deviations | {devs} |");
    if !d.samples.is_empty() {
        let _ = writeln!(
            out,
            "\n| Sample | Serial | Hardware | Firmware | Notes |\n|---|---|---|---|---|"
        );
        for x in &d.samples {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&x.id),
                opt(&x.serial),
                opt(&x.hardware_version),
                opt(&x.firmware_version),
                opt(&x.notes)
            );
        }
    }
    if !d.inputs.is_empty() {
        let _ = writeln!(
            out,
            "\n| Input | Kind | Sample | SHA-256 | Status |\n|---|---|---|---|---|"
        );
        for x in &d.inputs {
            let _ = writeln!(
                out,
                "| {} | {} | {} | `{}` | {} |",
                cell(&x.name),
                opt(&x.kind),
                opt(&x.sample),
                markdown_code(&x.sha256),
                cell(&x.status)
            );
        }
    }
}

fn dispositions(out: &mut String, report: &Report) {
    if report.dispositions.is_empty() && report.unsettled.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Dispositions of findings\n");
    if !report.unsettled.is_empty() {
        let _ = writeln!(
            out,
            "Unsettled contradictions (a manual PASS against a decisive FAIL, no disposition): {}.\n",
            cell(&report.unsettled.join(", "))
        );
    }
    if report.dispositions.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "| Id | Decision | On | Unit | Findings | Status | Reason | Assessor | Date | Owner / expires |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    for x in &report.dispositions {
        let _ = writeln!(
            out,
            "| {} | {} | {} `{}` | {} | {} | {} | {} | {} | {} | {} |",
            cell(&x.id),
            cell(&x.decision),
            cell(&x.target_kind),
            markdown_code(&x.target),
            opt(&x.unit),
            cell(&x.findings.join(", ")),
            cell(&x.status),
            cell(&x.reason),
            cell(&x.assessor),
            cell(&x.date),
            match (&x.owner, &x.expires) {
                (None, None) => String::new(),
                (o, e) => format!("{} / {}", opt(o), opt(e)),
            }
        );
    }
    let _ = writeln!(out);
}

/// Fix advice of every check with a finding that fails a unit or is an open indication.
fn advice(out: &mut String, report: &Report) {
    let failing: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.supports == "fail")
        .map(|f| f.check.as_str())
        .collect();
    let rows: Vec<_> = report
        .advice
        .iter()
        .filter(|a| failing.contains(&a.check.as_str()))
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "## How to fix\n");
    for a in rows {
        let _ = writeln!(
            out,
            "### `{}` {}\n",
            markdown_code(&a.check),
            cell(&a.title)
        );
        if !a.what.is_empty() {
            let _ = writeln!(out, "- What: {}", cell(&a.what));
        }
        if !a.why.is_empty() {
            let _ = writeln!(out, "- Why: {}", cell(&a.why));
        }
        if !a.fix.is_empty() {
            let _ = writeln!(out, "- Fix: {}", cell(&a.fix));
        }
        let _ = writeln!(out);
    }
}

fn signatures(out: &mut String, report: &Report) {
    let d = &report.deliverable;
    let _ = writeln!(out, "## Sign-off\n");
    let _ = writeln!(out, "| Role | Name | Date |\n|---|---|---|");
    for a in &d.assessors {
        let _ = writeln!(
            out,
            "| Assessor ({}) | {} | |",
            cell(&a.test_cases.join(", ")),
            cell(&a.name)
        );
    }
    for (role, s) in [
        ("Technical reviewer", &d.reviewer),
        ("Approved for release", &d.approver),
    ] {
        match s {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    s.role.as_deref().map_or(role.to_owned(), cell),
                    cell(&s.name),
                    cell(&s.date)
                );
            }
            None => {
                let _ = writeln!(out, "| {role} | (not signed) | |");
            }
        }
    }
    let _ = writeln!(out);
}

fn annexes(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Annex A: ICS\n");
    let _ = writeln!(
        out,
        "| Provision | Status | Support | Detail | IXIT |\n|---|---|---|---|---|"
    );
    for r in &report.ics {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&r.provision),
            cell(&r.status),
            opt(&r.support),
            cell(&r.detail),
            cell(&r.ixit.join(", "))
        );
    }
    let _ = writeln!(out, "\n## Annex B: IXIT\n");
    for e in &report.ixit {
        let _ = writeln!(
            out,
            "- **{}**{}: {}",
            cell(&e.table),
            e.id.as_deref()
                .map(|i| format!(" `{}`", cell(i)))
                .unwrap_or_default(),
            e.fields
                .iter()
                .map(|(k, v)| format!("{} = {}", cell(k), cell(v)))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let _ = writeln!(out);
}

/// An HTML anchor for an id: lowercase letters, digits and `-` only.
fn anchor(id: &str) -> String {
    id.chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect()
}
