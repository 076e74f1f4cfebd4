//! Active network probing of one device under test.
//!
//! `touchstone-probe` finds what a live device exposes and how well it
//! protects it, and reports the result as [`touchstone_core::Finding`]s
//! mapped to EN 303 645 provisions and TS 103 701 V1.1.1 test units:
//!
//! 1. **Discovery**: a TCP connect scan of all 65,535 ports (adaptive
//!    concurrency, bounded retries) and UDP requests of real protocols (DNS,
//!    NTP, SNMP, SSDP, mDNS, CoAP); a UDP port is open only when it answers.
//! 2. **Identification** by the services' own handshakes and banners (SSH,
//!    telnet IAC, FTP 220, TLS ClientHello, HTTP, MQTT CONNECT).
//! 3. **TLS**: versions SSL 3.0 to TLS 1.3 and cipher suites by hand-built
//!    ClientHellos, certificate facts with `x509-parser`, and chain
//!    validation by one rustls handshake ([`tls::chain`]: Mozilla roots,
//!    [`Options::lab_anchors`], name, validity).
//! 4. **SSH**: banner, KEXINIT algorithm lists, host keys and fingerprints.
//! 5. **Default credentials** on telnet, FTP, MQTT and HTTP Basic, each with
//!    a negative control and a positive proof ([`creds`]), and a bounded
//!    measurement of brute-force protection.
//! 6. **Disclosure**: HTTP version banners and hardening headers, and
//!    security.txt (RFC 9116) validation from a file or an `http(s)://` URL
//!    ([`security_txt_findings`], [`fetch_security_txt`]), also asked of
//!    the device's own HTTPS services.
//! 7. **Robustness** (opt-in, [`Options::robustness`]): a seeded mini-fuzzer
//!    for HTTP, MQTT and CoAP with a liveness check after every batch
//!    ([`robust`]).
//! 8. **Password generation** ([`passwords`]): whether sample devices'
//!    passwords follow from their MAC or serial (pure; input is a CSV).
//!
//! Separately, [`mitm`] tests the device's own TLS client: a server with an
//! untrusted certificate records which clients accept it
//! (`touchstone mitm --listen ADDR`).
//!
//! Every judgement comes from the crypto policy in `data/crypto-policy.toml`
//! ([`CryptoPolicy`]) and names its reason.
//!
//! # Safety
//!
//! * The target is explicit: one address or host name. Ranges (`A-B`,
//!   `A/N`) are refused unless [`Options::allow_range`] is set, and are
//!   limited to [`MAX_RANGE_HOSTS`] hosts.
//! * Every connection to a host goes through a limiter: at most
//!   [`Options::max_connections`] at once (the scan) and
//!   [`Options::max_probe_connections`] for payload probes, and at most
//!   [`Options::max_connections_per_second`] new ones.
//! * Printer ports 9100–9107 receive no payloads (only a passive banner
//!   read) unless [`Options::probe_printer_ports`] is set.
//! * [`Options::dry_run`] sends nothing and lists what would be sent in
//!   [`ProbeReport::plan`].
//! * Every loop is bounded in count, every read in bytes and time, and the
//!   whole probe by [`Options::budget`].
//!
//! Only probe devices you own or are authorised to test.
//!
//! # Wiring into the binary
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let options = touchstone_probe::Options::default();
//! let report = touchstone_probe::probe_blocking("192.0.2.10", &options)?;
//! // `touchstone probe TARGET --format json`: print the report.
//! let json = serde_json::to_string_pretty(&report)?;
//! // `touchstone assess DIR --probe TARGET`: feed the findings in like a
//! // `--findings` file.
//! let findings: touchstone_core::FindingSet = report.finding_set();
//! # let _ = (json, findings); Ok(()) }
//! ```
//!
//! `--dry-run` maps to [`Options::dry_run`], `--allow-range` to
//! [`Options::allow_range`], `--max-connections`/`--rate` to
//! [`Options::max_connections`] and [`Options::max_connections_per_second`],
//! `--ports` to [`Options::ports`], `--ca FILE` to [`Options::lab_anchors`]. Exit code 2 on [`ProbeError`] (bad
//! target or options); otherwise the findings decide, as for `assess`.

pub mod checks;
pub mod creds;
mod ident;
mod limiter;
pub mod mdns;
pub mod mitm;
pub mod passwords;
pub mod policy;
pub mod robust;
mod scan;
pub mod security_txt;
pub mod ssh;
mod target;
pub mod tls;
mod udp;
pub mod upnp;
mod wire;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;
use tokio::task::JoinSet;
use tokio::time::Instant;
use touchstone_core::{Finding, FindingSet, Tool};

