//! Robustness mini-fuzzer: malformed HTTP, MQTT and CoAP messages with a
//! liveness check after every batch.
//!
//! **Off by default** ([`crate::Options::robustness`] is `None`): malformed
//! input may crash or hang a device, which is the point, so only run it on a
//! device that may be restarted.
//!
//! For every plain HTTP, MQTT and CoAP service found on the device, a fixed
//! number of cases ([`Settings::cases`]) is generated from the seed
//! ([`Settings::seed`]; the same seed gives the same bytes, see
//! [`cases`]). Each generator cycles through its mutation kinds (overlong
//! lines, bad lengths, wrong types, invalid encodings, truncation, random
//! bytes …), so the first cases already cover every kind. Cases go out one
//! at a time, each on its own connection (TCP) or socket (UDP), bounded by
//! [`Settings::case_timeout`]; what comes back is read up to 4 KiB.
//!
//! After every batch of [`Settings::batch`] cases a valid request must get a
//! valid answer (HTTP `GET /` → a status line; MQTT CONNECT → a CONNACK;
//! CoAP `GET /.well-known/core` → a CoAP reply), with
//! [`Settings::liveness_attempts`] tries and doubling back-off. A service
//! that stops answering ends its run: the report keeps the batch that
//! preceded the silence and, when a connection was refused within the batch,
//! the last case that was still accepted (the likely trigger). Answers
//! that disclose internals (a 5xx with a stack trace or a source path) are
//! recorded per case. The whole run of one service is bounded by
//! [`Settings::budget`].

pub mod coap;
pub mod http;
pub mod mqtt;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::Instant;

use crate::limiter::Limiter;

/// How the fuzzer runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Cases per service.
    pub cases: usize,
    /// Cases between two liveness checks.
    pub batch: usize,
    /// Seed of the case generator.
    pub seed: u64,
    /// Time allowed for one case (connect, send, read).
    pub case_timeout: Duration,
    /// Tries of the liveness check before the service counts as dead.
    pub liveness_attempts: u8,
    /// First back-off between liveness tries (doubled each time).
    pub backoff: Duration,
    /// Upper bound of the run against one service.
    pub budget: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            cases: 200,
            batch: 20,
            seed: 0x7a11_2026,
            case_timeout: Duration::from_millis(800),
            liveness_attempts: 4,
            backoff: Duration::from_millis(250),
            budget: Duration::from_secs(180),
        }
    }
}

/// The protocols the fuzzer speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// HTTP/1.x over TCP.
    Http,
    /// MQTT 3.1.1 over TCP.
    Mqtt,
    /// CoAP over UDP.
    Coap,
}

impl Protocol {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Mqtt => "mqtt",
            Protocol::Coap => "coap",
        }
    }

    /// The protocol of a service name from the inventory.
    pub fn for_service(service: &str) -> Option<Protocol> {
        match service {
            "http" => Some(Protocol::Http),
            "mqtt" => Some(Protocol::Mqtt),
            "coap" => Some(Protocol::Coap),
            _ => None,
        }
    }

    fn udp(self) -> bool {
        self == Protocol::Coap
    }
}

/// One generated input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Position in the run (0-based).
    pub index: usize,
    /// Mutation kind, for instance `overlong_header`.
    pub kind: &'static str,
    /// The bytes sent.
    pub bytes: Vec<u8>,
}

/// A case as recorded in reports: kind, size and the first bytes in hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseRecord {
    /// Position in the run (0-based).
    pub index: usize,
    /// Mutation kind.
    pub kind: String,
    /// Size in bytes.
    pub len: usize,
    /// The first 48 bytes in hex (`…` when truncated).
    pub hex: String,
}

impl CaseRecord {
    fn of(case: &Case) -> CaseRecord {
        let mut hex = hex::encode(case.bytes.get(..48).unwrap_or(&case.bytes));
        if case.bytes.len() > 48 {
            hex.push('…');
        }
        CaseRecord {
            index: case.index,
            kind: case.kind.to_owned(),
            len: case.bytes.len(),
            hex,
        }
    }

    /// `case 12 overlong_header (1.2 KiB): 474554…`
    pub fn describe(&self) -> String {
        let size = if self.len >= 1024 {
            format!("{:.1} KiB", self.len as f64 / 1024.0)
        } else {
            format!("{} bytes", self.len)
        };
        format!("case {} {} ({size}): {}", self.index, self.kind, self.hex)
    }
}

