//! `fw-baked-ssh-host-key`: an SSH host key is shipped in the image instead of generated per device.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};
use crate::secrets::{SecretKind, is_host_key_path};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-baked-ssh-host-key",
        title: "SSH host key baked into the image",
        severity: Severity::High,
        provisions: &["5.4-4", "5.4-3"],
        test_units: &["5.4-4-1", "5.4-3-2"],
        what: "Reports SSH server host keys (Dropbear `dropbear_*_host_key`, `rsa_host_key`, OpenSSH `ssh_host_*_key`) present in the image itself, as opposed to keys generated at first boot into writable storage.",
        why: "Every unit of the product then has the same host key: anyone with the firmware can impersonate any device or decrypt recorded sessions with weak key exchange. 5.4-4 requires such critical security parameters to be unique per device.",
        fix: "Delete the key from the image and generate it on first boot (`dropbearkey -t ed25519 -f /var/...` or `ssh-keygen -A`) into persistent writable storage.",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.secrets
        .iter()
        .filter(|(path, m)| m.kind == SecretKind::PrivateKey && is_host_key_path(path))
        .map(|(path, m)| {
            ctx.finding_at(
                &CHECK.info,
                path,
                m.offset as u64,
                format!(
                    "{} is shipped in the image: every unit has the same host key (SHA-256 {})",
                    m.title,
                    &m.fingerprint[..16.min(m.fingerprint.len())]
                ),
                Some(m.excerpt.clone()),
            )
        })
        .collect()
}
