//! `net-default-credential`: universal default passwords that log in.
//!
//! # What it checks
//!
//! Tries the bundled default credentials (the list shared with the firmware
//! checks, `touchstone-core/data/credentials.toml`, each list naming the
//! protocols it applies to) on every telnet, SSH, FTP, MQTT, RTSP and HTTP
//! service (Basic, Digest, or a login form of `data/http-forms.toml`), one
//! connection per attempt, at most 4 at once, stopping at the first proven
//! login. A negative control with a random credential runs alongside; if it
//! succeeds, no pair is reported (see `net-no-authentication`). A pair is
//! reported only with a positive proof:
//!
//! * telnet: a shell computed `echo TS$((6*7))X`;
//! * SSH: the server accepted the password (or keyboard-interactive
//!   answers) and, when it grants a session, `echo TS$((A+B))X` with two
//!   random numbers printed their sum (a session that does not compute
//!   fails the attempt);
//! * FTP: 230 to `PASS`, then 257 to `PWD`;
//! * MQTT: CONNACK 0 where the control got 4 or 5;
//! * HTTP Basic/Digest: 2xx with other content than the 401 page;
//! * RTSP: `DESCRIBE` answered 200 with an SDP description instead of 401;
//! * HTTP forms: every success marker of the form (status, `Location`,
//!   cookie, body) and the form's protected page served, with its marker,
//!   to the session the login set, unlike to a request without it.
//!
//! # Why it matters
//!
//! EN 303 645 5.1-1 forbids universal default passwords: the Mirai family
//! spread through exactly these pairs.
//!
//! # How to fix
//!
//! Give every device a unique password (5.1-2) or make the user set one
//! before the service can be used.
//!
//! # Provisions and test units
//!
//! 5.1-1 (test unit 5.1-1-2b). Services where no pair worked get an
//! information finding naming how many pairs were tried: a short list is no
//! proof of absence. The default list is cut at 16 pairs per service
//! (`Options::max_credential_attempts`); the probe reports the first proven
//! pair of a service, not every one.

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, network};
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-default-credential",
    provisions: &["5.1-1"],
    test_units: &["5.1-1-2b"],
    summary: "universal default credentials that log in, with proof",
};

/// A critical failure per working pair; information where none worked.
pub fn run(report: &ProbeReport) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &report.credentials {
        let location = network(&c.host, c.port, Transport::Tcp, &c.service);
        if c.report.no_authentication {
            continue; // reported by net-no-authentication
        }
        if !c.report.control_failed && !c.report.working.is_empty() {
            // A login that "works" counts only against a refused random
            // credential: a service that stalls or garbles the control may
            // accept anything.
            let pairs: Vec<String> = c
                .report
                .working
                .iter()
                .map(|(cred, _)| format!("{}:{}", cred.user, cred.password))
                .collect();
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Info,
                location,
                format!(
                    "inconclusive: {} logged in to {}, but the negative control (a random credential) was not clearly refused",
                    pairs.join(", "),
                    c.report.mechanism
                ),
                Some(format!("negative control: {:?}", c.report.negative_control)),
            ));
            continue;
        }
        for (cred, proof) in &c.report.working {
            out.push(finding(
                &INFO,
                Severity::Critical,
                Supports::Fail,
                location.clone(),
                format!(
                    "default credential {}:{} logs in to {} ({})",
                    cred.user,
                    cred.password,
                    c.report.mechanism,
                    if cred.password.is_empty() {
                        "empty password"
                    } else {
                        "universal default"
                    }
                ),
                Some(proof.clone()),
            ));
        }
        if c.report.working.is_empty()
            && c.report.attempts > 0
            && c.report.unanswered == c.report.attempts
        {
            // Nothing was refused either: the service could not be tested.
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Info,
                location,
                format!(
                    "default credentials could not be tried on {}: none of {} attempts got an answer",
                    c.report.mechanism, c.report.attempts
                ),
                c.report.unanswered_reason.clone(),
            ));
        } else if c.report.working.is_empty() {
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Info,
                location,
                format!(
                    "none of {} default credentials logged in to {}",
                    c.report.attempts, c.report.mechanism
                ),
                None,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CredentialEndpoint;
    use crate::creds::{Attempt, Credential, CredentialReport};

    fn endpoint(port: u16, working: bool, attempts: u32, unanswered: u32) -> CredentialEndpoint {
        CredentialEndpoint {
            host: "10.0.0.2".into(),
            port,
            service: "ssh".into(),
            report: CredentialReport {
                mechanism: "ssh".into(),
                negative_control: Attempt::Failure {
                    answer: "password refused".into(),
                },
                control_failed: true,
                no_authentication: false,
                working: if working {
                    vec![(
                        Credential {
                            user: "admin".into(),
                            password: String::new(),
                        },
                        "proof".into(),
                    )]
                } else {
                    Vec::new()
                },
                attempts,
                unanswered,
                unanswered_reason: (unanswered > 0).then(|| "SSH handshake failed".into()),
                brute_force: None,
            },
        }
    }

    #[test]
    fn working_refused_and_untestable_services_are_told_apart() {
        let mut report = crate::empty_report();
        report.credentials = vec![
            endpoint(22, true, 3, 0),
            endpoint(23, false, 16, 2),
            endpoint(24, false, 16, 16),
        ];
        let got: Vec<(String, String, Option<String>)> = run(&report)
            .into_iter()
            .map(|f| (f.supports.as_str().to_owned(), f.message, f.evidence))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "fail".into(),
                    "default credential admin: logs in to ssh (empty password)".into(),
                    Some("proof".into())
                ),
                (
                    "info".into(),
                    "none of 16 default credentials logged in to ssh".into(),
                    None
                ),
                (
                    "info".into(),
                    "default credentials could not be tried on ssh: none of 16 attempts got an answer"
                        .into(),
                    Some("SSH handshake failed".into())
                ),
            ]
        );
    }
}
