//! `fw-serial-login`: a login prompt on a serial console, crossed with the
//! password state of the accounts that can use it.

use std::collections::BTreeMap;

use touchstone_core::{Finding, Severity, Supports};

use crate::check::{Check, CheckInfo, Context};
use crate::credentials::PasswordField;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-serial-login",
        title: "Login on a serial console",
        severity: Severity::High,
        provisions: &["5.6-4", "5.1-1"],
        test_units: &["5.6-4-2", "5.1-1-2"],
        what: "Finds login prompts on serial consoles: inittab lines running getty or login on ttyS*, ttyAMA*, ttyUSB*, ttyMSM*, ttyHS*, ttymxc*, ttyO* or the console (respawn, askfirst...), and enabled systemd `serial-getty@` units. It then reads the password state of every account that can log in: an account with an empty password makes the prompt an open door (a failure); otherwise the prompt is listed for the assessor with each account's state (hash or locked).",
        why: "A UART is reachable with a few wires once the case is open. A login there is a physically accessible debug interface (5.6-4); when an account has no password it is a universal default credential as well (5.1-1).",
        fix: "Disable the serial getty in production builds (remove the inittab line or the serial-getty@ unit, drop console= from the kernel command line), or at least give every account that can log in a unique per-device password or lock it.",
    },
    run,
};

const SERIAL: &[&str] = &[
    "ttyS", "ttyAMA", "ttyUSB", "ttyMSM", "ttyHS", "ttymxc", "ttyO", "ttySAC", "console",
];

/// Whether a terminal name is a serial port (`ttyS0`, `/dev/ttyAMA0` ...).
pub fn is_serial(tty: &str) -> bool {
    let tty = tty.trim_start_matches("/dev/");
    SERIAL.iter().any(|p| tty.starts_with(p))
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    // Where a login prompt runs: (file, line, tty, evidence).
    let mut prompts: Vec<(String, usize, String, String)> = ctx
        .boot
        .consoles
        .iter()
        .filter(|c| c.login && is_serial(&c.tty))
        .map(|c| {
            (
                c.origin.file.clone(),
                c.origin.line,
                c.tty.clone(),
                c.origin.text.trim().to_owned(),
            )
        })
        .collect();
    for base in [
        "/etc/systemd/system",
        "/lib/systemd/system",
        "/usr/lib/systemd/system",
    ] {
        for wants in ctx.files.list(base) {
            if !wants.ends_with(".wants") {
                continue;
            }
            let dir = format!("{base}/{wants}");
            for unit in ctx.files.list(&dir) {
                if let Some(tty) = unit
                    .strip_prefix("serial-getty@")
                    .and_then(|u| u.strip_suffix(".service"))
                {
                    prompts.push((
                        format!("{dir}/{unit}"),
                        0,
                        tty.to_owned(),
                        format!("{unit} enabled in {dir}"),
                    ));
                }
            }
        }
    }
    if prompts.is_empty() {
        return Vec::new();
    }
    // The effective password state per user: shadow wins over passwd.
    let mut state: BTreeMap<&str, &PasswordField> = BTreeMap::new();
    for a in &ctx.accounts {
        if !ctx.can_log_in(&a.account.user) {
            continue;
        }
        let entry = state
            .entry(a.account.user.as_str())
            .or_insert(&a.account.password);
        if matches!(entry, PasswordField::Shadowed) || a.file.contains("shadow") {
            *entry = &a.account.password;
        }
    }
    let empty: Vec<&str> = state
        .iter()
        .filter(|(_, p)| matches!(p, PasswordField::Empty))
        .map(|(u, _)| *u)
        .collect();
    let described: Vec<String> = state
        .iter()
        .map(|(u, p)| {
            let s = match p {
                PasswordField::Empty => "no password",
                PasswordField::Shadowed => "password in a shadow file not found",
                PasswordField::Locked(_) => "locked",
                PasswordField::Hash(_) => {
                    "password hash (see fw-default-password for cracked ones)"
                }
            };
            format!("{u}: {s}")
        })
        .collect();
    prompts
        .into_iter()
        .map(|(file, line, tty, evidence)| {
            let at = if line > 0 {
                format!(" (line {line})")
            } else {
                String::new()
            };
            let mut f = if empty.is_empty() {
                ctx.finding(
                    &CHECK.info,
                    &file,
                    format!("A login prompt runs on the serial console {tty}{at}; no account that can log in has an empty password"),
                    Some(format!("{evidence}\naccounts: {}", described.join("; "))),
                )
            } else {
                ctx.finding(
                    &CHECK.info,
                    &file,
                    format!(
                        "A login prompt runs on the serial console {tty}{at} and {} can log in there without a password",
                        empty.join(", ")
                    ),
                    Some(format!("{evidence}\naccounts: {}", described.join("; "))),
                )
            };
            if empty.is_empty() {
                f.supports = Supports::Info;
                f.severity = Severity::Info;
            }
            f
        })
        .collect()
}
