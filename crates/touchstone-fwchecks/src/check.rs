//! The check interface: one file per check under `checks/`, each with its
//! documentation in [`CheckInfo`] and a function from a [`Context`] to
//! findings. Check ids are stable forever; [`registry`] lists every check.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use rayon::prelude::*;
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

/// A password recovered from an account's hash by offline cracking
/// ([`Context::cracked`]), shared by `fw-default-password` and the
/// observations the cross-checks compare with a live device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cracked {
    /// The file the account was read from.
    pub file: String,
    /// User name.
    pub user: String,
    /// 1-based line of the account in its file.
    pub line: usize,
    /// The line as written.
    pub text: String,
    /// Hash scheme (`md5crypt`, `DES crypt` ...).
    pub scheme: &'static str,
    /// The password (empty: the hash is of the empty string).
    pub password: String,
    /// Candidates tried.
    pub tries: usize,
    /// Whether the account has a login shell.
    pub can_log_in: bool,
    /// `passwd`/`shadow` (system login) or `htpasswd` (web server).
    pub web: bool,
}

/// Something that kept part of an image from being analysed, or that the
/// unpacker noticed on the way: a limit, a truncation, an unreadable file
/// system, a budget of the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisProblem {
    /// The chain of layers it concerns, outermost first (empty: the input).
    pub layers: Vec<String>,
    /// Machine-readable class (`truncated`, `limit-output`, `boot-budget`, `check-time`...).
    pub kind: String,
    /// Offset inside the layer, when known.
    pub offset: Option<u64>,
    /// What happened, as the unpacker or the checks said it.
    pub message: String,
    /// Whether something was not analysed because of it (a limit, a
    /// truncation, an unreadable structure), as opposed to a remark such as
    /// a checksum mismatch on data that was still read.
    pub incomplete: bool,
}

