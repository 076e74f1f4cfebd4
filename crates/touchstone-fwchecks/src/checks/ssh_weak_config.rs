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
    let mut lines: Vec<(String, usize, String)> = Vec::new();
    expand(ctx, path, 0, &mut lines);
    if lines.is_empty() {
        return out;
    }
    // Global options come before the first Match; the first value wins.
    let global: Vec<&(String, usize, String)> = lines
        .iter()
        .take_while(|(_, _, l)| !keyword(l).eq_ignore_ascii_case("Match"))
        .collect();
    let first = |key: &str| -> Option<(&str, usize, &str, String)> {
        global.iter().find_map(|(file, n, l)| {
            keyword(l)
                .eq_ignore_ascii_case(key)
                .then(|| (file.as_str(), *n, value(l), l.trim().to_owned()))
        })
    };
    if let Some((file, line, v, raw)) = first("PermitEmptyPasswords")
        && v.eq_ignore_ascii_case("yes")
    {
        out.push(ctx.finding(
            &CHECK.info,
            file,
            format!("sshd permits empty passwords (line {line})"),
            Some(raw),
        ));
    }
    let password_auth =
        first("PasswordAuthentication").is_none_or(|(_, _, v, _)| v.eq_ignore_ascii_case("yes"));
    match first("PermitRootLogin") {
        Some((file, line, v, raw)) if v.eq_ignore_ascii_case("yes") && password_auth => {
            out.push(ctx.finding(
                &CHECK.info,
                file,
                format!("sshd permits root logins with a password (line {line})"),
                Some(raw),
            ));
        }
        None if password_auth => {
            // The default was `yes` before OpenSSH 7.0, `prohibit-password` since.
            if let Some(version) = openssh_version(ctx)
                && version < (7, 0)
            {
                out.push(ctx.finding(
                    &CHECK.info,
                    path,
                    format!(
                        "sshd permits root logins with a password: PermitRootLogin is not set and OpenSSH {}.{} defaults to yes",
                        version.0, version.1
                    ),
                    Some("PermitRootLogin (absent)".to_owned()),
                ));
            }
        }
        _ => {}
    }
    // Match blocks: options that apply to the connections they match.
    let mut current: Option<&str> = None;
    for (file, n, l) in &lines {
        let k = keyword(l);
        if k.eq_ignore_ascii_case("Match") {
            current = Some(l.trim());
            continue;
        }
        let Some(block) = current else { continue };
        let v = value(l);
        let what =
            if k.eq_ignore_ascii_case("PermitEmptyPasswords") && v.eq_ignore_ascii_case("yes") {
                "empty passwords"
            } else if k.eq_ignore_ascii_case("PermitRootLogin") && v.eq_ignore_ascii_case("yes") {
                "root logins with a password"
            } else {
                continue;
            };
        out.push(ctx.finding(
            &CHECK.info,
            file,
            format!("sshd permits {what} for connections matching `{block}` (line {n})"),
            Some(format!("{block}\n{}", l.trim())),
        ));
    }
    out
}

fn keyword(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("")
}

fn value(line: &str) -> &str {
    line.split_whitespace().nth(1).unwrap_or("")
}

/// The lines of an sshd_config with `Include` files read in place
/// (globs in the last component, paths relative to /etc/ssh), at most four
/// levels and 10,000 lines: (file, line number, text).
fn expand(ctx: &Context<'_>, path: &str, depth: usize, out: &mut Vec<(String, usize, String)>) {
    if depth > 4 || out.len() > 10_000 {
        return;
    }
    let Some(bytes) = ctx.files.read(path) else {
        return;
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if keyword(t).eq_ignore_ascii_case("Include") {
            for pattern in t.split_whitespace().skip(1) {
                let pattern = if pattern.starts_with('/') {
                    pattern.to_owned()
                } else {
                    format!("/etc/ssh/{pattern}")
                };
                let (dir, name) = pattern.rsplit_once('/').unwrap_or(("/", &pattern));
                let mut names: Vec<String> = ctx
                    .files
                    .list(if dir.is_empty() { "/" } else { dir })
                    .into_iter()
                    .filter(|n| crate::boot::glob_match(name.as_bytes(), n.as_bytes()))
                    .collect();
                names.sort();
                for n in names {
                    expand(ctx, &format!("{dir}/{n}"), depth + 1, out);
                }
            }
            continue;
        }
        if out.len() > 10_000 {
            return;
        }
        out.push((path.to_owned(), i + 1, t.to_owned()));
    }
}

/// The OpenSSH version the image ships, as (major, minor), when identified.
fn openssh_version(ctx: &Context<'_>) -> Option<(u32, u32)> {
    ctx.components
        .iter()
        .filter(|(_, c)| c.id == "openssh")
        .find_map(|(_, c)| {
            let v = c.version.as_deref()?;
            let mut parts = v.split(|ch: char| !ch.is_ascii_digit());
            let major = parts.next()?.parse().ok()?;
            let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
            Some((major, minor))
        })
}
