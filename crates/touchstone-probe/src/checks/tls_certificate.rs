//! `net-tls-certificate`: the certificate a TLS service presents.
//!
//! # What it checks
//!
//! Reads the leaf certificate from the clear-text Certificate message of the
//! highest accepted TLS ≤ 1.2 handshake and checks key type and size,
//! signature hash and validity period against the crypto policy. Self-signed
//! certificates are reported for information.
//!
//! # Why it matters
//!
//! EN 303 645 5.5-1: a short RSA key, an MD5/SHA-1 signature or an expired
//! certificate undermine the authentication TLS is meant to provide. A
//! self-signed certificate is common on local device interfaces; whether it
//! is acceptable depends on how clients pin or trust it (IXIT).
//!
//! # How to fix
//!
//! Use at least 2048-bit RSA or P-256 keys, SHA-256 signatures, and a
//! validity period the device can renew before it ends.
//!
//! # Provisions and test units
//!
//! 5.5-1 (test unit 5.5-1-2a).

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, network};
use crate::policy::CryptoPolicy;
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-tls-certificate",
    provisions: &["5.5-1"],
    test_units: &["5.5-1-2a"],
    summary: "weak, expired or self-signed TLS certificates",
};

/// Findings per certificate weakness; a pass when there is none.
pub fn run(report: &ProbeReport, policy: &CryptoPolicy) -> Vec<Finding> {
    let limits = &policy.tls.certificate;
    let mut out = Vec::new();
    for t in &report.tls {
        let Some(c) = &t.report.certificate else {
            continue;
        };
        let location = network(&t.host, t.port, Transport::Tcp, "tls");
        let evidence = Some(format!(
            "subject={} issuer={} key={} {} sig={}",
            c.subject, c.issuer, c.key_type, c.key_bits, c.signature_algorithm
        ));
        let mut problems = Vec::new();
        if let Some(e) = &c.parse_error {
            problems.push((Severity::Medium, format!("certificate does not parse: {e}")));
        }
        let min = match c.key_type.as_str() {
            "RSA" | "DSA" => limits.min_rsa_bits,
            "EC" => limits.min_ec_bits,
            _ => 0,
        };
        if c.key_bits > 0 && c.key_bits < min {
            problems.push((
                Severity::High,
                format!(
                    "{}-bit {} key is below the policy minimum of {min} bits",
                    c.key_bits, c.key_type
                ),
            ));
        }
        if limits.insecure_signature_hashes.contains(&c.signature_hash) {
            problems.push((
                Severity::High,
                format!("signed with {}, a broken hash", c.signature_algorithm),
            ));
        }
        if c.parse_error.is_none() && c.not_after < report.probed_at {
            problems.push((Severity::Medium, "certificate has expired".to_owned()));
        }
        if c.parse_error.is_none() && c.not_before > report.probed_at {
            problems.push((Severity::Medium, "certificate is not yet valid".to_owned()));
        }
        if c.self_signed {
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Info,
                location.clone(),
                "certificate is self-signed: clients can only trust it by pinning".to_owned(),
                evidence.clone(),
            ));
        }
        if problems.is_empty() {
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Pass,
                location.clone(),
                format!(
                    "{}-bit {} key, {} signature, within validity",
                    c.key_bits, c.key_type, c.signature_algorithm
                ),
                evidence.clone(),
            ));
        }
        for (severity, message) in problems {
            out.push(finding(
                &INFO,
                severity,
                Supports::Fail,
                location.clone(),
                message,
                evidence.clone(),
            ));
        }
    }
    out
}
