//! Proposed verdicts: what the engine suggests where only a person can
//! decide. A proposal is never a verdict: it is not counted as PASS or FAIL
//! by tallies, scores, coverage or gates, and an assessor's record on the
//! unit supersedes it. The rules are listed in the crate documentation.

use std::collections::BTreeMap;

use touchstone_catalog::UnitKind;
use touchstone_core::{Supports, Verdict};

use crate::ixit::listed;
use crate::{
    Basis, CaseResult, Plan, Proposal, ProvisionResult, Source, SourcedFinding, UnitResult,
};

/// Whether a unit still waits for someone: no PASS, FAIL, inconclusive record or error.
fn pending(v: Verdict) -> bool {
    matches!(v, Verdict::NotRun | Verdict::NeedsManual)
}

fn describe(findings: &[SourcedFinding], i: usize) -> String {
    findings
        .get(i)
        .map(|f| format!("`{}` ({})", f.finding.check, f.finding.message))
        .unwrap_or_default()
}

/// What the unit's evaluation knows that a proposal rests on.
pub(crate) struct UnitFacts<'a> {
    /// Provision id.
    pub provision: &'a str,
    /// Whether the unit reads anything from the IXIT.
    pub has_needs: bool,
    /// The IXIT tables, entries and fields looked at.
    pub ixit_sources: &'a [Source],
}

/// The proposal of one unit from its own evidence (rules 1, 2, 4 and 5 of
/// the crate documentation); reuse (rule 3) is settled afterwards by
/// [`propagate_reuse`], once every unit is evaluated.
pub(crate) fn propose_unit(
    u: &UnitResult,
    facts: &UnitFacts<'_>,
    findings: &[SourcedFinding],
) -> Option<Proposal> {
    if !pending(u.verdict) {
        return None;
    }
    let ics = Source::Ics {
        provision: facts.provision.to_owned(),
    };
    if u.ixit_incomplete() {
        let mut parts = Vec::new();
        if !u.ixit_missing.is_empty() {
            parts.push(format!("the IXIT lacks {}", listed(&u.ixit_missing)));
        }
        if !u.ixit_conflicts.is_empty() {
            parts.push(format!(
                "the IXIT contradicts the ICS: {}",
                listed(&u.ixit_conflicts)
            ));
        }
        let mut sources = vec![ics];
        sources.extend(facts.ixit_sources.iter().cloned());
        return Some(Proposal {
            verdict: Verdict::Fail,
            basis: Basis::IxitGap,
            rationale: format!(
                "{}: the unit cannot pass until the maker completes or corrects it",
                parts.join("; and ")
            ),
            sources,
        });
    }
    if !u.needs_person {
        return None;
    }
    let indications: Vec<usize> = u
        .applied
        .iter()
        .filter(|a| a.indication())
        .map(|a| a.finding)
        .collect();
    let supporting = |s: Supports| -> Vec<usize> {
        indications
            .iter()
            .copied()
            .filter(|i| findings.get(*i).is_some_and(|f| f.finding.supports == s))
            .collect()
    };
    let (failing, passing) = (supporting(Supports::Fail), supporting(Supports::Pass));
    let finding_sources = |list: &[usize]| -> Vec<Source> {
        list.iter().map(|i| Source::Finding { index: *i }).collect()
    };
    if let Some(first) = failing.first() {
        return Some(Proposal {
            verdict: Verdict::Fail,
            basis: Basis::Indication,
            rationale: format!(
                "{} automated indication(s) point to FAIL, first {}: confirm it (a `confirmed` disposition) or dismiss it",
                failing.len(),
                describe(findings, *first)
            ),
            sources: finding_sources(&failing),
        });
    }
    if let Some(first) = passing.first() {
        return Some(Proposal {
            verdict: Verdict::Pass,
            basis: Basis::Indication,
            rationale: format!(
                "{} automated indication(s) point to PASS, first {}; an indication alone never decides the unit",
                passing.len(),
                describe(findings, *first)
            ),
            sources: finding_sources(&passing),
        });
    }
    if u.kind == UnitKind::Conceptual && facts.has_needs {
        let mut looked: Vec<String> = facts
            .ixit_sources
            .iter()
            .filter_map(|s| match s {
                Source::Ixit { table, entry, .. } => {
                    Some(entry.clone().unwrap_or_else(|| table.clone()))
                }
                _ => None,
            })
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        looked.retain(|x| seen.insert(x.clone()));
        let looked = listed(&looked).replace("; ", ", ");
        let mut sources = vec![ics];
        sources.extend(facts.ixit_sources.iter().cloned());
        return Some(Proposal {
            verdict: Verdict::Pass,
            basis: Basis::Documented,
            rationale: format!(
                "the IXIT answers everything this unit reads ({}), the ICS answers {} Y and nothing observed contradicts it; a person still judges the content against the checklist",
                looked, facts.provision
            ),
            sources,
        });
    }
    None
}

