//! `fw-console-shell`: a root shell is offered on a console without a login.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-console-shell",
        title: "Shell on a console without login",
        severity: Severity::High,
        provisions: &["5.6-4"],
        test_units: &["5.6-4-2"],
        what: "Reads /etc/inittab for shells started on a terminal (serial console, tty) without getty or login, including BusyBox `askfirst` shells that only wait for Enter.",
        why: "A shell on the serial console is a debug interface: anyone who opens the case and attaches to the UART gets root without a password. EN 303 645 5.6-4 requires physically accessible debug interfaces to be disabled in software.",
        fix: "Remove the shell lines from inittab, or run a login (getty/login) that asks for a per-device password; disable the console in the kernel command line for production.",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.boot
        .consoles
        .iter()
        .filter(|c| !c.login)
        .map(|c| {
            ctx.finding(
                &CHECK.info,
                &c.origin.file,
                format!(
                    "inittab starts `{}` on {} ({}) without a login (line {})",
                    c.program, c.tty, c.action, c.origin.line
                ),
                Some(c.origin.text.trim().to_owned()),
            )
        })
        .collect()
}
