//! The protocol inside TLS: `https`, `mqtts`, `imaps` … instead of `tls`.
//!
//! After the rustls handshake of the chain analysis (which offers
//! [`ALPN`]), in order, each step bounded in bytes and time:
//!
//! 1. the protocol the server selected by ALPN, when it selected one;
//! 2. what the server says first within the banner wait (IMAP `* OK`,
//!    POP3 `+OK`, SMTP and FTP `220`, telnet, SSH), classified like a plain
//!    banner ([`crate::ident::classify_banner`]);
//! 3. the answer to `GET /` on the same connection (`HTTP/`, `RTSP/`);
//! 4. on a second handshake, the answer to an MQTT CONNECT (a CONNACK).
//!
//! A TLS 1.0/1.1-only service, which rustls refuses, gets the same steps
//! 2–4 through the probe's own client ([`super::legacy`], ECDHE with
//! AES-CBC only); where that completes no handshake either the service
//! stays `tls` and the analysis names why in its problems.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio_rustls::client::TlsStream;

use super::chain::{self, LabAnchors};
use crate::ident::{MAX_BANNER, classify_banner, classify_http, mqtt_connect, parse_connack};
use crate::limiter::Limiter;
use crate::wire::excerpt;

/// Application protocols offered by ALPN in the chain analysis's
/// handshake (IANA ALPN protocol IDs).
pub(crate) const ALPN: &[&[u8]] = &[
    b"h2",
    b"http/1.1",
    b"mqtt",
    b"coap",
    b"imap",
    b"pop3",
    b"ftp",
    b"xmpp-client",
];

/// The protocol found inside TLS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inner {
    /// The protocol as on a plain port: `http`, `mqtt`, `imap` …
    pub protocol: String,
    /// The service name over TLS: `https`, `mqtts`, `imaps` …
    pub service: String,
    /// What identified it: the ALPN protocol or an excerpt of the answer.
    pub evidence: String,
    /// Product, when the answer names it (an HTTP `Server` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Version, when the answer gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The name of `protocol` over TLS (IANA service names where there is
/// one: `https`, `mqtts` (8883), `imaps`, `pop3s`, `ftps`, `telnets`,
/// `coaps`; otherwise `PROTOCOL+tls`).
pub fn tls_name(protocol: &str) -> String {
    match protocol {
        "http" => "https".into(),
        "mqtt" => "mqtts".into(),
        "imap" => "imaps".into(),
        "pop3" => "pop3s".into(),
        "smtp" => "smtps".into(),
        "ftp" => "ftps".into(),
        "telnet" => "telnets".into(),
        "coap" => "coaps".into(),
        "rtsp" => "rtsps".into(),
        "xmpp" => "xmpps".into(),
        other => format!("{other}+tls"),
    }
}

/// The protocol of an ALPN protocol ID, when the probe knows it.
fn from_alpn(id: &[u8]) -> Option<&'static str> {
    match id {
        b"h2" | b"http/1.1" | b"http/1.0" => Some("http"),
        b"mqtt" => Some("mqtt"),
        b"coap" => Some("coap"),
        b"imap" => Some("imap"),
        b"pop3" => Some("pop3"),
        b"ftp" => Some("ftp"),
        b"xmpp-client" => Some("xmpp"),
        _ => None,
    }
}

/// Where and how long the inner probes may wait.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub(crate) addr: SocketAddr,
    pub(crate) name: String,
    pub(crate) lab: LabAnchors,
    /// For a whole handshake.
    pub(crate) handshake_wait: Duration,
    /// For the answer to a request.
    pub(crate) answer_wait: Duration,
    /// For a server that speaks first.
    pub(crate) banner_wait: Duration,
}

