//! OpenVEX 0.2.0 documents from the VEX statements of [`crate::vex`].
//!
//! The product is named by the caller (project, `--name` or image file
//! name); each statement names the component by package URL where known.
//! `not_affected` always carries its justification and the evidence as the
//! impact statement; `affected` carries the evidence and an action. An
//! assessor's decision is in the statement's notes with its reason (a false
//! positive is `not_affected` with the reason as the impact statement).

use serde_json::{Value, json};

use crate::cyclonedx::DocInfo;
use crate::vex::{Statement, Status};

/// An IRI-safe slug of a product name.
fn slug(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() {
        "product".to_owned()
    } else {
        s
    }
}

/// Render the statements as an OpenVEX document; `author` signs it.
pub fn render(statements: &[Statement], doc: &DocInfo<'_>, author: &str) -> String {
    let product = match doc.product_version {
        Some(v) => format!("pkg:generic/{}@{}", slug(doc.product), slug(v)),
        None => format!("pkg:generic/{}", slug(doc.product)),
    };
    let list: Vec<Value> = statements
        .iter()
        .map(|s| {
            let mut vuln = json!({"name": s.vulnerability});
            if !s.aliases.is_empty() {
                vuln["aliases"] = json!(s.aliases);
            }
            if !s.description.is_empty() {
                vuln["description"] = json!(s.description);
            }
            let sub = match &s.purl {
                Some(purl) => json!({"@id": purl, "identifiers": {"purl": purl}}),
                None => json!({"@id": format!("urn:touchstone:component:{}", s.component_ref.replace('#', ":"))}),
            };
            let mut st = json!({
                "vulnerability": vuln,
                "products": [{"@id": product, "subcomponents": [sub]}],
                "status": s.status.as_str(),
                "status_notes": format!("{}: {}", s.component, s.detail),
            });
            match s.status {
                Status::NotAffected => {
                    if let Some(j) = s.justification {
                        st["justification"] = json!(j);
                    }
                    st["impact_statement"] = json!(s.detail);
                }
                Status::Affected => {
                    st["action_statement"] = match s.decided.as_ref().map(|d| d.decision.as_str()) {
                        Some("accepted-risk") => json!(s.detail),
                        _ => json!(format!(
                            "Update {} to a fixed version, or stop starting it at boot. Evidence: {}",
                            s.component, s.detail
                        )),
                    };
                }
                Status::UnderInvestigation => {}
            }
            st
        })
        .collect();
    let document = json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": format!("urn:uuid:{}", doc.serial),
        "author": author,
        "role": "Document Creator",
        "timestamp": doc.timestamp,
        "version": 1,
        "tooling": format!("touchstone {}", doc.tool_version),
        "statements": list,
    });
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}
