//! The probe's one HTTP/1.x client: bounded requests over plain TCP and the
//! parser of their answers, shared by the credential attempts, UPnP and
//! security.txt.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::limiter::Limiter;

/// Status, Basic challenge and body of an HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    /// Status code.
    pub status: u16,
    /// A `WWW-Authenticate: Basic` challenge was present.
    pub basic: bool,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// A `WWW-Authenticate: Digest` challenge, if any.
    pub digest: Option<DigestChallenge>,
    /// The body (bounded).
    pub body: Vec<u8>,
    /// Every header in order, name and value trimmed (at most 100).
    pub headers: Vec<(String, String)>,
}

impl HttpAnswer {
    /// The values of every header called `name` (case-insensitive).
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Headers kept from one answer; a head with more is refused
/// ([`HeadError::TooManyHeaders`]) rather than read in part.
pub(crate) const MAX_HEADERS: usize = 100;

/// Why an answer's head could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeadError {
    /// The head did not end within what was read.
    Incomplete,
    /// More than [`MAX_HEADERS`] header lines.
    TooManyHeaders,
    /// Not an HTTP/1.x answer, or malformed (`httparse`'s reason).
    Invalid(String),
}

impl std::fmt::Display for HeadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeadError::Incomplete => {
                f.write_str("the answer's head did not end within what was read")
            }
            HeadError::TooManyHeaders => {
                write!(f, "the answer has more than {MAX_HEADERS} header lines")
            }
            HeadError::Invalid(why) => write!(f, "not an HTTP/1.x answer ({why})"),
        }
    }
}

/// A response head as read by [`parse_head`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// Status code.
    pub(crate) status: u16,
    /// Headers in order, values trimmed (invalid UTF-8 replaced).
    pub(crate) headers: Vec<(String, String)>,
    /// Bytes of the head, its blank line included: the body follows.
    pub(crate) length: usize,
}

/// The status, headers and head length of an HTTP/1.x response head, read
/// by `httparse` with the leniencies devices need (spaces before a
/// header's colon, folded lines, lines that are not headers skipped).
///
/// A device may put control bytes (terminal escapes) in a header value,
/// which `httparse` would skip as an invalid line: the head is parsed from a
/// copy with such bytes replaced one for one, and each value is taken from
/// the original bytes at the same place, so what the device sent is kept
/// exactly (and escaped only when shown to people).
pub(crate) fn parse_head(data: &[u8]) -> Result<Head, HeadError> {
    let clean: Vec<u8> = data
        .iter()
        .map(|&b| {
            if (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')) || b == 0x7f {
                b'?'
            } else {
                b
            }
        })
        .collect();
    let original = |part: &[u8]| -> String {
        let at = (part.as_ptr() as usize).wrapping_sub(clean.as_ptr() as usize);
        let bytes = data.get(at..at + part.len()).unwrap_or(part);
        String::from_utf8_lossy(bytes).into_owned()
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let parsed = httparse::ParserConfig::default()
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .ignore_invalid_headers_in_responses(true)
        .parse_response(&mut response, &clean);
    let length = match parsed {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err(HeadError::Incomplete),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooManyHeaders),
        Err(e) => return Err(HeadError::Invalid(e.to_string())),
    };
    let status = response.code.unwrap_or(0);
    let headers = response
        .headers
        .iter()
        .map(|h| (h.name.to_owned(), original(h.value).trim().to_owned()))
        .collect();
    Ok(Head {
        status,
        headers,
        length,
    })
}

/// The head at the start of `data` for a lenient reading of what arrived:
/// up to its blank line when it has one; otherwise the complete lines
/// received (at most the first line and [`MAX_HEADERS`] headers) ended as a
/// head, and `true` (cut).
pub(crate) fn complete_head(data: &[u8]) -> (Vec<u8>, bool) {
    let ends: Vec<usize> = data
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .take(MAX_HEADERS + 2)
        .collect();
    let blank = ends
        .windows(2)
        .find(
            |w| matches!(w, [a, b] if data.get(*a..*b).is_some_and(|l| l.trim_ascii().is_empty())),
        )
        .and_then(|w| w.get(1).copied());
    match blank {
        Some(end) => (data.get(..end).unwrap_or_default().to_vec(), false),
        None => {
            let cut = ends
                .get(..ends.len().min(MAX_HEADERS + 1))
                .and_then(|e| e.last().copied())
                .unwrap_or(0);
            let mut head = data.get(..cut).unwrap_or_default().to_vec();
            head.extend_from_slice(b"\r\n");
            (head, true)
        }
    }
}

/// Parse an HTTP/1.x response (head and the body that follows).
pub fn parse_http_answer(data: &[u8]) -> Option<HttpAnswer> {
    parse_http_answer_checked(data).ok()
}

/// [`parse_http_answer`], with the reason when the head cannot be read.
///
/// # Errors
///
/// [`HeadError`] for an incomplete, oversized or malformed head.
pub(crate) fn parse_http_answer_checked(data: &[u8]) -> Result<HttpAnswer, HeadError> {
    let Head {
        status,
        headers,
        length,
    } = parse_head(data)?;
    let values = |name: &'static str| {
        headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let basic = values("www-authenticate").any(|v| v.to_ascii_lowercase().starts_with("basic"));
    let digest = values("www-authenticate").find_map(|v| {
        let rest = v.get(..7).filter(|p| p.eq_ignore_ascii_case("digest "))?;
        parse_digest_challenge(v.get(rest.len()..)?)
    });
    let content_type = values("content-type").next().map(str::to_owned);
    Ok(HttpAnswer {
        status,
        basic,
        content_type,
        digest,
        body: data.get(length..).unwrap_or_default().to_vec(),
        headers,
    })
}

