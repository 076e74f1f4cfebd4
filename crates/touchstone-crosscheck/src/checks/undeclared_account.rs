//! `decl-undeclared-account`: password accounts in the firmware that no 1-AuthMech entry describes.

use std::collections::BTreeMap;

use touchstone_core::{Finding, Severity};
use touchstone_fwchecks::check::SourcedAccount;
use touchstone_fwchecks::credentials::PasswordField;

use crate::check::{Check, CheckInfo, Input, Needs, finding};
use crate::checks::{SYSTEM_LOGIN_WORDS, WEB_LOGIN_WORDS, names_any};
use crate::declared::table;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "decl-undeclared-account",
        title: "Password accounts in the firmware that the IXIT does not declare",
        severity: Severity::Medium,
        provisions: &["5.1-1"],
        test_units: &["5.1-1-2a"],
        what: "Lists, per file, the accounts of the image that have a password hash (passwd and shadow accounts with a login shell; htpasswd entries of web servers) and looks for a 1-AuthMech entry that describes that kind of login: system logins by words such as shell, console, root, SSH, telnet or serial; web logins by HTTP, web, Basic or Digest (whole words). Files whose accounts no entry describes are reported.",
        why: "A password hash in the image is an authentication mechanism every unit ships with. If the IXIT does not describe it, nobody has assessed whether its password is unique per device (5.1-1), how it is generated (5.1-2) or whether it is reachable at all; TS 103 701 5.1-1-2 asks for exactly these undocumented mechanisms.",
        fix: "Lock accounts that nobody logs into (`*` or `!` in shadow); describe every remaining login in 1-AuthMech with its password generation and the interfaces it is reachable on.",
        needs: Needs::Firmware,
    },
    run,
};

/// Whether a user can log in: every passwd entry of the user that names a
/// shell names a login shell (as the firmware checks judge it).
pub(crate) fn can_log_in(accounts: &[SourcedAccount], user: &str) -> bool {
    accounts
        .iter()
        .filter(|a| a.account.user == user && a.account.shell.is_some())
        .all(|a| a.account.can_log_in())
}

fn run(input: &Input<'_>) -> Vec<Finding> {
    let auth: Vec<_> = input.declared.table(table::AUTH_MECH).collect();
    let mut out = Vec::new();
    for image in input.images() {
        for tree in &image.trees {
            // Accounts with a password, per file.
            let mut files: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for a in &tree.accounts {
                if !matches!(a.account.password, PasswordField::Hash(_)) {
                    continue;
                }
                let web = a
                    .file
                    .rsplit('/')
                    .next()
                    .unwrap_or(&a.file)
                    .contains("htpasswd");
                if !web && !can_log_in(&tree.accounts, &a.account.user) {
                    continue;
                }
                files
                    .entry(a.file.as_str())
                    .or_default()
                    .push(&a.account.user);
            }
            for (file, mut users) in files {
                let web = file.rsplit('/').next().unwrap_or(file).contains("htpasswd");
                let words = if web {
                    WEB_LOGIN_WORDS
                } else {
                    SYSTEM_LOGIN_WORDS
                };
                if auth.iter().any(|d| names_any(&d.text, words)) {
                    continue;
                }
                users.sort_unstable();
                users.dedup();
                let kind = if web {
                    "web server password file"
                } else {
                    "system accounts"
                };
                out.push(finding(
                    &CHECK.info,
                    image.place(&tree.layers, file),
                    format!(
                        "{file} holds password hashes for {} ({kind}: {}), and no 1-AuthMech entry describes this login",
                        if users.len() == 1 {
                            "1 account".to_owned()
                        } else {
                            format!("{} accounts", users.len())
                        },
                        users.join(", ")
                    ),
                    None,
                ));
            }
        }
    }
    out
}
