//! `net-brute-force-protection`: what happens after repeated wrong logins.
//!
//! # What it checks
//!
//! After the credential list, makes a small, fixed number of wrong login
//! attempts (default 3; `--brute-force-attempts`) on each login service
//! (telnet, SSH, FTP, MQTT, RTSP, HTTP Basic, Digest and forms) one at a
//! time, then the same number at once (at most the service's parallel cap),
//! each with its own random user name and password, and measures the
//! answer time of each; then, if a working credential is known, tries it
//! again. Only attempts that *completed* (the service answered and refused)
//! count. The verdict ([`crate::creds::BruteForceVerdict`]) is `lockout`
//! (the working credential now fails), `refusal` (the service refused
//! attempts after answering earlier ones, or refused parallel ones),
//! `delay-growth` (the last answer took at least twice as long as the first
//! plus 0.5 s), `fixed-delay` (every wrong attempt took at least 0.9 s and
//! parallel attempts were answered one after another), all protection (a
//! pass); `per-connection-delay` (a delay, but parallel attempts all
//! answered after one delay: guessing in parallel is not limited), `none`,
//! or `inconclusive` (attempts did not complete, or the negative control
//! did not clearly fail), which are information.
//!
//! # Why it matters
//!
//! EN 303 645 5.1-5 requires a mechanism that makes brute-force attacks on
//! network authentication impracticable.
//!
//! # How to fix
//!
//! Delay answers exponentially after failures, or lock the account or the
//! source temporarily.
//!
//! # Provisions and test units
//!
//! 5.1-5 (test unit 5.1-5-2b). A protection observed supports a pass. None
//! observed within the few attempts is information, not a failure: the IXIT
//! may document a threshold above the number tried.

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, network};
use crate::creds::BruteForceVerdict;
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-brute-force-protection",
    provisions: &["5.1-5"],
    test_units: &["5.1-5-2b"],
    summary: "brute-force protection observed after a few wrong logins",
};

/// One finding per measured service.
pub fn run(report: &ProbeReport) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &report.credentials {
        let Some(b) = &c.report.brute_force else {
            continue;
        };
        if c.report.no_authentication {
            continue;
        }
        let ms = |v: &[u64]| {
            v.iter()
                .map(|ms| format!("{ms} ms"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let evidence = Some(format!(
            "sequential answer times: {} ({} of {} completed); parallel: {} ({} of {} completed){}",
            ms(&b.answer_ms),
            b.completed,
            b.attempts,
            if b.parallel_ms.is_empty() {
                "not measured".to_owned()
            } else {
                ms(&b.parallel_ms)
            },
            b.parallel_completed,
            b.parallel_ms.len(),
            if b.locked_out {
                "; the working credential failed afterwards"
            } else {
                ""
            }
        ));
        let location = network(&c.host, c.port, Transport::Tcp, &c.service);
        let mechanism = &c.report.mechanism;
        let (severity, supports, message) = match b.verdict {
            v if v.is_protection() => (
                Severity::Info,
                Supports::Pass,
                format!(
                    "{} observed after {} wrong {mechanism} logins",
                    v.as_str(),
                    b.attempts
                ),
            ),
            BruteForceVerdict::PerConnectionDelay => (
                Severity::Low,
                Supports::Info,
                format!(
                    "each wrong {mechanism} login is delayed, but {} parallel wrong logins were all answered after one delay: guessing in parallel is not limited",
                    b.parallel_ms.len()
                ),
            ),
            BruteForceVerdict::Inconclusive => (
                Severity::Info,
                Supports::Info,
                if c.report.control_failed {
                    format!(
                        "brute-force protection inconclusive: {} of {} wrong {mechanism} logins completed",
                        b.completed, b.attempts
                    )
                } else {
                    format!(
                        "brute-force protection inconclusive: the negative control on {mechanism} did not clearly fail"
                    )
                },
            ),
            _ => (
                Severity::Low,
                Supports::Info,
                format!(
                    "no lockout, refusal or delay growth within {} wrong {mechanism} logins",
                    b.attempts
                ),
            ),
        };
        out.push(finding(
            &INFO, severity, supports, location, message, evidence,
        ));
    }
    out
}
