//! `fw-empty-password`: an account that can log in has no password at all.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};
use crate::credentials::PasswordField;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-empty-password",
        title: "Account without a password",
        severity: Severity::Critical,
        provisions: &["5.1-1"],
        test_units: &["5.1-1-2"],
        what: "Looks for accounts in passwd, shadow and htpasswd files whose password field is empty, where the account has a login shell.",
        why: "An empty password is the same on every unit and needs no guessing: it defeats 5.1-1 outright.",
        fix: "Lock the account (`*` or `!` in the password field) or require the user to set a password before first use.",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.accounts
        .iter()
        .filter(|a| a.account.password == PasswordField::Empty)
        .filter(|a| a.account.can_log_in() && ctx.can_log_in(&a.account.user))
        .map(|a| {
            ctx.finding(
                &CHECK.info,
                &a.file,
                format!(
                    "Account `{}` (line {}) has an empty password and can log in",
                    a.account.user, a.account.line
                ),
                Some(a.account.text.clone()),
            )
        })
        .collect()
}
