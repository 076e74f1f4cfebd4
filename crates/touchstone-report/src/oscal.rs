//! OSCAL 1.0 JSON for GRC tools: the catalogue as an OSCAL **catalog**
//! ([`catalog`]) and an assessment as OSCAL **assessment-results**
//! ([`assessment_results`]).
//!
//! Catalog: one group per EN 303 645 category, one control per provision
//! (id `p` + the provision id with `.` and `-` kept, label and status as
//! properties, the paraphrase as the statement part), and the TS 103 701
//! test cases as `assessment` parts with their units as sub-parts.
//! Assessment results: one result reviewing every control; per provision
//! with a normative verdict a finding (`satisfied` / `not-satisfied`) and
//! per test case an observation (method TEST or EXAMINE) with its verdict or
//! tool state; a provision without a normative verdict has observations but
//! no finding, so nothing unevaluated is reported satisfied.
//! UUIDs are name-based (v5) over what they identify, so the same input
//! gives the same document.

use serde_json::{Value, json};
use touchstone_catalog::{Catalog, Edition, Modal};
use touchstone_core::Verdict;
use uuid::Uuid;

use crate::model::Report;

/// The OSCAL version written.
pub const OSCAL_VERSION: &str = "1.0.6";

fn uuid(parts: &[&str]) -> String {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, parts.join("\u{1f}").as_bytes()).to_string()
}

/// An OSCAL token from a provision, case or unit id (`5.1-1` is `p5.1-1`).
fn token(prefix: &str, id: &str) -> String {
    let body: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}{body}")
}

fn finish(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

/// The catalogue of one edition as an OSCAL catalog. `timestamp` is RFC 3339.
pub fn catalog(cat: &Catalog, edition: Edition, timestamp: &str) -> String {
    let standard = cat.standard(edition);
    let meta = &standard.standard;
    let spec = &cat.spec(edition).spec;
    let mut groups = Vec::new();
    for category in &standard.categories {
        let controls: Vec<Value> = standard
            .provisions
            .iter()
            .filter(|p| p.category == category.id)
            .map(|p| {
                let cid = token("p", &p.id);
                let mut parts = vec![json!({
                    "id": format!("{cid}_smt"),
                    "name": "statement",
                    "prose": p.summary,
                })];
                for case in cat.cases(edition, &p.id) {
                    let case_id = token("tc", &case.case.id);
                    let units: Vec<Value> = cat
                        .units(&case)
                        .iter()
                        .map(|u| {
                            let mut part = json!({
                                "id": token("tu", &u.id),
                                "name": "assessment-objective",
                                "title": format!("Test unit {}", u.id),
                                "props": [{"name": "label", "value": u.id}],
                            });
                            if let Some(focus) = &u.focus {
                                part["prose"] = json!(focus);
                            }
                            part
                        })
                        .collect();
                    let mut part = json!({
                        "id": case_id,
                        "name": "assessment",
                        "title": format!("Test case {} ({})", case.case.id, case.spec.name),
                        "props": [
                            {"name": "label", "value": case.case.id},
                            {"name": "method", "value": case_method(&format!("{:?}", case.case.kind))},
                        ],
                        "prose": case.case.purpose,
                    });
                    if !units.is_empty() {
                        part["parts"] = json!(units);
                    }
                    parts.push(part);
                }
                json!({
                    "id": cid,
                    "class": "provision",
                    "title": p.title,
                    "props": [
                        {"name": "label", "value": p.id},
                        {"name": "status", "ns": "https://touchstone.example.invalid/ns/oscal", "value": status_token(&p.status())},
                        {"name": "modal", "ns": "https://touchstone.example.invalid/ns/oscal", "value": if p.modal == Modal::M { "mandatory" } else { "recommendation" }},
                    ],
                    "parts": parts,
                })
            })
            .collect();
        groups.push(json!({
            "id": token("c", &category.id),
            "class": "category",
            "title": category.title,
            "props": [{"name": "label", "value": category.id}],
            "controls": controls,
        }));
    }
    finish(&json!({
        "catalog": {
            "uuid": uuid(&["touchstone-catalog", &meta.version, &spec.version]),
            "metadata": {
                "title": format!("{} {} ({}), with {} {} test cases", meta.name, meta.version, meta.published, spec.name, spec.version),
                "last-modified": timestamp,
                "version": meta.version,
                "oscal-version": OSCAL_VERSION,
                "remarks": "Provision summaries and test-case purposes are Touchstone's paraphrases, not the text of the standard.",
            },
            "groups": groups,
        }
    }))
}

/// OSCAL has TEST, EXAMINE and INTERVIEW; conceptual cases examine documents.
fn case_method(kind: &str) -> &'static str {
    match kind.to_ascii_lowercase().as_str() {
        "functional" | "mixed" => "TEST",
        _ => "EXAMINE",
    }
}

/// A property value must be a token: `M C (1)` becomes `M_C_1`.
fn status_token(status: &str) -> String {
    let t: String = status
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() {
                Some(c)
            } else if c == ' ' || c == ',' {
                Some('_')
            } else {
                None
            }
        })
        .collect();
    if t.is_empty() {
        "unknown".to_owned()
    } else {
        t
    }
}

/// Namespace of Touchstone's own OSCAL properties.
const NS: &str = "https://touchstone.example.invalid/ns/oscal";

