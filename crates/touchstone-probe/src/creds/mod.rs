//! Default-credential attempts with oracles, and brute-force measurement.
//!
//! Every service gets a **negative control**: a random user name and
//! password. If that "works", the service enforces no authentication and no
//! credential is reported. Otherwise each pair of the bundled list is tried
//! on a fresh connection and counted as working only with a **positive
//! proof**:
//!
//! * telnet: after the login, `echo TS$((A+B))X` with numbers random per
//!   attempt must print their sum, which only a shell computes (a prompt
//!   character is not proof); the first prompt is waited for as long as the
//!   device's greeting took at identification (twice, plus a second);
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

use crate::limiter::Limiter;
use crate::wire::random_bytes;

pub mod forms;
mod ftp;
mod http;
mod mqtt;
pub mod rtsp;
mod ssh;
mod telnet;

pub use crate::http::{DigestChallenge, HttpAnswer, parse_digest_challenge, parse_http_answer};
use ftp::ftp_attempt;
pub use ftp::ftp_code;
pub use http::digest_authorization;
use http::http_attempt;
use mqtt::mqtt_attempt;
use telnet::telnet_attempt;
pub use telnet::telnet_filter;

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

/// The judgement of brute-force protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BruteForceVerdict {
    /// A working credential failed after the wrong attempts.
    Lockout,
    /// After wrong attempts the service answered, it refused further ones.
    Refusal,
    /// Completed wrong attempts were answered ever more slowly.
    DelayGrowth,
    /// Every completed wrong attempt took at least 0.9 s, and attempts made
    /// in parallel were answered one after another: the delay limits the
    /// source, not one connection.
    FixedDelay,
    /// Wrong attempts took at least 0.9 s each, but parallel attempts were
    /// all answered after one delay: guessing in parallel is not limited.
    PerConnectionDelay,
    /// Completed wrong attempts were answered without any limiting.
    None,
    /// Too few wrong attempts completed to judge (no answer, handshake
    /// failures, a negative control that did not clearly fail).
    Inconclusive,
}

impl BruteForceVerdict {
    /// The verdict's name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            BruteForceVerdict::Lockout => "lockout",
            BruteForceVerdict::Refusal => "refusal",
            BruteForceVerdict::DelayGrowth => "delay-growth",
            BruteForceVerdict::FixedDelay => "fixed-delay",
            BruteForceVerdict::PerConnectionDelay => "per-connection-delay",
            BruteForceVerdict::None => "none",
            BruteForceVerdict::Inconclusive => "inconclusive",
        }
    }

    /// Whether the measurements show that guessing is limited.
    pub fn is_protection(self) -> bool {
        matches!(
            self,
            BruteForceVerdict::Lockout
                | BruteForceVerdict::Refusal
                | BruteForceVerdict::DelayGrowth
                | BruteForceVerdict::FixedDelay
        )
    }
}

/// Brute-force protection as observed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BruteForce {
    /// Wrong attempts made one after another.
    pub attempts: u32,
    /// Answer time of each sequential wrong attempt, milliseconds.
    pub answer_ms: Vec<u64>,
    /// Of the sequential attempts, those that completed (the service
    /// answered and refused the login).
    pub completed: u32,
    /// Answer time of each wrong attempt made at the same time, after the
    /// sequential ones, milliseconds, sorted (empty when fewer than 2).
    pub parallel_ms: Vec<u64>,
    /// Of the parallel attempts, those that completed.
    pub parallel_completed: u32,
    /// A working credential failed after the wrong attempts.
    pub locked_out: bool,
    /// Wrong attempts were refused before any answer (connection refused or
    /// closed at once) after completed ones: the index of the first.
    pub refused_after: Option<u32>,
    /// The judgement.
    pub verdict: BruteForceVerdict,
}

/// Credential results of one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialReport {
    /// `telnet`, `ssh`, `ftp`, `mqtt`, `rtsp`, `http-basic`, `http-digest`
    /// or `http-form`.
    pub mechanism: String,
    /// The negative control's outcome.
    pub negative_control: Attempt,
    /// The negative control positively failed (the service refused the
    /// random credential): only then do working pairs count.
    pub control_failed: bool,
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
    /// How long a service that speaks first may take to greet (a telnet
    /// login prompt, an FTP 220): at least `timeout`, longer on a device
    /// whose identification answer was slow.
    pub(crate) greeting: Duration,
}

