//! What the probe does and how hard it pushes: [`Options`] and [`Ports`].

use std::time::Duration;

use crate::robust;
use crate::tls;
use crate::udp::{UDP_PROBES, UdpProbe};

/// Which TCP ports to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ports {
    /// 1–65535.
    All,
    /// Exactly these.
    List(Vec<u16>),
}

impl Ports {
    pub(crate) fn expand(&self) -> Vec<u16> {
        match self {
            Ports::All => (1..=u16::MAX).collect(),
            Ports::List(list) => {
                let mut l: Vec<u16> = list.iter().copied().filter(|p| *p != 0).collect();
                l.sort_unstable();
                l.dedup();
                l
            }
        }
    }
}

/// How to probe. `Options::default()` is the full default probe.
#[derive(Debug, Clone)]
pub struct Options {
    /// TCP ports to scan.
    pub ports: Ports,
    /// Accept ranges as targets.
    pub allow_range: bool,
    /// Send nothing; list the plan.
    pub dry_run: bool,
    /// Cap of simultaneous connections to one host (the scan window never
    /// exceeds it).
    pub max_connections: usize,
    /// Cap of simultaneous payload probes (identification, TLS, SSH, UDP,
    /// credentials) to one host. The default, 8, lets latency-bound work
    /// (a web server's one-second answer to each failed login) overlap;
    /// login attempts are further capped per service (4, and 2 on SSH,
    /// whose servers refuse more unauthenticated connections per source).
    pub max_probe_connections: usize,
    /// New connections per second to one host (0 = unlimited).
    pub max_connections_per_second: u32,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// Attempts to repeat for ports that stayed silent.
    pub retries: u8,
    /// How long to wait for a service to speak first.
    pub banner_wait: Duration,
    /// Timeout of one request/answer exchange.
    pub io_timeout: Duration,
    /// UDP requests to send (service and port).
    pub udp: Vec<UdpProbe>,
    /// UDP answer timeout per attempt.
    pub udp_timeout: Duration,
    /// UDP attempts per request.
    pub udp_attempts: u8,
    /// Analyse TLS services.
    pub tls: bool,
    /// Analyse SSH services.
    pub ssh: bool,
    /// Send payloads to printer ports 9100–9107 too.
    pub probe_printer_ports: bool,
    /// Try default credentials (with negative controls and proofs) on
    /// telnet, SSH, FTP, MQTT, RTSP and HTTP (Basic, Digest, forms) services.
    pub credentials: bool,
    /// Credential pairs tried per service, at most (after the control).
    pub max_credential_attempts: usize,
    /// Wrong attempts made per service to measure brute-force protection
    /// (0 = do not measure; default 3, `--brute-force-attempts`).
    pub brute_force_attempts: u32,
    /// Host name for TLS SNI, when the target is an address.
    pub server_name: Option<String>,
    /// Trust anchors of the lab (`--ca FILE`): TLS chains are validated
    /// against them as well as against the Mozilla roots.
    pub lab_anchors: tls::LabAnchors,
    /// Upper bound of the whole probe of one host.
    pub budget: Duration,
    /// Run the robustness mini-fuzzer on plain HTTP, MQTT and CoAP services
    /// after the analysis ([`robust`]). `None` (the default): off, because
    /// malformed input may crash the device.
    pub robustness: Option<robust::Settings>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            ports: Ports::All,
            allow_range: false,
            dry_run: false,
            max_connections: 512,
            max_probe_connections: 8,
            max_connections_per_second: 50_000,
            connect_timeout: Duration::from_millis(1000),
            retries: 1,
            banner_wait: Duration::from_millis(800),
            io_timeout: Duration::from_secs(3),
            udp: UDP_PROBES.to_vec(),
            udp_timeout: Duration::from_millis(500),
            udp_attempts: 2,
            tls: true,
            ssh: true,
            probe_printer_ports: false,
            credentials: true,
            max_credential_attempts: 16,
            brute_force_attempts: 3,
            server_name: None,
            lab_anchors: tls::LabAnchors::default(),
            budget: Duration::from_secs(300),
            robustness: None,
        }
    }
}
