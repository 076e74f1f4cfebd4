//! Fetch a security.txt over `http://` or `https://` and validate it.
//!
//! * A URL without a path (or with `/`) tries `/.well-known/security.txt`,
//!   then the legacy `/security.txt`; a URL with a path tries only it.
//! * Redirects are followed at most [`FetchOptions::max_redirects`] times,
//!   and only to the same host: a redirect elsewhere is reported, never
//!   followed (the probe only talks to the target it was given).
//! * Over `https://` the certificate is judged like the probe's TLS chain
//!   check ([`crate::tls::chain`]) but the file is fetched anyway; a chain
//!   a client cannot validate is an `invalid_cert` error, since RFC 9116
//!   counts only a file served over HTTPS that a client can trust.
//! * Every answer is bounded to 64 KiB and every request to the timeout;
//!   a server that gives no HTTP answer at all is not asked again.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{Level, SecurityTxt, SecurityTxtProblem};
use crate::limiter::Limiter;
use crate::tls::chain::{ChainReport, LabAnchors, handshake};
use crate::{ProbeError, resolve_target};

/// How to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Timeout of one request (connect, handshake, answer).
    pub timeout: Duration,
    /// Redirects followed per location, at most.
    pub max_redirects: u8,
    /// Extra trust anchors for `https://` (the lab's CA).
    pub lab_anchors: LabAnchors,
    /// For `https://`: the TLS 1.0/1.1 version the probe's own client
    /// ([`crate::tls::legacy`]) speaks, for a service rustls refuses;
    /// `None` (the default): rustls, TLS 1.2/1.3.
    pub legacy_tls: Option<crate::tls::TlsVersion>,
    /// Now, seconds since the Unix epoch (for `Expires`).
    pub now: i64,
}

impl Default for FetchOptions {
    fn default() -> FetchOptions {
        FetchOptions {
            timeout: Duration::from_secs(5),
            max_redirects: 3,
            lab_anchors: LabAnchors::default(),
            legacy_tls: None,
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        }
    }
}

/// One request made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// The URL requested.
    pub url: String,
    /// HTTP status, when an answer came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What happened.
    pub note: String,
}

impl Attempt {
    /// `URL (status)`, `URL (status, note)` or `URL (note)`.
    pub fn describe(&self) -> String {
        match self.status {
            Some(s) if self.note.is_empty() || self.note.starts_with("HTTP status") => {
                format!("{} ({s})", self.url)
            }
            Some(s) => format!("{} ({s}, {})", self.url, self.note),
            None => format!("{} ({})", self.url, self.note),
        }
    }
}

/// The outcome of [`fetch`].
#[derive(Debug, Clone, Serialize)]
pub struct Fetched {
    /// The URL as given.
    pub requested: String,
    /// Every request, in order.
    pub attempts: Vec<Attempt>,
    /// The URL that served the file, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The certificate judgement of the `https://` server that served it
    /// (or of the last one tried).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<ChainReport>,
    /// The validated file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<SecurityTxt>,
}

/// A URL split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    https: bool,
    host: String,
    port: u16,
    path: String,
}

impl Url {
    /// Parse with the `url` crate (RFC 3986 / WHATWG): only `http` and
    /// `https`, a host, no user info; the fragment is dropped.
    fn parse(url: &str) -> Result<Url, ProbeError> {
        let not_web = || {
            ProbeError::Options(format!(
                "`{url}` is not an http:// or https:// URL; hint: give a URL such as https://example.com/ or a file name"
            ))
        };
        let parsed = url::Url::parse(url).map_err(|e| match e {
            url::ParseError::InvalidPort => bad_port(url),
            url::ParseError::EmptyHost => ProbeError::Options(format!(
                "`{url}`: expected a host name or address after the scheme"
            )),
            _ => not_web(),
        })?;
        let https = match parsed.scheme() {
            "https" => true,
            "http" => false,
            _ => return Err(not_web()),
        };
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(ProbeError::Options(format!(
                "`{url}`: expected a host name or address after the scheme (no user info)"
            )));
        }
        let host = match parsed.host() {
            Some(url::Host::Ipv6(v6)) => v6.to_string(),
            Some(h) => h.to_string(),
            None => {
                return Err(ProbeError::Options(format!(
                    "`{url}`: expected a host name or address after the scheme"
                )));
            }
        };
        let port = parsed
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        let mut path = parsed.path().to_owned();
        if let Some(q) = parsed.query() {
            path.push('?');
            path.push_str(q);
        }
        Ok(Url {
            https,
            host,
            port,
            path,
        })
    }

    fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.https { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    fn to_string_with(&self, path: &str) -> String {
        format!(
            "{}://{}{path}",
            if self.https { "https" } else { "http" },
            self.authority()
        )
    }
}