pub use ident::{
    Identified, classify_banner, classify_http, is_printer_port, mqtt_connect, parse_connack,
};
pub use policy::{CryptoPolicy, Grade, Rated};
pub use target::{MAX_RANGE_HOSTS, resolve_target};
pub use udp::{UDP_PROBES, UdpProbe, is_valid_reply as is_valid_udp_reply, request as udp_request};

use limiter::Limiter;

/// Which TCP ports to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ports {
    /// 1–65535.
    All,
    /// Exactly these.
    List(Vec<u16>),
}

impl Ports {
    fn expand(&self) -> Vec<u16> {
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
    /// Service name (`ssh`, `http`, `tls`, `mqtt`, `dns` … or `unknown`).
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

/// Probe `target` and return services, findings and problems.
///
/// # Errors
///
/// [`ProbeError`] when the target or the options are refused; network
/// failures are never errors, they become [`ProbeReport::problems`].
pub async fn probe(target: &str, options: &Options) -> Result<ProbeReport, ProbeError> {
    let started = Instant::now();
    if options.max_connections == 0 || options.max_probe_connections == 0 {
        return Err(ProbeError::Options(
            "connection caps must be at least 1".into(),
        ));
    }
    let policy = CryptoPolicy::bundled().map_err(|e| ProbeError::Policy(e.to_string()))?;
    let hosts = resolve_target(target, options.allow_range)?;
    let mut report = ProbeReport {
        target: target.to_owned(),
        hosts: hosts.iter().map(ToString::to_string).collect(),
        probed_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        dry_run: options.dry_run,
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
    };
    if options.dry_run {
        for ip in &hosts {
            report.plan.extend(plan(*ip, options));
        }
        return Ok(report);
    }
    for ip in hosts {
        probe_host(ip, options, &mut report).await;
    }
    report.findings = checks::run_all(&report, &policy);
    report.stats.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

/// [`probe`] on a runtime of its own, for callers without one.
///
/// # Errors
///
/// As [`probe`], plus [`ProbeError::Runtime`].
pub fn probe_blocking(target: &str, options: &Options) -> Result<ProbeReport, ProbeError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ProbeError::Runtime(e.to_string()))?;
    runtime.block_on(probe(target, options))
}

fn plan(ip: IpAddr, options: &Options) -> Vec<PlannedProbe> {
    let host = ip.to_string();
    let ports = options.ports.expand();
    let port_text = match (&options.ports, ports.first(), ports.last()) {
        (Ports::All, _, _) => "1-65535".to_owned(),
        (Ports::List(_), Some(a), Some(b)) if ports.len() > 8 => {
            format!("{a}-{b} ({} ports)", ports.len())
        }
        _ => ports
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
    };
    let mut plan = vec![PlannedProbe {
        host: host.clone(),
        transport: Transport::Tcp,
        ports: port_text,
        action: format!(
            "TCP connect (no payload), at most {} at once, {} per second, {} retr{} for silent ports",
            options.max_connections,
            options.max_connections_per_second,
            options.retries,
            if options.retries == 1 { "y" } else { "ies" }
        ),
        payload_hex: None,
    }];
    let printers = if options.probe_printer_ports {
        ""
    } else {
        " (not on printer ports 9100-9107)"
    };
    plan.push(PlannedProbe {
        host: host.clone(),
        transport: Transport::Tcp,
        ports: "each open port".into(),
        action: format!(
            "passive banner read; then{printers} TLS ClientHello, HTTP `GET /`, MQTT CONNECT, RTSP OPTIONS until one is answered"
        ),
        payload_hex: None,
    });
    if options.tls {
        plan.push(PlannedProbe {
            host: host.clone(),
            transport: Transport::Tcp,
            ports: "each TLS port".into(),
            action: "one ClientHello per version SSLv3..TLSv1.3, then one per accepted cipher suite (sequential); if TLS 1.2/1.3 is accepted, one rustls handshake to validate the chain and an HTTPS GET of /.well-known/security.txt (then /security.txt)".into(),
            payload_hex: None,
        });
    }
    if options.ssh {
        plan.push(PlannedProbe {
            host: host.clone(),
            transport: Transport::Tcp,
            ports: "each SSH port".into(),
            action: "identification string and KEXINIT; one key-exchange init per host-key family (never completed)"
                .into(),
            payload_hex: None,
        });
    }
    if options.credentials {
        plan.push(PlannedProbe {
            host: host.clone(),
            transport: Transport::Tcp,
            ports: "each telnet, SSH, FTP, MQTT, RTSP and HTTP port".into(),
            action: format!(
                "login with a random credential (negative control) and up to {} bundled default credentials, at most 4 at once (2 on SSH), stopping at the first proven login; then {} sequential wrong attempts to measure brute-force protection; one connection per attempt (HTTP: login forms of data/http-forms.toml are detected with one GET each)",
                options.max_credential_attempts, options.brute_force_attempts
            ),
            payload_hex: None,
        });
    }
    for p in &options.udp {
        plan.push(PlannedProbe {
            host: host.clone(),
            transport: Transport::Udp,
            ports: p.port.to_string(),
            action: format!(
                "{} request, up to {} attempt(s){}",
                p.service,
                options.udp_attempts,
                match p.service {
                    "ssdp" => "; then HTTP GET of the LOCATION description if it is on this host",
                    "mdns" => "; then PTR and TXT queries for at most 8 service types and 8 instances each",
                    _ => "",
                }
            ),
            payload_hex: Some(
                udp::request(p.service, ip)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            ),
        });
    }
    if let Some(r) = &options.robustness {
        plan.push(PlannedProbe {
            host: host.clone(),
            transport: Transport::Tcp,
            ports: "each plain HTTP and MQTT port, and CoAP on UDP".into(),
            action: format!(
                "robustness: {} malformed inputs per service (seed {}), one connection each, a valid request after every {}; stops a service's run when it no longer answers",
                r.cases, r.seed, r.batch
            ),
            payload_hex: None,
        });
    }
    plan
}

async fn probe_host(ip: IpAddr, options: &Options, report: &mut ProbeReport) {
    let host = ip.to_string();
    let deadline = Instant::now() + options.budget;
    let scan_limiter = Limiter::new(options.max_connections, options.max_connections_per_second);
    let probe_limiter = Limiter::new(
        options.max_probe_connections.min(options.max_connections),
        options.max_connections_per_second,
    );
    let ports = options.ports.expand();
    report.stats.tcp_ports += ports.len();

    // UDP runs while TCP is scanned; both share the per-second rate.
    let udp_task = {
        let limiter = probe_limiter.clone();
        let probes = options.udp.clone();
        let (timeout, attempts) = (options.udp_timeout, options.udp_attempts);
        tokio::spawn(async move {
            let mut set = JoinSet::new();
            for p in probes {
                let limiter = limiter.clone();
                set.spawn(async move {
                    udp::probe_udp(ip, p, p.port, &limiter, timeout, attempts).await
                });
            }
            let mut answers = Vec::new();
            while let Some(r) = set.join_next().await {
                if let Ok(Some(a)) = r {
                    answers.push(a);
                }
            }
            answers
        })
    };

    let phase = Instant::now();
    let scanned = scan::tcp_scan(
        ip,
        &ports,
        &scan_limiter,
        options.max_connections,
        options.connect_timeout,
        options.retries,
        deadline,
    )
    .await;
    report.stats.scan_ms += millis(phase);
    let phase = Instant::now();
    report.stats.scan_window_max = report.stats.scan_window_max.max(scanned.largest_window);
    report.stats.tcp_silent += scanned.silent.len();
    if scanned.stopped_by_deadline {
        report.problems.push(Problem {
            host: host.clone(),
            message: format!(
                "the time budget of {:?} ended the TCP scan early",
                options.budget
            ),
        });
    }

    let mut ident = JoinSet::new();
    for port in scanned.open.iter().copied() {
        let limiter = probe_limiter.clone();
        let payloads = options.probe_printer_ports || !is_printer_port(port);
        let (wait, timeout) = (options.banner_wait, options.io_timeout);
        ident.spawn(async move {
            (
                port,
                ident::identify(ip, port, &limiter, wait, timeout, payloads).await,
            )
        });
    }
    let mut services = Vec::new();
    // TLS, SSH and credential analysis of a service starts as soon as it is
    // identified, while the other services and UDP are still answering.
    let mut deep = JoinSet::new();
    while let Some(r) = ident.join_next().await {
        if let Ok((port, id)) = r {
            spawn_deep(
                &mut deep,
                SocketAddr::new(ip, port),
                &id.service,
                options,
                &probe_limiter,
            );
            if id.service == "http" {
                report.http.push(HttpEndpoint {
                    host: host.clone(),
                    port,
                    headers: id.http_headers.clone(),
                });
            }
            services.push(Service {
                host: host.clone(),
                port,
                transport: Transport::Tcp,
                service: id.service,
                product: id.product,
                version: id.version,
                evidence: id.evidence,
            });
        }
    }
    match udp_task.await {
        Ok(answers) => {
            for location in answers.iter().filter_map(|a| a.location.as_deref()) {
                match upnp::fetch(ip, location, &probe_limiter, options.io_timeout).await {
                    Ok(d) if !report.upnp.contains(&d) => report.upnp.push(d),
                    Ok(_) => {}
                    Err(message) => report.problems.push(Problem {
                        host: host.clone(),
                        message,
                    }),
                }
            }
            for a in answers.iter().filter(|a| a.probe.service == "mdns") {
                let found =
                    mdns::browse(ip, a.probe.port, &probe_limiter, options.udp_timeout).await;
                report.mdns.extend(found);
            }
            for a in answers {
                let (product, version) = match a
                    .server
                    .as_deref()
                    .and_then(|s| s.split_whitespace().last())
                {
                    Some(last) => match last.split_once('/') {
                        Some((p, v)) => (Some(p.to_owned()), Some(v.to_owned())),
                        None => (Some(last.to_owned()), None),
                    },
                    None => (None, None),
                };
                services.push(Service {
                    host: host.clone(),
                    port: a.probe.port,
                    transport: Transport::Udp,
                    service: a.probe.service.to_owned(),
                    product,
                    version,
                    evidence: Some(a.evidence),
                });
            }
        }
        Err(e) => report.problems.push(Problem {
            host: host.clone(),
            message: format!("UDP probes did not finish: {e}"),
        }),
    }
    services.sort_by_key(|s| (s.transport, s.port));

    report.stats.identify_ms += millis(phase);
    let phase = Instant::now();
    let left = deadline.saturating_duration_since(Instant::now());
    let collected = tokio::time::timeout(left, async {
        let mut out = Vec::new();
        while let Some(r) = deep.join_next().await {
            if let Ok(d) = r {
                out.push(d);
            }
        }
        out
    })
    .await;
    match collected {
        Ok(results) => {
            for d in results {
                match d {
                    Deep::Tls(port, r) => report.tls.push(TlsEndpoint {
                        host: host.clone(),
                        port,
                        report: r,
                    }),
                    Deep::Ssh(port, r) => report.ssh.push(SshEndpoint {
                        host: host.clone(),
                        port,
                        report: r,
                    }),
                    Deep::Creds(port, service, Some(r)) => {
                        report.credentials.push(CredentialEndpoint {
                            host: host.clone(),
                            port,
                            service,
                            report: r,
                        });
                    }
                    Deep::Creds(_, _, None) => {}
                }
            }
        }
        Err(_) => report.problems.push(Problem {
            host: host.clone(),
            message: "the time budget ended the TLS/SSH analysis".into(),
        }),
    }
    security_txt_on_https(ip, options, &probe_limiter, deadline, report).await;
    report.stats.analyse_ms += millis(phase);
    if let Some(settings) = &options.robustness {
        // One service at a time, so an outage is attributable.
        for s in &services {
            let Some(protocol) = robust::Protocol::for_service(&s.service)
                .filter(|p| (*p == robust::Protocol::Coap) == (s.transport == Transport::Udp))
            else {
                continue;
            };
            let addr = SocketAddr::new(ip, s.port);
            let r = robust::run(addr, protocol, settings, &probe_limiter).await;
            report.robustness.push(r);
        }
    }
    report.tls.sort_by_key(|t| t.port);
    report.ssh.sort_by_key(|t| t.port);
    report.credentials.sort_by_key(|t| t.port);
    report.http.sort_by_key(|t| t.port);
    report.services.extend(services);
    report.stats.connections += scan_limiter.opened() + probe_limiter.opened();
}

/// Validate a security.txt and return its findings (`net-security-txt`).
/// `source` is the URL it came from or a file name; `now` is seconds since
/// the Unix epoch.
pub fn security_txt_findings(
    text: &str,
    source: &str,
    now: i64,
) -> (security_txt::SecurityTxt, Vec<Finding>) {
    let doc = security_txt::validate(text, source, now);
    let findings = checks::security_txt::run(&doc);
    (doc, findings)
}

/// Fetch a security.txt from an `http://` or `https://` URL, bounded to
/// 64 KiB and `timeout` per request, and validate it; see
/// [`security_txt::fetch::fetch`] for the locations tried, redirects and
/// the certificate judgement. A URL that cannot be fetched yields a
/// `no_security_txt` failure.
///
/// # Errors
///
/// [`ProbeError::Options`] for URLs that are not `http://` or `https://`,
/// [`ProbeError::Target`] for hosts that do not resolve.
pub async fn fetch_security_txt(
    url: &str,
    timeout: Duration,
    now: i64,
) -> Result<(Option<security_txt::SecurityTxt>, Vec<Finding>), ProbeError> {
    let options = security_txt::fetch::FetchOptions {
        timeout,
        now,
        ..security_txt::fetch::FetchOptions::default()
    };
    let (fetched, findings) = security_txt::fetch::fetch(url, &options).await?;
    Ok((fetched.document, findings))
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

/// Start the analyses a TCP service gets: TLS, SSH, credentials.
fn spawn_deep(
    deep: &mut JoinSet<Deep>,
    addr: SocketAddr,
    service: &str,
    options: &Options,
    probe_limiter: &Limiter,
) {
    let limiter = probe_limiter.clone();
    let timeout = options.io_timeout;
    if options.tls && service == "tls" {
        let sni = options.server_name.clone();
        let lab = options.lab_anchors.clone();
        deep.spawn(async move {
            Deep::Tls(
                addr.port(),
                tls::analyse(addr, sni.as_deref(), &lab, &limiter, timeout).await,
            )
        });
    } else if options.ssh && service == "ssh" {
        deep.spawn(
            async move { Deep::Ssh(addr.port(), ssh::analyse(addr, &limiter, timeout).await) },
        );
    }
    if let Some(mechanism) = creds::mechanism_for(service).filter(|_| options.credentials) {
        let settings = creds::CredentialSettings {
            list: creds::bundled_credentials(creds::protocol_of(mechanism)),
            max_attempts: options.max_credential_attempts,
            brute_force_attempts: options.brute_force_attempts,
            timeout: options.io_timeout,
        };
        let limiter = probe_limiter.clone();
        let service = service.to_owned();
        deep.spawn(async move {
            let found = creds::assess(addr, mechanism, &limiter, &settings).await;
            Deep::Creds(addr.port(), service, found)
        });
    }
}

/// Try `/.well-known/security.txt` (then `/security.txt`) on every TLS
/// service of `ip` where a rustls handshake completed.
async fn security_txt_on_https(
    ip: IpAddr,
    options: &Options,
    limiter: &Limiter,
    deadline: Instant,
    report: &mut ProbeReport,
) {
    let host = ip.to_string();
    let ports: Vec<u16> = report
        .tls
        .iter()
        .filter(|t| t.host == host)
        .filter(|t| {
            // Only where the rustls handshake (TLS 1.2/1.3) completed.
            let modern = t
                .report
                .versions
                .iter()
                .any(|v| v.accepted && (v.version == "TLSv1.2" || v.version == "TLSv1.3"));
            modern
                && t.report
                    .chain
                    .as_ref()
                    .is_some_and(|c| c.handshake_error.is_none())
        })
        .map(|t| t.port)
        .collect();
    let fetch_options = security_txt::fetch::FetchOptions {
        timeout: options.io_timeout,
        lab_anchors: options.lab_anchors.clone(),
        now: report.probed_at,
        ..security_txt::fetch::FetchOptions::default()
    };
    let authority = if ip.is_ipv6() {
        format!("[{ip}]")
    } else {
        host.clone()
    };
    for port in ports {
        let url = format!("https://{authority}:{port}/");
        let left = deadline.saturating_duration_since(Instant::now());
        let work = security_txt::fetch::fetch_limited(&url, &fetch_options, Some(limiter));
        match tokio::time::timeout(left, work).await {
            Ok(Ok((fetched, _))) => report.security_txt.push(fetched),
            Ok(Err(e)) => report.problems.push(Problem {
                host: host.clone(),
                message: format!("security.txt on port {port}: {e}"),
            }),
            Err(_) => report.problems.push(Problem {
                host: host.clone(),
                message: "the time budget ended the security.txt fetch".into(),
            }),
        }
    }
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

enum Deep {
    Tls(u16, tls::TlsReport),
    Ssh(u16, ssh::SshReport),
    Creds(u16, String, Option<creds::CredentialReport>),
}
