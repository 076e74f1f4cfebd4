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

use super::{CheckInfo, finding, network};
use crate::policy::CryptoPolicy;
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-ssh-host-key",
    provisions: &["5.5-1", "5.4-3"],
    test_units: &["5.5-1-2a", "5.4-3-2a"],
    summary: "SSH host key sizes, fingerprints and keys shared by hosts",
};

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
                out.push(finding(
                    &INFO,
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
                out.push(finding(
                    &INFO,
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
                out.push(finding(
                    &INFO,
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
