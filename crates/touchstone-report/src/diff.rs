//! `touchstone diff OLD NEW`: what changed between two findings files or
//! two JSON reports.
//!
//! Findings that show a problem (those supporting FAIL) are matched by
//! their stable fingerprint ([`Finding::fingerprint`]): *new* ones are only
//! in NEW, *fixed* ones only in OLD, *unchanged* ones in both (so a renamed
//! or moved image, or a device on another lab address, changes nothing).
//! When both sides are reports, the verdicts of provisions and test cases
//! are compared as well. Rendered for people, as JSON, as Markdown (a
//! merge-request comment) and as SARIF with `baselineState`.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use serde::Serialize;
use touchstone_core::{Finding, Verdict};

use crate::sarif::{RuleHelp, render_findings};
use crate::snapshot::{Snapshot, problems};

/// The difference between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// Always `touchstone.diff/v1`.
    pub schema: &'static str,
    /// Problems only in the newer snapshot.
    pub new: Vec<Finding>,
    /// Problems only in the older snapshot.
    pub fixed: Vec<Finding>,
    /// Problems in both.
    pub unchanged: Vec<Finding>,
    /// Provisions and test cases whose verdict changed (both sides reports).
    pub verdicts: Vec<VerdictChange>,
}

/// A changed verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictChange {
    /// `provision` or `test-case`.
    pub kind: &'static str,
    /// Provision or test case id.
    pub id: String,
    /// The verdict before; absent when the item was not in the older report.
    pub old: Option<Verdict>,
    /// The verdict after; absent when the item is not in the newer report.
    pub new: Option<Verdict>,
}

/// The unique problems of a snapshot, by fingerprint, in order.
fn keyed(snapshot: &Snapshot) -> Vec<(String, Finding)> {
    let mut seen = HashSet::new();
    let findings = snapshot.findings();
    problems(&findings)
        .filter_map(|f| {
            let fp = f.fingerprint();
            seen.insert(fp.clone()).then(|| (fp, f.clone()))
        })
        .collect()
}

/// Compare two snapshots.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Diff {
    let old_keys = keyed(old);
    let new_keys = keyed(new);
    let old_set: HashSet<&str> = old_keys.iter().map(|(k, _)| k.as_str()).collect();
    let new_set: HashSet<&str> = new_keys.iter().map(|(k, _)| k.as_str()).collect();
    let mut out = Diff {
        schema: "touchstone.diff/v1",
        new: Vec::new(),
        fixed: Vec::new(),
        unchanged: Vec::new(),
        verdicts: Vec::new(),
    };
    for (k, f) in &new_keys {
        if old_set.contains(k.as_str()) {
            out.unchanged.push(f.clone());
        } else {
            out.new.push(f.clone());
        }
    }
    out.fixed = old_keys
        .iter()
        .filter(|(k, _)| !new_set.contains(k.as_str()))
        .map(|(_, f)| f.clone())
        .collect();
    if let (Some(a), Some(b)) = (old.report(), new.report()) {
        let verdicts = |r: &crate::model::Report| {
            let mut m: BTreeMap<(u8, String), Verdict> = BTreeMap::new();
            for p in &r.provisions {
                m.insert((0, p.id.clone()), p.verdict);
                for c in &p.test_cases {
                    m.insert((1, c.id.clone()), c.verdict);
                }
            }
            m
        };
        let (va, vb) = (verdicts(a), verdicts(b));
        // Keep the newer report's order (catalogue order), then what disappeared.
        let order = b
            .provisions
            .iter()
            .flat_map(|p| {
                std::iter::once((0u8, p.id.clone()))
                    .chain(p.test_cases.iter().map(|c| (1u8, c.id.clone())))
            })
            .chain(va.keys().filter(|k| !vb.contains_key(*k)).cloned());
        for key in order {
            let (o, n) = (va.get(&key).copied(), vb.get(&key).copied());
            if o != n {
                out.verdicts.push(VerdictChange {
                    kind: if key.0 == 0 { "provision" } else { "test-case" },
                    id: key.1,
                    old: o,
                    new: n,
                });
            }
        }
    }
    out
}

fn verdict_label(v: Option<Verdict>) -> &'static str {
    v.map_or("(absent)", Verdict::label)
}

fn where_(f: &Finding) -> String {
    f.location
        .as_ref()
        .map(|l| match l {
            touchstone_core::Location::Firmware { path, .. } => path.clone(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

/// For people.
pub fn render_human(d: &Diff) -> String {
    use touchstone_core::text::display_safe;
    let mut out = format!(
        "{} new, {} fixed, {} unchanged finding(s); {} verdict change(s)\n",
        d.new.len(),
        d.fixed.len(),
        d.unchanged.len(),
        d.verdicts.len()
    );
    for (label, list) in [("new", &d.new), ("fixed", &d.fixed)] {
        for f in list {
            let _ = writeln!(
                out,
                "{label:<6} {:<8} {:<28} {} {}",
                f.severity.as_str(),
                display_safe(&f.check),
                display_safe(&where_(f)),
                display_safe(&f.message)
            );
        }
    }
    for v in &d.verdicts {
        let _ = writeln!(
            out,
            "{:<9} {:<12} {} -> {}",
            v.kind,
            v.id,
            verdict_label(v.old),
            verdict_label(v.new)
        );
    }
    out
}

/// As JSON (`touchstone.diff/v1`).
pub fn render_json(d: &Diff) -> String {
    let mut s = serde_json::to_string_pretty(d).unwrap_or_default();
    s.push('\n');
    s
}

fn md_cell(text: &str) -> String {
    touchstone_core::text::display_safe(text)
        .replace('|', "\\|")
        .replace('`', "'")
}

/// As Markdown.
pub fn render_markdown(d: &Diff) -> String {
    let mut out = format!(
        "## Touchstone: {} new, {} fixed, {} unchanged finding(s)\n\n",
        d.new.len(),
        d.fixed.len(),
        d.unchanged.len()
    );
    for (title, list) in [("New findings", &d.new), ("Fixed findings", &d.fixed)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "### {title}\n\n| Severity | Check | Where | Message |\n|---|---|---|---|"
        );
        for f in list {
            let _ = writeln!(
                out,
                "| {} | `{}` | `{}` | {} |",
                f.severity.as_str(),
                md_cell(&f.check),
                md_cell(&where_(f)),
                md_cell(&f.message)
            );
        }
        out.push('\n');
    }
    if !d.verdicts.is_empty() {
        out.push_str("### Changed verdicts\n\n| Item | Id | Before | After |\n|---|---|---|---|\n");
        for v in &d.verdicts {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                v.kind,
                md_cell(&v.id),
                verdict_label(v.old),
                verdict_label(v.new)
            );
        }
    }
    out
}

/// As SARIF: new findings with `baselineState` `new`, unchanged ones
/// `unchanged`, fixed ones `absent`.
pub fn render_sarif(d: &Diff, help: &[RuleHelp], tool_version: &str) -> String {
    let mut all: Vec<(&Finding, Option<&str>)> = Vec::new();
    all.extend(d.new.iter().map(|f| (f, Some("new"))));
    all.extend(d.unchanged.iter().map(|f| (f, Some("unchanged"))));
    all.extend(d.fixed.iter().map(|f| (f, Some("absent"))));
    render_findings(&all, help, tool_version)
}
