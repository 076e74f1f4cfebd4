//! CycloneDX 1.5 JSON software bills of materials for firmware images.
//!
//! One BOM describes the scanned images (as `firmware` components in the
//! metadata when there is one, or as top-level components) and every
//! software component identified inside them, with the evidence location,
//! package URL or CPE where known, and Touchstone's end-of-life verdict as a
//! property. The serial number is derived from the images' hashes, so the
//! same input gives the same BOM.

use serde_json::{Value, json};
use touchstone_core::{Component, Location};

/// A scanned image.
#[derive(Debug, Clone)]
pub struct SbomImage {
    /// The image as named.
    pub name: String,
    /// SHA-256 of the image file, hex.
    pub sha256: String,
    /// Components found in it.
    pub components: Vec<Component>,
}

const LIBRARIES: &[&str] = &[
    "openssl", "mbed", "polarssl", "wolfssl", "cyassl", "gnutls", "bearssl", "uclibc", "glibc",
    "musl", "zlib", "libcurl", "curl",
];

fn kind(name: &str) -> &'static str {
    let n = name.to_ascii_lowercase();
    if n.contains("kernel") {
        "operating-system"
    } else if LIBRARIES.iter().any(|l| n.contains(l)) {
        "library"
    } else {
        "application"
    }
}

/// A UUID-shaped serial from a hex digest (deterministic, version 4 layout).
fn serial(digest: &str) -> String {
    let hex: String = digest
        .chars()
        .filter(char::is_ascii_hexdigit)
        .chain(std::iter::repeat('0'))
        .take(32)
        .collect();
    format!(
        "urn:uuid:{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn component(image: &SbomImage, index: usize, c: &Component) -> Value {
    let mut v = json!({
        "type": kind(&c.name),
        "bom-ref": format!("{}#{index}", image.sha256.get(..12).unwrap_or(&image.sha256)),
        "name": c.name,
    });
    if let Some(version) = &c.version {
        v["version"] = json!(version);
    }
    if let Some(purl) = &c.purl {
        v["purl"] = json!(purl);
    }
    if let Some(cpe) = &c.cpe {
        v["cpe"] = json!(cpe);
    }
    if let Some(Location::Firmware { path, .. }) = &c.location {
        v["evidence"] = json!({"occurrences": [{"location": format!("{}:{path}", image.name)}]});
    }
    let mut properties = vec![json!({"name": "touchstone:image", "value": image.name})];
    if let Some(eol) = &c.end_of_life {
        properties.push(json!({"name": "touchstone:end-of-life", "value": eol}));
    }
    if let Some(e) = &c.evidence {
        properties.push(json!({"name": "touchstone:evidence", "value": e}));
    }
    v["properties"] = json!(properties);
    v
}

/// Render the BOM. `timestamp` is RFC 3339; `tool_version` names this Touchstone.
pub fn render(images: &[SbomImage], tool_version: &str, timestamp: &str) -> String {
    let digest: String = images.iter().map(|i| i.sha256.as_str()).collect();
    let mut components = Vec::new();
    for image in images {
        for (i, c) in image.components.iter().enumerate() {
            components.push(component(image, i, c));
        }
    }
    let firmware: Vec<Value> = images
        .iter()
        .map(|i| {
            json!({
                "type": "firmware",
                "bom-ref": i.sha256,
                "name": i.name,
                "hashes": [{"alg": "SHA-256", "content": i.sha256}],
            })
        })
        .collect();
    let mut metadata = json!({
        "timestamp": timestamp,
        "tools": {"components": [{"type": "application", "name": "touchstone", "version": tool_version}]},
    });
    let mut top = components;
    match firmware.as_slice() {
        [one] => metadata["component"] = one.clone(),
        _ => top.extend(firmware),
    }
    let bom = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": serial(&digest),
        "version": 1,
        "metadata": metadata,
        "components": top,
    });
    let mut s = serde_json::to_string_pretty(&bom).unwrap_or_default();
    s.push('\n');
    s
}
