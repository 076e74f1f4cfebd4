//! `net-ssh-host-key`: SSH host keys, their sizes, and keys shared by hosts.
//!
//! # What it checks
//!
//! Fetches one host key per key family the server offers (RSA, Ed25519,
//! ECDSA, DSA) from the server's key-exchange reply, reports its type, size
//! and SHA-256 fingerprint, fails RSA and DSA keys below the policy minimum,
//! and fails keys that several probed hosts share.
//!
//! # Why it matters
//!
//! EN 303 645 5.5-1: short host keys can be factored. 5.4-3 and 5.4-4: a host
//! key shared by several devices is a hard-coded critical security
//! parameter; whoever extracts it from one device can impersonate all.
//!
//! # How to fix
//!
//! Generate host keys on the device at first boot (at least 3072-bit RSA or
//! Ed25519), never in the firmware image.
//!
//! # Provisions and test units
//!
//! 5.5-1 (5.5-1-2a) for sizes; 5.4-3 (5.4-3-2a) for shared keys. The
//! fingerprint inventory is information for the assessor's cross-device
//! comparison when devices are probed in separate runs.

use std::collections::BTreeMap;

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding_on, network};
use crate::policy::CryptoPolicy;
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-ssh-host-key",
    provisions: &["5.5-1", "5.4-3"],
    test_units: &["5.5-1-2a", "5.4-3-2a"],
    summary: "SSH host key sizes, fingerprints and keys shared by hosts",
};

/// Provisions and units of key-size findings.
const SIZE: (&[&str], &[&str]) = (&["5.5-1"], &["5.5-1-2a"]);
/// Provisions and units of shared-key findings.
const SHARED: (&[&str], &[&str]) = (&["5.4-3"], &["5.4-3-2a"]);

/// Information per key, failures for short and shared keys.
pub fn run(report: &ProbeReport, policy: &CryptoPolicy) -> Vec<Finding> {
    let min = policy.ssh.host_key_size.min_rsa_bits;
    let mut out = Vec::new();
    let mut by_fingerprint: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for s in &report.ssh {
        let location = network(&s.host, s.port, Transport::Tcp, "ssh");
        for k in &s.report.host_keys {
            by_fingerprint
                .entry(k.fingerprint.as_str())
                .or_default()
                .push(s.host.clone());
            let evidence = Some(format!("{} {} {}", k.key_type, k.bits, k.fingerprint));
            if matches!(k.key_type.as_str(), "ssh-rsa" | "ssh-dss") && k.bits < min {
                out.push(finding_on(
                    &INFO,
                    SIZE,
                    Severity::High,
                    Supports::Fail,
                    location.clone(),
                    format!(
                        "{}-bit {} host key is below the policy minimum of {min} bits",
                        k.bits, k.key_type
                    ),
                    evidence,
                ));
            } else {
                out.push(finding_on(
                    &INFO,
                    SIZE,
                    Severity::Info,
                    Supports::Info,
                    location.clone(),
                    format!("{}-bit {} host key", k.bits, k.key_type),
                    evidence,
                ));
            }
        }
    }
    for (fingerprint, mut hosts) in by_fingerprint {
        hosts.sort();
        hosts.dedup();
        if hosts.len() > 1 {
            for h in &hosts {
                out.push(finding_on(
                    &INFO,
                    SHARED,
                    Severity::High,
                    Supports::Fail,
                    touchstone_core::Location::Network {
                        host: h.clone(),
                        port: None,
                        transport: Some("tcp".into()),
                        service: Some("ssh".into()),
                    },
                    format!(
                        "SSH host key is shared by {} hosts: {}",
                        hosts.len(),
                        hosts.join(", ")
                    ),
                    Some(fingerprint.to_owned()),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh::{HostKey, SshReport};
    use crate::{SshEndpoint, empty_report};

    fn endpoint(host: &str, fingerprint: &str, bits: u32) -> SshEndpoint {
        SshEndpoint {
            host: host.into(),
            port: 22,
            report: SshReport {
                host_keys: vec![HostKey {
                    key_type: "ssh-rsa".into(),
                    bits,
                    fingerprint: fingerprint.into(),
                }],
                ..SshReport::default()
            },
        }
    }

    #[test]
    fn keys_shared_by_hosts_fail_and_short_keys_fail() {
        let policy = CryptoPolicy::bundled().unwrap_or_else(|e| panic!("{e}"));
        let mut report = empty_report();
        report.ssh = vec![
            endpoint("10.0.0.1", "SHA256:same", 3072),
            endpoint("10.0.0.2", "SHA256:same", 3072),
            endpoint("10.0.0.3", "SHA256:other", 1024),
        ];
        let findings = run(&report, &policy);
        let mapped: Vec<(&str, &str)> = findings
            .iter()
            .map(|f| (f.provisions.join(","), f.test_units.join(",")))
            .map(|(p, u)| {
                (
                    if p == "5.4-3" { "shared" } else { "size" },
                    if u == "5.4-3-2a" || u == "5.5-1-2a" {
                        "ok"
                    } else {
                        "bad"
                    },
                )
            })
            .collect();
        assert_eq!(
            mapped,
            [
                ("size", "ok"),
                ("size", "ok"),
                ("size", "ok"),
                ("shared", "ok"),
                ("shared", "ok")
            ]
        );
        let got: Vec<String> = findings
            .iter()
            .map(|f| {
                format!(
                    "{} {}: {}",
                    f.supports.as_str(),
                    f.location
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    f.message
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "info 10.0.0.1:22/tcp (ssh): 3072-bit ssh-rsa host key",
                "info 10.0.0.2:22/tcp (ssh): 3072-bit ssh-rsa host key",
                "fail 10.0.0.3:22/tcp (ssh): 1024-bit ssh-rsa host key is below the policy minimum of 2048 bits",
                "fail 10.0.0.1/tcp (ssh): SSH host key is shared by 2 hosts: 10.0.0.1, 10.0.0.2",
                "fail 10.0.0.2/tcp (ssh): SSH host key is shared by 2 hosts: 10.0.0.1, 10.0.0.2",
            ]
        );
    }
}
