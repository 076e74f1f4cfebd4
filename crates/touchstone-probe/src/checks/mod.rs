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

/// Where a check gets its facts.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    /// The facts of a probe: [`run_all`] runs it.
    Probe(fn(&ProbeReport, &CryptoPolicy) -> Vec<Finding>),
    /// Input of its own, named here: it runs where that input is read.
    Own(&'static str),
}

/// A registered check: its metadata and how it runs.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Id, provisions, test units.
    pub info: CheckInfo,
    /// How it runs.
    pub input: Input,
}

/// Every check, in the order they run. Adding a check is one file in
/// `src/checks/` and one line here; `registry_names_every_check_file`
/// fails otherwise. [`run_all`] runs exactly the [`Input::Probe`] entries.
pub const CHECKS: &[Check] = &[
    Check {
        info: service_inventory::INFO,
        input: Input::Probe(|r, _| service_inventory::run(r)),
    },
    Check {
        info: cleartext_service::INFO,
        input: Input::Probe(|r, _| cleartext_service::run(r)),
    },
    Check {
        info: tls_versions::INFO,
        input: Input::Probe(tls_versions::run),
    },
    Check {
        info: tls_ciphers::INFO,
        input: Input::Probe(tls_ciphers::run),
    },
    Check {
        info: tls_certificate::INFO,
        input: Input::Probe(tls_certificate::run),
    },
    Check {
        info: tls_chain::INFO,
        input: Input::Probe(tls_chain::run),
    },
    Check {
        info: ssh_algorithms::INFO,
        input: Input::Probe(ssh_algorithms::run),
    },
    Check {
        info: ssh_host_key::INFO,
        input: Input::Probe(ssh_host_key::run),
    },
    Check {
        info: default_credentials::INFO,
        input: Input::Probe(|r, _| default_credentials::run(r)),
    },
    Check {
        info: missing_authentication::INFO,
        input: Input::Probe(|r, _| missing_authentication::run(r)),
    },
    Check {
        info: brute_force::INFO,
        input: Input::Probe(|r, _| brute_force::run(r)),
    },
    Check {
        info: http_headers::INFO,
        input: Input::Probe(|r, _| http_headers::run(r)),
    },
    Check {
        info: security_txt::INFO,
        input: Input::Probe(|r, _| security_txt::from_probe(r)),
    },
    Check {
        info: discovery_disclosure::INFO,
        input: Input::Probe(|r, _| discovery_disclosure::run(r)),
    },
    Check {
        info: tls_client_validation::INFO,
        input: Input::Own("the connections recorded by the MITM server (crate::mitm)"),
    },
    Check {
        info: robustness::INFO,
        input: Input::Probe(|r, _| robustness::run(r)),
    },
    Check {
        info: password_generation::INFO,
        input: Input::Own("a CSV of sample devices (crate::passwords)"),
    },
];

/// Run every check registered with [`Input::Probe`] on the facts of a
/// probe, in registry order. `net-security-txt` also runs on its own input
/// (see [`crate::security_txt_findings`]).
pub fn run_all(report: &ProbeReport, policy: &CryptoPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    for check in CHECKS {
        if let Input::Probe(run) = check.input {
            out.extend(run(report, policy));
        }
    }
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
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.info.id).collect();
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
        for c in CHECKS.iter().map(|c| c.info) {
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

    /// Every file in `src/checks/` is one check, registered exactly once.
    #[test]
    fn registry_names_every_check_file() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/checks");
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.file_name().is_some_and(|n| n == "mod.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            let at = text
                .find("pub const INFO: CheckInfo")
                .unwrap_or_else(|| panic!("{} declares no INFO", path.display()));
            let id = text[at..]
                .split('"')
                .nth(1)
                .unwrap_or_else(|| panic!("{}: no id", path.display()));
            let registered = CHECKS.iter().filter(|c| c.info.id == id).count();
            assert_eq!(
                registered,
                1,
                "{id} ({}) registered {registered} times",
                path.display()
            );
            files += 1;
        }
        assert_eq!(files, CHECKS.len(), "a registry entry without its own file");
    }
}
