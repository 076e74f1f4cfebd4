//! `decl-crypto-mismatch`: TLS versions and suites, and SSH algorithms, that the live device accepts beyond the cryptography the IXIT declares.

use std::collections::BTreeSet;

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Input, Needs, finding, network};
use crate::declared::{Declared, labels, table};
use crate::kinds::{self, has_word};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "decl-crypto-mismatch",
        title: "Live cryptography differs from the IXIT",
        severity: Severity::Medium,
        provisions: &["5.5-1", "5.1-3"],
        test_units: &["5.5-1-2a", "5.1-3-2a"],
        what: "For every TLS and SSH service of the live device, finds the 11-ComMech (11-SecComMech) and 1-AuthMech entries that describe it (by the service's kind or port) and reads what their text declares: TLS versions (`TLS 1.2/1.3`, `TLS 1.2+`, `at least TLS 1.2`), forward-secret key exchange (ECDHE, DHE), AEAD ciphers (AES-GCM, ChaCha20-Poly1305, CCM), and SSH algorithm names. It reports what the probe saw accepted beyond that: a version not declared, a suite without forward secrecy or without AEAD where those are declared, an SSH algorithm of a category whose algorithms the text names.",
        why: "TS 103 701 5.5-1-2 checks that the device's communication uses the cryptography the IXIT describes; the conceptual assessment (5.5-1-1) judged the declared cryptography, not the one the device accepts. A device that also accepts TLS 1.0, static-RSA or CBC suites can be downgraded to them by an active attacker.",
        fix: "Configure the TLS and SSH servers to accept only the declared versions, suites and algorithms, or correct the IXIT and have the assessment judge what the device really accepts.",
        needs: Needs::Live,
    },
    run,
};

const VERSIONS: [(&str, &str); 4] = [
    ("1.0", "TLSv1.0"),
    ("1.1", "TLSv1.1"),
    ("1.2", "TLSv1.2"),
    ("1.3", "TLSv1.3"),
];

/// Words after a version that make it a minimum.
const OPEN_ENDED: &[&str] = &[
    "or later",
    "or higher",
    "or newer",
    "or above",
    "and later",
    "and higher",
    "and newer",
    "and above",
    "onwards",
];

/// The TLS versions a text declares (`TLSv1.2` ...), or `None` when it names none.
pub(crate) fn declared_tls_versions(text: &str) -> Option<BTreeSet<&'static str>> {
    let mut out = BTreeSet::new();
    let mut from = 0;
    while let Some(pos) = text.get(from..).and_then(|t| t.find("tls")) {
        let start = from + pos;
        from = start + 3;
        if text
            .get(..start)
            .and_then(|b| b.chars().next_back())
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let before = text
            .get(start.saturating_sub(14)..start)
            .unwrap_or_default();
        let mut open = ["at least", "minimum", "min.", "min "]
            .iter()
            .any(|w| before.contains(w));
        let mut rest = text.get(from..).unwrap_or_default();
        let mut found: Vec<usize> = Vec::new();
        loop {
            let trimmed = rest.trim_start_matches([' ', 'v', '/', ',', '&', '-', '=']);
            if !found.is_empty() && OPEN_ENDED.iter().any(|w| trimmed.starts_with(w)) {
                open = true;
                break;
            }
            if let Some(t) = trimmed
                .strip_prefix('>')
                .or_else(|| trimmed.strip_prefix('≥'))
            {
                open = true;
                rest = t;
                continue;
            }
            if let Some(t) = ["and ", "or ", "tls"]
                .iter()
                .find_map(|w| trimmed.strip_prefix(w))
            {
                rest = t;
                continue;
            }
            let Some(i) = VERSIONS.iter().position(|(n, _)| {
                trimmed.starts_with(n)
                    && !trimmed
                        .get(n.len()..)
                        .and_then(|t| t.chars().next())
                        .is_some_and(|c| c.is_ascii_digit())
            }) else {
                rest = trimmed;
                break;
            };
            found.push(i);
            rest = trimmed.get(3..).unwrap_or_default();
            if let Some(t) = rest.strip_prefix('+') {
                open = true;
                rest = t;
            }
        }
        if let Some(&min) = found.iter().min() {
            if open {
                out.extend(VERSIONS.iter().skip(min).map(|(_, v)| *v));
            }
            out.extend(found.iter().filter_map(|i| VERSIONS.get(*i).map(|v| v.1)));
        }
    }
    (!out.is_empty()).then_some(out)
}

fn forward_secret(suite: &str) -> bool {
    !suite.contains("_WITH_") || suite.starts_with("TLS_ECDHE_") || suite.starts_with("TLS_DHE_")
}

