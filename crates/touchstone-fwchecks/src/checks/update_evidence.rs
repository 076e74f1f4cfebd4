//! `fw-update-evidence`: how the image updates itself, and whether anything verifies what it installs.

use touchstone_core::{Finding, Severity, Supports};

use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-update-evidence",
        title: "Evidence about the update mechanism",
        severity: Severity::Info,
        provisions: &["5.3-2", "5.3-7", "5.3-9", "5.7-1"],
        test_units: &["5.3-2-2", "5.3-7-1", "5.3-9-1", "5.7-1-2"],
        what: "Collects evidence about how the device updates and whether updates are verified: update tools (sysupgrade, fw_upgrade, fwupdater, seama, swupdate, RAUC, Mender, opkg), signature verification (usign/opkg keys and `check_signature`, public verification keys, signify), and weakening signs (updates fetched over plain HTTP, checksum-only verification). It reports evidence for the assessor, not a verdict.",
        why: "5.3-2, 5.3-7 and 5.3-9 ask for a secure update mechanism with best-practice cryptography that checks authenticity and integrity; 5.7-1 asks for secure boot. An image shows which tools exist and how they are called, which tells the assessor where to look, but rarely proves on its own that verification is enforced.",
        fix: "Sign update images and verify the signature on the device before installing (for example usign/opkg signatures, signed FIT images with a key in the bootloader, or SWUpdate/RAUC signatures); fetch updates over verified TLS.",
    },
    run,
};

const TOOLS: &[(&str, &str)] = &[
    ("sysupgrade", "OpenWrt sysupgrade"),
    ("fw_upgrade", "vendor firmware upgrade tool"),
    ("fwupdater", "vendor firmware updater"),
    ("seama", "D-Link/Alpha SEAMA image tool"),
    ("swupdate", "SWUpdate"),
    ("rauc", "RAUC"),
    ("mender", "Mender client"),
    ("opkg", "opkg package manager"),
    ("upgrade_firmware", "vendor firmware upgrade tool"),
];

/// What kind of update evidence a fact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    /// An update tool is installed (the fact's `tool` names it).
    Tool,
    /// usign/opkg package-signing public keys are installed.
    SigningKeys,
    /// opkg is configured to check package signatures.
    SignatureCheck,
    /// opkg is configured without signature checking.
    NoSignatureCheck,
    /// A public key that may verify updates.
    VerificationKey,
    /// An update script downloads over plain HTTP.
    PlainHttp,
    /// An update script checks only a checksum.
    ChecksumOnly,
}

/// One piece of update evidence, as the check reports it and as the
/// cross-checks compare it with the declared update mechanism.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateFact {
    /// What it is.
    pub kind: UpdateKind,
    /// Where, inside the image.
    pub path: String,
    /// The finding's message.
    pub message: String,
    /// The line it rests on, when there is one.
    pub evidence: Option<String>,
    /// For a [`UpdateKind::Tool`], the tool's name (`sysupgrade`, `opkg` ...).
    pub tool: Option<&'static str>,
}

fn fact(
    kind: UpdateKind,
    path: &str,
    message: String,
    evidence: Option<String>,
    tool: Option<&'static str>,
) -> UpdateFact {
    UpdateFact {
        kind,
        path: path.to_owned(),
        message,
        evidence,
        tool,
    }
}

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    collect(ctx)
        .into_iter()
        .map(|f| {
            let mut finding = ctx.finding(&CHECK.info, &f.path, f.message, f.evidence);
            finding.supports = Supports::Info;
            finding
        })
        .collect()
}

/// Every piece of update evidence in the files of `ctx`, in report order.
pub fn collect(ctx: &Context<'_>) -> Vec<UpdateFact> {
    let mut out = Vec::new();
    let paths = ctx.files.paths();
    // Tools are often links (to busybox or a multi-call CGI binary): look them up as the shell would.
    for (tool, what) in TOOLS {
        for dir in ["/sbin", "/usr/sbin", "/bin", "/usr/bin"] {
            for name in [tool.to_string(), format!("{tool}.sh")] {
                let p = format!("{dir}/{name}");
                if ctx.files.read(&p).is_some() {
                    out.push(fact(
                        UpdateKind::Tool,
                        &p,
                        format!("Update tool present: {what} (`{p}`)"),
                        None,
                        Some(*tool),
                    ));
                }
            }
        }
    }
    // opkg signature checking and usign keys.
    let keys: Vec<&String> = paths
        .iter()
        .filter(|p| p.starts_with("/etc/opkg/keys/") || p.starts_with("/etc/usign/"))
        .collect();
    if let Some(first) = keys.first() {
        out.push(fact(
            UpdateKind::SigningKeys,
            first,
            format!(
                "{} package-signing public key(s) for usign/opkg are installed",
                keys.len()
            ),
            Some(
                keys.iter()
                    .take(5)
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            None,
        ));
    }
    if let Some(bytes) = ctx.files.read("/etc/opkg.conf") {
        let text = String::from_utf8_lossy(&bytes);
        let checks = text.lines().any(|l| {
            let t = l.trim();
            !t.starts_with('#') && t.contains("check_signature")
        });
        out.push(fact(
            if checks {
                UpdateKind::SignatureCheck
            } else {
                UpdateKind::NoSignatureCheck
            },
            "/etc/opkg.conf",
            if checks {
                "opkg is configured to check package signatures (check_signature)".to_owned()
            } else {
                "opkg does not enable signature checking (no check_signature option)".to_owned()
            },
            None,
            None,
        ));
    }
    // Public verification keys shipped for updates.
    for (path, bytes) in paths.iter().filter_map(|p| {
        let low = p.to_ascii_lowercase();
        (low.contains("pub") || low.contains("key") || low.contains("cert"))
            .then(|| ctx.files.read(p).map(|b| (p, b)))
            .flatten()
    }) {
        if bytes.len() < 64 * 1024
            && bytes
                .windows(26)
                .any(|w| w == b"-----BEGIN PUBLIC KEY-----")
        {
            out.push(fact(
                UpdateKind::VerificationKey,
                path,
                format!("Public key that may verify updates: `{path}`"),
                None,
                None,
            ));
        }
    }
    // Update scripts: plain-HTTP downloads and checksum-only verification weaken the evidence.
    for p in &paths {
        let name = p.rsplit('/').next().unwrap_or(p);
        let looks_like_update = ["upgrade", "update", "fwup", "ota"]
            .iter()
            .any(|k| name.to_ascii_lowercase().contains(k));
        if !looks_like_update {
            continue;
        }
        let Some(bytes) = ctx.files.read(p) else {
            continue;
        };
        if !bytes.starts_with(b"#!") || bytes.len() > 1 << 20 {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for (n, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.starts_with('#') {
                continue;
            }
            if (t.contains("wget ") || t.contains("curl ") || t.contains("tftp "))
                && t.contains("http://")
            {
                out.push(fact(
                    UpdateKind::PlainHttp,
                    p,
                    format!("Update script downloads over plain HTTP (line {})", n + 1),
                    Some(t.to_owned()),
                    None,
                ));
            }
            if t.contains("md5sum") || t.contains("crc32") {
                out.push(fact(
                    UpdateKind::ChecksumOnly,
                    p,
                    format!(
                        "Update script checks a checksum, which proves no origin (line {})",
                        n + 1
                    ),
                    Some(t.to_owned()),
                    None,
                ));
            }
        }
    }
    out
}
