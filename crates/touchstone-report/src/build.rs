//! Build a [`Report`] from an assessment.

use touchstone_catalog::{CATALOG_VERSION, CaseKind, Catalog, Modal, UnitKind};
use touchstone_core::Verdict;
use touchstone_engine::{Assessment, Plan, Tally};
use touchstone_project::{Diagnostic, Project};

use std::collections::{BTreeMap, BTreeSet};

use touchstone_engine::{Applied, Basis, DispositionStatus, Effect, Proposal, Source};
use touchstone_project::DispositionTarget;

use crate::model::{
    AdviceRow, AppliedRow, AssessorRow, AttachmentRow, CaseRow, CategoryRow, Counts, DISCLAIMER,
    Deliverable, DeviceInfo, DispositionRow, FindingRow, IcsAnnexRow, InputRow, IxitAnnexRow,
    MappingRow, ProposalRow, ProvisionRow, REPORT_SCHEMA, RecordRow, Report, SampleRow,
    SignatureRow, StandardInfo, Summary, ToolInfo, UnitRow,
};

/// What the binary adds that the engine cannot know: the fix advice of the
/// built-in checks (their registries live in crates the report does not
/// depend on) and the inputs this run read, by file name and hash.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// What / why / how to fix per check id (only those with findings are kept).
    pub advice: Vec<AdviceRow>,
    /// Inputs read by this run (findings files, firmware images), by name and hash.
    pub inputs: Vec<InputRow>,
}

/// What a report is built from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInputs<'a> {
    /// The catalogue.
    pub catalog: &'a Catalog,
    /// The project.
    pub project: &'a Project,
    /// How the project was named on the command line.
    pub project_name: &'a str,
    /// The assessment.
    pub assessment: &'a Assessment,
    /// Validation diagnostics (warnings) to carry into the report.
    pub diagnostics: &'a [Diagnostic],
    /// Tool version.
    pub tool_version: &'a str,
    /// Timestamp, RFC 3339 UTC.
    pub generated_at: &'a str,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn counts(t: &Tally) -> Counts {
    Counts {
        pass: t.pass,
        fail: t.fail,
        not_applicable: t.not_applicable,
        not_implemented: t.not_implemented,
        not_run: t.not_run,
        needs_manual: t.needs_manual,
        inconclusive: t.inconclusive,
        error: t.error,
        applicable: t.applicable(),
        evaluated: t.evaluated(),
        score: t.score().map(round1),
        coverage: t.coverage().map(round1),
        proposed_pass: t.proposed_pass,
        proposed_fail: t.proposed_fail,
        coverage_with_proposed: t.coverage_with_proposed().map(round1),
    }
}

fn source_text(s: &Source) -> String {
    match s {
        Source::Ics { provision } => format!("ICS {provision}"),
        Source::Ixit {
            table,
            entry,
            field,
        } => {
            let mut t = format!("IXIT {}", entry.as_deref().unwrap_or(table));
            if let Some(f) = field {
                t.push(' ');
                t.push_str(f);
            }
            t
        }
        Source::Finding { index } => format!("finding {}", finding_id(*index)),
        Source::Reused {
            id,
            verdict,
            proposed,
        } => format!(
            "{id}: {}{}",
            if *proposed { "proposed " } else { "" },
            verdict.label()
        ),
    }
}

fn proposal_row(p: &Proposal) -> ProposalRow {
    ProposalRow {
        verdict: p.verdict,
        label: format!("proposed {}", p.verdict.label()),
        basis: match p.basis {
            Basis::IxitGap => "ixit-gap",
            Basis::Indication => "indication",
            Basis::Reused => "reused",
            Basis::Related => "related",
            Basis::Documented => "documented",
            Basis::Units => "units",
        }
        .to_owned(),
        rationale: p.rationale.clone(),
        sources: p.sources.iter().map(source_text).collect(),
    }
}

fn finding_id(i: usize) -> String {
    format!("F{}", i + 1)
}

