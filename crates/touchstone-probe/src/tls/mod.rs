//! TLS analysis by hand-built ClientHellos: versions, suites, certificate,
//! and the protocol inside TLS ([`inner`]).
//!
//! Every ClientHello waits for its answer within [`Waits`], derived from
//! the latency the identification measured: a slow device (a
//! microcontroller doing RSA) gets longer waits, a fast one the default.
//! A ServerHello already received is kept when the rest of the flight is
//! slow or never comes; the analysis then names what it could not read in
//! [`TlsReport::problems`]. The five versions are asked at once, and the
//! suites of each accepted version are enumerated in [`SUITE_GROUPS`]
//! interleaved groups at once, every connection through the host's
//! limiter: with a second of latency per answer the analysis costs a few
//! round trips, not one per suite.

pub mod cert;
pub mod chain;
pub mod hello;
pub mod inner;
#[doc(hidden)]
pub mod legacy;
pub(crate) mod suites;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::limiter::Limiter;
use crate::wire::random_bytes;
pub use cert::CertificateFacts;
pub use chain::{ChainProblem, ChainReport, LabAnchors, TrustOutcome};
pub use hello::{ServerFlight, TlsVersion, client_hello, parse_server_flight};
pub use inner::Inner;

/// Suite groups enumerated at once per version (interleaved: suite `i` of
/// the list goes to group `i % SUITE_GROUPS`).
pub const SUITE_GROUPS: usize = 4;

/// How long one ClientHello waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Waits {
    /// For the connection and the first answer (a ServerHello, an alert).
    pub(crate) answer: Duration,
    /// For the rest of the first flight once a ServerHello is in (the
    /// certificate, and on a slow device the key exchange it signs).
    pub(crate) flight: Duration,
}

impl Waits {
    /// Waits for a service whose answers took `latency` (the slowest
    /// measured): twice that plus a second, never below `io_timeout` and
    /// at most four times it; the rest of a flight gets at least twice
    /// `io_timeout`.
    pub(crate) fn for_latency(io_timeout: Duration, latency: Option<Duration>) -> Waits {
        let answer = latency.map_or(io_timeout, |l| {
            (l.saturating_mul(2) + Duration::from_secs(1)).clamp(io_timeout, io_timeout * 4)
        });
        Waits {
            answer,
            flight: answer.max(io_timeout * 2),
        }
    }

    fn doubled(self) -> Waits {
        Waits {
            answer: self.answer * 2,
            flight: self.flight,
        }
    }
}

/// What the server did with one ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HelloOutcome {
    /// A ServerHello arrived.
    Accepted {
        version: u16,
        suite: u16,
        certificates: Vec<Vec<u8>>,
        /// The clear-text part of the flight was complete (ServerHelloDone,
        /// an alert, encrypted records, or TLS 1.3); `false` when the
        /// server went silent or closed after its ServerHello.
        complete: bool,
    },
    /// An alert (its description code) or a close.
    Rejected { alert: Option<u8> },
    /// The reply is not TLS: the bytes, for banner classification.
    NotTls { data: Vec<u8> },
    /// Connected, but nothing (or no complete TLS record) came within the
    /// wait.
    Silent,
    /// Could not connect.
    Unreachable,
}

/// One ClientHello's outcome and how long the first answer took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hello {
    pub(crate) outcome: HelloOutcome,
    /// From sending the ClientHello to the first byte of the answer.
    pub(crate) latency: Option<Duration>,
}

/// Send one ClientHello and read the answer, bounded in bytes
/// (`hello::MAX_FLIGHT`), reads (64) and time: the connection and the
/// first answer within `waits.answer`; with `whole_flight`, once the
/// ServerHello is in, the rest of the clear-text flight within
/// `waits.flight` (otherwise the read stops at the ServerHello, which is
/// all suite enumeration needs). What arrived is kept when a wait ends.
pub(crate) async fn send_hello(
    addr: SocketAddr,
    version: TlsVersion,
    suites: &[u16],
    server_name: Option<&str>,
    limiter: &Limiter,
    waits: Waits,
    whole_flight: bool,
) -> Hello {
    send_hello_nudged(
        addr,
        version,
        suites,
        server_name,
        limiter,
        waits,
        whole_flight,
        None,
    )
    .await
}

