//! Default-credential attempts with oracles, and brute-force measurement.
//!
//! Every service gets a **negative control**: a random user name and
//! password. If that "works", the service enforces no authentication and no
//! credential is reported. Otherwise each pair of the bundled list is tried
//! on a fresh connection and counted as working only with a **positive
//! proof**:
//!
//! * telnet: after the login, `echo TS$((6*7))X` must print `TS42X`, which
//!   only a shell computes (a prompt character is not proof);
//! * FTP: `230` to `PASS` and then `257` to `PWD`;
//! * MQTT: CONNACK return code 0 where the control got 4 or 5;
//! * HTTP Basic and Digest (MD5, qop `auth` or none): a 2xx answer whose
//!   body differs from the unauthenticated 401 answer;
//! * SSH (`creds/ssh.rs`, with russh): user-authentication success, and the
//!   random sum computed by `echo TS$((A+B))X` when a session is granted;
//! * RTSP ([`rtsp`]): `DESCRIBE` answered 200 with an SDP description;
//! * HTTP forms ([`forms`]): the form's success markers and its protected
//!   page served to the session.
//!
//! The pairs come from the credential list shared with the firmware checks,
//! filtered by protocol ([`bundled_credentials`]). Attempts run at most
//! [`PARALLEL_ATTEMPTS`] at once per service ([`PARALLEL_SSH_ATTEMPTS`] on
//! SSH), alongside the control, bounded by
//! [`crate::Options::max_credential_attempts`], and stop at the first proven
//! login. The brute-force measurement follows, one attempt at a time.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::ident::{mqtt_connect, parse_connack};
use crate::limiter::Limiter;
use crate::wire::{base64_pad, excerpt, random_bytes};

pub mod forms;
pub mod rtsp;
mod ssh;

/// A user name and password pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// User name.
    pub user: String,
    /// Password (may be empty).
    pub password: String,
}

/// The bundled pairs the probe tries on a login `protocol` (`telnet`, `ssh`,
/// `ftp`, `mqtt`, `http`, `rtsp`), in order: the one credential list shared
/// with the firmware checks (`touchstone-core/data/credentials.toml`).
pub fn bundled_credentials(protocol: &str) -> Vec<Credential> {
    touchstone_core::credentials::Credentials::bundled()
        .for_protocol(protocol)
        .into_iter()
        .map(|(user, password)| Credential { user, password })
        .collect()
}

/// The protocol of the credential list a mechanism uses.
pub(crate) fn protocol_of(mechanism: &str) -> &str {
    match mechanism {
        m if m.starts_with("http") => "http",
        m => m,
    }
}

/// Outcome of one login attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Attempt {
    /// Logged in, with the proof.
    Success {
        /// What proved it.
        proof: String,
    },
    /// Refused.
    Failure {
        /// What the service answered.
        answer: String,
    },
    /// Could not tell (no prompt, timeout, protocol error).
    Unknown {
        /// Why.
        reason: String,
    },
}

/// Every wrong attempt answered after at least this long counts as a fixed
/// delay after failures.
const FIXED_DELAY_MS: u64 = 900;

/// Brute-force protection as observed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BruteForce {
    /// Wrong attempts made.
    pub attempts: u32,
    /// Answer time of each wrong attempt, milliseconds.
    pub answer_ms: Vec<u64>,
    /// A working credential failed after the wrong attempts.
    pub locked_out: bool,
    /// Wrong attempts were refused before any answer (connection refused or
    /// closed at once) after the first ones.
    pub refused_after: Option<u32>,
    /// `lockout`, `refusal`, `delay-growth`, `fixed-delay` (every wrong
    /// attempt took at least 0.9 s) or `none`.
    pub verdict: String,
}

