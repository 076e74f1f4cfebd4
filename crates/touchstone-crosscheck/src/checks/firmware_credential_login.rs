//! `xc-firmware-credential-login`: a password recovered from the firmware logs in to the live device.

use touchstone_core::{Finding, Severity, Supports};
use touchstone_probe::creds::Attempt;

use crate::check::{Check, CheckInfo, Input, Needs, finding, network};
use crate::checks::{excerpt, narrow};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "xc-firmware-credential-login",
        title: "Firmware password logs in to the device",
        severity: Severity::Critical,
        provisions: &["5.1-1", "5.4-3"],
        test_units: &["5.1-1-2a", "5.1-1-2b", "5.4-3-2a"],
        what: "Takes every credential the firmware scan recovered (passwords cracked from the hashes of login accounts, credentials written on boot command lines such as `telnetd -u user:password`) and logs in once with it on each live service it may open (system accounts on telnet, SSH and FTP; web password files on HTTP), only on services whose negative control refused a random login. A login counts only with the probe's positive proof (a shell computing arithmetic, FTP `257`, an authenticated page differing from the 401 answer). A pair the probe's default-credential test already proved is not tried again. Refused and undecided attempts are reported as information.",
        why: "A password read from the image is the same on every unit that runs it. Cracking it offline shows it exists; one proven login shows it is in use on the device: a universal default password (5.1-1) and a hard-coded credential (5.4-3) that anyone with the firmware can use on every unit.",
        fix: "Remove the account or the credential from the image, and have each unit get a unique password at manufacture or the user set one at first use; disable the service that accepts it if it is not needed.",
        needs: Needs::Both,
    },
    run,
};

fn run(input: &Input<'_>) -> Vec<Finding> {
    let Some(live) = input.live() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in &live.confirmations {
        let location = network(&c.host, c.port, "tcp", &c.service);
        // The user name stays outside back quotes: only quoted text is
        // masked in messages, and a user named like its password would be.
        let pair = format!(
            "of user {} (password `{}`)",
            c.user,
            input.secret(&c.password)
        );
        match &c.outcome {
            Attempt::Success { proof } => {
                let how = if c.earlier {
                    "the probe's default-credential test had already logged in with it"
                } else {
                    "one login proved it"
                };
                out.push(finding(
                    &CHECK.info,
                    location,
                    format!(
                        "The firmware credential {pair} logs in to {} on port {} ({how})",
                        c.mechanism, c.port
                    ),
                    Some(format!("from {}\nproof: {}", c.source, excerpt(proof, 200))),
                ));
            }
            Attempt::Failure { answer } => {
                let mut f = narrow(
                    finding(
                        &CHECK.info,
                        location,
                        format!(
                            "The firmware credential {pair} was refused by {} on port {}",
                            c.mechanism, c.port
                        ),
                        Some(format!(
                            "from {}\nanswer: {}",
                            c.source,
                            excerpt(answer, 200)
                        )),
                    ),
                    &["5.1-1"],
                    &["5.1-1-2a"],
                );
                f.supports = Supports::Info;
                f.severity = Severity::Info;
                out.push(f);
            }
            Attempt::Unknown { reason } => {
                let mut f = narrow(
                    finding(
                        &CHECK.info,
                        location,
                        format!(
                            "The login with the firmware credential {pair} on {} port {} gave no verdict",
                            c.mechanism, c.port
                        ),
                        Some(format!(
                            "from {}\nreason: {}",
                            c.source,
                            excerpt(reason, 200)
                        )),
                    ),
                    &["5.1-1"],
                    &["5.1-1-2a"],
                );
                f.supports = Supports::Info;
                f.severity = Severity::Info;
                out.push(f);
            }
        }
    }
    out
}
