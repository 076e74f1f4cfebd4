//! `net-http-headers`: what a web interface discloses and how it is hardened.
//!
//! # What it checks
//!
//! Reads the headers of the unauthenticated answer to `GET /` of every HTTP
//! service. A `Server` or `X-Powered-By` header that names a software
//! version is reported as disclosure; missing browser hardening headers
//! (`Content-Security-Policy`, `X-Content-Type-Options`, `X-Frame-Options`
//! or a CSP `frame-ancestors`) are listed for the assessor.
//!
//! # Why it matters
//!
//! EN 303 645 5.6-2: interfaces should disclose no more security-relevant
//! information without authentication than needed. An exact version lets
//! an attacker pick a known exploit without probing. Hardening headers
//! limit what a malicious page can do with the device's web UI.
//!
//! # How to fix
//!
//! Drop the version from the `Server` header (lighttpd:
//! `server.tag = ""`; nginx: `server_tokens off`) and remove
//! `X-Powered-By`; send `Content-Security-Policy: frame-ancestors 'none'`
//! and `X-Content-Type-Options: nosniff`.
//!
//! # Provisions and test units
//!
//! 5.6-2 (test unit 5.6-2-2a). A version banner supports a low-severity
//! failure; missing hardening headers are information only, because
//! EN 303 645 does not require them by name.

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, network};
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-http-headers",
    provisions: &["5.6-2"],
    test_units: &["5.6-2-2a"],
    summary: "HTTP version banners and missing hardening headers",
};

/// Findings per HTTP service.
pub fn run(report: &ProbeReport) -> Vec<Finding> {
    let mut out = Vec::new();
    for h in &report.http {
        let location = network(&h.host, h.port, Transport::Tcp, "http");
        let header = |name: &str| {
            h.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        for name in ["Server", "X-Powered-By"] {
            if let Some(value) = header(name)
                && value.chars().any(|c| c.is_ascii_digit())
            {
                out.push(finding(
                    &INFO,
                    Severity::Low,
                    Supports::Fail,
                    location.clone(),
                    format!(
                        "the {name} header discloses a software version without authentication"
                    ),
                    Some(format!("{name}: {value}")),
                ));
            }
        }
        let csp = header("Content-Security-Policy");
        let mut missing = Vec::new();
        if csp.is_none() {
            missing.push("Content-Security-Policy");
        }
        if header("X-Content-Type-Options").is_none() {
            missing.push("X-Content-Type-Options");
        }
        if header("X-Frame-Options").is_none()
            && !csp.is_some_and(|c| c.contains("frame-ancestors"))
        {
            missing.push("X-Frame-Options (or CSP frame-ancestors)");
        }
        // A head cut short may carry them further on (the probe names the
        // cut in its problems).
        if !missing.is_empty() && h.head_complete {
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Info,
                location,
                format!("hardening headers missing: {}", missing.join(", ")),
                None,
            ));
        }
    }
    out
}