/// Credential results of one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialReport {
    /// `telnet`, `ssh`, `ftp`, `mqtt`, `rtsp`, `http-basic`, `http-digest`
    /// or `http-form`.
    pub mechanism: String,
    /// The negative control's outcome.
    pub negative_control: Attempt,
    /// The service accepted the random credential (or no credential at all).
    pub no_authentication: bool,
    /// Working pairs, each with its proof.
    pub working: Vec<(Credential, String)>,
    /// Pairs tried (after the control).
    pub attempts: u32,
    /// Of those, the ones that got no verdict (no prompt, handshake or
    /// protocol failure, timeout), with the first reason.
    pub unanswered: u32,
    /// Why the first unanswered attempt got no verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unanswered_reason: Option<String>,
    /// Brute-force measurement, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brute_force: Option<BruteForce>,
}

/// Settings of the credential phase.
#[derive(Debug, Clone)]
pub(crate) struct CredentialSettings {
    pub(crate) list: Vec<Credential>,
    pub(crate) max_attempts: usize,
    pub(crate) brute_force_attempts: u32,
    pub(crate) timeout: Duration,
}

/// Which mechanism a service offers, if any we test (`http-basic` becomes
/// `http-digest` when the 401 challenge is Digest).
pub(crate) fn mechanism_for(service: &str) -> Option<&'static str> {
    match service {
        "telnet" => Some("telnet"),
        "ftp" => Some("ftp"),
        "mqtt" => Some("mqtt"),
        "http" => Some("http-basic"),
        "ssh" => Some("ssh"),
        "rtsp" => Some("rtsp"),
        _ => None,
    }
}

/// Run the control, the list and the brute-force measurement on one service.
pub(crate) async fn assess(
    addr: SocketAddr,
    mut mechanism: &'static str,
    limiter: &Limiter,
    settings: &CredentialSettings,
) -> Option<CredentialReport> {
    let mut baseline = Baseline::None;
    if mechanism == "http-basic" {
        let answer = http_get(addr, limiter, None, settings.timeout).await?;
        if answer.status == 401 && (answer.basic || answer.digest.is_some()) {
            // Basic or Digest on `/`.
            if !answer.basic {
                mechanism = "http-digest";
            }
            baseline = Baseline::Http(answer);
        } else {
            // A login form of a device family described in data.
            let (form, protected) = forms::detect(addr, limiter, settings.timeout).await?;
            mechanism = "http-form";
            baseline = Baseline::Form(std::sync::Arc::new((form, protected)));
        }
    } else if mechanism == "rtsp" {
        let answer = rtsp::unauthenticated(addr, limiter, settings.timeout).await?;
        if answer.has_sdp() {
            // The stream description is served to anyone.
            return Some(CredentialReport {
                mechanism: mechanism.to_owned(),
                negative_control: Attempt::Success {
                    proof: "DESCRIBE without credentials answered 200 with an SDP description"
                        .into(),
                },
                no_authentication: true,
                working: Vec::new(),
                attempts: 0,
                unanswered: 0,
                unanswered_reason: None,
                brute_force: None,
            });
        }
        if answer.status != 401 || !(answer.basic || answer.digest.is_some()) {
            return None;
        }
        baseline = Baseline::Rtsp(answer);
    }
    let mechanism_attempt = |user: String, password: String| {
        let baseline = baseline.clone();
        async move {
            let cred = Credential { user, password };
            attempt(addr, mechanism, limiter, &cred, &baseline, settings.timeout).await
        }
    };
    let random = random_token();
    // The negative control runs together with the list; the list's results
    // count only when the control failed.
    let control_run = async {
        let control = if mechanism == "mqtt" {
            // For MQTT the control is a CONNECT without any credential.
            mqtt_attempt(addr, limiter, None, settings.timeout).await.0
        } else {
            mechanism_attempt(format!("ts{random}"), format!("Ts-{random}"))
                .await
                .0
        };
        if matches!(control, Attempt::Success { .. }) || mechanism != "mqtt" {
            return control;
        }
        // A broker that accepts any user name and password.
        let (random_login, _) =
            mechanism_attempt(format!("ts{random}"), format!("Ts-{random}")).await;
        match random_login {
            Attempt::Success { .. } => random_login,
            _ => control,
        }
    };
    let list: Vec<Credential> = settings
        .list
        .iter()
        .take(settings.max_attempts)
        .cloned()
        .collect();
    let list_run = try_list(addr, mechanism, limiter, &list, &baseline, settings.timeout);
    let (control, tried) = tokio::join!(control_run, list_run);
    let mut report = CredentialReport {
        mechanism: mechanism.to_owned(),
        no_authentication: matches!(control, Attempt::Success { .. }),
        negative_control: control,
        working: Vec::new(),
        attempts: 0,
        unanswered: 0,
        unanswered_reason: None,
        brute_force: None,
    };
    if report.no_authentication {
        return Some(report);
    }
    report.working = tried.working;
    report.attempts = tried.started;
    report.unanswered = tried.unanswered;
    report.unanswered_reason = tried.unanswered_reason;
    // Then the brute-force measurement: its wrong attempts are timed after
    // the device has seen the list's failures, and run one at a time so
    // that a per-source delay shows as it grows. (Run at the same time as
    // the list, the first of them raced the device's failure timer: lighttpd
    // answered it at once or after a second, at random.) Other services run
    // meanwhile, within the per-host connection cap.
    let brute_run = async {
        let mut answer_ms = Vec::new();
        let mut refused_after = None;
        for i in 0..settings.brute_force_attempts {
            let (outcome, took) =
                mechanism_attempt(format!("ts{random}"), format!("wrong-{i}-{random}")).await;
            answer_ms.push(u64::try_from(took.as_millis()).unwrap_or(u64::MAX));
            if let Attempt::Unknown { .. } = outcome
                && refused_after.is_none()
                && i > 0
            {
                refused_after = Some(i);
            }
        }
        (answer_ms, refused_after)
    };
    let (answer_ms, refused_after) = brute_run.await;
    if settings.brute_force_attempts > 0 {
        let mut locked_out = false;
        if let Some((cred, _)) = report.working.first() {
            let (again, _) = mechanism_attempt(cred.user.clone(), cred.password.clone()).await;
            locked_out = !matches!(again, Attempt::Success { .. });
        }
        report.brute_force = Some(brute_force_verdict(
            settings.brute_force_attempts,
            answer_ms,
            locked_out,
            refused_after,
        ));
    }
    Some(report)
}

