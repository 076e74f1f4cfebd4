//! `fw-debug-service`: a debugging or vendor diagnostic daemon is started.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-debug-service",
        title: "Debug or diagnostic service enabled",
        severity: Severity::High,
        provisions: &["5.6-4", "5.6-6", "5.6-1"],
        test_units: &["5.6-4-2", "5.6-6-1", "5.6-1-2"],
        what: "Reports debugging and vendor diagnostic daemons started during boot: gdbserver, tcpdump, strace, Android adbd, TP-Link tddp, Realtek/Broadcom test daemons.",
        why: "Such services give remote code execution or traffic capture by design and are meant for development; shipping them enabled is an open debug interface (5.6-4) and code beyond the device's needs (5.6-6).",
        fix: "Remove the daemon from production images, or build it out behind a development-only configuration.",
    },
    run,
};

const DEBUG: &[(&str, &str)] = &[
    ("gdbserver", "remote debugger"),
    ("tcpdump", "packet capture"),
    ("strace", "system call tracer"),
    ("adbd", "Android debug bridge"),
    ("tddp", "TP-Link device debug protocol"),
    ("mp_daemon", "manufacturing test daemon"),
    ("atcmd", "AT command console"),
    ("diag", "diagnostic daemon"),
];

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.boot
        .started
        .iter()
        .filter_map(|s| {
            DEBUG
                .iter()
                .find(|(p, _)| *p == s.program)
                .map(|(_, what)| (s, what))
        })
        .map(|(s, what)| {
            ctx.finding(
                &CHECK.info,
                &s.origin.file,
                format!(
                    "`{}` ({what}) is started during boot (line {})",
                    s.program, s.origin.line
                ),
                Some(s.evidence(&s.origin.text)),
            )
        })
        .collect()
}
