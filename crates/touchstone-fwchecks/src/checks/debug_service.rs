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
        what: "Reports debugging, diagnostic and factory-test daemons started by any boot path (inittab, rc scripts, inetd, xinetd, systemd, procd), from the data list `data/debug-daemons.toml` (each entry with its source): gdbserver, tcpdump, strace, Android adbd, TP-Link tddp, Netgear telnetenable, vendor test daemons.",
        why: "Such services give remote code execution or traffic capture by design and are meant for development; shipping them enabled is an open debug interface (5.6-4) and code beyond the device's needs (5.6-6).",
        fix: "Remove the daemon from production images, or build it out behind a development-only configuration.",
    },
    run,
};

/// One entry of `data/debug-daemons.toml`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Daemon {
    /// The executable's file name.
    pub program: String,
    /// What it gives whoever reaches it.
    pub what: String,
    /// Where it is described.
    pub source: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DaemonFile {
    daemon: Vec<Daemon>,
}

/// The bundled list of debug and factory-test daemons.
pub fn daemons() -> &'static [Daemon] {
    static LIST: std::sync::OnceLock<Vec<Daemon>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        toml::from_str::<DaemonFile>(include_str!("../../data/debug-daemons.toml"))
            .map(|f| f.daemon)
            .unwrap_or_default()
    })
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.boot
        .started
        .iter()
        .filter_map(|s| {
            daemons()
                .iter()
                .find(|d| d.program == s.program)
                .map(|d| (s, d.what.as_str()))
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
