//! `decl-ics-contradicted`: an ICS answer or condition that says a feature is absent, contradicted by what the firmware or the live device shows.

use touchstone_core::{Finding, Location, Severity};
use touchstone_fwchecks::checks::update_evidence::UpdateKind;
use touchstone_fwchecks::credentials::PasswordField;
use touchstone_project::Support;

use crate::check::{Check, CheckInfo, Input, Needs, finding, network};
use crate::checks::narrow;
use crate::checks::undeclared_account::can_log_in;
use crate::kinds;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "decl-ics-contradicted",
        title: "ICS declares absent what the device shows",
        severity: Severity::Medium,
        provisions: &["5.6-4", "5.1-1", "5.1-4", "5.3-9", "5.3-10"],
        test_units: &[
            "5.6-4-2a",
            "5.6-4-2b",
            "5.1-1-2a",
            "5.1-4-2a",
            "5.3-9-1a",
            "5.3-10-1c",
        ],
        what: "Reads the conditions the project declares not to hold and the provisions the ICS answers N/A, and looks for observations that contradict them: a debug interface declared unreachable (condition 13, 5.6-4) while the image opens a serial console or shell, starts a debug daemon, or the device offers telnet or another debug service; passwords declared unused (condition 1, 5.1-1) or no user authentication (condition 8, 5.1-4) while the image holds password hashes of login accounts or the device asks for a login; no update mechanism (condition 12, 5.3-9) while the image has update tools; no network updates (condition 11, 5.3-10) while an update script downloads from the network. One finding per observation, naming the contested provision.",
        why: "An N/A answer removes the provision's test cases from the plan: the engine never evaluates them. If the observation shows the condition does hold, the ICS answer is wrong and the provision must be assessed (the report also notes that findings bear on a provision answered N/A).",
        fix: "Correct the ICS (answer Y or N and declare the condition as holding), or remove what contradicts it from the product (the console, the debug service, the accounts, the update tools).",
        needs: Needs::Either,
    },
    run,
};

/// What a claim says and the provision it excuses.
struct Claim {
    /// The condition declared not to hold.
    condition: u32,
    /// The provision answered N/A because of it.
    provision: &'static str,
    /// What the claim says, for messages.
    says: &'static str,
    units: &'static [&'static str],
}

const DEBUG: Claim = Claim {
    condition: 13,
    provision: "5.6-4",
    says: "no debug interface can be reached",
    units: &["5.6-4-2a", "5.6-4-2b"],
};
const PASSWORDS: Claim = Claim {
    condition: 1,
    provision: "5.1-1",
    says: "no passwords are in use",
    units: &["5.1-1-2a"],
};
const USER_AUTH: Claim = Claim {
    condition: 8,
    provision: "5.1-4",
    says: "users cannot authenticate to the device",
    units: &["5.1-4-2a"],
};
const UPDATES: Claim = Claim {
    condition: 12,
    provision: "5.3-9",
    says: "no update mechanism exists",
    units: &["5.3-9-1a"],
};
const NETWORK_UPDATES: Claim = Claim {
    condition: 11,
    provision: "5.3-10",
    says: "updates are not delivered through a network interface",
    units: &["5.3-10-1c"],
};

/// How the project makes the claim, if it does.
fn made(input: &Input<'_>, claim: &Claim) -> Option<String> {
    let condition = input.declared.condition_false(claim.condition);
    let na = input.declared.support(claim.provision) == Some(Support::NA);
    match (condition, na) {
        (true, true) => Some(format!(
            "condition {} is declared not to hold and the ICS answers {} N/A",
            claim.condition, claim.provision
        )),
        (true, false) => Some(format!(
            "condition {} is declared not to hold",
            claim.condition
        )),
        (false, true) => Some(format!("the ICS answers {} N/A", claim.provision)),
        (false, false) => None,
    }
}

/// Firmware checks whose findings show a debug interface.
const DEBUG_CHECKS: &[&str] = &[
    "fw-serial-login",
    "fw-console-shell",
    "fw-boot-console",
    "fw-debug-service",
    "fw-telnet-service",
];

