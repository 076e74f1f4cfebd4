//! `net-tls-certificate`: the certificate a TLS service presents.
//!
//! # What it checks
//!
//! Reads the leaf certificate from the clear-text Certificate message of the
//! highest accepted TLS ≤ 1.2 handshake and checks key type and size,
//! signature hash and validity period against the crypto policy. Self-signed
//! certificates are reported for information. Certificates presented by
//! several probed hosts fail: the same private key is on every device.
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
//! 5.5-1 (test unit 5.5-1-2a) for the certificate's quality; 5.4-3
//! (5.4-3-2a) for a certificate (and so a private key) that several probed
//! hosts share.

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding_on, network};
use crate::policy::CryptoPolicy;
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-tls-certificate",
    provisions: &["5.5-1", "5.4-3"],
    test_units: &["5.5-1-2a", "5.4-3-2a"],
    summary: "weak, expired or self-signed TLS certificates",
};

/// Provisions and units of certificate-quality findings.
const QUALITY: (&[&str], &[&str]) = (&["5.5-1"], &["5.5-1-2a"]);
/// Provisions and units of certificates shared by hosts.
const SHARED: (&[&str], &[&str]) = (&["5.4-3"], &["5.4-3-2a"]);

/// Findings per certificate weakness; a pass when there is none.
pub fn run(report: &ProbeReport, policy: &CryptoPolicy) -> Vec<Finding> {
    let limits = &policy.tls.certificate;
    let mut out = Vec::new();
    let mut by_hash: std::collections::BTreeMap<&str, Vec<&str>> =
        std::collections::BTreeMap::new();
    for t in &report.tls {
        if let Some(c) = &t.report.certificate {
            by_hash
                .entry(c.sha256.as_str())
                .or_default()
                .push(t.host.as_str());
        }
    }
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
            out.push(finding_on(
                &INFO,
                QUALITY,
                Severity::Info,
                Supports::Info,
                location.clone(),
                "certificate is self-signed: clients can only trust it by pinning".to_owned(),
                evidence.clone(),
            ));
        }
        if problems.is_empty() {
            out.push(finding_on(
                &INFO,
                QUALITY,
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
            out.push(finding_on(
                &INFO,
                QUALITY,
                severity,
                Supports::Fail,
                location.clone(),
                message,
                evidence.clone(),
            ));
        }
    }
    for (hash, mut hosts) in by_hash {
        hosts.sort_unstable();
        hosts.dedup();
        if hosts.len() < 2 {
            continue;
        }
        for h in &hosts {
            out.push(finding_on(
                &INFO,
                SHARED,
                Severity::High,
                Supports::Fail,
                touchstone_core::Location::Network {
                    host: (*h).to_owned(),
                    port: None,
                    transport: Some("tcp".into()),
                    service: Some("tls".into()),
                },
                format!(
                    "TLS certificate is shared by {} hosts: {}",
                    hosts.len(),
                    hosts.join(", ")
                ),
                Some(format!("sha256 {hash}")),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::{CertificateFacts, TlsReport};
    use crate::{TlsEndpoint, empty_report};

    fn endpoint(host: &str, sha256: &str) -> TlsEndpoint {
        TlsEndpoint {
            host: host.into(),
            port: 443,
            report: TlsReport {
                certificate: Some(CertificateFacts {
                    subject: "CN=cam".into(),
                    issuer: "CN=vendor-ca".into(),
                    not_before: 0,
                    not_after: i64::MAX,
                    key_type: "EC".into(),
                    key_bits: 256,
                    signature_algorithm: "ecdsa-with-SHA256".into(),
                    signature_hash: "sha256".into(),
                    sha256: sha256.into(),
                    ..CertificateFacts::default()
                }),
                ..TlsReport::default()
            },
        }
    }

    #[test]
    fn good_certificates_pass_and_shared_ones_fail_on_5_4_3() {
        let policy = CryptoPolicy::bundled().unwrap_or_else(|e| panic!("{e}"));
        let mut report = empty_report();
        report.tls = vec![
            endpoint("10.0.0.1", "aa"),
            endpoint("10.0.0.2", "aa"),
            endpoint("10.0.0.3", "bb"),
        ];
        let got: Vec<String> = run(&report, &policy)
            .iter()
            .map(|f| {
                format!(
                    "{} {} {}",
                    f.supports.as_str(),
                    f.provisions.join(","),
                    f.message
                )
            })
            .collect();
        let pass = "pass 5.5-1 256-bit EC key, ecdsa-with-SHA256 signature, within validity";
        let shared = "fail 5.4-3 TLS certificate is shared by 2 hosts: 10.0.0.1, 10.0.0.2";
        assert_eq!(got, [pass, pass, pass, shared, shared]);
    }
}
