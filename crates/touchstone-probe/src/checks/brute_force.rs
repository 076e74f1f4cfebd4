//! `net-brute-force-protection`: what happens after repeated wrong logins.
//!
//! # What it checks
//!
//! After the credential list, makes a small, fixed number of wrong login
//! attempts (default 3, one at a time; `--brute-force-attempts`) on each login service (telnet, SSH,
//! FTP, MQTT, RTSP, HTTP Basic, Digest and forms) and measures the answer
//! time of each; other services are probed meanwhile, within the per-host
//! connection cap. Then, if a working credential is known, tries it again. The
//! verdict is `lockout` (the working credential now fails), `refusal` (the
//! service stops answering attempts), `delay-growth` (the last answer took
//! at least twice as long as the first plus 0.5 s), `fixed-delay` (every
//! wrong attempt took at least 0.9 s; this slows one connection, not
//! parallel ones), or `none`.
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
        let times: Vec<String> = b.answer_ms.iter().map(|ms| format!("{ms} ms")).collect();
        let evidence = Some(format!("answer times: {}", times.join(", ")));
        let location = network(&c.host, c.port, Transport::Tcp, &c.service);
        let (severity, supports, message) = match b.verdict.as_str() {
            "none" => (
                Severity::Low,
                Supports::Info,
                format!(
                    "no lockout, refusal or delay growth within {} wrong {} logins",
                    b.attempts, c.report.mechanism
                ),
            ),
            verdict => (
                Severity::Info,
                Supports::Pass,
                format!(
                    "{verdict} observed after {} wrong {} logins",
                    b.attempts, c.report.mechanism
                ),
            ),
        };
        out.push(finding(
            &INFO, severity, supports, location, message, evidence,
        ));
    }
    out
}
