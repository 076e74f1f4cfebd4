//! The verdict engine.
//!
//! Pure logic, no IO: given the catalogue, a validated project and the
//! findings of automated checks, [`assess`] derives the test plan from the
//! ICS, merges manual evidence records and findings into a verdict per test
//! case, and aggregates them to provisions, categories and the whole
//! assessment.
//!
//! The rules, in the order they apply:
//!
//! 1. **Plan.** A provision answered `N/A` (validated: conditional, and a
//!    condition or feature does not hold) is not applicable and none of its
//!    test cases run. A mandatory provision answered `N` is a declared
//!    non-conformity: FAIL without testing. A recommendation answered `N` is
//!    not tested and *not implemented* (a state of its own, counted apart
//!    from not applicable); its justification is assessed by the reporting
//!    provision (4-1 or 5.0-1). Everything answered `Y` is planned.
//! 2. **Reporting provision.** Its test case is evaluated from the ICS
//!    itself: PASS when every recommendation answered `N` or `N/A` carries a
//!    justification, FAIL otherwise.
//! 3. **Findings on units.** A finding applies to test units only, never to a
//!    whole case: to the units it names, and for a case or provision it names,
//!    to the units its check bears on according to the weights in
//!    `data/weights.toml` ([`weights`]). Each application is *decisive* (the
//!    finding meets the unit's own PASS or FAIL criterion) or an *indication*
//!    (shown on the unit for the assessor, never setting a verdict alone).
//!    Checks of other tools, absent from the weights, are decisive on the
//!    units they name and indications on the functional units of a case or
//!    provision they name (a finding never decides a unit it does not name).
//! 4. **Dispositions.** An assessor's disposition (in `evidence.toml`, by
//!    finding fingerprint or for a check on a unit) changes what a finding
//!    counts for: `confirmed` makes it decisive, `false-positive` removes it,
//!    `accepted-risk` removes it until its expiry (after `today` it counts
//!    again and the report says so).
//! 5. **Units and cases.** A unit fails on a manual FAIL or a decisive failing
//!    finding; a manual PASS against a decisive failing finding is an
//!    *unsettled contradiction*: the unit and case are inconclusive until a
//!    disposition settles it (and by default an unsettled contradiction fails
//!    the CLI's `--fail-on`). A unit passes on a manual PASS or a decisive
//!    passing finding. A whole-case record covers every unit. A case fails
//!    only when a unit fails (so it never fails while all its units wait for
//!    an assessor), passes only when every unit passes, and otherwise needs
//!    manual assessment (conceptual, or evidence to complete), is "not run"
//!    (automatable functional case without results) or inconclusive.
//! 6. **What the project decides by itself.** Each unit reads IXIT tables
//!    and fields (`needs` in the catalogue). A unit whose needs are missing
//!    (no entry, an unanswered field) or contradict the ICS (a needed field
//!    answered `N/A` although the provision is answered `Y`) names them and
//!    cannot pass: an assessor's PASS becomes inconclusive, an automated one
//!    waits. A unit the catalogue gives a typed answer to decide (`decides`,
//!    the 4-Conf confirmations) passes on `yes` and fails on `no` without a
//!    person, unless a record or a decisive finding says otherwise.
//! 7. **Proposed verdicts.** Where only a person can decide, the engine
//!    proposes a verdict with its rationale and sources, never counted as
//!    PASS or FAIL (tallies, scores, coverage, gates): FAIL for a unit with
//!    IXIT gaps or contradictions or with failing indications; the verdict of
//!    the units or cases a unit reuses (`refs`), else of the units whose
//!    observation covers part of it (`informed_by`); PASS for passing
//!    indications; PASS for a conceptual unit whose IXIT answers everything
//!    it reads while the ICS answers the provision `Y`. A case whose units
//!    all pass or carry a proposal carries one too (FAIL if any unit's is
//!    FAIL). An assessor's record decides the unit and supersedes the
//!    proposal. Coverage is reported without and with proposals.
//! 8. **Aggregation.** A provision, category or assessment fails if any
//!    part fails and passes only if every applicable part passes; otherwise
//!    it carries the most pressing pending state (see [`Verdict::combine`]).
//! 9. **Scores** count only evaluated items (PASS or FAIL); coverage, the
//!    share of applicable items evaluated, is always reported beside them.

