//! `fw-cmdline-credentials`: a daemon is started with a fixed user and password on its command line.

use touchstone_core::{Finding, Severity};

use crate::boot::{Boot, Certainty, Started};
use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-cmdline-credentials",
        title: "Hard-coded credentials on a boot command line",
        severity: Severity::Critical,
        provisions: &["5.1-1", "5.4-3"],
        test_units: &["5.1-1-2", "5.4-3-2"],
        what: "Reads the boot sequence for daemons started with a user and password on their command line, such as `telnetd -u user:password`, with variables expanded from the files the scripts read (``image_sign=`cat /etc/config/image_sign` ``).",
        why: "A credential written into a boot script is identical on every unit of the product: it is a universal default password (5.1-1) and a hard-coded critical security parameter (5.4-3), typically a vendor back door.",
        fix: "Remove the credential from the command line; if a service account is needed, give it a unique per-device secret provisioned at manufacture, or disable the service.",
    },
    run,
};

/// Daemons whose `-u user:password` option sets a login credential.
const USER_PASS_FLAG: &[&str] = &["telnetd", "utelnetd"];

/// Every command of the boot that sets a login credential on its command
/// line: the command, the user and the password.
pub fn found(boot: &Boot) -> Vec<(&Started, &str, &str)> {
    boot.started
        .iter()
        .filter(|s| USER_PASS_FLAG.contains(&s.program.as_str()))
        .filter_map(|s| {
            let (user, password) = s.flag_value("-u")?.split_once(':')?;
            Some((s, user, password))
        })
        .collect()
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (s, user, password) in found(&ctx.boot) {
        let when = match s.certainty {
            Certainty::Boot => "at every boot",
            Certainty::Conditional => "under a condition of the boot scripts",
            Certainty::ConfigOnly => "when its launcher runs",
        };
        out.push(ctx.finding(
            &CHECK.info,
            &s.origin.file,
            format!(
                "`{}` is started {when} with the fixed login `{user}` / `{}` (line {})",
                s.program,
                ctx.secret(password),
                s.origin.line
            ),
            Some(format!(
                "{}  =>  {}",
                s.origin.text.trim(),
                s.command().replace(password, &ctx.secret(password))
            )),
        ));
    }
    out
}
