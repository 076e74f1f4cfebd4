//! Orchestration of a probe: resolve, scan, identify, analyse, check.

use std::net::{IpAddr, SocketAddr};

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::ident::{self, is_printer_port};
use crate::limiter::Limiter;
use crate::plan::plan;
use crate::{
    CredentialEndpoint, CryptoPolicy, HttpEndpoint, Options, ProbeError, ProbeReport, Problem,
    Service, SshEndpoint, Stats, TlsEndpoint, Transport, checks, creds, mdns, resolve_target,
    robust, scan, security_txt, ssh, tls, udp, upnp,
};

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

/// More open TCP ports than this on one host is implausible for a device:
/// a tarpit, a proxy or a firewall answering for every port. Only a sample
/// of [`TARPIT_SAMPLE`] ports is then identified.
pub const TARPIT_OPEN_PORTS: usize = 256;

/// Ports identified on a host that answers on implausibly many.
pub const TARPIT_SAMPLE: usize = 32;

/// Ports sampled first on a tarpit: the services devices usually run.
const WELL_KNOWN: [u16; 16] = [
    21, 22, 23, 53, 80, 443, 554, 1883, 5683, 8000, 8080, 8443, 8883, 9000, 49152, 5000,
];

/// When each phase must end, as shares of the budget from the start of
/// the host's probe. Each is only a cap: a phase that finishes early hands
/// its time to the next.
struct Deadlines {
    scan: Instant,
    identify: Instant,
    analyse: Instant,
    end: Instant,
}

impl Deadlines {
    fn new(start: Instant, budget: std::time::Duration, robustness: bool) -> Deadlines {
        let at = |share: u32| start + budget * share / 100;
        Deadlines {
            scan: at(40),
            identify: at(65),
            analyse: if robustness { at(80) } else { at(100) },
            end: at(100),
        }
    }
}

/// Ports as a short list for a problem message: `22, 80, 443` or the first
/// ones and a count.
fn port_list(ports: &[u16]) -> String {
    let shown: Vec<String> = ports.iter().take(12).map(ToString::to_string).collect();
    if ports.len() > shown.len() {
        format!(
            "{} and {} more",
            shown.join(", "),
            ports.len() - shown.len()
        )
    } else {
        shown.join(", ")
    }
}

/// The sample of open ports identified on a tarpit: the well-known ports
/// that are open, then ports spread evenly over the rest.
fn tarpit_sample(open: &[u16]) -> Vec<u16> {
    let mut sample: Vec<u16> = WELL_KNOWN
        .iter()
        .copied()
        .filter(|p| open.binary_search(p).is_ok())
        .collect();
    let rest: Vec<u16> = open
        .iter()
        .copied()
        .filter(|p| !sample.contains(p))
        .collect();
    let want = TARPIT_SAMPLE.saturating_sub(sample.len());
    if want > 0 && !rest.is_empty() {
        let step = (rest.len() / want).max(1);
        sample.extend(rest.iter().step_by(step).take(want));
    }
    sample.sort_unstable();
    sample
}