/// What checks read: the image's files and facts derived once.
pub struct Context<'a> {
    /// The files.
    pub files: &'a (dyn Files + Sync),
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
    /// Problems met while unpacking or analysing (budgets hit); the
    /// `fw-partial-analysis` and `fw-unpack-problem` checks report them.
    pub problems: Vec<AnalysisProblem>,
    /// Paths whose content was analysed, one per distinct content: a file
    /// reached by several hard links (or shared content) is analysed once.
    pub unique: Vec<String>,
    /// For a path in [`Context::unique`], the other paths with the same content.
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Every cleartext secret a check showed through [`Context::secret`]:
    /// [`Context::redact_findings`] masks them wherever else they appear.
    known_secrets: Mutex<BTreeSet<String>>,
    /// Passwords cracked from the accounts' hashes, computed once.
    cracked: OnceLock<Vec<Cracked>>,
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
    pub fn new(
        files: &'a (dyn Files + Sync),
        image: &str,
        layers: Vec<String>,
        today: Date,
    ) -> Context<'a> {
        Context::with_deadline(files, image, layers, today, None)
    }

    /// As [`Context::new`], but stop reading file contents at `deadline`:
    /// files not analysed by then are counted in a `check-time` problem.
    /// Each distinct content is read once, in parallel across cores, and
    /// feeds every analyser (secrets, components, ELF hardening).
    pub fn with_deadline(
        files: &'a (dyn Files + Sync),
        image: &str,
        layers: Vec<String>,
        today: Date,
        deadline: Option<Instant>,
    ) -> Context<'a> {
        let mut problems = Vec::new();
        let boot = boot::analyse(files);
        if let Some(why) = &boot.incomplete {
            problems.push(AnalysisProblem {
                layers: layers.clone(),
                kind: "boot-budget".to_owned(),
                offset: None,
                message: why.clone(),
                incomplete: true,
            });
        }
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
        // One analysis per distinct content: hard links and files that share
        // their bytes (the same buffer) are analysed once, their other paths
        // kept as aliases.
        let mut unique: Vec<String> = Vec::new();
        let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut first_of: HashMap<(usize, usize), usize> = HashMap::new();
        for path in files.paths() {
            match files.read(&path) {
                Some(Cow::Borrowed(b)) if !b.is_empty() => {
                    let key = (b.as_ptr() as usize, b.len());
                    if let Some(&i) = first_of.get(&key)
                        && let Some(first) = unique.get(i)
                    {
                        aliases.entry(first.clone()).or_default().push(path);
                        continue;
                    }
                    first_of.insert(key, unique.len());
                    unique.push(path);
                }
                Some(_) => unique.push(path),
                None => {}
            }
        }
        let rules = components::rules();
        let stopped = AtomicBool::new(false);
        let skipped = AtomicUsize::new(0);
        type Facts = (Vec<SecretMatch>, Vec<Component>, Option<ElfReport>);
        let facts: Vec<Facts> = unique
            .par_iter()
            .map(|path| {
                if path.starts_with("/proc/")
                    || path.starts_with("/sys/")
                    || path.starts_with("/dev/")
                {
                    return (Vec::new(), Vec::new(), None);
                }
                if stopped.load(Ordering::Relaxed) || deadline.is_some_and(|d| Instant::now() >= d)
                {
                    stopped.store(true, Ordering::Relaxed);
                    skipped.fetch_add(1, Ordering::Relaxed);
                    return (Vec::new(), Vec::new(), None);
                }
                let Some(bytes) = files.read(path) else {
                    return (Vec::new(), Vec::new(), None);
                };
                let secrets = scan_bytes(&bytes);
                let mut found = rules.scan(path, &bytes, today, components::Limits::default());
                if let Some(others) = aliases.get(path) {
                    for other in others.iter().take(64) {
                        found.extend(rules.scan_path(other, today));
                    }
                }
                let elf = if bytes.starts_with(b"\x7fELF") {
                    elf_facts::analyse(&bytes).ok()
                } else {
                    None
                };
                (secrets, found, elf)
            })
            .collect();
        let skipped = skipped.into_inner();
        if skipped > 0 {
            problems.push(AnalysisProblem {
                layers: layers.clone(),
                kind: "check-time".to_owned(),
                offset: None,
                message: format!(
                    "the checks ran out of their time budget: {skipped} of {} files were not read",
                    unique.len()
                ),
                incomplete: true,
            });
        }
        let mut secrets = Vec::new();
        let mut found = Vec::new();
        let mut elves = Vec::new();
        for (path, (s, c, e)) in unique.iter().zip(facts) {
            secrets.extend(s.into_iter().map(|m| (path.clone(), m)));
            found.extend(c.into_iter().map(|c| (path.clone(), c)));
            if let Some(report) = e {
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
            problems,
            unique,
            aliases,
            known_secrets: Mutex::new(BTreeSet::new()),
            cracked: OnceLock::new(),
        }
    }

    /// Every account hash cracked with the bundled credential list (each
    /// hash tried once per scan, bounded by the cost of its scheme).
    pub fn cracked(&self) -> &[Cracked] {
        self.cracked.get_or_init(|| {
            use crate::credentials::{CrackOutcome, PasswordField, crack, credentials, identify};
            let creds = credentials();
            let mut out = Vec::new();
            for a in &self.accounts {
                let PasswordField::Hash(hash) = &a.account.password else {
                    continue;
                };
                if let CrackOutcome::Found { password, tries } = crack(&a.account.user, hash, creds)
                {
                    let name = a.file.rsplit('/').next().unwrap_or(&a.file);
                    out.push(Cracked {
                        file: a.file.clone(),
                        user: a.account.user.clone(),
                        line: a.account.line,
                        text: a.account.text.clone(),
                        scheme: identify(hash).name(),
                        password,
                        tries,
                        can_log_in: self.can_log_in(&a.account.user),
                        web: name.contains("htpasswd"),
                    });
                }
            }
            out
        })
    }

    /// A secret as findings show it: in full with `show_secrets`, otherwise
    /// only its first and last characters and its length.
    pub fn secret(&self, secret: &str) -> String {
        if let Ok(mut known) = self.known_secrets.lock() {
            known.insert(secret.to_owned());
        }
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
        serial_login::CHECK,
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
        esp_secure_boot::CHECK,
        partial_analysis::CHECK,
        unpack_problem::CHECK,
    ]
}

