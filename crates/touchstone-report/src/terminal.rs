//! The terminal summary: what a person reads after `touchstone assess`.

use std::fmt::Write as _;

use touchstone_core::Verdict;
use touchstone_core::text::display_safe;

use crate::escape::text;
use crate::model::{Counts, Report};

/// Whether to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// ANSI colours.
    Always,
    /// Plain text (for `NO_COLOR`, pipes and files).
    Never,
}

struct Paint(Color);

impl Paint {
    fn code(&self, code: &str, text: &str) -> String {
        match self.0 {
            Color::Always => format!("\x1b[{code}m{text}\x1b[0m"),
            Color::Never => text.to_owned(),
        }
    }

    fn verdict(&self, v: Verdict, text: &str) -> String {
        let code = match v {
            Verdict::Pass => "32",
            Verdict::Fail => "1;31",
            Verdict::Error => "35",
            Verdict::NotApplicable | Verdict::NotImplemented => "2",
            Verdict::NotRun | Verdict::NeedsManual | Verdict::Inconclusive => "33",
        };
        self.code(code, text)
    }

    fn bold(&self, text: &str) -> String {
        self.code("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.code("2", text)
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}%"))
}

fn pending(c: &Counts) -> usize {
    c.not_run + c.needs_manual + c.inconclusive + c.error
}

fn line(label: &str, c: &Counts) -> String {
    format!(
        "{label:<16} {:>3} pass  {:>3} fail  {:>3} pending  {:>3} n/a  {:>3} not impl.  score {:>6} of evaluated, coverage {:>6}",
        c.pass,
        c.fail,
        pending(c),
        c.not_applicable,
        c.not_implemented,
        pct(c.score),
        pct(c.coverage)
    )
}

/// Render the summary.
pub fn render(report: &Report, color: Color) -> String {
    let p = Paint(color);
    let s = &report.summary;
    let d = &report.device;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} · {} · tested with {}",
        p.bold("touchstone"),
        text(&report.tool.version),
        text(&report.standard.title),
        text(&report.standard.test_specification)
    );
    let _ = writeln!(
        out,
        "Device   {} {} (hardware {}, firmware {})",
        text(&d.maker),
        text(&d.model),
        text(&d.hardware_version),
        text(&d.firmware_version)
    );
    let dl = &report.deliverable;
    if let Some(id) = &dl.report_id {
        let _ = writeln!(
            out,
            "Report   {} rev. {} ({}){}",
            display_safe(id),
            display_safe(dl.revision.as_deref().unwrap_or("–")),
            dl.status,
            dl.lab_name
                .as_deref()
                .map(|l| format!(" · {}", display_safe(l)))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        out,
        "Verdict  {} — {}",
        p.verdict(s.verdict, &text(&s.conclusion)),
        text(&s.explanation)
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{}",
        p.bold(&format!(
            "{:<50} {:<24} {:>4} {:>4} {:>7} {:>4} {:>4} {:>7} {:>8}",
            "Category", "Verdict", "Pass", "Fail", "Pending", "N/A", "N/I", "Score", "Coverage"
        ))
    );
    for c in &report.categories {
        let mut title = format!("{} {}", text(&c.id), text(&c.title));
        if title.chars().count() > 50 {
            title = title.chars().take(49).collect::<String>() + "…";
        }
        let verdict = format!("{:<24}", c.verdict.label());
        let _ = writeln!(
            out,
            "{title:<50} {} {:>4} {:>4} {:>7} {:>4} {:>4} {:>7} {:>8}",
            p.verdict(c.verdict, &verdict),
            c.provisions.pass,
            c.provisions.fail,
            pending(&c.provisions),
            c.provisions.not_applicable,
            c.provisions.not_implemented,
            pct(c.provisions.score),
            pct(c.provisions.coverage)
        );
    }
    let failures: Vec<_> = report
        .provisions
        .iter()
        .filter(|x| x.verdict == Verdict::Fail)
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Failures"));
        for f in failures {
            let sev = f.severity.map(|s| format!(" [{s}]")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {} ({}){sev} {}: {}",
                p.verdict(Verdict::Fail, "FAIL"),
                text(&f.id),
                text(&f.modal),
                text(&f.title),
                text(&f.reason)
            );
            for c in f.test_cases.iter().filter(|c| c.verdict == Verdict::Fail) {
                let _ = writeln!(out, "       {} {}", text(&c.id), p.dim(&text(&c.reason)));
            }
        }
    }
    let inconclusive: Vec<_> = report
        .provisions
        .iter()
        .flat_map(|x| x.test_cases.iter())
        .filter(|c| c.verdict == Verdict::Inconclusive || c.verdict == Verdict::Error)
        .collect();
    if !inconclusive.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("To settle"));
        for c in inconclusive {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                p.verdict(c.verdict, c.verdict.label()),
                text(&c.id),
                text(&c.reason)
            );
        }
    }
    // Proposed FAILs point at gaps to close; proposed PASSes are counted below.
    let proposed_fails: Vec<_> = report
        .provisions
        .iter()
        .flat_map(|x| x.test_cases.iter())
        .filter_map(|c| {
            c.proposed
                .as_ref()
                .filter(|x| x.verdict == Verdict::Fail)
                .map(|x| (c, x))
        })
        .collect();
    if !proposed_fails.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold("Proposed FAIL (not verdicts: an assessor decides)")
        );
        for (c, x) in proposed_fails {
            let _ = writeln!(
                out,
                "  {}: {}",
                p.verdict(Verdict::Inconclusive, &text(&c.id)),
                text(&x.rationale)
            );
        }
    }
    if !report.dispositions.is_empty() {
        let _ = writeln!(out, "\n{}", p.bold("Dispositions"));
        for d in &report.dispositions {
            let status = if d.status == "applied" {
                p.dim(&d.status)
            } else {
                p.verdict(Verdict::Inconclusive, &d.status)
            };
            let _ = writeln!(
                out,
                "  {} {} {} {}{} ({status}): {}",
                display_safe(&d.id),
                d.decision,
                d.target_kind,
                display_safe(&d.target),
                d.unit
                    .as_deref()
                    .map(|u| format!(" on {}", display_safe(u)))
                    .unwrap_or_default(),
                display_safe(&d.reason)
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", line("Provisions", &s.provisions));
    let _ = writeln!(out, "{}", line("  mandatory", &s.mandatory));
    let _ = writeln!(out, "{}", line("  recommended", &s.recommendations));
    let _ = writeln!(out, "{}", line("Test cases", &s.test_cases));
    let t = &s.test_cases;
    if t.proposed_pass + t.proposed_fail > 0 {
        let _ = writeln!(
            out,
            "{:<16} {:>3} proposed PASS, {} proposed FAIL (not verdicts until an assessor records them): coverage {} counting them",
            "  proposed",
            t.proposed_pass,
            t.proposed_fail,
            pct(t.coverage_with_proposed)
        );
    }
    let manual = s.test_cases.needs_manual;
    let not_run = s.test_cases.not_run;
    if manual + not_run > 0 {
        let _ = writeln!(
            out,
            "{}",
            p.dim(&format!(
                "{manual} test case(s) need an assessor; {not_run} await automated results."
            ))
        );
    }
    if !report.warnings.is_empty() || !report.notes.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.dim(&format!(
                "{} warning(s) and {} note(s) about the inputs: see the full report.",
                report.warnings.len(),
                report.notes.len()
            ))
        );
    }
    out.push_str(&crate::regulatory::terminal(report));
    let _ = writeln!(out, "{}", p.dim(&text(&s.disclaimer)));
    out
}
