//! CycloneDX JSON software bills of materials (1.6 by default, 1.5
//! selectable) and CycloneDX VEX documents for firmware images.
//!
//! The BOM names the product (the project's device, `--name`, or the image
//! file name; never a host path) in its metadata, lists each scanned image as
//! a `firmware` component with its SHA-256, and every software component
//! identified inside with its package URL or CPE where known, Touchstone's
//! end-of-life verdict as a property, and its evidence: where it was found
//! (`IMAGE!/path`), at which byte offset, and the string that identified it
//! (CycloneDX 1.6 occurrences carry offset and context; 1.5 keeps them as
//! properties). The serial number is the caller's fresh UUID, so every
//! document has its own. [`render_vex`] writes the VEX statements of
//! [`crate::vex`] as a CycloneDX BOM with `vulnerabilities`.

use serde_json::{Value, json};
use touchstone_core::{Component, Location};

use crate::vex::{Statement, Status};

/// A scanned image.
#[derive(Debug, Clone)]
pub struct SbomImage {
    /// The image as named (only its file name is written).
    pub name: String,
    /// SHA-256 of the image file, hex.
    pub sha256: String,
    /// Components found in it.
    pub components: Vec<Component>,
}

/// The CycloneDX specification version to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpecVersion {
    /// CycloneDX 1.5.
    V1_5,
    /// CycloneDX 1.6 (the default).
    #[default]
    V1_6,
}

impl SpecVersion {
    fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_5 => "1.5",
            SpecVersion::V1_6 => "1.6",
        }
    }
}

/// What every document says about itself.
#[derive(Debug, Clone)]
pub struct DocInfo<'a> {
    /// The product the document is about.
    pub product: &'a str,
    /// The product's version, when known.
    pub product_version: Option<&'a str>,
    /// A fresh UUID (`xxxxxxxx-xxxx-...`) for this document.
    pub serial: &'a str,
    /// This Touchstone's version.
    pub tool_version: &'a str,
    /// RFC 3339.
    pub timestamp: &'a str,
}

const LIBRARIES: &[&str] = &[
    "openssl", "mbed", "polarssl", "wolfssl", "cyassl", "gnutls", "bearssl", "uclibc", "glibc",
    "musl", "zlib", "libcurl", "curl",
];

pub(crate) fn kind(name: &str) -> &'static str {
    let n = name.to_ascii_lowercase();
    if n.contains("kernel") {
        "operating-system"
    } else if LIBRARIES.iter().any(|l| n.contains(l)) {
        "library"
    } else {
        "application"
    }
}

/// The last component of a path (`/home/a/fw.bin` is `fw.bin`).
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or(path)
}

/// The reference of component `index` of `image` (shared with VEX documents).
pub fn component_ref(image: &SbomImage, index: usize) -> String {
    format!(
        "{}#{index}",
        image.sha256.get(..12).unwrap_or(&image.sha256)
    )
}

/// Where a component was seen, as `IMAGE!/path`.
pub(crate) fn component_where(image: &SbomImage, c: &Component) -> Option<(String, Option<u64>)> {
    match &c.location {
        Some(Location::Firmware { path, offset, .. }) => {
            Some((format!("{}!{path}", file_name(&image.name)), *offset))
        }
        _ => None,
    }
}

