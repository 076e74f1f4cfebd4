//! `fw-tls-verification-disabled`: scripts download with certificate checks switched off.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-tls-verification-disabled",
        title: "TLS certificate verification disabled",
        severity: Severity::High,
        provisions: &["5.5-1", "5.3-10", "5.3-7"],
        test_units: &["5.5-1-2", "5.3-10-1", "5.3-7-1"],
        what: "Reads scripts (shell, Lua, PHP, Python) for commands and settings that switch off certificate verification: `curl -k`/`--insecure`, `wget --no-check-certificate`, `verify=False`, `CURLOPT_SSL_VERIFYPEER` set to 0, `SSL_VERIFY_NONE`, PHP's `verify_peer` false, `uclient-fetch --no-check-certificate`.",
        why: "Without certificate verification TLS protects against nobody in the middle: an attacker on the path can read and change the traffic (5.5-1), and when the download is an update, install their own software (5.3-7, 5.3-10).",
        fix: "Verify certificates against a CA bundle or a pinned key shipped in the image; if a private CA is used, ship its certificate instead of disabling checks.",
    },
    run,
};

const PATTERNS: &[(&str, &str)] = &[
    ("curl", " -k "),
    ("curl", " -k\n"),
    ("curl", " --insecure"),
    ("wget", "--no-check-certificate"),
    ("uclient-fetch", "--no-check-certificate"),
    ("", "verify=False"),
    ("", "CURLOPT_SSL_VERIFYPEER, 0"),
    ("", "CURLOPT_SSL_VERIFYPEER, false"),
    ("", "CURLOPT_SSL_VERIFYHOST, 0"),
    ("", "SSL_VERIFY_NONE"),
    ("", "verify_peer = false"),
    ("", "\"verify_peer\" => false"),
];

fn is_script(path: &str, bytes: &[u8]) -> bool {
    bytes.starts_with(b"#!")
        || [".sh", ".lua", ".php", ".py", ".cgi"]
            .iter()
            .any(|ext| path.ends_with(ext))
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for path in ctx.unique.clone() {
        let Some(bytes) = ctx.files.read(&path) else {
            continue;
        };
        if bytes.len() > 1 << 20 || !is_script(&path, &bytes) {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') || trimmed.starts_with("--") {
                continue;
            }
            let padded = format!(" {line}\n");
            if let Some((tool, flag)) = PATTERNS.iter().find(|(tool, flag)| {
                padded.contains(flag) && (tool.is_empty() || padded.contains(tool))
            }) {
                let what = if tool.is_empty() {
                    (*flag).trim().to_owned()
                } else {
                    format!("{tool} {}", flag.trim())
                };
                out.push(ctx.finding(
                    &CHECK.info,
                    &path,
                    format!(
                        "Certificate verification is switched off (`{what}`, line {})",
                        n + 1
                    ),
                    Some(line.trim().to_owned()),
                ));
            }
        }
    }
    out
}
