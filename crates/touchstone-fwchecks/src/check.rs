//! The check interface: one file per check under `checks/`, each with its
//! documentation in [`CheckInfo`] and a function from a [`Context`] to
//! findings. Check ids are stable forever; [`registry`] lists every check.

use touchstone_core::{Finding, Location, Severity, Supports};

use crate::boot::{self, Boot};
use crate::components::{self, Component, Date};
use crate::credentials::{Account, parse_htpasswd, parse_passwd, parse_shadow};
use crate::elf::{self as elf_facts, ElfReport};
use crate::files::Files;
use crate::secrets::{SecretMatch, scan_bytes};
use crate::vulndb::VulnDb;

/// What a check is, for people and for the report.
#[derive(Debug, Clone, Copy)]
pub struct CheckInfo {
    /// Stable id, for instance `fw-default-password`. Never reused.
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// Severity of what it finds.
    pub severity: Severity,
    /// EN 303 645 provisions its findings bear on.
    pub provisions: &'static [&'static str],
    /// TS 103 701 test units its findings bear on (V1.1.1 ids).
    pub test_units: &'static [&'static str],
    /// What it checks.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix what it finds.
    pub fix: &'static str,
}

/// A check: its documentation and its logic.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Documentation and mapping.
    pub info: CheckInfo,
    /// The logic.
    pub run: fn(&Context<'_>) -> Vec<Finding>,
}

/// An account with the file it was read from.
#[derive(Debug, Clone)]
pub struct SourcedAccount {
    /// The file, for instance `/etc/shadow`.
    pub file: String,
    /// The account.
    pub account: Account,
}

/// What checks read: the image's files and facts derived once.
pub struct Context<'a> {
    /// The files.
    pub files: &'a dyn Files,
    /// The image as named on the command line.
    pub image: String,
    /// The chain of layers that led to the files.
    pub layers: Vec<String>,
    /// The boot analysis.
    pub boot: Boot,
    /// Accounts from passwd, shadow and htpasswd files.
    pub accounts: Vec<SourcedAccount>,
    /// Secrets found in file contents, with their file.
    pub secrets: Vec<(String, SecretMatch)>,
    /// Show passwords and secrets in full in findings (`--show-secrets`); redacted otherwise.
    pub show_secrets: bool,
    /// Software components identified, with the file each was found in.
    pub components: Vec<(String, Component)>,
    /// Hardening facts of every ELF file.
    pub elves: Vec<(String, ElfReport)>,
    /// Imported vulnerability data, when there is any.
    pub vulndb: Option<&'a VulnDb>,
    /// The day the scan is for.
    pub today: Date,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("image", &self.image)
            .field("layers", &self.layers)
            .finish_non_exhaustive()
    }
}

/// Files that hold accounts, besides `/etc/passwd` and `/etc/shadow`: copies
/// that init scripts put in place at boot, and web server password files.
fn account_files(files: &dyn Files) -> Vec<String> {
    files
        .paths()
        .into_iter()
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            name.starts_with("passwd")
                || name.starts_with("shadow")
                || name.ends_with(".htpasswd")
                || name == "htpasswd"
        })
        .collect()
}

