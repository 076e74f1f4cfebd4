//! `xc-banner-version-mismatch`: the version a live service announces differs from the firmware's component inventory.

use touchstone_core::{Component, Finding, Severity};

use crate::check::{Check, CheckInfo, Input, Needs, finding, network};
use crate::checks::{banner, narrow};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "xc-banner-version-mismatch",
        title: "Live service version differs from the firmware inventory",
        severity: Severity::Medium,
        provisions: &["5.5-2", "5.3-1"],
        test_units: &["5.5-2-2a", "5.3-1-2a"],
        what: "Compares the product and version each live service announces (SSH identification, HTTP Server header, FTP greeting, UPnP Server token) with the software components the firmware scan identified (the SBOM). A product whose announced version is not among the image's versions of it is reported; so is a product the component rules can identify but that the image does not contain at all (only when every image was analysed completely).",
        why: "The firmware findings and the SBOM describe the device only if the scanned image is the software the device runs. A different version means the sample runs other firmware than the one assessed (or the inventory misses a copy), so vulnerability monitoring (5.2-3), the implementations in use (5.5-2-2) and the component list (5.3-1) rest on the wrong software.",
        fix: "Assess the firmware the sample actually runs (read the version from the device and obtain that image), or update the sample to the assessed version; if the component is built in an unusual way, record it in the SBOM by hand.",
        needs: Needs::Both,
    },
    run,
};

/// A product or component name reduced to its first word, lowercase
/// (`Dropbear SSH` and `dropbear` are one product).
fn key(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
        .find(|w| !w.is_empty())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Versions agree when equal or when one extends the other at a boundary
/// (`9.2p1` and `9.2p1-debian`, `1.4.69` and `1.4.69.1` do not: digits go on).
fn same_version(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long.starts_with(&short)
        && long
            .get(short.len()..)
            .and_then(|r| r.chars().next())
            .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '.')
}

fn run(input: &Input<'_>) -> Vec<Finding> {
    let Some(live) = input.live() else {
        return Vec::new();
    };
    let components: Vec<&Component> = input
        .images()
        .iter()
        .flat_map(|i| i.components.iter())
        .collect();
    let complete = input.images().iter().all(|i| !i.incomplete);
    let known: Vec<String> = touchstone_fwchecks::components::rules()
        .components()
        .iter()
        .map(|c| key(&c.name))
        .collect();
    let mut out = Vec::new();
    for s in &live.report.services {
        let (Some(product), Some(version)) = (&s.product, &s.version) else {
            continue;
        };
        let k = key(product);
        if k.is_empty() {
            continue;
        }
        let same: Vec<&&Component> = components.iter().filter(|c| key(&c.name) == k).collect();
        let location = network(&s.host, s.port, s.transport.as_str(), &s.service);
        let evidence = banner(s.evidence.as_deref());
        if same.is_empty() {
            if complete && known.contains(&k) {
                let mut f = finding(
                    &CHECK.info,
                    location,
                    format!(
                        "The device announces {product} {version} on port {}, and the firmware inventory has no {product} at all",
                        s.port
                    ),
                    evidence,
                );
                f.severity = Severity::Low;
                out.push(narrow(f, &["5.3-1"], &["5.3-1-2a"]));
            }
            continue;
        }
        if same.iter().any(|c| {
            c.version
                .as_deref()
                .is_some_and(|v| same_version(v, version))
        }) {
            continue;
        }
        let versions: Vec<String> = same
            .iter()
            .map(|c| {
                let at = match &c.location {
                    Some(touchstone_core::Location::Firmware { image, path, .. }) => {
                        format!(" ({image}: {path})")
                    }
                    _ => String::new(),
                };
                format!(
                    "{} {}{at}",
                    c.name,
                    c.version.as_deref().unwrap_or("without version")
                )
            })
            .collect();
        out.push(finding(
            &CHECK.info,
            location,
            format!(
                "The device announces {product} {version} on port {}, but the firmware contains {}",
                s.port,
                versions.join(", ")
            ),
            evidence,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions_compare_as_inventories_write_them() {
        assert_eq!(key("Dropbear SSH"), key("dropbear"));
        assert_eq!(key("MiniUPnPd"), "miniupnpd");
        assert!(same_version("2022.83", "2022.83"));
        assert!(same_version("9.2p1", "9.2p1-Debian"));
        assert!(!same_version("1.4.69", "1.4.6"));
        assert!(!same_version("2019.78", "2022.83"));
    }
}
