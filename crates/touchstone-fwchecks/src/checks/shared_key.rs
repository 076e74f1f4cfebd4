//! `fw-shared-key`: the same private key or credential appears in several images.

use std::collections::BTreeMap;

use touchstone_core::{Finding, Location, Severity, Supports};

use crate::check::{Check, CheckInfo, Context};
use crate::image::ImageScan;

/// The check. It compares images, so it runs on a whole `firmware scan` of
/// several images ([`across`]), not on one image.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-shared-key",
        title: "Same key or credential in several images",
        severity: Severity::Critical,
        provisions: &["5.4-4", "5.4-3"],
        test_units: &["5.4-4-1", "5.4-3-2"],
        what: "When several images are scanned together (different models, versions or units of the same product), reports private keys, host keys and credentials whose fingerprints are identical across images.",
        why: "A secret shared by a product class lets one extracted key attack every device of the class (5.4-4): the class-wide secret the standard's automated attack model is about.",
        fix: "Provision unique per-device keys and credentials; never reuse one across models or releases.",
    },
    run,
};

fn run(_: &Context<'_>) -> Vec<Finding> {
    Vec::new()
}

/// Compare the secrets of several scans.
pub fn across(scans: &[ImageScan]) -> Vec<Finding> {
    let mut by_print: BTreeMap<&str, Vec<(&str, &str, &str)>> = BTreeMap::new();
    for s in scans {
        for (path, m) in &s.secrets {
            if crate::secrets::is_known_test_key(&m.fingerprint) {
                continue;
            }
            by_print.entry(m.fingerprint.as_str()).or_default().push((
                s.image.as_str(),
                path.as_str(),
                m.title.as_str(),
            ));
        }
    }
    let mut out = Vec::new();
    for (print, places) in by_print {
        let mut images: Vec<&str> = places.iter().map(|p| p.0).collect();
        images.sort_unstable();
        images.dedup();
        if images.len() < 2 {
            continue;
        }
        let (image, path, title) = places[0];
        let list: Vec<String> = places.iter().map(|(i, p, _)| format!("{i}:{p}")).collect();
        out.push(Finding {
            check: CHECK.info.id.to_owned(),
            severity: CHECK.info.severity,
            supports: Supports::Fail,
            provisions: CHECK
                .info
                .provisions
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            test_units: CHECK
                .info
                .test_units
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            location: Some(Location::Firmware {
                image: image.to_owned(),
                path: path.to_owned(),
                layers: Vec::new(),
                offset: None,
            }),
            message: format!(
                "{title} with SHA-256 {} is shared by {} images",
                &print[..16.min(print.len())],
                images.len()
            ),
            evidence: Some(list.join("\n")),
        });
    }
    out
}
