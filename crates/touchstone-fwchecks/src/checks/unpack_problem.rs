//! `fw-unpack-problem`: what the unpacker noticed without losing data.
//!
//! Checksum mismatches, normalised entry names and similar remarks on data
//! that was still read. Problems that lost data are reported by
//! `fw-partial-analysis` instead.

use touchstone_core::{Finding, Location, Severity, Supports};

use crate::check::{Check, CheckInfo, Context};
use crate::checks::partial_analysis::line;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-unpack-problem",
        title: "Remark of the unpacker",
        severity: Severity::Info,
        provisions: &[],
        test_units: &[],
        what: "Lists what the unpacker noticed on data it still read: checksum mismatches (with field, expected and actual value when the reader gives them), entry names that were absolute or climbed above the root and were normalised.",
        why: "A checksum mismatch may mean a corrupt or tampered image, and normalised names show archives built to write outside their folder; the assessor should know, even though the content was analysed.",
        fix: "Check the image against the manufacturer's published hash; a corrupt download should be fetched again.",
    },
    run,
};

/// Remarks reported per image at most (the last finding says how many more).
const MAX: usize = 50;

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let remarks: Vec<_> = ctx.problems.iter().filter(|p| !p.incomplete).collect();
    let finding = |layers: Vec<String>, offset: Option<u64>, message: String| Finding {
        check: CHECK.info.id.to_owned(),
        severity: CHECK.info.severity,
        supports: Supports::Info,
        provisions: Vec::new(),
        test_units: Vec::new(),
        location: Some(Location::Firmware {
            image: ctx.image.clone(),
            path: "/".to_owned(),
            layers,
            offset,
        }),
        message,
        evidence: None,
    };
    let mut out: Vec<Finding> = remarks
        .iter()
        .take(MAX)
        .map(|p| finding(p.layers.clone(), p.offset, line(p)))
        .collect();
    if remarks.len() > MAX {
        out.push(finding(
            Vec::new(),
            None,
            format!("and {} more remark(s) of the unpacker", remarks.len() - MAX),
        ));
    }
    out
}
