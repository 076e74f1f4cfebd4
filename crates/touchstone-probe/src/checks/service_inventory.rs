//! `net-service-inventory`: every service the device exposes.
//!
//! # What it checks
//!
//! Lists each open TCP port (connect scan of the selected ports) and each UDP
//! service that answered a protocol request, with the service, product and
//! version identified from its own handshake or banner.
//!
//! # Why it matters
//!
//! EN 303 645 5.6-1 requires unused network interfaces to be disabled. The
//! assessor compares this inventory with the interfaces the IXIT declares:
//! anything not declared is undocumented, anything not needed should be off.
//!
//! # How to fix
//!
//! Disable services the product does not need in production (debug consoles,
//! telnet, UPnP where unused), and declare every remaining one in the IXIT.
//!
//! # Provisions and test units
//!
//! 5.6-1 (test unit 5.6-1-2b, discovering interfaces the IXIT does not list).
//! Findings are information (`supports: info`): the verdict needs the IXIT.

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, network};
use crate::ProbeReport;

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-service-inventory",
    provisions: &["5.6-1"],
    test_units: &["5.6-1-2b"],
    summary: "network services exposed by the device",
};

/// One information finding per service.
pub fn run(report: &ProbeReport) -> Vec<Finding> {
    report
        .services
        .iter()
        .map(|s| {
            let what = match (&s.product, &s.version) {
                (Some(p), Some(v)) => format!("{} ({p} {v})", s.service),
                (Some(p), None) => format!("{} ({p})", s.service),
                _ => s.service.clone(),
            };
            finding(
                &INFO,
                Severity::Info,
                Supports::Info,
                network(&s.host, s.port, s.transport, &s.service),
                format!("{}/{} is open: {what}", s.port, s.transport.as_str()),
                s.evidence.clone(),
            )
        })
        .collect()
}
