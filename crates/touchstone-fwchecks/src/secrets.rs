//! Secrets in file contents, text or binary: private keys (PEM, OpenSSH,
//! PGP, Dropbear's own format), cloud credentials and API tokens, Wi-Fi
//! passphrases. The patterns live in `data/secrets.toml`, each with
//! examples that must and must not match; Dropbear keys are parsed.
//!
//! Every match carries a fingerprint (SHA-256 of the secret material) so
//! that the same key found in several images can be recognised, and an
//! excerpt that never shows the whole secret.

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexSet};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// What kind of secret a rule finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretKind {
    /// A private key.
    PrivateKey,
    /// An API token or cloud credential.
    Token,
    /// A password or passphrase.
    Password,
}

/// A rule of `data/secrets.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable id.
    pub id: String,
    /// What it finds.
    pub title: String,
    /// Kind of secret.
    pub kind: SecretKind,
    /// Regex over bytes.
    pub pattern: String,
    /// Texts that must match.
    pub examples: Vec<String>,
    /// Texts that must not match.
    pub negative_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<Rule>,
}

/// The compiled rule set.
#[derive(Debug)]
pub struct Rules {
    /// The rules, in file order.
    pub rules: Vec<Rule>,
    set: RegexSet,
    each: Vec<Regex>,
}

impl Rules {
    /// Parse and compile a rules file.
    pub fn parse(text: &str) -> Result<Rules, String> {
        let file: RuleFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let patterns: Vec<&str> = file.rule.iter().map(|r| r.pattern.as_str()).collect();
        let limit = 1 << 22;
        // ASCII classes and word boundaries: with Unicode ones the set cannot
        // use its DFA on binary data and falls back to a much slower NFA.
        let set = regex::bytes::RegexSetBuilder::new(&patterns)
            .unicode(false)
            .size_limit(limit)
            .build()
            .map_err(|e| e.to_string())?;
        let each = patterns
            .iter()
            .map(|p| {
                regex::bytes::RegexBuilder::new(p)
                    .unicode(false)
                    .size_limit(limit)
                    .build()
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Rules {
            rules: file.rule,
            set,
            each,
        })
    }
}

/// The bundled rules, compiled once (an empty set if the bundled file were broken; tests guard it).
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        Rules::parse(include_str!("../data/secrets.toml")).unwrap_or_else(|_| Rules {
            rules: Vec::new(),
            set: RegexSet::empty(),
            each: Vec::new(),
        })
    })
}

/// One secret found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// Rule id (`dropbear-private-key` for parsed Dropbear keys).
    pub rule: String,
    /// What was found.
    pub title: String,
    /// Kind of secret.
    pub kind: SecretKind,
    /// Byte offset in the file.
    pub offset: usize,
    /// A redacted excerpt: enough to recognise, never the whole secret.
    pub excerpt: String,
    /// SHA-256 of the secret material, hex.
    pub fingerprint: String,
}

/// Bytes scanned per file at most.
pub const MAX_SCAN_BYTES: usize = 32 << 20;
/// Matches reported per file at most.
pub const MAX_MATCHES: usize = 64;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn fingerprint(material: &[u8]) -> String {
    // PEM bodies are compared without line breaks and spaces.
    let normalised: Vec<u8> = material
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    hex(&Sha256::digest(&normalised))
}

fn redact(matched: &[u8], kind: SecretKind) -> String {
    let text = String::from_utf8_lossy(matched);
    match kind {
        SecretKind::PrivateKey => {
            text.lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(60)
                .collect::<String>()
                + " …"
        }
        SecretKind::Token | SecretKind::Password => {
            let shown: String = text.chars().take(6).collect();
            format!("{shown}… ({} characters)", text.chars().count())
        }
    }
}

/// Search one file's bytes with the bundled rules, and parse it as a Dropbear key.
pub fn scan_bytes(bytes: &[u8]) -> Vec<SecretMatch> {
    let bytes = bytes.get(..MAX_SCAN_BYTES).unwrap_or(bytes);
    let rules = rules();
    let mut out = Vec::new();
    if let Some(key) = dropbear_key(bytes) {
        out.push(key);
    }
    out.extend(der_private_keys(bytes));
    for i in rules.set.matches(bytes).iter() {
        let (Some(rule), Some(re)) = (rules.rules.get(i), rules.each.get(i)) else {
            continue;
        };
        for m in re.find_iter(bytes).take(MAX_MATCHES) {
            out.push(SecretMatch {
                rule: rule.id.clone(),
                title: rule.title.clone(),
                kind: rule.kind,
                offset: m.start(),
                excerpt: redact(m.as_bytes(), rule.kind),
                fingerprint: fingerprint(m.as_bytes()),
            });
            if out.len() >= MAX_MATCHES {
                return out;
            }
        }
    }
    out
}

