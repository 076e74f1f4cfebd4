//! Telnet logins: option negotiation refused, the login dialogue, and a
//! shell computing a random sum as the proof.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use super::{Attempt, Conversation, Credential, open_attempt, unknown};
use crate::limiter::Limiter;
use crate::wire::{excerpt, random_bytes};

/// The proof of a shell: a command printing the sum of two numbers random
/// per attempt, and what a shell prints for it. A fake console cannot know
/// the sum in advance, and echoing the command does not contain it.
fn proof_command() -> (String, String) {
    let r = random_bytes(4);
    let byte = |i: usize| u32::from(r.get(i).copied().unwrap_or(0));
    let a = 1000 + (byte(0) << 8 | byte(1));
    let b = 1000 + (byte(2) << 8 | byte(3));
    (format!("echo TS$(({a}+{b}))X"), format!("TS{}X", a + b))
}

/// Telnet bytes with option negotiation removed; the replies refusing every
/// option are collected in `replies`.
pub fn telnet_filter(data: &[u8], replies: &mut Vec<u8>) -> Vec<u8> {
    let mut text = Vec::with_capacity(data.len());
    let mut i = 0;
    while let Some(b) = data.get(i).copied() {
        if b != 0xFF {
            text.push(b);
            i += 1;
            continue;
        }
        match data.get(i + 1).copied() {
            Some(cmd @ (251..=254)) => {
                if let Some(opt) = data.get(i + 2).copied() {
                    let answer = match cmd {
                        253 => 252, // DO -> WONT
                        251 => 254, // WILL -> DONT
                        _ => 0,
                    };
                    if answer != 0 && replies.len() < 1024 {
                        replies.extend_from_slice(&[0xFF, answer, opt]);
                    }
                }
                i += 3;
            }
            Some(250) => {
                // Subnegotiation: skip to IAC SE.
                let end = data
                    .get(i..)
                    .and_then(|rest| rest.windows(2).position(|w| w == [0xFF, 240]))
                    .map_or(data.len(), |p| i + p + 2);
                i = end;
            }
            Some(0xFF) => {
                text.push(0xFF);
                i += 2;
            }
            Some(_) => i += 2,
            None => i += 1,
        }
    }
    text
}

pub(super) async fn telnet_attempt(
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
    let connected = Instant::now();
    let mut c = Conversation {
        stream,
        text: Vec::new(),
        closed: false,
    };
    let prompts = ["login:", "username:", "user:", "password:"];
    // A slow device prints its first prompt late: the greeting wait.
    let Some(first) = c.read_until(0, &prompts, waits.greeting).await else {
        return unknown(&format!("no login prompt: {}", excerpt(&c.text, 80)));
    };
    let mut mark = c.text.len();
    if first != "password:" {
        c.send(&cred.user).await;
        match c
            .read_until(mark, &["password:", "#", "$ ", "> "], timeout)
            .await
        {
            Some(p) if p == "password:" => {}
            Some(_) => {}
            None => {
                return (
                    Attempt::Failure {
                        answer: excerpt(c.text.get(mark..).unwrap_or_default(), 80),
                    },
                    connected.elapsed(),
                );
            }
        }
        mark = c.text.len();
    }
    let sent_at = Instant::now();
    c.send(&cred.password).await;
    // Wait for whatever the device says after the password: a prompt, a
    // refusal, a new login prompt, or a close.
    let after = [
        "#",
        "$",
        ">",
        "login:",
        "incorrect",
        "denied",
        "fail",
        "invalid",
    ];
    let reaction = c.read_until(mark, &after, timeout).await;
    let took = sent_at.elapsed();
    if c.closed
        || matches!(
            reaction.as_deref(),
            Some("login:" | "incorrect" | "denied" | "fail" | "invalid")
        )
    {
        return (
            Attempt::Failure {
                answer: excerpt(c.text.get(mark..).unwrap_or_default(), 80),
            },
            took,
        );
    }
    let mark = c.text.len();
    let (command, expected) = proof_command();
    if !c.send(&command).await {
        return (
            Attempt::Failure {
                answer: "connection closed".into(),
            },
            took,
        );
    }
    // A shell prints TS42X before its next prompt; a fake console that
    // prints a prompt for anything shows the prompt again without it.
    let proof = expected.to_ascii_lowercase();
    let ended = c
        .read_until(mark, &[proof.as_str(), "\n# ", "\n$ ", "\n> "], timeout)
        .await;
    let proved = ended.as_deref() == Some(proof.as_str());
    let _ = c.stream.set_zero_linger();
    if proved {
        (
            Attempt::Success {
                proof: format!("`{command}` printed {expected}"),
            },
            took,
        )
    } else {
        (
            Attempt::Failure {
                answer: format!(
                    "no shell: {}",
                    excerpt(c.text.get(mark..).unwrap_or_default(), 80)
                ),
            },
            took,
        )
    }
}
