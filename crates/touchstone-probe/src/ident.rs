//! Service identification by the services' own handshakes and banners.
//!
//! For each open TCP port: first listen (SSH, FTP, telnet, SMTP and many
//! embedded consoles speak first), then, unless the port is a printer port,
//! try a TLS ClientHello, an HTTP request, an MQTT CONNECT and a CoAP-over-TCP
//! CSM, each on a new connection, and stop at the first that the service answers in its own
//! protocol. Every read is bounded in bytes and time.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::limiter::Limiter;
use crate::ssh::parse_banner;
use crate::wire::excerpt;

/// Bytes kept from a banner or an answer.
pub(crate) const MAX_BANNER: usize = 4096;

/// What a port turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identified {
    /// Service name: `ssh`, `telnet`, `ftp`, `http`, `tls`, `mqtt`, or `unknown`.
    pub service: String,
    /// Product, when the banner names it.
    pub product: Option<String>,
    /// Version, when the banner gives it.
    pub version: Option<String>,
    /// Printable excerpt of what identified it.
    pub evidence: Option<String>,
    /// Response headers, for HTTP services (at most 100).
    pub http_headers: Vec<(String, String)>,
    /// The HTTP head did not end within what identification reads (more
    /// than 100 headers or [`MAX_BANNER`] bytes): the headers are a part.
    pub http_truncated: bool,
    /// How long the identifying answer took (from connecting, or from
    /// sending the request that it answered): the later analyses wait
    /// in proportion on a slow device.
    pub latency: Option<Duration>,
}

impl Identified {
    fn new(service: &str) -> Identified {
        Identified {
            service: service.to_owned(),
            ..Identified::default()
        }
    }
}

/// Classify a banner the service sent before we said anything.
pub fn classify_banner(data: &[u8]) -> Option<Identified> {
    let first = *data.first()?;
    let text = String::from_utf8_lossy(data.get(..data.len().min(MAX_BANNER)).unwrap_or_default());
    let evidence = Some(excerpt(data, 120));
    if let Some(line) = text.lines().find(|l| l.starts_with("SSH-")) {
        let b = parse_banner(line)?;
        return Some(Identified {
            service: "ssh".into(),
            product: Some(b.product),
            version: b.version,
            evidence,
            ..Identified::default()
        });
    }
    if is_coap_tcp_csm(data) {
        // CoAP over TCP: servers may send their CSM first (RFC 8323 §5.3).
        return Some(Identified {
            evidence: Some("CoAP over TCP: the server sent a CSM (7.01)".into()),
            ..Identified::new("coap")
        });
    }
    if first == 0xFF {
        // Telnet option negotiation (IAC).
        return Some(Identified {
            evidence,
            ..Identified::new("telnet")
        });
    }
    let first_line = text.lines().next().unwrap_or_default();
    // IMAP (RFC 9051 greeting) and POP3 (RFC 1939) speak first too.
    for (prefix, service) in [("* OK", "imap"), ("* PREAUTH", "imap"), ("+OK", "pop3")] {
        if first_line.starts_with(prefix) {
            return Some(Identified {
                evidence,
                ..Identified::new(service)
            });
        }
    }
    if first_line.starts_with("220") {
        let lower = first_line.to_ascii_lowercase();
        let service = if lower.contains("smtp") || lower.contains("esmtp") {
            "smtp"
        } else {
            "ftp"
        };
        let (product, version) = product_in_text(first_line);
        return Some(Identified {
            service: service.into(),
            product,
            version,
            evidence,
            ..Identified::default()
        });
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("login:") || lower.contains("username:") || lower.contains("password:") {
        return Some(Identified {
            evidence,
            ..Identified::new("telnet")
        });
    }
    None
}

/// Find `Product/1.2` or `(Product 1.2)` style names in a banner line.
fn product_in_text(line: &str) -> (Option<String>, Option<String>) {
    let inner = match (line.find('('), line.rfind(')')) {
        (Some(a), Some(b)) if a < b => line.get(a + 1..b).unwrap_or_default(),
        _ => line.get(3..).unwrap_or_default().trim(),
    };
    for token in inner.split_whitespace().collect::<Vec<_>>().windows(2) {
        if let [p, v] = token
            && v.chars().next().is_some_and(|c| c.is_ascii_digit())
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return (Some((*p).to_owned()), Some((*v).to_owned()));
        }
    }
    (None, None)
}

