//! Certificate validation by the device's own TLS client (`touchstone mitm`).
//!
//! A TLS server listens on an address the user names explicitly and presents
//! a certificate no trusted CA signed (self-signed, generated for this run).
//! The assessor redirects the device's outgoing TLS traffic to it (a DNS
//! entry or a `hosts` line for the device's cloud host name, or a
//! destination NAT rule on the lab router). For each client that connects
//! it records the client address, the ClientHello (SNI, offered versions,
//! cipher suites and ALPN, parsed here from the raw bytes), whether the
//! handshake completed, and whether the client then sent application data
//! (an excerpt with query strings and header values left out).
//!
//! A client that completes the handshake with this certificate does not
//! validate certificates: anyone on the path can read and change its
//! traffic. A client that aborts with a certificate alert (`unknown_ca`,
//! `bad_certificate` …) validates. The verdicts are findings of the check
//! [`crate::checks::tls_client_validation`].
//!
//! # Bounds
//!
//! The server stops after [`MitmOptions::duration`] or after
//! [`MitmOptions::max_connections`] connections, whichever comes first;
//! every connection has a deadline ([`MitmOptions::handshake_timeout`] for
//! the handshake, [`MitmOptions::data_wait`] for the first application
//! data), every read is bounded in bytes, and nothing is sent back after
//! the first application data but a `close_notify`.
//!
//! # Safety
//!
//! The server only listens; it never connects anywhere. It refuses to listen
//! on an unspecified address (`0.0.0.0`, `::`) unless
//! [`MitmOptions::allow_any_address`] is set, so it is only reachable where
//! the user meant it to be.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;

pub use crate::mitm_report::{ClientHelloInfo, ClientObservation, MitmReport, Outcome};
use crate::tls::TlsVersion;
use crate::tls::suites::suite_name;
use crate::wire::Reader;

/// Certificate name used when the user gives none.
pub const DEFAULT_NAME: &str = "touchstone-mitm.invalid";

/// Largest ClientHello accepted (bytes, records included).
const MAX_HELLO: usize = 20 * 1024;

/// How the MITM server runs.
#[derive(Debug, Clone)]
pub struct MitmOptions {
    /// Where to listen (`IP:PORT`; port 0 picks a free port).
    pub listen: SocketAddr,
    /// Accept `0.0.0.0` / `::` as the listen address.
    pub allow_any_address: bool,
    /// Host name (or address) the certificate is issued for; no trusted CA
    /// signed it. Use the host name the device connects to, so that a client
    /// that checks only the name is caught too.
    pub name: String,
    /// Stop accepting after this long.
    pub duration: Duration,
    /// Stop after this many connections.
    pub max_connections: usize,
    /// Deadline of one handshake.
    pub handshake_timeout: Duration,
    /// How long to wait for application data after a completed handshake.
    pub data_wait: Duration,
}

impl MitmOptions {
    /// Defaults for `listen`: 60 s, 16 connections, the [`DEFAULT_NAME`].
    pub fn new(listen: SocketAddr) -> MitmOptions {
        MitmOptions {
            listen,
            allow_any_address: false,
            name: DEFAULT_NAME.to_owned(),
            duration: Duration::from_secs(60),
            max_connections: 16,
            handshake_timeout: Duration::from_secs(10),
            data_wait: Duration::from_secs(5),
        }
    }
}

/// The MITM server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MitmError {
    /// The listen address is not acceptable.
    #[error(
        "listen address `{addr}`: {reason}\n  hint: name the lab interface's own address, for instance `--listen 10.0.0.1:443`{extra}"
    )]
    Address {
        /// The address as given.
        addr: SocketAddr,
        /// Why it was refused.
        reason: &'static str,
        /// More advice.
        extra: &'static str,
    },
    /// Options out of range.
    #[error("options: {0}")]
    Options(String),
    /// The socket could not be bound.
    #[error(
        "cannot listen on {addr}: {source}\n  hint: is the address configured on this machine, and the port free (ports below 1024 need root)?"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The certificate or the TLS configuration could not be made.
    #[error("TLS set-up: {0}\n  hint: the certificate name must be a DNS name or an IP address")]
    Tls(String),
    /// The async runtime could not start.
    #[error("runtime: {0}")]
    Runtime(String),
}

