//! The rules of [`assess`]; see the crate documentation for the overview.

use std::collections::{BTreeMap, BTreeSet};

use touchstone_catalog::{CaseKind, CaseRef, Catalog, Edition, Method, Modal, Provision, TestUnit};
use touchstone_core::{Severity, Supports, Verdict};
use touchstone_project::{Project, Record, RecordVerdict, Support};

use crate::{
    Assessment, CaseResult, CategoryResult, Inputs, Overall, Plan, ProvisionResult, SourcedFinding,
    Tally, UnitResult,
};

/// Run the verdict engine.
pub fn assess(inputs: Inputs<'_>) -> Assessment {
    let Inputs {
        catalog,
        project,
        findings,
    } = inputs;
    let edition = project.edition;
    let mut notes = Vec::new();
    let index = FindingIndex::build(catalog, edition, findings, &mut notes);
    let reporting = &catalog.standard(edition).standard.reporting_provision;

    let mut provisions = Vec::new();
    for p in catalog.provisions(edition) {
        let result = if &p.id == reporting {
            reporting_provision(catalog, project, p, &index)
        } else {
            provision(catalog, project, p, &index, findings)
        };
        if !matches!(result.plan, Plan::Tested) && !index.for_provision(&p.id).is_empty() {
            notes.push(format!(
                "{} finding(s) bear on {}, which the ICS answers `{}`: check the answer",
                index.for_provision(&p.id).len(),
                p.id,
                result.support.map_or("nothing", Support::as_str)
            ));
        }
        provisions.push(result);
    }

    let categories = catalog
        .standard(edition)
        .categories
        .iter()
        .map(|c| {
            let ps: Vec<&ProvisionResult> =
                provisions.iter().filter(|p| p.category == c.id).collect();
            CategoryResult {
                id: c.id.clone(),
                title: c.title.clone(),
                verdict: Verdict::combine(ps.iter().map(|p| p.verdict)),
                provisions: Tally::of(ps.iter().map(|p| p.verdict)),
                cases: Tally::of(ps.iter().flat_map(|p| p.cases.iter().map(|c| c.verdict))),
            }
        })
        .collect();

    let overall = Overall {
        verdict: Verdict::combine(provisions.iter().map(|p| p.verdict)),
        provisions: Tally::of(provisions.iter().map(|p| p.verdict)),
        mandatory: Tally::of(
            provisions
                .iter()
                .filter(|p| p.modal == Modal::M)
                .map(|p| p.verdict),
        ),
        recommendations: Tally::of(
            provisions
                .iter()
                .filter(|p| p.modal == Modal::R)
                .map(|p| p.verdict),
        ),
        cases: Tally::of(
            provisions
                .iter()
                .flat_map(|p| p.cases.iter().map(|c| c.verdict)),
        ),
        worst_severity: provisions
            .iter()
            .filter(|p| p.verdict == Verdict::Fail)
            .filter_map(|p| p.severity)
            .max(),
    };

    Assessment {
        edition,
        provisions,
        categories,
        overall,
        findings: findings.to_vec(),
        notes,
    }
}

/// Which findings name which units, cases and provisions.
struct FindingIndex {
    by_unit: BTreeMap<String, Vec<usize>>,
    by_case: BTreeMap<String, Vec<usize>>,
    /// Findings that name a provision but none of its units or cases.
    by_provision: BTreeMap<String, Vec<usize>>,
    /// Every finding that names the provision in any way.
    touching: BTreeMap<String, Vec<usize>>,
}

