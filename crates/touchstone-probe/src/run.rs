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
            Ok(Ok(fetched)) => report.security_txt.push(fetched),
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
