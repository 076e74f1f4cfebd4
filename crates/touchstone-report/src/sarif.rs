//! SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps).
//!
//! One result per failing or inconclusive test case or proposed FAIL (a
//! note, marked proposed), plus one per failing finding. GitHub rejects a whole file when a result lacks a physical
//! location, so every result has one, and none is a host path:
//!
//! - a firmware finding points into the image: `IMAGE!/etc/init.d/rcS`
//!   (the image's file name, `!`, the path inside its root file system),
//!   with the chain of layers that led there as a logical location;
//! - results about the device (test cases, network findings) point at the
//!   project's `ics.toml`, relative to the project (`uriBaseId`
//!   `PROJECTROOT`), and a network finding names its endpoint as a logical
//!   location;
//! - a document finding keeps a URL; a file path keeps only its file name.
//!
//! Rules carry help (what the check looks at, why it matters, how to fix
//! it) when the caller passes it ([`RuleHelp`], from the check registries of
//! the firmware checks and the probe), and every finding result carries
//! `partialFingerprints` from [`Finding::fingerprint`], so code scanning
//! tracks a result across renamed images and new builds. [`render_findings`]
//! writes findings alone (for `touchstone diff`), with `baselineState`.
//!
//! The assessor's decisions travel with the results: a finding the
//! assessor rejected as a false positive, or whose risk is accepted and not
//! expired, carries an external `suppressions` entry with the reason (code
//! scanning then shows it as dismissed); every disposition of a finding or of
//! a test case's units is in the result's `properties.dispositions`; the run's
//! properties carry the lab's deliverable (report id, revision, status,
//! samples, inputs by hash, sign-off) and every disposition, matched or not.

use serde_json::{Value, json};
use touchstone_core::{Finding, Location, Severity, Verdict};

use crate::model::{DispositionRow, Report};
use crate::snapshot::report_findings;

/// Documentation of a check, for a SARIF rule's help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHelp {
    /// Check id, for instance `fw-telnet-service`.
    pub id: String,
    /// One line.
    pub title: String,
    /// What it checks.
    pub what: String,
    /// Why it matters (may be empty).
    pub why: String,
    /// How to fix what it finds (may be empty).
    pub fix: String,
}

/// The SARIF schema URI written into every log.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

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

fn finding_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        _ => "note",
    }
}

/// The last component of a path, without directories (`/home/a/fw.bin` is `fw.bin`).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or(path)
}

/// The project-relative anchor of results about the device.
fn ics_location() -> Value {
    json!({"physicalLocation": {"artifactLocation": {"uri": "ics.toml", "uriBaseId": "PROJECTROOT"}}})
}

/// Line and column (1-based) of a finding inside its file, keyed by
/// [`Finding::fingerprint`]; see [`locate`].
pub type Regions = std::collections::BTreeMap<String, (u64, u64)>;

/// Where the evidence of a finding is in the text of its file: the first
/// line that contains the evidence's first line (up to a ` => ` expansion
/// the checks append), as 1-based line and column. `None` for binary
/// content, evidence shorter than 3 characters, or no match. At most the
/// first 4 MiB are searched.
pub fn locate(content: &[u8], evidence: &str) -> Option<(u64, u64)> {
    let needle = evidence.lines().next()?.split(" => ").next()?.trim();
    if needle.len() < 3 {
        return None;
    }
    let content = content.get(..content.len().min(4 << 20))?;
    if content.contains(&0) {
        return None;
    }
    let text = String::from_utf8_lossy(content);
    for (i, line) in text.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let column = line.get(..byte).map_or(0, |p| p.chars().count()) + 1;
            return Some((i as u64 + 1, column as u64));
        }
    }
    None
}

