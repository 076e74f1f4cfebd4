//! `fw-esp-secure-boot`: whether ESP-IDF images carry a secure boot signature.

use touchstone_core::{Finding, Severity, Supports};

use crate::check::{Check, CheckInfo, Context};
use crate::esp::{Signature, parse};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-esp-secure-boot",
        title: "ESP-IDF image without a secure boot signature",
        severity: Severity::Medium,
        provisions: &["5.7-1"],
        test_units: &["5.7-1-2"],
        what: "Parses ESP-IDF (ESP32 family) bootloader and application images: header, segments, appended SHA-256, and whether a secure boot signature follows the image (a v2 signature block at the next 4 KiB boundary, or a v1 signature). An image without one is reported; one with a signature is listed for the assessor.",
        why: "5.7-1 asks that software is verified with a secure boot mechanism. ESP-IDF's secure boot checks a signature appended to each image; an unsigned image can only boot on a chip whose secure boot is disabled (or it is signed later, which the assessor should then see in the manufacturer's process).",
        fix: "Enable secure boot v2 (CONFIG_SECURE_BOOT_V2_ENABLED) and sign the bootloader and every application image; burn the key digest into eFuse at manufacture.",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for path in &ctx.unique {
        let Some(bytes) = ctx.files.read(path) else {
            continue;
        };
        let Some(image) = parse(&bytes) else { continue };
        let what = format!(
            "ESP-IDF image (chip id {}, {} segment(s), entry {:#x}{})",
            image.chip_id,
            image.segments.len(),
            image.entry,
            if image.hash_appended {
                ", SHA-256 appended"
            } else {
                ""
            }
        );
        let mut f = match image.signature {
            Signature::None => ctx.finding(
                &CHECK.info,
                path,
                format!("{what} carries no secure boot signature"),
                Some(format!(
                    "image ends at {:#x}; no signature block follows",
                    image.size
                )),
            ),
            Signature::V1 | Signature::V2 => {
                let mut f = ctx.finding(
                    &CHECK.info,
                    path,
                    format!(
                        "{what} carries a secure boot {} signature",
                        if image.signature == Signature::V2 {
                            "v2"
                        } else {
                            "v1"
                        }
                    ),
                    None,
                );
                f.supports = Supports::Info;
                f.severity = Severity::Info;
                f
            }
        };
        if let Some(touchstone_core::Location::Firmware { offset, .. }) = &mut f.location {
            *offset = Some(0);
        }
        out.push(f);
    }
    out
}
