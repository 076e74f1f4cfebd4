//! `fw-boot-console`: the bootloader or kernel opens a serial console or an interruptible boot.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-boot-console",
        title: "Serial console or interruptible bootloader",
        severity: Severity::Medium,
        provisions: &["5.6-4"],
        test_units: &["5.6-4-2"],
        what: "Looks in boot environments and kernel command lines stored in the image (U-Boot `bootargs`, `bootdelay`, `bootcmd`) for a kernel console on a serial port and a bootloader that waits for a key press.",
        why: "A serial console and an interruptible U-Boot are debug interfaces (5.6-4): with a few wires an attacker can stop the boot, change the kernel arguments (init=/bin/sh) and read or rewrite the flash.",
        fix: "For production set `bootdelay=-2` (or 0 with CONFIG_AUTOBOOT_KEYED and a secret), drop `console=ttyS…` from bootargs or point it at `/dev/null`, and disable the U-Boot command line.",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for path in ctx.unique.clone() {
        let Some(bytes) = ctx.files.read(&path) else {
            continue;
        };
        if bytes.len() > 4 << 20 || !mentions_boot_settings(&bytes) {
            continue;
        }
        // U-Boot environments are NUL-separated `key=value` records; text files are line-separated.
        for record in bytes.split(|b| *b == 0 || *b == b'\n') {
            let Ok(text) = std::str::from_utf8(record) else {
                continue;
            };
            let text = text.trim();
            if let Some(args) = text.strip_prefix("bootargs=")
                && let Some(console) = args
                    .split_whitespace()
                    .find(|a| a.starts_with("console=tty"))
            {
                out.push(ctx.finding(
                    &CHECK.info,
                    &path,
                    format!("The kernel command line opens a serial console (`{console}`)"),
                    Some(text.chars().take(200).collect()),
                ));
            }
            if let Some(delay) = text.strip_prefix("bootdelay=")
                && delay.trim().parse::<i64>().is_ok_and(|d| d > 0)
            {
                out.push(ctx.finding(
                    &CHECK.info,
                    &path,
                    format!(
                        "U-Boot waits {} s for a key press before booting",
                        delay.trim()
                    ),
                    Some(text.to_owned()),
                ));
            }
        }
    }
    out
}

/// A literal prefilter: most files hold neither key, and splitting them into
/// records would cost a pass of UTF-8 checks each.
fn mentions_boot_settings(bytes: &[u8]) -> bool {
    static KEYS: std::sync::OnceLock<Option<regex::bytes::Regex>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| regex::bytes::Regex::new("bootargs=|bootdelay=").ok())
        .as_ref()
        .is_none_or(|re| re.is_match(bytes))
}