impl<'a> Context<'a> {
    /// Derive the facts checks share; `today` decides which versions are end-of-life.
    pub fn new(files: &'a dyn Files, image: &str, layers: Vec<String>, today: Date) -> Context<'a> {
        let boot = boot::analyse(files);
        let mut accounts = Vec::new();
        for path in account_files(files) {
            let Some(bytes) = files.read(&path) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            let name = path.rsplit('/').next().unwrap_or(&path);
            let parsed = if name.starts_with("shadow") {
                parse_shadow(&text)
            } else if name.starts_with("passwd") && !name.contains("htpasswd") {
                parse_passwd(&text)
            } else {
                parse_htpasswd(&text)
            };
            accounts.extend(parsed.into_iter().map(|account| SourcedAccount {
                file: path.clone(),
                account,
            }));
        }
        let mut secrets = Vec::new();
        let mut found = Vec::new();
        let mut elves = Vec::new();
        let rules = components::rules();
        for path in files.paths() {
            if path.starts_with("/proc/") || path.starts_with("/sys/") || path.starts_with("/dev/")
            {
                continue;
            }
            let Some(bytes) = files.read(&path) else {
                continue;
            };
            secrets.extend(scan_bytes(&bytes).into_iter().map(|m| (path.clone(), m)));
            found.extend(
                rules
                    .scan(&path, &bytes, today, components::Limits::default())
                    .into_iter()
                    .map(|c| (path.clone(), c)),
            );
            if bytes.starts_with(b"\x7fELF")
                && let Ok(report) = elf_facts::analyse(&bytes)
            {
                elves.push((path.clone(), report));
            }
        }
        found.extend(package_database(files));
        Context {
            files,
            image: image.to_owned(),
            layers,
            boot,
            accounts,
            secrets,
            show_secrets: false,
            components: found,
            elves,
            vulndb: None,
            today,
        }
    }

    /// A secret as findings show it: in full with `show_secrets`, otherwise
    /// only its first and last characters and its length.
    pub fn secret(&self, secret: &str) -> String {
        if self.show_secrets {
            return secret.to_owned();
        }
        redact(secret)
    }

    /// A failing finding of `info` at `path`.
    pub fn finding(
        &self,
        info: &CheckInfo,
        path: &str,
        message: String,
        evidence: Option<String>,
    ) -> Finding {
        Finding {
            check: info.id.to_owned(),
            severity: info.severity,
            supports: Supports::Fail,
            provisions: info.provisions.iter().map(|s| (*s).to_owned()).collect(),
            test_units: info.test_units.iter().map(|s| (*s).to_owned()).collect(),
            location: Some(Location::Firmware {
                image: self.image.clone(),
                path: path.to_owned(),
                layers: self.layers.clone(),
                offset: None,
            }),
            message,
            evidence,
        }
    }

    /// A failing finding of `info` at a byte offset of the file at `path`.
    pub fn finding_at(
        &self,
        info: &CheckInfo,
        path: &str,
        offset: u64,
        message: String,
        evidence: Option<String>,
    ) -> Finding {
        let mut f = self.finding(info, path, message, evidence);
        if let Some(Location::Firmware { offset: o, .. }) = &mut f.location {
            *o = Some(offset);
        }
        f
    }

    /// Whether an account can log in: its passwd entry (if any) has a login shell.
    pub fn can_log_in(&self, user: &str) -> bool {
        self.accounts
            .iter()
            .filter(|a| a.account.user == user && a.account.shell.is_some())
            .all(|a| a.account.can_log_in())
    }
}

/// Packages recorded by opkg or dpkg in the image: name and version per stanza.
fn package_database(files: &dyn Files) -> Vec<(String, Component)> {
    let mut out = Vec::new();
    for (path, ecosystem) in [
        ("/usr/lib/opkg/status", "opkg"),
        ("/var/lib/opkg/status", "opkg"),
        ("/var/lib/dpkg/status", "deb"),
    ] {
        let Some(bytes) = files.read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for stanza in text.split("\n\n") {
            let field = |name: &str| {
                stanza
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_owned())
            };
            let (Some(name), Some(version)) = (field("Package:"), field("Version:")) else {
                continue;
            };
            out.push((
                path.to_owned(),
                Component {
                    id: name.to_ascii_lowercase(),
                    name: name.clone(),
                    version: Some(version.clone()),
                    version_kind: components::VersionKind::Release,
                    evidence: format!("Package: {name} / Version: {version}"),
                    found_in: components::Target::Content,
                    offset: None,
                    pattern: format!("{ecosystem} package database"),
                    cpe: None,
                    purl: Some(format!("pkg:{ecosystem}/{name}@{version}")),
                    eol: None,
                },
            ));
        }
    }
    out
}

/// Mask a secret, keeping enough to recognise it: `wr********gr (24 characters)`.
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let keep = match chars.len() {
        0 => return String::new(),
        1..=5 => 0,
        6..=11 => 1,
        _ => 2,
    };
    let head: String = chars.iter().take(keep).collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!(
        "{head}{}{tail} ({} characters, redacted)",
        "*".repeat(chars.len() - 2 * keep),
        chars.len()
    )
}

/// Every check, in report order.
pub fn registry() -> &'static [Check] {
    use crate::checks::*;
    &[
        default_password::CHECK,
        empty_password::CHECK,
        weak_password_hash::CHECK,
        cmdline_credentials::CHECK,
        telnet_service::CHECK,
        console_shell::CHECK,
        debug_service::CHECK,
        cleartext_file_service::CHECK,
        service_as_root::CHECK,
        private_key::CHECK,
        baked_host_key::CHECK,
        embedded_token::CHECK,
        shared_key::CHECK,
        ssh_weak_config::CHECK,
        tls_verification_disabled::CHECK,
        setuid_root::CHECK,
        world_writable::CHECK,
        boot_console::CHECK,
        update_evidence::CHECK,
        eol_component::CHECK,
        known_vulnerability::CHECK,
        elf_hardening::CHECK,
        certificate::CHECK,
        boot_service::CHECK,
    ]
}

/// Run every check.
pub fn run_all(ctx: &Context<'_>) -> Vec<Finding> {
    registry().iter().flat_map(|c| (c.run)(ctx)).collect()
}
