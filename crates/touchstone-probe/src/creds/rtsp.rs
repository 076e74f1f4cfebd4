//! RTSP (RFC 2326) logins: `DESCRIBE` with Basic or Digest authentication.
//!
//! One connection per attempt, two requests on it: a `DESCRIBE` without
//! credentials (CSeq 1) that must be answered `401` with a challenge, then
//! the same `DESCRIBE` with the answer to that challenge (CSeq 2). The login
//! is proven only by `200` with an SDP description (`Content-Type:
//! application/sdp` and a body starting with `v=0`) that differs from the
//! unauthenticated answer; any other answer is a failure.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::{
    Attempt, Credential, DigestChallenge, digest_authorization, parse_digest_challenge,
    random_token, unknown,
};
use crate::limiter::Limiter;
use crate::wire::{base64_pad, excerpt};

/// Bytes of one RTSP answer read, at most.
const MAX_ANSWER: usize = 64 * 1024;

/// An RTSP response (status line, the headers the prober uses, body).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RtspAnswer {
    /// Status code.
    pub status: u16,
    /// `CSeq` echoed by the server.
    pub cseq: Option<u32>,
    /// A `WWW-Authenticate: Basic` challenge was present.
    pub basic: bool,
    /// A `WWW-Authenticate: Digest` challenge, if any.
    pub digest: Option<DigestChallenge>,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
}

impl RtspAnswer {
    /// 200 with an SDP session description.
    pub fn has_sdp(&self) -> bool {
        self.status == 200
            && self
                .content_type
                .as_deref()
                .is_some_and(|t| t.to_ascii_lowercase().starts_with("application/sdp"))
            && self.body.trim_ascii_start().starts_with(b"v=0")
    }
}

/// Parse one complete RTSP/1.0 response from the start of `data`: `None`
/// while the head or the `Content-Length` body is incomplete, or when it is
/// not RTSP. Bounded: at most 100 header lines, bodies up to 64 KiB.
pub fn parse_rtsp_answer(data: &[u8]) -> Option<RtspAnswer> {
    // RTSP/1.0 has HTTP/1.1's message syntax (RFC 2326 section 6): the head
    // is read by `httparse` with the protocol name swapped for it.
    let rest = data.strip_prefix(b"RTSP/1.")?;
    let mut head = b"HTTP/1.".to_vec();
    head.extend_from_slice(rest.get(..rest.len().min(MAX_ANSWER))?);
    let crate::http::Head {
        status,
        headers,
        length,
    } = crate::http::parse_head(&head).ok()?;
    let mut answer = RtspAnswer {
        status,
        ..RtspAnswer::default()
    };
    let mut body_length = 0usize;
    for (name, value) in &headers {
        if name.eq_ignore_ascii_case("cseq") {
            answer.cseq = value.parse().ok();
        } else if name.eq_ignore_ascii_case("content-length") {
            body_length = value.parse().ok().filter(|n| *n <= MAX_ANSWER)?;
        } else if name.eq_ignore_ascii_case("content-type") {
            answer.content_type = Some(value.clone());
        } else if name.eq_ignore_ascii_case("www-authenticate") {
            let lower = value.to_ascii_lowercase();
            if lower.starts_with("basic") {
                answer.basic = true;
            } else if lower.starts_with("digest ") && answer.digest.is_none() {
                answer.digest = value.get(7..).and_then(parse_digest_challenge);
            }
        }
    }
    let body = data.get(length..)?;
    answer.body = body.get(..body_length)?.to_vec();
    Some(answer)
}

fn describe(url: &str, cseq: u32, authorization: Option<&str>) -> String {
    let mut request = format!(
        "DESCRIBE {url} RTSP/1.0\r\nCSeq: {cseq}\r\nAccept: application/sdp\r\nUser-Agent: Touchstone\r\n"
    );
    if let Some(value) = authorization {
        request.push_str(&format!("Authorization: {value}\r\n"));
    }
    request.push_str("\r\n");
    request
}

/// The URL asked for: the server root.
pub(crate) fn url_of(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("rtsp://{}:{}/", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("rtsp://[{}]:{}/", a.ip(), a.port()),
    }
}

