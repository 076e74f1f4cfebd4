//! What a finding of each built-in check weighs on each unit: data in
//! `data/weights.toml`, embedded and parsed once.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The weights file, embedded.
pub const WEIGHTS_TOML: &str = include_str!("../data/weights.toml");

/// How a finding counts on a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Weight {
    /// Meets the unit's own PASS or FAIL criterion.
    Decisive,
    /// Informs the assessor; never sets a verdict alone.
    Indication,
}

impl Weight {
    /// As written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Weight::Decisive => "decisive",
            Weight::Indication => "indication",
        }
    }
}

/// The units one check bears on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckWeights {
    /// Units on which the check's findings are decisive.
    #[serde(default)]
    pub decisive: Vec<String>,
    /// Units on which they are indications.
    #[serde(default)]
    pub indication: Vec<String>,
}

impl CheckWeights {
    /// The weight on a unit, when the unit is listed.
    pub fn weight_of(&self, unit: &str) -> Option<Weight> {
        if self.decisive.iter().any(|u| u == unit) {
            Some(Weight::Decisive)
        } else if self.indication.iter().any(|u| u == unit) {
            Some(Weight::Indication)
        } else {
            None
        }
    }

    /// Every listed unit.
    pub fn units(&self) -> impl Iterator<Item = &str> {
        self.decisive
            .iter()
            .chain(self.indication.iter())
            .map(String::as_str)
    }
}

/// Weights of every built-in check, by check id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Weights {
    /// Check id to its units.
    pub checks: BTreeMap<String, CheckWeights>,
}

impl Weights {
    /// Parse a weights file.
    pub fn parse(text: &str) -> Result<Weights, String> {
        let checks: BTreeMap<String, CheckWeights> =
            toml::from_str(text).map_err(|e| e.to_string())?;
        Ok(Weights { checks })
    }

    /// The weights of one check.
    pub fn get(&self, check: &str) -> Option<&CheckWeights> {
        self.checks.get(check)
    }
}

/// The embedded weights (an unparsable file yields no weights; a test parses it).
pub fn weights() -> &'static Weights {
    static W: OnceLock<Weights> = OnceLock::new();
    W.get_or_init(|| Weights::parse(WEIGHTS_TOML).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_file_parses_and_lists_each_unit_once_per_check() {
        let w = Weights::parse(WEIGHTS_TOML).expect("weights.toml parses");
        assert!(w.checks.len() >= 40, "{} checks", w.checks.len());
        for (id, c) in &w.checks {
            let mut units: Vec<&str> = c.units().collect();
            let n = units.len();
            units.sort_unstable();
            units.dedup();
            assert_eq!(units.len(), n, "{id} lists a unit twice");
            // An entry without units is an explicit "on no unit" (a check
            // whose findings are information only, such as fw-unpack-problem).
        }
    }
}