mod evaluate;
mod ixit;
mod propose;
mod sources;
mod weights;

use serde::Serialize;
use touchstone_catalog::{CaseKind, Catalog, Edition, Modal, UnitKind};
use touchstone_core::{Finding, Severity, Verdict};
use touchstone_project::{Project, Support};

pub use evaluate::assess;
pub use sources::{CaseSources, Sources, evidence_sources, evidence_sources_markdown};
use touchstone_project::Disposition;
pub use weights::{CheckWeights, WEIGHTS_TOML, Weight, Weights, weights};

/// A finding together with the file or check run it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourcedFinding {
    /// Where the finding was read from (a file name, or `firmware scan`).
    pub source: String,
    /// The finding.
    pub finding: Finding,
}

/// The result of an assessment.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    /// The edition assessed against.
    pub edition: Edition,
    /// Per provision, in catalogue order.
    pub provisions: Vec<ProvisionResult>,
    /// Per category, in catalogue order.
    pub categories: Vec<CategoryResult>,
    /// The whole assessment.
    pub overall: Overall,
    /// Every finding considered, indexed by the `findings` fields of results.
    pub findings: Vec<SourcedFinding>,
    /// Remarks about the inputs (findings that match nothing, contradictions).
    pub notes: Vec<String>,
    /// Every disposition of the project and what it did.
    pub dispositions: Vec<DispositionResult>,
    /// Test cases with an unsettled contradiction (a manual PASS against a decisive FAIL).
    pub unsettled: Vec<String>,
}

/// What a disposition did in this assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DispositionStatus {
    /// It matched findings and applies.
    Applied,
    /// An accepted risk past its expiry: the findings count again.
    Expired,
    /// It matched no finding of this assessment.
    Unmatched,
}

/// A disposition with its effect.
#[derive(Debug, Clone, Serialize)]
pub struct DispositionResult {
    /// The disposition as recorded.
    pub disposition: Disposition,
    /// What it did.
    pub status: DispositionStatus,
    /// Indices of the findings it matched.
    pub findings: Vec<usize>,
    /// Units it was applied on.
    pub units: Vec<String>,
}

/// How one finding counts on one unit, after dispositions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// Counts with its weight (no disposition).
    Counts,
    /// Confirmed by an assessor: counts as decisive.
    Confirmed,
    /// Rejected as a false positive: does not count.
    FalsePositive,
    /// Accepted risk, live: does not count until the waiver expires.
    Waived,
    /// Accepted risk past its expiry: counts again with its weight.
    WaiverExpired,
}

impl Effect {
    /// Whether the finding counts toward the unit's verdict or indications.
    pub fn counts(self) -> bool {
        matches!(
            self,
            Effect::Counts | Effect::Confirmed | Effect::WaiverExpired
        )
    }
}

/// A finding as applied to one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Index of the finding.
    pub finding: usize,
    /// Its weight on this unit before dispositions.
    pub weight: Weight,
    /// What it counts for after dispositions.
    pub effect: Effect,
    /// Index of the disposition that decided the effect, if any.
    pub disposition: Option<usize>,
}

impl Applied {
    /// Whether it is decisive for the unit after dispositions.
    pub fn decisive(&self) -> bool {
        self.effect == Effect::Confirmed
            || (self.effect.counts() && self.weight == Weight::Decisive)
    }

    /// Whether it is an indication the assessor still has to look at.
    pub fn indication(&self) -> bool {
        self.effect.counts() && !self.decisive()
    }
}

