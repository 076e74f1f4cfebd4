//! The rules of [`assess`]; see the crate documentation for the overview.

use std::collections::{BTreeMap, BTreeSet};

use touchstone_catalog::{
    CaseKind, CaseRef, Catalog, Edition, Method, Modal, Provision, TestUnit, UnitKind,
};
use touchstone_core::{Severity, Supports, Verdict};
use touchstone_project::{Decision, DispositionTarget, Project, Record, RecordVerdict, Support};

use crate::ixit::{self, NeedsCheck, TypedAnswer};
use crate::propose::{self, UnitFacts};
use crate::{
    Applied, Assessment, CaseResult, CategoryResult, DispositionResult, DispositionStatus, Effect,
    Inputs, Overall, Plan, ProvisionResult, SourcedFinding, Tally, UnitResult, Weight, weights,
};

/// Run the verdict engine.
pub fn assess(inputs: Inputs<'_>) -> Assessment {
    let Inputs {
        catalog,
        project,
        findings,
        today,
    } = inputs;
    let edition = project.edition;
    let mut notes = Vec::new();
    let mut index = FindingIndex::build(catalog, edition, findings, &mut notes);
    let mut dispositions: Vec<DispositionResult> = project
        .dispositions
        .iter()
        .map(|d| DispositionResult {
            disposition: d.clone(),
            status: DispositionStatus::Unmatched,
            findings: Vec::new(),
            units: Vec::new(),
        })
        .collect();
    index.settle(findings, &mut dispositions, today);
    for d in &dispositions {
        match d.status {
            DispositionStatus::Unmatched => notes.push(format!(
                "disposition `{}` matches no finding of this assessment",
                d.disposition.id
            )),
            DispositionStatus::Expired => notes.push(format!(
                "accepted risk `{}` (owner {}) expired on {}: its {} finding(s) count again",
                d.disposition.id,
                d.disposition.owner.as_deref().unwrap_or("unknown"),
                d.disposition.expires.as_deref().unwrap_or("?"),
                d.findings.len()
            )),
            DispositionStatus::Applied => {}
        }
    }
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
    // Units that reuse others take their standing once everything is
    // evaluated; then every case's proposal follows from its units.
    propose::propagate_reuse(&mut provisions);

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
                cases: Tally::of_cases(ps.iter().flat_map(|p| p.cases.iter())),
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
        cases: Tally::of_cases(provisions.iter().flat_map(|p| p.cases.iter())),
        worst_severity: provisions
            .iter()
            .filter(|p| p.verdict == Verdict::Fail)
            .filter_map(|p| p.severity)
            .max(),
    };

    let unsettled = provisions
        .iter()
        .flat_map(|p| p.cases.iter())
        .filter(|c| c.unsettled)
        .map(|c| c.id.clone())
        .collect();
    Assessment {
        edition,
        provisions,
        categories,
        overall,
        findings: findings.to_vec(),
        notes,
        dispositions,
        unsettled,
    }
}

/// Where a unit sits in the plan.
struct UnitInfo {
    case: String,
    provision: String,
    functional: bool,
}

/// Which findings apply to which units, with their weights and effects.
struct FindingIndex {
    /// Unit id -> how findings apply to it.
    by_unit: BTreeMap<String, Vec<Applied>>,
    /// Findings that name a provision but can be placed on none of its units.
    by_provision: BTreeMap<String, Vec<usize>>,
    /// Every finding that names the provision in any way.
    touching: BTreeMap<String, Vec<usize>>,
    units: BTreeMap<String, UnitInfo>,
}

