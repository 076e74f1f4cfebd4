//! `net-tls-legacy-version`: protocol versions a TLS service accepts.
//!
//! # What it checks
//!
//! Sends one hand-built ClientHello per version (SSL 3.0, TLS 1.0, 1.1, 1.2,
//! 1.3) and records whether the server negotiates exactly that version. Each
//! accepted version is graded by the crypto policy; the evidence is the
//! server's answer (ServerHello version and suite, or the alert code).
//!
//! # Why it matters
//!
//! EN 303 645 5.5-1 asks for best-practice cryptography. SSL 3.0 and TLS
//! 1.0/1.1 are deprecated (RFC 7568, RFC 8996); a device that still accepts
//! them lets an active attacker downgrade clients that also do.
//!
//! # How to fix
//!
//! Accept TLS 1.2 and 1.3 only (for OpenSSL: `MinProtocol = TLSv1.2`; for
//! mbed TLS: `mbedtls_ssl_conf_min_tls_version(…, MBEDTLS_SSL_VERSION_TLS1_2)`).
//!
//! # Provisions and test units
//!
//! 5.5-1 (test unit 5.5-1-2a). A service that accepts only policy-approved
//! versions yields a `pass` finding.

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, judged, network};
use crate::policy::{CryptoPolicy, Grade};
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-tls-legacy-version",
    provisions: &["5.5-1"],
    test_units: &["5.5-1-2a"],
    summary: "TLS protocol versions outside the crypto policy",
};

/// A failure per deprecated version accepted, or one pass per service.
pub fn run(report: &ProbeReport, policy: &CryptoPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &report.tls {
        let accepted: Vec<_> = t.report.versions.iter().filter(|v| v.accepted).collect();
        let location = network(&t.host, t.port, Transport::Tcp, "tls");
        let mut bad = 0;
        for v in &accepted {
            let rated = policy.tls_version(v.version);
            if rated.grade >= Grade::Weak {
                bad += 1;
                let (severity, supports) = judged(rated.grade);
                out.push(finding(
                    &INFO,
                    severity,
                    supports,
                    location.clone(),
                    format!(
                        "accepts {} ({}): {}",
                        v.version,
                        rated.grade.as_str(),
                        rated.reason
                    ),
                    Some(v.answer.clone()),
                ));
            }
        }
        if bad == 0 && !accepted.is_empty() {
            let names: Vec<&str> = accepted.iter().map(|v| v.version).collect();
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Pass,
                location,
                format!("accepts only {}", names.join(", ")),
                None,
            ));
        }
    }
    out
}
