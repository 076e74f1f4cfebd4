//! `fw-ssh-weak-config`: the SSH server allows empty passwords or password logins as root.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-ssh-weak-config",
        title: "SSH server accepts empty passwords or root password logins",
        severity: Severity::High,
        provisions: &["5.1-1", "5.1-3", "5.1-5"],
        test_units: &["5.1-1-2", "5.1-3-2", "5.1-5-2"],
        what: "Reads how SSH servers are started and configured: Dropbear's `-B` (blank passwords allowed) and the absence of `-s`, `-g` and `-w` (root logs in with a password), on every boot path including inetd, OpenSSH's `PermitEmptyPasswords yes`, and `PermitRootLogin yes` together with password authentication.",
        why: "An SSH server that accepts empty passwords lets anyone in (5.1-1); root logins by password invite guessing of the most powerful account over the network (5.1-5) and bypass per-user authentication (5.1-3).",
        fix: "Start Dropbear without `-B` (and with `-s` or `-g` where possible); in sshd_config set `PermitEmptyPasswords no` and `PermitRootLogin prohibit-password` or `no`.",
    },
    run,
};

fn sshd_option<'a>(text: &'a str, key: &str) -> Option<(usize, &'a str, &'a str)> {
    text.lines().enumerate().find_map(|(n, l)| {
        let t = l.trim();
        let mut parts = t.split_whitespace();
        let k = parts.next()?;
        (k.eq_ignore_ascii_case(key)).then(|| (n + 1, parts.next().unwrap_or(""), l))
    })
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in ctx.boot.started.iter().filter(|s| s.program == "dropbear") {
        if s.has_flag("-B") {
            out.push(ctx.finding(
                &CHECK.info,
                &s.origin.file,
                format!("Dropbear is started with -B: accounts with an empty password can log in (line {})", s.origin.line),
                Some(s.evidence(&s.origin.text)),
            ));
        }
        // -s disables password logins, -g those of root, -w root logins altogether.
        if !s.has_flag("-s") && !s.has_flag("-g") && !s.has_flag("-w") {
            out.push(ctx.finding(
                &CHECK.info,
                &s.origin.file,
                format!(
                    "Dropbear is started without -s, -g or -w: root can log in with a password (line {})",
                    s.origin.line
                ),
                Some(s.evidence(&s.origin.text)),
            ));
        }
    }
    let path = "/etc/ssh/sshd_config";
    if let Some(bytes) = ctx.files.read(path) {
        let text = String::from_utf8_lossy(&bytes);
        if let Some((line, v, raw)) = sshd_option(&text, "PermitEmptyPasswords")
            && v.eq_ignore_ascii_case("yes")
        {
            out.push(ctx.finding(
                &CHECK.info,
                path,
                format!("sshd permits empty passwords (line {line})"),
                Some(raw.trim().to_owned()),
            ));
        }
        let password_auth = sshd_option(&text, "PasswordAuthentication")
            .is_none_or(|(_, v, _)| v.eq_ignore_ascii_case("yes"));
        if let Some((line, v, raw)) = sshd_option(&text, "PermitRootLogin")
            && v.eq_ignore_ascii_case("yes")
            && password_auth
        {
            out.push(ctx.finding(
                &CHECK.info,
                path,
                format!("sshd permits root logins with a password (line {line})"),
                Some(raw.trim().to_owned()),
            ));
        }
    }
    out
}