async fn probe_host(ip: IpAddr, options: &Options, report: &mut ProbeReport) {
    let host = ip.to_string();
    let problem = |message: String| Problem {
        host: host.clone(),
        message,
    };
    let deadlines = Deadlines::new(Instant::now(), options.budget, options.robustness.is_some());
    // One rate for the host; separate caps for the scan and the payloads.
    let scan_limiter = Limiter::new(options.max_connections, options.max_connections_per_second);
    let probe_limiter =
        scan_limiter.with_cap(options.max_probe_connections.min(options.max_connections));
    let ports = options.ports.expand();
    report.stats.tcp_ports += ports.len();

    // UDP runs while TCP is scanned, through the same limiter.
    let mut udp_set = JoinSet::new();
    for p in options.udp.clone() {
        let limiter = probe_limiter.clone();
        let (timeout, attempts) = (options.udp_timeout, options.udp_attempts);
        udp_set.spawn(async move {
            (
                p,
                udp::probe_udp(ip, p, p.port, &limiter, timeout, attempts).await,
            )
        });
    }

    let phase = Instant::now();
    let scanned = scan::tcp_scan(
        ip,
        &ports,
        &scan_limiter,
        options.max_connections,
        options.connect_timeout,
        options.retries,
        deadlines.scan,
    )
    .await;
    report.stats.scan_ms += millis(phase);
    let phase = Instant::now();
    report.stats.scan_window_max = report.stats.scan_window_max.max(scanned.largest_window);
    report.stats.tcp_silent += scanned.silent.len();
    if scanned.stopped_by_deadline {
        report.problems.push(problem(format!(
            "scan: the time budget ({}% of {:?}) ended the TCP scan; {} port(s) left unscanned or unanswered: {}",
            40,
            options.budget,
            scanned.silent.len(),
            port_list(&scanned.silent)
        )));
    }

    let mut open = scanned.open.clone();
    open.sort_unstable();
    if open.len() > TARPIT_OPEN_PORTS {
        let sample = tarpit_sample(&open);
        let skipped: Vec<u16> = open
            .iter()
            .copied()
            .filter(|p| sample.binary_search(p).is_err())
            .collect();
        report.problems.push(problem(format!(
            "identify: the host accepted connections on {} of {} TCP ports, which no device runs (a tarpit, a proxy or a firewall answering for it); only {} were identified ({}); not identified: {}",
            open.len(),
            ports.len(),
            sample.len(),
            port_list(&sample),
            port_list(&skipped)
        )));
        open = sample;
    }

    let mut ident = JoinSet::new();
    for port in open.iter().copied() {
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
    let mut identified = std::collections::BTreeSet::new();
    // TLS, SSH and credential analysis of a service starts as soon as it is
    // identified, while the other services and UDP are still answering.
    let mut deep = JoinSet::new();
    let mut pending_deep = std::collections::BTreeSet::new();
    let mut not_identified: Vec<(u16, String)> = Vec::new();
    loop {
        let next = tokio::time::timeout_at(deadlines.identify, ident.join_next()).await;
        let Ok(Some(r)) = next else {
            break;
        };
        if let Ok((port, id)) = r {
            identified.insert(port);
            for kind in spawn_deep(
                &mut deep,
                SocketAddr::new(ip, port),
                &id,
                options,
                &probe_limiter,
            ) {
                pending_deep.insert((port, kind));
            }
            if id.service == "http" {
                if id.http_truncated {
                    report.problems.push(problem(format!(
                        "http: TCP port {port}: the answer to GET / has more than {} header lines or a head over {} KiB: its headers were examined only in part",
                        crate::http::MAX_HEADERS,
                        ident::MAX_BANNER / 1024
                    )));
                }
                report.http.push(HttpEndpoint {
                    host: host.clone(),
                    port,
                    headers: id.http_headers.clone(),
                    head_complete: !id.http_truncated,
                });
            }
            if id.service == "unknown" {
                not_identified.push((port, id.evidence.clone().unwrap_or_default()));
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
    ident.abort_all();
    if !not_identified.is_empty() {
        not_identified.sort_unstable();
        let shown: Vec<String> = not_identified
            .iter()
            .take(12)
            .map(|(port, why)| format!("{port} ({})", crate::wire::excerpt(why.as_bytes(), 120)))
            .collect();
        report.problems.push(problem(format!(
            "identify: open but not identified, so not analysed: TCP {}{}",
            shown.join(", "),
            match not_identified.len().saturating_sub(shown.len()) {
                0 => String::new(),
                more => format!(" and {more} more"),
            }
        )));
    }
    let unidentified: Vec<u16> = open
        .iter()
        .copied()
        .filter(|p| !identified.contains(p))
        .collect();
    if !unidentified.is_empty() {
        report.problems.push(problem(format!(
            "identify: the time budget ended service identification; open but not identified: {}",
            port_list(&unidentified)
        )));
        for port in unidentified {
            services.push(Service {
                host: host.clone(),
                port,
                transport: Transport::Tcp,
                service: "unknown".into(),
                product: None,
                version: None,
                evidence: Some("not identified: the time budget ended identification".into()),
            });
        }
    }

    let mut answers = Vec::new();
    let mut udp_done = std::collections::BTreeSet::new();
    loop {
        let next = tokio::time::timeout_at(deadlines.identify, udp_set.join_next()).await;
        let Ok(Some(r)) = next else {
            break;
        };
        if let Ok((p, a)) = r {
            udp_done.insert(p.port);
            answers.extend(a);
        }
    }
    udp_set.abort_all();
    let udp_left: Vec<u16> = options
        .udp
        .iter()
        .map(|p| p.port)
        .filter(|p| !udp_done.contains(p))
        .collect();
    if !udp_left.is_empty() {
        report.problems.push(problem(format!(
            "identify: the time budget ended the UDP requests; unanswered so far: {}",
            port_list(&udp_left)
        )));
    }
    for location in answers.iter().filter_map(|a| a.location.as_deref()) {
        let fetch = upnp::fetch(ip, location, &probe_limiter, options.io_timeout);
        match tokio::time::timeout_at(deadlines.analyse, fetch).await {
            Ok(Ok(d)) if !report.upnp.contains(&d) => report.upnp.push(d),
            Ok(Ok(_)) => {}
            Ok(Err(message)) => report.problems.push(problem(message)),
            Err(_) => report.problems.push(problem(format!(
                "upnp: the time budget ended the fetch of {location}"
            ))),
        }
    }
    for a in answers.iter().filter(|a| a.probe.service == "mdns") {
        let browse = mdns::browse(ip, a.probe.port, &probe_limiter, options.udp_timeout);
        match tokio::time::timeout_at(deadlines.analyse, browse).await {
            Ok(found) => report.mdns.extend(found),
            Err(_) => report.problems.push(problem(format!(
                "mdns: the time budget ended the browse of UDP port {}",
                a.probe.port
            ))),
        }
    }
    for a in answers {
        let (product, version) = match a
            .server
            .as_deref()
            .and_then(|s| s.split_whitespace().last())
        {
            Some(last) => {
                // A peer chooses these: keep them to a name's length.
                let name = |s: &str| s.chars().take(64).collect::<String>();
                match last.split_once('/') {
                    Some((p, v)) => (Some(name(p)), Some(name(v))),
                    None => (Some(name(last)), None),
                }
            }
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
    services.sort_by_key(|s| (s.transport, s.port));

    report.stats.identify_ms += millis(phase);
    let phase = Instant::now();
    loop {
        let next = tokio::time::timeout_at(deadlines.analyse, deep.join_next()).await;
        let Ok(Some(r)) = next else {
            break;
        };
        let Ok(d) = r else {
            continue;
        };
        match d {
            Deep::Tls(port, r) => {
                pending_deep.remove(&(port, "tls"));
                for message in &r.problems {
                    report
                        .problems
                        .push(problem(format!("tls: TCP port {port}: {message}")));
                }
                if let Some(inner) = &r.inner
                    && let Some(s) = services
                        .iter_mut()
                        .find(|s| s.port == port && s.transport == Transport::Tcp)
                {
                    s.service.clone_from(&inner.service);
                    s.product.clone_from(&inner.product);
                    s.version.clone_from(&inner.version);
                    s.evidence = Some(format!("inside TLS: {}", inner.evidence));
                }
                report.tls.push(TlsEndpoint {
                    host: host.clone(),
                    port,
                    report: *r,
                });
            }
            Deep::Ssh(port, r) => {
                pending_deep.remove(&(port, "ssh"));
                let missing = if r.kexinit.is_none() {
                    Some(
                        "no key exchange offer (KEXINIT) came: its algorithms and host keys were not examined",
                    )
                } else if r.host_keys.is_empty() {
                    Some("no host key could be fetched: the host key was not examined")
                } else {
                    None
                };
                if let Some(why) = missing {
                    report
                        .problems
                        .push(problem(format!("ssh: TCP port {port}: {why}")));
                }
                report.ssh.push(SshEndpoint {
                    host: host.clone(),
                    port,
                    report: r,
                });
            }
            Deep::Creds(port, service, found) => {
                pending_deep.remove(&(port, "credentials"));
                match found {
                    Ok(Some(r)) => report.credentials.push(CredentialEndpoint {
                        host: host.clone(),
                        port,
                        service,
                        report: r,
                    }),
                    Ok(None) => {}
                    Err(why) => report.problems.push(problem(format!(
                        "credentials: TCP port {port} ({service}) not examined: {why}"
                    ))),
                }
            }
        }
    }
    deep.abort_all();
    for (port, kind) in &pending_deep {
        report.problems.push(problem(format!(
            "analyse: the time budget ended the {kind} analysis of TCP port {port} before it finished"
        )));
    }
    security_txt_on_web(ip, options, &probe_limiter, deadlines.analyse, report).await;
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
            let run = robust::run(addr, protocol, settings, &probe_limiter);
            match tokio::time::timeout_at(deadlines.end, run).await {
                Ok(r) => report.robustness.push(r),
                Err(_) => report.problems.push(problem(format!(
                    "robustness: the time budget ended the run on {} port {} (and any after it)",
                    s.transport.as_str(),
                    s.port
                ))),
            }
        }
    }
    report.tls.sort_by_key(|t| t.port);
    report.ssh.sort_by_key(|t| t.port);
    report.credentials.sort_by_key(|t| t.port);
    report.http.sort_by_key(|t| t.port);
    report.services.extend(services);
    // One counter, shared by both limiters of the host.
    report.stats.connections += scan_limiter.opened();
}

/// Start the analyses a TCP service gets: TLS, SSH, credentials. Returns
/// the kinds started (`tls`, `ssh`, `credentials`).
fn spawn_deep(
    deep: &mut JoinSet<Deep>,
    addr: SocketAddr,
    id: &ident::Identified,
    options: &Options,
    probe_limiter: &Limiter,
) -> Vec<&'static str> {
    let service = id.service.as_str();
    let mut started = Vec::new();
    let limiter = probe_limiter.clone();
    let timeout = options.io_timeout;
    if options.tls && service == "tls" {
        started.push("tls");
        let settings = tls::AnalyseSettings {
            server_name: options.server_name.clone(),
            lab: options.lab_anchors.clone(),
            io_timeout: timeout,
            banner_wait: options.banner_wait,
            latency: id.latency,
        };
        deep.spawn(async move {
            Deep::Tls(
                addr.port(),
                Box::new(tls::analyse(addr, &settings, &limiter).await),
            )
        });
    } else if options.ssh && service == "ssh" {
        started.push("ssh");
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
            // Twice what the greeting took at identification, and a second.
            greeting: id.latency.map_or(options.io_timeout, |l| {
                (l.saturating_mul(2) + std::time::Duration::from_secs(1))
                    .min(options.io_timeout * 4)
            }),
        };
        let limiter = probe_limiter.clone();
        let service = service.to_owned();
        started.push("credentials");
        deep.spawn(async move {
            let found = creds::assess(addr, mechanism, &limiter, &settings).await;
            Deep::Creds(addr.port(), service, found)
        });
    }
    started
}

/// Try `/.well-known/security.txt` (then `/security.txt`) on every web
/// service of `ip`: each plain HTTP service (a file there fails RFC 9116,
/// which requires HTTPS) and each TLS service where a rustls handshake
/// completed. A TLS service rustls cannot reach is named in the problems.
async fn security_txt_on_web(
    ip: IpAddr,
    options: &Options,
    limiter: &Limiter,
    deadline: Instant,
    report: &mut ProbeReport,
) {
    let host = ip.to_string();
    let mut urls: Vec<(u16, &str, std::time::Duration, Option<tls::TlsVersion>)> = report
        .http
        .iter()
        .filter(|h| h.host == host)
        .map(|h| (h.port, "http", options.io_timeout, None))
        .collect();
    for t in report.tls.iter().filter(|t| t.host == host) {
        if t.report
            .inner
            .as_ref()
            .is_some_and(|i| i.protocol != "http")
        {
            // Identified as another protocol (mqtts, imaps …): not a web
            // service.
            continue;
        }
        // Only where the rustls handshake (TLS 1.2/1.3) completed.
        let modern = t
            .report
            .versions
            .iter()
            .any(|v| v.accepted && (v.version == "TLSv1.2" || v.version == "TLSv1.3"));
        let completed = t
            .report
            .chain
            .as_ref()
            .is_some_and(|c| c.handshake_error.is_none());
        if modern && completed {
            // A slow device gets the waits its TLS analysis measured: a
            // handshake and an answer.
            let waits = tls::Waits::for_latency(
                options.io_timeout,
                t.report.latency_ms.map(std::time::Duration::from_millis),
            );
            urls.push((t.port, "https", waits.answer + waits.flight, None));
        } else if let Some(version) = t
            .report
            .legacy_client
            .and_then(|name| tls::TlsVersion::ALL.into_iter().find(|v| v.name() == name))
        {
            // rustls refuses it; the probe's own client read it.
            let waits = tls::Waits::for_latency(
                options.io_timeout,
                t.report.latency_ms.map(std::time::Duration::from_millis),
            );
            urls.push((t.port, "https", waits.answer + waits.flight, Some(version)));
        } else {
            report.problems.push(Problem {
                host: host.clone(),
                message: format!(
                    "security.txt: not examined on TLS port {}: {}",
                    t.port,
                    if modern {
                        "the TLS handshake did not complete (see the chain analysis)"
                    } else {
                        "the service accepts no TLS 1.2 or 1.3, which the HTTPS client needs"
                    }
                ),
            });
        }
    }
    urls.sort_unstable();
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
    // The services are independent: fetch from all at once, within the
    // host's limiter.
    let mut set = JoinSet::new();
    for (port, scheme, timeout, legacy) in urls {
        let url = format!("{scheme}://{authority}:{port}/");
        let (mut options, limiter) = (fetch_options.clone(), limiter.clone());
        options.timeout = timeout;
        options.legacy_tls = legacy;
        set.spawn(async move {
            let fetched = security_txt::fetch::fetch_limited(&url, &options, Some(&limiter)).await;
            (port, url, fetched)
        });
    }
    let mut fetched_all = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, set.join_next()).await {
            Ok(Some(Ok(done))) => fetched_all.push(done),
            Ok(Some(Err(_))) => {}
            Ok(None) => break,
            Err(_) => {
                report.problems.push(Problem {
                    host: host.clone(),
                    message: format!(
                        "security.txt: the time budget ended {} fetch(es) before they finished",
                        set.len()
                    ),
                });
                set.abort_all();
                break;
            }
        }
    }
    fetched_all.sort_by_key(|(port, _, _)| *port);
    for (port, _, fetched) in fetched_all {
        match fetched {
            Ok(fetched) => {
                // The last request got no usable HTTP answer: the file was
                // not looked for, which is not "no security.txt".
                if fetched.document.is_none()
                    && let Some(last) = fetched.attempts.last()
                    && last.status.is_none()
                {
                    report.problems.push(Problem {
                        host: host.clone(),
                        message: format!(
                            "security.txt: not examined on TCP port {port}: {}",
                            last.describe()
                        ),
                    });
                }
                report.security_txt.push(fetched);
            }
            Err(e) => report.problems.push(Problem {
                host: host.clone(),
                message: format!("security.txt on port {port}: {e}"),
            }),
        }
    }
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

enum Deep {
    Tls(u16, Box<tls::TlsReport>),
    Ssh(u16, ssh::SshReport),
    Creds(u16, String, Result<Option<creds::CredentialReport>, String>),
}