/// Parse an HTTP response head: status code and `Server` header split into
/// product and version. The head is read by `httparse` (RTSP's, which has
/// HTTP/1.1's syntax, with its protocol name swapped for the parser); only
/// the complete lines that arrived and at most [`crate::http::MAX_HEADERS`]
/// headers count, so a device is identified by what fits into
/// [`MAX_BANNER`] ([`Identified::http_truncated`] then says the head was
/// cut).
pub fn classify_http(data: &[u8]) -> Option<Identified> {
    let data = data.get(..data.len().min(MAX_BANNER)).unwrap_or_default();
    let service = if data.starts_with(b"HTTP/") {
        "http"
    } else if data.starts_with(b"RTSP/") {
        // An RTSP server answers the HTTP probe in its own protocol.
        "rtsp"
    } else {
        return None;
    };
    let status = data
        .split(|b| *b == b'\n')
        .next()
        .unwrap_or_default()
        .trim_ascii_end();
    let mut id = Identified {
        evidence: Some(excerpt(status, 120)),
        ..Identified::new(service)
    };
    let (mut head, truncated) = crate::http::complete_head(data);
    id.http_truncated = truncated;
    if service == "rtsp"
        && let Some(proto) = head.get_mut(..4)
    {
        proto.copy_from_slice(b"HTTP");
    }
    let Ok(crate::http::Head { headers, .. }) = crate::http::parse_head(&head) else {
        // Not a well-formed head: the status line alone identifies it.
        return Some(id);
    };
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("server") {
            // UPnP servers say `OS/version UPnP/1.1 product/version`: the
            // product is the last token, not the operating system.
            let upnp = value
                .split_whitespace()
                .any(|t| t.to_ascii_lowercase().starts_with("upnp/"));
            let software = if upnp {
                value.split_whitespace().last().unwrap_or_default()
            } else {
                value.split_whitespace().next().unwrap_or_default()
            };
            match software.split_once('/') {
                Some((p, v)) => {
                    id.product = Some(p.to_owned());
                    id.version = Some(v.to_owned());
                }
                None if !software.is_empty() => id.product = Some(software.to_owned()),
                None => {}
            }
            id.evidence = Some(excerpt(format!("{name}: {value}").as_bytes(), 120));
        }
        id.http_headers
            .push((name.clone(), excerpt(value.as_bytes(), 200)));
    }
    Some(id)
}

/// An MQTT 3.1.1 CONNECT with a random client id and no credentials.
pub fn mqtt_connect(client_id: &str, user: Option<(&str, &str)>) -> Vec<u8> {
    let mut vh = vec![0, 4, b'M', b'Q', b'T', b'T', 4];
    vh.push(if user.is_some() { 0xC2 } else { 0x02 });
    vh.extend_from_slice(&[0, 30]);
    let mut payload = Vec::new();
    for s in std::iter::once(client_id).chain(user.into_iter().flat_map(|(u, p)| [u, p])) {
        let b = s.as_bytes();
        let n = u16::try_from(b.len()).unwrap_or(0);
        payload.extend_from_slice(&n.to_be_bytes());
        payload.extend_from_slice(b.get(..usize::from(n)).unwrap_or_default());
    }
    let mut out = vec![0x10];
    // Remaining length: a variable-length integer, 7 bits per byte, low
    // bits first, at most 4 bytes (MQTT 3.1.1 section 2.2.3).
    let mut remaining = vh.len() + payload.len();
    for _ in 0..4 {
        let digit = u8::try_from(remaining % 128).unwrap_or(0);
        remaining /= 128;
        out.push(if remaining > 0 { digit | 0x80 } else { digit });
        if remaining == 0 {
            break;
        }
    }
    out.extend_from_slice(&vh);
    out.extend_from_slice(&payload);
    out
}

/// The CONNACK return code, if `data` starts with a CONNACK.
pub fn parse_connack(data: &[u8]) -> Option<u8> {
    match data {
        [0x20, 0x02, _, code, ..] => Some(*code),
        _ => None,
    }
}