/// Where a proposed verdict or an IXIT check looked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// The ICS row of a provision.
    Ics {
        /// Provision id.
        provision: String,
    },
    /// An IXIT table, entry or field.
    Ixit {
        /// Table name (the project's TS edition).
        table: String,
        /// Entry id (absent for single-record tables and whole tables).
        entry: Option<String>,
        /// Field key.
        field: Option<String>,
    },
    /// A finding (index into [`Assessment::findings`]).
    Finding {
        /// Index of the finding.
        index: usize,
    },
    /// A unit or test case the unit reuses, with its verdict or proposal.
    Reused {
        /// Unit or test case id.
        id: String,
        /// Its verdict, or its proposed verdict.
        verdict: Verdict,
        /// Whether `verdict` is only proposed.
        proposed: bool,
    },
}

/// What a proposed verdict rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The IXIT lacks what the unit reads or contradicts the ICS (always FAIL).
    IxitGap,
    /// Indications of automated checks (counting after dispositions).
    Indication,
    /// The verdicts of the units or cases the unit reuses.
    Reused,
    /// The verdicts of units whose observation covers part of this one (`informed_by`).
    Related,
    /// The IXIT answers everything the unit reads and the ICS answers `Y`.
    Documented,
    /// The proposals and verdicts of a case's units.
    Units,
}

/// A verdict the engine proposes where only a person can decide. It never
/// counts as PASS or FAIL until an assessor records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// PASS or FAIL.
    pub verdict: Verdict,
    /// What it rests on.
    pub basis: Basis,
    /// Why, in one or two sentences.
    pub rationale: String,
    /// What was looked at.
    pub sources: Vec<Source>,
}

/// Why a provision is or is not in the test plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Plan {
    /// Answered `Y`: its test cases run.
    Tested,
    /// Answered `N/A`: nothing runs.
    NotApplicable,
    /// Mandatory answered `N`: a declared non-conformity.
    DeclaredNonConformity,
    /// Recommendation answered `N`: not tested, justified under the reporting provision.
    DeclaredNotImplemented,
    /// No ICS answer (only possible for projects that did not validate).
    Unanswered,
}

/// The verdict on one provision.
#[derive(Debug, Clone, Serialize)]
pub struct ProvisionResult {
    /// Provision id.
    pub id: String,
    /// Category id.
    pub category: String,
    /// Short title.
    pub title: String,
    /// One-sentence paraphrase.
    pub summary: String,
    /// Mandatory or recommendation.
    pub modal: Modal,
    /// Status in Annex B notation.
    pub status: String,
    /// The ICS answer.
    pub support: Option<Support>,
    /// The ICS detail.
    pub detail: String,
    /// How the provision entered the plan.
    pub plan: Plan,
    /// The verdict.
    pub verdict: Verdict,
    /// Severity when failed.
    pub severity: Option<Severity>,
    /// Why the verdict is what it is.
    pub reason: String,
    /// Test cases.
    pub cases: Vec<CaseResult>,
    /// Indices of findings that bear on the provision but on none of its cases.
    pub findings: Vec<usize>,
}

/// The verdict on one test case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// Test case id.
    pub id: String,
    /// Conceptual, functional or mixed.
    pub kind: CaseKind,
    /// Purpose.
    pub purpose: String,
    /// True when taken from an older TS edition (unverified for this one).
    pub carried_over: bool,
    /// The verdict.
    pub verdict: Verdict,
    /// Severity when failed.
    pub severity: Option<Severity>,
    /// Why.
    pub reason: String,
    /// A manual PASS contradicts a decisive FAIL and no disposition settles it.
    pub unsettled: bool,
    /// Units.
    pub units: Vec<UnitResult>,
    /// Ids of manual records about this case.
    pub records: Vec<String>,
    /// Indices of findings attached to this case.
    pub findings: Vec<usize>,
    /// A proposed verdict when the case has no PASS or FAIL and every unit
    /// passed or carries a proposal.
    pub proposed: Option<Proposal>,
}

