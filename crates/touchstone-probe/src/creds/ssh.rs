//! SSH password (and keyboard-interactive) logins with `russh`.
//!
//! One connection per attempt: key exchange, then `password` (or, when the
//! server does not offer it, `keyboard-interactive` answering every hidden
//! prompt with the password). Success of the user-authentication protocol
//! is the first proof; when the server then opens a session channel, the
//! command `echo TS$((A+B))X` with two random numbers must print their sum,
//! which a fake console cannot do by echoing.
//!
//! The client offers every algorithm russh has, including the SHA-1 key
//! exchanges old devices still need; it accepts any host key (the key is
//! assessed separately by the SSH analysis, and a login attempt never
//! trusts the server with anything but the candidate password).

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, AuthResult, KeyboardInteractiveAuthResponse};
use russh::keys::PublicKeyOrCertificate;
use russh::{ChannelMsg, MethodKind, Preferred, cipher, kex, mac};
use tokio::time::Instant;

use super::{Attempt, Credential, unknown};
use crate::limiter::Limiter;
use crate::wire::random_bytes;

/// Bytes of command output read for the proof, at most.
const MAX_OUTPUT: usize = 4096;

struct AcceptAnyKey;

impl client::Handler for AcceptAnyKey {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

fn config(timeout: Duration) -> client::Config {
    let mut preferred = Preferred::default();
    let mut kexes: Vec<kex::Name> = preferred.kex.to_vec();
    for extra in [
        kex::ECDH_SHA2_NISTP256,
        kex::ECDH_SHA2_NISTP384,
        kex::ECDH_SHA2_NISTP521,
        kex::DH_G14_SHA1,
        kex::DH_GEX_SHA1,
        kex::DH_G1_SHA1,
    ] {
        if !kexes.contains(&extra) {
            // Before the extension pseudo-algorithms, which stay last.
            let at = kexes
                .iter()
                .position(|k| {
                    k.as_ref().starts_with("ext-info") || k.as_ref().starts_with("kex-strict")
                })
                .unwrap_or(kexes.len());
            kexes.insert(at, extra);
        }
    }
    preferred.kex = Cow::Owned(kexes);
    let mut ciphers: Vec<cipher::Name> = preferred.cipher.to_vec();
    for extra in [
        cipher::AES_128_CBC,
        cipher::AES_192_CBC,
        cipher::AES_256_CBC,
    ] {
        if !ciphers.contains(&extra) {
            ciphers.push(extra);
        }
    }
    preferred.cipher = Cow::Owned(ciphers);
    let mut macs: Vec<mac::Name> = preferred.mac.to_vec();
    for extra in [mac::HMAC_SHA1, mac::HMAC_SHA1_ETM] {
        if !macs.contains(&extra) {
            macs.push(extra);
        }
    }
    preferred.mac = Cow::Owned(macs);
    client::Config {
        inactivity_timeout: Some(timeout),
        preferred,
        ..client::Config::default()
    }
}

/// How the login went, before the proof.
enum Login {
    Accepted(&'static str),
    Refused(String),
}

async fn login(
    handle: &mut client::Handle<AcceptAnyKey>,
    cred: &Credential,
) -> Result<Login, russh::Error> {
    let first = handle
        .authenticate_password(cred.user.clone(), cred.password.clone())
        .await?;
    let methods = match first {
        AuthResult::Success => return Ok(Login::Accepted("password")),
        AuthResult::Failure {
            remaining_methods, ..
        } => remaining_methods,
    };
    // Password refused: fall back to keyboard-interactive only when the
    // server offers it (PAM-style servers refuse `password` outright).
    if !methods.contains(&MethodKind::KeyboardInteractive) {
        return Ok(Login::Refused("password refused".into()));
    }
    let mut answer = handle
        .authenticate_keyboard_interactive_start(cred.user.clone(), None)
        .await?;
    for _ in 0..4 {
        match answer {
            KeyboardInteractiveAuthResponse::Success => {
                return Ok(Login::Accepted("keyboard-interactive"));
            }
            KeyboardInteractiveAuthResponse::Failure { .. } => {
                return Ok(Login::Refused(
                    "password and keyboard-interactive refused".into(),
                ));
            }
            KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                let responses = prompts
                    .iter()
                    .take(8)
                    .map(|p| {
                        if p.echo {
                            cred.user.clone()
                        } else {
                            cred.password.clone()
                        }
                    })
                    .collect();
                answer = handle
                    .authenticate_keyboard_interactive_respond(responses)
                    .await?;
            }
        }
    }
    Ok(Login::Refused(
        "keyboard-interactive asked too many questions".into(),
    ))
}

/// Run `echo TS$((a+b))X` and look for the sum in the output; `None` when no
/// session or no answer.
async fn prove(handle: &client::Handle<AcceptAnyKey>) -> Option<(String, bool)> {
    let r = random_bytes(2);
    let a = 100 + u32::from(r.first().copied().unwrap_or(7));
    let b = 100 + u32::from(r.get(1).copied().unwrap_or(9));
    let command = format!("echo TS$(({a}+{b}))X");
    let expected = format!("TS{}X", a + b);
    let mut channel = handle.channel_open_session().await.ok()?;
    channel.exec(true, command.as_bytes()).await.ok()?;
    let mut output = Vec::new();
    for _ in 0..64 {
        match channel.wait().await {
            Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                if output.len() < MAX_OUTPUT {
                    output.extend_from_slice(&data);
                }
                if String::from_utf8_lossy(&output).contains(&expected) {
                    break;
                }
            }
            Some(ChannelMsg::Eof | ChannelMsg::Close) | None => break,
            Some(_) => {}
        }
    }
    let proved = String::from_utf8_lossy(&output).contains(&expected);
    Some((format!("`{command}` printed {expected}"), proved))
}

