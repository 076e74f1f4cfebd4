//! SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps).
//!
//! One result per failing or inconclusive test case, plus one per failing
//! finding. GitHub rejects a whole file when a result lacks a physical
//! location, so results about the device are anchored to the project's
//! `ics.toml` (the declaration the verdict is about) and firmware findings to
//! their path inside the image.

use serde_json::{Value, json};
use touchstone_core::{Location, Severity, Verdict};

use crate::model::Report;

fn security_severity(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Critical) => "9.5",
        Some(Severity::High) => "8.0",
        Some(Severity::Medium) => "5.5",
        Some(Severity::Low) => "3.0",
        Some(Severity::Info) | None => "0.0",
    }
}

fn level(v: Verdict, modal: &str) -> &'static str {
    match (v, modal) {
        (Verdict::Fail, "M") => "error",
        (Verdict::Fail, _) => "warning",
        _ => "note",
    }
}

/// Render the report as a SARIF log with one run.
pub fn render(report: &Report) -> String {
    let ics_uri = format!("{}/ics.toml", report.project.trim_end_matches('/'));
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for p in &report.provisions {
        let relevant: Vec<_> = p
            .test_cases
            .iter()
            .filter(|c| {
                matches!(
                    c.verdict,
                    Verdict::Fail | Verdict::Inconclusive | Verdict::Error
                )
            })
            .collect();
        let declared = p.plan == "declared-non-conformity";
        if relevant.is_empty() && !declared {
            continue;
        }
        let rule_id = format!("EN303645/{}", p.id);
        rules.push(json!({
            "id": rule_id,
            "name": p.title,
            "shortDescription": {"text": format!("{} {}", p.id, p.title)},
            "fullDescription": {"text": p.summary},
            "properties": {
                "tags": ["security", "EN 303 645", format!("status {}", p.status)],
                "security-severity": security_severity(p.severity),
            },
        }));
        let anchor = |message: String, fingerprint: String, verdict: Verdict| {
            json!({
                "ruleId": rule_id,
                "level": level(verdict, &p.modal),
                "kind": if verdict == Verdict::Fail { "fail" } else { "review" },
                "message": {"text": message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": ics_uri}}}],
                "partialFingerprints": {"touchstone/v1": fingerprint},
            })
        };
        if declared {
            results.push(anchor(
                format!("{} {}: {}", p.id, p.title, p.reason),
                format!("{}:{}", report.device.model, p.id),
                Verdict::Fail,
            ));
        }
        for c in relevant {
            results.push(anchor(
                format!("{} {} ({}): {}", c.id, c.verdict.label(), c.kind, c.reason),
                format!("{}:{}", report.device.model, c.id),
                c.verdict,
            ));
        }
    }
    for f in report.findings.iter().filter(|f| f.supports == "fail") {
        let rule_id = format!("check/{}", f.check);
        if !rules.iter().any(|r: &Value| r["id"] == rule_id.as_str()) {
            rules.push(json!({
                "id": rule_id,
                "name": f.check,
                "shortDescription": {"text": f.check},
                "properties": {"tags": ["security"], "security-severity": security_severity(Some(f.severity))},
            }));
        }
        let uri = match &f.location {
            Some(Location::Firmware { image, path, .. }) => {
                format!("{}/{}", image, path.trim_start_matches('/'))
            }
            Some(Location::Document { uri }) => uri.clone(),
            _ => ics_uri.clone(),
        };
        let mut message = f.message.clone();
        if !f.provisions.is_empty() {
            message.push_str(&format!(" (EN 303 645 {})", f.provisions.join(", ")));
        }
        results.push(json!({
            "ruleId": rule_id,
            "level": match f.severity {
                Severity::Critical | Severity::High => "error",
                Severity::Medium => "warning",
                _ => "note",
            },
            "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
            "partialFingerprints": {"touchstone/v1": format!("{}:{}:{}", f.check, f.location.as_ref().map(ToString::to_string).unwrap_or_default(), f.evidence.as_deref().unwrap_or(""))},
        }));
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "touchstone",
                "version": report.tool.version,
                "informationUri": "https://www.etsi.org/deliver/etsi_en/303600_303699/303645/",
                "rules": rules,
            }},
            "automationDetails": {"id": format!("touchstone/{}/{}", report.device.model, report.device.firmware_version)},
            "results": results,
            "properties": {
                "conclusion": report.summary.conclusion,
                "standard": report.standard.title,
            },
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}