/// The state of one test unit.
#[derive(Debug, Clone, Serialize)]
pub struct UnitResult {
    /// Unit id.
    pub id: String,
    /// Conceptual or functional.
    pub kind: UnitKind,
    /// IXIT tables used (names of the project's TS edition).
    pub ixit: Vec<String>,
    /// Units or cases reused.
    pub refs: Vec<String>,
    /// Units whose observation covers part of this one (proposals only).
    pub informed_by: Vec<String>,
    /// What the unit looks at.
    pub focus: Option<String>,
    /// The verdict on this unit's evidence alone.
    pub verdict: Verdict,
    /// Ids of records covering this unit.
    pub records: Vec<String>,
    /// Indices of findings applied to this unit (decisive, indications and settled ones).
    pub findings: Vec<usize>,
    /// How each finding counts on this unit.
    pub applied: Vec<Applied>,
    /// A manual PASS contradicts a decisive FAIL on this unit.
    pub unsettled: bool,
    /// Whether the unit needs a person (everything but units the ICS or a
    /// typed IXIT answer decides).
    pub needs_person: bool,
    /// What a person examines (from the catalogue).
    pub checklist: Vec<String>,
    /// What the unit reads from the IXIT and the IXIT lacks (`UpdMech-1: user_notification`).
    pub ixit_missing: Vec<String>,
    /// Where the IXIT contradicts the ICS or is not of the expected type.
    pub ixit_conflicts: Vec<String>,
    /// The typed IXIT answer that decided the unit (`4-Conf.confirmation_of_update_procedures = yes`).
    pub decided_by: Option<String>,
    /// Why the unit is where it is, when more than its verdict says.
    pub reason: String,
    /// A proposed verdict when only a person can decide.
    pub proposed: Option<Proposal>,
}

impl UnitResult {
    /// Whether the IXIT lacks something the unit reads or contradicts the ICS.
    pub fn ixit_incomplete(&self) -> bool {
        !self.ixit_missing.is_empty() || !self.ixit_conflicts.is_empty()
    }
}

/// Counts of verdicts over a set of items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// PASS.
    pub pass: usize,
    /// FAIL.
    pub fail: usize,
    /// Not applicable.
    pub not_applicable: usize,
    /// Recommendations declared not implemented.
    pub not_implemented: usize,
    /// Not run.
    pub not_run: usize,
    /// Needs manual assessment.
    pub needs_manual: usize,
    /// Inconclusive.
    pub inconclusive: usize,
    /// Error.
    pub error: usize,
    /// Items without PASS or FAIL that carry a proposed PASS.
    pub proposed_pass: usize,
    /// Items without PASS or FAIL that carry a proposed FAIL.
    pub proposed_fail: usize,
}

impl Tally {
    /// Count the verdicts of test cases and the proposals of those without PASS or FAIL.
    pub fn of_cases<'a>(cases: impl IntoIterator<Item = &'a CaseResult>) -> Tally {
        let mut proposed = Vec::new();
        let t = Tally::of(cases.into_iter().map(|c| {
            if !matches!(c.verdict, Verdict::Pass | Verdict::Fail)
                && let Some(p) = &c.proposed
            {
                proposed.push(p.verdict);
            }
            c.verdict
        }));
        Tally {
            proposed_pass: proposed.iter().filter(|v| **v == Verdict::Pass).count(),
            proposed_fail: proposed.iter().filter(|v| **v == Verdict::Fail).count(),
            ..t
        }
    }

    /// Items with a proposed verdict and no normative one.
    pub fn proposed(&self) -> usize {
        self.proposed_pass + self.proposed_fail
    }

    /// Coverage counting proposed verdicts too: evaluated or proposed over
    /// applicable, in percent. Reported beside [`Tally::coverage`], never
    /// instead of it.
    pub fn coverage_with_proposed(&self) -> Option<f64> {
        let a = self.applicable();
        (a > 0).then(|| 100.0 * (self.evaluated() + self.proposed()) as f64 / a as f64)
    }

    /// Count verdicts.
    pub fn of(verdicts: impl IntoIterator<Item = Verdict>) -> Tally {
        let mut t = Tally::default();
        for v in verdicts {
            match v {
                Verdict::Pass => t.pass += 1,
                Verdict::Fail => t.fail += 1,
                Verdict::NotApplicable => t.not_applicable += 1,
                Verdict::NotImplemented => t.not_implemented += 1,
                Verdict::NotRun => t.not_run += 1,
                Verdict::NeedsManual => t.needs_manual += 1,
                Verdict::Inconclusive => t.inconclusive += 1,
                Verdict::Error => t.error += 1,
            }
        }
        t
    }

    /// Count for one verdict.
    pub fn get(&self, v: Verdict) -> usize {
        match v {
            Verdict::Pass => self.pass,
            Verdict::Fail => self.fail,
            Verdict::NotApplicable => self.not_applicable,
            Verdict::NotImplemented => self.not_implemented,
            Verdict::NotRun => self.not_run,
            Verdict::NeedsManual => self.needs_manual,
            Verdict::Inconclusive => self.inconclusive,
            Verdict::Error => self.error,
        }
    }

    /// Items that apply and are implemented (everything but not applicable
    /// and declared-not-implemented recommendations, which are counted apart).
    pub fn applicable(&self) -> usize {
        self.pass + self.fail + self.not_run + self.needs_manual + self.inconclusive + self.error
    }

    /// Items with a normative verdict.
    pub fn evaluated(&self) -> usize {
        self.pass + self.fail
    }

    /// The score: passed over evaluated, in percent; `None` when nothing was evaluated.
    pub fn score(&self) -> Option<f64> {
        let e = self.evaluated();
        (e > 0).then(|| 100.0 * self.pass as f64 / e as f64)
    }

    /// Coverage: evaluated over applicable, in percent; `None` when nothing applies.
    pub fn coverage(&self) -> Option<f64> {
        let a = self.applicable();
        (a > 0).then(|| 100.0 * self.evaluated() as f64 / a as f64)
    }
}