/// Identify the protocol on `stream` (a completed handshake; `permit` is
/// its limiter slot). Returns the protocol or why none was found, and the
/// connections opened besides `stream`.
pub(crate) async fn identify(
    mut stream: TlsStream<TcpStream>,
    permit: OwnedSemaphorePermit,
    probe: &Probe,
    limiter: &Limiter,
) -> (Result<Inner, String>, u32) {
    if let Some(id) = stream.get_ref().1.alpn_protocol() {
        let shown = excerpt(id, 40);
        return match from_alpn(id) {
            Some(protocol) => (Ok(found(protocol, format!("ALPN `{shown}`"))), 0),
            None => (
                Err(format!(
                    "the server selected the unknown ALPN protocol `{shown}`"
                )),
                0,
            ),
        };
    }
    let banner = read_some(&mut stream, probe.banner_wait).await;
    if !banner.is_empty() {
        let id = classify_banner(&banner);
        drop(stream);
        drop(permit);
        return match id {
            Some(id) => (
                Ok(Inner {
                    product: id.product,
                    version: id.version,
                    evidence: id.evidence.unwrap_or_default(),
                    ..found(&id.service, String::new())
                }),
                0,
            ),
            None => (
                Err(format!(
                    "the server spoke first, in no protocol the probe knows: {}",
                    excerpt(&banner, 80)
                )),
                0,
            ),
        };
    }
    let request = format!(
        "GET / HTTP/1.0\r\nHost: {}\r\nUser-Agent: Touchstone\r\n\r\n",
        crate::http::host_header(probe.addr.ip())
    );
    let answer = exchange(&mut stream, request.as_bytes(), probe.answer_wait).await;
    drop(stream);
    drop(permit);
    if let Some(id) = classify_http(&answer) {
        return (
            Ok(Inner {
                product: id.product,
                version: id.version,
                evidence: id.evidence.unwrap_or_default(),
                ..found(&id.service, String::new())
            }),
            0,
        );
    }
    // MQTT needs a connection of its own: the HTTP request spoilt this one.
    let Some(_permit) = limiter.acquire().await else {
        return (Err("no connection slot for the MQTT probe".into()), 0);
    };
    let (second, chain) = chain::handshake(
        probe.addr,
        &probe.name,
        &probe.lab,
        probe.handshake_wait,
        &[],
    )
    .await;
    let Some(mut second) = second else {
        return (
            Err(format!(
                "no banner, no answer to an HTTP request, and the second handshake for the MQTT probe failed ({})",
                chain.handshake_error.unwrap_or_default()
            )),
            1,
        );
    };
    let connect = mqtt_connect("touchstone-probe", None);
    let answer = exchange(&mut second, &connect, probe.answer_wait).await;
    if let Some(code) = parse_connack(&answer) {
        return (Ok(found("mqtt", format!("CONNACK return code {code}"))), 1);
    }
    (
        Err(format!(
            "no ALPN, no banner within {} ms, no answer to an HTTP request or an MQTT CONNECT within {} ms{}",
            probe.banner_wait.as_millis(),
            probe.answer_wait.as_millis(),
            if answer.is_empty() {
                String::new()
            } else {
                format!(" (it answered: {})", excerpt(&answer, 80))
            }
        )),
        1,
    )
}

