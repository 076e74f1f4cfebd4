//! `pw-generation`: are the pre-installed passwords of sample devices
//! derivable from their MAC addresses or serial numbers?
//!
//! # What it checks
//!
//! Runs on a CSV of sample devices (MAC, serial, password; `touchstone
//! passwords analyze CSV`), not on a probe: see [`crate::passwords`] for
//! the candidates and relations tried. It fails when one rule (for
//! instance "the last 8 characters of hex MD5 of the MAC") explains two or
//! more samples, when the passwords count up with the identifiers, and
//! when several devices share one password. It reports the entropy
//! estimates in every case.
//!
//! # Why it matters
//!
//! EN 303 645 5.1-2: a unique per-device password that can be computed
//! from something an attacker can read (the MAC is broadcast on Wi-Fi and
//! printed on the label, serials are sequential) is no better than a
//! universal default once the rule is known; 5.1-1 forbids the universal
//! default itself (one password on several devices).
//!
//! # How to fix
//!
//! Generate each password from a cryptographically secure random source
//! at manufacturing time and store it with the device record; never
//! compute it from identifiers, even with a secret salt that ships in
//! firmware.
//!
//! # Provisions and test units
//!
//! 5.1-2 (5.1-2-2a: the passwords seen on devices fit a generation
//! mechanism that avoids public inputs; the analysis also informs the
//! conceptual case 5.1-2-1) for derivations and counters; 5.1-1 (5.1-1-2a)
//! for shared passwords.

use touchstone_core::{Finding, Location, Severity, Supports};

use super::{CheckInfo, finding_on};
use crate::passwords::Analysis;

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "pw-generation",
    provisions: &["5.1-2", "5.1-1"],
    test_units: &["5.1-2-2a", "5.1-1-2a"],
    summary: "device passwords derived from MAC or serial, counters, shared passwords",
};

const DERIVED: (&[&str], &[&str]) = (&["5.1-2"], &["5.1-2-2a"]);
const SHARED: (&[&str], &[&str]) = (&["5.1-1"], &["5.1-1-2a"]);

/// Findings of one analysis; `source` is the CSV's name.
pub fn run(analysis: &Analysis, source: &str) -> Vec<Finding> {
    let location = Location::Document {
        uri: source.to_owned(),
    };
    let e = &analysis.entropy;
    let strength = format!(
        "estimated strength: {:.1} bits by character classes and length (minimum {:.1}), {:.1} bits empirically across {} samples (at most {:.1} measurable), {} distinct passwords",
        e.charset_bits,
        e.charset_bits_min,
        e.empirical_bits,
        analysis.samples,
        e.empirical_ceiling,
        e.distinct
    );
    let mut out = Vec::new();
    for s in &analysis.schemes {
        out.push(finding_on(
            &INFO,
            DERIVED,
            Severity::High,
            Supports::Fail,
            location.clone(),
            format!(
                "passwords derive from the identifiers: {} ({} of {} samples); with the rule known they carry no entropy",
                s.rule, s.matches, analysis.samples
            ),
            Some(s.examples.join("; ")),
        ));
    }
    for c in &analysis.counters {
        out.push(finding_on(
            &INFO,
            DERIVED,
            Severity::High,
            Supports::Fail,
            location.clone(),
            format!("passwords follow the identifiers: {}", c.rule),
            Some(c.examples.join("; ")),
        ));
    }
    for s in &analysis.shared {
        let lines: Vec<String> = s.lines.iter().take(10).map(ToString::to_string).collect();
        out.push(finding_on(
            &INFO,
            SHARED,
            Severity::Critical,
            Supports::Fail,
            location.clone(),
            format!(
                "{} of {} sample devices share one password",
                s.lines.len(),
                analysis.samples
            ),
            Some(format!("lines {}", lines.join(", "))),
        ));
    }
    let failed = !out.is_empty();
    out.push(finding_on(
        &INFO,
        DERIVED,
        Severity::Info,
        if failed {
            Supports::Info
        } else {
            Supports::Pass
        },
        location,
        if failed {
            strength
        } else {
            format!(
                "no derivation from MAC or serial, no counter and no shared password in {} samples; {strength}",
                analysis.samples
            )
        },
        None,
    ));
    out
}