fn bad_port(url: &str) -> ProbeError {
    ProbeError::Options(format!("`{url}`: the port is not a number from 1 to 65535"))
}

/// A parsed HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) location: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// Parse an HTTP/1.x answer (head and body; chunked bodies are decoded),
/// or say why it is not one. The head is read by the probe's one HTTP
/// parser, [`crate::http::parse_http_answer_checked`].
fn parse_answer_checked(data: &[u8]) -> Result<Answer, crate::http::HeadError> {
    let answer = crate::http::parse_http_answer_checked(data)?;
    let location = answer.header_values("location").next().map(str::to_owned);
    let chunked = answer
        .header_values("transfer-encoding")
        .any(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        dechunk(&answer.body)
    } else {
        answer.body
    };
    Ok(Answer {
        status: answer.status,
        content_type: answer.content_type,
        location,
        body,
    })
}

/// Decode a chunked body, keeping what is complete (chunk sizes read by
/// `httparse`).
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..4096 {
        let Ok(httparse::Status::Complete((start, size))) = httparse::parse_chunk_size(raw) else {
            break;
        };
        let Ok(size) = usize::try_from(size) else {
            break;
        };
        if size == 0 {
            break;
        }
        let Some(chunk) = raw.get(start..start.saturating_add(size)) else {
            out.extend_from_slice(raw.get(start..).unwrap_or_default());
            break;
        };
        out.extend_from_slice(chunk);
        raw = raw.get(start + size + 2..).unwrap_or_default();
    }
    out
}

const MAX_ANSWER: usize = 64 * 1024;

/// Send `request` and read the answer until the server closes, the body
/// its `Content-Length` announces is in, [`MAX_ANSWER`] bytes, or `wait`:
/// what arrived is kept when the wait ends (a server that ignores
/// `Connection: close` still gives its answer).
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &[u8],
    wait: Duration,
) -> Vec<u8> {
    let deadline = tokio::time::Instant::now() + wait;
    if !matches!(
        tokio::time::timeout_at(deadline, stream.write_all(request)).await,
        Ok(Ok(()))
    ) {
        return Vec::new();
    }
    let _ = tokio::time::timeout_at(deadline, stream.flush()).await;
    let mut data = Vec::new();
    let mut chunk = [0u8; 8192];
    for _ in 0..64 {
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => {
                data.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if data.len() >= MAX_ANSWER {
                    data.truncate(MAX_ANSWER);
                    break;
                }
                if body_complete(&data) {
                    break;
                }
            }
            // End of stream, a TLS peer that closed without close_notify,
            // or the wait is over: what arrived is the answer.
            _ => break,
        }
    }
    data
}

/// Whether `data` holds a whole head and the body its `Content-Length`
/// announces.
fn body_complete(data: &[u8]) -> bool {
    let Ok(crate::http::Head {
        headers,
        length: head,
        ..
    }) = crate::http::parse_head(data)
    else {
        return false;
    };
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .is_some_and(|length| data.len() >= head.saturating_add(length))
}

