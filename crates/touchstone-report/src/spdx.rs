//! SPDX 2.3 JSON documents of firmware images.
//!
//! The document describes each scanned image as a package (purpose
//! `FIRMWARE`, SHA-256 checksum, file name only) that `CONTAINS` a package
//! per software component identified inside it, with its package URL and
//! CPE as external references and its evidence (where, at which offset,
//! what string identified it) as the package's source information.
//! The namespace carries the caller's fresh UUID.

use serde_json::{Value, json};

use crate::cyclonedx::{DocInfo, SbomImage, component_where, file_name, kind};

/// SPDX ids allow letters, digits, `.` and `-`.
fn id_part(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Render the document.
pub fn render(images: &[SbomImage], doc: &DocInfo<'_>) -> String {
    let mut packages: Vec<Value> = Vec::new();
    let mut relationships: Vec<Value> = Vec::new();
    for (n, image) in images.iter().enumerate() {
        let image_id = format!("SPDXRef-Image-{n}");
        packages.push(json!({
            "SPDXID": image_id,
            "name": file_name(&image.name),
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "checksums": [{"algorithm": "SHA256", "checksumValue": image.sha256}],
            "primaryPackagePurpose": "FIRMWARE",
            "supplier": "NOASSERTION",
            "comment": format!("Firmware image of {}", doc.product),
        }));
        relationships.push(json!({
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": image_id,
        }));
        for (i, c) in image.components.iter().enumerate() {
            let id = format!("SPDXRef-Package-{n}-{i}-{}", id_part(&c.name));
            let mut p = json!({
                "SPDXID": id,
                "name": c.name,
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": false,
                "primaryPackagePurpose": match kind(&c.name) {
                    "operating-system" => "OPERATING_SYSTEM",
                    "library" => "LIBRARY",
                    _ => "APPLICATION",
                },
            });
            if let Some(v) = &c.version {
                p["versionInfo"] = json!(v);
            }
            let mut refs = Vec::new();
            if let Some(purl) = &c.purl {
                refs.push(json!({"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}));
            }
            if let Some(cpe) = &c.cpe {
                refs.push(json!({"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": cpe}));
            }
            if !refs.is_empty() {
                p["externalRefs"] = json!(refs);
            }
            let mut source = Vec::new();
            if let Some((location, offset)) = component_where(image, c) {
                source.push(format!("found at {location}"));
                if let Some(o) = offset {
                    source.push(format!("offset {o}"));
                }
            }
            if let Some(e) = &c.evidence {
                source.push(format!("identified by: {e}"));
            }
            if !source.is_empty() {
                p["sourceInfo"] = json!(source.join("; "));
            }
            if let Some(eol) = &c.end_of_life {
                p["comment"] = json!(format!("end of life since {eol}"));
            }
            packages.push(p);
            relationships.push(json!({
                "spdxElementId": image_id,
                "relationshipType": "CONTAINS",
                "relatedSpdxElement": id,
            }));
        }
    }
    let document = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": doc.product,
        "documentNamespace": format!("https://spdx.org/spdxdocs/touchstone-{}", doc.serial),
        "creationInfo": {
            "created": doc.timestamp,
            "creators": [format!("Tool: touchstone-{}", doc.tool_version)],
        },
        "packages": packages,
        "relationships": relationships,
    });
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}
