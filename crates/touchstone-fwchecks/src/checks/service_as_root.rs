//! `fw-service-as-root`: a network service runs as root.

use touchstone_core::{Finding, Severity};

use crate::boot::{NETWORK_DAEMONS, Via};
use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-service-as-root",
        title: "Network service runs as root",
        severity: Severity::Low,
        provisions: &["5.6-7"],
        test_units: &["5.6-7-1"],
        what: "Reports network-facing daemons whose launcher runs them as root: inetd/xinetd entries with user root, systemd units without User=, and daemons started by init scripts without a user option (`-u`, `--user`, `chuid`).",
        why: "Software should run with the least privilege it needs (5.6-7): a flaw in a root service hands over the whole device.",
        fix: "Run the service under a dedicated unprivileged user (User= in the unit, the user column of inetd.conf, or the daemon's own option), with only the capabilities it needs.",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.boot
        .started
        .iter()
        .filter(|s| NETWORK_DAEMONS.contains(&s.program.as_str()))
        // Super-servers must start as root to bind their ports; their children are judged instead.
        .filter(|s| !matches!(s.program.as_str(), "inetd" | "xinetd"))
        .filter(|s| match s.via {
            Via::Inetd | Via::Xinetd | Via::Systemd => {
                s.user.as_deref().is_none_or(|u| u == "root")
            }
            Via::Inittab | Via::Script | Via::Procd => {
                !(s.has_flag("--user")
                    || s.has_flag("-c") && s.program == "start-stop-daemon"
                    || s.args.iter().any(|a| a.starts_with("--chuid")))
                    && !(s.program == "lighttpd" || s.program == "nginx" || s.program == "dnsmasq")
            }
        })
        .map(|s| {
            ctx.finding(
                &CHECK.info,
                &s.origin.file,
                format!("`{}` runs as root (line {})", s.program, s.origin.line),
                Some(s.evidence(&s.origin.text)),
            )
        })
        .collect()
}
