//! `net-default-credential`: universal default passwords that log in.
//!
//! # What it checks
//!
//! Tries the bundled default credentials (`data/default-credentials.toml`)
//! on every telnet, FTP, MQTT and HTTP Basic or Digest service, one connection per
//! attempt, after a negative control with a random credential has failed.
//! A pair is reported only with a positive proof: a shell computed
//! `echo TS$((6*7))X`, FTP answered 230 and then 257 to `PWD`, the broker
//! sent CONNACK 0, or the web server answered 2xx with other content than
//! its 401 page.
//!
//! # Why it matters
//!
//! EN 303 645 5.1-1 forbids universal default passwords: the Mirai family
//! spread through exactly these pairs.
//!
//! # How to fix
//!
//! Give every device a unique password (5.1-2) or make the user set one
//! before the service can be used.
//!
//! # Provisions and test units
//!
//! 5.1-1 (test unit 5.1-1-2b). Services where no pair worked get an
//! information finding naming how many pairs were tried: a short list is no
//! proof of absence.

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, network};
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-default-credential",
    provisions: &["5.1-1"],
    test_units: &["5.1-1-2b"],
    summary: "universal default credentials that log in, with proof",
};

/// A critical failure per working pair; information where none worked.
pub fn run(report: &ProbeReport) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &report.credentials {
        let location = network(&c.host, c.port, Transport::Tcp, &c.service);
        if c.report.no_authentication {
            continue; // reported by net-no-authentication
        }
        for (cred, proof) in &c.report.working {
            out.push(finding(
                &INFO,
                Severity::Critical,
                Supports::Fail,
                location.clone(),
                format!(
                    "default credential {}:{} logs in to {} ({})",
                    cred.user,
                    cred.password,
                    c.report.mechanism,
                    if cred.password.is_empty() {
                        "empty password"
                    } else {
                        "universal default"
                    }
                ),
                Some(proof.clone()),
            ));
        }
        if c.report.working.is_empty() {
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Info,
                location,
                format!(
                    "none of {} default credentials logged in to {}",
                    c.report.attempts, c.report.mechanism
                ),
                None,
            ));
        }
    }
    out
}
