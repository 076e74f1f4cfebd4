//! `fw-telnet-service`: a telnet server is started.

use touchstone_core::{Finding, Severity};

use crate::boot::Certainty;
use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-telnet-service",
        title: "Telnet server enabled",
        severity: Severity::High,
        provisions: &["5.5-1", "5.1-3", "5.6-1"],
        test_units: &["5.5-1-2", "5.1-3-2", "5.6-1-2"],
        what: "Reports telnet servers (telnetd, utelnetd, in.telnetd) started by inittab, boot scripts, inetd, xinetd, systemd or procd.",
        why: "Telnet sends passwords and sessions in clear text, so it cannot meet the best-practice cryptography of 5.5-1 and 5.1-3; on consumer devices it is usually a debug leftover that widens the attack surface (5.6-1).",
        fix: "Remove telnetd from the image, or at least from the boot sequence; offer SSH with per-device keys where remote administration is needed.",
    },
    run,
};

const TELNET: &[&str] = &["telnetd", "utelnetd", "in.telnetd"];

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.boot
        .started
        .iter()
        .filter(|s| TELNET.contains(&s.program.as_str()))
        .map(|s| {
            let how = match s.certainty {
                Certainty::Boot => "at boot",
                Certainty::Conditional => "under a condition during boot",
                Certainty::ConfigOnly => {
                    "by its super-server configuration (the super-server was not seen starting)"
                }
            };
            ctx.finding(
                &CHECK.info,
                &s.origin.file,
                format!("A telnet server is started {how} (line {})", s.origin.line),
                Some(s.evidence(&s.origin.text)),
            )
        })
        .collect()
}
