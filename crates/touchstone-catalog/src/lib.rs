//! The EN 303 645 / TS 103 701 catalogue as data.
//!
//! The TOML files under `catalog/` at the repository root are embedded into
//! the binary at build time and parsed on first use. This crate does no IO:
//! it parses text it was handed and answers questions about it (which
//! provisions an edition has, which test cases assess a provision, which
//! IXIT tables and mappings they involve). [`lint`] checks the data's
//! internal consistency; the test suite runs it on the embedded catalogue.
//!
//! The catalogue is written in our own words; see `catalog/README.md`.

mod lint;
pub mod model;

use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use lint::{LintProblem, lint};
pub use model::*;

/// The catalogue's own version, recorded in every report.
pub const CATALOG_VERSION: &str = "2026.11.0";

/// The embedded catalogue files, by name.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "en303645-v2.1.1.toml",
        include_str!("../../../catalog/en303645-v2.1.1.toml"),
    ),
    (
        "en303645-v3.1.3.toml",
        include_str!("../../../catalog/en303645-v3.1.3.toml"),
    ),
    (
        "migration-v2.1.1-to-v3.1.3.toml",
        include_str!("../../../catalog/migration-v2.1.1-to-v3.1.3.toml"),
    ),
    (
        "ts103701-v1.1.1.toml",
        include_str!("../../../catalog/ts103701-v1.1.1.toml"),
    ),
    (
        "ts103701-v2.1.1.toml",
        include_str!("../../../catalog/ts103701-v2.1.1.toml"),
    ),
    ("ixit.toml", include_str!("../../../catalog/ixit.toml")),
    (
        "mappings/uk-psti.toml",
        include_str!("../../../catalog/mappings/uk-psti.toml"),
    ),
    (
        "mappings/en18031.toml",
        include_str!("../../../catalog/mappings/en18031.toml"),
    ),
    (
        "mappings/cra.toml",
        include_str!("../../../catalog/mappings/cra.toml"),
    ),
    (
        "mappings/nistir8259a.toml",
        include_str!("../../../catalog/mappings/nistir8259a.toml"),
    ),
];

/// A catalogue file could not be parsed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("catalog/{file}:{line}:{column}: {message}")]
pub struct CatalogError {
    /// File name relative to `catalog/`.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What was expected.
    pub message: String,
}

/// The whole catalogue.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Indexed like [`Edition::ALL`].
    standards: [StandardFile; 2],
    /// Indexed like [`Edition::ALL`]: the TS edition that assesses each.
    specs: [SpecFile; 2],
    migration: MigrationFile,
    ixit: IxitFile,
    mappings: Vec<MappingFile>,
}

/// A test case chosen for a provision, with where it comes from.
#[derive(Debug, Clone, Copy)]
pub struct CaseRef<'a> {
    /// The test case.
    pub case: &'a TestCase,
    /// The TS 103 701 edition it comes from.
    pub spec: &'a SpecMeta,
    /// True when the case comes from an older TS edition because the
    /// current one is not fully known: treat it as unverified.
    pub carried_over: bool,
}

/// One link between a provision and a requirement of another scheme.
#[derive(Debug, Clone, Copy)]
pub struct MappingRef<'a> {
    /// The scheme.
    pub scheme: &'a Scheme,
    /// The requirement.
    pub requirement: &'a Requirement,
    /// The link.
    pub link: &'a Link,
}

