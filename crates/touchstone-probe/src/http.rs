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

/// Parse an HTTP/1.x response.
pub fn parse_http_answer(data: &[u8]) -> Option<HttpAnswer> {
    let split = data.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(data.get(..split)?);
    let mut lines = head.lines();
    let status: u16 = lines
        .next()?
        .strip_prefix("HTTP/1.")?
        .get(2..5)?
        .parse()
        .ok()?;
    let headers: Vec<(&str, &str)> = lines
        .take(100)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    let basic = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("www-authenticate") && v.to_ascii_lowercase().starts_with("basic")
    });
    let digest = headers.iter().find_map(|(k, v)| {
        if !k.eq_ignore_ascii_case("www-authenticate") {
            return None;
        }
        let rest = v.get(..7).filter(|p| p.eq_ignore_ascii_case("digest "))?;
        parse_digest_challenge(v.get(rest.len()..)?)
    });
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| (*v).to_owned());
    Some(HttpAnswer {
        status,
        basic,
        content_type,
        digest,
        body: data.get(split + 4..).unwrap_or_default().to_vec(),
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
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
    let work = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut data = Vec::new();
        let mut chunk = [0u8; 4096];
        for _ in 0..64 {
            match stream.read(&mut chunk).await {
                Ok(n) if n > 0 && data.len() < 256 * 1024 => {
                    data.extend_from_slice(chunk.get(..n).unwrap_or_default())
                }
                _ => break,
            }
        }
        Some(data)
    };
    let data = tokio::time::timeout(timeout, work).await.ok().flatten()?;
    parse_http_answer(&data)
}

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
