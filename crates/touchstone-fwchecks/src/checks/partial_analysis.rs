//! `fw-partial-analysis`: part of the image was not analysed.
//!
//! A limit (output, ratio, depth, entries, layers, time), a truncated or
//! unreadable structure, an unsupported format, or a budget of the checks
//! themselves (boot-script work, check time) kept part of the image from
//! being read. Silence about that part is not a clean result, so this check
//! reports it as an *error* finding on every test unit the firmware checks
//! bear on: those units stay undecided instead of passing.

use std::collections::BTreeMap;

use touchstone_core::{Finding, Location, Severity, Supports};

use crate::check::{AnalysisProblem, Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-partial-analysis",
        title: "Image only partly analysed",
        severity: Severity::High,
        provisions: PROVISIONS,
        test_units: TEST_UNITS,
        what: "Reports every layer of the image that was not analysed completely: an unpacking limit (output size, expansion ratio, depth, entries, layers, time), a truncated, malformed or unsupported structure, an unreadable input, or a budget of the checks (boot-script evaluation work, check time) that stopped them early. One finding per layer, naming what was lost.",
        why: "The firmware checks can only speak for what they read: without this finding an image whose root file system was never opened would look clean. The finding supports no verdict (it is an error state), so every test unit the firmware checks bear on stays undecided rather than passing.",
        fix: "Look at the named layer: raise the limit that was hit (when the image is trusted), unpack the layer with another tool, or obtain a complete image from the manufacturer; then scan again.",
    },
    run,
};

/// The provisions of every firmware check (a test ties this list to the registry).
pub const PROVISIONS: &[&str] = &[
    "5.1-1", "5.1-2", "5.1-3", "5.1-5", "5.2-3", "5.3-10", "5.3-2", "5.3-7", "5.3-8", "5.3-9",
    "5.4-1", "5.4-3", "5.4-4", "5.5-1", "5.5-2", "5.5-4", "5.6-1", "5.6-4", "5.6-5", "5.6-6",
    "5.6-7", "5.6-8", "5.6-9", "5.7-1",
];

/// The test units of every firmware check (a test ties this list to the registry).
pub const TEST_UNITS: &[&str] = &[
    "5.1-1-2", "5.1-2-2", "5.1-3-2", "5.1-5-2", "5.2-3-1", "5.3-10-1", "5.3-2-2", "5.3-7-1",
    "5.3-8-1", "5.3-9-1", "5.4-1-2", "5.4-3-2", "5.4-4-1", "5.5-1-2", "5.5-2-2", "5.5-4-2",
    "5.6-1-2", "5.6-4-2", "5.6-5-1", "5.6-6-1", "5.6-7-1", "5.6-8-1", "5.6-9-1", "5.7-1-2",
];

/// Problems named per finding at most (the count says how many more).
const SHOWN: usize = 20;

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut by_layer: BTreeMap<Vec<String>, Vec<&AnalysisProblem>> = BTreeMap::new();
    for p in ctx.problems.iter().filter(|p| p.incomplete) {
        by_layer.entry(p.layers.clone()).or_default().push(p);
    }
    by_layer
        .into_iter()
        .map(|(layers, problems)| {
            let name = if layers.is_empty() {
                "the input".to_owned()
            } else {
                format!("layer {}", layers.join(" > "))
            };
            let mut kinds: Vec<&str> = problems.iter().map(|p| p.kind.as_str()).collect();
            kinds.sort_unstable();
            kinds.dedup();
            let mut evidence: Vec<String> = problems.iter().take(SHOWN).map(|p| line(p)).collect();
            if problems.len() > SHOWN {
                evidence.push(format!("and {} more problem(s)", problems.len() - SHOWN));
            }
            Finding {
                check: CHECK.info.id.to_owned(),
                severity: CHECK.info.severity,
                supports: Supports::Error,
                provisions: PROVISIONS.iter().map(|s| (*s).to_owned()).collect(),
                test_units: TEST_UNITS.iter().map(|s| (*s).to_owned()).collect(),
                location: Some(Location::Firmware {
                    image: ctx.image.clone(),
                    path: "/".to_owned(),
                    layers,
                    offset: problems.iter().find_map(|p| p.offset),
                }),
                message: format!(
                    "Image only partly analysed: {name} was not analysed completely ({}); findings about it may be missing",
                    kinds.join(", ")
                ),
                evidence: Some(evidence.join("\n")),
            }
        })
        .collect()
}

/// One problem as an evidence line: `kind at 0x40: message`.
pub fn line(p: &AnalysisProblem) -> String {
    match p.offset {
        Some(o) => format!("{} at {o:#x}: {}", p.kind, p.message),
        None => format!("{}: {}", p.kind, p.message),
    }
}