impl Catalog {
    /// The catalogue embedded in this binary, parsed once.
    pub fn embedded() -> Result<&'static Catalog, CatalogError> {
        static CATALOG: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();
        CATALOG
            .get_or_init(|| Catalog::parse(EMBEDDED))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parse a catalogue from `(file name, text)` pairs laid out like [`EMBEDDED`].
    pub fn parse(files: &[(&str, &str)]) -> Result<Catalog, CatalogError> {
        let mut standards = Vec::new();
        let mut specs = Vec::new();
        let mut migration = None;
        let mut ixit = None;
        let mut mappings = Vec::new();
        for (name, text) in files {
            if name.starts_with("en303645-") {
                standards.push(parse_toml::<StandardFile>(name, text)?);
            } else if name.starts_with("ts103701-") {
                specs.push(parse_toml::<SpecFile>(name, text)?);
            } else if name.starts_with("migration-") {
                migration = Some(parse_toml::<MigrationFile>(name, text)?);
            } else if *name == "ixit.toml" {
                ixit = Some(parse_toml::<IxitFile>(name, text)?);
            } else if name.starts_with("mappings/") {
                mappings.push(parse_toml::<MappingFile>(name, text)?);
            }
        }
        let missing = |what: &str| CatalogError {
            file: what.to_owned(),
            line: 1,
            column: 1,
            message: "file missing from the catalogue".to_owned(),
        };
        let mut take_standard = |e: Edition| {
            let i = standards
                .iter()
                .position(|s: &StandardFile| s.standard.id == e.standard_id())
                .ok_or_else(|| missing(&format!("{}.toml", e.standard_id())))?;
            Ok::<_, CatalogError>(standards.swap_remove(i))
        };
        let standards = [
            take_standard(Edition::V2_1_1)?,
            take_standard(Edition::V3_1_3)?,
        ];
        let mut take_spec = |e: Edition| {
            let i = specs
                .iter()
                .position(|s: &SpecFile| s.spec.id == e.spec_id())
                .ok_or_else(|| missing(&format!("{}.toml", e.spec_id())))?;
            Ok::<_, CatalogError>(specs.swap_remove(i))
        };
        let specs = [take_spec(Edition::V2_1_1)?, take_spec(Edition::V3_1_3)?];
        Ok(Catalog {
            standards,
            specs,
            migration: migration.ok_or_else(|| missing("migration-*.toml"))?,
            ixit: ixit.ok_or_else(|| missing("ixit.toml"))?,
            mappings,
        })
    }

    fn find_spec(&self, id: &str) -> Option<&SpecFile> {
        self.specs.iter().find(|s| s.spec.id == id)
    }

    /// Every standard file.
    pub fn standards(&self) -> &[StandardFile] {
        &self.standards
    }

    /// Every TS 103 701 file.
    pub fn specs(&self) -> &[SpecFile] {
        &self.specs
    }

    /// The V2.1.1 → V3.1.3 migration map.
    pub fn migration(&self) -> &MigrationFile {
        &self.migration
    }

    /// IXIT tables 1 to 29.
    pub fn ixit_tables(&self) -> &[IxitTable] {
        &self.ixit.tables
    }

    /// Every mapping file.
    pub fn mappings(&self) -> &[MappingFile] {
        &self.mappings
    }

    /// The standard file of an edition.
    pub fn standard(&self, edition: Edition) -> &StandardFile {
        match edition {
            Edition::V2_1_1 => &self.standards[0],
            Edition::V3_1_3 => &self.standards[1],
        }
    }

    /// The TS 103 701 file that assesses an edition.
    pub fn spec(&self, edition: Edition) -> &SpecFile {
        match edition {
            Edition::V2_1_1 => &self.specs[0],
            Edition::V3_1_3 => &self.specs[1],
        }
    }

    /// The provisions of an edition, in catalogue order.
    pub fn provisions(&self, edition: Edition) -> &[Provision] {
        &self.standard(edition).provisions
    }

    /// One provision of an edition.
    pub fn provision(&self, edition: Edition, id: &str) -> Option<&Provision> {
        self.provisions(edition).iter().find(|p| p.id == id)
    }

    /// A category of an edition.
    pub fn category(&self, edition: Edition, id: &str) -> Option<&Category> {
        self.standard(edition)
            .categories
            .iter()
            .find(|c| c.id == id)
    }

    /// The test group that assesses a provision, with its spec and whether it was carried over.
    pub fn group(
        &self,
        edition: Edition,
        provision: &str,
    ) -> Option<(&TestGroup, &SpecFile, bool)> {
        self.provision(edition, provision)?;
        let own = self.spec(edition);
        if let Some(g) = own.groups.iter().find(|g| g.provision == provision) {
            return Some((g, own, false));
        }
        if own.spec.complete {
            return None;
        }
        // The current TS edition is only partly known: reuse the group of the
        // older edition for a provision that carries over unsplit.
        let older = self.spec(Edition::V2_1_1);
        self.provision(Edition::V2_1_1, provision)?;
        older
            .groups
            .iter()
            .find(|g| g.provision == provision)
            .map(|g| (g, older, true))
    }

