//! `fw-eol-component`: a component whose version no longer gets security fixes.

use std::collections::BTreeSet;

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};
use crate::components::VersionKind;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-eol-component",
        title: "End-of-life software component",
        severity: Severity::High,
        provisions: &["5.2-3", "5.3-8", "5.5-2"],
        test_units: &["5.2-3-1", "5.3-8-1", "5.5-2-2"],
        what: "Identifies software components and their versions from version strings and file names (OpenSSL, mbedTLS, wolfSSL, GnuTLS, Dropbear, OpenSSH, BusyBox, the Linux kernel, C libraries, web servers, dnsmasq, hostapd, curl, zlib; see data/components.toml) and reports versions whose upstream support ended before the scan date.",
        why: "A component past its end of life gets no more security fixes, so known vulnerabilities stay open for good: the manufacturer cannot keep the product secure (5.2-3, 5.3-8), and for TLS and crypto libraries the network security implementation is no longer a reviewed, maintained one (5.5-2).",
        fix: "Move to a supported release of the component (for OpenSSL, 3.0 LTS or later) and track its end-of-life dates in the product's support plan.",
    },
    run,
};

/// Crypto and network-security libraries: an end-of-life version of these is worse.
const CRYPTO: &[&str] = &[
    "openssl", "mbedtls", "polarssl", "wolfssl", "gnutls", "dropbear", "openssh", "bearssl",
];

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    // A library file name (soname) only hints at a branch: skip it when the
    // same component also shows a release version.
    let released: BTreeSet<&str> = ctx
        .components
        .iter()
        .filter(|(_, c)| c.version.is_some() && c.version_kind == VersionKind::Release)
        .map(|(_, c)| c.id.as_str())
        .collect();
    for (path, c) in &ctx.components {
        if c.version_kind == VersionKind::Soname && released.contains(c.id.as_str()) {
            continue;
        }
        let (Some(version), Some(eol)) = (&c.version, &c.eol) else {
            continue;
        };
        if !eol.end_of_life || !seen.insert((c.id.clone(), version.clone())) {
            continue;
        }
        let mut f = ctx.finding(
            &CHECK.info,
            path,
            format!(
                "{} {version} is end-of-life since {} ({}; {})",
                c.name, eol.date, eol.rule, eol.source
            ),
            Some(c.evidence.clone()),
        );
        if !CRYPTO.contains(&c.id.as_str()) {
            f.severity = Severity::Medium;
        }
        out.push(f);
    }
    out
}
