//! `net-no-authentication`: login services that let anyone in.
//!
//! # What it checks
//!
//! The negative control of the credential check: a random user name and
//! password (for MQTT, first a CONNECT without any credential). If the
//! service accepts it, with the same proof a real login needs, it enforces
//! no authentication at all.
//!
//! # Why it matters
//!
//! EN 303 645 5.5-5: security-relevant functions (an MQTT broker that
//! controls the device, a shell, a configuration UI) must not be usable over
//! the network without authentication.
//!
//! # How to fix
//!
//! Require authentication (`allow_anonymous false` and a password file or
//! client certificates for mosquitto), or bind the service to loopback.
//!
//! # Provisions and test units
//!
//! 5.5-5 (test unit 5.5-5-2a).

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, network};
use crate::creds::Attempt;
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-no-authentication",
    provisions: &["5.5-5"],
    test_units: &["5.5-5-2a"],
    summary: "services that accept anonymous or random credentials",
};

/// A failure per service without authentication.
pub fn run(report: &ProbeReport) -> Vec<Finding> {
    report
        .credentials
        .iter()
        .filter(|c| c.report.no_authentication)
        .map(|c| {
            let proof = match &c.report.negative_control {
                Attempt::Success { proof } => proof.clone(),
                Attempt::Failure { answer } => answer.clone(),
                Attempt::Unknown { reason } => reason.clone(),
            };
            finding(
                &INFO,
                Severity::High,
                Supports::Fail,
                network(&c.host, c.port, Transport::Tcp, &c.service),
                format!(
                    "{} accepts logins without valid credentials",
                    c.report.mechanism
                ),
                Some(proof),
            )
        })
        .collect()
}
