//! `fw-default-password`: an account's password hash cracks with a universal default or weak password.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};
use crate::credentials::credentials;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-default-password",
        title: "Password hash cracks with a default or weak password",
        severity: Severity::Critical,
        provisions: &["5.1-1", "5.1-2", "5.4-3"],
        test_units: &["5.1-1-2", "5.1-2-2", "5.4-3-2"],
        what: "Cracks every password hash in passwd, shadow and htpasswd files (including copies such as passwd.bak that boot scripts put in place) offline against the bundled lists: the Mirai botnet's 60 pairs, vendor factory defaults and the commonest weak passwords. Tries are bounded per hash by the cost of its scheme.",
        why: "A password baked into the firmware is the same on every unit: anyone who reads one image, or runs a botnet's list, logs into all of them. EN 303 645 5.1-1 requires passwords to be unique per device or set by the user; a password hard-coded in software is also a hard-coded critical security parameter (5.4-3).",
        fix: "Do not ship account passwords in the image. Lock system accounts (`*` or `!` in shadow), and have the user set a password at first use, or provision a unique per-device password generated at manufacture.",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let creds = credentials();
    ctx.cracked()
        .iter()
        .map(|c| {
            let list = creds
                .source_of(&c.user, &c.password)
                .map_or("bundled lists", |l| l.title.as_str());
            let shown = if c.password.is_empty() {
                "an empty password (the hash is of the empty string)".to_owned()
            } else {
                format!("the password `{}`", ctx.secret(&c.password))
            };
            ctx.finding(
                &CHECK.info,
                &c.file,
                format!(
                    "Account `{}` ({} hash, line {}) has {shown}, found after {} tries ({list}){}",
                    c.user,
                    c.scheme,
                    c.line,
                    c.tries,
                    if c.can_log_in {
                        ""
                    } else {
                        "; the account has no login shell"
                    }
                ),
                Some(c.text.clone()),
            )
        })
        .collect()
}
