//! Build a [`Report`] from an assessment.

use touchstone_catalog::{CATALOG_VERSION, CaseKind, Catalog, Modal, UnitKind};
use touchstone_core::Verdict;
use touchstone_engine::{Assessment, Plan, Tally};
use touchstone_project::{Diagnostic, Project};

use crate::model::{
    AttachmentRow, CaseRow, CategoryRow, Counts, DISCLAIMER, DeviceInfo, FindingRow, MappingRow,
    ProvisionRow, REPORT_SCHEMA, RecordRow, Report, StandardInfo, Summary, ToolInfo, UnitRow,
};

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
        not_run: t.not_run,
        needs_manual: t.needs_manual,
        inconclusive: t.inconclusive,
        error: t.error,
        applicable: t.applicable(),
        evaluated: t.evaluated(),
        score: t.score().map(round1),
        coverage: t.coverage().map(round1),
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

/// Build the report.
pub fn build(inputs: &ReportInputs<'_>) -> Report {
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
                        })
                        .collect(),
                    records: c.records.clone(),
                    findings: ids(&c.findings),
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
                location: f.finding.location.clone(),
                message: f.finding.message.clone(),
                evidence: f.finding.evidence.clone(),
                source: f.source.clone(),
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
            .map(|d| d.to_string().trim_start_matches("warning: ").to_owned())
            .collect(),
        notes: a.notes.clone(),
        regulatory: None,
    };
    report.regulatory = Some(crate::regulatory::build(
        catalog,
        edition,
        &report.provisions,
    ));
    report
}