/// [`send_hello`]; with `nudge`, when nothing arrived by then, an empty
/// line pair is sent after the ClientHello: a web server still waiting for
/// the end of a request head answers it (a TLS server has already read
/// its ClientHello and answers that first).
#[allow(clippy::too_many_arguments)]
async fn send_hello_nudged(
    addr: SocketAddr,
    version: TlsVersion,
    suites: &[u16],
    server_name: Option<&str>,
    limiter: &Limiter,
    waits: Waits,
    whole_flight: bool,
    nudge: Option<Duration>,
) -> Hello {
    let unreachable = Hello {
        outcome: HelloOutcome::Unreachable,
        latency: None,
    };
    let Some(_permit) = limiter.acquire().await else {
        return unreachable;
    };
    let random: [u8; 32] = random_bytes(32).try_into().unwrap_or([7; 32]);
    let hello = client_hello(version, suites, &random, server_name);
    let Ok(Ok(mut stream)) = tokio::time::timeout(waits.answer, TcpStream::connect(addr)).await
    else {
        return unreachable;
    };
    if stream.write_all(&hello).await.is_err() {
        return Hello {
            outcome: HelloOutcome::Rejected { alert: None },
            latency: None,
        };
    }
    let sent = Instant::now();
    let mut deadline = sent + waits.answer;
    let mut nudge_at = nudge.map(|after| sent + after);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut latency = None;
    let mut closed = false;
    let mut hello_seen = false;
    for _ in 0..64 {
        let until = nudge_at.map_or(deadline, |at| at.min(deadline));
        let read = tokio::time::timeout_at(until, stream.read(&mut chunk)).await;
        if read.is_err()
            && let Some(at) = nudge_at.take()
            && at < deadline
        {
            if stream.write_all(b"\r\n\r\n").await.is_err() {
                closed = true;
                break;
            }
            continue;
        }
        match read {
            Ok(Ok(n)) if n > 0 => {
                nudge_at = None;
                latency.get_or_insert_with(|| sent.elapsed());
                buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                let flight = parse_server_flight(&buf);
                if buf.len() > hello::MAX_FLIGHT || flight.done || flight.not_tls {
                    break;
                }
                if flight.hello.is_some() && !hello_seen {
                    if !whole_flight {
                        break;
                    }
                    hello_seen = true;
                    deadline = Instant::now() + waits.flight;
                }
            }
            Ok(_) => {
                closed = true;
                break;
            }
            Err(_) => break,
        }
    }
    let _ = stream.set_zero_linger();
    let flight = parse_server_flight(&buf);
    let outcome = if flight.not_tls {
        buf.truncate(crate::ident::MAX_BANNER);
        HelloOutcome::NotTls { data: buf }
    } else if let Some(h) = flight.hello {
        HelloOutcome::Accepted {
            version: h.version,
            suite: h.cipher_suite,
            certificates: flight.certificates,
            complete: flight.done || !whole_flight,
        }
    } else if flight.alert.is_some() || closed {
        HelloOutcome::Rejected {
            alert: flight.alert.map(|(_, d)| d),
        }
    } else {
        HelloOutcome::Silent
    };
    Hello { outcome, latency }
}