/// The location of a finding: never a host path.
fn finding_location(f: &Finding, region: Option<(u64, u64)>) -> Value {
    match &f.location {
        Some(Location::Firmware {
            image,
            path,
            layers,
            offset,
        }) => {
            let inner = if path.starts_with('/') {
                path.clone()
            } else {
                format!("/{path}")
            };
            let uri = format!("{}!{inner}", file_name(image));
            let mut physical = json!({"artifactLocation": {"uri": uri}});
            if let Some((line, column)) = region {
                physical["region"] = json!({"startLine": line, "startColumn": column});
            } else if let Some(offset) = offset {
                physical["region"] = json!({"byteOffset": offset});
            }
            let mut chain: Vec<String> = layers.clone();
            chain.push(inner.clone());
            json!({
                "physicalLocation": physical,
                "logicalLocations": [{
                    "name": inner,
                    "fullyQualifiedName": chain.join(" > "),
                    "kind": "module",
                }],
            })
        }
        Some(Location::Network {
            port,
            transport,
            service,
            ..
        }) => {
            let mut name = String::from("device");
            if let Some(port) = port {
                name.push_str(&format!(":{port}"));
            }
            if let Some(t) = transport {
                name.push_str(&format!("/{t}"));
            }
            if let Some(s) = service {
                name.push_str(&format!(" ({s})"));
            }
            let mut loc = ics_location();
            loc["logicalLocations"] = json!([{"name": name, "kind": "resource"}]);
            loc
        }
        Some(Location::Document { uri }) => {
            let uri = if uri.contains("://") {
                uri.clone()
            } else {
                file_name(uri).to_owned()
            };
            json!({"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "PROJECTROOT"}}})
        }
        None => ics_location(),
    }
}

/// The rule of a check, with help when known.
fn check_rule(check: &str, severity: Severity, help: &[RuleHelp]) -> Value {
    let mut rule = json!({
        "id": format!("check/{check}"),
        "name": check,
        "shortDescription": {"text": check},
        "properties": {"tags": ["security"], "security-severity": security_severity(Some(severity))},
    });
    if let Some(h) = help.iter().find(|h| h.id == check) {
        rule["shortDescription"] = json!({"text": h.title});
        rule["fullDescription"] = json!({"text": h.what});
        let mut text = format!("What: {}", h.what);
        let mut markdown = format!("**What it checks.** {}", h.what);
        if !h.why.is_empty() {
            text.push_str(&format!("\nWhy: {}", h.why));
            markdown.push_str(&format!("\n\n**Why it matters.** {}", h.why));
        }
        if !h.fix.is_empty() {
            text.push_str(&format!("\nFix: {}", h.fix));
            markdown.push_str(&format!("\n\n**How to fix.** {}", h.fix));
        }
        rule["help"] = json!({"text": text, "markdown": markdown});
    }
    rule
}

/// A disposition as SARIF result properties.
fn disposition_json(d: &DispositionRow) -> Value {
    json!({
        "id": d.id,
        "decision": d.decision,
        "status": d.status,
        "reason": d.reason,
        "assessor": d.assessor,
        "date": d.date,
        "owner": d.owner,
        "expires": d.expires,
        "unit": d.unit,
    })
}

/// The suppression a disposition makes, when it makes one: a false
/// positive or a live accepted risk, for every unit the finding bears on. A
/// confirmed finding, an expired waiver, an unmatched disposition or one
/// limited to a unit suppresses nothing.
fn suppression(d: &DispositionRow) -> Option<Value> {
    // A disposition limited to one unit leaves the finding counting on the
    // others: the result stays open.
    if d.status != "applied" || d.unit.is_some() {
        return None;
    }
    let who = format!("{}, {}", d.assessor, d.date);
    let justification = match d.decision.as_str() {
        "false-positive" => format!("False positive ({who}): {}", d.reason),
        "accepted-risk" => format!(
            "Accepted risk ({who}; owner {}; until {}): {}",
            d.owner.as_deref().unwrap_or("not named"),
            d.expires.as_deref().unwrap_or("no expiry"),
            d.reason
        ),
        _ => return None,
    };
    Some(json!({"kind": "external", "status": "accepted", "justification": justification}))
}

/// Attach the dispositions of a result: their properties and the
/// suppressions they make.
fn attach_dispositions(result: &mut Value, dispositions: &[&DispositionRow]) {
    if dispositions.is_empty() {
        return;
    }
    let suppressions: Vec<Value> = dispositions.iter().filter_map(|d| suppression(d)).collect();
    if !suppressions.is_empty() {
        result["suppressions"] = json!(suppressions);
    }
    result["properties"]["dispositions"] = json!(
        dispositions
            .iter()
            .map(|d| disposition_json(d))
            .collect::<Vec<_>>()
    );
}

/// One result for a finding.
fn finding_result(f: &Finding, baseline_state: Option<&str>, regions: &Regions) -> Value {
    let mut message = f.message.clone();
    if !f.provisions.is_empty() {
        message.push_str(&format!(" (EN 303 645 {})", f.provisions.join(", ")));
    }
    let mut result = json!({
        "ruleId": format!("check/{}", f.check),
        "level": finding_level(f.severity),
        "message": {"text": message},
        "locations": [finding_location(f, regions.get(&f.fingerprint()).copied())],
        "partialFingerprints": {"touchstone/v1": f.fingerprint()},
    });
    if let Some(state) = baseline_state {
        result["baselineState"] = json!(state);
    }
    result
}

fn push_rule(rules: &mut Vec<Value>, rule: Value) {
    if !rules.iter().any(|r| r["id"] == rule["id"]) {
        rules.push(rule);
    }
}

fn log(tool_version: &str, rules: Vec<Value>, results: Vec<Value>, extra: Value) -> String {
    let mut run = json!({
        "tool": {"driver": {
            "name": "touchstone",
            "version": tool_version,
            "informationUri": "https://www.etsi.org/deliver/etsi_en/303600_303699/303645/",
            "rules": rules,
        }},
        "originalUriBaseIds": {"PROJECTROOT": {"description": {"text": "The assessment project's directory."}}},
        "results": results,
    });
    if let (Some(run), Some(extra)) = (run.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            run.insert(k.clone(), v.clone());
        }
    }
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

/// Render the report as a SARIF log with one run, without check help.
pub fn render(report: &Report) -> String {
    render_with_help(report, &[], &Regions::new())
}

/// Render the report as a SARIF log with one run; `help` documents checks,
/// `regions` gives line and column of findings where known.
pub fn render_with_help(report: &Report, help: &[RuleHelp], regions: &Regions) -> String {
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for p in &report.provisions {
        // A proposed FAIL is a note to review, marked proposed, never an error.
        let relevant: Vec<_> = p
            .test_cases
            .iter()
            .filter(|c| {
                matches!(
                    c.verdict,
                    Verdict::Fail | Verdict::Inconclusive | Verdict::Error
                ) || c
                    .proposed
                    .as_ref()
                    .is_some_and(|x| x.verdict == Verdict::Fail)
            })
            .collect();
        let declared = p.plan == "declared-non-conformity";
        if relevant.is_empty() && !declared {
            continue;
        }
        let rule_id = format!("EN303645/{}", p.id);
        let mut help_md = format!("**{} {}** ({})\n\n{}", p.id, p.title, p.status, p.summary);
        let mut help_text = format!("{} {} ({}): {}", p.id, p.title, p.status, p.summary);
        for c in &p.test_cases {
            help_md.push_str(&format!("\n\n- test case {}: {}", c.id, c.purpose));
            help_text.push_str(&format!("\nTest case {}: {}", c.id, c.purpose));
        }
        rules.push(json!({
            "id": rule_id,
            "name": p.title,
            "shortDescription": {"text": format!("{} {}", p.id, p.title)},
            "fullDescription": {"text": p.summary},
            "help": {"text": help_text, "markdown": help_md},
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
                "locations": [ics_location()],
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
            let proposed = c
                .proposed
                .as_ref()
                .map(|x| {
                    format!(
                        "; {} (not a verdict until an assessor records it): {}; sources: {}",
                        x.label,
                        x.rationale,
                        x.sources.join(", ")
                    )
                })
                .unwrap_or_default();
            let mut result = anchor(
                format!(
                    "{} {} ({}): {}{proposed}",
                    c.id,
                    c.verdict.label(),
                    c.kind,
                    c.reason
                ),
                format!("{}:{}", report.device.model, c.id),
                c.verdict,
            );
            // What the assessor decided about the findings on this case's
            // units is shown, but only a finding's own result is suppressed:
            // the case stays what its verdict says.
            let ids: Vec<&str> = c
                .units
                .iter()
                .flat_map(|u| u.applied.iter())
                .filter_map(|a| a.disposition.as_deref())
                .collect();
            let on_case: Vec<&DispositionRow> = report
                .dispositions
                .iter()
                .filter(|d| ids.contains(&d.id.as_str()))
                .collect();
            if !on_case.is_empty() {
                result["properties"]["dispositions"] = json!(
                    on_case
                        .iter()
                        .map(|d| disposition_json(d))
                        .collect::<Vec<_>>()
                );
            }
            results.push(result);
        }
    }
    for (row, f) in report.findings.iter().zip(report_findings(report).iter()) {
        if f.supports != touchstone_core::Supports::Fail {
            continue;
        }
        push_rule(&mut rules, check_rule(&f.check, f.severity, help));
        let mut result = finding_result(f, None, regions);
        let mine: Vec<&DispositionRow> = report
            .dispositions
            .iter()
            .filter(|d| d.findings.contains(&row.id))
            .collect();
        attach_dispositions(&mut result, &mine);
        results.push(result);
    }
    log(
        &report.tool.version,
        rules,
        results,
        json!({
            "automationDetails": {"id": format!("touchstone/{}/{}", report.device.model, report.device.firmware_version)},
            "properties": {
                "conclusion": report.summary.conclusion,
                "standard": report.standard.title,
                "deliverable": report.deliverable,
                "dispositions": report.dispositions.iter().map(disposition_json).collect::<Vec<_>>(),
                "unsettled": report.unsettled,
            },
        }),
    )
}

/// Render findings alone, each with its `baselineState` (`new`,
/// `unchanged`, `updated` or `absent`) when given.
pub fn render_findings(
    findings: &[(&Finding, Option<&str>)],
    help: &[RuleHelp],
    tool_version: &str,
) -> String {
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for (f, state) in findings {
        push_rule(&mut rules, check_rule(&f.check, f.severity, help));
        results.push(finding_result(f, *state, &Regions::new()));
    }
    log(
        tool_version,
        rules,
        results,
        json!({"automationDetails": {"id": "touchstone/findings/"}}),
    )
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn locates_evidence_lines_and_columns() {
        let script = b"#!/bin/sh\n# start\n  telnetd -l /usr/sbin/login -u admin:$pw &\n";
        assert_eq!(
            locate(
                script,
                "telnetd -l /usr/sbin/login -u admin:$pw &  =>  telnetd -l ... (redacted)"
            ),
            Some((3, 3))
        );
        assert_eq!(locate(script, "dropbear"), None);
        assert_eq!(
            locate(b"\x7fELF\0telnetd", "telnetd"),
            None,
            "binary content"
        );
        assert_eq!(locate(script, "sh"), None, "too short to mean anything");
    }
}