/// A bound MITM server, ready to [`run`](MitmServer::run).
#[derive(Debug)]
pub struct MitmServer {
    listener: TcpListener,
    config: Arc<ServerConfig>,
    options: MitmOptions,
    fingerprint: String,
}

/// Check the listen address: an explicit unicast address.
///
/// # Errors
///
/// [`MitmError::Address`] for unspecified (unless allowed), multicast and
/// broadcast addresses.
pub fn check_listen_address(addr: SocketAddr, allow_any: bool) -> Result<(), MitmError> {
    let ip = addr.ip();
    if ip.is_unspecified() && !allow_any {
        return Err(MitmError::Address {
            addr,
            reason: "listening on every interface is refused by default",
            extra: "; `--allow-any-address` accepts it when the lab network is isolated",
        });
    }
    let broadcast = matches!(ip, IpAddr::V4(v4) if v4.is_broadcast());
    if ip.is_multicast() || broadcast {
        return Err(MitmError::Address {
            addr,
            reason: "not a unicast address",
            extra: "",
        });
    }
    Ok(())
}

/// Generate the certificate and key for `name`: `(certificate, PKCS#8 key)`.
fn certificate(name: &str) -> Result<(CertificateDer<'static>, Vec<u8>), MitmError> {
    let certified = rcgen::generate_simple_self_signed(vec![name.to_owned()])
        .map_err(|e| MitmError::Tls(format!("certificate for `{name}`: {e}")))?;
    Ok((
        certified.cert.der().clone(),
        certified.signing_key.serialize_der(),
    ))
}

fn server_config(
    cert: CertificateDer<'static>,
    key: Vec<u8>,
) -> Result<Arc<ServerConfig>, MitmError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| MitmError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
        )
        .map_err(|e| MitmError::Tls(e.to_string()))?;
    Ok(Arc::new(config))
}