fn aead(suite: &str) -> bool {
    suite.contains("_GCM") || suite.contains("CHACHA20_POLY1305") || suite.contains("_CCM")
}

/// Common SSH algorithm names per category, to tell whether a text names
/// the algorithms of a category at all.
const SSH_VOCABULARY: &[(&str, &[&str])] = &[
    (
        "key exchange",
        &[
            "curve25519-sha256",
            "curve25519-sha256@libssh.org",
            "sntrup761x25519-sha512@openssh.com",
            "mlkem768x25519-sha256",
            "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521",
            "diffie-hellman-group14-sha256",
            "diffie-hellman-group16-sha512",
            "diffie-hellman-group18-sha512",
            "diffie-hellman-group14-sha1",
            "diffie-hellman-group1-sha1",
            "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group-exchange-sha1",
        ],
    ),
    (
        "host key",
        &[
            "ssh-ed25519",
            "rsa-sha2-256",
            "rsa-sha2-512",
            "ssh-rsa",
            "ssh-dss",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
        ],
    ),
    (
        "cipher",
        &[
            "chacha20-poly1305@openssh.com",
            "aes128-gcm@openssh.com",
            "aes256-gcm@openssh.com",
            "aes128-ctr",
            "aes192-ctr",
            "aes256-ctr",
            "aes128-cbc",
            "aes192-cbc",
            "aes256-cbc",
            "3des-cbc",
            "3des-ctr",
            "blowfish-cbc",
            "arcfour",
        ],
    ),
    (
        "MAC",
        &[
            "hmac-sha2-256",
            "hmac-sha2-512",
            "hmac-sha2-256-etm@openssh.com",
            "hmac-sha2-512-etm@openssh.com",
            "umac-64@openssh.com",
            "umac-128@openssh.com",
            "umac-64-etm@openssh.com",
            "umac-128-etm@openssh.com",
            "hmac-sha1",
            "hmac-sha1-etm@openssh.com",
            "hmac-md5",
        ],
    ),
];

/// The entries of 11-ComMech and 1-AuthMech that describe a service.
fn describing<'i, 'a>(input: &'i Input<'a>, service: &str, port: u16) -> Vec<&'i Declared<'a>> {
    let kind = kinds::of_service(service, port);
    input
        .declared
        .tables(&[table::COM_MECH, table::AUTH_MECH])
        .filter(|d| d.declares(kind, Some(port)))
        .collect()
}