/// Read what arrives within `wait`, at most [`MAX_BANNER`] bytes.
pub(crate) async fn read_some(stream: &mut TcpStream, wait: Duration) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + wait;
    for _ in 0..16 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            break;
        }
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => {
                buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                let http_head_open =
                    buf.starts_with(b"HTTP/") && !buf.windows(4).any(|w| w == b"\r\n\r\n");
                if buf.len() >= MAX_BANNER
                    || (!http_head_open && (buf.ends_with(b"\n") || buf.ends_with(b": ")))
                {
                    break;
                }
                if buf.first() == Some(&0xFF) || buf.first() == Some(&0x20) {
                    break;
                }
            }
            _ => break,
        }
    }
    buf.truncate(MAX_BANNER);
    buf
}

/// What one exchange on a fresh connection got.
struct Exchanged {
    /// The answer (at most [`MAX_BANNER`] bytes).
    data: Vec<u8>,
    /// From sending (or connecting, when nothing is sent) to the first byte.
    latency: Option<Duration>,
    /// The connection stayed open without a byte until the wait ended.
    silent: bool,
}

async fn exchange(
    addr: SocketAddr,
    limiter: &Limiter,
    send: Option<&[u8]>,
    wait: Duration,
) -> Option<Exchanged> {
    let _permit = limiter.acquire().await?;
    let mut stream = tokio::time::timeout(wait, TcpStream::connect(addr))
        .await
        .ok()?
        .ok()?;
    if let Some(bytes) = send {
        stream.write_all(bytes).await.ok()?;
    }
    let sent = tokio::time::Instant::now();
    let mut data = read_some(&mut stream, wait).await;
    let latency = (!data.is_empty()).then(|| sent.elapsed());
    // Nothing and still open: silent (a closed connection reads as end of
    // stream at once).
    let silent = data.is_empty() && sent.elapsed() >= wait;
    if data.first() == Some(&0xFF) && send.is_none() {
        // Telnet option negotiation: wait for the login prompt after it
        // (a slow device prints it seconds later), to measure how long
        // the logins must wait for it.
        let mut replies = Vec::new();
        let deadline = sent + wait.saturating_mul(2).max(Duration::from_secs(6));
        for _ in 0..16 {
            let text = crate::creds::telnet_filter(&data, &mut replies);
            if text.iter().any(|b| b.is_ascii_graphic()) || data.len() >= MAX_BANNER {
                break;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            let more = read_some(&mut stream, left).await;
            if more.is_empty() {
                break;
            }
            data.extend_from_slice(&more);
        }
        data.truncate(MAX_BANNER);
        let _ = stream.set_zero_linger();
        return Some(Exchanged {
            latency: Some(sent.elapsed()),
            data,
            silent: false,
        });
    }
    let _ = stream.set_zero_linger();
    Some(Exchanged {
        data,
        latency,
        silent,
    })
}

/// Whether `port` is a printer port that must receive no payloads.
pub fn is_printer_port(port: u16) -> bool {
    (9100..=9107).contains(&port)
}

/// Identify the service on one open TCP port, within
/// [`identify_budget`]: a port that stays silent costs the banner wait,
/// the TLS and HTTP probes, and short waits after that.
pub(crate) async fn identify(
    ip: IpAddr,
    port: u16,
    limiter: &Limiter,
    banner_wait: Duration,
    timeout: Duration,
    payloads_allowed: bool,
) -> Identified {
    let budget = identify_budget(banner_wait, timeout);
    let work = identify_unbounded(ip, port, limiter, banner_wait, timeout, payloads_allowed);
    match tokio::time::timeout(budget, work).await {
        Ok(mut id) => {
            // A peer chooses these: keep them to a name's length.
            for field in [&mut id.product, &mut id.version] {
                if let Some(text) = field.as_mut() {
                    *text = excerpt(text.as_bytes(), MAX_NAME);
                }
            }
            id
        }
        Err(_) => Identified {
            evidence: Some(format!(
                "no probe identified it within {} ms",
                budget.as_millis()
            )),
            ..Identified::new("unknown")
        },
    }
}

/// Longest product or version name kept, in characters.
const MAX_NAME: usize = 64;

/// The total time one port's identification may take: the banner wait
/// (and on telnet the wait for a slow login prompt), the TLS probe (twice
/// the timeout while the port stays silent: a slow device's ServerHello
/// or late banner), the HTTP probe and three short ones.
pub(crate) fn identify_budget(banner_wait: Duration, timeout: Duration) -> Duration {
    banner_wait * 4 + timeout * 4
}

async fn identify_unbounded(
    ip: IpAddr,
    port: u16,
    limiter: &Limiter,
    banner_wait: Duration,
    timeout: Duration,
    payloads_allowed: bool,
) -> Identified {
    let addr = SocketAddr::new(ip, port);
    if let Some(banner) = exchange(addr, limiter, None, banner_wait).await {
        if let Some(id) = classify_banner(&banner.data) {
            return Identified {
                latency: banner.latency,
                ..id
            };
        }
        if !banner.data.is_empty() {
            return Identified {
                evidence: Some(excerpt(&banner.data, 120)),
                ..Identified::new("unknown")
            };
        }
    }
    if !payloads_allowed {
        return Identified {
            evidence: Some("printer port: no payload probes sent".into()),
            ..Identified::new("unknown")
        };
    }
    // A port silent to the banner wait gets a longer wait for the answer
    // to a ClientHello: a slow device's ServerHello, or its banner after
    // all (a login prompt seconds late), arrives on this connection.
    // A web server still waiting for the end of a request is nudged with an
    // empty line pair after the usual timeout and answers it.
    let (tls, latency) = crate::tls::speaks_tls(ip, port, limiter, timeout * 2, timeout).await;
    match tls {
        crate::tls::TlsProbe::Tls => {
            return Identified {
                latency,
                ..Identified::new("tls")
            };
        }
        crate::tls::TlsProbe::Other(data) => {
            if let Some(id) = classify_banner(&data).or_else(|| classify_http(&data)) {
                return Identified { latency, ..id };
            }
        }
        crate::tls::TlsProbe::Silent | crate::tls::TlsProbe::Closed => {}
    }
    let request = format!(
        "GET / HTTP/1.0\r\nHost: {}\r\nUser-Agent: Touchstone\r\n\r\n",
        crate::http::host_header(ip)
    );
    let http = exchange(addr, limiter, Some(request.as_bytes()), timeout).await;
    if let Some(h) = &http
        && let Some(id) = classify_http(&h.data)
    {
        return Identified {
            latency: h.latency,
            ..id
        };
    }
    // A port silent to a banner wait, a ClientHello and an HTTP request
    // gets only short waits for the last probes.
    let timeout = if http.as_ref().is_some_and(|h| h.data.is_empty()) {
        banner_wait.min(timeout)
    } else {
        timeout
    };
    let connect = mqtt_connect("touchstone-probe", None);
    if let Some(answer) = exchange(addr, limiter, Some(&connect), timeout).await
        && let Some(code) = parse_connack(&answer.data)
    {
        return Identified {
            evidence: Some(format!("CONNACK return code {code}")),
            latency: answer.latency,
            ..Identified::new("mqtt")
        };
    }
    // CoAP over TCP (RFC 8323): a Capabilities and Settings Message is
    // answered with the server's own.
    if let Some(answer) = exchange(addr, limiter, Some(&COAP_TCP_CSM), timeout).await
        && is_coap_tcp_csm(&answer.data)
    {
        return Identified {
            evidence: Some("CoAP over TCP: answered a CSM (7.01) with a CSM".into()),
            latency: answer.latency,
            ..Identified::new("coap")
        };
    }
    // RTSP servers that ignore the HTTP probe (camera streams on 554/8554).
    let options = b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Touchstone\r\n\r\n";
    if let Some(answer) = exchange(addr, limiter, Some(options), timeout).await
        && answer.data.starts_with(b"RTSP/1.")
    {
        let line = answer
            .data
            .split(|b| *b == b'\r')
            .next()
            .unwrap_or_default();
        return Identified {
            evidence: Some(excerpt(line, 120)),
            latency: answer.latency,
            ..Identified::new("rtsp")
        };
    }
    let silent = http.as_ref().is_some_and(|h| h.silent);
    Identified {
        evidence: Some(if silent {
            "open, but silent to a banner wait, a ClientHello, an HTTP request and the MQTT, CoAP and RTSP probes".into()
        } else {
            "no probe identified it".into()
        }),
        ..Identified::new("unknown")
    }
}

/// An empty CoAP-over-TCP CSM message (length 0, no token, code 7.01).
const COAP_TCP_CSM: [u8; 2] = [0x00, 0xe1];

/// Whether `data` starts with a CoAP-over-TCP CSM message.
fn is_coap_tcp_csm(data: &[u8]) -> bool {
    match data {
        // Length nibble 0–12 means one header byte before the code.
        [first, 0xe1, ..] => first >> 4 <= 12 && first & 0x0f <= 8,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mqtt_remaining_length_is_a_variable_length_integer() {
        let long = "u".repeat(200);
        let packet = mqtt_connect("id", Some((long.as_str(), "p")));
        // 10 bytes of variable header, 2+2, 2+200 and 2+1 of payload: 219.
        assert_eq!(packet.get(..3), Some(&[0x10, 219 - 128 + 0x80, 1][..]));
        assert_eq!(packet.len(), 3 + 219);
        let short = mqtt_connect("id", None);
        assert_eq!(short.get(..2), Some(&[0x10, 14][..]));
        assert_eq!(short.len(), 2 + 14);
    }

    #[test]
    fn banners_are_classified() {
        let ssh = classify_banner(b"SSH-2.0-dropbear_2022.83\r\n").unwrap_or_default();
        assert_eq!(
            (
                ssh.service.as_str(),
                ssh.product.as_deref(),
                ssh.version.as_deref()
            ),
            ("ssh", Some("dropbear"), Some("2022.83"))
        );
        let ftp = classify_banner(b"220 (vsFTPd 3.0.3)\r\n").unwrap_or_default();
        assert_eq!(
            (
                ftp.service.as_str(),
                ftp.product.as_deref(),
                ftp.version.as_deref()
            ),
            ("ftp", Some("vsFTPd"), Some("3.0.3"))
        );
        assert_eq!(
            classify_banner(&[0xFF, 0xFD, 0x01]).map(|i| i.service),
            Some("telnet".into())
        );
        assert_eq!(
            classify_banner(b"\r\ncam login: ").map(|i| i.service),
            Some("telnet".into())
        );
        assert_eq!(
            classify_banner(b"220 mx ESMTP Postfix\r\n").map(|i| i.service),
            Some("smtp".into())
        );
        assert_eq!(
            classify_banner(&[0x50, 0xe1, 0x23, 0x80, 0x01, 0x00, 0x20]).map(|i| i.service),
            Some("coap".into())
        );
        assert!(classify_banner(b"").is_none());
        assert!(classify_banner(b"\x00\x01garbage").is_none());
    }

    #[test]
    fn http_heads_are_classified() {
        let h = classify_http(
            b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nServer: lighttpd/1.4.69\r\n\r\nbody",
        )
        .unwrap_or_default();
        assert_eq!(
            (
                h.service.as_str(),
                h.product.as_deref(),
                h.version.as_deref()
            ),
            ("http", Some("lighttpd"), Some("1.4.69"))
        );
        let h = classify_http(
            b"HTTP/1.1 401 Unauthorized\r\nServer: mini_httpd/1.30 26Oct2018\r\n\r\n",
        )
        .unwrap_or_default();
        assert_eq!(h.version.as_deref(), Some("1.30"));
        let upnp = classify_http(
            b"HTTP/1.1 404 Not Found\r\nServer: Debian/6.1.0 UPnP/1.1 MiniUPnPd/2.3.1\r\n\r\n",
        )
        .unwrap_or_default();
        assert_eq!(
            (upnp.product.as_deref(), upnp.version.as_deref()),
            (Some("MiniUPnPd"), Some("2.3.1"))
        );
        assert!(is_coap_tcp_csm(&[0x50, 0xe1, 0x23, 0x80, 0x01, 0x00, 0x20]));
        assert!(!is_coap_tcp_csm(&[0x50, 0x45]) && !is_coap_tcp_csm(&[0xe1]));
        assert_eq!(
            h.http_headers,
            [("Server".to_owned(), "mini_httpd/1.30 26Oct2018".to_owned())]
        );
        assert!(classify_http(b"SSH-2.0-x").is_none());
    }

    #[test]
    fn mqtt_connect_and_connack() {
        let c = mqtt_connect("id", None);
        assert_eq!(c.get(..2), Some(&[0x10u8, 14][..]));
        assert_eq!(parse_connack(&[0x20, 2, 0, 5]), Some(5));
        assert_eq!(parse_connack(&[0x20, 2, 0]), None);
        let with_user = mqtt_connect("id", Some(("admin", "admin")));
        assert_eq!(with_user.get(9), Some(&0xC2));
    }

    #[test]
    fn printer_ports() {
        assert!(is_printer_port(9100) && is_printer_port(9107));
        assert!(!is_printer_port(9108) && !is_printer_port(80));
    }
}