/// Judge the measured wrong attempts.
pub(crate) fn brute_force_verdict(
    attempts: u32,
    answer_ms: Vec<u64>,
    locked_out: bool,
    refused_after: Option<u32>,
) -> BruteForce {
    let first = answer_ms.first().copied().unwrap_or(0);
    let last = answer_ms.last().copied().unwrap_or(0);
    let fastest = answer_ms.iter().copied().min().unwrap_or(0);
    let verdict = if locked_out {
        "lockout"
    } else if refused_after.is_some() {
        "refusal"
    } else if last >= first.saturating_mul(2).saturating_add(500) {
        // Plus 0.5 s: a fixed 1 s delay served on a 1 s timer tick (lighttpd)
        // sometimes answers after 2 s; that is jitter, not growth.
        "delay-growth"
    } else if fastest >= FIXED_DELAY_MS {
        "fixed-delay"
    } else {
        "none"
    };
    BruteForce {
        attempts,
        answer_ms,
        locked_out,
        refused_after,
        verdict: verdict.to_owned(),
    }
}

/// Try `list` in order with up to [`PARALLEL_ATTEMPTS`] attempts in flight,
/// and stop at the first proven login: one proof is enough to fail 5.1-1,
/// and every further attempt costs the device's failure delay.
async fn try_list(
    addr: SocketAddr,
    mechanism: &'static str,
    limiter: &Limiter,
    list: &[Credential],
    baseline: &Baseline,
    timeout: Duration,
) -> Tried {
    let mut set = tokio::task::JoinSet::new();
    let mut next = 0usize;
    let mut started = 0u32;
    let mut found: Vec<(usize, Credential, String)> = Vec::new();
    let (mut unanswered, mut unanswered_reason) = (0u32, None);
    // Bounded: every iteration either starts one of the list's attempts or
    // collects one; the loop ends when both are exhausted.
    for _ in 0..list.len().saturating_mul(2).saturating_add(1) {
        while found.is_empty() && set.len() < parallel_attempts(mechanism) {
            let Some(cred) = list.get(next).cloned() else {
                break;
            };
            let index = next;
            next += 1;
            started += 1;
            let (limiter, baseline) = (limiter.clone(), baseline.clone());
            set.spawn(async move {
                let (outcome, _) =
                    attempt(addr, mechanism, &limiter, &cred, &baseline, timeout).await;
                (index, cred, outcome)
            });
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        match joined {
            Ok((index, cred, Attempt::Success { proof })) => {
                found.push((index, cred, proof));
                // Proven: the attempts still in flight are cancelled (their
                // connections close) instead of waiting out failure delays.
                set.abort_all();
                break;
            }
            Ok((_, _, Attempt::Unknown { reason })) => {
                unanswered += 1;
                unanswered_reason.get_or_insert(reason);
            }
            _ => {}
        }
    }
    Tried {
        working: found.into_iter().map(|(_, c, p)| (c, p)).collect(),
        started,
        unanswered,
        unanswered_reason,
    }
}

/// What [`try_list`] found.
struct Tried {
    working: Vec<(Credential, String)>,
    started: u32,
    unanswered: u32,
    unanswered_reason: Option<String>,
}

fn random_token() -> String {
    random_bytes(6).iter().map(|b| format!("{b:02x}")).collect()
}

async fn attempt(
    addr: SocketAddr,
    mechanism: &str,
    limiter: &Limiter,
    cred: &Credential,
    baseline: &Baseline,
    timeout: Duration,
) -> (Attempt, Duration) {
    // Each mechanism measures its answer time after it holds a connection
    // slot, so waiting for the per-host cap never looks like a delay.
    match mechanism {
        "telnet" => telnet_attempt(addr, limiter, cred, timeout).await,
        "ftp" => ftp_attempt(addr, limiter, cred, timeout).await,
        "mqtt" => mqtt_attempt(addr, limiter, Some(cred), timeout).await,
        "ssh" => ssh::attempt(addr, limiter, cred, timeout).await,
        "http-basic" | "http-digest" => match baseline {
            Baseline::Http(b) => http_attempt(addr, limiter, cred, b, timeout).await,
            _ => unknown("no baseline"),
        },
        "http-form" => match baseline {
            Baseline::Form(f) => forms::attempt(addr, limiter, cred, &f.0, &f.1, timeout).await,
            _ => unknown("no form"),
        },
        "rtsp" => match baseline {
            Baseline::Rtsp(b) => rtsp::attempt(addr, limiter, cred, b, timeout).await,
            _ => unknown("no baseline"),
        },
        _ => unknown("unsupported mechanism"),
    }
}

/// What the attempts of a mechanism compare their answers with.
#[derive(Debug, Clone)]
enum Baseline {
    None,
    /// The 401 answer to `GET /`.
    Http(HttpAnswer),
    /// The 401 answer to `DESCRIBE`.
    Rtsp(rtsp::RtspAnswer),
    /// The form and the unauthenticated answer for its protected page.
    Form(std::sync::Arc<(forms::FormSpec, HttpAnswer)>),
}

/// Pairs tried at once on one service (within the per-host probe cap).
pub const PARALLEL_ATTEMPTS: usize = 4;

/// Pairs tried at once on SSH: Dropbear accepts only 5 unauthenticated
/// connections per source address (and OpenSSH starts dropping at 10), so
/// logins, the control and the SSH analysis must stay below that.
pub const PARALLEL_SSH_ATTEMPTS: usize = 2;

fn parallel_attempts(mechanism: &str) -> usize {
    if mechanism == "ssh" {
        PARALLEL_SSH_ATTEMPTS
    } else {
        PARALLEL_ATTEMPTS
    }
}

fn unknown(reason: &str) -> (Attempt, Duration) {
    (
        Attempt::Unknown {
            reason: reason.to_owned(),
        },
        Duration::ZERO,
    )
}

// ---- telnet ----------------------------------------------------------------

const TELNET_PROOF_COMMAND: &str = "echo TS$((6*7))X";
const TELNET_PROOF: &str = "TS42X";

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

struct Conversation {
    stream: TcpStream,
    text: Vec<u8>,
    closed: bool,
}

impl Conversation {
    /// Read until one of `needles` (lowercase) appears in the text seen since
    /// `from`, the peer closes, or `wait` passes. Bounded to 64 KiB.
    async fn read_until(
        &mut self,
        from: usize,
        needles: &[&str],
        wait: Duration,
    ) -> Option<String> {
        let deadline = Instant::now() + wait;
        let mut chunk = [0u8; 2048];
        for _ in 0..256 {
            let seen = String::from_utf8_lossy(self.text.get(from..).unwrap_or_default())
                .to_ascii_lowercase();
            if let Some(n) = needles.iter().find(|n| seen.contains(**n)) {
                return Some((*n).to_owned());
            }
            if self.closed || self.text.len() > 64 * 1024 {
                return None;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            match tokio::time::timeout(left, self.stream.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => {
                    let mut replies = Vec::new();
                    let text = telnet_filter(chunk.get(..n).unwrap_or_default(), &mut replies);
                    self.text.extend_from_slice(&text);
                    if !replies.is_empty() && self.stream.write_all(&replies).await.is_err() {
                        self.closed = true;
                    }
                }
                Ok(_) => self.closed = true,
                Err(_) => return None,
            }
        }
        None
    }

    async fn send(&mut self, line: &str) -> bool {
        let ok = self
            .stream
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .is_ok();
        if !ok {
            self.closed = true;
        }
        ok
    }
}

/// A connection slot and a connected stream for one login attempt, or the
/// attempt's `Unknown` outcome when either cannot be had. Every attempt that
/// opens its own connection starts here.
pub(crate) async fn open_attempt(
    addr: SocketAddr,
    limiter: &Limiter,
    timeout: Duration,
) -> Result<(tokio::sync::OwnedSemaphorePermit, TcpStream), (Attempt, Duration)> {
    let permit = limiter
        .acquire()
        .await
        .ok_or_else(|| unknown("limiter closed"))?;
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => Ok((permit, stream)),
        _ => Err(unknown("cannot connect")),
    }
}

async fn telnet_attempt(
    addr: SocketAddr,
    limiter: &Limiter,
    cred: &Credential,
    timeout: Duration,
) -> (Attempt, Duration) {
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
    let Some(first) = c.read_until(0, &prompts, timeout).await else {
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
    if !c.send(TELNET_PROOF_COMMAND).await {
        return (
            Attempt::Failure {
                answer: "connection closed".into(),
            },
            took,
        );
    }
    // A shell prints TS42X before its next prompt; a fake console that
    // prints a prompt for anything shows the prompt again without it.
    let proof = TELNET_PROOF.to_ascii_lowercase();
    let ended = c
        .read_until(mark, &[proof.as_str(), "\n# ", "\n$ ", "\n> "], timeout)
        .await;
    let proved = ended.as_deref() == Some(proof.as_str());
    let _ = c.stream.set_zero_linger();
    if proved {
        (
            Attempt::Success {
                proof: format!("`{TELNET_PROOF_COMMAND}` printed {TELNET_PROOF}"),
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

// ---- FTP -------------------------------------------------------------------

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

async fn ftp_attempt(
    addr: SocketAddr,
    limiter: &Limiter,
    cred: &Credential,
    timeout: Duration,
) -> (Attempt, Duration) {
    let (_permit, stream) = match open_attempt(addr, limiter, timeout).await {
        Ok(open) => open,
        Err(outcome) => return outcome,
    };
    let mut c = Conversation {
        stream,
        text: Vec::new(),
        closed: false,
    };
    if ftp_exchange(&mut c, None, timeout).await != Some(220) {
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

// ---- MQTT ------------------------------------------------------------------

async fn mqtt_attempt(
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

// ---- HTTP Basic ------------------------------------------------------------

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

async fn http_get(
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
async fn http_request(
    addr: SocketAddr,
    path: &str,
    auth: Option<&str>,
    timeout: Duration,
) -> Option<HttpAnswer> {
    let mut request = format!(
        "GET {path} HTTP/1.0\r\nHost: {}\r\nUser-Agent: Touchstone\r\n",
        addr.ip()
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

async fn http_attempt(
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

fn md5_hex(data: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(data.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_parses() {
        let l = bundled_credentials("telnet");
        assert!(l.len() >= 16);
        assert_eq!(
            l.first().map(|c| (c.user.as_str(), c.password.as_str())),
            Some(("admin", "admin"))
        );
    }

    #[test]
    fn telnet_negotiation_is_refused_and_stripped() {
        let mut replies = Vec::new();
        let text = telnet_filter(
            b"\xff\xfd\x18\xff\xfb\x01\xff\xfa\x18\x01\xff\xf0login: ",
            &mut replies,
        );
        assert_eq!(text, b"login: ");
        assert_eq!(replies, [0xFF, 252, 0x18, 0xFF, 254, 0x01]);
        let mut r = Vec::new();
        assert_eq!(telnet_filter(b"\xff", &mut r), b"");
        assert_eq!(telnet_filter(b"\xff\xfd", &mut r), b"");
        assert_eq!(telnet_filter(b"a\xff\xffb", &mut r), b"a\xffb");
    }

    #[test]
    fn digest_matches_rfc_2617_example() {
        let c = parse_digest_challenge(
            "realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        )
        .unwrap_or_default();
        assert_eq!(c.realm, "testrealm@host.com");
        assert_eq!(c.qop.as_deref(), Some("auth,auth-int"));
        let cred = Credential {
            user: "Mufasa".into(),
            password: "Circle Of Life".into(),
        };
        let value = digest_authorization(&c, &cred, "GET", "/dir/index.html", "0a4f113b")
            .unwrap_or_default();
        assert!(
            value.contains("response=\"6629fae49393a05397450978507c4ef1\""),
            "{value}"
        );
        assert!(parse_digest_challenge("realm=\"x\"").is_none());
        assert!(parse_digest_challenge("nonce=\"unterminated").is_none());
        let sha = DigestChallenge {
            nonce: "n".into(),
            algorithm: Some("SHA-256".into()),
            ..DigestChallenge::default()
        };
        assert!(digest_authorization(&sha, &cred, "GET", "/", "c").is_none());
    }

    #[test]
    fn ftp_codes() {
        assert_eq!(ftp_code(b"220 (vsFTPd 3.0.3)\r\n"), Some(220));
        assert_eq!(
            ftp_code(b"230-Welcome\r\n230 Login successful.\r\n"),
            Some(230)
        );
        assert_eq!(ftp_code(b"230-Welcome\r\n"), None);
        assert_eq!(ftp_code(b"xx"), None);
    }

    #[test]
    fn http_answers() {
        let a = parse_http_answer(
            b"HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"cam\"\r\n\r\nno",
        );
        assert_eq!(
            a.map(|a| (a.status, a.basic, a.content_type, a.body)),
            Some((401, true, None, b"no".to_vec()))
        );
        let a = parse_http_answer(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\n\r\n",
        );
        assert_eq!(
            a.and_then(|a| a.content_type).as_deref(),
            Some("text/plain; charset=utf-8")
        );
        let a = parse_http_answer(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"cam\"\r\n\r\n",
        );
        assert_eq!(a.map(|a| a.basic), Some(false));
        assert!(parse_http_answer(b"HTTP/1.1 200 OK\r\n").is_none());
        assert!(parse_http_answer(b"HTTP/2 200\r\n\r\n").is_none());
    }
}