fn ids(list: &[usize]) -> Vec<String> {
    list.iter().map(|i| finding_id(*i)).collect()
}

fn kind(k: CaseKind) -> String {
    k.as_str().to_owned()
}

fn unit_kind(k: UnitKind) -> String {
    match k {
        UnitKind::Conceptual => "conceptual",
        UnitKind::Functional => "functional",
    }
    .to_owned()
}

fn plan(p: Plan) -> String {
    match p {
        Plan::Tested => "tested",
        Plan::NotApplicable => "not-applicable",
        Plan::DeclaredNonConformity => "declared-non-conformity",
        Plan::DeclaredNotImplemented => "declared-not-implemented",
        Plan::Unanswered => "unanswered",
    }
    .to_owned()
}

/// An absolute host path (`/home/lab/fw.bin`, `C:\\lab\\fw.bin`) becomes its
/// file name: reports name images by file name and hash, never by where they
/// lay on the assessor's machine. Relative project paths stay.
fn host_path_to_name(token: &str) -> &str {
    let absolute = token.starts_with('/')
        || token.starts_with('\\')
        || token.get(1..3).is_some_and(|x| x == ":\\" || x == ":/");
    if absolute {
        token
            .rsplit(['/', '\\'])
            .find(|s| !s.is_empty())
            .unwrap_or(token)
    } else {
        token
    }
}

fn without_host_path(location: touchstone_core::Location) -> touchstone_core::Location {
    match location {
        touchstone_core::Location::Firmware {
            image,
            path,
            layers,
            offset,
        } => touchstone_core::Location::Firmware {
            image: host_path_to_name(&image).to_owned(),
            path,
            layers,
            offset,
        },
        other => other,
    }
}

fn applied_row(a: &Applied, disposition_ids: &[String]) -> AppliedRow {
    AppliedRow {
        finding: finding_id(a.finding),
        weight: a.weight.as_str().to_owned(),
        effect: match a.effect {
            Effect::Counts => "counts",
            Effect::Confirmed => "confirmed",
            Effect::FalsePositive => "false-positive",
            Effect::Waived => "waived",
            Effect::WaiverExpired => "waiver-expired",
        }
        .to_owned(),
        disposition: a.disposition.and_then(|i| disposition_ids.get(i).cloned()),
    }
}

/// Build the report.
pub fn build(inputs: &ReportInputs<'_>) -> Report {
    build_with(inputs, &Extras::default())
}