pub(crate) async fn http_get(
    addr: SocketAddr,
    limiter: &Limiter,
    auth: Option<&str>,
    timeout: Duration,
) -> Option<HttpAnswer> {
    http_get_path(addr, "/", limiter, auth, timeout).await
}

/// `GET /` with the reason when no answer could be read.
pub(crate) async fn http_get_checked(
    addr: SocketAddr,
    limiter: &Limiter,
    timeout: Duration,
) -> Result<HttpAnswer, String> {
    let Some(_permit) = limiter.acquire().await else {
        return Err("no connection slot".into());
    };
    let request = format!(
        "GET / HTTP/1.0\r\nHost: {}\r\nUser-Agent: Touchstone\r\n\r\n",
        host_header(addr.ip())
    );
    http_raw_checked(addr, &request, timeout).await
}

/// `GET path` over plain HTTP/1.0, bounded to 256 KiB and `timeout`.
pub(crate) async fn http_get_path(
    addr: SocketAddr,
    path: &str,
    limiter: &Limiter,
    auth: Option<&str>,
    timeout: Duration,
) -> Option<HttpAnswer> {
    let _permit = limiter.acquire().await?;
    http_request(addr, path, auth, timeout).await
}

/// One request without the limiter (the caller holds a permit).
pub(crate) async fn http_request(
    addr: SocketAddr,
    path: &str,
    auth: Option<&str>,
    timeout: Duration,
) -> Option<HttpAnswer> {
    let mut request = format!(
        "GET {path} HTTP/1.0\r\nHost: {}\r\nUser-Agent: Touchstone\r\n",
        host_header(addr.ip())
    );
    if let Some(value) = auth {
        request.push_str(&format!("Authorization: {value}\r\n"));
    }
    request.push_str("\r\n");
    http_raw(addr, &request, timeout).await
}

/// Send a complete HTTP/1.0 request and read the answer until the server
/// closes, bounded to 256 KiB and `timeout` (no limiter: the caller holds a
/// permit).
pub(crate) async fn http_raw(
    addr: SocketAddr,
    request: &str,
    timeout: Duration,
) -> Option<HttpAnswer> {
    http_raw_checked(addr, request, timeout).await.ok()
}

/// [`http_raw`], with the reason when no answer could be read.
pub(crate) async fn http_raw_checked(
    addr: SocketAddr,
    request: &str,
    timeout: Duration,
) -> Result<HttpAnswer, String> {
    let work = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut data = Vec::new();
        let mut chunk = [0u8; 4096];
        for _ in 0..64 {
            match stream.read(&mut chunk).await {
                Ok(n) if n > 0 && data.len() < MAX_ANSWER => {
                    data.extend_from_slice(chunk.get(..n).unwrap_or_default())
                }
                _ => break,
            }
        }
        Some(data)
    };
    let data = match tokio::time::timeout(timeout, work).await {
        Ok(Some(data)) => data,
        Ok(None) => return Err("cannot connect".into()),
        Err(_) => {
            return Err(format!(
                "no complete answer within {} ms",
                timeout.as_millis()
            ));
        }
    };
    parse_http_answer_checked(&data).map_err(|e| match e {
        HeadError::Incomplete if data.len() >= MAX_ANSWER => {
            format!("the answer's head is larger than {} KiB", MAX_ANSWER / 1024)
        }
        HeadError::Incomplete if data.is_empty() => "no answer".into(),
        e => e.to_string(),
    })
}

/// Bytes read from one answer, at most.
const MAX_ANSWER: usize = 256 * 1024;

/// The parameters of a Digest challenge (RFC 7616) that the prober uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DigestChallenge {
    /// `realm`.
    pub realm: String,
    /// `nonce`.
    pub nonce: String,
    /// `qop` options, as sent.
    pub qop: Option<String>,
    /// `opaque`, echoed back.
    pub opaque: Option<String>,
    /// `algorithm`, `MD5` when absent.
    pub algorithm: Option<String>,
}

/// Parse the parameters after `Digest `: `key=value` or `key="value"`
/// pairs separated by commas (commas inside quotes are kept).
pub fn parse_digest_challenge(params: &str) -> Option<DigestChallenge> {
    let mut out = DigestChallenge::default();
    let mut rest = params.trim();
    for _ in 0..32 {
        if rest.is_empty() {
            break;
        }
        let (key, after) = rest.split_once('=')?;
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (quoted.get(..end)?, quoted.get(end + 1..)?)
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after.get(..end)?.trim(), after.get(end..)?)
        };
        match key.as_str() {
            "realm" => out.realm = value.to_owned(),
            "nonce" => out.nonce = value.to_owned(),
            "qop" => out.qop = Some(value.to_owned()),
            "opaque" => out.opaque = Some(value.to_owned()),
            "algorithm" => out.algorithm = Some(value.to_owned()),
            _ => {}
        }
        rest = next.trim_start().trim_start_matches(',').trim_start();
    }
    (!out.nonce.is_empty()).then_some(out)
}

/// The `Host` header value for an address: IPv6 in brackets (RFC 7230
/// section 5.4 with RFC 3986's IP-literal).
pub(crate) fn host_header(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_host_headers_have_brackets() {
        let v6: IpAddr = "fe80::1".parse().unwrap_or(IpAddr::from([0u8; 16]));
        assert_eq!(host_header(v6), "[fe80::1]");
        assert_eq!(host_header(IpAddr::from([10, 0, 0, 2])), "10.0.0.2");
    }
}