impl FindingIndex {
    fn build(
        catalog: &Catalog,
        edition: Edition,
        findings: &[SourcedFinding],
        notes: &mut Vec<String>,
    ) -> FindingIndex {
        // unit or case id -> provision id, over the whole plan.
        let mut owner: BTreeMap<String, (String, bool)> = BTreeMap::new();
        for p in catalog.provisions(edition) {
            for c in catalog.cases(edition, &p.id) {
                owner.insert(c.case.id.clone(), (p.id.clone(), false));
                for u in catalog.units(&c) {
                    owner.insert(u.id.clone(), (p.id.clone(), true));
                }
            }
        }
        let mut index = FindingIndex {
            by_unit: BTreeMap::new(),
            by_case: BTreeMap::new(),
            by_provision: BTreeMap::new(),
            touching: BTreeMap::new(),
        };
        for (i, sf) in findings.iter().enumerate() {
            let f = &sf.finding;
            let mut named: BTreeSet<String> = BTreeSet::new();
            let mut matched = false;
            for t in &f.test_units {
                match owner.get(t) {
                    Some((p, true)) => {
                        index.by_unit.entry(t.clone()).or_default().push(i);
                        named.insert(p.clone());
                        matched = true;
                    }
                    Some((p, false)) => {
                        index.by_case.entry(t.clone()).or_default().push(i);
                        named.insert(p.clone());
                        matched = true;
                    }
                    None => notes.push(format!(
                        "finding `{}` from {} names test unit `{t}`, which is not in the {edition} test plan",
                        f.check, sf.source
                    )),
                }
            }
            for p in &f.provisions {
                if catalog.provision(edition, p).is_none() {
                    notes.push(format!(
                        "finding `{}` from {} names provision `{p}`, which {edition} does not have",
                        f.check, sf.source
                    ));
                    continue;
                }
                matched = true;
                if !named.contains(p) {
                    index.by_provision.entry(p.clone()).or_default().push(i);
                }
                named.insert(p.clone());
            }
            for p in named {
                index.touching.entry(p).or_default().push(i);
            }
            if !matched && f.test_units.is_empty() && f.provisions.is_empty() {
                notes.push(format!(
                    "finding `{}` from {} names no provision or test unit and is not used",
                    f.check, sf.source
                ));
            }
        }
        index
    }

    fn for_provision(&self, id: &str) -> &[usize] {
        self.touching.get(id).map_or(&[], Vec::as_slice)
    }
}

fn plan_of(p: &Provision, support: Option<Support>) -> Plan {
    match (support, p.modal) {
        (None, _) => Plan::Unanswered,
        (Some(Support::Y), _) => Plan::Tested,
        (Some(Support::NA), _) => Plan::NotApplicable,
        (Some(Support::N), Modal::M) => Plan::DeclaredNonConformity,
        (Some(Support::N), Modal::R) => Plan::DeclaredNotImplemented,
    }
}

fn base(p: &Provision, project: &Project) -> ProvisionResult {
    let answer = project.answer(&p.id);
    ProvisionResult {
        id: p.id.clone(),
        category: p.category.clone(),
        title: p.title.clone(),
        summary: p.summary.clone(),
        modal: p.modal,
        status: p.status(),
        support: answer.map(|a| a.support),
        detail: answer.map(|a| a.detail.clone()).unwrap_or_default(),
        plan: plan_of(p, answer.map(|a| a.support)),
        verdict: Verdict::NotRun,
        severity: None,
        reason: String::new(),
        cases: Vec::new(),
        findings: Vec::new(),
    }
}

fn unit_result(catalog: &Catalog, edition: Edition, u: &TestUnit, verdict: Verdict) -> UnitResult {
    UnitResult {
        id: u.id.clone(),
        kind: u.kind,
        ixit: u
            .ixit
            .iter()
            .map(|t| catalog.ixit_name(edition, t).to_owned())
            .collect(),
        refs: u.refs.clone(),
        focus: u.focus.clone(),
        verdict,
        records: Vec::new(),
        findings: Vec::new(),
    }
}

fn skipped_cases(
    catalog: &Catalog,
    edition: Edition,
    p: &Provision,
    verdict: Verdict,
    reason: &str,
) -> Vec<CaseResult> {
    catalog
        .cases(edition, &p.id)
        .iter()
        .map(|c| CaseResult {
            id: c.case.id.clone(),
            kind: c.case.kind,
            purpose: c.case.purpose.clone(),
            carried_over: c.carried_over,
            verdict,
            severity: None,
            reason: reason.to_owned(),
            units: catalog
                .units(c)
                .iter()
                .map(|u| unit_result(catalog, edition, u, verdict))
                .collect(),
            records: Vec::new(),
            findings: Vec::new(),
        })
        .collect()
}