/// One GET. Returns the answer (if any) and, for https, the chain report.
async fn get(
    ip: IpAddr,
    url: &Url,
    options: &FetchOptions,
    limiter: Option<&Limiter>,
) -> (Option<Answer>, Option<ChainReport>, String) {
    let _permit = match limiter {
        Some(l) => match l.acquire().await {
            Some(p) => Some(p),
            None => return (None, None, "no connection slot".into()),
        },
        None => None,
    };
    let addr = SocketAddr::new(ip, url.port);
    let request = format!(
        "GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: Touchstone\r\nAccept: text/plain\r\nConnection: close\r\n\r\n",
        url.path,
        url.authority()
    );
    if url.https
        && let Some(version) = options.legacy_tls
    {
        return get_legacy(addr, url, version, &request, options).await;
    }
    if url.https {
        let (stream, chain) = handshake(
            addr,
            &url.host,
            &options.lab_anchors,
            options.timeout,
            &[b"http/1.1"],
        )
        .await;
        let Some(mut stream) = stream else {
            let why = chain
                .handshake_error
                .clone()
                .unwrap_or_else(|| "TLS handshake failed".into());
            return (None, Some(chain), why);
        };
        let data = exchange(&mut stream, request.as_bytes(), options.timeout).await;
        match parse_answer_checked(&data) {
            Ok(a) => (Some(a), Some(chain), String::new()),
            Err(e) => (None, Some(chain), no_answer(&data, &e)),
        }
    } else {
        let connected = tokio::time::timeout(options.timeout, tokio::net::TcpStream::connect(addr));
        let mut stream = match connected.await {
            Ok(Ok(stream)) => stream,
            Ok(Err(_)) => return (None, None, "cannot connect".into()),
            Err(_) => {
                return (
                    None,
                    None,
                    format!("no connection within {:?}", options.timeout),
                );
            }
        };
        let data = exchange(&mut stream, request.as_bytes(), options.timeout).await;
        match parse_answer_checked(&data) {
            Ok(a) => (Some(a), None, String::new()),
            Err(_) if data.is_empty() => (
                None,
                None,
                format!("no answer within {:?}", options.timeout),
            ),
            Err(e) => (None, None, no_answer(&data, &e)),
        }
    }
}

/// One GET through the probe's own TLS 1.0–1.2 client; the chain is judged
/// from the certificates of its clear-text handshake.
async fn get_legacy(
    addr: SocketAddr,
    url: &Url,
    version: crate::tls::TlsVersion,
    request: &str,
    options: &FetchOptions,
) -> (Option<Answer>, Option<ChainReport>, String) {
    let sni = (!url.host.contains(':')).then_some(url.host.as_str());
    let mut session = match crate::tls::legacy::connect(addr, version, sni, options.timeout).await {
        Ok(s) => s,
        Err(why) => {
            return (
                None,
                None,
                format!("no {} handshake: {why}", version.name()),
            );
        }
    };
    let now = u64::try_from(options.now).unwrap_or(0);
    let mut chain =
        crate::tls::chain::judge(&session.certificates, &url.host, &options.lab_anchors, now);
    chain.negotiated = Some(format!(
        "{} {} (the probe's own client: current clients refuse this version)",
        version.name(),
        crate::tls::suites::suite_name(session.suite)
    ));
    let data = match session.send(request.as_bytes(), options.timeout).await {
        Ok(()) => {
            session
                .receive(options.timeout, |d| {
                    d.len() >= MAX_ANSWER || body_complete(d)
                })
                .await
        }
        Err(_) => Vec::new(),
    };
    session.abort();
    match parse_answer_checked(&data) {
        Ok(a) => (Some(a), Some(chain), String::new()),
        Err(e) => (None, Some(chain), no_answer(&data, &e)),
    }
}

/// Why an answer is not a usable HTTP answer: `no HTTP answer`, or the
/// head's fault when it began like one.
fn no_answer(data: &[u8], e: &crate::http::HeadError) -> String {
    use crate::http::HeadError;
    match e {
        _ if !data.starts_with(b"HTTP/") => "no HTTP answer".into(),
        HeadError::Incomplete if data.len() >= MAX_ANSWER => format!(
            "no HTTP answer: its head is larger than {} KiB",
            MAX_ANSWER / 1024
        ),
        e => format!("no HTTP answer: {e}"),
    }
}

/// Resolve a `Location` against the current URL; `None` when it leaves the
/// host or is not http(s).
fn follow(current: &Url, location: &str) -> Result<Url, String> {
    if location.starts_with("http://") || location.starts_with("https://") {
        let next = Url::parse(location).map_err(|e| e.to_string())?;
        if !next.host.eq_ignore_ascii_case(&current.host) {
            return Err(format!(
                "redirect to another host ({location}) not followed: only the given target is contacted"
            ));
        }
        Ok(next)
    } else if location.starts_with("//") {
        Err(format!(
            "redirect to another host ({location}) not followed"
        ))
    } else if location.starts_with('/') {
        Ok(Url {
            path: location.to_owned(),
            ..current.clone()
        })
    } else {
        let base = current.path.rsplit_once('/').map_or("", |(b, _)| b);
        Ok(Url {
            path: format!("{base}/{location}"),
            ..current.clone()
        })
    }
}

