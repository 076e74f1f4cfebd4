//! What device TLS clients did when the MITM server ([`crate::mitm`])
//! offered them an untrusted certificate: the facts the check
//! `net-tls-client-validation` judges. Kept apart from the server so the
//! check depends on the facts only (no module cycle).

use serde::Serialize;
use touchstone_core::{Finding, FindingSet, Tool};

/// What the client did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Completed the handshake with the untrusted certificate and sent
    /// application data.
    AcceptedAndSentData,
    /// Completed the handshake with the untrusted certificate, then sent
    /// nothing within the wait.
    AcceptedNoData,
    /// Aborted the handshake with a certificate alert: it validates.
    RejectedWithAlert,
    /// Closed the connection during the handshake without an alert.
    ClosedDuringHandshake,
    /// The handshake failed for another reason (no common version or suite,
    /// another alert): no conclusion about validation.
    Incompatible,
    /// The client did not speak TLS.
    NotTls,
    /// The client went silent before the handshake finished.
    TimedOut,
}

impl Outcome {
    /// Snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::AcceptedAndSentData => "accepted_and_sent_data",
            Outcome::AcceptedNoData => "accepted_no_data",
            Outcome::RejectedWithAlert => "rejected_with_alert",
            Outcome::ClosedDuringHandshake => "closed_during_handshake",
            Outcome::Incompatible => "incompatible",
            Outcome::NotTls => "not_tls",
            Outcome::TimedOut => "timed_out",
        }
    }
}

/// The parts of a ClientHello that matter here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientHelloInfo {
    /// Server name indication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// Offered versions (from `supported_versions`, else the legacy field).
    pub versions: Vec<String>,
    /// Offered cipher suites, IANA names (GREASE values left out).
    pub cipher_suites: Vec<String>,
    /// Offered ALPN protocols.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alpn: Vec<String>,
}

/// One client connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientObservation {
    /// Client address and port.
    pub client: String,
    /// The ClientHello, when one arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hello: Option<ClientHelloInfo>,
    /// Whether the handshake completed.
    pub handshake_completed: bool,
    /// Negotiated version, when the handshake completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiated_version: Option<String>,
    /// What the client did.
    pub outcome: Outcome,
    /// The alert the client sent, for instance `unknown_ca (48)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// Application data bytes received (counted up to the read bound).
    pub application_bytes: usize,
    /// What the application data was (redacted excerpt).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_data: Option<String>,
    /// Further detail (the TLS error, the first bytes of non-TLS data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The result of a MITM run.
#[derive(Debug, Clone, Serialize)]
pub struct MitmReport {
    /// The address listened on.
    pub listen: String,
    /// The name the certificate was issued for.
    pub certificate_name: String,
    /// SHA-256 of the presented certificate (DER), hex.
    pub certificate_sha256: String,
    /// How long the server listened, milliseconds.
    pub duration_ms: u64,
    /// Every connection, in accept order.
    pub connections: Vec<ClientObservation>,
    /// Findings of `net-tls-client-validation`.
    pub findings: Vec<Finding>,
}

impl MitmReport {
    /// The findings as a `touchstone.findings/v1` set.
    pub fn finding_set(&self) -> FindingSet {
        let mut set = FindingSet::new(Some(Tool {
            name: "touchstone-probe".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }));
        set.findings = self.findings.clone();
        set
    }
}
