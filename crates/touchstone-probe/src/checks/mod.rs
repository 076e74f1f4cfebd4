//! The automated checks: one file each, with its documentation, id and
//! mapping to provisions and test units.
//!
//! Checks are pure functions of the facts gathered in a [`ProbeReport`]
//! and the [`CryptoPolicy`]; they do no IO. Check ids are stable forever.

pub mod brute_force;
pub mod cleartext_service;
pub mod default_credentials;
pub mod discovery_disclosure;
pub mod http_headers;
pub mod missing_authentication;
pub mod password_generation;
pub mod robustness;
pub mod security_txt;
pub mod service_inventory;
pub mod ssh_algorithms;
pub mod ssh_host_key;
pub mod tls_certificate;
pub mod tls_chain;
pub mod tls_ciphers;
pub mod tls_client_validation;
pub mod tls_versions;

use touchstone_core::{Finding, Location, Severity, Supports};

use crate::policy::{CryptoPolicy, Grade};
use crate::{ProbeReport, Transport};

/// Metadata of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInfo {
    /// Stable id.
    pub id: &'static str,
    /// EN 303 645 provisions.
    pub provisions: &'static [&'static str],
    /// TS 103 701 V1.1.1 test units.
    pub test_units: &'static [&'static str],
    /// One line.
    pub summary: &'static str,
}

/// Every check, in the order they run.
pub const CHECKS: [CheckInfo; 17] = [
    service_inventory::INFO,
    cleartext_service::INFO,
    tls_versions::INFO,
    tls_ciphers::INFO,
    tls_certificate::INFO,
    tls_chain::INFO,
    ssh_algorithms::INFO,
    ssh_host_key::INFO,
    default_credentials::INFO,
    missing_authentication::INFO,
    brute_force::INFO,
    http_headers::INFO,
    security_txt::INFO,
    discovery_disclosure::INFO,
    tls_client_validation::INFO,
    robustness::INFO,
    password_generation::INFO,
];

/// Run every check on the facts of a probe. `net-security-txt` also runs
/// on its own input (see [`crate::security_txt_findings`]);
/// `net-tls-client-validation` only on the MITM server's (see
/// [`crate::mitm`]), and `pw-generation` only on a CSV of sample devices
/// (see [`crate::passwords`]).
pub fn run_all(report: &ProbeReport, policy: &CryptoPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(service_inventory::run(report));
    out.extend(cleartext_service::run(report));
    out.extend(tls_versions::run(report, policy));
    out.extend(tls_ciphers::run(report, policy));
    out.extend(tls_certificate::run(report, policy));
    out.extend(tls_chain::run(report, policy));
    out.extend(ssh_algorithms::run(report, policy));
    out.extend(ssh_host_key::run(report, policy));
    out.extend(default_credentials::run(report));
    out.extend(missing_authentication::run(report));
    out.extend(brute_force::run(report));
    out.extend(http_headers::run(report));
    out.extend(security_txt::from_probe(report));
    out.extend(discovery_disclosure::run(report));
    out.extend(robustness::run(report));
    out
}

pub(crate) fn finding(
    info: &CheckInfo,
    severity: Severity,
    supports: Supports,
    location: Location,
    message: String,
    evidence: Option<String>,
) -> Finding {
    Finding {
        check: info.id.to_owned(),
        severity,
        supports,
        provisions: info.provisions.iter().map(|s| (*s).to_owned()).collect(),
        test_units: info.test_units.iter().map(|s| (*s).to_owned()).collect(),
        location: Some(location),
        message,
        evidence,
    }
}

/// A finding that bears on only some of the check's provisions.
pub(crate) fn finding_on(
    info: &CheckInfo,
    (provisions, test_units): (&[&str], &[&str]),
    severity: Severity,
    supports: Supports,
    location: Location,
    message: String,
    evidence: Option<String>,
) -> Finding {
    Finding {
        provisions: provisions.iter().map(|s| (*s).to_owned()).collect(),
        test_units: test_units.iter().map(|s| (*s).to_owned()).collect(),
        ..finding(info, severity, supports, location, message, evidence)
    }
}

pub(crate) fn network(host: &str, port: u16, transport: Transport, service: &str) -> Location {
    Location::Network {
        host: host.to_owned(),
        port: Some(port),
        transport: Some(transport.as_str().to_owned()),
        service: Some(service.to_owned()),
    }
}

/// Severity and support of a policy grade.
pub(crate) fn judged(grade: Grade) -> (Severity, Supports) {
    match grade {
        Grade::Insecure => (Severity::High, Supports::Fail),
        Grade::Weak => (Severity::Medium, Supports::Fail),
        Grade::Unknown => (Severity::Info, Supports::Info),
        Grade::Good => (Severity::Info, Supports::Pass),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_unique_and_stable() {
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "net-service-inventory",
                "net-cleartext-service",
                "net-tls-legacy-version",
                "net-tls-weak-cipher",
                "net-tls-certificate",
                "net-tls-chain",
                "net-ssh-weak-algorithm",
                "net-ssh-host-key",
                "net-default-credential",
                "net-no-authentication",
                "net-brute-force-protection",
                "net-http-headers",
                "net-security-txt",
                "net-discovery-disclosure",
                "net-tls-client-validation",
                "net-robustness",
                "pw-generation",
            ]
        );
        for c in CHECKS {
            assert!(
                !c.provisions.is_empty() && !c.test_units.is_empty(),
                "{}",
                c.id
            );
            for u in c.test_units {
                assert!(
                    c.provisions.iter().any(|p| u.starts_with(&format!("{p}-"))),
                    "{u} of {}",
                    c.id
                );
            }
        }
    }
}