/// Build the report with what only the binary knows (fix advice, inputs read).
pub fn build_with(inputs: &ReportInputs<'_>, extras: &Extras) -> Report {
    let ReportInputs {
        catalog,
        project,
        project_name,
        assessment: a,
        diagnostics,
        tool_version,
        generated_at,
    } = *inputs;
    let edition = project.edition;
    let disposition_ids: Vec<String> = a
        .dispositions
        .iter()
        .map(|d| d.disposition.id.clone())
        .collect();
    // Assessor per test case: records first, then report.assessors.
    let mut case_assessors: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &project.records {
        case_assessors
            .entry(r.test_case.clone())
            .or_default()
            .insert(r.assessor.clone());
    }
    for (case, who) in &project.deliverable.assessors {
        case_assessors
            .entry(case.clone())
            .or_default()
            .insert(who.clone());
    }
    let standard = &catalog.standard(edition).standard;
    let spec = &catalog.spec(edition).spec;

    let overall = &a.overall;
    let (conclusion, explanation) = match overall.verdict {
        Verdict::Pass => ("CONFORMANT", "every applicable provision passed".to_owned()),
        Verdict::Fail => (
            "NON-CONFORMANT",
            format!(
                "{} provision(s) failed ({} mandatory)",
                overall.provisions.fail, overall.mandatory.fail
            ),
        ),
        Verdict::NotApplicable => (
            "INCOMPLETE",
            "no provision applies: check the ICS".to_owned(),
        ),
        other => (
            "INCOMPLETE",
            format!(
                "no failure so far, but {} of {} applicable provisions are not yet evaluated (most pressing: {})",
                overall.provisions.applicable() - overall.provisions.evaluated(),
                overall.provisions.applicable(),
                other.label()
            ),
        ),
    };

    let provisions = a
        .provisions
        .iter()
        .map(|p| ProvisionRow {
            id: p.id.clone(),
            category: p.category.clone(),
            title: p.title.clone(),
            summary: p.summary.clone(),
            modal: match p.modal {
                Modal::M => "M",
                Modal::R => "R",
            }
            .to_owned(),
            status: p.status.clone(),
            support: p.support.map(|s| s.as_str().to_owned()),
            detail: p.detail.clone(),
            plan: plan(p.plan),
            verdict: p.verdict,
            label: match p.plan {
                Plan::DeclaredNotImplemented => "not implemented (declared N)".to_owned(),
                Plan::DeclaredNonConformity => "FAIL (declared N)".to_owned(),
                _ => p.verdict.label().to_owned(),
            },
            severity: p.severity,
            reason: p.reason.clone(),
            mappings: catalog
                .mappings_for(edition, &p.id)
                .iter()
                .map(|m| MappingRow {
                    scheme: m.scheme.id.clone(),
                    requirement: m.requirement.id.clone(),
                    title: m.requirement.title.clone(),
                    basis: match m.link.basis {
                        touchstone_catalog::Basis::Official => "official",
                        touchstone_catalog::Basis::Indicative => "indicative",
                    }
                    .to_owned(),
                })
                .collect(),
            test_cases: p
                .cases
                .iter()
                .map(|c| CaseRow {
                    id: c.id.clone(),
                    kind: kind(c.kind),
                    purpose: c.purpose.clone(),
                    carried_over: c.carried_over,
                    verdict: c.verdict,
                    severity: c.severity,
                    reason: c.reason.clone(),
                    units: c
                        .units
                        .iter()
                        .map(|u| UnitRow {
                            id: u.id.clone(),
                            kind: unit_kind(u.kind),
                            ixit: u.ixit.clone(),
                            refs: u.refs.clone(),
                            focus: u.focus.clone(),
                            verdict: u.verdict,
                            records: u.records.clone(),
                            findings: ids(&u.findings),
                            applied: u
                                .applied
                                .iter()
                                .map(|x| applied_row(x, &disposition_ids))
                                .collect(),
                            unsettled: u.unsettled,
                            needs_person: u.needs_person,
                            checklist: u.checklist.clone(),
                            ixit_missing: u.ixit_missing.clone(),
                            ixit_conflicts: u.ixit_conflicts.clone(),
                            decided_by: u.decided_by.clone(),
                            informed_by: u.informed_by.clone(),
                            reason: u.reason.clone(),
                            proposed: u.proposed.as_ref().map(proposal_row),
                        })
                        .collect(),
                    records: c.records.clone(),
                    findings: ids(&c.findings),
                    unsettled: c.unsettled,
                    assessors: case_assessors
                        .get(&c.id)
                        .map(|s| s.iter().cloned().collect())
                        .unwrap_or_default(),
                    proposed: c.proposed.as_ref().map(proposal_row),
                })
                .collect(),
            findings: ids(&p.findings),
        })
        .collect();

    let mut report = Report {
        schema: REPORT_SCHEMA.to_owned(),
        tool: ToolInfo {
            name: "touchstone".to_owned(),
            version: tool_version.to_owned(),
            catalog_version: CATALOG_VERSION.to_owned(),
        },
        generated_at: generated_at.to_owned(),
        project: project_name.to_owned(),
        standard: StandardInfo {
            edition: edition.version().to_owned(),
            title: format!(
                "{} V{} ({})",
                standard.name, standard.version, standard.published
            ),
            test_specification: format!("{} V{} ({})", spec.name, spec.version, spec.published),
            test_specification_complete: spec.complete,
        },
        device: DeviceInfo {
            maker: project.device.maker.clone(),
            model: project.device.model.clone(),
            hardware_version: project.device.hardware_version.clone(),
            firmware_version: project.device.firmware_version.clone(),
            description: project.device.description.clone(),
        },
        summary: Summary {
            verdict: overall.verdict,
            conclusion: conclusion.to_owned(),
            explanation,
            worst_severity: overall.worst_severity,
            provisions: counts(&overall.provisions),
            mandatory: counts(&overall.mandatory),
            recommendations: counts(&overall.recommendations),
            test_cases: counts(&overall.cases),
            disclaimer: DISCLAIMER.to_owned(),
        },
        categories: a
            .categories
            .iter()
            .map(|c| CategoryRow {
                id: c.id.clone(),
                title: c.title.clone(),
                verdict: c.verdict,
                provisions: counts(&c.provisions),
                test_cases: counts(&c.cases),
            })
            .collect(),
        provisions,
        findings: a
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| FindingRow {
                id: finding_id(i),
                check: f.finding.check.clone(),
                severity: f.finding.severity,
                supports: f.finding.supports.as_str().to_owned(),
                provisions: f.finding.provisions.clone(),
                test_units: f.finding.test_units.clone(),
                location: f.finding.location.clone().map(without_host_path),
                message: f.finding.message.clone(),
                evidence: f.finding.evidence.clone(),
                source: f
                    .source
                    .split(' ')
                    .map(host_path_to_name)
                    .collect::<Vec<_>>()
                    .join(" "),
                fingerprint: f.finding.fingerprint(),
            })
            .collect(),
        records: project
            .records
            .iter()
            .map(|r| RecordRow {
                id: r.id.clone(),
                test_case: r.test_case.clone(),
                units: r.units.clone(),
                verdict: r.verdict.as_str().to_owned(),
                assessor: r.assessor.clone(),
                date: r.date.clone(),
                notes: r.notes.clone(),
                attachments: r
                    .attachments
                    .iter()
                    .map(|x| AttachmentRow {
                        path: x.path.clone(),
                        sha256: x.sha256.clone(),
                        description: x.description.clone(),
                    })
                    .collect(),
            })
            .collect(),
        warnings: diagnostics
            .iter()
            .filter(|d| !d.is_error())
            .map(|d| {
                let text = d.to_string();
                let rest = text.split_once("]: ").map_or(text.as_str(), |(_, r)| r);
                format!("{} {rest}", d.code)
            })
            .collect(),
        notes: a.notes.clone(),
        dispositions: a
            .dispositions
            .iter()
            .map(|d| {
                let x = &d.disposition;
                let (target_kind, target) = match &x.target {
                    DispositionTarget::Finding(fp) => ("finding", fp.clone()),
                    DispositionTarget::Check(c) => ("check", c.clone()),
                };
                DispositionRow {
                    id: x.id.clone(),
                    target_kind: target_kind.to_owned(),
                    target,
                    unit: x.unit.clone(),
                    decision: x.decision.as_str().to_owned(),
                    reason: x.reason.clone(),
                    assessor: x.assessor.clone(),
                    date: x.date.clone(),
                    owner: x.owner.clone(),
                    expires: x.expires.clone(),
                    status: match d.status {
                        DispositionStatus::Applied => "applied",
                        DispositionStatus::Expired => "expired",
                        DispositionStatus::Unmatched => "unmatched",
                    }
                    .to_owned(),
                    findings: ids(&d.findings),
                    units: d.units.clone(),
                }
            })
            .collect(),
        unsettled: a.unsettled.clone(),
        deliverable: deliverable(project, &case_assessors, extras),
        ics: catalog
            .provisions(edition)
            .iter()
            .map(|p| {
                let answer = project.answer(&p.id);
                IcsAnnexRow {
                    provision: p.id.clone(),
                    status: p.status(),
                    support: answer.map(|x| x.support.as_str().to_owned()),
                    detail: answer.map(|x| x.detail.clone()).unwrap_or_default(),
                    ixit: answer.map(|x| x.ixit.clone()).unwrap_or_default(),
                }
            })
            .collect(),
        ixit: project
            .ixit
            .iter()
            .map(|e| IxitAnnexRow {
                table: e.table.clone(),
                id: e.id.clone(),
                fields: e
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            })
            .collect(),
        advice: {
            let used: BTreeSet<&str> = a
                .findings
                .iter()
                .map(|f| f.finding.check.as_str())
                .collect();
            let mut rows: Vec<AdviceRow> = extras
                .advice
                .iter()
                .filter(|x| used.contains(x.check.as_str()))
                .cloned()
                .collect();
            rows.sort_by(|x, y| x.check.cmp(&y.check));
            rows.dedup_by(|x, y| x.check == y.check);
            rows
        },
        regulatory: None,
    };
    report.regulatory = Some(crate::regulatory::build(
        catalog,
        edition,
        &report.provisions,
    ));
    report
}