/// Something a single case provoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    /// The case.
    pub case: CaseRecord,
    /// What was seen, for instance `HTTP 500 with a stack trace`.
    pub what: String,
    /// Excerpt of the answer.
    pub evidence: String,
}

/// The service stopped answering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outage {
    /// Batch number (0-based) after which the liveness check failed.
    pub batch: usize,
    /// The cases of that batch.
    pub inputs: Vec<CaseRecord>,
    /// The last case that was still accepted before a refused connection in
    /// the batch: the likely trigger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspect: Option<CaseRecord>,
    /// Liveness tries made.
    pub tries: u8,
}

/// The fuzzing run against one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RobustnessReport {
    /// Host address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Protocol.
    pub protocol: Protocol,
    /// Seed of the generator.
    pub seed: u64,
    /// Cases sent.
    pub cases_sent: usize,
    /// Cases the service answered (any bytes back).
    pub answered: usize,
    /// Liveness checks passed.
    pub liveness_checks: usize,
    /// The service stopped answering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outage: Option<Outage>,
    /// Per-case anomalies (at most 16).
    pub anomalies: Vec<Anomaly>,
    /// The service did not answer the valid request before any case was
    /// sent: nothing was fuzzed.
    pub not_alive_before: bool,
    /// The budget ended the run early.
    pub stopped_by_budget: bool,
    /// Wall time, milliseconds.
    pub duration_ms: u64,
}

/// Deterministic generator (SplitMix64): same seed, same cases.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for one case of one protocol.
    pub fn for_case(seed: u64, protocol: Protocol, index: usize) -> Rng {
        let tag = match protocol {
            Protocol::Http => 0x4854_5450,
            Protocol::Mqtt => 0x4d51_5454,
            Protocol::Coap => 0x436f_4150,
        };
        let mut r = Rng(seed ^ (tag << 32) ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        r.next_u64();
        r
    }

    /// Next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// One element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T], fallback: T) -> T {
        items
            .get(self.below(items.len()))
            .copied()
            .unwrap_or(fallback)
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next_u64() & 0xff) as u8).collect()
    }
}

/// The cases of a run: `n` inputs for `protocol` from `seed`, for a target
/// at `host` (used in HTTP `Host` headers).
pub fn cases(protocol: Protocol, seed: u64, n: usize, host: IpAddr) -> Vec<Case> {
    (0..n)
        .map(|index| {
            let mut rng = Rng::for_case(seed, protocol, index);
            let (kind, bytes) = match protocol {
                Protocol::Http => http::generate(index, &mut rng, host),
                Protocol::Mqtt => mqtt::generate(index, &mut rng),
                Protocol::Coap => coap::generate(index, &mut rng),
            };
            Case { index, kind, bytes }
        })
        .collect()
}

/// The valid request of the liveness check.
pub fn valid_request(protocol: Protocol, host: IpAddr) -> Vec<u8> {
    match protocol {
        Protocol::Http => http::valid(host),
        Protocol::Mqtt => mqtt::valid(),
        Protocol::Coap => coap::valid(),
    }
}

/// Whether `answer` is a valid answer to [`valid_request`].
pub fn is_valid_answer(protocol: Protocol, answer: &[u8]) -> bool {
    match protocol {
        Protocol::Http => answer.starts_with(b"HTTP/1.") || answer.starts_with(b"HTTP/2"),
        Protocol::Mqtt => answer.first() == Some(&0x20) && answer.len() >= 4,
        Protocol::Coap => coap::is_reply(answer),
    }
}

/// What happened to one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Exchange {
    /// The connection (or UDP send) was refused.
    Refused,
    /// Connected (or sent); the bytes that came back (maybe none).
    Sent(Vec<u8>),
}

