//! `decl-password-hash-mismatch`: password hashes in the firmware that do not use the scheme the IXIT declares.

use std::collections::BTreeMap;

use touchstone_core::{Finding, Severity};
use touchstone_fwchecks::credentials::{PasswordField, identify};

use crate::check::{Check, CheckInfo, Input, Needs, finding};
use crate::checks::undeclared_account::can_log_in;
use crate::checks::{SYSTEM_LOGIN_WORDS, WEB_LOGIN_WORDS, names_any};
use crate::declared::table;
use crate::kinds::has_word;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "decl-password-hash-mismatch",
        title: "Password hashes differ from the declared scheme",
        severity: Severity::Medium,
        provisions: &["5.1-3", "5.4-1"],
        test_units: &["5.1-3-2a", "5.4-1-2a"],
        what: "Reads the password-hashing schemes the 1-AuthMech entries declare (PBKDF2, bcrypt, scrypt, Argon2, yescrypt, sha512crypt, sha256crypt, md5crypt, DES crypt, by name) and compares them with the schemes of the hashes in the image's passwd, shadow and htpasswd files. Entries are related to files as the login they describe: system logins (shell, console, SSH, telnet ...) to passwd and shadow, web logins (HTTP, Basic, Digest ...) to htpasswd. A hash whose scheme none of the related entries declares is reported.",
        why: "TS 103 701 5.1-3-2 checks that the authentication mechanisms on the device use the cryptography the IXIT describes. A hash in a weaker scheme than declared (md5crypt or DES where PBKDF2 is claimed) is cracked orders of magnitude faster, so the stored passwords are not protected as assessed (5.1-3, 5.4-1).",
        fix: "Store the passwords with the declared scheme (or a stronger one, and correct the IXIT), and rehash existing entries at the next login or update.",
        needs: Needs::Firmware,
    },
    run,
};

/// Declared scheme words and the scheme names of the firmware checks they cover.
const SCHEMES: &[(&[&str], &[&str])] = &[
    (&["pbkdf2", "pbkdf2-hmac-sha256", "pbkdf2-sha256"], &[]),
    (&["bcrypt", "blowfish"], &["bcrypt"]),
    (&["scrypt"], &[]),
    (&["argon2", "argon2id", "argon2i"], &[]),
    (&["yescrypt"], &["yescrypt"]),
    (
        &[
            "sha512crypt",
            "sha-512 crypt",
            "sha512-crypt",
            "sha-512",
            "sha512",
            "$6$",
        ],
        &["sha512crypt"],
    ),
    (
        &["sha256crypt", "sha-256 crypt", "sha256-crypt", "$5$"],
        &["sha256crypt"],
    ),
    (
        &["md5crypt", "md5-crypt", "md5", "$1$", "apr1"],
        &["md5crypt", "apr1 (Apache md5)"],
    ),
    (&["des crypt", "des-crypt", "crypt(3)"], &["DES crypt"]),
];

/// The scheme names of the firmware checks a text declares, and the words
/// it used; `None` when it names no scheme.
fn declared_schemes(text: &str) -> Option<(Vec<&'static str>, Vec<&'static str>)> {
    let mut names = Vec::new();
    let mut words = Vec::new();
    for (ws, covered) in SCHEMES {
        if let Some(w) = ws.iter().find(|w| has_word(text, w)) {
            words.push(*w);
            names.extend_from_slice(covered);
        }
    }
    (!words.is_empty()).then_some((names, words))
}

fn run(input: &Input<'_>) -> Vec<Finding> {
    let auth: Vec<_> = input.declared.table(table::AUTH_MECH).collect();
    let mut out = Vec::new();
    for image in input.images() {
        for tree in &image.trees {
            // (file, scheme) -> users.
            let mut found: BTreeMap<(&str, &'static str), Vec<&str>> = BTreeMap::new();
            for a in &tree.accounts {
                let PasswordField::Hash(hash) = &a.account.password else {
                    continue;
                };
                let web = a.file.contains("htpasswd");
                if !web && !can_log_in(&tree.accounts, &a.account.user) {
                    continue;
                }
                found
                    .entry((a.file.as_str(), identify(hash).name()))
                    .or_default()
                    .push(&a.account.user);
            }
            for ((file, scheme), users) in found {
                let web = file.contains("htpasswd");
                let words = if web {
                    WEB_LOGIN_WORDS
                } else {
                    SYSTEM_LOGIN_WORDS
                };
                let related: Vec<_> = auth
                    .iter()
                    .filter(|d| names_any(&d.text, words))
                    .filter_map(|d| declared_schemes(&d.text).map(|s| (d, s)))
                    .collect();
                if related.is_empty()
                    || related
                        .iter()
                        .any(|(_, (names, _))| names.contains(&scheme))
                {
                    continue;
                }
                let declared: Vec<String> = related
                    .iter()
                    .map(|(d, (_, words))| format!("{}: {}", d.label(), words.join(", ")))
                    .collect();
                out.push(finding(
                    &CHECK.info,
                    image.place(&tree.layers, file),
                    format!(
                        "{file} stores {} with {scheme}, a scheme the IXIT does not declare for this login ({})",
                        users.join(", "),
                        declared.join("; ")
                    ),
                    Some(format!("{scheme}: {}", users.join(", "))),
                ));
            }
        }
    }
    out
}
