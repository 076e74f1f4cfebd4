//! Where the evidence of every test case can come from: the ICS, the IXIT
//! (read, or a typed answer that decides a unit), firmware checks, live
//! probe checks, and a person. Derived from the catalogue (`needs`,
//! `decides`, checklists, the reporting provision) and the weights of the
//! built-in checks (`data/weights.toml`: checks named `fw-*` read firmware,
//! `net-*` and `pw-*` observe the device or its samples). `docs/evidence-sources.md`
//! is generated from it.

use std::fmt::Write as _;

use serde::Serialize;
use touchstone_catalog::{CaseKind, Catalog, Edition};

use crate::{Weight, weights};

/// The evidence sources of a unit or a whole test case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sources {
    /// The ICS decides it (the reporting provision).
    pub ics: bool,
    /// It reads IXIT entries or fields.
    pub ixit: bool,
    /// A typed IXIT answer decides it.
    pub ixit_decides: bool,
    /// Firmware checks bear on it: decisive or indication (the strongest).
    pub firmware: Option<Weight>,
    /// Live checks of the device bear on it.
    pub live: Option<Weight>,
    /// A person examines it (it has a checklist).
    pub person: bool,
}

impl Sources {
    fn merge(&mut self, o: &Sources) {
        self.ics |= o.ics;
        self.ixit |= o.ixit;
        self.ixit_decides |= o.ixit_decides;
        self.firmware = strongest(self.firmware, o.firmware);
        self.live = strongest(self.live, o.live);
        self.person |= o.person;
    }
}

fn strongest(a: Option<Weight>, b: Option<Weight>) -> Option<Weight> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// One test case of an edition's plan with its sources.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSources {
    /// Provision id.
    pub provision: String,
    /// Test case id.
    pub case: String,
    /// Conceptual, functional or mixed.
    pub kind: CaseKind,
    /// Taken from the older TS edition.
    pub carried_over: bool,
    /// The union over its units.
    pub sources: Sources,
    /// Per unit.
    pub units: Vec<(String, Sources)>,
}

/// Every test case of an edition's plan, in catalogue order.
pub fn evidence_sources(catalog: &Catalog, edition: Edition) -> Vec<CaseSources> {
    let w = weights();
    let mut out = Vec::new();
    for p in catalog.provisions(edition) {
        for c in catalog.cases(edition, &p.id) {
            let mut all = Sources::default();
            let mut units = Vec::new();
            for u in catalog.units(&c) {
                let mut s = Sources {
                    ics: catalog.is_reporting(edition, &c),
                    ixit: !catalog.needs(&c, u).is_empty() || u.decides.is_some(),
                    ixit_decides: u.decides.is_some(),
                    person: catalog.needs_person(edition, &c, u),
                    ..Sources::default()
                };
                for (check, cw) in &w.checks {
                    let Some(weight) = cw.weight_of(&u.id) else {
                        continue;
                    };
                    // A partly analysed image keeps units undecided; it is no
                    // source of evidence of its own.
                    if check == "fw-partial-analysis" {
                        continue;
                    }
                    if check.starts_with("fw-") {
                        s.firmware = strongest(s.firmware, Some(weight));
                    } else {
                        s.live = strongest(s.live, Some(weight));
                    }
                }
                all.merge(&s);
                units.push((u.id.clone(), s));
            }
            out.push(CaseSources {
                provision: p.id.clone(),
                case: c.case.id.clone(),
                kind: c.case.kind,
                carried_over: c.carried_over,
                sources: all,
                units,
            });
        }
    }
    out
}

fn cell(
    weight: Option<Weight>,
    units: &[(String, Sources)],
    pick: fn(&Sources) -> Option<Weight>,
) -> String {
    match weight {
        None => String::new(),
        Some(w) => {
            let decisive: Vec<&str> = units
                .iter()
                .filter(|(_, s)| pick(s) == Some(Weight::Decisive))
                .map(|(id, _)| id.as_str())
                .collect();
            match w {
                Weight::Decisive => format!("decides {}", decisive.join(", ")),
                Weight::Indication => "indication".to_owned(),
            }
        }
    }
}

/// The Markdown of `docs/evidence-sources.md`.
pub fn evidence_sources_markdown(catalog: &Catalog) -> String {
    let mut out = String::from(
        "# Evidence sources of every test case\n\n\
         Generated from the catalogue and the engine's weights by\n\
         `UPDATE_DOCS=1 cargo test -p touchstone-engine --test evidence_sources`;\n\
         a test fails when this file is stale. Do not edit by hand.\n\n\
         For every test case of each edition's test plan, where its evidence can come from:\n\n\
         - **ICS**: decided from the ICS alone (the reporting provision).\n\
         - **IXIT**: `reads` when its units read IXIT entries or fields (a unit whose\n  \
           needs are missing cannot pass); `decides` when a typed answer (a 4-Conf\n  \
           confirmation) decides a unit without a person.\n\
         - **Firmware** and **Live**: built-in checks of firmware images (`fw-*`) and of\n  \
           the device or its samples (`net-*`, `pw-*`) that bear on its units:\n  \
           `decides` lists the units where a finding is decisive, `indication` means\n  \
           findings only inform the assessor.\n\
         - **Person**: how many of its units need a person, each with a checklist\n  \
           (`touchstone catalog show UNIT`).\n\n\
         A unit a person must judge may still get a *proposed* verdict from these\n\
         sources; it never counts as PASS or FAIL until an assessor records it.\n",
    );
    for edition in Edition::ALL {
        let spec = &catalog.spec(edition).spec;
        let rows = evidence_sources(catalog, edition);
        let _ = write!(
            out,
            "\n## {edition} ({} V{}, {} test cases)\n\n",
            spec.name,
            spec.version,
            rows.len()
        );
        out.push_str("| Test case | Kind | ICS | IXIT | Firmware | Live | Person |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for r in rows {
            let s = &r.sources;
            let person = r.units.iter().filter(|(_, u)| u.person).count();
            let _ = writeln!(
                out,
                "| {}{} | {} | {} | {} | {} | {} | {} |",
                r.case,
                if r.carried_over { " (V1.1.1)" } else { "" },
                r.kind.as_str(),
                if s.ics { "decides" } else { "" },
                match (s.ixit_decides, s.ixit) {
                    (true, _) => "reads, decides",
                    (false, true) => "reads",
                    (false, false) => "",
                },
                cell(s.firmware, &r.units, |u| u.firmware),
                cell(s.live, &r.units, |u| u.live),
                if person == 0 {
                    String::new()
                } else {
                    format!("{person} of {} units", r.units.len())
                }
            );
        }
    }
    out
}
