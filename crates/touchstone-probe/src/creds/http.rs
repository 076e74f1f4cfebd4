//! HTTP Basic and Digest logins (RFC 7617, RFC 7616 with MD5).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use super::{Attempt, Credential, random_token, unknown};
use crate::http::{DigestChallenge, HttpAnswer, http_get, http_request};
use crate::limiter::Limiter;
use crate::wire::base64_pad;

pub(super) async fn http_attempt(
    addr: SocketAddr,
    limiter: &Limiter,
    cred: &Credential,
    baseline: &HttpAnswer,
    timeout: Duration,
) -> (Attempt, Duration) {
    let started = Instant::now();
    let authorization = if baseline.basic {
        Some(format!(
            "Basic {}",
            base64_pad(format!("{}:{}", cred.user, cred.password).as_bytes())
        ))
    } else {
        // Digest: a fresh challenge per attempt, then the answer to it.
        match http_get(addr, limiter, None, timeout)
            .await
            .and_then(|a| a.digest)
        {
            Some(challenge) => digest_authorization(&challenge, cred, "GET", "/", &random_token()),
            None => None,
        }
    };
    let Some(authorization) = authorization else {
        return (
            Attempt::Unknown {
                reason: "no usable Digest challenge (only MD5 with qop auth or none is supported)"
                    .into(),
            },
            started.elapsed(),
        );
    };
    // Time only the authenticated request itself, not the wait for a
    // connection slot, so contention does not look like a delay.
    let Some(_permit) = limiter.acquire().await else {
        return unknown("limiter closed");
    };
    let sent = Instant::now();
    let answer = http_request(addr, "/", Some(&authorization), timeout).await;
    let took = sent.elapsed();
    match answer {
        Some(a) if (200..300).contains(&a.status) && a.body != baseline.body => (
            Attempt::Success {
                proof: format!(
                    "{} with a body that differs from the unauthenticated 401",
                    a.status
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
                reason: "no HTTP answer".into(),
            },
            took,
        ),
    }
}

fn md5_hex(data: &str) -> String {
    use md5::{Digest, Md5};
    hex::encode(Md5::digest(data.as_bytes()))
}

/// The `Authorization` value answering `challenge` (MD5, qop `auth` or none);
/// `None` for algorithms the prober does not implement.
pub fn digest_authorization(
    challenge: &DigestChallenge,
    cred: &Credential,
    method: &str,
    uri: &str,
    cnonce: &str,
) -> Option<String> {
    if !challenge
        .algorithm
        .as_deref()
        .is_none_or(|a| a.eq_ignore_ascii_case("MD5"))
    {
        return None;
    }
    let ha1 = md5_hex(&format!(
        "{}:{}:{}",
        cred.user, challenge.realm, cred.password
    ));
    let ha2 = md5_hex(&format!("{method}:{uri}"));
    let auth_qop = challenge
        .qop
        .as_deref()
        .map(|q| q.split(',').any(|o| o.trim().eq_ignore_ascii_case("auth")));
    let mut value = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\"",
        cred.user, challenge.realm, challenge.nonce
    );
    match auth_qop {
        Some(true) => {
            let nc = "00000001";
            let response = md5_hex(&format!(
                "{ha1}:{}:{nc}:{cnonce}:auth:{ha2}",
                challenge.nonce
            ));
            value.push_str(&format!(
                ", qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\""
            ));
        }
        Some(false) => return None,
        None => {
            let response = md5_hex(&format!("{ha1}:{}:{ha2}", challenge.nonce));
            value.push_str(&format!(", response=\"{response}\""));
        }
    }
    if let Some(algorithm) = &challenge.algorithm {
        value.push_str(&format!(", algorithm={algorithm}"));
    }
    if let Some(opaque) = &challenge.opaque {
        value.push_str(&format!(", opaque=\"{opaque}\""));
    }
    Some(value)
}
