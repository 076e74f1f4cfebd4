//! `fw-private-key`: a private key ships inside the image.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};
use crate::secrets::{SecretKind, is_host_key_path, is_known_test_key};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-private-key",
        title: "Private key in the firmware image",
        severity: Severity::High,
        provisions: &["5.4-3", "5.4-4"],
        test_units: &["5.4-3-2", "5.4-4-1"],
        what: "Searches every file, text or binary, for private keys: PEM (RSA, EC, DSA, PKCS#8, encrypted), OpenSSH, PGP, Google Cloud service-account files and Dropbear's own key format. SSH host keys are reported by fw-baked-ssh-host-key instead.",
        why: "A key in the image is the same on every unit and readable by anyone who downloads the firmware: it is a hard-coded critical security parameter (5.4-3) and defeats per-device uniqueness of keys used for communication or updates (5.4-4). TLS server keys let an attacker impersonate every device; client keys let them impersonate one to the cloud.",
        fix: "Generate keys on the device at first boot or provision them per unit at manufacture into protected storage; keep only public keys and certificates in the image.",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.secrets
        .iter()
        .filter(|(path, m)| m.kind == SecretKind::PrivateKey && !is_host_key_path(path))
        // Keys that are public knowledge (OpenSSL's `speed` benchmark keys, by
        // the fingerprint of their DER encoding), whatever file holds them.
        .filter(|(_, m)| !is_known_test_key(&m.fingerprint))
        .map(|(path, m)| {
            ctx.finding_at(
                &CHECK.info,
                path,
                m.offset as u64,
                format!(
                    "{} at offset {:#x} (SHA-256 {})",
                    m.title,
                    m.offset,
                    &m.fingerprint[..16.min(m.fingerprint.len())]
                ),
                Some(m.excerpt.clone()),
            )
        })
        .collect()
}