/// TLS facts of one service.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsReport {
    /// Every version offered and what happened.
    pub versions: Vec<VersionResult>,
    /// Accepted suites per accepted version: per interleaved group of the
    /// probe's list ([`SUITE_GROUPS`]), in the server's order of
    /// preference within the group.
    pub cipher_suites: Vec<SuiteResult>,
    /// The leaf certificate, when it could be read (TLS ≤ 1.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateFacts>,
    /// Chain validation by one rustls handshake (TLS 1.2/1.3 services).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainReport>,
    /// The protocol inside TLS (`https`, `mqtts` …), when identified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner: Option<Inner>,
    /// The version the probe's own TLS 1.0–1.2 client ([`legacy`])
    /// completed a handshake with, on a service rustls cannot reach (TLS
    /// 1.0/1.1 only): the protocol inside and security.txt were read
    /// through it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legacy_client: Option<&'static str>,
    /// The slowest first answer measured (identification and version
    /// hellos), milliseconds: the waits were derived from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// What the analysis could not read or finish (a flight cut off after
    /// its ServerHello, hellos never answered, enumeration cut short, the
    /// protocol inside TLS not identified).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
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

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What [`analyse`] is given besides the address.
#[derive(Debug, Clone)]
pub(crate) struct AnalyseSettings {
    pub(crate) server_name: Option<String>,
    pub(crate) lab: LabAnchors,
    pub(crate) io_timeout: Duration,
    pub(crate) banner_wait: Duration,
    /// The latency identification measured (its ClientHello's answer).
    pub(crate) latency: Option<Duration>,
}