async fn exchange(
    addr: SocketAddr,
    protocol: Protocol,
    bytes: &[u8],
    limiter: &Limiter,
    timeout: Duration,
) -> Exchange {
    let Some(_permit) = limiter.acquire().await else {
        return Exchange::Refused;
    };
    let deadline = Instant::now() + timeout;
    let mut answer = Vec::new();
    let mut buf = vec![0u8; 4096];
    if protocol.udp() {
        let bind = if addr.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        };
        let Ok(socket) = UdpSocket::bind(bind).await else {
            return Exchange::Sent(answer);
        };
        if socket.connect(addr).await.is_err() {
            return Exchange::Refused;
        }
        match socket.send(bytes).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                return Exchange::Refused;
            }
            Err(_) => return Exchange::Sent(answer),
            Ok(_) => {}
        }
        return match tokio::time::timeout(timeout, socket.recv(&mut buf)).await {
            Ok(Ok(n)) => Exchange::Sent(buf.get(..n).unwrap_or_default().to_vec()),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Exchange::Refused,
            _ => Exchange::Sent(answer),
        };
    }
    let mut stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(_)) | Err(_) => return Exchange::Refused,
    };
    let left = deadline.saturating_duration_since(Instant::now());
    // A peer that closes early makes the write fail: that is an answer too.
    let _ = tokio::time::timeout(left, stream.write_all(bytes)).await;
    for _ in 0..16 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || answer.len() >= 4096 {
            break;
        }
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(buf.get(..n).unwrap_or_default()),
            _ => break,
        }
        // A complete HTTP head with a short body, or an MQTT packet, is enough.
        if protocol == Protocol::Mqtt && answer.len() >= 2 {
            break;
        }
    }
    answer.truncate(4096);
    let _ = stream.set_zero_linger();
    Exchange::Sent(answer)
}

