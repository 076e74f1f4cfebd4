//! What still waits for a person in a test case, shared by the text
//! renderers: the units a person must decide, their proposed verdicts, the
//! IXIT gaps that keep them from passing, and their checklists grouped so
//! that units sharing one checklist show it once.

use touchstone_core::Verdict;

use crate::model::{CaseRow, UnitRow};

/// The unit's letter within its case (`a` for `5.1-1-2a`).
pub(crate) fn letter<'a>(c: &CaseRow, u: &'a UnitRow) -> &'a str {
    u.id.strip_prefix(c.id.as_str()).unwrap_or(&u.id)
}

/// Whether the unit has no PASS or FAIL and a person must decide it.
fn open(u: &UnitRow) -> bool {
    u.needs_person && !matches!(u.verdict, Verdict::Pass | Verdict::Fail)
}

/// Whether the case has anything for a person: a proposal, an open unit or an IXIT gap.
pub(crate) fn has_work(c: &CaseRow) -> bool {
    c.proposed.is_some()
        || c.units
            .iter()
            .any(|u| open(u) || !u.ixit_missing.is_empty() || !u.ixit_conflicts.is_empty())
}

/// Checklists of the open units, each with the letters of the units that share it.
pub(crate) fn checklists(c: &CaseRow) -> Vec<(Vec<&str>, &[String])> {
    let mut groups: Vec<(Vec<&str>, &[String])> = Vec::new();
    for u in c
        .units
        .iter()
        .filter(|u| open(u) && !u.checklist.is_empty())
    {
        match groups
            .iter_mut()
            .find(|(_, list)| *list == u.checklist.as_slice())
        {
            Some((letters, _)) => letters.push(letter(c, u)),
            None => groups.push((vec![letter(c, u)], u.checklist.as_slice())),
        }
    }
    groups
}

/// One line per remark about units (their proposal, the IXIT gap or
/// contradiction, their typed decision), units with the same remark together.
pub(crate) fn unit_notes(c: &CaseRow) -> Vec<(String, String)> {
    let mut out: Vec<(Vec<&str>, String)> = Vec::new();
    for u in &c.units {
        let mut parts = Vec::new();
        if let Some(p) = &u.proposed {
            parts.push(format!("{}: {}", p.label, p.rationale));
        } else if !u.reason.is_empty() {
            parts.push(u.reason.clone());
        } else if let Some(d) = &u.decided_by {
            parts.push(format!("decided by the typed IXIT answer {d}"));
        }
        if parts.is_empty() {
            continue;
        }
        let note = parts.join("; ");
        match out.iter_mut().find(|(_, n)| *n == note) {
            Some((letters, _)) => letters.push(letter(c, u)),
            None => out.push((vec![letter(c, u)], note)),
        }
    }
    out.into_iter()
        .map(|(letters, note)| (units_label(&letters), note))
        .collect()
}

/// `units a, b` or `unit a`.
pub(crate) fn units_label(letters: &[&str]) -> String {
    if letters.len() == 1 {
        format!("unit {}", letters[0])
    } else {
        format!("units {}", letters.join(", "))
    }
}

/// The sentence every renderer shows with a proposed verdict.
pub(crate) const PROPOSED_NOTE: &str =
    "proposed, not a verdict: it counts as neither PASS nor FAIL until an assessor records it";
