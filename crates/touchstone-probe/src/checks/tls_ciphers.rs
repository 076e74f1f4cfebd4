//! `net-tls-weak-cipher`: cipher suites a TLS service accepts.
//!
//! # What it checks
//!
//! For every accepted protocol version, offers all suites Touchstone knows,
//! notes the one the server picks, removes it and repeats until the server
//! refuses (n + 1 sequential connections for n suites). Each accepted suite
//! is graded by the ordered rules of the crypto policy.
//!
//! # Why it matters
//!
//! EN 303 645 5.5-1: NULL, anonymous, export, RC4, DES and 3DES suites are
//! broken; static-RSA and CBC suites lack forward secrecy or are prone to
//! padding oracles (RFC 9325).
//!
//! # How to fix
//!
//! Offer only ECDHE suites with AES-GCM or ChaCha20-Poly1305 for TLS 1.2, and
//! the TLS 1.3 defaults.
//!
//! # Provisions and test units
//!
//! 5.5-1 (test unit 5.5-1-2a). One finding per weak or insecure suite and
//! version; one `pass` per service whose suites are all good.

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, judged, network};
use crate::policy::{CryptoPolicy, Grade};
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-tls-weak-cipher",
    provisions: &["5.5-1"],
    test_units: &["5.5-1-2a"],
    summary: "TLS cipher suites outside the crypto policy",
};

/// Findings per weak suite, or a pass per service.
pub fn run(report: &ProbeReport, policy: &CryptoPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &report.tls {
        let location = network(&t.host, t.port, Transport::Tcp, "tls");
        let mut bad = 0;
        for s in &t.report.cipher_suites {
            let rated = policy.tls_cipher(&s.name);
            if rated.grade >= Grade::Weak {
                bad += 1;
                let (severity, supports) = judged(rated.grade);
                out.push(finding(
                    &INFO,
                    severity,
                    supports,
                    location.clone(),
                    format!(
                        "accepts {} with {} ({}): {}",
                        s.name,
                        s.version,
                        rated.grade.as_str(),
                        rated.reason
                    ),
                    Some(format!("0x{:04X}", s.id)),
                ));
            }
        }
        if bad == 0 && !t.report.cipher_suites.is_empty() {
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Pass,
                location,
                format!(
                    "all {} accepted cipher suites are best practice",
                    t.report.cipher_suites.len()
                ),
                None,
            ));
        }
    }
    out
}
