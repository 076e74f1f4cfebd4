//! Offline checks of password hashes against the bundled credential list.
//!
//! Every hash gets a bounded number of tries that depends on how expensive
//! its scheme is, and hashes whose parameters would make a single try costly
//! (huge round counts, high bcrypt cost, large yescrypt memory) are skipped
//! with a reason instead of stalling the scan: hashes in firmware are
//! hostile input.

use std::collections::BTreeSet;

use super::wordlist::Credentials;

/// A crypt(3) hash scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Traditional DES crypt (13 characters).
    Des,
    /// md5crypt, `$1$`.
    Md5,
    /// Apache's md5 variant, `$apr1$`.
    Apr1,
    /// sha256crypt, `$5$`.
    Sha256,
    /// sha512crypt, `$6$`.
    Sha512,
    /// bcrypt, `$2a$`, `$2b$`, `$2y$`, with its cost.
    Bcrypt(u32),
    /// yescrypt, `$y$`.
    Yescrypt,
    /// Anything else (plain text, unknown prefixes).
    Unknown,
}

impl Scheme {
    /// The scheme's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Des => "DES crypt",
            Scheme::Md5 => "md5crypt",
            Scheme::Apr1 => "apr1 (Apache md5)",
            Scheme::Sha256 => "sha256crypt",
            Scheme::Sha512 => "sha512crypt",
            Scheme::Bcrypt(_) => "bcrypt",
            Scheme::Yescrypt => "yescrypt",
            Scheme::Unknown => "unknown",
        }
    }

    /// Whether the scheme is weak in itself (fast, unsalted or truncating).
    pub fn is_weak(self) -> bool {
        matches!(self, Scheme::Des | Scheme::Md5 | Scheme::Apr1)
    }
}

const ITOA64: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Identify a hash's scheme from its form.
pub fn identify(hash: &str) -> Scheme {
    if let Some(rest) = hash.strip_prefix("$2") {
        let cost = rest
            .get(2..4)
            .filter(|_| rest.get(1..2) == Some("$"))
            .and_then(|c| c.parse().ok());
        return cost.map_or(Scheme::Unknown, Scheme::Bcrypt);
    }
    if hash.starts_with("$1$") {
        Scheme::Md5
    } else if hash.starts_with("$apr1$") {
        Scheme::Apr1
    } else if hash.starts_with("$5$") {
        Scheme::Sha256
    } else if hash.starts_with("$6$") {
        Scheme::Sha512
    } else if hash.starts_with("$y$") {
        Scheme::Yescrypt
    } else if hash.len() == 13 && hash.bytes().all(|b| ITOA64.contains(&b)) {
        Scheme::Des
    } else {
        Scheme::Unknown
    }
}

/// The round count of a sha-crypt hash (`rounds=N$`), 5000 when absent.
fn sha_rounds(hash: &str) -> Option<u64> {
    let rest = hash.get(3..)?;
    match rest.strip_prefix("rounds=") {
        Some(r) => r.split('$').next()?.parse().ok(),
        None => Some(5000),
    }
}

/// yescrypt's cost parameters from `$y$` + flavor, log2 N - 1, r - 1 (itoa64 digits).
fn yescrypt_cost(hash: &str) -> Option<(u32, u32)> {
    let params = hash.strip_prefix("$y$")?.split('$').next()?.as_bytes();
    let digit = |b: u8| ITOA64.iter().position(|x| *x == b);
    let n_log2 = digit(*params.get(1)?)? as u32 + 1;
    let r = digit(*params.get(2)?)? as u32 + 1;
    Some((n_log2, r))
}

