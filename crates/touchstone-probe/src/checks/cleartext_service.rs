//! `net-cleartext-service`: login services without encryption.
//!
//! # What it checks
//!
//! Reports telnet and FTP services: both carry user names and passwords in
//! clear text. Identification is by the service's own banner (telnet option
//! negotiation or login prompt, FTP `220` greeting), not by port number.
//!
//! # Why it matters
//!
//! EN 303 645 5.5-1 requires security-relevant communication to use best
//! practice cryptography; credentials sent in clear can be read by anyone on
//! the local network. Telnet is also the entry point of the Mirai family.
//!
//! # How to fix
//!
//! Remove telnet and FTP from production firmware; use SSH or an
//! authenticated, TLS-protected API for administration.
//!
//! # Provisions and test units
//!
//! 5.5-1 (test unit 5.5-1-2a).

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, network};
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-cleartext-service",
    provisions: &["5.5-1"],
    test_units: &["5.5-1-2a"],
    summary: "login services that carry credentials in clear text",
};

/// One failure per telnet or FTP service.
pub fn run(report: &ProbeReport) -> Vec<Finding> {
    report
        .services
        .iter()
        .filter(|s| s.transport == Transport::Tcp && matches!(s.service.as_str(), "telnet" | "ftp"))
        .map(|s| {
            finding(
                &INFO,
                Severity::High,
                Supports::Fail,
                network(&s.host, s.port, s.transport, &s.service),
                format!(
                    "{} on port {} carries credentials in clear text",
                    s.service, s.port
                ),
                s.evidence.clone(),
            )
        })
        .collect()
}
