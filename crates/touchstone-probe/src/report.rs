//! The report model of a probe: services, per-endpoint details, problems,
//! the dry-run plan and counters.

use serde::Serialize;
use touchstone_core::{Finding, FindingSet, Tool};

use crate::{creds, mdns, robust, security_txt, ssh, tls, upnp};

/// `tcp` or `udp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Transport {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

/// One service found on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    /// Host address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// `tcp` or `udp`.
    pub transport: Transport,
    /// Service name (`ssh`, `http`, `https`, `mqtt`, `mqtts`, `dns` …;
    /// `tls` when the protocol inside TLS was not identified; `unknown`).
    pub service: String,
    /// Product, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Version, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What identified the service (an excerpt of its answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// TLS analysis of one endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct TlsEndpoint {
    /// Host address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// What was found.
    pub report: tls::TlsReport,
}

/// SSH analysis of one endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct SshEndpoint {
    /// Host address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// What was found.
    pub report: ssh::SshReport,
}

/// The answer of an HTTP service to `GET /` without credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpEndpoint {
    /// Host address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Response headers in order (values excerpted).
    pub headers: Vec<(String, String)>,
    /// The head ended within what identification read (at most 100
    /// headers and 4 KiB); `false`: the headers are only a part.
    pub head_complete: bool,
}

/// Credential results of one endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialEndpoint {
    /// Host address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Service name.
    pub service: String,
    /// What was found.
    pub report: creds::CredentialReport,
}

/// Something that kept part of the probe from running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Host address.
    pub host: String,
    /// What went wrong.
    pub message: String,
}

/// One step of a dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedProbe {
    /// Host address.
    pub host: String,
    /// `tcp` or `udp`.
    pub transport: Transport,
    /// Ports, for instance `1-65535` or `5683`.
    pub ports: String,
    /// What would be sent.
    pub action: String,
    /// The payload bytes in hex, when fixed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_hex: Option<String>,
}

/// Counters of the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Connections (and UDP sockets) opened.
    pub connections: u64,
    /// TCP ports scanned per host.
    pub tcp_ports: usize,
    /// Largest scan window used.
    pub scan_window_max: usize,
    /// TCP ports that never answered (filtered or overloaded host).
    pub tcp_silent: usize,
    /// Time of the TCP sweep, milliseconds (summed over hosts).
    pub scan_ms: u64,
    /// Time of service identification and UDP, milliseconds.
    pub identify_ms: u64,
    /// Time of TLS, SSH and credential analysis, milliseconds.
    pub analyse_ms: u64,
}

/// The result of [`probe`].
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    /// The target as given.
    pub target: String,
    /// The hosts it resolved to.
    pub hosts: Vec<String>,
    /// When the probe started, seconds since the Unix epoch (certificate
    /// validity is judged at this time).
    pub probed_at: i64,
    /// Whether this was a dry run (nothing sent).
    pub dry_run: bool,
    /// Open services, ordered by host, transport and port.
    pub services: Vec<Service>,
    /// Findings of every check, in check order.
    pub findings: Vec<Finding>,
    /// TLS details per endpoint.
    pub tls: Vec<TlsEndpoint>,
    /// SSH details per endpoint.
    pub ssh: Vec<SshEndpoint>,
    /// Credential results per endpoint that asks for a login.
    pub credentials: Vec<CredentialEndpoint>,
    /// Unauthenticated HTTP answers.
    pub http: Vec<HttpEndpoint>,
    /// UPnP device descriptions fetched from SSDP `LOCATION`s on the host.
    pub upnp: Vec<upnp::UpnpDescription>,
    /// Service instances announced over mDNS, with their TXT records.
    pub mdns: Vec<mdns::MdnsService>,
    /// Robustness fuzzing per service (empty unless asked for).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub robustness: Vec<robust::RobustnessReport>,
    /// security.txt fetched from the device's HTTPS services.
    pub security_txt: Vec<security_txt::fetch::Fetched>,
    /// Parts that could not run.
    pub problems: Vec<Problem>,
    /// What a dry run would send (empty otherwise).
    pub plan: Vec<PlannedProbe>,
    /// Counters.
    pub stats: Stats,
}

impl ProbeReport {
    /// The findings as a `touchstone.findings/v1` set, ready for the engine.
    pub fn finding_set(&self) -> FindingSet {
        let mut set = FindingSet::new(Some(Tool {
            name: "touchstone-probe".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }));
        set.findings = self.findings.clone();
        set
    }
}

/// The probe could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// The target is not acceptable.
    #[error("target `{target}`: {message}")]
    Target {
        /// The target as given.
        target: String,
        /// Why it was refused.
        message: String,
    },
    /// The options contradict each other or are out of range.
    #[error("options: {0}")]
    Options(String),
    /// The bundled crypto policy does not parse (a build defect).
    #[error("crypto policy: {0}")]
    Policy(String),
    /// The async runtime could not start.
    #[error("runtime: {0}")]
    Runtime(String),
}

/// An empty report, for check tests.
#[cfg(test)]
pub(crate) fn empty_report() -> ProbeReport {
    ProbeReport {
        target: "test".into(),
        hosts: Vec::new(),
        probed_at: 1_795_910_400,
        dry_run: false,
        services: Vec::new(),
        findings: Vec::new(),
        tls: Vec::new(),
        ssh: Vec::new(),
        credentials: Vec::new(),
        http: Vec::new(),
        upnp: Vec::new(),
        mdns: Vec::new(),
        robustness: Vec::new(),
        security_txt: Vec::new(),
        problems: Vec::new(),
        plan: Vec::new(),
        stats: Stats::default(),
    }
}