async fn alive(
    addr: SocketAddr,
    protocol: Protocol,
    settings: &Settings,
    limiter: &Limiter,
) -> (bool, u8) {
    let request = valid_request(protocol, addr.ip());
    let mut wait = settings.backoff;
    let timeout = settings.case_timeout.max(Duration::from_millis(500)) * 2;
    for attempt in 1..=settings.liveness_attempts.max(1) {
        if let Exchange::Sent(answer) = exchange(addr, protocol, &request, limiter, timeout).await
            && is_valid_answer(protocol, &answer)
        {
            return (true, attempt);
        }
        if attempt < settings.liveness_attempts {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }
    (false, settings.liveness_attempts.max(1))
}

/// Fuzz one service and check it stays alive.
pub(crate) async fn run(
    addr: SocketAddr,
    protocol: Protocol,
    settings: &Settings,
    limiter: &Limiter,
) -> RobustnessReport {
    let started = Instant::now();
    let deadline = started + settings.budget;
    let mut report = RobustnessReport {
        host: addr.ip().to_string(),
        port: addr.port(),
        protocol,
        seed: settings.seed,
        cases_sent: 0,
        answered: 0,
        liveness_checks: 0,
        outage: None,
        anomalies: Vec::new(),
        not_alive_before: false,
        stopped_by_budget: false,
        duration_ms: 0,
    };
    if !alive(addr, protocol, settings, limiter).await.0 {
        report.not_alive_before = true;
        report.duration_ms = millis(started);
        return report;
    }
    report.liveness_checks += 1;
    let all = cases(protocol, settings.seed, settings.cases, addr.ip());
    for (batch_no, batch) in all.chunks(settings.batch.max(1)).enumerate() {
        let mut suspect: Option<CaseRecord> = None;
        let mut last_accepted: Option<&Case> = None;
        for case in batch {
            if Instant::now() >= deadline {
                report.stopped_by_budget = true;
                break;
            }
            report.cases_sent += 1;
            match exchange(addr, protocol, &case.bytes, limiter, settings.case_timeout).await {
                Exchange::Refused => {
                    if suspect.is_none() {
                        suspect = last_accepted.map(CaseRecord::of);
                    }
                }
                Exchange::Sent(answer) => {
                    last_accepted = Some(case);
                    if !answer.is_empty() {
                        report.answered += 1;
                    }
                    if let Some((what, evidence)) = disclosure(protocol, &answer)
                        && report.anomalies.len() < 16
                    {
                        report.anomalies.push(Anomaly {
                            case: CaseRecord::of(case),
                            what,
                            evidence,
                        });
                    }
                }
            }
        }
        let (ok, tries) = alive(addr, protocol, settings, limiter).await;
        if !ok {
            report.outage = Some(Outage {
                batch: batch_no,
                inputs: batch.iter().map(CaseRecord::of).collect(),
                suspect,
                tries,
            });
            break;
        }
        report.liveness_checks += 1;
        if report.stopped_by_budget {
            break;
        }
    }
    report.duration_ms = millis(started);
    report
}

/// Markers of internals in an error answer.
const TRACE_MARKERS: [&str; 12] = [
    "Traceback (most recent call last)",
    "stack trace",
    "Stack trace",
    "panicked at",
    "Exception in thread",
    "\tat java.",
    "at System.",
    "Segmentation fault",
    "core dumped",
    "Fatal error:",
    ".c:",
    "assertion failed",
];

/// An answer that discloses internals: `(what, evidence)`.
pub fn disclosure(protocol: Protocol, answer: &[u8]) -> Option<(String, String)> {
    if protocol != Protocol::Http || !answer.starts_with(b"HTTP/1.") {
        return None;
    }
    let text = String::from_utf8_lossy(answer);
    let status = text.get(9..12)?;
    if !status.starts_with('5') {
        return None;
    }
    let marker = TRACE_MARKERS.iter().find(|m| text.contains(*m))?;
    let at = text.find(marker).unwrap_or(0);
    let from = text
        .get(..at)
        .and_then(|t| t.char_indices().rev().nth(40).map(|(i, _)| i))
        .unwrap_or(0);
    let excerpt = crate::wire::excerpt(text.get(from..).unwrap_or_default().as_bytes(), 160);
    Some((
        format!("HTTP {status} with internals (`{}`)", marker.trim()),
        excerpt,
    ))
}

fn millis(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip() -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2))
    }

    #[test]
    fn same_seed_same_cases_other_seed_other_cases() {
        for p in [Protocol::Http, Protocol::Mqtt, Protocol::Coap] {
            let a = cases(p, 7, 60, ip());
            assert_eq!(a, cases(p, 7, 60, ip()), "{p:?}");
            assert_ne!(a, cases(p, 8, 60, ip()), "{p:?}");
            assert_eq!(a.len(), 60);
            assert!(a.iter().all(|c| !c.bytes.is_empty()), "{p:?}");
            // Every kind appears within the first 20 cases.
            let kinds: std::collections::BTreeSet<&str> = a.iter().map(|c| c.kind).collect();
            let early: std::collections::BTreeSet<&str> =
                a.iter().take(20).map(|c| c.kind).collect();
            assert_eq!(kinds, early, "{p:?}");
            assert!(kinds.len() >= 8, "{p:?}: {kinds:?}");
            // Cases are bounded in size.
            assert!(a.iter().all(|c| c.bytes.len() <= 70_000), "{p:?}");
        }
    }

    #[test]
    fn valid_requests_and_answers() {
        assert!(
            valid_request(Protocol::Http, ip()).starts_with(b"GET / HTTP/1.1\r\nHost: 10.0.0.2")
        );
        assert!(is_valid_answer(
            Protocol::Http,
            b"HTTP/1.1 404 Not Found\r\n"
        ));
        assert!(!is_valid_answer(Protocol::Http, b""));
        assert!(is_valid_answer(Protocol::Mqtt, &[0x20, 2, 0, 5]));
        assert!(!is_valid_answer(Protocol::Mqtt, &[0x20, 2]));
        assert!(is_valid_answer(Protocol::Coap, &[0x60, 0x45, 0x7a, 0x12]));
        assert!(!is_valid_answer(Protocol::Coap, &[0x60]));
    }

    #[test]
    fn stack_traces_in_5xx_are_disclosure() {
        let trace = b"HTTP/1.1 500 Internal Server Error\r\n\r\nTraceback (most recent call last):\n  File \"/app/web.py\"";
        let got = disclosure(Protocol::Http, trace).map(|(w, _)| w);
        assert_eq!(
            got.as_deref(),
            Some("HTTP 500 with internals (`Traceback (most recent call last)`)")
        );
        assert!(
            disclosure(
                Protocol::Http,
                b"HTTP/1.1 400 Bad Request\r\n\r\nstack trace"
            )
            .is_none()
        );
        assert!(disclosure(Protocol::Http, b"HTTP/1.1 500 Oops\r\n\r\nsorry").is_none());
        assert!(disclosure(Protocol::Mqtt, b"stack trace").is_none());
    }

    #[test]
    fn records_truncate() {
        let c = Case {
            index: 3,
            kind: "random",
            bytes: vec![0xab; 2000],
        };
        let r = CaseRecord::of(&c);
        assert_eq!(r.hex.chars().filter(|c| *c == 'a').count(), 48);
        assert!(r.describe().starts_with("case 3 random (2.0 KiB): abab"));
    }
}
