//! `net-discovery-disclosure`: what discovery protocols tell anyone.
//!
//! # What it checks
//!
//! Fetches the UPnP device description named in the SSDP answer (only from
//! the probed host) and lists the identifying fields it discloses without
//! authentication: model, model number, serial number, UDN, friendly name.
//! Lists the TXT records of every service instance announced over mDNS.
//! A serial number (UPnP `serialNumber`, TXT keys `serial`, `sn`,
//! `serialnumber`) is reported as a failure, because serials often seed
//! default passwords and identify one unit world-wide.
//!
//! # Why it matters
//!
//! EN 303 645 5.6-2: interfaces should disclose no more security-relevant
//! information without authentication than necessary. 5.1-2: passwords
//! derived from serial numbers fall to anyone who can read the serial.
//!
//! # How to fix
//!
//! Disable UPnP where it is not needed; leave `serialNumber` out of the
//! description or publish a value unrelated to credentials.
//!
//! # Provisions and test units
//!
//! 5.6-2 (test unit 5.6-2-2a).

use touchstone_core::{Finding, Location, Severity, Supports};

use super::{CheckInfo, finding};
use crate::ProbeReport;

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-discovery-disclosure",
    provisions: &["5.6-2"],
    test_units: &["5.6-2-2a"],
    summary: "identifying data in UPnP descriptions and mDNS TXT records",
};

/// Information per description; a failure for a disclosed serial number.
pub fn run(report: &ProbeReport) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in &report.upnp {
        let location = Location::Document {
            uri: d.location.clone(),
        };
        let listed: Vec<String> = d.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push(finding(
            &INFO,
            Severity::Info,
            Supports::Info,
            location.clone(),
            format!(
                "UPnP description discloses {} field(s) without authentication",
                d.fields.len()
            ),
            Some(listed.join("; ")),
        ));
        if let Some((_, serial)) = d.fields.iter().find(|(k, _)| k == "serialNumber") {
            out.push(finding(
                &INFO,
                Severity::Low,
                Supports::Fail,
                location,
                "UPnP description discloses the serial number without authentication".to_owned(),
                Some(format!("serialNumber={serial}")),
            ));
        }
    }
    for m in &report.mdns {
        let location = Location::Network {
            host: m.host.clone(),
            port: Some(5353),
            transport: Some("udp".into()),
            service: Some("mdns".into()),
        };
        out.push(finding(
            &INFO,
            Severity::Info,
            Supports::Info,
            location.clone(),
            format!(
                "mDNS announces `{}` with {} TXT string(s)",
                m.instance,
                m.txt.len()
            ),
            Some(m.txt.join("; ")),
        ));
        let serial = m.txt.iter().find(|t| {
            t.split_once('=').is_some_and(|(k, _)| {
                matches!(
                    k.to_ascii_lowercase().as_str(),
                    "serial" | "sn" | "serialnumber"
                )
            })
        });
        if let Some(serial) = serial {
            out.push(finding(
                &INFO,
                Severity::Low,
                Supports::Fail,
                location,
                format!(
                    "mDNS TXT of `{}` discloses the serial number without authentication",
                    m.instance
                ),
                Some(serial.clone()),
            ));
        }
    }
    out
}