impl CredentialSettings {
    fn waits(&self) -> Waits {
        Waits {
            answer: self.timeout,
            greeting: self.greeting.max(self.timeout),
        }
    }
}

/// How long one login attempt waits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Waits {
    /// For each answer.
    pub(crate) answer: Duration,
    /// For the service's first words (prompt, greeting).
    pub(crate) greeting: Duration,
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
/// `Ok(None)`: the service asks for no login the probe tests (a web page
/// without a challenge or a known form, an RTSP stream that is neither
/// open nor behind Basic or Digest).
///
/// # Errors
///
/// Why the service could not be examined (no answer, an answer whose head
/// cannot be read): the caller names it in the problems.
pub(crate) async fn assess(
    addr: SocketAddr,
    mut mechanism: &'static str,
    limiter: &Limiter,
    settings: &CredentialSettings,
) -> Result<Option<CredentialReport>, String> {
    let mut baseline = Baseline::None;
    if mechanism == "http-basic" {
        let answer = crate::http::http_get_checked(addr, limiter, settings.timeout)
            .await
            .map_err(|e| format!("GET /: {e}"))?;
        if answer.status == 401 && (answer.basic || answer.digest.is_some()) {
            // Basic or Digest on `/`.
            if !answer.basic {
                mechanism = "http-digest";
            }
            baseline = Baseline::Http(answer);
        } else {
            // A login form of a device family described in data.
            let Some((form, protected)) = forms::detect(addr, limiter, settings.timeout).await
            else {
                return Ok(None);
            };
            mechanism = "http-form";
            baseline = Baseline::Form(std::sync::Arc::new((form, protected)));
        }
    } else if mechanism == "rtsp" {
        let answer = rtsp::unauthenticated(addr, limiter, settings.timeout)
            .await
            .ok_or_else(|| "no RTSP answer to DESCRIBE".to_owned())?;
        if answer.has_sdp() {
            // The stream description is served to anyone.
            return Ok(Some(CredentialReport {
                mechanism: mechanism.to_owned(),
                negative_control: Attempt::Success {
                    proof: "DESCRIBE without credentials answered 200 with an SDP description"
                        .into(),
                },
                no_authentication: true,
                control_failed: false,
                working: Vec::new(),
                attempts: 0,
                unanswered: 0,
                unanswered_reason: None,
                brute_force: None,
            }));
        }
        if answer.status != 401 || !(answer.basic || answer.digest.is_some()) {
            return Ok(None);
        }
        baseline = Baseline::Rtsp(answer);
    }
    let mechanism_attempt = |user: String, password: String| {
        let baseline = baseline.clone();
        async move {
            let cred = Credential { user, password };
            attempt(addr, mechanism, limiter, &cred, &baseline, settings.waits()).await
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
    let list_run = try_list(addr, mechanism, limiter, &list, &baseline, settings.waits());
    let (control, tried) = tokio::join!(control_run, list_run);
    let mut report = CredentialReport {
        mechanism: mechanism.to_owned(),
        no_authentication: matches!(control, Attempt::Success { .. }),
        control_failed: matches!(control, Attempt::Failure { .. }),
        negative_control: control,
        working: Vec::new(),
        attempts: 0,
        unanswered: 0,
        unanswered_reason: None,
        brute_force: None,
    };
    if report.no_authentication {
        return Ok(Some(report));
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
    if settings.brute_force_attempts > 0 {
        report.brute_force = Some(
            measure_brute_force(
                addr,
                mechanism,
                limiter,
                &baseline,
                settings,
                report.working.first().map(|(c, _)| c),
                report.control_failed,
            )
            .await,
        );
    }
    Ok(Some(report))
}

/// Wrong logins one at a time (so a per-source delay shows as it grows),
/// then the same number at once (at most the service's parallel cap), then
/// the working credential again (lockout). Each wrong login has its own
/// random user name and password.
async fn measure_brute_force(
    addr: SocketAddr,
    mechanism: &'static str,
    limiter: &Limiter,
    baseline: &Baseline,
    settings: &CredentialSettings,
    working: Option<&Credential>,
    control_failed: bool,
) -> BruteForce {
    let wrong = || Credential {
        user: format!("ts{}", random_token()),
        password: format!("wrong-{}", random_token()),
    };
    let mut answer_ms = Vec::new();
    let mut completed = 0u32;
    let mut refused_after = None;
    for i in 0..settings.brute_force_attempts {
        let (outcome, took) = attempt(
            addr,
            mechanism,
            limiter,
            &wrong(),
            baseline,
            settings.waits(),
        )
        .await;
        answer_ms.push(u64::try_from(took.as_millis()).unwrap_or(u64::MAX));
        match outcome {
            Attempt::Failure { .. } => completed += 1,
            Attempt::Unknown { .. } if refused_after.is_none() && completed > 0 => {
                refused_after = Some(i);
            }
            _ => {}
        }
    }
    let parallel = usize::try_from(settings.brute_force_attempts)
        .unwrap_or(usize::MAX)
        .min(parallel_attempts(mechanism));
    // The parallel batch and the lockout check both come after the
    // sequential failures, so they run together.
    let parallel_run = async {
        let mut parallel_ms = Vec::new();
        let mut parallel_completed = 0u32;
        if parallel >= 2 && refused_after.is_none() {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..parallel {
                let (limiter, baseline, cred) = (limiter.clone(), baseline.clone(), wrong());
                let timeout = settings.waits();
                set.spawn(async move {
                    attempt(addr, mechanism, &limiter, &cred, &baseline, timeout).await
                });
            }
            while let Some(joined) = set.join_next().await {
                if let Ok((outcome, took)) = joined {
                    parallel_ms.push(u64::try_from(took.as_millis()).unwrap_or(u64::MAX));
                    if matches!(outcome, Attempt::Failure { .. }) {
                        parallel_completed += 1;
                    }
                }
            }
            parallel_ms.sort_unstable();
        }
        (parallel_ms, parallel_completed)
    };
    let lockout_run = async {
        match working {
            Some(cred) => {
                let (again, _) =
                    attempt(addr, mechanism, limiter, cred, baseline, settings.waits()).await;
                matches!(again, Attempt::Failure { .. })
            }
            None => false,
        }
    };
    let ((parallel_ms, parallel_completed), locked_out) = tokio::join!(parallel_run, lockout_run);
    let mut b = BruteForce {
        attempts: settings.brute_force_attempts,
        answer_ms,
        completed,
        parallel_ms,
        parallel_completed,
        locked_out,
        refused_after,
        verdict: BruteForceVerdict::Inconclusive,
    };
    b.verdict = if control_failed {
        brute_force_verdict(&b)
    } else {
        BruteForceVerdict::Inconclusive
    };
    b
}

/// Judge the measured wrong attempts: protection only from attempts that
/// completed, and a fixed delay only when parallel attempts were answered
/// one after another too.
pub(crate) fn brute_force_verdict(b: &BruteForce) -> BruteForceVerdict {
    if b.locked_out {
        return BruteForceVerdict::Lockout;
    }
    if b.refused_after.is_some() {
        return BruteForceVerdict::Refusal;
    }
    if b.completed < b.attempts || b.attempts == 0 {
        return BruteForceVerdict::Inconclusive;
    }
    let n = b.answer_ms.len();
    let first = b.answer_ms.first().copied().unwrap_or(0);
    let last = b.answer_ms.last().copied().unwrap_or(0);
    let before_last = n
        .checked_sub(2)
        .and_then(|i| b.answer_ms.get(i))
        .copied()
        .unwrap_or(0);
    let mut sorted = b.answer_ms.clone();
    sorted.sort_unstable();
    let median = sorted.get(n / 2).copied().unwrap_or(0);
    // Growth: the last answer at least twice the first plus 0.5 s (a fixed
    // 1 s delay on a 1 s timer tick, as lighttpd's, sometimes answers after
    // 2 s: jitter, not growth), and growing at each of the last two steps
    // (lighttpd also answers failures at once now and then: 0, 1, 1 s and
    // 1, 1, 1001 ms are a fixed delay on a timer tick, not growth).
    let before_before = n
        .checked_sub(3)
        .and_then(|i| b.answer_ms.get(i))
        .copied()
        .unwrap_or(0);
    if n >= 2
        && last >= first.saturating_mul(2).saturating_add(500)
        && (n < 3
            || (last >= before_last.saturating_add(250)
                && before_last >= before_before.saturating_add(250)))
    {
        return BruteForceVerdict::DelayGrowth;
    }
    if median < FIXED_DELAY_MS {
        // lighttpd's one-second timer now and then answers failures at
        // once: a delay seen on a sequential attempt and on every parallel
        // one, all served together, is a per-connection delay; otherwise
        // nothing limits guessing.
        let parallel_all_delayed = b.parallel_ms.len() >= 2
            && b.parallel_completed == u32::try_from(b.parallel_ms.len()).unwrap_or(u32::MAX)
            && b.parallel_ms
                .first()
                .is_some_and(|ms| *ms >= FIXED_DELAY_MS);
        let slowest_parallel = b.parallel_ms.last().copied().unwrap_or(0);
        let fastest_parallel = b.parallel_ms.first().copied().unwrap_or(0);
        return if sorted.last().is_some_and(|ms| *ms >= FIXED_DELAY_MS)
            && parallel_all_delayed
            && slowest_parallel < fastest_parallel.saturating_mul(2)
        {
            BruteForceVerdict::PerConnectionDelay
        } else {
            BruteForceVerdict::None
        };
    }
    let fastest = sorted
        .iter()
        .copied()
        .find(|ms| *ms >= FIXED_DELAY_MS)
        .unwrap_or(median);
    if b.parallel_ms.len() < 2 {
        // Only one attempt at a time was measured.
        return BruteForceVerdict::Inconclusive;
    }
    if b.parallel_completed < u32::try_from(b.parallel_ms.len()).unwrap_or(u32::MAX) {
        // Parallel attempts refused while sequential ones were answered: the
        // service limits concurrent guessing.
        return BruteForceVerdict::Refusal;
    }
    // Served one after another, the slowest of n parallel attempts waits
    // for about n delays; served together, all take about one.
    let slowest = b.parallel_ms.last().copied().unwrap_or(0);
    if slowest >= fastest.saturating_mul(2) {
        BruteForceVerdict::FixedDelay
    } else {
        BruteForceVerdict::PerConnectionDelay
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
    timeout: Waits,
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

pub(crate) fn random_token() -> String {
    hex::encode(random_bytes(6))
}

async fn attempt(
    addr: SocketAddr,
    mechanism: &str,
    limiter: &Limiter,
    cred: &Credential,
    baseline: &Baseline,
    waits: Waits,
) -> (Attempt, Duration) {
    let timeout = waits.answer;
    // Each mechanism measures its answer time after it holds a connection
    // slot, so waiting for the per-host cap never looks like a delay.
    match mechanism {
        "telnet" => telnet_attempt(addr, limiter, cred, waits).await,
        "ftp" => ftp_attempt(addr, limiter, cred, waits).await,
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

/// One login with `cred` on a service whose credential phase already ran
/// (its negative control failed): the baseline the mechanism needs is
/// fetched again (the unauthenticated 401 answer, the login form), then
/// exactly one attempt is made.
pub(crate) async fn single_attempt(
    addr: SocketAddr,
    mechanism: &str,
    limiter: &Limiter,
    cred: &Credential,
    timeout: Duration,
) -> Attempt {
    let baseline = match mechanism {
        "http-basic" | "http-digest" => {
            match crate::http::http_get(addr, limiter, None, timeout).await {
                Some(answer) if answer.status == 401 => Baseline::Http(answer),
                Some(answer) => {
                    return Attempt::Unknown {
                        reason: format!(
                            "the service no longer asks for a login (HTTP {})",
                            answer.status
                        ),
                    };
                }
                None => {
                    return Attempt::Unknown {
                        reason: "no answer to the unauthenticated request".into(),
                    };
                }
            }
        }
        "http-form" => match forms::detect(addr, limiter, timeout).await {
            Some(found) => Baseline::Form(std::sync::Arc::new(found)),
            None => {
                return Attempt::Unknown {
                    reason: "the login form was not found again".into(),
                };
            }
        },
        "rtsp" => match rtsp::unauthenticated(addr, limiter, timeout).await {
            Some(answer) => Baseline::Rtsp(answer),
            None => {
                return Attempt::Unknown {
                    reason: "no answer to the unauthenticated DESCRIBE".into(),
                };
            }
        },
        _ => Baseline::None,
    };
    // A device slow to greet (a late telnet prompt) gets twice the answer
    // time for its first words, as the credential phase gives it.
    let waits = Waits {
        answer: timeout,
        greeting: timeout.saturating_mul(2),
    };
    attempt(addr, mechanism, limiter, cred, &baseline, waits)
        .await
        .0
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

pub(crate) fn unknown(reason: &str) -> (Attempt, Duration) {
    (
        Attempt::Unknown {
            reason: reason.to_owned(),
        },
        Duration::ZERO,
    )
}

// ---- shared by the line-based protocols -----------------------------------

pub(crate) struct Conversation {
    pub(crate) stream: TcpStream,
    pub(crate) text: Vec<u8>,
    pub(crate) closed: bool,
}

impl Conversation {
    /// Read until one of `needles` (lowercase) appears in the text seen since
    /// `from`, the peer closes, or `wait` passes. Bounded to 64 KiB.
    pub(crate) async fn read_until(
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

    pub(crate) async fn send(&mut self, line: &str) -> bool {
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

    fn measured(seq: &[u64], completed: u32, par: &[u64], par_completed: u32) -> BruteForce {
        BruteForce {
            attempts: u32::try_from(seq.len()).unwrap_or(0),
            answer_ms: seq.to_vec(),
            completed,
            parallel_ms: par.to_vec(),
            parallel_completed: par_completed,
            locked_out: false,
            refused_after: None,
            verdict: BruteForceVerdict::Inconclusive,
        }
    }

    #[test]
    fn brute_force_is_a_pass_only_on_completed_attempts_that_show_limiting() {
        use BruteForceVerdict as V;
        let cases = [
            // A per-source delay: parallel attempts served one by one.
            (
                measured(&[1000, 1010, 1005], 3, &[1000, 2000, 3000], 3),
                V::FixedDelay,
            ),
            // A per-connection delay: parallel attempts all after one delay.
            (
                measured(&[1000, 1010, 1005], 3, &[1000, 1003, 1010], 3),
                V::PerConnectionDelay,
            ),
            // Growth.
            (measured(&[100, 400, 1800], 3, &[], 0), V::DelayGrowth),
            // lighttpd's one-second tick answering two failures at once:
            // one step is not growth, and the parallel attempts show the
            // delay is per connection.
            (
                measured(&[1, 1, 1001], 3, &[1000, 1001, 1002], 3),
                V::PerConnectionDelay,
            ),
            (measured(&[1, 1, 1001], 3, &[5, 6, 7], 3), V::None),
            (measured(&[1, 1, 1001], 3, &[1000, 2000, 3000], 3), V::None),
            // Fast answers.
            (measured(&[5, 6, 4], 3, &[5, 5, 6], 3), V::None),
            // No attempt completed (an SSH server with only legacy
            // algorithms): no verdict, whatever the times.
            (measured(&[0, 0, 0], 0, &[0, 0, 0], 0), V::Inconclusive),
            // One sequential attempt did not complete.
            (
                measured(&[1000, 1000, 1000], 2, &[1000, 2000, 3000], 3),
                V::Inconclusive,
            ),
            // Delayed, but parallel attempts were not measured.
            (measured(&[1000, 1000, 1000], 3, &[], 0), V::Inconclusive),
            // lighttpd now and then answers the first failure at once.
            (
                measured(&[3, 1001, 1000], 3, &[1000, 1001, 1002], 3),
                V::PerConnectionDelay,
            ),
            // Parallel attempts refused.
            (
                measured(&[1000, 1000, 1000], 3, &[1000, 0, 0], 1),
                V::Refusal,
            ),
        ];
        for (b, want) in cases {
            assert_eq!(brute_force_verdict(&b), want, "{b:?}");
        }
        let mut locked = measured(&[5, 5, 5], 3, &[5, 5, 5], 3);
        locked.locked_out = true;
        assert_eq!(brute_force_verdict(&locked), V::Lockout);
        let mut refused = measured(&[5, 5, 0], 2, &[], 0);
        refused.refused_after = Some(2);
        assert_eq!(brute_force_verdict(&refused), V::Refusal);
    }
}
