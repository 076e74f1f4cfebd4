//! `net-ssh-weak-algorithm`: SSH algorithms outside the crypto policy.
//!
//! # What it checks
//!
//! Reads the server's KEXINIT (sent in clear after the identification line)
//! and grades every key exchange, host key, cipher and MAC algorithm it
//! offers against the crypto policy. Compression is not graded.
//!
//! # Why it matters
//!
//! EN 303 645 5.5-1: a client that negotiates with the device may end up on
//! SHA-1 key exchange, CBC ciphers or MD5 MACs if the server offers them.
//!
//! # How to fix
//!
//! Remove the listed algorithms from the server configuration (Dropbear:
//! build options in `localoptions.h`; OpenSSH: `KexAlgorithms`, `Ciphers`,
//! `MACs`, `HostKeyAlgorithms`).
//!
//! # Provisions and test units
//!
//! 5.5-1 (test unit 5.5-1-2a). One finding per weak algorithm; a `pass` per
//! service that offers none.

use touchstone_core::{Finding, Severity, Supports};

use super::{CheckInfo, finding, judged, network};
use crate::policy::{CryptoPolicy, Grade, SshAlgorithmKind};
use crate::{ProbeReport, Transport};

/// Metadata.
pub const INFO: CheckInfo = CheckInfo {
    id: "net-ssh-weak-algorithm",
    provisions: &["5.5-1"],
    test_units: &["5.5-1-2a"],
    summary: "SSH algorithms outside the crypto policy",
};

/// Findings per weak algorithm, or a pass per service.
pub fn run(report: &ProbeReport, policy: &CryptoPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &report.ssh {
        let Some(k) = &s.report.kexinit else { continue };
        let location = network(&s.host, s.port, Transport::Tcp, "ssh");
        let mut lists: Vec<(SshAlgorithmKind, Vec<&String>)> = vec![
            (SshAlgorithmKind::Kex, k.kex.iter().collect()),
            (SshAlgorithmKind::HostKey, k.host_key.iter().collect()),
        ];
        let mut ciphers: Vec<&String> = k.ciphers_s2c.iter().chain(&k.ciphers_c2s).collect();
        let mut macs: Vec<&String> = k.macs_s2c.iter().chain(&k.macs_c2s).collect();
        dedup(&mut ciphers);
        dedup(&mut macs);
        lists.push((SshAlgorithmKind::Cipher, ciphers));
        lists.push((SshAlgorithmKind::Mac, macs));
        let mut bad = 0;
        for (kind, names) in lists {
            for name in names {
                let rated = policy.ssh(kind, name);
                if rated.grade >= Grade::Weak {
                    bad += 1;
                    let (severity, supports) = judged(rated.grade);
                    out.push(finding(
                        &INFO,
                        severity,
                        supports,
                        location.clone(),
                        format!(
                            "offers {} algorithm {name} ({}): {}",
                            kind.as_str(),
                            rated.grade.as_str(),
                            rated.reason
                        ),
                        s.report.banner.as_ref().map(|b| b.line.clone()),
                    ));
                }
            }
        }
        if bad == 0 {
            out.push(finding(
                &INFO,
                Severity::Info,
                Supports::Pass,
                location,
                "every offered key exchange, host key, cipher and MAC algorithm is best practice"
                    .to_owned(),
                None,
            ));
        }
    }
    out
}

fn dedup(v: &mut Vec<&String>) {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|s| seen.insert(s.as_str().to_owned()));
}
