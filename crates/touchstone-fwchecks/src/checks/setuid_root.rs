//! `fw-setuid-root`: programs that run with root's privileges whoever starts them.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-setuid-root",
        title: "Setuid-root programs",
        severity: Severity::Medium,
        provisions: &["5.6-7"],
        test_units: &["5.6-7-1"],
        what: "Reports files owned by root with the setuid bit, as recorded in the image's file system.",
        why: "Least privilege (5.6-7): a setuid-root program turns any flaw in it into root access for every local process. On single-user embedded systems setuid is rarely needed at all; BusyBox installed setuid makes every applet a candidate.",
        fix: "Drop the setuid bit; give the program the one capability it needs, or run it as a dedicated user.",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.files
        .modes()
        .into_iter()
        .filter(|e| !e.dir && e.uid == 0 && e.mode & 0o4000 != 0)
        .map(|e| {
            ctx.finding(
                &CHECK.info,
                &e.path,
                format!("`{}` is setuid root (mode {:04o})", e.path, e.mode),
                None,
            )
        })
        .collect()
}