    /// What is known to differ in the group of a provision that was carried over
    /// from the older TS edition (case structure or IXIT tables), if anything.
    pub fn group_change(&self, edition: Edition, provision: &str) -> Option<&GroupChange> {
        self.spec(edition)
            .changes
            .iter()
            .find(|c| c.group == provision)
    }

    /// The test cases that assess a provision in an edition, in order.
    pub fn cases(&self, edition: Edition, provision: &str) -> Vec<CaseRef<'_>> {
        let Some((group, spec, carried_over)) = self.group(edition, provision) else {
            return Vec::new();
        };
        spec.cases
            .iter()
            .filter(|c| c.group == group.id)
            .map(|case| CaseRef {
                case,
                spec: &spec.spec,
                carried_over,
            })
            .collect()
    }

    /// The test units of a test case, in order.
    pub fn units<'a>(&'a self, case: &CaseRef<'a>) -> Vec<&'a TestUnit> {
        self.find_spec(&case.spec.id)
            .map(|s| s.units.iter().filter(|u| u.case == case.case.id).collect())
            .unwrap_or_default()
    }

    /// The IXIT tables and fields a unit reads: its own `needs`, else its case's.
    pub fn needs<'a>(&self, case: &CaseRef<'a>, unit: &'a TestUnit) -> &'a [String] {
        if unit.needs.is_empty() {
            &case.case.needs
        } else {
            &unit.needs
        }
    }

    /// What a person examines for a unit: its own checklist, else its case's.
    pub fn checklist<'a>(&self, case: &CaseRef<'a>, unit: &'a TestUnit) -> &'a [String] {
        if unit.checklist.is_empty() {
            &case.case.checklist
        } else {
            &unit.checklist
        }
    }

    /// Whether a case belongs to the reporting provision (4-1 / 5.0-1), which
    /// the ICS alone decides.
    pub fn is_reporting(&self, edition: Edition, case: &CaseRef<'_>) -> bool {
        let reporting = &self.standard(edition).standard.reporting_provision;
        self.find_spec(&case.spec.id)
            .and_then(|s| s.groups.iter().find(|g| g.id == case.case.group))
            .is_some_and(|g| &g.provision == reporting)
    }

    /// Whether a unit needs a person: everything but the reporting provision
    /// (decided by the ICS) and units a typed IXIT answer decides.
    pub fn needs_person(&self, edition: Edition, case: &CaseRef<'_>, unit: &TestUnit) -> bool {
        unit.decides.is_none() && !self.is_reporting(edition, case)
    }

    /// A field of an IXIT table as the TS edition that assesses `edition`
    /// has it: by key, or by a key it replaced (`aliases`), so that needs
    /// written with the older key resolve in the newer edition.
    pub fn ixit_field(
        &self,
        edition: Edition,
        table: &str,
        key: &str,
    ) -> Option<(&IxitTable, &IxitField)> {
        let t = self.ixit_table(table)?;
        let mut fields = t.fields_for(edition);
        let found = t
            .fields_for(edition)
            .find(|f| f.key == key)
            .or_else(|| fields.find(|f| f.aliases.iter().any(|a| a == key)))?;
        Some((t, found))
    }

    /// Find a test case by id in the edition's plan (including carried-over cases).
    pub fn case_by_id(&self, edition: Edition, id: &str) -> Option<CaseRef<'_>> {
        self.provisions(edition)
            .iter()
            .flat_map(|p| self.cases(edition, &p.id))
            .find(|c| c.case.id == id)
    }

    /// An IXIT table by either of its names, or by number (`"1"`).
    pub fn ixit_table(&self, name: &str) -> Option<&IxitTable> {
        self.ixit
            .tables
            .iter()
            .find(|t| t.is_named(name) || t.number.to_string() == name)
    }

    /// The name an IXIT table has in the TS edition that assesses `edition`.
    pub fn ixit_name<'a>(&'a self, edition: Edition, name: &'a str) -> &'a str {
        self.ixit_table(name).map_or(name, |t| t.name_for(edition))
    }

    /// Every requirement of other schemes linked to a provision id.
    pub fn mappings_for(&self, edition: Edition, provision: &str) -> Vec<MappingRef<'_>> {
        let mut out = Vec::new();
        for file in &self.mappings {
            let scheme = &file.scheme;
            if scheme.standard != "any" && scheme.standard != edition.standard_id() {
                // A mapping pinned to another edition still applies to ids
                // that mean the same thing in both; the migration map says which.
                if !self.same_meaning(provision) {
                    continue;
                }
            }
            for link in file
                .links
                .iter()
                .filter(|l| l.provisions.iter().any(|p| p == provision))
            {
                for rid in &link.requirements {
                    if let Some(requirement) = file.requirements.iter().find(|r| &r.id == rid) {
                        out.push(MappingRef {
                            scheme,
                            requirement,
                            link,
                        });
                    }
                }
            }
        }
        out
    }

    /// Whether a provision id keeps its meaning across the migration.
    fn same_meaning(&self, provision: &str) -> bool {
        self.migration.maps.iter().any(|m| {
            m.from == provision
                && m.to.iter().any(|t| t == provision)
                && matches!(m.change, Change::Unchanged | Change::Reworded)
        })
    }

    /// Every id in the catalogue, one per line, for review snapshots.
    pub fn id_list(&self) -> String {
        let mut out = String::new();
        for s in &self.standards {
            let id = &s.standard.id;
            for c in &s.categories {
                out.push_str(&format!("{id} category {}\n", c.id));
            }
            for c in &s.conditions {
                out.push_str(&format!("{id} condition {}\n", c.number));
            }
            for f in &s.features {
                out.push_str(&format!("{id} feature {}\n", f.letter));
            }
            for p in &s.provisions {
                out.push_str(&format!("{id} provision {} {}\n", p.id, p.status()));
            }
            for v in &s.voids {
                out.push_str(&format!("{id} void {}\n", v.id));
            }
        }
        for s in &self.specs {
            let id = &s.spec.id;
            for g in &s.groups {
                out.push_str(&format!("{id} group {}\n", g.id));
            }
            for c in &s.cases {
                out.push_str(&format!("{id} case {} {}\n", c.id, c.kind.as_str()));
            }
            for u in &s.units {
                out.push_str(&format!("{id} unit {}\n", u.id));
            }
            for c in &s.changes {
                out.push_str(&format!("{id} changed {} {}\n", c.group, c.change.as_str()));
            }
        }
        for t in &self.ixit.tables {
            let fields: Vec<String> = t
                .fields
                .iter()
                .map(|f| {
                    let mut k = f.key.clone();
                    match f.value {
                        Some(ValueKind::YesNo) => k.push_str(":yes-no"),
                        Some(ValueKind::Date) => k.push_str(":date"),
                        Some(ValueKind::Enum) => k.push_str(&format!(":{}", f.values.join("|"))),
                        None => {}
                    }
                    for a in &f.aliases {
                        k.push_str(&format!(" (alias {a})"));
                    }
                    k
                })
                .collect();
            out.push_str(&format!(
                "ixit {} {} [{}]\n",
                t.id,
                t.id_v2,
                fields.join(", ")
            ));
        }
        for m in &self.mappings {
            for r in &m.requirements {
                out.push_str(&format!("mapping {} {}\n", m.scheme.id, r.id));
            }
        }
        out
    }

    /// Count of provisions per category id, in category order.
    pub fn category_counts(&self, edition: Edition) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for p in self.provisions(edition) {
            *counts.entry(p.category.clone()).or_default() += 1;
        }
        counts
    }
}

fn parse_toml<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, CatalogError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map_or((1, 1), |s| touchstone_core::text::line_col(text, s.start));
        CatalogError {
            file: name.to_owned(),
            line,
            column,
            message: e.message().to_owned(),
        }
    })
}
