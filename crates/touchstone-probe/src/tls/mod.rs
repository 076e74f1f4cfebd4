//! TLS analysis by hand-built ClientHellos: versions, suites, certificate.

pub mod cert;
pub mod chain;
pub mod hello;
pub(crate) mod suites;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::limiter::Limiter;
use crate::wire::random_bytes;
pub use cert::CertificateFacts;
pub use chain::{ChainProblem, ChainReport, LabAnchors, TrustOutcome};
pub use hello::{ServerFlight, TlsVersion, client_hello, parse_server_flight};

/// What the server did with one ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HelloOutcome {
    /// A ServerHello arrived.
    Accepted {
        version: u16,
        suite: u16,
        certificates: Vec<Vec<u8>>,
    },
    /// An alert (its description code) or a silent close.
    Rejected { alert: Option<u8> },
    /// The reply is not TLS.
    NotTls,
    /// Could not connect or no answer in time.
    Unreachable,
}

/// Send one ClientHello and read the server's first flight, bounded in
/// bytes (`hello::MAX_FLIGHT`), reads (64) and time (`timeout` in total).
pub(crate) async fn send_hello(
    addr: SocketAddr,
    version: TlsVersion,
    suites: &[u16],
    server_name: Option<&str>,
    limiter: &Limiter,
    timeout: Duration,
) -> HelloOutcome {
    let Some(_permit) = limiter.acquire().await else {
        return HelloOutcome::Unreachable;
    };
    let random: [u8; 32] = random_bytes(32).try_into().unwrap_or([7; 32]);
    let hello = client_hello(version, suites, &random, server_name);
    let work = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        stream.write_all(&hello).await.ok()?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        for _ in 0..64 {
            let n = stream.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
            if buf.len() > hello::MAX_FLIGHT || parse_server_flight(&buf).done {
                break;
            }
        }
        let _ = stream.set_zero_linger();
        Some(buf)
    };
    let Ok(Some(buf)) = tokio::time::timeout(timeout, work).await else {
        return HelloOutcome::Unreachable;
    };
    let flight = parse_server_flight(&buf);
    if flight.not_tls {
        return HelloOutcome::NotTls;
    }
    match flight.hello {
        Some(h) => HelloOutcome::Accepted {
            version: h.version,
            suite: h.cipher_suite,
            certificates: flight.certificates,
        },
        None => HelloOutcome::Rejected {
            alert: flight.alert.map(|(_, d)| d),
        },
    }
}

/// TLS facts of one service.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsReport {
    /// Every version offered and what happened.
    pub versions: Vec<VersionResult>,
    /// Accepted suites per accepted version, in the order discovered.
    pub cipher_suites: Vec<SuiteResult>,
    /// The leaf certificate, when it could be read (TLS ≤ 1.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateFacts>,
    /// Chain validation by one rustls handshake (TLS 1.2/1.3 services).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainReport>,
    /// Number of connections the analysis used.
    pub connections: u32,
}

/// One offered version.
#[derive(Debug, Clone, Serialize)]
pub struct VersionResult {
    /// `SSLv3` … `TLSv1.3`.
    pub version: &'static str,
    /// Whether the server negotiated exactly this version.
    pub accepted: bool,
    /// What the server answered, for evidence: `ServerHello TLSv1.0 …`, `alert 70`.
    pub answer: String,
}

/// One accepted suite.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteResult {
    /// Protocol version.
    pub version: &'static str,
    /// IANA name.
    pub name: String,
    /// Wire id.
    pub id: u16,
}

