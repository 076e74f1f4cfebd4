//! `fw-cleartext-file-service`: FTP or TFTP servers are started.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-cleartext-file-service",
        title: "FTP or TFTP server enabled",
        severity: Severity::Medium,
        provisions: &["5.5-1", "5.5-4", "5.6-1"],
        test_units: &["5.5-1-2", "5.5-4-2", "5.6-1-2"],
        what: "Reports FTP and TFTP servers (ftpd, vsftpd, bftpd, proftpd, pure-ftpd, tftpd, in.tftpd) started during boot or configured in inetd or xinetd.",
        why: "FTP sends credentials in clear text (5.5-1) and TFTP has no authentication at all (5.5-4); either exposes the file system over the network (5.6-1).",
        fix: "Remove the server, or replace it with SFTP over SSH with per-device keys; if a file service is essential, bind it to a setup-only interface and require authentication.",
    },
    run,
};

const FILE_SERVERS: &[&str] = &[
    "ftpd",
    "vsftpd",
    "bftpd",
    "proftpd",
    "pure-ftpd",
    "tftpd",
    "in.tftpd",
    "in.ftpd",
    "utftpd",
];

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.boot
        .started
        .iter()
        .filter(|s| FILE_SERVERS.contains(&s.program.as_str()))
        .map(|s| {
            ctx.finding(
                &CHECK.info,
                &s.origin.file,
                format!(
                    "`{}` is configured to start (line {})",
                    s.program, s.origin.line
                ),
                Some(s.evidence(&s.origin.text)),
            )
        })
        .collect()
}