/// Fetch and validate a security.txt from `url` (see the module
/// documentation). A file that cannot be retrieved leaves
/// [`Fetched::document`] empty with every attempt in [`Fetched::attempts`];
/// the findings come from [`crate::checks::security_txt::for_fetched`].
///
/// # Errors
///
/// [`ProbeError::Options`] for URLs that are not `http://` or `https://`,
/// [`ProbeError::Target`] for hosts that do not resolve or are ranges.
pub async fn fetch(url: &str, options: &FetchOptions) -> Result<Fetched, ProbeError> {
    fetch_limited(url, options, None).await
}

/// [`fetch`] on a runtime of its own, for callers without one.
///
/// # Errors
///
/// As [`fetch`], and [`ProbeError::Runtime`] when no runtime starts.
pub fn fetch_blocking(url: &str, options: &FetchOptions) -> Result<Fetched, ProbeError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ProbeError::Runtime(e.to_string()))?
        .block_on(fetch(url, options))
}

pub(crate) async fn fetch_limited(
    url: &str,
    options: &FetchOptions,
    limiter: Option<&Limiter>,
) -> Result<Fetched, ProbeError> {
    let start = Url::parse(url)?;
    let ip = resolve_target(&start.host, false)?
        .into_iter()
        .next()
        .ok_or_else(|| ProbeError::Target {
            target: start.host.clone(),
            message: "the host name has no address".into(),
        })?;
    let candidates: Vec<String> = if start.path == "/" {
        vec!["/.well-known/security.txt".into(), "/security.txt".into()]
    } else {
        vec![start.path.clone()]
    };
    let mut fetched = Fetched {
        requested: url.to_owned(),
        attempts: Vec::new(),
        url: None,
        certificate: None,
        document: None,
    };
    let mut found: Option<(Url, Answer)> = None;
    'candidates: for path in candidates {
        let mut current = Url {
            path,
            ..start.clone()
        };
        for hop in 0..=options.max_redirects {
            let shown = current.to_string_with(&current.path);
            let (answer, chain, note) = get(ip, &current, options, limiter).await;
            if chain.is_some() {
                fetched.certificate = chain;
            }
            let Some(answer) = answer else {
                fetched.attempts.push(Attempt {
                    url: shown,
                    status: None,
                    note,
                });
                // No HTTP answer at all: the other location is on the same
                // server and would cost the same timeout.
                break 'candidates;
            };
            let status = answer.status;
            match (status, answer.location.as_deref()) {
                (200, _) if looks_like_html(&answer) => {
                    fetched.attempts.push(Attempt {
                        url: shown,
                        status: Some(status),
                        note: "an HTML page, not a security.txt".into(),
                    });
                    continue 'candidates;
                }
                (200, _) => {
                    fetched.attempts.push(Attempt {
                        url: shown,
                        status: Some(status),
                        note: "served".into(),
                    });
                    found = Some((current, answer));
                    break 'candidates;
                }
                (301 | 302 | 303 | 307 | 308, Some(location)) => {
                    let next = follow(&current, location);
                    let note = match &next {
                        Ok(_) if hop == options.max_redirects => {
                            format!("redirect limit of {} reached", options.max_redirects)
                        }
                        Ok(n) => format!("redirect to {}", n.to_string_with(&n.path)),
                        Err(e) => e.clone(),
                    };
                    fetched.attempts.push(Attempt {
                        url: shown,
                        status: Some(status),
                        note,
                    });
                    match next {
                        Ok(n) if hop < options.max_redirects => current = n,
                        _ => continue 'candidates,
                    }
                }
                _ => {
                    fetched.attempts.push(Attempt {
                        url: shown,
                        status: Some(status),
                        note: format!("HTTP status {status}"),
                    });
                    continue 'candidates;
                }
            }
        }
    }
    let Some((served_from, answer)) = found else {
        return Ok(fetched);
    };
    let source = served_from.to_string_with(&served_from.path);
    let text = String::from_utf8_lossy(&answer.body);
    let mut doc = super::validate(&text, &source, options.now);
    let mut extra = Vec::new();
    media_type_problems(answer.content_type.as_deref(), &mut extra);
    if served_from.https
        && let Some(chain) = &fetched.certificate
        && !chain.problems.is_empty()
    {
        let reasons: Vec<&str> = chain.problems.iter().map(|p| p.code).collect();
        if reasons.iter().all(|r| *r == "untrusted") && options.lab_anchors.is_empty() {
            // Valid in every other respect, only no public root vouches for
            // it: a device maker's own CA is judged with `--ca`, not failed.
            extra.push(SecurityTxtProblem {
                code: "not_publicly_trusted",
                level: Level::Recommendation,
                message: "served over HTTPS with a certificate no public root trusts (a device maker's own CA?): give that CA with --ca to judge it".into(),
            });
        } else {
            extra.push(SecurityTxtProblem {
            code: "invalid_cert",
            level: Level::Error,
            message: format!(
                "served over HTTPS with a certificate a client cannot validate ({}): RFC 9116 requires a valid certificate for the file to count",
                reasons.join(", ")
            ),
            });
        }
    }
    if served_from.https
        && let Some(version) = options.legacy_tls
    {
        extra.push(SecurityTxtProblem {
            code: "legacy_tls",
            level: Level::Error,
            message: format!(
                "served only over {}, which current clients refuse (RFC 8996 deprecates TLS 1.0 and 1.1): the file is out of their reach",
                version.name()
            ),
        });
    }
    if served_from.path == "/security.txt" {
        extra.push(SecurityTxtProblem {
            code: "legacy_location",
            level: Level::Recommendation,
            message: "served at /security.txt: RFC 9116 places it at /.well-known/security.txt (the top-level path is a legacy fallback)".into(),
        });
    }
    extra.append(&mut doc.problems);
    doc.problems = extra;
    fetched.url = Some(source);
    fetched.document = Some(doc);
    Ok(fetched)
}

