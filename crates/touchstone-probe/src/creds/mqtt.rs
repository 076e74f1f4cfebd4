//! MQTT logins: CONNECT with user name and password, judged by CONNACK.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::{Attempt, Credential, random_token, unknown};
use crate::ident::{mqtt_connect, parse_connack};
use crate::limiter::Limiter;

pub(super) async fn mqtt_attempt(
    addr: SocketAddr,
    limiter: &Limiter,
    cred: Option<&Credential>,
    timeout: Duration,
) -> (Attempt, Duration) {
    let Some(_permit) = limiter.acquire().await else {
        return unknown("limiter closed");
    };
    let started = Instant::now();
    let work = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        let id = format!("ts-{}", random_token());
        let packet = mqtt_connect(&id, cred.map(|c| (c.user.as_str(), c.password.as_str())));
        stream.write_all(&packet).await.ok()?;
        let mut buf = [0u8; 16];
        let mut got = Vec::new();
        for _ in 0..4 {
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                break;
            }
            got.extend_from_slice(buf.get(..n).unwrap_or_default());
            if got.len() >= 4 {
                break;
            }
        }
        let _ = stream.set_zero_linger();
        Some(got)
    };
    let answer = tokio::time::timeout(timeout, work).await.ok().flatten();
    let took = started.elapsed();
    match answer.as_deref().and_then(parse_connack) {
        Some(0) => (
            Attempt::Success {
                proof: "CONNACK return code 0 (accepted)".into(),
            },
            took,
        ),
        Some(code) => (
            Attempt::Failure {
                answer: format!("CONNACK return code {code}"),
            },
            took,
        ),
        None => (
            Attempt::Unknown {
                reason: "no CONNACK".into(),
            },
            took,
        ),
    }
}
