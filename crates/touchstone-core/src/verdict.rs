//! Verdicts and severities.
//!
//! TS 103 701 defines exactly two verdicts for a test case: PASS and FAIL.
//! Everything else a tool can say about a test case ("not run yet",
//! "needs a human", ...) is a *tool state*, kept apart from the normative
//! verdicts so that a report never passes one off as the other.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How bad a failing finding or test case is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: evidence without a judgement.
    Info,
    /// Low impact.
    Low,
    /// Medium impact.
    Medium,
    /// High impact.
    High,
    /// Critical impact: exploitable at scale (for instance a universal default password).
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of a test case, test group, provision, category or assessment.
///
/// `Pass` and `Fail` are the normative TS 103 701 verdicts. The other
/// variants are tool states: they say why no normative verdict exists yet.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every criterion of the test case holds (normative).
    Pass,
    /// At least one criterion does not hold (normative).
    Fail,
    /// The ICS declares the provision not applicable and that declaration is valid.
    NotApplicable,
    /// A recommendation the ICS declares not implemented (answered `N`): not
    /// tested, and counted apart from not applicable; its justification is
    /// assessed under the reporting provision.
    NotImplemented,
    /// Nothing has been executed for this item yet (automatable, but no result was supplied).
    NotRun,
    /// An assessor must decide: the test needs documents, interaction or judgement.
    NeedsManual,
    /// Evidence exists but does not settle PASS or FAIL (partial coverage or conflicting sources).
    Inconclusive,
    /// A check that should have produced evidence failed to run.
    Error,
}

impl Verdict {
    /// Every verdict, in report order.
    pub const ALL: [Verdict; 8] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::NotApplicable,
        Verdict::NotImplemented,
        Verdict::NotRun,
        Verdict::NeedsManual,
        Verdict::Inconclusive,
        Verdict::Error,
    ];

    /// Whether this is one of the two verdicts TS 103 701 defines.
    pub fn is_normative(self) -> bool {
        matches!(self, Verdict::Pass | Verdict::Fail)
    }

    /// Whether the item has been evaluated (a normative verdict exists).
    pub fn is_evaluated(self) -> bool {
        self.is_normative()
    }

    /// Rank used to combine several verdicts into one: the highest rank wins.
    ///
    /// A failure dominates everything; an error hides any pass; pending
    /// states dominate a pass, so an aggregate only passes when every part
    /// passed.
    pub fn rank(self) -> u8 {
        match self {
            Verdict::NotApplicable => 0,
            Verdict::NotImplemented => 1,
            Verdict::Pass => 2,
            Verdict::NotRun => 3,
            Verdict::NeedsManual => 4,
            Verdict::Inconclusive => 5,
            Verdict::Error => 6,
            Verdict::Fail => 7,
        }
    }

    /// Combine the verdicts of parts into the verdict of the whole.
    ///
    /// An empty list, or a list of only not-applicable parts, is not applicable;
    /// a declared-not-implemented recommendation does not keep a whole from passing.
    pub fn combine(parts: impl IntoIterator<Item = Verdict>) -> Verdict {
        parts
            .into_iter()
            .max_by_key(|v| v.rank())
            .unwrap_or(Verdict::NotApplicable)
    }

    /// The name used in files and reports (`pass`, `needs-manual`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NotApplicable => "not-applicable",
            Verdict::NotImplemented => "not-implemented",
            Verdict::NotRun => "not-run",
            Verdict::NeedsManual => "needs-manual",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Error => "error",
        }
    }

    /// The label shown to people (`PASS`, `needs manual assessment`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::NotApplicable => "not applicable",
            Verdict::NotImplemented => "not implemented",
            Verdict::NotRun => "not run",
            Verdict::NeedsManual => "needs manual assessment",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Error => "error",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combine_prefers_failure_then_error_then_pending() {
        use Verdict::*;
        assert_eq!(Verdict::combine([Pass, Pass]), Pass);
        assert_eq!(Verdict::combine([Pass, NotRun]), NotRun);
        assert_eq!(Verdict::combine([Pass, NeedsManual, NotRun]), NeedsManual);
        assert_eq!(Verdict::combine([Pass, Error, NeedsManual]), Error);
        assert_eq!(Verdict::combine([Error, Fail, Pass]), Fail);
        assert_eq!(Verdict::combine([NotApplicable, Pass]), Pass);
        assert_eq!(Verdict::combine([NotApplicable]), NotApplicable);
        assert_eq!(
            Verdict::combine([NotApplicable, NotImplemented]),
            NotImplemented
        );
        assert_eq!(Verdict::combine([NotImplemented, Pass]), Pass);
        assert_eq!(Verdict::combine([]), NotApplicable);
    }

    #[test]
    fn only_pass_and_fail_are_normative() {
        let normative: Vec<_> = Verdict::ALL.iter().filter(|v| v.is_normative()).collect();
        assert_eq!(normative, [&Verdict::Pass, &Verdict::Fail]);
    }

    #[test]
    fn severities_are_ordered() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        let mut sorted = Severity::ALL;
        sorted.sort();
        assert_eq!(sorted, Severity::ALL);
    }
}