/// The proposal of a case from its units: when it has no PASS or FAIL, no
/// unit is inconclusive or in error, and every unit passed or carries a
/// proposal (at least one does). FAIL when any unit's proposal is FAIL.
pub(crate) fn propose_case(c: &CaseResult) -> Option<Proposal> {
    if matches!(c.verdict, Verdict::Pass | Verdict::Fail) || c.unsettled {
        return None;
    }
    let mut proposed = Vec::new();
    let mut passed = Vec::new();
    for u in &c.units {
        match (&u.proposed, u.verdict) {
            (_, Verdict::Pass) => passed.push(u.id.as_str()),
            (Some(p), v) if pending(v) => proposed.push((u.id.as_str(), p)),
            _ => return None,
        }
    }
    if proposed.is_empty() {
        return None;
    }
    let mut sources: Vec<Source> = Vec::new();
    for (_, p) in &proposed {
        for s in &p.sources {
            if !sources.contains(s) {
                sources.push(s.clone());
            }
        }
    }
    let failing: Vec<&(&str, &Proposal)> = proposed
        .iter()
        .filter(|(_, p)| p.verdict == Verdict::Fail)
        .collect();
    let (verdict, rationale) = match failing.first() {
        Some((_, first)) => (
            Verdict::Fail,
            format!(
                "unit(s) {} carry a proposed FAIL, first: {}",
                failing
                    .iter()
                    .map(|(id, _)| *id)
                    .collect::<Vec<_>>()
                    .join(", "),
                first.rationale
            ),
        ),
        None => {
            let ids: Vec<&str> = proposed.iter().map(|(id, _)| *id).collect();
            let mut text = format!("unit(s) {} carry a proposed PASS", ids.join(", "));
            if !passed.is_empty() {
                text.push_str(&format!(" and {} passed", passed.join(", ")));
            }
            if let Some((_, first)) = proposed.first() {
                text.push_str(&format!(", first: {}", first.rationale));
            }
            (Verdict::Pass, text)
        }
    };
    Some(Proposal {
        verdict,
        basis: Basis::Units,
        rationale,
        sources,
    })
}

/// A unit or case's verdict, or its proposal when it has none.
fn standing(verdict: Verdict, proposed: Option<&Proposal>) -> Option<(Verdict, bool)> {
    match verdict {
        Verdict::Pass | Verdict::Fail => Some((verdict, false)),
        v if pending(v) => proposed.map(|p| (p.verdict, true)),
        _ => None,
    }
}

/// The standing of every listed id, when all of them have one.
fn resolve(
    ids: &[String],
    state: &BTreeMap<String, (Verdict, bool)>,
) -> Option<Vec<(String, Verdict, bool)>> {
    if ids.is_empty() {
        return None;
    }
    ids.iter()
        .map(|r| state.get(r).map(|(v, prop)| (r.clone(), *v, *prop)))
        .collect()
}

fn from_others(resolved: Vec<(String, Verdict, bool)>, basis: Basis) -> Proposal {
    let verdict = if resolved.iter().any(|(_, v, _)| *v == Verdict::Fail) {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    let listed: Vec<String> = resolved
        .iter()
        .map(|(id, v, prop)| {
            format!(
                "{id} ({}{})",
                if *prop { "proposed " } else { "" },
                v.label()
            )
        })
        .collect();
    let rationale = match basis {
        Basis::Reused => format!(
            "reuses {}: the same verdict holds if that evidence covers what this unit concerns",
            listed.join(", ")
        ),
        _ => format!(
            "{} observed part of what this unit looks at; a person checks the rest against the checklist",
            listed.join(", ")
        ),
    };
    Proposal {
        verdict,
        basis,
        rationale,
        sources: resolved
            .into_iter()
            .map(|(id, verdict, proposed)| Source::Reused {
                id,
                verdict,
                proposed,
            })
            .collect(),
    }
}

/// Rule 3: a pending unit takes the standing of the units or cases it
/// reuses (`refs`) once all of them have a verdict or proposal, else of the
/// units whose observation covers part of it (`informed_by`), unless its own
/// IXIT gaps or failing indications already propose FAIL. Repeated until
/// nothing changes, so chains settle; then every case's proposal is
/// computed from its units.
pub(crate) fn propagate_reuse(provisions: &mut [ProvisionResult]) {
    for _ in 0..8 {
        let mut state: BTreeMap<String, (Verdict, bool)> = BTreeMap::new();
        for c in provisions
            .iter()
            .filter(|p| p.plan == Plan::Tested)
            .flat_map(|p| p.cases.iter())
        {
            if let Some(s) = standing(c.verdict, c.proposed.as_ref()) {
                state.insert(c.id.clone(), s);
            }
            for u in &c.units {
                if let Some(s) = standing(u.verdict, u.proposed.as_ref()) {
                    state.insert(u.id.clone(), s);
                }
            }
        }
        let mut changed = false;
        for p in provisions.iter_mut().filter(|p| p.plan == Plan::Tested) {
            for c in &mut p.cases {
                for u in &mut c.units {
                    if !pending(u.verdict) {
                        continue;
                    }
                    let own_fail = u.proposed.as_ref().is_some_and(|x| {
                        x.verdict == Verdict::Fail
                            && matches!(x.basis, Basis::IxitGap | Basis::Indication)
                    });
                    if own_fail {
                        continue;
                    }
                    let proposal = if let Some(r) = resolve(&u.refs, &state) {
                        from_others(r, Basis::Reused)
                    } else if let Some(r) = resolve(&u.informed_by, &state) {
                        from_others(r, Basis::Related)
                    } else {
                        continue;
                    };
                    if u.proposed.as_ref() != Some(&proposal) {
                        u.proposed = Some(proposal);
                        changed = true;
                    }
                }
                let case_proposal = propose_case(c);
                if c.proposed != case_proposal {
                    c.proposed = case_proposal;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}