/// One login attempt; the duration is the answer time of the authentication
/// request (key exchange excluded).
pub(super) async fn attempt(
    addr: SocketAddr,
    limiter: &Limiter,
    cred: &Credential,
    timeout: Duration,
) -> (Attempt, Duration) {
    let (_permit, stream) = match super::open_attempt(addr, limiter, timeout).await {
        Ok(open) => open,
        Err(outcome) => return outcome,
    };
    let _ = stream.set_nodelay(true);
    let config = Arc::new(config(timeout));
    let handshake = tokio::time::timeout(
        timeout,
        client::connect_stream(config, stream, AcceptAnyKey),
    )
    .await;
    let mut handle = match handshake {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return unknown(&format!("SSH handshake failed: {e}")),
        Err(_) => return unknown("SSH handshake timed out"),
    };
    let sent = Instant::now();
    let outcome = tokio::time::timeout(timeout, login(&mut handle, cred)).await;
    let took = sent.elapsed();
    let result = match outcome {
        Err(_) => (
            Attempt::Unknown {
                reason: "no answer to the authentication request".into(),
            },
            took,
        ),
        Ok(Err(e)) => (
            Attempt::Unknown {
                reason: format!("SSH error during authentication: {e}"),
            },
            took,
        ),
        Ok(Ok(Login::Refused(answer))) => (Attempt::Failure { answer }, took),
        Ok(Ok(Login::Accepted(method))) => {
            let proof = tokio::time::timeout(timeout, prove(&handle))
                .await
                .ok()
                .flatten();
            let proof = match proof {
                Some((text, true)) => format!("{method} authentication succeeded; {text}"),
                Some((text, false)) => {
                    // A session that does not compute is a fake console:
                    // the login is not proven.
                    let _ = handle
                        .disconnect(russh::Disconnect::ByApplication, "", "en")
                        .await;
                    return (
                        Attempt::Failure {
                            answer: format!(
                                "{method} authentication succeeded but the session did not compute ({text} expected)"
                            ),
                        },
                        took,
                    );
                }
                None => format!(
                    "{method} authentication succeeded (SSH_MSG_USERAUTH_SUCCESS); no command session was granted"
                ),
            };
            (Attempt::Success { proof }, took)
        }
    };
    let _ = handle
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
    result
}
