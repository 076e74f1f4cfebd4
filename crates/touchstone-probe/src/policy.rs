//! The crypto policy: what counts as best practice, kept in data.
//!
//! The policy is `data/crypto-policy.toml`, embedded at build time. Every
//! grade comes with the reason that findings print, so a verdict can always
//! be traced to a line of that file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How an algorithm or protocol version is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grade {
    /// Best practice.
    Good,
    /// Not in the policy: reported for information only.
    Unknown,
    /// Deprecated; supports a FAIL at medium severity.
    Weak,
    /// Broken; supports a FAIL at high severity.
    Insecure,
}

impl Grade {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Good => "good",
            Grade::Unknown => "unknown",
            Grade::Weak => "weak",
            Grade::Insecure => "insecure",
        }
    }
}

/// A grade with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rated {
    /// The grade.
    pub grade: Grade,
    /// Why, in one phrase.
    pub reason: String,
}

/// The whole policy file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CryptoPolicy {
    /// Format version of the file.
    pub version: u32,
    /// TLS rules.
    pub tls: TlsPolicy,
    /// SSH rules.
    pub ssh: SshPolicy,
}

/// TLS part of the policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsPolicy {
    /// Grade per protocol version name (`SSLv3` … `TLSv1.3`).
    pub versions: BTreeMap<String, Rated>,
    /// Ordered cipher-suite rules; the first match wins.
    pub cipher_rules: Vec<CipherRule>,
    /// Certificate limits.
    pub certificate: CertificatePolicy,
    /// Grade per chain problem code (`untrusted`, `untrusted_public_only`,
    /// `expired`, `not_yet_valid`, `self_signed`, `name_mismatch`).
    pub chain: BTreeMap<String, Rated>,
}

/// A cipher-suite rule: every `contains` string occurs in the IANA name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CipherRule {
    /// Substrings of the IANA suite name that must all occur.
    pub contains: Vec<String>,
    /// The grade.
    pub grade: Grade,
    /// The reason.
    pub reason: String,
}

/// Certificate limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificatePolicy {
    /// Smallest acceptable RSA modulus.
    pub min_rsa_bits: u32,
    /// Smallest acceptable EC key.
    pub min_ec_bits: u32,
    /// Signature hashes that make a certificate insecure.
    pub insecure_signature_hashes: Vec<String>,
}

/// SSH part of the policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshPolicy {
    /// Key exchange algorithms.
    pub kex: BTreeMap<String, Rated>,
    /// Host key algorithms.
    pub host_key: BTreeMap<String, Rated>,
    /// Ciphers.
    pub cipher: BTreeMap<String, Rated>,
    /// MACs.
    pub mac: BTreeMap<String, Rated>,
    /// Host key sizes.
    pub host_key_size: HostKeySizePolicy,
}

/// Host key size limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostKeySizePolicy {
    /// Smallest acceptable RSA modulus.
    pub min_rsa_bits: u32,
}

/// The text of the bundled policy.
pub const BUNDLED_POLICY: &str = include_str!("../data/crypto-policy.toml");

impl CryptoPolicy {
    /// The bundled policy.
    ///
    /// # Errors
    ///
    /// Never for the bundled file (a unit test parses it); the `Result` is
    /// kept so a caller-supplied policy goes through the same path.
    pub fn bundled() -> Result<CryptoPolicy, toml::de::Error> {
        CryptoPolicy::parse(BUNDLED_POLICY)
    }

    /// Parse a policy file.
    ///
    /// # Errors
    ///
    /// The TOML error when the text is not a valid policy.
    pub fn parse(text: &str) -> Result<CryptoPolicy, toml::de::Error> {
        toml::from_str(text)
    }

    /// Grade a TLS protocol version by name.
    pub fn tls_version(&self, name: &str) -> Rated {
        self.tls
            .versions
            .get(name)
            .cloned()
            .unwrap_or_else(|| Rated {
                grade: Grade::Unknown,
                reason: "not in the crypto policy".into(),
            })
    }

    /// Grade a TLS cipher suite by IANA name.
    pub fn tls_cipher(&self, name: &str) -> Rated {
        for rule in &self.tls.cipher_rules {
            if rule.contains.iter().all(|c| name.contains(c.as_str())) {
                return Rated {
                    grade: rule.grade,
                    reason: rule.reason.clone(),
                };
            }
        }
        if name.starts_with("0x") {
            return Rated {
                grade: Grade::Unknown,
                reason: "suite not in Touchstone's table".into(),
            };
        }
        Rated {
            grade: Grade::Good,
            reason: "forward-secret AEAD or otherwise unobjectionable suite".into(),
        }
    }

    /// Grade an SSH algorithm of a KEXINIT list.
    pub fn ssh(&self, kind: SshAlgorithmKind, name: &str) -> Rated {
        let table = match kind {
            SshAlgorithmKind::Kex => &self.ssh.kex,
            SshAlgorithmKind::HostKey => &self.ssh.host_key,
            SshAlgorithmKind::Cipher => &self.ssh.cipher,
            SshAlgorithmKind::Mac => &self.ssh.mac,
        };
        table.get(name).cloned().unwrap_or_else(|| Rated {
            grade: Grade::Unknown,
            reason: "not in the crypto policy".into(),
        })
    }
}

/// The graded SSH algorithm lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshAlgorithmKind {
    /// Key exchange.
    Kex,
    /// Host key.
    HostKey,
    /// Encryption.
    Cipher,
    /// Integrity.
    Mac,
}

impl SshAlgorithmKind {
    /// Name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            SshAlgorithmKind::Kex => "key exchange",
            SshAlgorithmKind::HostKey => "host key",
            SshAlgorithmKind::Cipher => "cipher",
            SshAlgorithmKind::Mac => "MAC",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_policy_parses_and_grades() {
        let p = CryptoPolicy::bundled().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.tls_version("TLSv1.0").grade, Grade::Insecure);
        assert_eq!(p.tls_version("TLSv1.3").grade, Grade::Good);
        assert_eq!(
            p.tls_cipher("TLS_RSA_WITH_RC4_128_SHA").grade,
            Grade::Insecure
        );
        assert_eq!(
            p.tls_cipher("TLS_RSA_WITH_AES_128_GCM_SHA256").grade,
            Grade::Weak
        );
        assert_eq!(
            p.tls_cipher("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA").grade,
            Grade::Weak
        );
        assert_eq!(
            p.tls_cipher("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").grade,
            Grade::Good
        );
        assert_eq!(p.tls_cipher("TLS_AES_128_GCM_SHA256").grade, Grade::Good);
        assert_eq!(
            p.tls_cipher("TLS_ECDH_anon_WITH_AES_128_CBC_SHA").grade,
            Grade::Insecure
        );
        assert_eq!(p.ssh(SshAlgorithmKind::Mac, "hmac-sha1").grade, Grade::Weak);
        assert_eq!(
            p.ssh(SshAlgorithmKind::Kex, "x-unheard-of").grade,
            Grade::Unknown
        );
    }
}