/// The conclusion and the lab's deliverable as metadata properties.
fn metadata_props(report: &Report) -> Vec<Value> {
    let d = &report.deliverable;
    let mut props = vec![("conclusion", report.summary.conclusion.clone())];
    props.push(("report-status", d.status.clone()));
    for (name, value) in [
        ("report-id", &d.report_id),
        ("revision", &d.revision),
        ("laboratory", &d.lab_name),
        ("accreditation", &d.lab_accreditation),
        ("client", &d.client),
        ("test-start", &d.test_start),
        ("test-end", &d.test_end),
        ("scope", &d.scope),
    ] {
        if let Some(v) = value {
            props.push((name, v.clone()));
        }
    }
    for dev in &d.deviations {
        props.push(("deviation", dev.clone()));
    }
    for sample in &d.samples {
        let serial = sample
            .serial
            .as_deref()
            .map(|s| format!(" serial {s}"))
            .unwrap_or_default();
        props.push(("sample", format!("{}{serial}", sample.id)));
    }
    for i in &d.inputs {
        props.push(("input", format!("{} sha256:{}", i.name, i.sha256)));
    }
    for (name, sig) in [("reviewer", &d.reviewer), ("approver", &d.approver)] {
        if let Some(sig) = sig {
            props.push((name, format!("{} {}", sig.name, sig.date)));
        }
    }
    props
        .into_iter()
        .map(|(name, value)| (name, value.trim().to_owned()))
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| json!({"name": name, "ns": NS, "value": value}))
        .collect()
}

/// An assessment as OSCAL assessment-results; `catalog_href` names the
/// catalog document (for instance the output of `catalog oscal`).
pub fn assessment_results(report: &Report, catalog_href: &str) -> String {
    let started = &report.generated_at;
    // Identifiers derive from what names the assessment, never from where the
    // project happens to sit on disk: the lab's report id and revision when
    // there is one, else the device and the time of the run.
    let d = &report.deliverable;
    let key: Vec<&str> = match &d.report_id {
        Some(id) => vec![id.as_str(), d.revision.as_deref().unwrap_or("")],
        None => vec![
            report.device.maker.as_str(),
            report.device.model.as_str(),
            report.device.firmware_version.as_str(),
            started.as_str(),
        ],
    };
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    for p in &report.provisions {
        let mut related = Vec::new();
        for c in &p.test_cases {
            let id = uuid(&[&key.join("/"), "observation", &c.id]);
            related.push(json!({"observation-uuid": id}));
            // A proposed verdict stays on the observation, marked proposed;
            // it never becomes a finding.
            let mut props = vec![
                json!({"name": "label", "value": c.id}),
                json!({"name": "verdict", "ns": "https://touchstone.example.invalid/ns/oscal", "value": c.verdict.as_str()}),
            ];
            let mut description = format!("{} {}: {}", c.id, c.verdict.label(), c.reason);
            if let Some(x) = &c.proposed {
                props.push(json!({"name": "proposed-verdict", "ns": "https://touchstone.example.invalid/ns/oscal", "value": x.verdict.as_str()}));
                description.push_str(&format!(
                    "; {} (not a verdict until an assessor records it): {}; sources: {}",
                    x.label,
                    x.rationale,
                    x.sources.join(", ")
                ));
            }
            observations.push(json!({
                "uuid": id,
                "title": format!("Test case {}", c.id),
                "description": description,
                "props": props,
                "methods": [case_method(&c.kind)],
                "collected": started,
            }));
        }
        // Only a normative verdict becomes a finding: an unevaluated
        // provision is never reported satisfied (nor not satisfied).
        let state = match p.verdict {
            Verdict::Pass => "satisfied",
            Verdict::Fail => "not-satisfied",
            _ => continue,
        };
        let mut finding = json!({
            "uuid": uuid(&[&key.join("/"), "finding", &p.id]),
            "title": format!("{} {}", p.id, p.title),
            "description": p.reason,
            "props": [{"name": "verdict", "ns": "https://touchstone.example.invalid/ns/oscal", "value": p.verdict.as_str()}],
            "target": {
                "type": "objective-id",
                "target-id": token("p", &p.id),
                "description": format!("{} {}", p.id, p.label),
                "status": {"state": state},
            },
        });
        if !related.is_empty() {
            finding["related-observations"] = json!(related);
        }
        findings.push(finding);
    }
    let mut result = json!({
        "uuid": uuid(&[&key.join("/"), "result"]),
        "title": format!("{} {} against {}", report.device.maker, report.device.model, report.standard.title),
        "description": format!("{}: {}", report.summary.conclusion, report.summary.explanation),
        "start": started,
        "end": started,
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
        "findings": findings,
        "remarks": report.summary.disclaimer,
    });
    // The assessor's dispositions, each an observation with its reason.
    for disp in &report.dispositions {
        observations.push(json!({
            "uuid": uuid(&[&key.join("/"), "disposition", &disp.id]),
            "title": format!("Disposition {}", disp.id),
            "description": format!(
                "{} of {} {} ({}) by {} on {}: {}",
                disp.decision, disp.target_kind, disp.target, disp.status, disp.assessor, disp.date, disp.reason
            ),
            "props": [
                {"name": "decision", "ns": NS, "value": disp.decision},
                {"name": "status", "ns": NS, "value": disp.status},
            ],
            "methods": ["EXAMINE"],
            "collected": format!("{}T00:00:00Z", disp.date),
        }));
    }
    if !observations.is_empty() {
        result["observations"] = json!(observations);
    }
    finish(&json!({
        "assessment-results": {
            "uuid": uuid(&[&key.join("/"), "assessment-results"]),
            "metadata": {
                "title": format!("Touchstone assessment of {} {} (firmware {})", report.device.maker, report.device.model, report.device.firmware_version),
                "last-modified": started,
                "version": report.tool.version,
                "oscal-version": OSCAL_VERSION,
                "props": metadata_props(report),
            },
            "import-ap": {"href": catalog_href},
            "results": [result],
        }
    }))
}