fn component(image: &SbomImage, index: usize, c: &Component, spec: SpecVersion) -> Value {
    let mut v = json!({
        "type": kind(&c.name),
        "bom-ref": component_ref(image, index),
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
    let mut properties = vec![json!({"name": "touchstone:image", "value": file_name(&image.name)})];
    if let Some((location, offset)) = component_where(image, c) {
        let mut occurrence = json!({"location": location});
        match spec {
            SpecVersion::V1_6 => {
                if let Some(offset) = offset {
                    occurrence["offset"] = json!(offset);
                }
                if let Some(e) = &c.evidence {
                    occurrence["additionalContext"] = json!(format!("identified by: {e}"));
                }
            }
            SpecVersion::V1_5 => {
                if let Some(offset) = offset {
                    properties
                        .push(json!({"name": "touchstone:offset", "value": offset.to_string()}));
                }
            }
        }
        v["evidence"] = json!({"occurrences": [occurrence]});
    }
    if let Some(eol) = &c.end_of_life {
        properties.push(json!({"name": "touchstone:end-of-life", "value": eol}));
    }
    if let Some(e) = &c.evidence {
        properties.push(json!({"name": "touchstone:evidence", "value": e}));
    }
    v["properties"] = json!(properties);
    v
}

fn image_component(i: &SbomImage) -> Value {
    json!({
        "type": "firmware",
        "bom-ref": i.sha256,
        "name": file_name(&i.name),
        "hashes": [{"alg": "SHA-256", "content": i.sha256}],
    })
}

fn metadata(doc: &DocInfo<'_>) -> Value {
    let mut product = json!({"type": "device", "bom-ref": "product", "name": doc.product});
    if let Some(v) = doc.product_version {
        product["version"] = json!(v);
    }
    json!({
        "timestamp": doc.timestamp,
        "tools": {"components": [{"type": "application", "name": "touchstone", "version": doc.tool_version}]},
        "component": product,
    })
}

fn finish(bom: &Value) -> String {
    let mut s = serde_json::to_string_pretty(bom).unwrap_or_default();
    s.push('\n');
    s
}

/// Render the BOM.
pub fn render(images: &[SbomImage], doc: &DocInfo<'_>, spec: SpecVersion) -> String {
    let mut components: Vec<Value> = images.iter().map(image_component).collect();
    let mut dependencies = vec![json!({
        "ref": "product",
        "dependsOn": images.iter().map(|i| i.sha256.clone()).collect::<Vec<_>>(),
    })];
    for image in images {
        let mut refs = Vec::new();
        for (i, c) in image.components.iter().enumerate() {
            components.push(component(image, i, c, spec));
            refs.push(component_ref(image, i));
        }
        dependencies.push(json!({"ref": image.sha256, "dependsOn": refs}));
    }
    dedup_refs(&mut components, &mut dependencies);
    finish(&json!({
        "bomFormat": "CycloneDX",
        "specVersion": spec.as_str(),
        "serialNumber": format!("urn:uuid:{}", doc.serial),
        "version": 1,
        "metadata": metadata(doc),
        "components": components,
        "dependencies": dependencies,
    }))
}

/// The same image given twice must not yield duplicate bom-refs.
fn dedup_refs(components: &mut Vec<Value>, dependencies: &mut Vec<Value>) {
    let mut seen = std::collections::HashSet::new();
    components.retain(|c| seen.insert(c["bom-ref"].as_str().unwrap_or("").to_owned()));
    let mut seen = std::collections::HashSet::new();
    dependencies.retain(|d| seen.insert(d["ref"].as_str().unwrap_or("").to_owned()));
    for d in dependencies.iter_mut() {
        if let Some(list) = d["dependsOn"].as_array_mut() {
            let mut seen = std::collections::HashSet::new();
            list.retain(|r| seen.insert(r.as_str().unwrap_or("").to_owned()));
        }
    }
}

/// Render VEX statements as a CycloneDX BOM with `vulnerabilities` (the
/// affected components are listed so that every `affects` reference resolves).
pub fn render_vex(
    images: &[SbomImage],
    statements: &[Statement],
    doc: &DocInfo<'_>,
    spec: SpecVersion,
) -> String {
    let mut components: Vec<Value> = images.iter().map(image_component).collect();
    for image in images {
        for (i, c) in image.components.iter().enumerate() {
            components.push(component(image, i, c, spec));
        }
    }
    let mut no_deps = Vec::new();
    dedup_refs(&mut components, &mut no_deps);
    let vulnerabilities: Vec<Value> = statements
        .iter()
        .map(|s| {
            let decision = s.decided.as_ref().map(|d| d.decision.as_str());
            let (state, justification) = match (s.status, decision) {
                (_, Some("false-positive")) => ("false_positive", None),
                (Status::Affected, _) => ("exploitable", None),
                (Status::NotAffected, _) => {
                    ("not_affected", s.justification.map(cdx_justification))
                }
                (Status::UnderInvestigation, _) => ("in_triage", None),
            };
            let mut analysis = json!({"state": state, "detail": s.detail});
            if let Some(j) = justification {
                analysis["justification"] = json!(j);
            }
            if s.status == Status::Affected {
                analysis["response"] = if decision == Some("accepted-risk") {
                    json!(["will_not_fix"])
                } else {
                    json!(["update"])
                };
            }
            let mut v = json!({
                "bom-ref": format!("vex-{}-{}", s.vulnerability, s.component_ref),
                "id": s.vulnerability,
                "analysis": analysis,
                "affects": [{"ref": s.component_ref}],
            });
            if !s.description.is_empty() {
                v["description"] = json!(s.description);
            }
            if s.vulnerability.starts_with("CVE-") {
                v["source"] = json!({"name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{}", s.vulnerability)});
            }
            v
        })
        .collect();
    finish(&json!({
        "bomFormat": "CycloneDX",
        "specVersion": spec.as_str(),
        "serialNumber": format!("urn:uuid:{}", doc.serial),
        "version": 1,
        "metadata": metadata(doc),
        "components": components,
        "vulnerabilities": vulnerabilities,
    }))
}

/// CycloneDX's word for an OpenVEX justification.
fn cdx_justification(j: &str) -> &'static str {
    match j {
        "component_not_present" | "vulnerable_code_not_present" => "code_not_present",
        "vulnerable_code_not_in_execute_path" => "code_not_reachable",
        "vulnerable_code_cannot_be_controlled_by_adversary" => "requires_environment",
        _ => "protected_at_runtime",
    }
}
