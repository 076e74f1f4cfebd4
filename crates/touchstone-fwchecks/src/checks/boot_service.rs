//! `fw-boot-service`: the network services the image starts, with their options.

use touchstone_core::{Finding, Severity, Supports};

use crate::boot::{Certainty, NETWORK_DAEMONS};
use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-boot-service",
        title: "Network service started at boot",
        severity: Severity::Info,
        provisions: &["5.6-1", "5.6-5", "5.5-4"],
        test_units: &["5.6-1-2", "5.6-5-1", "5.5-4-2"],
        what: "Lists every network-facing daemon the boot sequence starts (web servers, SSH, telnet, FTP/TFTP, UPnP, DNS/DHCP, SNMP, MQTT, mDNS, vendor daemons), with its command line, how it is started and how sure the reading is. It is an inventory for the assessor, not a verdict.",
        why: "5.6-1 and 5.6-5 ask that only the interfaces and services the product needs are enabled, and 5.5-4 that network functions require authentication: the assessor compares this list with the services the IXIT declares (13-SoftServ) and with what a network scan finds.",
        fix: "Remove or disable services the product does not need; document every remaining one in the IXIT with its justification and authentication.",
    },
    run,
};

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.boot
        .started
        .iter()
        .filter(|s| NETWORK_DAEMONS.contains(&s.program.as_str()))
        .map(|s| {
            let how = match s.certainty {
                Certainty::Boot => "at boot",
                Certainty::Conditional => "under a condition during boot",
                Certainty::ConfigOnly => "by its configuration (launcher not seen starting)",
            };
            let mut f = ctx.finding(
                &CHECK.info,
                &s.origin.file,
                format!("`{}` is started {how} (line {})", s.program, s.origin.line),
                Some(s.evidence(&s.command())),
            );
            f.supports = Supports::Info;
            f
        })
        .collect()
}