/// Enumerate versions, suites and the certificate of a TLS service, judge
/// its chain with one rustls handshake and identify the protocol inside.
pub(crate) async fn analyse(
    addr: SocketAddr,
    settings: &AnalyseSettings,
    limiter: &Limiter,
) -> TlsReport {
    let mut report = TlsReport::default();
    let server_name = settings.server_name.as_deref();
    let io_timeout = settings.io_timeout;
    let waits = Waits::for_latency(io_timeout, settings.latency);
    let offer_for = |v: TlsVersion| offer(v);

    // One hello per version, all at once.
    let [ssl3, tls10, tls11, tls12, tls13] = TlsVersion::ALL;
    let ask = |v: TlsVersion| send_hello(addr, v, offer_for(v), server_name, limiter, waits, true);
    let (a, b, c, d, e) = tokio::join!(ask(ssl3), ask(tls10), ask(tls11), ask(tls12), ask(tls13));
    report.connections += 5;
    let mut hellos: Vec<(TlsVersion, Hello)> =
        vec![(ssl3, a), (tls10, b), (tls11, c), (tls12, d), (tls13, e)];
    // A hello that got no answer at all may have queued behind the others
    // on a device that serves one connection at a time: once more, alone,
    // with twice the wait.
    for (version, hello) in &mut hellos {
        if hello.outcome == HelloOutcome::Silent {
            let again = waits.doubled();
            *hello = send_hello(
                addr,
                *version,
                offer_for(*version),
                server_name,
                limiter,
                again,
                true,
            )
            .await;
            report.connections += 1;
            if hello.outcome == HelloOutcome::Silent {
                report.problems.push(format!(
                    "{}: no answer to the ClientHello within {} ms, twice: whether the service accepts {} is unknown",
                    version.name(),
                    millis(again.answer),
                    version.name()
                ));
            }
        }
    }
    let measured = settings
        .latency
        .into_iter()
        .chain(hellos.iter().filter_map(|(_, h)| h.latency))
        .max();
    report.latency_ms = measured.map(millis);
    let waits = Waits::for_latency(io_timeout, measured);

    // The certificates of the highest version whose clear-text handshake
    // showed them (leaf first).
    let mut leaf: Option<(TlsVersion, Vec<Vec<u8>>)> = None;
    let mut accepted_versions = Vec::new();
    let mut cut_off = Vec::new();
    for (version, hello) in &hellos {
        let (accepted, answer) = describe(*version, &hello.outcome);
        if accepted {
            if let HelloOutcome::Accepted {
                certificates,
                complete,
                ..
            } = &hello.outcome
            {
                if !certificates.is_empty() && leaf.as_ref().is_none_or(|(v, _)| *v < *version) {
                    leaf = Some((*version, certificates.clone()));
                }
                if !complete {
                    cut_off.push(version.name());
                }
            }
            accepted_versions.push(*version);
        }
        report.versions.push(VersionResult {
            version: version.name(),
            accepted,
            answer,
        });
    }
    if !cut_off.is_empty() {
        report.problems.push(format!(
            "after its ServerHello ({}) the server sent nothing more within {} ms (silence or a close): the rest of the clear-text handshake{} could not be read",
            cut_off.join(", "),
            millis(waits.flight),
            if leaf.is_none() {
                ", with the certificate,"
            } else {
                ""
            }
        ));
    }

    // Suites of every accepted version, every group at once.
    let mut set = tokio::task::JoinSet::new();
    for (vi, version) in accepted_versions.iter().copied().enumerate() {
        for (gi, group) in groups(offer_for(version)).into_iter().enumerate() {
            let (limiter, name) = (limiter.clone(), settings.server_name.clone());
            set.spawn(async move {
                let found =
                    enumerate_group(addr, version, group, name.as_deref(), &limiter, waits).await;
                (vi, gi, version, found)
            });
        }
    }
    let mut enumerated = Vec::new();
    while let Some(joined) = set.join_next().await {
        if let Ok(done) = joined {
            enumerated.push(done);
        }
    }
    enumerated.sort_by_key(|(vi, gi, _, _)| (*vi, *gi));
    let mut cut_short = Vec::new();
    for (_, _, version, found) in enumerated {
        report.connections += found.connections;
        if let Some(why) = found.cut_short {
            cut_short.push(format!("{} ({why})", version.name()));
        }
        for suite in found.accepted {
            report.cipher_suites.push(SuiteResult {
                version: version.name(),
                name: suites::suite_name(suite),
                id: suite,
            });
        }
    }
    if !cut_short.is_empty() {
        report.problems.push(format!(
            "suite enumeration cut short: {}; suites may be missing",
            cut_short.join(", ")
        ));
    }

    report.certificate = leaf
        .as_ref()
        .and_then(|(_, certs)| certs.first())
        .map(|der| cert::facts(der));
    let modern_accepted = accepted_versions
        .iter()
        .any(|v| matches!(v, TlsVersion::Tls12 | TlsVersion::Tls13));
    let name = server_name.map_or_else(|| addr.ip().to_string(), str::to_owned);
    // A full handshake takes two round trips.
    let handshake_wait = waits.answer + waits.flight;
    if modern_accepted && let Some(permit) = limiter.acquire().await {
        let (mut stream, mut chain) =
            chain::handshake(addr, &name, &settings.lab, handshake_wait, inner::ALPN).await;
        report.connections += 1;
        if stream.is_none()
            && chain
                .handshake_error
                .as_deref()
                .is_some_and(|e| e.contains("NoApplicationProtocol"))
        {
            // A server that refuses every protocol we named: again without.
            (stream, chain) =
                chain::handshake(addr, &name, &settings.lab, handshake_wait, &[]).await;
            report.connections += 1;
        }
        if report.certificate.is_none()
            && let Some(leaf) = chain.chain_der.first()
        {
            report.certificate = Some(cert::facts(leaf));
        }
        let handshake_error = chain.handshake_error.clone();
        report.chain = Some(chain);
        let found = match stream {
            Some(stream) => {
                let probe = inner::Probe {
                    addr,
                    name: name.clone(),
                    lab: settings.lab.clone(),
                    handshake_wait,
                    answer_wait: waits.answer,
                    banner_wait: settings.banner_wait,
                };
                let (found, connections) = inner::identify(stream, permit, &probe, limiter).await;
                report.connections += connections;
                found
            }
            None => Err(format!(
                "the TLS 1.2/1.3 handshake did not complete ({})",
                handshake_error.unwrap_or_default()
            )),
        };
        match found {
            Ok(inner) => report.inner = Some(inner),
            Err(why) => report
                .problems
                .push(format!("the protocol inside TLS was not identified: {why}")),
        }
    } else if let Some((version, certs)) = &leaf {
        // rustls speaks only TLS 1.2/1.3: judge the chain the legacy
        // handshake showed in clear text.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut chain = chain::judge(certs, &name, &settings.lab, now);
        chain.negotiated = Some(format!(
            "{} (hand-built handshake: a current client would not connect at all)",
            version.name()
        ));
        report.chain = Some(chain);
    }
    let legacy = accepted_versions
        .iter()
        .copied()
        .filter(|v| matches!(v, TlsVersion::Tls10 | TlsVersion::Tls11))
        .max();
    if !modern_accepted && let Some(version) = legacy {
        // rustls refuses TLS 1.0/1.1: the probe's own client reads it.
        let probe = inner::Probe {
            addr,
            name: name.clone(),
            lab: settings.lab.clone(),
            handshake_wait: waits.answer.max(waits.flight),
            answer_wait: waits.answer,
            banner_wait: settings.banner_wait,
        };
        let (found, connections) =
            inner::identify_legacy(&probe, version, server_name, limiter).await;
        report.connections += connections;
        match found {
            Ok(inner) => {
                report.inner = Some(inner);
                report.legacy_client = Some(version.name());
            }
            Err(why) => report.problems.push(format!(
                "the protocol inside TLS was not identified: the service accepts no TLS 1.2 or 1.3, and the probe's own {} client completed no handshake with it ({why})",
                version.name()
            )),
        }
    } else if !modern_accepted && !accepted_versions.is_empty() {
        report.problems.push(
            "the protocol inside TLS was not identified: the service accepts only SSL 3.0, which no client of the probe completes a handshake with"
                .into(),
        );
    }
    report
}

