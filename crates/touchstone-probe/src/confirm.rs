//! One live login per credential found in a firmware image.
//!
//! A password cracked from the image's hashes, or written on a boot command
//! line, is a claim about every unit of the product; one login with proof
//! on the device under test confirms it. [`confirm_logins`] makes that
//! login, and nothing else:
//!
//! * only on services of the probe's own report, so only on the explicit
//!   target the probe accepted, and only on services whose negative
//!   control failed (the service refused a random login, so a success
//!   means something) and that enforce authentication;
//! * only with the mechanisms the credential can open (a system account's
//!   password on telnet, SSH and FTP; a web server's password file on HTTP);
//! * exactly one attempt per credential and service, one at a time, at most
//!   [`MAX_CANDIDATES`] credentials and [`MAX_ATTEMPTS`] attempts in all,
//!   each bounded by the probe's I/O timeout;
//! * a pair the probe's default-credential run already proved is not tried
//!   again: its proof is reused.
//!
//! The outcome carries the same positive proof as the default-credential
//! test (a shell's arithmetic, FTP `257`, an authenticated page that differs
//! from the 401 answer). Passwords are kept in the result; whoever shows it
//! redacts them unless asked to show secrets.

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use crate::creds::{Attempt, Credential, protocol_of, single_attempt};
use crate::limiter::Limiter;
use crate::{Options, ProbeError, ProbeReport};

/// Credentials tried at most.
pub const MAX_CANDIDATES: usize = 16;
/// Login attempts made at most, over all credentials and services.
pub const MAX_ATTEMPTS: usize = 32;

/// A credential found in a firmware image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCandidate {
    /// User name.
    pub user: String,
    /// Password.
    pub password: String,
    /// Where it was found, for the evidence (image, file, line, how).
    pub source: String,
    /// The credential-list protocols it may open (`telnet`, `ssh`, `ftp`,
    /// `http`, `mqtt`, `rtsp`).
    pub protocols: Vec<String>,
}

/// What one login with a firmware credential showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoginConfirmation {
    /// Host address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Service name.
    pub service: String,
    /// Login mechanism (`telnet`, `ssh`, `http-basic` ...).
    pub mechanism: String,
    /// User name.
    pub user: String,
    /// Password (redact before showing).
    pub password: String,
    /// Where the credential was found.
    pub source: String,
    /// The outcome, with the proof of a success.
    pub outcome: Attempt,
    /// The probe's default-credential run had already proven this pair on
    /// this service: no new attempt was made.
    pub earlier: bool,
}

/// The (service, mechanism) pairs a candidate may be tried on, in report order.
fn plan<'a>(
    report: &'a ProbeReport,
    candidates: &'a [LoginCandidate],
) -> Vec<(&'a LoginCandidate, &'a crate::CredentialEndpoint)> {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    let mut out = Vec::new();
    for c in candidates {
        if seen.contains(&(c.user.as_str(), c.password.as_str())) {
            continue;
        }
        if seen.len() >= MAX_CANDIDATES {
            break;
        }
        seen.push((&c.user, &c.password));
        for e in &report.credentials {
            let r = &e.report;
            if !r.control_failed || r.no_authentication {
                continue;
            }
            if c.protocols.iter().any(|p| p == protocol_of(&r.mechanism)) {
                out.push((c, e));
            }
        }
    }
    out
}

/// Try each candidate once on each login service of `report` it may open.
pub async fn confirm(
    report: &ProbeReport,
    candidates: &[LoginCandidate],
    options: &Options,
) -> Vec<LoginConfirmation> {
    if report.dry_run {
        return Vec::new();
    }
    let limiter = Limiter::new(1, options.max_connections_per_second);
    let mut attempts = 0usize;
    let mut out = Vec::new();
    for (c, e) in plan(report, candidates) {
        let r = &e.report;
        let earlier = r
            .working
            .iter()
            .find(|(w, _)| w.user == c.user && w.password == c.password);
        let outcome = if let Some((_, proof)) = earlier {
            Attempt::Success {
                proof: proof.clone(),
            }
        } else {
            if attempts >= MAX_ATTEMPTS {
                continue;
            }
            let Ok(ip) = e.host.parse::<IpAddr>() else {
                continue;
            };
            attempts += 1;
            let cred = Credential {
                user: c.user.clone(),
                password: c.password.clone(),
            };
            single_attempt(
                SocketAddr::new(ip, e.port),
                &r.mechanism,
                &limiter,
                &cred,
                options.io_timeout,
            )
            .await
        };
        out.push(LoginConfirmation {
            host: e.host.clone(),
            port: e.port,
            service: e.service.clone(),
            mechanism: r.mechanism.clone(),
            user: c.user.clone(),
            password: c.password.clone(),
            source: c.source.clone(),
            outcome,
            earlier: earlier.is_some(),
        });
    }
    out
}

/// [`confirm`] on a runtime of its own.
///
/// # Errors
///
/// [`ProbeError::Runtime`] when no runtime starts.
pub fn confirm_logins(
    report: &ProbeReport,
    candidates: &[LoginCandidate],
    options: &Options,
) -> Result<Vec<LoginConfirmation>, ProbeError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ProbeError::Runtime(e.to_string()))?;
    Ok(runtime.block_on(confirm(report, candidates, options)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::CredentialReport;
    use crate::{CredentialEndpoint, empty_report};

    fn endpoint(port: u16, mechanism: &str, control_failed: bool) -> CredentialEndpoint {
        CredentialEndpoint {
            host: "192.0.2.1".into(),
            port,
            service: mechanism.into(),
            report: CredentialReport {
                mechanism: mechanism.into(),
                negative_control: Attempt::Failure {
                    answer: "no".into(),
                },
                control_failed,
                no_authentication: false,
                working: Vec::new(),
                attempts: 0,
                unanswered: 0,
                unanswered_reason: None,
                brute_force: None,
            },
        }
    }

    fn candidate(user: &str, protocols: &[&str]) -> LoginCandidate {
        LoginCandidate {
            user: user.into(),
            password: "pw".into(),
            source: "fw.bin".into(),
            protocols: protocols.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn only_services_whose_control_failed_and_whose_mechanism_fits() {
        let mut r = empty_report();
        r.credentials = vec![
            endpoint(23, "telnet", true),
            endpoint(22, "ssh", false),
            endpoint(80, "http-basic", true),
        ];
        let c = [
            candidate("root", &["telnet", "ssh"]),
            candidate("web", &["http"]),
            candidate("root", &["telnet"]),
        ];
        let p: Vec<(String, u16)> = plan(&r, &c)
            .iter()
            .map(|(c, e)| (c.user.clone(), e.port))
            .collect();
        assert_eq!(p, [("root".to_owned(), 23), ("web".to_owned(), 80)]);
        let many: Vec<LoginCandidate> = (0..40)
            .map(|i| candidate(&format!("u{i}"), &["telnet"]))
            .collect();
        assert_eq!(plan(&r, &many).len(), MAX_CANDIDATES);
    }
}