/// How many candidates a hash gets, or why it gets none.
fn budget(hash: &str, scheme: Scheme) -> Result<usize, String> {
    match scheme {
        Scheme::Des | Scheme::Md5 | Scheme::Apr1 => Ok(10_000),
        Scheme::Sha256 | Scheme::Sha512 => match sha_rounds(hash) {
            Some(r) if r <= 10_000 => Ok(10_000),
            Some(r) if r <= 200_000 => Ok(40),
            Some(r) => Err(format!("{r} rounds make each try too costly")),
            None => Err("malformed rounds parameter".to_owned()),
        },
        Scheme::Bcrypt(cost) if cost <= 8 => Ok(500),
        Scheme::Bcrypt(cost) if cost <= 10 => Ok(60),
        Scheme::Bcrypt(cost) if cost <= 12 => Ok(12),
        Scheme::Bcrypt(cost) => Err(format!("bcrypt cost {cost} makes each try too costly")),
        Scheme::Yescrypt => match yescrypt_cost(hash) {
            // 2^16 blocks of 128 * r bytes with r <= 32: at most 256 MiB, usually 16 MiB.
            Some((n_log2, r)) if n_log2 <= 14 && r <= 32 => Ok(16),
            Some((n_log2, r)) => Err(format!(
                "yescrypt parameters N=2^{n_log2}, r={r} make each try too costly"
            )),
            None => Err("malformed yescrypt parameters".to_owned()),
        },
        Scheme::Unknown => Err("not a crypt(3) hash this tool knows".to_owned()),
    }
}

/// Whether `password` matches `hash`; `None` when the scheme is unknown or the hash malformed.
pub fn verify(password: &str, hash: &str) -> Option<bool> {
    let scheme = identify(hash);
    // Mismatch is `Some(false)`; any other error means the hash itself is unusable.
    fn outcome<E: PartialEq>(r: Result<(), E>, mismatch: &E) -> Option<bool> {
        match r {
            Ok(()) => Some(true),
            Err(e) if &e == mismatch => Some(false),
            Err(_) => None,
        }
    }
    let result = std::panic::catch_unwind(|| match scheme {
        Scheme::Unknown => None,
        Scheme::Yescrypt => {
            use yescrypt::PasswordVerifier as _;
            outcome(
                yescrypt::Yescrypt::default().verify_password(password.as_bytes(), hash),
                &yescrypt::password_hash::Error::PasswordInvalid,
            )
        }
        Scheme::Sha256 | Scheme::Sha512 => {
            use sha_crypt::PasswordVerifier as _;
            let verifier = if scheme == Scheme::Sha256 {
                sha_crypt::ShaCrypt::SHA256
            } else {
                sha_crypt::ShaCrypt::SHA512
            };
            outcome(
                verifier.verify_password(password.as_bytes(), hash),
                &sha_crypt::password_hash::Error::PasswordInvalid,
            )
        }
        Scheme::Des => Some(crypt3_rs::crypt::unix::verify(password, hash)),
        Scheme::Md5 | Scheme::Apr1 | Scheme::Bcrypt(_) => {
            // crypt3_rs reports a malformed hash as a mismatch; tell them apart
            // by whether the hash can be recomputed at all.
            crypt3_rs::unix::crypt(password, hash)
                .ok()
                .map(|h| h == hash)
        }
    });
    result.ok().flatten()
}

/// What cracking a hash gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrackOutcome {
    /// The password was found among the candidates.
    Found {
        /// The password.
        password: String,
        /// Candidates tried.
        tries: usize,
    },
    /// No candidate matched.
    NotFound {
        /// Candidates tried.
        tries: usize,
    },
    /// The hash was not tried.
    Skipped {
        /// Why.
        reason: String,
    },
}

/// Try the bundled credentials against one account's hash: first the
/// passwords paired with the same user name, then every other password.
pub fn crack(user: &str, hash: &str, credentials: &Credentials) -> CrackOutcome {
    let scheme = identify(hash);
    let limit = match budget(hash, scheme) {
        Ok(n) => n,
        Err(reason) => return CrackOutcome::Skipped { reason },
    };
    let mut seen = BTreeSet::new();
    let mut tries = 0;
    for candidate in credentials.candidates_for(user) {
        if tries >= limit {
            break;
        }
        if !seen.insert(candidate) {
            continue;
        }
        tries += 1;
        match verify(candidate, hash) {
            Some(true) => {
                return CrackOutcome::Found {
                    password: candidate.to_owned(),
                    tries,
                };
            }
            Some(false) => {}
            None => {
                return CrackOutcome::Skipped {
                    reason: format!("malformed {} hash", scheme.name()),
                };
            }
        }
    }
    CrackOutcome::NotFound { tries }
}
