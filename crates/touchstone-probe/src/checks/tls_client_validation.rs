//! `net-tls-client-validation`: does the device's TLS client validate the
//! server certificate?
//!
//! # What it checks
//!
//! Runs on the connections recorded by `touchstone mitm` ([`crate::mitm`]):
//! a TLS server presenting a certificate that no trusted CA signed, to which
//! the device's outgoing traffic was redirected. A client that completes the
//! handshake and sends application data accepted the impostor: a failure,
//! with the (redacted) first request as evidence. A client that completes
//! the handshake and sends nothing accepted it too (a failure of lower
//! severity). A client that aborts with a certificate alert (`bad_certificate`,
//! `unsupported_certificate`, `certificate_revoked`, `certificate_expired`,
//! `certificate_unknown`, `unknown_ca`) validates: a pass. Closing without an
//! alert, other alerts, no common version or suite, and non-TLS data are
//! information: they prove nothing either way. A run without any client is
//! information too (the redirection did not work).
//!
//! # Why it matters
//!
//! EN 303 645 5.5-1 requires best-practice cryptography for communication;
//! encryption without authentication of the peer protects against nobody on
//! the path. A device that accepts any certificate hands its cloud
//! credentials, telemetry and update requests to whoever answers.
//!
//! # How to fix
//!
//! Validate the server's chain against a CA store (or pin the vendor's CA or
//! key) and check the host name in every TLS client of the firmware: never
//! ship `SSL_VERIFY_NONE`, `curl -k`, `InsecureSkipVerify` or accept-all
//! verifiers.
//!
//! # Provisions and test units
//!
//! 5.5-1 (test unit 5.5-1-2a, the functional test of the communication
//! mechanisms' cryptography).

use touchstone_core::{Finding, Location, Severity, Supports};

use super::{CheckInfo, finding};
use crate::mitm_report::{ClientObservation, MitmReport, Outcome};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-tls-client-validation",
    provisions: &["5.5-1"],
    test_units: &["5.5-1-2a"],
    summary: "the device's TLS client rejects a certificate no trusted CA signed",
};

fn client_location(c: &ClientObservation) -> Location {
    let host = c
        .client
        .parse::<std::net::SocketAddr>()
        .map_or_else(|_| c.client.clone(), |a| a.ip().to_string());
    Location::Network {
        host,
        port: None,
        transport: Some("tcp".into()),
        service: Some("tls-client".into()),
    }
}

fn hello_evidence(c: &ClientObservation) -> String {
    let mut parts = Vec::new();
    if let Some(h) = &c.hello {
        parts.push(format!("SNI {}", h.sni.as_deref().unwrap_or("(none)")));
        parts.push(format!("offers {}", h.versions.join(", ")));
    }
    if let Some(v) = &c.negotiated_version {
        parts.push(format!("negotiated {v}"));
    }
    if let Some(a) = &c.alert {
        parts.push(format!("alert {a}"));
    }
    if let Some(d) = &c.application_data {
        parts.push(format!("first data: {d}"));
    }
    if let Some(d) = &c.detail {
        parts.push(d.clone());
    }
    parts.join("; ")
}

/// One finding per connection; one information finding when nobody came.
pub fn run(report: &MitmReport) -> Vec<Finding> {
    let mut out = Vec::new();
    if report.connections.is_empty() {
        let host = report
            .listen
            .parse::<std::net::SocketAddr>()
            .map_or_else(|_| report.listen.clone(), |a| a.ip().to_string());
        out.push(finding(
            &INFO,
            Severity::Info,
            Supports::Info,
            Location::Network {
                host,
                port: report.listen.parse::<std::net::SocketAddr>().ok().map(|a| a.port()),
                transport: Some("tcp".into()),
                service: Some("tls".into()),
            },
            format!(
                "no TLS client connected to {} within {} ms: redirect the device's traffic (DNS, hosts or NAT) to this address",
                report.listen, report.duration_ms
            ),
            None,
        ));
        return out;
    }
    for c in &report.connections {
        let name = &report.certificate_name;
        let (severity, supports, message) = match c.outcome {
            Outcome::AcceptedAndSentData => (
                Severity::High,
                Supports::Fail,
                format!(
                    "TLS client {} accepted an untrusted certificate for `{name}` and sent application data",
                    c.client
                ),
            ),
            Outcome::AcceptedNoData => (
                Severity::Medium,
                Supports::Fail,
                format!(
                    "TLS client {} completed the handshake with an untrusted certificate for `{name}` (no application data followed)",
                    c.client
                ),
            ),
            Outcome::RejectedWithAlert => (
                Severity::Info,
                Supports::Pass,
                format!(
                    "TLS client {} rejected the untrusted certificate with alert {}",
                    c.client,
                    c.alert.as_deref().unwrap_or("?")
                ),
            ),
            Outcome::ClosedDuringHandshake => (
                Severity::Info,
                Supports::Info,
                format!(
                    "TLS client {} closed the connection during the handshake without an alert: consistent with validation, not a proof",
                    c.client
                ),
            ),
            Outcome::Incompatible => (
                Severity::Info,
                Supports::Info,
                format!(
                    "TLS client {} and the test server found no common ground (version, suite or another alert): no conclusion",
                    c.client
                ),
            ),
            Outcome::NotTls => (
                Severity::Info,
                Supports::Info,
                format!("client {} did not speak TLS: no conclusion", c.client),
            ),
            Outcome::TimedOut => (
                Severity::Info,
                Supports::Info,
                format!(
                    "TLS client {} went silent during the handshake: no conclusion",
                    c.client
                ),
            ),
        };
        let evidence = hello_evidence(c);
        out.push(finding(
            &INFO,
            severity,
            supports,
            client_location(c),
            message,
            (!evidence.is_empty()).then_some(evidence),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(outcome: Outcome) -> ClientObservation {
        ClientObservation {
            client: "10.9.0.2:40000".into(),
            hello: None,
            handshake_completed: matches!(
                outcome,
                Outcome::AcceptedAndSentData | Outcome::AcceptedNoData
            ),
            negotiated_version: None,
            outcome,
            alert: (outcome == Outcome::RejectedWithAlert).then(|| "unknown_ca (48)".to_owned()),
            application_bytes: 0,
            application_data: None,
            detail: None,
        }
    }

    #[test]
    fn verdict_per_outcome() {
        let outcomes = [
            (Outcome::AcceptedAndSentData, "fail high"),
            (Outcome::AcceptedNoData, "fail medium"),
            (Outcome::RejectedWithAlert, "pass info"),
            (Outcome::ClosedDuringHandshake, "info info"),
            (Outcome::Incompatible, "info info"),
            (Outcome::NotTls, "info info"),
            (Outcome::TimedOut, "info info"),
        ];
        let report = MitmReport {
            listen: "10.9.0.1:443".into(),
            certificate_name: "cloud.example".into(),
            certificate_sha256: String::new(),
            duration_ms: 1,
            connections: outcomes.iter().map(|(o, _)| conn(*o)).collect(),
            findings: Vec::new(),
        };
        let got: Vec<String> = run(&report)
            .iter()
            .map(|f| format!("{} {}", f.supports.as_str(), f.severity.as_str()))
            .collect();
        let want: Vec<&str> = outcomes.iter().map(|(_, w)| *w).collect();
        assert_eq!(got, want);
        let empty = MitmReport {
            connections: Vec::new(),
            ..report
        };
        let f = run(&empty);
        assert_eq!(f.len(), 1);
        assert!(
            f.iter()
                .all(|f| f.message.contains("no TLS client connected"))
        );
    }
}