/// The verdict on one category.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryResult {
    /// Category id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Combined verdict of its provisions.
    pub verdict: Verdict,
    /// Provision verdicts.
    pub provisions: Tally,
    /// Test case verdicts.
    pub cases: Tally,
}

/// The verdict on the whole assessment.
#[derive(Debug, Clone, Serialize)]
pub struct Overall {
    /// PASS only when every applicable provision passed; FAIL when any failed.
    pub verdict: Verdict,
    /// All provisions.
    pub provisions: Tally,
    /// Mandatory provisions.
    pub mandatory: Tally,
    /// Recommendations.
    pub recommendations: Tally,
    /// All test cases.
    pub cases: Tally,
    /// Highest severity among failures.
    pub worst_severity: Option<Severity>,
}

impl Assessment {
    /// How many test cases hold an unsettled contradiction.
    pub fn unsettled_count(&self) -> usize {
        self.unsettled.len()
    }

    /// Coverage of the test cases: evaluated over applicable, in percent.
    pub fn coverage(&self) -> Option<f64> {
        self.overall.cases.coverage()
    }

    /// The share of applicable test cases with a verdict or a proposed
    /// verdict, in percent (never used by a gate).
    pub fn coverage_with_proposed(&self) -> Option<f64> {
        self.overall.cases.coverage_with_proposed()
    }

    /// The default CI gate: something failed at or above `threshold`, or a
    /// contradiction is unsettled (when `unsettled_fails`).
    pub fn fails(&self, threshold: Severity, unsettled_fails: bool) -> bool {
        self.fails_at(threshold) || (unsettled_fails && !self.unsettled.is_empty())
    }

    /// Whether anything failed at or above `threshold`.
    pub fn fails_at(&self, threshold: Severity) -> bool {
        self.provisions.iter().any(|p| {
            p.verdict == Verdict::Fail && p.severity.unwrap_or(Severity::High) >= threshold
        })
    }

    /// The provision results that failed.
    pub fn failures(&self) -> impl Iterator<Item = &ProvisionResult> {
        self.provisions
            .iter()
            .filter(|p| p.verdict == Verdict::Fail)
    }
}

/// Inputs to [`assess`].
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The catalogue.
    pub catalog: &'a Catalog,
    /// The validated project.
    pub project: &'a Project,
    /// Findings from files and built-in checks.
    pub findings: &'a [SourcedFinding],
    /// Today (`YYYY-MM-DD`), to tell live waivers from expired ones; `None`
    /// treats every waiver as live.
    pub today: Option<&'a str>,
}