fn provision(
    catalog: &Catalog,
    project: &Project,
    p: &Provision,
    index: &FindingIndex,
    findings: &[SourcedFinding],
) -> ProvisionResult {
    let edition = project.edition;
    let mut r = base(p, project);
    // Provisions outside the plan: (verdict, severity, reason, case verdict, case reason).
    let skipped = match r.plan {
        Plan::Tested => None,
        Plan::Unanswered => Some((
            Verdict::NotRun,
            None,
            "no ICS answer".to_owned(),
            Verdict::NotRun,
            "the ICS does not answer this provision",
        )),
        Plan::NotApplicable => Some((
            Verdict::NotApplicable,
            None,
            format!("not applicable per the ICS: {}", or_none(&r.detail)),
            Verdict::NotApplicable,
            "provision not applicable",
        )),
        Plan::DeclaredNonConformity => Some((
            Verdict::Fail,
            Some(Severity::High),
            format!(
                "declared non-conformity: mandatory provision answered N ({})",
                or_none(&r.detail)
            ),
            Verdict::NotRun,
            "not executed: the ICS declares the provision not supported",
        )),
        Plan::DeclaredNotImplemented => Some((
            Verdict::NotApplicable,
            None,
            format!(
                "recommendation declared not implemented; its justification is assessed under the reporting provision ({})",
                or_none(&r.detail)
            ),
            Verdict::NotApplicable,
            "not executed: recommendation declared not implemented",
        )),
    };
    if let Some((verdict, severity, reason, case_verdict, case_reason)) = skipped {
        r.verdict = verdict;
        r.severity = severity;
        r.reason = reason;
        r.cases = skipped_cases(catalog, edition, p, case_verdict, case_reason);
        return r;
    }

    let cases = catalog.cases(edition, &p.id);
    let provision_level = index.by_provision.get(&p.id).cloned().unwrap_or_default();
    let functional: Vec<&CaseRef<'_>> = cases
        .iter()
        .filter(|c| c.case.kind != CaseKind::Conceptual)
        .collect();
    let receivers: Vec<&str> = if functional.is_empty() {
        cases.iter().map(|c| c.case.id.as_str()).collect()
    } else {
        functional.iter().map(|c| c.case.id.as_str()).collect()
    };
    let automatable = p
        .assess
        .iter()
        .any(|m| matches!(m, Method::Firmware | Method::Network));

    for c in &cases {
        let mut case_findings = index.by_case.get(&c.case.id).cloned().unwrap_or_default();
        if receivers.contains(&c.case.id.as_str()) {
            case_findings.extend(provision_level.iter().copied());
        }
        let records: Vec<&Record> = project.records_for(&c.case.id).collect();
        r.cases.push(case(
            catalog,
            edition,
            p,
            c,
            &records,
            &case_findings,
            index,
            findings,
            automatable,
        ));
    }
    if cases.is_empty() {
        r.findings = provision_level;
    }

    r.verdict = if r.cases.is_empty() {
        Verdict::NeedsManual
    } else {
        Verdict::combine(r.cases.iter().map(|c| c.verdict))
    };
    r.severity = r
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .filter_map(|c| c.severity)
        .max();
    r.reason = provision_reason(&r);
    r
}

fn provision_reason(r: &ProvisionResult) -> String {
    if r.cases.is_empty() {
        return "the catalogue knows no test case for this provision: assess it manually"
            .to_owned();
    }
    let t = Tally::of(r.cases.iter().map(|c| c.verdict));
    let failed: Vec<&str> = r
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| c.id.as_str())
        .collect();
    if !failed.is_empty() {
        return format!("test case(s) {} failed", failed.join(", "));
    }
    let mut parts = Vec::new();
    for v in Verdict::ALL {
        let n = t.get(v);
        if n > 0 {
            parts.push(format!("{n} {}", v.label()));
        }
    }
    format!("test cases: {}", parts.join(", "))
}