/// Run every check, then list the other paths of shared contents in the
/// evidence and mask every secret a check knows wherever it appears
/// (unless `show_secrets`).
pub fn run_all(ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = registry().iter().flat_map(|c| (c.run)(ctx)).collect();
    ctx.add_aliases(&mut findings);
    ctx.redact_findings(&mut findings);
    findings
}

/// Paths named per finding besides its own, at most.
const MAX_ALIASES_SHOWN: usize = 10;

impl Context<'_> {
    /// The cleartext secrets checks have shown so far (through [`Context::secret`]).
    pub fn known_secrets(&self) -> Vec<String> {
        self.known_secrets
            .lock()
            .map(|k| k.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Record a secret found outside a check (so that it is masked everywhere).
    pub fn know_secret(&self, secret: &str) {
        if let Ok(mut known) = self.known_secrets.lock() {
            known.insert(secret.to_owned());
        }
    }

    fn add_aliases(&self, findings: &mut [Finding]) {
        for f in findings {
            let Some(Location::Firmware { path, .. }) = &f.location else {
                continue;
            };
            let Some(others) = self.aliases.get(path) else {
                continue;
            };
            let mut line = format!(
                "same content also at: {}",
                others
                    .iter()
                    .take(MAX_ALIASES_SHOWN)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if others.len() > MAX_ALIASES_SHOWN {
                line.push_str(&format!(" and {} more", others.len() - MAX_ALIASES_SHOWN));
            }
            f.evidence = Some(match f.evidence.take() {
                Some(e) => format!("{e}\n{line}"),
                None => line,
            });
        }
    }

    /// Mask every known secret in the messages and evidence of `findings`
    /// (nothing with `show_secrets`).
    pub fn redact_findings(&self, findings: &mut [Finding]) {
        if self.show_secrets {
            return;
        }
        let known = self.known_secrets();
        for f in findings {
            redact_finding(f, &known);
        }
    }
}

/// Mask `known` secrets in a finding: everywhere in its evidence (text from
/// the image), and in its message inside back-quoted spans only, where
/// messages quote the image (so that a password such as `password` does
/// not mask the word in the sentence around it).
pub fn redact_finding(f: &mut Finding, known: &[String]) {
    if let Some(e) = &f.evidence {
        f.evidence = Some(redact_known(e, known));
    }
    if f.message.contains('`') {
        f.message = f
            .message
            .split('`')
            .enumerate()
            .map(|(i, part)| {
                if i % 2 == 1 {
                    redact_known(part, known)
                } else {
                    part.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("`");
    }
}

/// Shortest secret masked wherever it appears: shorter ones would mask
/// ordinary words.
const MIN_MASKED: usize = 4;

/// The one redaction of text that may hold secrets: every occurrence of a
/// secret of `known` that stands as a token of its own (not inside a longer
/// word) is replaced by its [`redact`]ed form. Longest secrets first.
pub fn redact_known(text: &str, known: &[String]) -> String {
    let mut secrets: Vec<&String> = known.iter().filter(|s| s.len() >= MIN_MASKED).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_owned();
    for secret in secrets {
        if !out.contains(secret.as_str()) {
            continue;
        }
        let masked = redact(secret);
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(pos) = rest.find(secret.as_str()) {
            let before = rest[..pos].chars().next_back();
            let after = rest[pos + secret.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            result.push_str(&rest[..pos]);
            if word(before) || word(after) {
                result.push_str(secret);
            } else {
                result.push_str(&masked);
            }
            rest = &rest[pos + secret.len()..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}