fn run(input: &Input<'_>) -> Vec<Finding> {
    let Some(live) = input.live() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for t in &live.report.tls {
        let entries = describing(input, "tls", t.port);
        let mut problems = Vec::new();
        let declared: Option<BTreeSet<&str>> = entries
            .iter()
            .filter_map(|d| declared_tls_versions(&d.text))
            .reduce(|a, b| a.union(&b).copied().collect());
        let accepted: Vec<&str> = t
            .report
            .versions
            .iter()
            .filter(|v| v.accepted)
            .map(|v| v.version)
            .collect();
        if let Some(declared) = &declared {
            let extra: Vec<&str> = accepted
                .iter()
                .copied()
                .filter(|v| !declared.contains(v))
                .collect();
            if !extra.is_empty() {
                problems.push(format!(
                    "accepts {} (declared: {})",
                    extra.join(", "),
                    declared.iter().copied().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        let suites: BTreeSet<&str> = t
            .report
            .cipher_suites
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        let fs_declared = entries.iter().any(|d| {
            ["ecdhe", "dhe", "forward secrecy", "pfs", "ephemeral"]
                .iter()
                .any(|w| has_word(&d.text, w))
        });
        // `ECDHE suites only` rules out DHE as well; otherwise any
        // forward-secret key exchange fits a declared ECDHE or DHE.
        let ecdhe_only = entries.iter().any(|d| {
            has_word(&d.text, "ecdhe") && has_word(&d.text, "only") && !has_word(&d.text, "dhe")
        });
        if ecdhe_only {
            let other: Vec<&str> = suites
                .iter()
                .copied()
                .filter(|s| s.contains("_WITH_") && !s.starts_with("TLS_ECDHE_"))
                .collect();
            if !other.is_empty() {
                problems.push(format!(
                    "accepts suites without ECDHE although only ECDHE is declared: {}",
                    other.join(", ")
                ));
            }
        } else if fs_declared {
            let static_kex: Vec<&str> = suites
                .iter()
                .copied()
                .filter(|s| !forward_secret(s))
                .collect();
            if !static_kex.is_empty() {
                problems.push(format!(
                    "accepts suites without forward secrecy although ECDHE/DHE is declared: {}",
                    static_kex.join(", ")
                ));
            }
        }
        let aead_declared = entries.iter().any(|d| {
            [
                "aes-gcm",
                "aes_gcm",
                "gcm",
                "chacha20",
                "chacha20-poly1305",
                "aead",
                "ccm",
            ]
            .iter()
            .any(|w| has_word(&d.text, w))
                && !has_word(&d.text, "cbc")
        });
        if aead_declared {
            let not_aead: Vec<&str> = suites.iter().copied().filter(|s| !aead(s)).collect();
            if !not_aead.is_empty() {
                problems.push(format!(
                    "accepts suites without AEAD although only AEAD ciphers are declared: {}",
                    not_aead.join(", ")
                ));
            }
        }
        if problems.is_empty() {
            continue;
        }
        out.push(finding(
            &CHECK.info,
            network(&t.host, t.port, "tcp", "tls"),
            format!(
                "TLS on port {} {} ({})",
                t.port,
                problems.join("; "),
                labels(entries.iter().copied())
            ),
            Some(format!(
                "accepted: {}\nsuites: {}",
                accepted.join(", "),
                suites.iter().copied().collect::<Vec<_>>().join(", ")
            )),
        ));
    }
    for s in &live.report.ssh {
        let Some(kex) = &s.report.kexinit else {
            continue;
        };
        let entries = describing(input, "ssh", s.port);
        if entries.is_empty() {
            continue;
        }
        let union = |a: &[String], b: &[String]| -> Vec<String> {
            let mut v: Vec<String> = a.iter().chain(b).cloned().collect();
            v.sort();
            v.dedup();
            v
        };
        let offered: [(&str, Vec<String>); 4] = [
            ("key exchange", kex.kex.clone()),
            ("host key", kex.host_key.clone()),
            ("cipher", union(&kex.ciphers_c2s, &kex.ciphers_s2c)),
            ("MAC", union(&kex.macs_c2s, &kex.macs_s2c)),
        ];
        let mut problems = Vec::new();
        for (category, algorithms) in &offered {
            let vocabulary = SSH_VOCABULARY
                .iter()
                .find(|(c, _)| c == category)
                .map_or(&[][..], |(_, v)| *v);
            let claims: Vec<&Declared<'_>> = entries
                .iter()
                .copied()
                .filter(|d| {
                    vocabulary.iter().any(|w| has_word(&d.text, w))
                        || algorithms
                            .iter()
                            .any(|a| has_word(&d.text, &a.to_lowercase()))
                })
                .collect();
            if claims.is_empty() {
                continue;
            }
            let extra: Vec<&str> = algorithms
                .iter()
                .filter(|a| !a.starts_with("ext-info-") && !a.starts_with("kex-strict-"))
                .filter(|a| !claims.iter().any(|d| has_word(&d.text, &a.to_lowercase())))
                .map(String::as_str)
                .collect();
            if !extra.is_empty() {
                problems.push(format!("{category} {}", extra.join(", ")));
            }
        }
        if problems.is_empty() {
            continue;
        }
        out.push(finding(
            &CHECK.info,
            network(&s.host, s.port, "tcp", "ssh"),
            format!(
                "SSH on port {} offers algorithms the IXIT does not declare: {} ({})",
                s.port,
                problems.join("; "),
                labels(entries.iter().copied())
            ),
            Some(
                offered
                    .iter()
                    .map(|(c, a)| format!("{c}: {}", a.join(",")))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Vec<&'static str> {
        declared_tls_versions(text)
            .map(|s| s.into_iter().collect())
            .unwrap_or_default()
    }

    #[test]
    fn declared_versions_as_makers_write_them() {
        assert_eq!(v("tls 1.2/1.3, ecdhe"), ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(v("tls 1.2+ transport"), ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(v("tls 1.3; argon2id"), ["TLSv1.3"]);
        assert_eq!(v("at least tls 1.1"), ["TLSv1.1", "TLSv1.2", "TLSv1.3"]);
        assert_eq!(v("tlsv1.2 or later"), ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(v("tls 1.2 and tls 1.3"), ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(v("tls >= 1.2"), ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(v("mutual tls with x.509"), Vec::<&str>::new());
        assert_eq!(v("dtls 1.2"), Vec::<&str>::new());
        assert_eq!(v("tls 1.2 with 12 rounds"), ["TLSv1.2"]);
    }

    #[test]
    fn suites_are_classified_by_their_names() {
        assert!(forward_secret("TLS_AES_128_GCM_SHA256"));
        assert!(forward_secret("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));
        assert!(!forward_secret("TLS_RSA_WITH_AES_128_GCM_SHA256"));
        assert!(aead("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"));
        assert!(!aead("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"));
    }
}