/// A web server that answers every path with its HTML start or status
/// page (a "soft 404") has no security.txt there.
fn looks_like_html(answer: &Answer) -> bool {
    let html_type = answer
        .content_type
        .as_deref()
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("text/html"));
    let body = String::from_utf8_lossy(answer.body.get(..512).unwrap_or(&answer.body));
    let lower = body.trim_start().to_ascii_lowercase();
    html_type && (lower.starts_with('<') || lower.contains("<html") || lower.contains("<body"))
}

/// RFC 9116: `text/plain`, and if a charset is given, UTF-8.
pub(crate) fn media_type_problems(content_type: Option<&str>, out: &mut Vec<SecurityTxtProblem>) {
    let lower = content_type.unwrap_or_default().to_ascii_lowercase();
    if !lower.starts_with("text/plain") {
        out.push(SecurityTxtProblem {
            code: "invalid_media",
            level: Level::Error,
            message: format!(
                "served as `{}`: RFC 9116 requires text/plain",
                content_type.unwrap_or("no Content-Type")
            ),
        });
    } else if lower.contains("charset") && !lower.replace(' ', "").contains("charset=utf-8") {
        out.push(SecurityTxtProblem {
            code: "invalid_charset",
            level: Level::Error,
            message: format!("served with `{lower}`: RFC 9116 requires charset=utf-8"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_scheme_host_port_and_path() {
        let cases = [
            ("https://example.com", (true, "example.com", 443, "/")),
            (
                "http://10.0.0.1:8080/x/security.txt",
                (false, "10.0.0.1", 8080, "/x/security.txt"),
            ),
            ("https://[::1]:8443/", (true, "::1", 8443, "/")),
            ("https://h?q=1", (true, "h", 443, "/?q=1")),
        ];
        for (url, (https, host, port, path)) in cases {
            let u = Url::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(
                (u.https, u.host.as_str(), u.port, u.path.as_str()),
                (https, host, port, path),
                "{url}"
            );
        }
        for bad in ["ftp://x/", "https://", "https://u@h/", "http://h:99999/"] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn redirects_stay_on_the_host() {
        let here = Url::parse("https://10.0.0.1/.well-known/security.txt")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            follow(&here, "/security.txt").map(|u| u.path),
            Ok("/security.txt".to_owned())
        );
        assert_eq!(
            follow(&here, "http://10.0.0.1:8080/s.txt").map(|u| (u.https, u.port)),
            Ok((false, 8080))
        );
        assert!(follow(&here, "https://evil.example/security.txt").is_err());
        assert!(follow(&here, "//evil.example/security.txt").is_err());
    }

    #[test]
    fn chunked_and_truncated_answers_parse() {
        let a = parse_answer_checked(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nConta\r\n3\r\nct:\r\n0\r\n\r\n")
            .unwrap_or_else(|e| panic!("parses: {e}"));
        assert_eq!(a.body, b"Contact:");
        let b = parse_answer_checked(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffff\r\nabc",
        )
        .unwrap_or_else(|e| panic!("parses: {e}"));
        assert_eq!(b.body, b"abc");
        assert!(parse_answer_checked(b"SSH-2.0-x\r\n\r\n").is_err());
    }
}
