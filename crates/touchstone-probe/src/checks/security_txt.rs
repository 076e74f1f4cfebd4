//! `net-security-txt`: the manufacturer's published security.txt.
//!
//! # What it checks
//!
//! Validates a security.txt (RFC 9116), given as a file or fetched from a
//! URL: at least one `Contact` that is a mailto:, https: or tel: URI;
//! exactly one `Expires`, an RFC 3339 date in the future (a year at most is
//! recommended); at most one `Preferred-Languages`; a `Canonical` matching
//! the URL; retrieval over HTTPS; an OpenPGP signature (recommended). Every
//! problem is reported with a stable code (`no_contact`, `expired` …).
//!
//! # Why it matters
//!
//! EN 303 645 5.2-1 requires a published vulnerability disclosure policy
//! with contact information; security.txt is the machine-readable way to
//! publish the contact, and an expired or malformed one sends reports
//! nowhere.
//!
//! # How to fix
//!
//! Serve `/.well-known/security.txt` over HTTPS with a `Contact`, an
//! `Expires` less than a year ahead, a `Canonical` URL and a signature.
//!
//! # Provisions and test units
//!
//! 5.2-1 (test unit 5.2-1-2a): errors support a failure, a file without
//! errors supports a pass, recommendations are information. During a probe
//! the device's HTTPS services are asked for the file too; a device that
//! serves none is information only (the policy is usually published on
//! the manufacturer's site, which `touchstone security-txt URL` checks).

use touchstone_core::{Finding, Location, Severity, Supports};

use super::{CheckInfo, finding};
use crate::security_txt::{Level, SecurityTxt};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-security-txt",
    provisions: &["5.2-1"],
    test_units: &["5.2-1-2a"],
    summary: "security.txt (RFC 9116) present and valid",
};

/// Findings for one validated file.
pub fn run(doc: &SecurityTxt) -> Vec<Finding> {
    let location = Location::Document {
        uri: doc.source.clone(),
    };
    let mut out = Vec::new();
    for p in &doc.problems {
        let (severity, supports) = match p.level {
            Level::Error => (Severity::Medium, Supports::Fail),
            Level::Recommendation => (Severity::Info, Supports::Info),
        };
        out.push(finding(
            &INFO,
            severity,
            supports,
            location.clone(),
            p.message.clone(),
            Some(p.code.to_owned()),
        ));
    }
    if !doc.problems.iter().any(|p| p.level == Level::Error) {
        out.insert(
            0,
            finding(
                &INFO,
                Severity::Info,
                Supports::Pass,
                location,
                format!(
                    "valid security.txt: Contact {}; Expires {}",
                    doc.values("Contact").join(", "),
                    doc.values("Expires").join(", ")
                ),
                None,
            ),
        );
    }
    out
}

/// Findings for the files fetched from the device's HTTPS services during
/// a probe ([`crate::ProbeReport::security_txt`]).
pub fn from_probe(report: &crate::ProbeReport) -> Vec<Finding> {
    let mut out = Vec::new();
    for fetched in &report.security_txt {
        match &fetched.document {
            Some(doc) => out.extend(run(doc)),
            // Absent on plain HTTP is expected (RFC 9116 wants HTTPS); only
            // the HTTPS services' absence is reported.
            None if fetched.requested.starts_with("http://") => {}
            None => {
                let tried: Vec<String> = fetched
                    .attempts
                    .iter()
                    .map(crate::security_txt::fetch::Attempt::describe)
                    .collect();
                out.push(finding(
                    &INFO,
                    Severity::Info,
                    Supports::Info,
                    Location::Document {
                        uri: fetched.requested.clone(),
                    },
                    format!(
                        "the device serves no security.txt (tried {})",
                        tried.join(", ")
                    ),
                    Some("no_security_txt".to_owned()),
                ));
            }
        }
    }
    out
}

/// Findings of a security.txt fetched from a URL given by the user: the
/// document's, or a `no_security_txt` failure naming every attempt.
pub fn for_fetched(fetched: &crate::security_txt::fetch::Fetched) -> Vec<Finding> {
    match &fetched.document {
        Some(doc) => run(doc),
        None => {
            let tried: Vec<String> = fetched
                .attempts
                .iter()
                .map(crate::security_txt::fetch::Attempt::describe)
                .collect();
            vec![missing(
                &fetched.requested,
                &format!("tried {}", tried.join(", ")),
            )]
        }
    }
}

/// Findings for a security.txt that could not be retrieved at all.
pub fn missing(source: &str, reason: &str) -> Finding {
    finding(
        &INFO,
        Severity::Medium,
        Supports::Fail,
        Location::Document {
            uri: source.to_owned(),
        },
        format!("no security.txt: {reason}"),
        Some("no_security_txt".to_owned()),
    )
}