/// [`identify`] through the probe's own TLS 1.0–1.2 client: a banner,
/// `GET /`, then an MQTT CONNECT on a second session.
pub(crate) async fn identify_legacy(
    probe: &Probe,
    version: super::TlsVersion,
    server_name: Option<&str>,
    limiter: &Limiter,
) -> (Result<Inner, String>, u32) {
    use super::legacy;
    let head_done = |d: &[u8]| d.windows(4).any(|w| w == b"\r\n\r\n") || d.len() >= MAX_BANNER;
    let mut connections = 0;
    let identified = |id: crate::ident::Identified| Inner {
        product: id.product,
        version: id.version,
        evidence: id.evidence.unwrap_or_default(),
        ..found(&id.service, String::new())
    };
    {
        let Some(_permit) = limiter.acquire().await else {
            return (Err("no connection slot".into()), 0);
        };
        connections += 1;
        let mut session =
            match legacy::connect(probe.addr, version, server_name, probe.handshake_wait).await {
                Ok(s) => s,
                Err(why) => return (Err(why), connections),
            };
        let banner = session
            .receive(probe.banner_wait, |d| {
                d.ends_with(b"\n") || d.len() >= MAX_BANNER
            })
            .await;
        if !banner.is_empty() {
            session.abort();
            return match classify_banner(&banner) {
                Some(id) => (Ok(identified(id)), connections),
                None => (
                    Err(format!(
                        "the server spoke first, in no protocol the probe knows: {}",
                        excerpt(&banner, 80)
                    )),
                    connections,
                ),
            };
        }
        let request = format!(
            "GET / HTTP/1.0\r\nHost: {}\r\nUser-Agent: Touchstone\r\n\r\n",
            crate::http::host_header(probe.addr.ip())
        );
        let answer = match session.send(request.as_bytes(), probe.answer_wait).await {
            Ok(()) => session.receive(probe.answer_wait, head_done).await,
            Err(_) => Vec::new(),
        };
        session.abort();
        if let Some(id) = classify_http(&answer) {
            return (Ok(identified(id)), connections);
        }
    }
    let Some(_permit) = limiter.acquire().await else {
        return (
            Err("no connection slot for the MQTT probe".into()),
            connections,
        );
    };
    connections += 1;
    let mut session =
        match legacy::connect(probe.addr, version, server_name, probe.handshake_wait).await {
            Ok(s) => s,
            Err(why) => return (Err(why), connections),
        };
    let answer = match session
        .send(&mqtt_connect("touchstone-probe", None), probe.answer_wait)
        .await
    {
        Ok(()) => session.receive(probe.answer_wait, |d| d.len() >= 4).await,
        Err(_) => Vec::new(),
    };
    session.abort();
    match parse_connack(&answer) {
        Some(code) => (
            Ok(found("mqtt", format!("CONNACK return code {code}"))),
            connections,
        ),
        None => (
            Err(format!(
                "no banner within {} ms, no answer to an HTTP request or an MQTT CONNECT within {} ms",
                probe.banner_wait.as_millis(),
                probe.answer_wait.as_millis()
            )),
            connections,
        ),
    }
}

fn found(protocol: &str, evidence: String) -> Inner {
    Inner {
        protocol: protocol.to_owned(),
        service: tls_name(protocol),
        evidence,
        product: None,
        version: None,
    }
}

/// Send `request` and read the answer: until [`MAX_BANNER`] bytes, the end
/// of an HTTP head, a close, or `wait`.
async fn exchange(stream: &mut TlsStream<TcpStream>, request: &[u8], wait: Duration) -> Vec<u8> {
    let sent = async {
        stream.write_all(request).await.ok()?;
        stream.flush().await.ok()
    };
    if tokio::time::timeout(wait, sent)
        .await
        .ok()
        .flatten()
        .is_none()
    {
        return Vec::new();
    }
    read_some(stream, wait).await
}

/// Read what arrives within `wait`: at most [`MAX_BANNER`] bytes and 16
/// reads, stopping at a line end or the end of an HTTP head.
async fn read_some<S: AsyncRead + Unpin>(stream: &mut S, wait: Duration) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + wait;
    for _ in 0..16 {
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => {
                buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                let http = buf.starts_with(b"HTTP/") || buf.starts_with(b"RTSP/");
                let head_done = buf.windows(4).any(|w| w == b"\r\n\r\n");
                if buf.len() >= MAX_BANNER
                    || (http && head_done)
                    || (!http && buf.ends_with(b"\n"))
                    || buf.len() >= 4 && buf.first() == Some(&0x20)
                {
                    break;
                }
            }
            _ => break,
        }
    }
    buf.truncate(MAX_BANNER);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_over_tls() {
        assert_eq!(tls_name("http"), "https");
        assert_eq!(tls_name("mqtt"), "mqtts");
        assert_eq!(tls_name("imap"), "imaps");
        assert_eq!(tls_name("gopher"), "gopher+tls");
        assert_eq!(from_alpn(b"h2"), Some("http"));
        assert_eq!(from_alpn(b"mqtt"), Some("mqtt"));
        assert_eq!(from_alpn(b"spdy/3"), None);
    }
}