/// Observations per claim, at most this many findings each.
const MAX_PER_CLAIM: usize = 10;

fn run(input: &Input<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |claim: &Claim,
                    how: &str,
                    location: Location,
                    seen: String,
                    evidence: Option<String>,
                    count: &mut usize| {
        if *count >= MAX_PER_CLAIM {
            return;
        }
        *count += 1;
        let units = claim.units;
        out.push(narrow(
            finding(
                &CHECK.info,
                location,
                format!("{how} ({}), but {seen}", claim.says),
                evidence,
            ),
            &[claim.provision],
            units,
        ));
    };
    let live = input.live();
    // Live logins (a negative control refused a random login).
    let logins: Vec<_> = live
        .map(|l| {
            l.report
                .credentials
                .iter()
                .filter(|e| e.report.control_failed && !e.report.no_authentication)
                .collect()
        })
        .unwrap_or_default();
    for claim in [&DEBUG, &PASSWORDS, &USER_AUTH, &UPDATES, &NETWORK_UPDATES] {
        let Some(how) = made(input, claim) else {
            continue;
        };
        let mut count = 0usize;
        let n = claim.condition;
        if n == DEBUG.condition {
            for image in input.images() {
                for f in image
                    .findings
                    .iter()
                    .filter(|f| DEBUG_CHECKS.contains(&f.check.as_str()))
                {
                    let location = f.location.clone().unwrap_or(Location::Document {
                        uri: image.name.clone(),
                    });
                    push(
                        claim,
                        &how,
                        location,
                        format!(
                            "the firmware shows a debug interface: {} ({})",
                            f.message, f.check
                        ),
                        f.evidence.clone(),
                        &mut count,
                    );
                }
            }
            if let Some(l) = live {
                for s in &l.report.services {
                    let Some(k) = kinds::of_service(&s.service, s.port).filter(|k| k.debug) else {
                        continue;
                    };
                    push(
                        claim,
                        &how,
                        network(&s.host, s.port, s.transport.as_str(), &s.service),
                        format!("the device offers {} on port {}", k.title, s.port),
                        crate::checks::banner(s.evidence.as_deref()),
                        &mut count,
                    );
                }
            }
        }
        if n == PASSWORDS.condition || n == USER_AUTH.condition {
            for e in &logins {
                push(
                    claim,
                    &how,
                    network(&e.host, e.port, "tcp", &e.service),
                    format!(
                        "the {} service on port {} asks for a login ({}) and refused a random one",
                        e.service, e.port, e.report.mechanism
                    ),
                    Some(e.report.mechanism.clone()),
                    &mut count,
                );
            }
            for image in input.images() {
                for tree in &image.trees {
                    for a in tree.accounts.iter().filter(|a| {
                        matches!(a.account.password, PasswordField::Hash(_))
                            && (a.file.contains("htpasswd")
                                || can_log_in(&tree.accounts, &a.account.user))
                    }) {
                        push(
                            claim,
                            &how,
                            image.place(&tree.layers, &a.file),
                            format!(
                                "the firmware holds a password hash for the login account `{}` ({} line {})",
                                a.account.user, a.file, a.account.line
                            ),
                            Some(a.account.text.clone()),
                            &mut count,
                        );
                    }
                }
            }
        }
        if n == UPDATES.condition || n == NETWORK_UPDATES.condition {
            let wanted: &[UpdateKind] = if n == UPDATES.condition {
                &[UpdateKind::Tool, UpdateKind::SigningKeys]
            } else {
                &[UpdateKind::PlainHttp]
            };
            for image in input.images() {
                for tree in &image.trees {
                    for u in tree.updates.iter().filter(|u| wanted.contains(&u.kind)) {
                        push(
                            claim,
                            &how,
                            image.place(&tree.layers, &u.path),
                            format!("the firmware shows: {}", u.message),
                            u.evidence.clone(),
                            &mut count,
                        );
                    }
                }
            }
        }
    }
    out
}