impl FindingIndex {
    fn build(
        catalog: &Catalog,
        edition: Edition,
        findings: &[SourcedFinding],
        notes: &mut Vec<String>,
    ) -> FindingIndex {
        let weights = weights();
        // Plan structure: unit -> (case, provision); case -> (provision, units, functional?).
        let mut units: BTreeMap<String, UnitInfo> = BTreeMap::new();
        let mut cases: BTreeMap<String, (String, Vec<String>, bool)> = BTreeMap::new();
        let mut provision_cases: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in catalog.provisions(edition) {
            for c in catalog.cases(edition, &p.id) {
                let list: Vec<&TestUnit> = catalog.units(&c);
                for u in &list {
                    units.insert(
                        u.id.clone(),
                        UnitInfo {
                            case: c.case.id.clone(),
                            provision: p.id.clone(),
                            functional: u.kind == UnitKind::Functional,
                        },
                    );
                }
                cases.insert(
                    c.case.id.clone(),
                    (
                        p.id.clone(),
                        list.iter().map(|u| u.id.clone()).collect(),
                        c.case.kind != CaseKind::Conceptual,
                    ),
                );
                provision_cases
                    .entry(p.id.clone())
                    .or_default()
                    .push(c.case.id.clone());
            }
        }
        let mut index = FindingIndex {
            by_unit: BTreeMap::new(),
            by_provision: BTreeMap::new(),
            touching: BTreeMap::new(),
            units: BTreeMap::new(),
        };
        let functional_units = |case: &str, units: &BTreeMap<String, UnitInfo>| -> Vec<String> {
            let all = cases.get(case).map(|c| c.1.clone()).unwrap_or_default();
            let f: Vec<String> = all
                .iter()
                .filter(|u| units.get(*u).is_some_and(|i| i.functional))
                .cloned()
                .collect();
            if f.is_empty() { all } else { f }
        };
        for (i, sf) in findings.iter().enumerate() {
            let f = &sf.finding;
            let known = weights.get(&f.check);
            let mut apply: BTreeMap<String, Weight> = BTreeMap::new();
            let mut named: BTreeSet<String> = BTreeSet::new();
            let mut placed: BTreeSet<String> = BTreeSet::new();
            for t in &f.test_units {
                if let Some(info) = units.get(t) {
                    let w = match known {
                        Some(k) => k.weight_of(t).unwrap_or(Weight::Indication),
                        None => Weight::Decisive,
                    };
                    apply.insert(t.clone(), w);
                    named.insert(info.provision.clone());
                    placed.insert(info.provision.clone());
                } else if let Some((p, case_units, _)) = cases.get(t) {
                    named.insert(p.clone());
                    placed.insert(p.clone());
                    match known {
                        Some(k) => {
                            let listed: Vec<(&String, Weight)> = case_units
                                .iter()
                                .filter_map(|u| k.weight_of(u).map(|w| (u, w)))
                                .collect();
                            if listed.is_empty() {
                                for u in case_units {
                                    apply.entry(u.clone()).or_insert(Weight::Indication);
                                }
                            } else {
                                for (u, w) in listed {
                                    apply.insert(u.clone(), w);
                                }
                            }
                        }
                        // Another tool's finding names the case, not a
                        // unit: it informs the case's functional units.
                        None => {
                            for u in functional_units(t, &units) {
                                apply.entry(u).or_insert(Weight::Indication);
                            }
                        }
                    }
                } else {
                    notes.push(format!(
                        "finding `{}` from {} names test unit `{t}`, which is not in the {edition} test plan",
                        f.check, sf.source
                    ));
                }
            }
            let mut matched = !named.is_empty();
            for p in &f.provisions {
                if catalog.provision(edition, p).is_none() {
                    notes.push(format!(
                        "finding `{}` from {} names provision `{p}`, which {edition} does not have",
                        f.check, sf.source
                    ));
                    continue;
                }
                matched = true;
                named.insert(p.clone());
                if placed.contains(p) {
                    continue;
                }
                let case_ids = provision_cases.get(p).cloned().unwrap_or_default();
                let mut any = false;
                match known {
                    Some(k) => {
                        for c in &case_ids {
                            for u in cases.get(c).map(|x| x.1.clone()).unwrap_or_default() {
                                if let Some(w) = k.weight_of(&u) {
                                    apply.insert(u, w);
                                    any = true;
                                }
                            }
                        }
                    }
                    None => {
                        let functional: Vec<&String> = case_ids
                            .iter()
                            .filter(|c| cases.get(*c).is_some_and(|x| x.2))
                            .collect();
                        let receivers: Vec<&String> = if functional.is_empty() {
                            case_ids.iter().collect()
                        } else {
                            functional
                        };
                        for c in receivers {
                            for u in functional_units(c, &units) {
                                apply.entry(u).or_insert(Weight::Indication);
                                any = true;
                            }
                        }
                    }
                }
                if !any {
                    index.by_provision.entry(p.clone()).or_default().push(i);
                }
            }
            for (u, weight) in apply {
                index.by_unit.entry(u).or_default().push(Applied {
                    finding: i,
                    weight,
                    effect: Effect::Counts,
                    disposition: None,
                });
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
        index.units = units;
        index
    }

    /// Apply the assessor's dispositions to every (finding, unit) pair.
    fn settle(
        &mut self,
        findings: &[SourcedFinding],
        dispositions: &mut [DispositionResult],
        today: Option<&str>,
    ) {
        if dispositions.is_empty() {
            return;
        }
        let fingerprints: Vec<String> = findings.iter().map(|f| f.finding.fingerprint()).collect();
        for (unit, list) in &mut self.by_unit {
            let case = self.units.get(unit).map(|i| i.case.as_str()).unwrap_or("");
            for a in list.iter_mut() {
                let Some(sf) = findings.get(a.finding) else {
                    continue;
                };
                let fp = fingerprints
                    .get(a.finding)
                    .map(String::as_str)
                    .unwrap_or("");
                let on_unit =
                    |u: &Option<String>| u.as_deref().is_none_or(|u| u == unit || u == case);
                // The most specific disposition wins: a finding's before a
                // check's, one on the unit before one on its case or on all.
                let mut best: Option<(u8, usize)> = None;
                for (k, d) in dispositions.iter().enumerate() {
                    let d = &d.disposition;
                    let rank = match &d.target {
                        DispositionTarget::Finding(x) if x == fp && on_unit(&d.unit) => {
                            if d.unit.as_deref() == Some(unit.as_str()) {
                                0
                            } else if d.unit.is_some() {
                                1
                            } else {
                                2
                            }
                        }
                        DispositionTarget::Check(x)
                            if *x == sf.finding.check && d.unit.is_some() && on_unit(&d.unit) =>
                        {
                            if d.unit.as_deref() == Some(unit.as_str()) {
                                3
                            } else {
                                4
                            }
                        }
                        _ => continue,
                    };
                    if best.is_none_or(|(r, _)| rank < r) {
                        best = Some((rank, k));
                    }
                }
                let Some((_, k)) = best else {
                    continue;
                };
                let Some(result) = dispositions.get_mut(k) else {
                    continue;
                };
                let d = &result.disposition;
                let expired = d.decision == Decision::AcceptedRisk
                    && match (today, d.expires.as_deref()) {
                        (Some(t), Some(e)) => t > e,
                        _ => false,
                    };
                a.effect = match d.decision {
                    Decision::Confirmed => Effect::Confirmed,
                    Decision::FalsePositive => Effect::FalsePositive,
                    Decision::AcceptedRisk if expired => Effect::WaiverExpired,
                    Decision::AcceptedRisk => Effect::Waived,
                };
                a.disposition = Some(k);
                result.status = if expired {
                    DispositionStatus::Expired
                } else {
                    DispositionStatus::Applied
                };
                if !result.findings.contains(&a.finding) {
                    result.findings.push(a.finding);
                }
                if !result.units.contains(unit) {
                    result.units.push(unit.clone());
                }
            }
        }
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

fn unit_result(
    catalog: &Catalog,
    edition: Edition,
    c: &CaseRef<'_>,
    u: &TestUnit,
    verdict: Verdict,
) -> UnitResult {
    let needs_person = catalog.needs_person(edition, c, u);
    UnitResult {
        id: u.id.clone(),
        kind: u.kind,
        ixit: u
            .ixit
            .iter()
            .map(|t| catalog.ixit_name(edition, t).to_owned())
            .collect(),
        refs: u.refs.clone(),
        informed_by: u.informed_by.clone(),
        focus: u.focus.clone(),
        verdict,
        records: Vec::new(),
        findings: Vec::new(),
        applied: Vec::new(),
        unsettled: false,
        needs_person,
        checklist: if needs_person {
            catalog.checklist(c, u).to_vec()
        } else {
            Vec::new()
        },
        ixit_missing: Vec::new(),
        ixit_conflicts: Vec::new(),
        decided_by: None,
        reason: String::new(),
        proposed: None,
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
            unsettled: false,
            units: catalog
                .units(c)
                .iter()
                .map(|u| unit_result(catalog, edition, c, u, verdict))
                .collect(),
            records: Vec::new(),
            findings: Vec::new(),
            proposed: None,
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
            Verdict::NotImplemented,
            None,
            format!(
                "recommendation declared not implemented; its justification is assessed under the reporting provision ({})",
                or_none(&r.detail)
            ),
            Verdict::NotImplemented,
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
    let automatable = p
        .assess
        .iter()
        .any(|m| matches!(m, Method::Firmware | Method::Network));
    for c in &cases {
        let records: Vec<&Record> = project.records_for(&c.case.id).collect();
        r.cases.push(case(
            catalog,
            project,
            p,
            c,
            &records,
            index,
            findings,
            automatable,
        ));
    }
    r.findings = provision_level;

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
    project: &Project,
    p: &Provision,
    c: &CaseRef<'_>,
    records: &[&Record],
    index: &FindingIndex,
    findings: &[SourcedFinding],
    automatable: bool,
) -> CaseResult {
    let edition = project.edition;
    let units = catalog.units(c);
    let supports = |i: usize| findings.get(i).map(|f| f.finding.supports);
    let describe = |i: usize| {
        findings
            .get(i)
            .map(|f| format!("`{}` ({})", f.finding.check, f.finding.message))
            .unwrap_or_default()
    };
    let whole: Vec<&&Record> = records.iter().filter(|r| r.units.is_empty()).collect();
    let mut unit_results = Vec::new();
    let mut manual_fail_any = false;
    let mut decisive_fails: Vec<(String, usize)> = Vec::new();
    let mut indications = 0usize;
    let mut has_evidence = false;
    // Units an assessor passed although the IXIT lacks what they read, and
    // units a typed IXIT answer failed: (unit, what).
    let mut blocked: Vec<(String, String)> = Vec::new();
    let mut typed_fails: Vec<(String, String)> = Vec::new();
    let mut ixit_sources: Vec<Vec<crate::Source>> = Vec::new();
    let mut has_needs: Vec<bool> = Vec::new();
    for u in &units {
        let mut ur = unit_result(catalog, edition, c, u, Verdict::NotRun);
        let needs = catalog.needs(c, u);
        let check = if needs.is_empty() {
            NeedsCheck::default()
        } else {
            ixit::check_needs(catalog, project, &p.id, needs)
        };
        ur.ixit_missing = check.missing;
        ur.ixit_conflicts = check.conflicts;
        let mut unit_sources = check.sources;
        let mut typed: Option<(bool, String)> = None;
        match u
            .decides
            .as_deref()
            .and_then(|d| ixit::decide(catalog, project, d))
        {
            Some(TypedAnswer::Answered { yes, text, source }) => {
                typed = Some((yes, text));
                if !unit_sources.contains(&source) {
                    unit_sources.push(source);
                }
            }
            Some(TypedAnswer::Missing(m)) if !ur.ixit_missing.contains(&m) => {
                ur.ixit_missing.push(m);
            }
            Some(TypedAnswer::Unreadable(m)) if !ur.ixit_conflicts.contains(&m) => {
                ur.ixit_conflicts.push(m);
            }
            _ => {}
        }
        has_evidence |= typed.is_some();
        let gaps = gap_text(&ur);
        let mine: Vec<&&Record> = records
            .iter()
            .filter(|r| r.units.is_empty() || r.units.iter().any(|x| x == &u.id))
            .collect();
        ur.records = mine
            .iter()
            .filter(|r| !r.units.is_empty())
            .map(|r| r.id.clone())
            .collect();
        ur.applied = index.by_unit.get(&u.id).cloned().unwrap_or_default();
        ur.findings = ur.applied.iter().map(|a| a.finding).collect();
        has_evidence |= !ur.applied.is_empty() || !mine.is_empty();
        let manual = |v: RecordVerdict| mine.iter().any(|r| r.verdict == v);
        let (manual_fail, manual_pass, manual_inconclusive) = (
            manual(RecordVerdict::Fail),
            manual(RecordVerdict::Pass),
            manual(RecordVerdict::Inconclusive),
        );
        manual_fail_any |= manual_fail;
        let decisive: Vec<usize> = ur
            .applied
            .iter()
            .filter(|a| a.decisive())
            .map(|a| a.finding)
            .collect();
        indications += ur.applied.iter().filter(|a| a.indication()).count();
        let failing: Vec<usize> = decisive
            .iter()
            .copied()
            .filter(|i| supports(*i) == Some(Supports::Fail))
            .collect();
        let auto_pass = decisive
            .iter()
            .any(|i| supports(*i) == Some(Supports::Pass));
        let auto_error = decisive
            .iter()
            .any(|i| supports(*i) == Some(Supports::Error));
        for i in &failing {
            decisive_fails.push((u.id.clone(), *i));
        }
        ur.verdict = if manual_pass && !failing.is_empty() && !manual_fail {
            ur.unsettled = true;
            Verdict::Inconclusive
        } else if manual_fail || !failing.is_empty() {
            Verdict::Fail
        } else if manual_inconclusive {
            Verdict::Inconclusive
        } else if manual_pass {
            match &gaps {
                // A unit whose IXIT lacks what it reads cannot pass, even on
                // an assessor's record: the record and the IXIT disagree.
                Some(g) => {
                    ur.reason = format!(
                        "an assessor recorded PASS, but {g}: the unit cannot pass until the IXIT is completed or corrected"
                    );
                    blocked.push((u.id.clone(), g.clone()));
                    Verdict::Inconclusive
                }
                None => Verdict::Pass,
            }
        } else if auto_error {
            // A check that could not see everything (a partly analysed image)
            // keeps the unit out of an automated PASS; the assessor's own
            // record still decides it.
            Verdict::Error
        } else if let Some((false, text)) = &typed {
            ur.reason = format!("the maker's IXIT answers no: {text}");
            ur.decided_by = Some(text.clone());
            typed_fails.push((u.id.clone(), text.clone()));
            Verdict::Fail
        } else if auto_pass || typed.is_some() {
            match &gaps {
                Some(g) => {
                    ur.reason = format!("the evidence would pass the unit, but {g}");
                    Verdict::NotRun
                }
                None => {
                    if !auto_pass && let Some((_, text)) = &typed {
                        ur.reason = format!("the maker's IXIT answers yes: {text}");
                        ur.decided_by = Some(text.clone());
                    }
                    Verdict::Pass
                }
            }
        } else {
            Verdict::NotRun
        };
        if ur.reason.is_empty()
            && let Some(g) = &gaps
        {
            ur.reason =
                format!("{g}: the unit cannot pass until the IXIT is completed or corrected");
        }
        ixit_sources.push(unit_sources);
        has_needs.push(!needs.is_empty());
        unit_results.push(ur);
    }
    let any_unit = |v: Verdict| unit_results.iter().any(|u| u.verdict == v);
    let unsettled: Vec<String> = unit_results
        .iter()
        .filter(|u| u.unsettled)
        .map(|u| u.id.clone())
        .collect();
    let fails_of = |units: &[String]| -> Vec<usize> {
        let mut v: Vec<usize> = decisive_fails
            .iter()
            .filter(|(u, _)| units.is_empty() || units.contains(u))
            .map(|(_, i)| *i)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let with_indications = |text: String| {
        if indications > 0 {
            format!("{text}; {indications} indication(s) from automated checks to review")
        } else {
            text
        }
    };
    let (verdict, reason) = if !unsettled.is_empty() {
        let f = fails_of(&unsettled);
        (
            Verdict::Inconclusive,
            format!(
                "unsettled: an assessor recorded PASS but {} decisive finding(s) support FAIL on unit(s) {}, first {}: record a disposition (confirmed, false-positive or accepted-risk) with a reason, or re-assess",
                f.len(),
                unsettled.join(", "),
                f.first().map(|i| describe(*i)).unwrap_or_default()
            ),
        )
    } else if any_unit(Verdict::Fail) {
        let f = fails_of(&[]);
        if f.is_empty() && !manual_fail_any && !typed_fails.is_empty() {
            (
                Verdict::Fail,
                format!(
                    "the maker's IXIT answers no: {}",
                    typed_fails
                        .iter()
                        .map(|(u, t)| format!("{t} (unit {u})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        } else if whole.iter().any(|r| r.verdict == RecordVerdict::Fail) {
            (Verdict::Fail, "an assessor recorded FAIL".to_owned())
        } else if f.is_empty() {
            (
                Verdict::Fail,
                "an assessor recorded FAIL for a unit".to_owned(),
            )
        } else {
            let failed: Vec<String> = unit_results
                .iter()
                .filter(|u| u.verdict == Verdict::Fail)
                .map(|u| u.id.clone())
                .collect();
            (
                Verdict::Fail,
                format!(
                    "{} decisive finding(s) support FAIL on unit(s) {}, first {}",
                    f.len(),
                    failed.join(", "),
                    f.first().map(|i| describe(*i)).unwrap_or_default()
                ),
            )
        }
    } else if let Some((unit, gap)) = blocked.first() {
        (
            Verdict::Inconclusive,
            format!(
                "an assessor recorded PASS for unit {unit}, but {gap}: complete or correct the IXIT"
            ),
        )
    } else if any_unit(Verdict::Inconclusive) {
        (
            Verdict::Inconclusive,
            "an assessor recorded INCONCLUSIVE".to_owned(),
        )
    } else if !unit_results.is_empty() && unit_results.iter().all(|u| u.verdict == Verdict::Pass) {
        if whole.iter().any(|r| r.verdict == RecordVerdict::Pass) {
            (
                Verdict::Pass,
                "an assessor recorded PASS for the test case".to_owned(),
            )
        } else {
            (
                Verdict::Pass,
                "every test unit has passing evidence".to_owned(),
            )
        }
    } else if any_unit(Verdict::Error) {
        (
            Verdict::Error,
            "a check that should have produced evidence failed to run".to_owned(),
        )
    } else if let Some(u) = unit_results.iter().find(|u| u.ixit_incomplete()) {
        let n = unit_results.iter().filter(|u| u.ixit_incomplete()).count();
        (
            if c.case.kind == CaseKind::Conceptual || !automatable {
                Verdict::NeedsManual
            } else {
                Verdict::NotRun
            },
            format!(
                "the IXIT is incomplete for {n} of {} unit(s), first {}: {}; the test case cannot pass until the maker completes or corrects it",
                unit_results.len(),
                u.id,
                gap_text(u).unwrap_or_default()
            ),
        )
    } else if has_evidence {
        let covered = unit_results
            .iter()
            .filter(|u| u.verdict == Verdict::Pass)
            .count();
        (
            Verdict::NeedsManual,
            with_indications(format!(
                "partial evidence ({covered} of {} units pass): an assessor must complete the test case",
                unit_results.len()
            )),
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
        let auto = fails_of(&[])
            .iter()
            .filter_map(|i| findings.get(*i).map(|f| f.finding.severity))
            .max();
        let manual_sev = (manual_fail_any || !typed_fails.is_empty()).then_some(match p.modal {
            Modal::M => Severity::High,
            Modal::R => Severity::Medium,
        });
        auto.max(manual_sev).unwrap_or(Severity::High)
    });
    let pending = match verdict {
        Verdict::NotRun | Verdict::NeedsManual => verdict,
        _ => Verdict::NeedsManual,
    };
    for u in &mut unit_results {
        if u.verdict == Verdict::NotRun {
            u.verdict = pending;
        }
    }
    for ((u, sources), needs) in unit_results.iter_mut().zip(&ixit_sources).zip(&has_needs) {
        let facts = UnitFacts {
            provision: &p.id,
            has_needs: *needs,
            ixit_sources: sources,
        };
        u.proposed = propose::propose_unit(u, &facts, findings);
    }
    let mut case_findings: Vec<usize> = unit_results
        .iter()
        .flat_map(|u| u.findings.iter().copied())
        .collect();
    case_findings.sort_unstable();
    case_findings.dedup();

    let mut result = CaseResult {
        id: c.case.id.clone(),
        kind: c.case.kind,
        purpose: c.case.purpose.clone(),
        carried_over: c.carried_over,
        verdict,
        severity,
        reason,
        unsettled: !unsettled.is_empty(),
        units: unit_results,
        records: records.iter().map(|r| r.id.clone()).collect(),
        findings: case_findings,
        proposed: None,
    };
    result.proposed = propose::propose_case(&result);
    result
}

/// What a unit's IXIT lacks or contradicts, in one phrase.
fn gap_text(u: &UnitResult) -> Option<String> {
    let mut parts = Vec::new();
    if !u.ixit_missing.is_empty() {
        parts.push(format!("the IXIT lacks {}", ixit::listed(&u.ixit_missing)));
    }
    if !u.ixit_conflicts.is_empty() {
        parts.push(format!(
            "the IXIT contradicts the ICS: {}",
            ixit::listed(&u.ixit_conflicts)
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; and "))
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
            unsettled: false,
            units: catalog
                .units(c)
                .iter()
                .map(|u| unit_result(catalog, edition, c, u, verdict))
                .collect(),
            records: project
                .records_for(&c.case.id)
                .map(|x| x.id.clone())
                .collect(),
            findings: Vec::new(),
            proposed: None,
        })
        .collect();
    r.findings = index.for_provision(&p.id).to_vec();
    r
}

fn or_none(detail: &str) -> &str {
    if detail.trim().is_empty() {
        "no detail given"
    } else {
        detail
    }
}
