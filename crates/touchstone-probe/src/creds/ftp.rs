//! FTP logins: `USER`/`PASS`, proven by `PWD`.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::time::Instant;

use super::{Attempt, Conversation, Credential, open_attempt, unknown};
use crate::limiter::Limiter;

/// The reply code at the start of the last complete FTP reply line.
pub fn ftp_code(text: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(text);
    let line = text
        .lines()
        .rev()
        .find(|l| l.len() >= 4 && l.as_bytes().get(3) == Some(&b' '))?;
    line.get(..3)?.parse().ok()
}

async fn ftp_exchange(c: &mut Conversation, line: Option<&str>, timeout: Duration) -> Option<u16> {
    let mark = c.text.len();
    if let Some(l) = line
        && !c.send(l).await
    {
        return None;
    }
    let deadline = Instant::now() + timeout;
    let mut chunk = [0u8; 1024];
    for _ in 0..64 {
        if let Some(code) = ftp_code(c.text.get(mark..).unwrap_or_default())
            && c.text.ends_with(b"\n")
        {
            return Some(code);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, c.stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 && c.text.len() < 64 * 1024 => {
                c.text.extend_from_slice(chunk.get(..n).unwrap_or_default());
            }
            _ => return None,
        }
    }
    None
}

pub(super) async fn ftp_attempt(
    addr: SocketAddr,
    limiter: &Limiter,
    cred: &Credential,
    waits: super::Waits,
) -> (Attempt, Duration) {
    let timeout = waits.answer;
    let (_permit, stream) = match open_attempt(addr, limiter, timeout).await {
        Ok(open) => open,
        Err(outcome) => return outcome,
    };
    let mut c = Conversation {
        stream,
        text: Vec::new(),
        closed: false,
    };
    if ftp_exchange(&mut c, None, waits.greeting).await != Some(220) {
        return unknown("no 220 greeting");
    }
    let started = Instant::now();
    let code = match ftp_exchange(&mut c, Some(&format!("USER {}", cred.user)), timeout).await {
        Some(331) => ftp_exchange(&mut c, Some(&format!("PASS {}", cred.password)), timeout).await,
        other => other,
    };
    let took = started.elapsed();
    match code {
        Some(230) => match ftp_exchange(&mut c, Some("PWD"), timeout).await {
            Some(257) => (
                Attempt::Success {
                    proof: "230 to PASS, then 257 to PWD".into(),
                },
                took,
            ),
            other => (
                Attempt::Failure {
                    answer: format!("230 but PWD answered {other:?}"),
                },
                took,
            ),
        },
        Some(code) => (
            Attempt::Failure {
                answer: format!("{code}"),
            },
            took,
        ),
        None => (
            Attempt::Unknown {
                reason: "no reply".into(),
            },
            took,
        ),
    }
}