#[allow(clippy::too_many_arguments)]
fn case(
    catalog: &Catalog,
    edition: Edition,
    p: &Provision,
    c: &CaseRef<'_>,
    records: &[&Record],
    case_findings: &[usize],
    index: &FindingIndex,
    findings: &[SourcedFinding],
    automatable: bool,
) -> CaseResult {
    let units = catalog.units(c);
    let supports = |i: &usize| findings.get(*i).map(|f| f.finding.supports);
    let severity_of = |i: &usize| findings.get(*i).map(|f| f.finding.severity);
    let mut contradictions = Vec::new();
    let mut manual_unit_fail = false;

    // Units first: unit-scoped records and findings naming the unit.
    let mut unit_results = Vec::new();
    for u in &units {
        let mut ur = unit_result(catalog, edition, u, Verdict::NotRun);
        let unit_records: Vec<&&Record> = records
            .iter()
            .filter(|r| r.units.iter().any(|x| x == &u.id))
            .collect();
        ur.records = unit_records.iter().map(|r| r.id.clone()).collect();
        ur.findings = index.by_unit.get(&u.id).cloned().unwrap_or_default();
        let manual_fail = unit_records
            .iter()
            .any(|r| r.verdict == RecordVerdict::Fail);
        manual_unit_fail |= manual_fail;
        let manual_pass = unit_records
            .iter()
            .any(|r| r.verdict == RecordVerdict::Pass);
        let manual_inconclusive = unit_records
            .iter()
            .any(|r| r.verdict == RecordVerdict::Inconclusive);
        let auto_fail = ur
            .findings
            .iter()
            .any(|i| supports(i) == Some(Supports::Fail));
        let auto_pass = ur
            .findings
            .iter()
            .any(|i| supports(i) == Some(Supports::Pass));
        let auto_error = ur
            .findings
            .iter()
            .any(|i| supports(i) == Some(Supports::Error));
        ur.verdict = if manual_pass && auto_fail && !manual_fail {
            contradictions.push(u.id.clone());
            Verdict::Inconclusive
        } else if manual_fail || auto_fail {
            Verdict::Fail
        } else if manual_inconclusive {
            Verdict::Inconclusive
        } else if manual_pass || auto_pass {
            Verdict::Pass
        } else if auto_error {
            Verdict::Error
        } else {
            Verdict::NotRun
        };
        unit_results.push(ur);
    }

    let whole: Vec<&&Record> = records.iter().filter(|r| r.units.is_empty()).collect();
    let manual = if whole.is_empty() {
        None
    } else if whole.iter().any(|r| r.verdict == RecordVerdict::Fail) {
        Some(Verdict::Fail)
    } else if whole
        .iter()
        .any(|r| r.verdict == RecordVerdict::Inconclusive)
    {
        Some(Verdict::Inconclusive)
    } else {
        Some(Verdict::Pass)
    };
    let failing: Vec<usize> = case_findings
        .iter()
        .chain(unit_results.iter().flat_map(|u| u.findings.iter()))
        .copied()
        .filter(|i| supports(i) == Some(Supports::Fail))
        .collect();
    let any_unit = |v: Verdict| unit_results.iter().any(|u| u.verdict == v);
    let all_units_pass =
        !unit_results.is_empty() && unit_results.iter().all(|u| u.verdict == Verdict::Pass);
    let has_evidence = !case_findings.is_empty()
        || unit_results
            .iter()
            .any(|u| !u.findings.is_empty() || !u.records.is_empty());
    let first_check = |ids: &[usize]| {
        ids.first()
            .and_then(|i| findings.get(*i))
            .map(|f| format!("`{}` ({})", f.finding.check, f.finding.message))
            .unwrap_or_default()
    };

    let (verdict, reason) = if manual == Some(Verdict::Pass) && !failing.is_empty() {
        (
            Verdict::Inconclusive,
            format!(
                "an assessor recorded PASS but {} automated finding(s) support FAIL, first {}: re-assess and record the outcome",
                failing.len(),
                first_check(&failing)
            ),
        )
    } else if !contradictions.is_empty() {
        (
            Verdict::Inconclusive,
            format!(
                "manual PASS and automated FAIL disagree on unit(s) {}: re-assess and record the outcome",
                contradictions.join(", ")
            ),
        )
    } else if manual == Some(Verdict::Fail) {
        (Verdict::Fail, "an assessor recorded FAIL".to_owned())
    } else if !failing.is_empty() {
        (
            Verdict::Fail,
            format!(
                "{} automated finding(s) support FAIL, first {}",
                failing.len(),
                first_check(&failing)
            ),
        )
    } else if any_unit(Verdict::Fail) {
        (
            Verdict::Fail,
            "an assessor recorded FAIL for a unit".to_owned(),
        )
    } else if manual == Some(Verdict::Inconclusive) || any_unit(Verdict::Inconclusive) {
        (
            Verdict::Inconclusive,
            "an assessor recorded INCONCLUSIVE".to_owned(),
        )
    } else if manual == Some(Verdict::Pass) {
        (
            Verdict::Pass,
            "an assessor recorded PASS for the test case".to_owned(),
        )
    } else if all_units_pass {
        (
            Verdict::Pass,
            "every test unit has passing evidence".to_owned(),
        )
    } else if case_findings
        .iter()
        .any(|i| supports(i) == Some(Supports::Error))
        || any_unit(Verdict::Error)
    {
        (
            Verdict::Error,
            "a check that should have produced evidence failed to run".to_owned(),
        )
    } else if has_evidence {
        let covered = unit_results
            .iter()
            .filter(|u| u.verdict == Verdict::Pass)
            .count();
        (
            Verdict::NeedsManual,
            format!(
                "partial evidence ({covered} of {} units pass): an assessor must complete the test case",
                unit_results.len()
            ),
        )
    } else if c.case.kind == CaseKind::Conceptual {
        (
            Verdict::NeedsManual,
            "conceptual test: review the IXIT and documentation against the provision".to_owned(),
        )
    } else if automatable {
        (
            Verdict::NotRun,
            "no results yet: run the firmware or network checks, or record a manual result"
                .to_owned(),
        )
    } else {
        (
            Verdict::NeedsManual,
            "functional test needing an assessor (documents, user interface or process)".to_owned(),
        )
    };

    let severity = (verdict == Verdict::Fail).then(|| {
        let auto = failing.iter().filter_map(severity_of).max();
        let manual_sev =
            (manual == Some(Verdict::Fail) || manual_unit_fail).then_some(match p.modal {
                Modal::M => Severity::High,
                Modal::R => Severity::Medium,
            });
        auto.max(manual_sev).unwrap_or(Severity::High)
    });

    // Pending units of a decided case take the case's verdict only when a
    // whole-case record decided it.
    if let Some(m) = manual {
        for u in &mut unit_results {
            if u.verdict == Verdict::NotRun {
                u.verdict = m;
            }
        }
    }
    let pending = match verdict {
        Verdict::NotRun | Verdict::NeedsManual => verdict,
        _ => Verdict::NeedsManual,
    };
    for u in &mut unit_results {
        if u.verdict == Verdict::NotRun {
            u.verdict = pending;
        }
    }

    CaseResult {
        id: c.case.id.clone(),
        kind: c.case.kind,
        purpose: c.case.purpose.clone(),
        carried_over: c.carried_over,
        verdict,
        severity,
        reason,
        units: unit_results,
        records: records.iter().map(|r| r.id.clone()).collect(),
        findings: case_findings.to_vec(),
    }
}