impl MitmServer {
    /// Check the options, make the certificate and bind the socket.
    ///
    /// # Errors
    ///
    /// [`MitmError`] for a refused address, bad options, a certificate that
    /// cannot be made or a socket that cannot be bound.
    pub async fn bind(options: MitmOptions) -> Result<MitmServer, MitmError> {
        check_listen_address(options.listen, options.allow_any_address)?;
        if options.max_connections == 0 || options.max_connections > 10_000 {
            return Err(MitmError::Options(format!(
                "--max-connections must be between 1 and 10000, found {}",
                options.max_connections
            )));
        }
        if options.duration.is_zero() || options.duration > Duration::from_secs(24 * 3600) {
            return Err(MitmError::Options(
                "--duration must be between 1 second and 24 hours".into(),
            ));
        }
        let (cert, key) = certificate(&options.name)?;
        let fingerprint = hex(&Sha256::digest(cert.as_ref()));
        let config = server_config(cert, key)?;
        let listener =
            TcpListener::bind(options.listen)
                .await
                .map_err(|source| MitmError::Bind {
                    addr: options.listen,
                    source,
                })?;
        Ok(MitmServer {
            listener,
            config,
            options,
            fingerprint,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// SHA-256 of the certificate the server presents, hex.
    pub fn certificate_sha256(&self) -> &str {
        &self.fingerprint
    }

    /// Accept clients until the duration ends or the connection cap is
    /// reached, then judge them.
    pub async fn run(self) -> MitmReport {
        let started = Instant::now();
        let end = started + self.options.duration;
        let mut tasks = JoinSet::new();
        let mut accepted = 0usize;
        while accepted < self.options.max_connections {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match tokio::time::timeout(left, self.listener.accept()).await {
                Ok(Ok((stream, peer))) => {
                    accepted += 1;
                    let config = self.config.clone();
                    let (hs, wait) = (self.options.handshake_timeout, self.options.data_wait);
                    tasks.spawn(async move {
                        (accepted, observe(stream, peer, config, hs, wait).await)
                    });
                }
                // Out of descriptors or an aborted connection: back off a
                // little instead of spinning until the duration ends.
                Ok(Err(_)) => tokio::time::sleep(Duration::from_millis(20)).await,
                Err(_) => break,
            }
        }
        let mut connections = Vec::new();
        while let Some(done) = tasks.join_next().await {
            if let Ok(c) = done {
                connections.push(c);
            }
        }
        connections.sort_by_key(|(n, _)| *n);
        let connections: Vec<ClientObservation> = connections.into_iter().map(|(_, c)| c).collect();
        let listen = self.local_addr().unwrap_or(self.options.listen).to_string();
        let mut report = MitmReport {
            listen,
            certificate_name: self.options.name.clone(),
            certificate_sha256: self.fingerprint.clone(),
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            connections,
            findings: Vec::new(),
        };
        report.findings = crate::checks::tls_client_validation::run(&report);
        report
    }
}

/// Bind and run on a runtime of its own, for callers without one.
///
/// # Errors
///
/// As [`MitmServer::bind`].
pub fn run_blocking(options: MitmOptions) -> Result<MitmReport, MitmError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| MitmError::Runtime(e.to_string()))?;
    runtime.block_on(async {
        let server = MitmServer::bind(options).await?;
        Ok(server.run().await)
    })
}

/// The result of reading a ClientHello from the first bytes of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloParse {
    /// A complete ClientHello.
    Complete(ClientHelloInfo),
    /// Not enough bytes yet.
    Incomplete,
    /// The bytes are not a TLS ClientHello.
    NotTls,
}

/// Parse the ClientHello at the start of `data`, reassembling a handshake
/// message split over several records. Never panics on any input.
pub fn parse_client_hello(data: &[u8]) -> HelloParse {
    let mut handshake = Vec::new();
    let mut r = Reader::new(data);
    let mut needed: Option<usize> = None;
    for _ in 0..64 {
        let Some(content_type) = r.u8() else {
            return HelloParse::Incomplete;
        };
        if content_type != 0x16 {
            return HelloParse::NotTls;
        }
        let Some(version) = r.u16() else {
            return HelloParse::Incomplete;
        };
        if version >> 8 != 3 {
            return HelloParse::NotTls;
        }
        let Some(len) = r.u16() else {
            return HelloParse::Incomplete;
        };
        let Some(fragment) = r.bytes(usize::from(len)) else {
            return HelloParse::Incomplete;
        };
        handshake.extend_from_slice(fragment);
        if needed.is_none() && handshake.len() >= 4 {
            if handshake.first() != Some(&1) {
                return HelloParse::NotTls;
            }
            let mut h = Reader::new(&handshake);
            h.u8();
            needed = h.u24().map(|n| n + 4);
        }
        if let Some(n) = needed {
            if n > MAX_HELLO {
                return HelloParse::NotTls;
            }
            if handshake.len() >= n {
                return match hello_body(handshake.get(4..n).unwrap_or_default()) {
                    Some(info) => HelloParse::Complete(info),
                    None => HelloParse::NotTls,
                };
            }
        }
    }
    HelloParse::NotTls
}

fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

fn version_name(v: u16) -> String {
    TlsVersion::from_wire(v).map_or_else(|| format!("0x{v:04X}"), |t| t.name().to_owned())
}