/// DER-encoded private keys: PKCS#1 RSA, unencrypted PKCS#8 (RSA, EC) and SEC1 EC keys.
fn der_private_keys(bytes: &[u8]) -> Vec<SecretMatch> {
    static DER: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(re) = DER
        .get_or_init(|| {
            Regex::new(
                r"(?s-u)\x30\x82(..)\x02\x01\x00(?:\x02\x82|\x02\x81|\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01|\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01)|\x30\x77\x02\x01\x01\x04\x20|\x30\x81\xa4\x02\x01\x01\x04\x30",
            )
            .ok()
        })
        .as_ref()
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for caps in re.captures_iter(bytes).take(MAX_MATCHES) {
        let Some(m) = caps.get(0) else { continue };
        // The outer SEQUENCE's length must fit in the file.
        let total = match caps.get(1) {
            Some(len) => {
                let l = len.as_bytes();
                4 + ((usize::from(l[0]) << 8) | usize::from(l[1]))
            }
            None => 2 + usize::from(m.as_bytes()[1]),
        };
        let Some(der) = bytes.get(m.start()..m.start() + total) else {
            continue;
        };
        out.push(SecretMatch {
            rule: "der-private-key".to_owned(),
            title: "DER private key".to_owned(),
            kind: SecretKind::PrivateKey,
            offset: m.start(),
            excerpt: format!("DER private key, {total} bytes"),
            fingerprint: hex(&Sha256::digest(der)),
        });
    }
    out
}

/// Read an SSH wire-format string (u32 length, bytes).
fn ssh_string(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_be_bytes(b.get(..4)?.try_into().ok()?) as usize;
    let body = b.get(4..4usize.checked_add(len)?)?;
    Some((body, b.get(4 + len..)?))
}

/// Parse Dropbear's private key format: the key type as an SSH string, then
/// the key's numbers. It is a private key only if every field parses and the
/// fields fill the file exactly.
pub fn dropbear_key(bytes: &[u8]) -> Option<SecretMatch> {
    let (kind, mut rest) = ssh_string(bytes)?;
    let fields = match kind {
        b"ssh-rsa" => 5,                              // e, n, d, p, q
        b"ssh-dss" => 5,                              // p, q, g, y, x
        b"ssh-ed25519" => 1,                          // 64 bytes: private and public halves
        k if k.starts_with(b"ecdsa-sha2-nistp") => 3, // curve, Q, d
        _ => return None,
    };
    for _ in 0..fields {
        let (field, next) = ssh_string(rest)?;
        if field.is_empty() {
            return None;
        }
        rest = next;
    }
    if !rest.is_empty() {
        return None;
    }
    let kind = String::from_utf8_lossy(kind).into_owned();
    Some(SecretMatch {
        rule: "dropbear-private-key".to_owned(),
        title: format!("Dropbear private key ({kind})"),
        kind: SecretKind::PrivateKey,
        offset: 0,
        excerpt: format!("Dropbear {kind} key, {} bytes", bytes.len()),
        fingerprint: hex(&Sha256::digest(bytes)),
    })
}

/// Whether a path names an SSH server host key.
pub fn is_host_key_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    (name.starts_with("dropbear_") && name.ends_with("_host_key"))
        || (name.starts_with("ssh_host_") && name.ends_with("_key"))
        || matches!(
            name,
            "rsa_host_key" | "dss_host_key" | "ecdsa_host_key" | "ed25519_host_key"
        )
}

/// A private key that is public knowledge (data/known-test-keys.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownKey {
    /// SHA-256 of the key's DER encoding, hex (the [`SecretMatch::fingerprint`]).
    pub sha256: String,
    /// What key it is.
    pub what: String,
    /// Where it comes from and how the fingerprint was taken.
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownKeyFile {
    key: Vec<KnownKey>,
}

/// The bundled list of public test keys.
pub fn known_test_keys() -> &'static [KnownKey] {
    static KEYS: OnceLock<Vec<KnownKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        toml::from_str::<KnownKeyFile>(include_str!("../data/known-test-keys.toml"))
            .map(|f| f.key)
            .unwrap_or_default()
    })
}

/// Whether a fingerprint is that of a public test key (no device secret).
pub fn is_known_test_key(fingerprint: &str) -> bool {
    known_test_keys().iter().any(|k| k.sha256 == fingerprint)
}