/// Send one request on `stream` and read one answer, bounded by `timeout`.
async fn exchange(stream: &mut TcpStream, request: &str, timeout: Duration) -> Option<RtspAnswer> {
    let work = async {
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut data = Vec::new();
        let mut chunk = [0u8; 4096];
        for _ in 0..64 {
            if let Some(a) = parse_rtsp_answer(&data) {
                return Some(a);
            }
            if data.len() > MAX_ANSWER + 8192 {
                return None;
            }
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return parse_rtsp_answer(&data);
            }
            data.extend_from_slice(chunk.get(..n)?);
        }
        None
    };
    tokio::time::timeout(timeout, work).await.ok().flatten()
}

/// `DESCRIBE` without credentials on a fresh connection (the baseline).
pub(crate) async fn unauthenticated(
    addr: SocketAddr,
    limiter: &Limiter,
    timeout: Duration,
) -> Option<RtspAnswer> {
    let _permit = limiter.acquire().await?;
    let mut stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
        .await
        .ok()?
        .ok()?;
    exchange(&mut stream, &describe(&url_of(addr), 1, None), timeout).await
}

/// One login attempt; the duration is the answer time of the authenticated
/// request.
pub(super) async fn attempt(
    addr: SocketAddr,
    limiter: &Limiter,
    cred: &Credential,
    baseline: &RtspAnswer,
    timeout: Duration,
) -> (Attempt, Duration) {
    let (_permit, mut stream) = match super::open_attempt(addr, limiter, timeout).await {
        Ok(open) => open,
        Err(outcome) => return outcome,
    };
    let url = url_of(addr);
    // A fresh challenge on this connection (Digest nonces are per request).
    let Some(challenge) = exchange(&mut stream, &describe(&url, 1, None), timeout).await else {
        return unknown("no RTSP answer to DESCRIBE");
    };
    let authorization = if let Some(d) = &challenge.digest {
        digest_authorization(d, cred, "DESCRIBE", &url, &random_token())
    } else if challenge.basic {
        Some(format!(
            "Basic {}",
            base64_pad(format!("{}:{}", cred.user, cred.password).as_bytes())
        ))
    } else {
        None
    };
    let Some(authorization) = authorization else {
        return unknown(&format!(
            "DESCRIBE answered {} without a usable challenge (Basic, or Digest MD5 with qop auth or none)",
            challenge.status
        ));
    };
    let sent = Instant::now();
    let answer = exchange(
        &mut stream,
        &describe(&url, 2, Some(&authorization)),
        timeout,
    )
    .await;
    let took = sent.elapsed();
    let _ = stream.set_zero_linger();
    match answer {
        Some(a) if a.has_sdp() && a.body != baseline.body && a.cseq == Some(2) => (
            Attempt::Success {
                proof: format!(
                    "DESCRIBE answered 200 with an SDP description ({}) where it answered {} without credentials",
                    excerpt(a.body.get(..a.body.len().min(40)).unwrap_or_default(), 40),
                    baseline.status
                ),
            },
            took,
        ),
        Some(a) => (
            Attempt::Failure {
                answer: format!("{}", a.status),
            },
            took,
        ),
        None => (
            Attempt::Unknown {
                reason: "no RTSP answer to the authenticated DESCRIBE".into(),
            },
            took,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_parsed_with_their_bodies() {
        let a = parse_rtsp_answer(
            b"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm=\"cam\", nonce=\"abc\"\r\n\r\n",
        )
        .unwrap_or_default();
        assert_eq!((a.status, a.cseq, a.basic), (401, Some(1), false));
        assert_eq!(a.digest.map(|d| d.nonce), Some("abc".to_owned()));
        let sdp = b"RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 10\r\n\r\nv=0\r\no=x\r\n";
        let a = parse_rtsp_answer(sdp).unwrap_or_default();
        assert!(a.has_sdp());
        assert_eq!(a.body, b"v=0\r\no=x\r\n");
        // Incomplete body, not RTSP, oversized length.
        assert!(parse_rtsp_answer(&sdp[..sdp.len() - 5]).is_none());
        assert!(parse_rtsp_answer(b"HTTP/1.0 200 OK\r\n\r\n").is_none());
        assert!(
            parse_rtsp_answer(b"RTSP/1.0 200 OK\r\nContent-Length: 999999999\r\n\r\n").is_none()
        );
        let basic = parse_rtsp_answer(
            b"RTSP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n",
        )
        .unwrap_or_default();
        assert!(basic.basic && !basic.has_sdp());
    }
}