/// The suites offered with `version`.
fn offer(version: TlsVersion) -> &'static [u16] {
    static LEGACY: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
    static MODERN: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
    if version == TlsVersion::Tls13 {
        MODERN.get_or_init(|| suites::TLS13_SUITES.iter().map(|(id, _)| *id).collect())
    } else {
        LEGACY.get_or_init(|| suites::LEGACY_SUITES.iter().map(|(id, _)| *id).collect())
    }
}

/// `offer` split into at most [`SUITE_GROUPS`] interleaved groups, so that
/// the suites a server accepts spread over the groups.
fn groups(offer: &[u16]) -> Vec<Vec<u16>> {
    let n = SUITE_GROUPS.min(offer.len()).max(1);
    let mut out = vec![Vec::new(); n];
    for (i, s) in offer.iter().enumerate() {
        if let Some(g) = out.get_mut(i % n) {
            g.push(*s);
        }
    }
    out.retain(|g| !g.is_empty());
    out
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
        HelloOutcome::NotTls { .. } => (false, "not TLS".into()),
        HelloOutcome::Silent => (false, "no answer".into()),
        HelloOutcome::Unreachable => (false, "cannot connect".into()),
    }
}

/// What one group's enumeration found.
struct Enumerated {
    accepted: Vec<u16>,
    connections: u32,
    cut_short: Option<String>,
}

/// Offer the group, remove the suite the server picks, repeat until it
/// refuses: one connection per accepted suite plus one. A hello without
/// any answer is tried once more with twice the wait before the group is
/// given up (named in the problems).
async fn enumerate_group(
    addr: SocketAddr,
    version: TlsVersion,
    group: Vec<u16>,
    server_name: Option<&str>,
    limiter: &Limiter,
    waits: Waits,
) -> Enumerated {
    let mut remaining = group;
    let mut found = Enumerated {
        accepted: Vec::new(),
        connections: 0,
        cut_short: None,
    };
    // Bounded: each round removes one suite or stops.
    for _ in 0..=remaining.len() {
        if remaining.is_empty() {
            break;
        }
        let mut hello = send_hello(
            addr,
            version,
            &remaining,
            server_name,
            limiter,
            waits,
            false,
        )
        .await;
        found.connections += 1;
        if matches!(
            hello.outcome,
            HelloOutcome::Silent | HelloOutcome::Unreachable
        ) {
            let again = waits.doubled();
            hello = send_hello(
                addr,
                version,
                &remaining,
                server_name,
                limiter,
                again,
                false,
            )
            .await;
            found.connections += 1;
            if matches!(
                hello.outcome,
                HelloOutcome::Silent | HelloOutcome::Unreachable
            ) {
                found.cut_short = Some(format!(
                    "no answer to a ClientHello within {} ms, twice, after {} suite(s) of a group",
                    millis(again.answer),
                    found.accepted.len()
                ));
                break;
            }
        }
        match hello.outcome {
            HelloOutcome::Accepted {
                version: v, suite, ..
            } if v == version.wire() => {
                let Some(pos) = remaining.iter().position(|s| *s == suite) else {
                    break; // the server chose a suite we did not offer
                };
                remaining.remove(pos);
                found.accepted.push(suite);
            }
            _ => break,
        }
    }
    found
}