fn deliverable(
    project: &Project,
    case_assessors: &BTreeMap<String, BTreeSet<String>>,
    extras: &Extras,
) -> Deliverable {
    let d = &project.deliverable;
    let sign = |s: &Option<touchstone_project::Signature>| {
        s.as_ref().map(|s| SignatureRow {
            name: s.name.clone(),
            role: s.role.clone(),
            date: s.date.clone(),
        })
    };
    let mut by_person: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (case, people) in case_assessors {
        for who in people {
            by_person.entry(who.clone()).or_default().push(case.clone());
        }
    }
    // Declared inputs first, then what this run read; same name: one row.
    let mut inputs: Vec<InputRow> = d
        .inputs
        .iter()
        .map(|i| InputRow {
            name: i.name.clone(),
            sha256: i.sha256.clone(),
            kind: i.kind.clone(),
            sample: i.sample.clone(),
            status: "declared".to_owned(),
        })
        .collect();
    for used in &extras.inputs {
        match inputs.iter_mut().find(|i| i.name == used.name) {
            Some(i) if i.sha256 == used.sha256 => i.status = "declared-and-used".to_owned(),
            Some(i) => i.status = format!("hash-mismatch (read {})", used.sha256),
            None => inputs.push(InputRow {
                status: "used".to_owned(),
                ..used.clone()
            }),
        }
    }
    Deliverable {
        status: if d.approver.is_some() {
            "approved"
        } else if d.reviewer.is_some() {
            "reviewed"
        } else {
            "draft"
        }
        .to_owned(),
        lab_name: d.lab_name.clone(),
        lab_accreditation: d.lab_accreditation.clone(),
        lab_address: d.lab_address.clone(),
        report_id: d.report_id.clone(),
        revision: d.revision.clone(),
        client: d.client.clone(),
        test_start: d.test_start.clone(),
        test_end: d.test_end.clone(),
        scope: d.scope.clone(),
        deviations: d.deviations.clone(),
        samples: d
            .samples
            .iter()
            .map(|s| SampleRow {
                id: s.id.clone(),
                serial: s.serial.clone(),
                hardware_version: s.hardware_version.clone(),
                firmware_version: s.firmware_version.clone(),
                notes: s.notes.clone(),
            })
            .collect(),
        inputs,
        assessors: by_person
            .into_iter()
            .map(|(name, test_cases)| AssessorRow { name, test_cases })
            .collect(),
        reviewer: sign(&d.reviewer),
        approver: sign(&d.approver),
    }
}

#[cfg(test)]
mod tests {
    use super::host_path_to_name;

    #[test]
    fn host_paths_become_file_names_and_project_paths_stay() {
        assert_eq!(
            host_path_to_name("/home/lab/images/fw-2.4.1.bin"),
            "fw-2.4.1.bin"
        );
        assert_eq!(host_path_to_name("C:\\lab\\fw.bin"), "fw.bin");
        assert_eq!(
            host_path_to_name("findings/lab-scan.json"),
            "findings/lab-scan.json"
        );
        assert_eq!(host_path_to_name("scan"), "scan");
    }
}