fn hello_body(body: &[u8]) -> Option<ClientHelloInfo> {
    let mut r = Reader::new(body);
    let legacy = r.u16()?;
    r.bytes(32)?;
    r.vec8()?; // session id
    let suites = r.vec16()?;
    r.vec8()?; // compression methods
    let mut info = ClientHelloInfo {
        cipher_suites: suites
            .chunks(2)
            .filter_map(|c| Some(u16::from_be_bytes([*c.first()?, *c.get(1)?])))
            .filter(|s| !is_grease(*s) && *s != 0x00ff)
            .take(128)
            .map(suite_name)
            .collect(),
        ..ClientHelloInfo::default()
    };
    let mut versions = Vec::new();
    if let Some(exts) = r.vec16() {
        let mut e = Reader::new(exts);
        for _ in 0..128 {
            let (Some(kind), Some(data)) = (e.u16(), e.vec16()) else {
                break;
            };
            let mut d = Reader::new(data);
            match kind {
                0 => {
                    // server_name: list of (type, name); host_name is type 0.
                    if let Some(list) = d.vec16() {
                        let mut l = Reader::new(list);
                        while let (Some(t), Some(name)) = (l.u8(), l.vec16()) {
                            if t == 0 {
                                info.sni = Some(crate::wire::excerpt(name, 255));
                                break;
                            }
                        }
                    }
                }
                16 => {
                    if let Some(list) = d.vec16() {
                        let mut l = Reader::new(list);
                        while let Some(p) = l.vec8() {
                            if info.alpn.len() < 16 {
                                info.alpn.push(crate::wire::excerpt(p, 64));
                            }
                        }
                    }
                }
                43 => {
                    if let Some(list) = d.vec8() {
                        versions.extend(
                            list.chunks(2)
                                .filter_map(|c| Some(u16::from_be_bytes([*c.first()?, *c.get(1)?])))
                                .filter(|v| !is_grease(*v)),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    if versions.is_empty() {
        versions.push(legacy);
    }
    versions.sort_unstable_by(|a, b| b.cmp(a));
    versions.dedup();
    info.versions = versions.into_iter().take(8).map(version_name).collect();
    Some(info)
}

/// IANA name of an alert.
pub fn alert_name(code: u8) -> &'static str {
    match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => "unknown",
    }
}

/// Whether an alert says the client rejected the certificate.
pub fn is_certificate_alert(code: u8) -> bool {
    matches!(code, 42..=46 | 48)
}

/// A redacted description of the first application data: the HTTP
/// request line without its query string and the names (not values) of the
/// headers; MQTT CONNECT flags; otherwise the size and the first bytes.
pub fn describe_application_data(data: &[u8]) -> String {
    // The request head as far as it arrived (the complete lines of the
    // first 2 KiB), read by `httparse`.
    let (head, _) =
        crate::http::complete_head(data.get(..data.len().min(2048)).unwrap_or_default());
    let mut header_slots = [httparse::EMPTY_HEADER; crate::http::MAX_HEADERS];
    let mut request = httparse::Request::new(&mut header_slots);
    let parsed = httparse::ParserConfig::default()
        .ignore_invalid_headers_in_requests(true)
        .parse_request(&mut request, &head);
    if let Ok(httparse::Status::Complete(_)) = parsed
        && let (Some(method), Some(target), Some(minor)) =
            (request.method, request.path, request.version)
        && method.len() <= 16
        && method.bytes().all(|b| b.is_ascii_uppercase())
    {
        let proto = format!("HTTP/1.{minor}");
        let path = match target.split_once('?') {
            Some((p, _)) => format!("{p}?…"),
            None => target.to_owned(),
        };
        let path: String = crate::wire::excerpt(path.as_bytes(), 100);
        let headers: Vec<&str> = request.headers.iter().map(|h| h.name).take(20).collect();
        let mut out = format!(
            "{method} {path} {}",
            crate::wire::excerpt(proto.as_bytes(), 10)
        );
        if !headers.is_empty() {
            out.push_str(&format!(" (headers: {})", headers.join(", ")));
        }
        if headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case("authorization") || h.eq_ignore_ascii_case("cookie"))
        {
            out.push_str("; credentials sent to the impostor");
        }
        return out;
    }
    if data.first() == Some(&0x10) {
        // MQTT CONNECT: skip the remaining length, protocol name, level.
        let mut r = Reader::new(data);
        r.u8();
        for _ in 0..4 {
            match r.u8() {
                Some(b) if b & 0x80 != 0 => continue,
                _ => break,
            }
        }
        let flags = r.vec16().and_then(|_| r.u8()).and_then(|_| r.u8());
        if let Some(flags) = flags {
            let user = flags & 0x80 != 0;
            let pass = flags & 0x40 != 0;
            return format!(
                "MQTT CONNECT ({} bytes){}",
                data.len(),
                match (user, pass) {
                    (true, true) => "; user name and password sent to the impostor",
                    (true, false) => "; user name sent to the impostor",
                    _ => "",
                }
            );
        }
    }
    let head: Vec<String> = data.iter().take(8).map(|b| hex::encode([*b])).collect();
    format!("{} bytes, starting {}", data.len(), head.join(" "))
}

fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn observation(peer: SocketAddr, outcome: Outcome) -> ClientObservation {
    ClientObservation {
        client: peer.to_string(),
        hello: None,
        handshake_completed: false,
        negotiated_version: None,
        outcome,
        alert: None,
        application_bytes: 0,
        application_data: None,
        detail: None,
    }
}

/// Serve one client and record what it did; bounded by the deadlines.
async fn observe(
    mut stream: TcpStream,
    peer: SocketAddr,
    config: Arc<ServerConfig>,
    handshake_timeout: Duration,
    data_wait: Duration,
) -> ClientObservation {
    let mut obs = observation(peer, Outcome::TimedOut);
    let deadline = Instant::now() + handshake_timeout;
    let mut pending = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];

    // 1. The ClientHello, parsed from the raw bytes.
    for _ in 0..32 {
        match parse_client_hello(&pending) {
            HelloParse::Complete(info) => {
                obs.hello = Some(info);
                break;
            }
            HelloParse::NotTls => {
                obs.outcome = Outcome::NotTls;
                obs.detail = Some(format!(
                    "first bytes: {}",
                    describe_application_data(&pending)
                ));
                return obs;
            }
            HelloParse::Incomplete => {}
        }
        match read_until(&mut stream, &mut chunk, deadline).await {
            Read::Data(n) => pending.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Read::Closed => {
                obs.outcome = Outcome::ClosedDuringHandshake;
                return obs;
            }
            Read::TimedOut => return obs,
        }
        if pending.len() > MAX_HELLO {
            obs.outcome = Outcome::NotTls;
            obs.detail = Some("no complete ClientHello within 20 KiB".into());
            return obs;
        }
    }
    if obs.hello.is_none() {
        return obs;
    }

    // 2. The handshake, driven by rustls over the bytes read so far and
    //    what follows.
    let mut conn = match ServerConnection::new(config) {
        Ok(c) => c,
        Err(e) => {
            obs.outcome = Outcome::Incompatible;
            obs.detail = Some(e.to_string());
            return obs;
        }
    };
    let mut data_deadline: Option<Instant> = None;
    let mut app = Vec::new();
    for _ in 0..256 {
        // Feed what we have.
        let mut fed = 0usize;
        while fed < pending.len() {
            let mut slice = pending.get(fed..).unwrap_or_default();
            match conn.read_tls(&mut slice) {
                Ok(0) => break,
                Ok(n) => fed += n,
                Err(_) => break,
            }
            match conn.process_new_packets() {
                Ok(state) => {
                    let n = state.plaintext_bytes_to_read().min(4096);
                    if n > 0 {
                        let mut buf = vec![0u8; n];
                        if let Ok(got) = std::io::Read::read(&mut conn.reader(), &mut buf) {
                            obs.application_bytes += got;
                            if app.len() < 4096 {
                                app.extend_from_slice(buf.get(..got).unwrap_or_default());
                            }
                        }
                    }
                }
                Err(e) => {
                    flush(&mut conn, &mut stream).await;
                    judge_error(&mut obs, &e);
                    return obs;
                }
            }
        }
        pending.drain(..fed.min(pending.len()));
        if !flush(&mut conn, &mut stream).await {
            if !conn.is_handshaking() {
                obs.handshake_completed = true;
                obs.outcome = Outcome::AcceptedNoData;
            } else {
                obs.outcome = Outcome::ClosedDuringHandshake;
            }
            break;
        }
        if !conn.is_handshaking() && !obs.handshake_completed {
            obs.handshake_completed = true;
            obs.negotiated_version = conn.protocol_version().map(|v| version_name(u16::from(v)));
            data_deadline = Some(Instant::now() + data_wait);
        }
        if !app.is_empty() {
            obs.outcome = Outcome::AcceptedAndSentData;
            obs.application_data = Some(describe_application_data(&app));
            conn.send_close_notify();
            flush(&mut conn, &mut stream).await;
            break;
        }
        let wait_until = data_deadline.unwrap_or(deadline);
        match read_until(&mut stream, &mut chunk, wait_until).await {
            Read::Data(n) => pending.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Read::Closed => {
                obs.outcome = if obs.handshake_completed {
                    Outcome::AcceptedNoData
                } else {
                    Outcome::ClosedDuringHandshake
                };
                break;
            }
            Read::TimedOut => {
                obs.outcome = if obs.handshake_completed {
                    Outcome::AcceptedNoData
                } else {
                    Outcome::TimedOut
                };
                break;
            }
        }
    }
    let _ = stream.shutdown().await;
    obs
}

fn judge_error(obs: &mut ClientObservation, e: &rustls::Error) {
    match e {
        rustls::Error::AlertReceived(desc) => {
            let code = u8::from(*desc);
            obs.alert = Some(format!("{} ({code})", alert_name(code)));
            obs.outcome = if is_certificate_alert(code) {
                Outcome::RejectedWithAlert
            } else {
                Outcome::Incompatible
            };
        }
        other => {
            obs.outcome = Outcome::Incompatible;
            obs.detail = Some(other.to_string());
        }
    }
}

/// Write everything rustls wants to send; `false` when the peer is gone.
async fn flush(conn: &mut ServerConnection, stream: &mut TcpStream) -> bool {
    for _ in 0..64 {
        if !conn.wants_write() {
            return true;
        }
        let mut out = Vec::new();
        if conn.write_tls(&mut out).is_err() {
            return false;
        }
        let sent = tokio::time::timeout(Duration::from_secs(5), stream.write_all(&out)).await;
        if !matches!(sent, Ok(Ok(()))) {
            return false;
        }
    }
    true
}

enum Read {
    Data(usize),
    Closed,
    TimedOut,
}

async fn read_until(stream: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> Read {
    let left = deadline.saturating_duration_since(Instant::now());
    match tokio::time::timeout(left, stream.read(buf)).await {
        Ok(Ok(0)) | Ok(Err(_)) => Read::Closed,
        Ok(Ok(n)) => Read::Data(n),
        Err(_) => Read::TimedOut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(sni: &str) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(0);
        body.extend_from_slice(&[0, 6, 0x1a, 0x1a, 0x13, 0x01, 0xc0, 0x2f]);
        body.extend_from_slice(&[1, 0]);
        let mut exts = Vec::new();
        let name = sni.as_bytes();
        let n = u16::try_from(name.len()).unwrap_or(0);
        exts.extend_from_slice(&[0, 0]);
        exts.extend_from_slice(&(n + 5).to_be_bytes());
        exts.extend_from_slice(&(n + 3).to_be_bytes());
        exts.push(0);
        exts.extend_from_slice(&n.to_be_bytes());
        exts.extend_from_slice(name);
        exts.extend_from_slice(&[0, 43, 0, 5, 4, 3, 4, 3, 3]);
        exts.extend_from_slice(&[0, 16, 0, 5, 0, 3, 2, b'h', b'2']);
        body.extend_from_slice(&u16::try_from(exts.len()).unwrap_or(0).to_be_bytes());
        body.extend_from_slice(&exts);
        let mut hs = vec![1, 0];
        hs.extend_from_slice(&u16::try_from(body.len()).unwrap_or(0).to_be_bytes());
        hs.extend_from_slice(&body);
        let mut rec = vec![0x16, 3, 1];
        rec.extend_from_slice(&u16::try_from(hs.len()).unwrap_or(0).to_be_bytes());
        rec.extend_from_slice(&hs);
        rec
    }

    #[test]
    fn client_hello_is_parsed_and_reassembled() {
        let rec = hello("cloud.example");
        let want = ClientHelloInfo {
            sni: Some("cloud.example".into()),
            versions: vec!["TLSv1.3".into(), "TLSv1.2".into()],
            cipher_suites: vec![
                "TLS_AES_128_GCM_SHA256".into(),
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into(),
            ],
            alpn: vec!["h2".into()],
        };
        assert_eq!(parse_client_hello(&rec), HelloParse::Complete(want.clone()));
        // Split the handshake over two records.
        let hs = rec.get(5..).unwrap_or_default();
        let (a, b) = hs.split_at(10);
        let mut split = Vec::new();
        for part in [a, b] {
            split.extend_from_slice(&[0x16, 3, 1]);
            split.extend_from_slice(&u16::try_from(part.len()).unwrap_or(0).to_be_bytes());
            split.extend_from_slice(part);
        }
        assert_eq!(parse_client_hello(&split), HelloParse::Complete(want));
        // Every prefix is incomplete, never a panic or a wrong verdict.
        for n in 0..rec.len() {
            assert_eq!(
                parse_client_hello(rec.get(..n).unwrap_or_default()),
                HelloParse::Incomplete,
                "{n}"
            );
        }
        assert_eq!(
            parse_client_hello(b"GET / HTTP/1.1\r\n"),
            HelloParse::NotTls
        );
        assert_eq!(
            parse_client_hello(&[0x16, 3, 1, 0, 4, 2, 0, 0, 0]),
            HelloParse::NotTls
        );
    }

    #[test]
    fn application_data_is_redacted() {
        let cases: [(&[u8], &str); 5] = [
            (
                b"GET /api/v1/status?token=s3cret HTTP/1.1\r\nHost: cloud\r\nAuthorization: Bearer x\r\n\r\n",
                "GET /api/v1/status?… HTTP/1.1 (headers: Host, Authorization); credentials sent to the impostor",
            ),
            (b"POST /up HTTP/1.0\r\n\r\n", "POST /up HTTP/1.0"),
            (
                b"\x10\x1a\x00\x04MQTT\x04\xc2\x00\x3c\x00\x02id\x00\x01u\x00\x01p",
                "MQTT CONNECT (22 bytes); user name and password sent to the impostor",
            ),
            (b"\x01\x02\x03", "3 bytes, starting 01 02 03"),
            (b"get / http/1.1\r\n", "16 bytes, starting 67 65 74 20 2f 20 68 74"),
        ];
        for (data, want) in cases {
            assert_eq!(describe_application_data(data), want);
        }
    }

    #[test]
    fn listen_addresses() {
        let ok: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8443));
        assert!(check_listen_address(ok, false).is_ok());
        let any = SocketAddr::from(([0, 0, 0, 0], 443));
        let err = check_listen_address(any, false)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("--allow-any-address"), "{err}");
        assert!(check_listen_address(any, true).is_ok());
        let mc = SocketAddr::from(([224, 0, 0, 1], 443));
        assert!(check_listen_address(mc, true).is_err());
        assert!(is_certificate_alert(48) && is_certificate_alert(42));
        assert!(!is_certificate_alert(40) && !is_certificate_alert(70));
        assert_eq!(alert_name(48), "unknown_ca");
    }
}
