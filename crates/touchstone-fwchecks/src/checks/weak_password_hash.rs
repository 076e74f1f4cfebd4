//! `fw-weak-password-hash`: passwords are stored with an obsolete hash scheme.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};
use crate::credentials::{PasswordField, identify};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-weak-password-hash",
        title: "Password stored with an obsolete hash scheme",
        severity: Severity::Medium,
        provisions: &["5.1-3", "5.4-1"],
        test_units: &["5.1-3-2", "5.4-1-2"],
        what: "Reports password hashes in DES crypt (8-character limit, 12-bit salt), md5crypt or Apache apr1 instead of sha512crypt, bcrypt or yescrypt.",
        why: "Authentication must rest on best-practice cryptography (5.1-3) and stored secrets must be protected (5.4-1). These schemes are fast enough to brute-force on commodity hardware, and DES crypt silently truncates passwords to 8 characters.",
        fix: "Hash passwords with yescrypt, bcrypt or sha512crypt (BusyBox: `CONFIG_FEATURE_DEFAULT_PASSWD_ALGO=\"sha512\"`).",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.accounts
        .iter()
        .filter_map(|a| match &a.account.password {
            PasswordField::Hash(h) if identify(h).is_weak() => Some((a, identify(h))),
            _ => None,
        })
        .map(|(a, scheme)| {
            ctx.finding(
                &CHECK.info,
                &a.file,
                format!(
                    "Account `{}` (line {}) stores its password as {}",
                    a.account.user,
                    a.account.line,
                    scheme.name()
                ),
                Some(a.account.text.clone()),
            )
        })
        .collect()
}
