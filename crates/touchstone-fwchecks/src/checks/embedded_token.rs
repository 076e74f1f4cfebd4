//! `fw-embedded-token`: API tokens, cloud credentials or Wi-Fi passphrases in the image.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};
use crate::secrets::SecretKind;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-embedded-token",
        title: "Credential or token in the firmware image",
        severity: Severity::High,
        provisions: &["5.4-3"],
        test_units: &["5.4-3-2"],
        what: "Searches every file, text or binary, for cloud credentials and API tokens (AWS, Google, GitHub, Slack) and preset Wi-Fi passphrases, using the rules in data/secrets.toml.",
        why: "A token compiled into the firmware is shared by every unit and extractable by anyone; it is a hard-coded critical security parameter (5.4-3) and often opens the vendor's cloud account.",
        fix: "Remove the credential, revoke it, and give each device its own credential provisioned at manufacture or obtained at onboarding.",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.secrets
        .iter()
        .filter(|(_, m)| m.kind != SecretKind::PrivateKey)
        .map(|(path, m)| {
            ctx.finding_at(
                &CHECK.info,
                path,
                m.offset as u64,
                format!("{} at offset {:#x}", m.title, m.offset),
                Some(m.excerpt.clone()),
            )
        })
        .collect()
}