/// What one TLS 1.2 ClientHello with every suite showed about a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TlsProbe {
    /// A ServerHello or an alert: the port speaks TLS.
    Tls,
    /// Something else answered: these bytes (a late banner, an HTTP error).
    Other(Vec<u8>),
    /// The connection stayed open and nothing came.
    Silent,
    /// Closed, or no connection.
    Closed,
}

/// Whether a service speaks TLS: one TLS 1.2 hello with every suite,
/// answered within `wait`; with the latency of the answer. When nothing
/// came after `nudge`, an empty line pair follows the hello (see
/// [`send_hello_nudged`]): a web server waiting for the end of a request
/// then answers at once, instead of costing the whole wait.
pub(crate) async fn speaks_tls(
    ip: IpAddr,
    port: u16,
    limiter: &Limiter,
    wait: Duration,
    nudge: Duration,
) -> (TlsProbe, Option<Duration>) {
    let mut offer: Vec<u16> = suites::LEGACY_SUITES.iter().map(|(id, _)| *id).collect();
    offer.extend(suites::TLS13_SUITES.iter().map(|(id, _)| *id));
    let waits = Waits {
        answer: wait,
        flight: wait,
    };
    let hello = send_hello_nudged(
        SocketAddr::new(ip, port),
        TlsVersion::Tls12,
        &offer,
        None,
        limiter,
        waits,
        false,
        Some(nudge),
    )
    .await;
    let probe = match hello.outcome {
        HelloOutcome::Accepted { .. } | HelloOutcome::Rejected { alert: Some(_) } => TlsProbe::Tls,
        HelloOutcome::NotTls { data } => TlsProbe::Other(data),
        HelloOutcome::Silent => TlsProbe::Silent,
        HelloOutcome::Rejected { alert: None } | HelloOutcome::Unreachable => TlsProbe::Closed,
    };
    (probe, hello.latency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_follow_the_measured_latency_within_bounds() {
        let io = Duration::from_secs(3);
        assert_eq!(
            Waits::for_latency(io, None),
            Waits {
                answer: io,
                flight: io * 2
            }
        );
        let slow = Waits::for_latency(io, Some(Duration::from_millis(2900)));
        assert_eq!(slow.answer, Duration::from_millis(6800));
        assert_eq!(slow.flight, Duration::from_millis(6800));
        assert_eq!(
            Waits::for_latency(io, Some(Duration::from_secs(60))).answer,
            io * 4
        );
        assert_eq!(
            Waits::for_latency(io, Some(Duration::from_millis(5))).answer,
            io
        );
    }

    #[test]
    fn groups_interleave_and_cover_the_offer() {
        let g = groups(&[1, 2, 3, 4, 5, 6]);
        assert_eq!(g, vec![vec![1, 5], vec![2, 6], vec![3], vec![4]]);
        assert_eq!(groups(&[7]), vec![vec![7]]);
        let all = offer(TlsVersion::Tls12);
        let mut flat: Vec<u16> = groups(all).concat();
        flat.sort_unstable();
        let mut sorted = all.to_vec();
        sorted.sort_unstable();
        assert_eq!(flat, sorted);
    }
}