/// 4-1 / 5.0-1: every recommendation answered N or N/A has a justification.
fn reporting_provision(
    catalog: &Catalog,
    project: &Project,
    p: &Provision,
    index: &FindingIndex,
) -> ProvisionResult {
    let edition = project.edition;
    let mut r = base(p, project);
    let unjustified: Vec<&str> = catalog
        .provisions(edition)
        .iter()
        .filter(|x| x.modal == Modal::R)
        .filter(|x| {
            project
                .answer(&x.id)
                .is_some_and(|a| a.support != Support::Y && a.detail.trim().is_empty())
        })
        .map(|x| x.id.as_str())
        .collect();
    let justified = catalog
        .provisions(edition)
        .iter()
        .filter(|x| x.modal == Modal::R)
        .filter(|x| {
            project
                .answer(&x.id)
                .is_some_and(|a| a.support != Support::Y)
        })
        .count()
        - unjustified.len();
    let (verdict, reason) = if unjustified.is_empty() {
        (
            Verdict::Pass,
            format!(
                "evaluated from the ICS: all {justified} recommendation(s) answered N or N/A carry a justification"
            ),
        )
    } else {
        (
            Verdict::Fail,
            format!(
                "evaluated from the ICS: recommendation(s) answered N or N/A without justification: {}",
                unjustified.join(", ")
            ),
        )
    };
    r.plan = Plan::Tested;
    r.verdict = verdict;
    r.severity = (verdict == Verdict::Fail).then_some(Severity::Medium);
    r.reason = reason.clone();
    r.cases = catalog
        .cases(edition, &p.id)
        .iter()
        .map(|c| CaseResult {
            id: c.case.id.clone(),
            kind: c.case.kind,
            purpose: c.case.purpose.clone(),
            carried_over: c.carried_over,
            verdict,
            severity: r.severity,
            reason: reason.clone(),
            units: catalog
                .units(c)
                .iter()
                .map(|u| unit_result(catalog, edition, u, verdict))
                .collect(),
            records: project
                .records_for(&c.case.id)
                .map(|x| x.id.clone())
                .collect(),
            findings: index.by_case.get(&c.case.id).cloned().unwrap_or_default(),
        })
        .collect();
    r
}

fn or_none(detail: &str) -> &str {
    if detail.trim().is_empty() {
        "no detail given"
    } else {
        detail
    }
}