/// Enumerate versions, suites and the certificate of a TLS service.
/// Sequential: one connection at a time to this port.
pub(crate) async fn analyse(
    addr: SocketAddr,
    server_name: Option<&str>,
    lab: &LabAnchors,
    limiter: &Limiter,
    timeout: Duration,
) -> TlsReport {
    let mut report = TlsReport::default();
    let legacy: Vec<u16> = suites::LEGACY_SUITES.iter().map(|(id, _)| *id).collect();
    let modern: Vec<u16> = suites::TLS13_SUITES.iter().map(|(id, _)| *id).collect();
    // The certificates of the highest version whose clear-text handshake
    // showed them (leaf first).
    let mut leaf: Option<(TlsVersion, Vec<Vec<u8>>)> = None;
    for version in TlsVersion::ALL {
        let offer = if version == TlsVersion::Tls13 {
            &modern
        } else {
            &legacy
        };
        let outcome = send_hello(addr, version, offer, server_name, limiter, timeout).await;
        report.connections += 1;
        let (accepted, answer) = describe(version, &outcome);
        if accepted {
            if let HelloOutcome::Accepted { certificates, .. } = &outcome
                && !certificates.is_empty()
                && leaf.as_ref().is_none_or(|(v, _)| *v < version)
            {
                leaf = Some((version, certificates.clone()));
            }
            enumerate_suites(
                addr,
                version,
                offer,
                server_name,
                limiter,
                timeout,
                &mut report,
            )
            .await;
        }
        report.versions.push(VersionResult {
            version: version.name(),
            accepted,
            answer,
        });
    }
    report.certificate = leaf
        .as_ref()
        .and_then(|(_, certs)| certs.first())
        .map(|der| cert::facts(der));
    let modern_accepted = report
        .versions
        .iter()
        .any(|v| v.accepted && (v.version == "TLSv1.2" || v.version == "TLSv1.3"));
    if modern_accepted && let Some(_permit) = limiter.acquire().await {
        let name = server_name.map_or_else(|| addr.ip().to_string(), str::to_owned);
        let (_, chain) = chain::handshake(addr, &name, lab, timeout, false).await;
        report.connections += 1;
        if report.certificate.is_none()
            && let Some(leaf) = chain.chain_der.first()
        {
            report.certificate = Some(cert::facts(leaf));
        }
        report.chain = Some(chain);
    } else if let Some((version, certs)) = &leaf {
        // rustls speaks only TLS 1.2/1.3: judge the chain the legacy
        // handshake showed in clear text.
        let name = server_name.map_or_else(|| addr.ip().to_string(), str::to_owned);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut chain = chain::judge(certs, &name, lab, now);
        chain.negotiated = Some(format!(
            "{} (hand-built handshake: a current client would not connect at all)",
            version.name()
        ));
        report.chain = Some(chain);
    }
    report
}

fn describe(version: TlsVersion, outcome: &HelloOutcome) -> (bool, String) {
    match outcome {
        HelloOutcome::Accepted {
            version: v, suite, ..
        } => {
            let name = TlsVersion::from_wire(*v)
                .map_or_else(|| format!("0x{v:04x}"), |t| t.name().to_owned());
            (
                *v == version.wire(),
                format!("ServerHello {name} {}", suites::suite_name(*suite)),
            )
        }
        HelloOutcome::Rejected { alert: Some(a) } => (false, format!("alert {a}")),
        HelloOutcome::Rejected { alert: None } => (false, "connection closed".into()),
        HelloOutcome::NotTls => (false, "not TLS".into()),
        HelloOutcome::Unreachable => (false, "no answer".into()),
    }
}

async fn enumerate_suites(
    addr: SocketAddr,
    version: TlsVersion,
    offer: &[u16],
    server_name: Option<&str>,
    limiter: &Limiter,
    timeout: Duration,
    report: &mut TlsReport,
) {
    let mut remaining = offer.to_vec();
    // Bounded: each round removes one suite or stops.
    for _ in 0..=offer.len() {
        if remaining.is_empty() {
            break;
        }
        let outcome = send_hello(addr, version, &remaining, server_name, limiter, timeout).await;
        report.connections += 1;
        match outcome {
            HelloOutcome::Accepted {
                version: v, suite, ..
            } if v == version.wire() => {
                let Some(pos) = remaining.iter().position(|s| *s == suite) else {
                    break; // the server chose a suite we did not offer
                };
                remaining.remove(pos);
                report.cipher_suites.push(SuiteResult {
                    version: version.name(),
                    name: suites::suite_name(suite),
                    id: suite,
                });
            }
            _ => break,
        }
    }
}

/// Whether a service speaks TLS: one TLS 1.2 hello with every suite.
pub(crate) async fn speaks_tls(
    ip: IpAddr,
    port: u16,
    limiter: &Limiter,
    timeout: Duration,
) -> bool {
    let mut offer: Vec<u16> = suites::LEGACY_SUITES.iter().map(|(id, _)| *id).collect();
    offer.extend(suites::TLS13_SUITES.iter().map(|(id, _)| *id));
    let outcome = send_hello(
        SocketAddr::new(ip, port),
        TlsVersion::Tls12,
        &offer,
        None,
        limiter,
        timeout,
    )
    .await;
    matches!(
        outcome,
        HelloOutcome::Accepted { .. } | HelloOutcome::Rejected { alert: Some(_) }
    )
}
