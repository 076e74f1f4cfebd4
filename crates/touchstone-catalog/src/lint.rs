//! Internal consistency checks of the catalogue.
//!
//! `cargo test` runs [`lint`] on the embedded catalogue; any problem fails
//! the build. The expected counts come from the standards themselves (see
//! `catalog/README.md`), so a lost or duplicated record cannot go unnoticed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::{CaseKind, Catalog, Edition, FilterOp, IxitNeed, Modal, Records, UnitKind, ValueKind};

/// One inconsistency found by [`lint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintProblem {
    /// The catalogue file concerned.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LintProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "catalog/{}: {}", self.file, self.message)
    }
}

/// Expected shape of an edition.
struct Expected {
    total: usize,
    mandatory: usize,
    recommended: usize,
    /// Provisions per category, in the standard's category order.
    per_category: &'static [(&'static str, usize)],
    conditions: &'static [u32],
    features: usize,
    voids: &'static [&'static str],
}

fn expected(edition: Edition) -> Expected {
    match edition {
        Edition::V2_1_1 => Expected {
            total: 68,
            mandatory: 33,
            recommended: 35,
            per_category: &[
                ("4", 1),
                ("5.1", 5),
                ("5.2", 3),
                ("5.3", 16),
                ("5.4", 4),
                ("5.5", 8),
                ("5.6", 9),
                ("5.7", 2),
                ("5.8", 3),
                ("5.9", 3),
                ("5.10", 1),
                ("5.11", 4),
                ("5.12", 3),
                ("5.13", 1),
                ("6", 5),
            ],
            conditions: &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
            features: 0,
            voids: &[],
        },
        Edition::V3_1_3 => Expected {
            total: 78,
            mandatory: 36,
            recommended: 42,
            per_category: &[
                ("5.0", 1),
                ("5.1", 6),
                ("5.2", 3),
                ("5.3", 19),
                ("5.4", 4),
                ("5.5", 8),
                ("5.6", 10),
                ("5.7", 2),
                ("5.8", 3),
                ("5.9", 3),
                ("5.10", 1),
                ("5.11", 4),
                ("5.12", 3),
                ("5.13", 2),
                ("6", 9),
            ],
            conditions: &[3, 12, 14, 15, 16],
            features: 27,
            voids: &["5.3-4", "5.3-6", "5.3-15", "5.6-4", "5.13-1", "6-3"],
        },
    }
}

struct Linter {
    problems: Vec<LintProblem>,
}

impl Linter {
    fn report(&mut self, file: &str, message: String) {
        self.problems.push(LintProblem {
            file: file.to_owned(),
            message,
        });
    }

    fn unique<'a>(&mut self, file: &str, what: &str, ids: impl IntoIterator<Item = &'a str>) {
        let mut seen = BTreeSet::new();
        for id in ids {
            if !seen.insert(id) {
                self.report(file, format!("duplicate {what} id `{id}`"));
            }
        }
    }

    fn count(&mut self, file: &str, what: &str, found: usize, want: usize) {
        if found != want {
            self.report(file, format!("expected {want} {what}, found {found}"));
        }
    }
}

/// Check the catalogue's internal consistency. An empty list means clean.
pub fn lint(catalog: &Catalog) -> Vec<LintProblem> {
    let mut l = Linter {
        problems: Vec::new(),
    };
    for edition in Edition::ALL {
        lint_standard(&mut l, catalog, edition);
        lint_spec(&mut l, catalog, edition);
        lint_unit_evidence(&mut l, catalog, edition);
    }
    lint_migration(&mut l, catalog);
    lint_ixit(&mut l, catalog);
    lint_mappings(&mut l, catalog);
    l.problems
}

fn lint_standard(l: &mut Linter, catalog: &Catalog, edition: Edition) {
    let s = catalog.standard(edition);
    let file = format!("{}.toml", s.standard.id);
    let file = file.as_str();
    let want = expected(edition);
    l.unique(
        file,
        "provision",
        s.provisions.iter().map(|p| p.id.as_str()),
    );
    l.unique(file, "category", s.categories.iter().map(|c| c.id.as_str()));
    l.unique(
        file,
        "feature",
        s.features.iter().map(|f| f.letter.as_str()),
    );
    l.count(file, "provisions", s.provisions.len(), want.total);
    let m = s.provisions.iter().filter(|p| p.modal == Modal::M).count();
    l.count(file, "mandatory provisions", m, want.mandatory);
    l.count(
        file,
        "recommendations",
        s.provisions.len() - m,
        want.recommended,
    );
    let counts = catalog.category_counts(edition);
    for (cat, n) in want.per_category {
        l.count(
            file,
            &format!("provisions in category {cat}"),
            counts.get(*cat).copied().unwrap_or(0),
            *n,
        );
    }
    let cats: Vec<&str> = s.categories.iter().map(|c| c.id.as_str()).collect();
    let want_cats: Vec<&str> = want.per_category.iter().map(|(c, _)| *c).collect();
    if cats != want_cats {
        l.report(
            file,
            format!("categories {cats:?} differ from expected {want_cats:?}"),
        );
    }
    let conditions: Vec<u32> = s.conditions.iter().map(|c| c.number).collect();
    if conditions != want.conditions {
        l.report(
            file,
            format!(
                "conditions {conditions:?} differ from expected {:?}",
                want.conditions
            ),
        );
    }
    l.count(file, "features", s.features.len(), want.features);
    let voids: Vec<&str> = s.voids.iter().map(|v| v.id.as_str()).collect();
    if voids != want.voids {
        l.report(
            file,
            format!(
                "void numbers {voids:?} differ from expected {:?}",
                want.voids
            ),
        );
    }
    if catalog
        .provision(edition, &s.standard.reporting_provision)
        .is_none()
    {
        l.report(
            file,
            format!(
                "reporting provision `{}` does not exist",
                s.standard.reporting_provision
            ),
        );
    }
    for p in &s.provisions {
        if !cats.contains(&p.category.as_str()) {
            l.report(
                file,
                format!("provision {} names unknown category `{}`", p.id, p.category),
            );
        } else if !p.id.starts_with(&format!("{}-", p.category))
            && p.category != "4"
            && !(p.category == "5.0" && p.id == "5.0-1")
        {
            l.report(
                file,
                format!("provision {} is filed under category {}", p.id, p.category),
            );
        }
        for c in &p.conditions {
            if !conditions.contains(c) {
                l.report(
                    file,
                    format!("provision {} names unknown condition {c}", p.id),
                );
            }
        }
        for f in &p.features {
            if !s.features.iter().any(|x| &x.letter == f) {
                l.report(
                    file,
                    format!("provision {} names unknown feature `{f}`", p.id),
                );
            }
        }
        if p.assess.is_empty() {
            l.report(file, format!("provision {} has no assessment method", p.id));
        }
        if p.title.trim().is_empty() || p.summary.trim().is_empty() {
            l.report(file, format!("provision {} lacks a title or summary", p.id));
        }
    }
    for v in &s.voids {
        if s.provisions.iter().any(|p| p.id == v.id) {
            l.report(file, format!("void number {} is also a provision", v.id));
        }
        for r in &v.replaced_by {
            if catalog.provision(edition, r).is_none() {
                l.report(
                    file,
                    format!("void {} is replaced by unknown provision `{r}`", v.id),
                );
            }
        }
    }
}

fn lint_spec(l: &mut Linter, catalog: &Catalog, edition: Edition) {
    let spec = catalog.spec(edition);
    let file = format!("{}.toml", spec.spec.id);
    let file = file.as_str();
    if spec.spec.assesses != edition.standard_id() {
        l.report(
            file,
            format!(
                "assesses `{}`, expected `{}`",
                spec.spec.assesses,
                edition.standard_id()
            ),
        );
    }
    l.unique(file, "group", spec.groups.iter().map(|g| g.id.as_str()));
    l.unique(file, "case", spec.cases.iter().map(|c| c.id.as_str()));
    l.unique(file, "unit", spec.units.iter().map(|u| u.id.as_str()));
    if edition == Edition::V2_1_1 {
        l.count(file, "test groups", spec.groups.len(), 68);
        l.count(file, "test cases", spec.cases.len(), 109);
        l.count(file, "test units", spec.units.len(), 226);
        let kinds = |k: CaseKind| spec.cases.iter().filter(|c| c.kind == k).count();
        l.count(
            file,
            "conceptual test cases",
            kinds(CaseKind::Conceptual),
            62,
        );
        l.count(
            file,
            "functional test cases",
            kinds(CaseKind::Functional),
            46,
        );
        l.count(file, "mixed test cases", kinds(CaseKind::Mixed), 1);
    }
    if spec.spec.complete {
        for p in catalog.provisions(edition) {
            if !spec.groups.iter().any(|g| g.provision == p.id) {
                l.report(file, format!("provision {} has no test group", p.id));
            }
        }
    }
    let ixit_ok = |name: &str| {
        catalog
            .ixit_tables()
            .iter()
            .any(|t| t.name_for(edition) == name)
    };
    for g in &spec.groups {
        if catalog.provision(edition, &g.provision).is_none() {
            l.report(
                file,
                format!(
                    "group {} assesses unknown provision `{}`",
                    g.id, g.provision
                ),
            );
        }
        for t in &g.ixit {
            if !ixit_ok(t) {
                l.report(
                    file,
                    format!("group {} uses unknown IXIT table `{t}`", g.id),
                );
            }
        }
    }
    for c in &spec.cases {
        match spec.groups.iter().find(|g| g.id == c.group) {
            None => l.report(
                file,
                format!("case {} belongs to unknown group `{}`", c.id, c.group),
            ),
            Some(g) => {
                if !c.id.starts_with(&format!("{}-", g.id)) {
                    l.report(
                        file,
                        format!("case {} is not numbered under group {}", c.id, g.id),
                    );
                }
            }
        }
        let units: Vec<_> = spec.units.iter().filter(|u| u.case == c.id).collect();
        if spec.spec.complete && units.is_empty() {
            l.report(file, format!("case {} has no test units", c.id));
        }
        let conceptual = units
            .iter()
            .filter(|u| u.kind == UnitKind::Conceptual)
            .count();
        let consistent = match c.kind {
            CaseKind::Conceptual => conceptual == units.len(),
            CaseKind::Functional => conceptual == 0,
            CaseKind::Mixed => conceptual > 0 && conceptual < units.len(),
        };
        if !consistent {
            l.report(
                file,
                format!(
                    "the units of {} case {} have the wrong kinds",
                    c.kind.as_str(),
                    c.id
                ),
            );
        }
    }
    let all_ids: BTreeSet<&str> = catalog
        .specs()
        .iter()
        .flat_map(|s| {
            s.cases
                .iter()
                .map(|c| c.id.as_str())
                .chain(s.units.iter().map(|u| u.id.as_str()))
        })
        .collect();
    for u in &spec.units {
        if !spec.cases.iter().any(|c| c.id == u.case) {
            l.report(
                file,
                format!("unit {} belongs to unknown case `{}`", u.id, u.case),
            );
        }
        let letter = u.id.strip_prefix(u.case.as_str()).unwrap_or("");
        if letter.len() != 1 || !letter.chars().all(|c| c.is_ascii_lowercase()) {
            l.report(
                file,
                format!("unit {} is not case {} plus a letter", u.id, u.case),
            );
        }
        for r in &u.informed_by {
            if !all_ids.contains(r.as_str()) || r == &u.id || r == &u.case {
                l.report(
                    file,
                    format!("unit {} is informed by unknown or own unit `{r}`", u.id),
                );
            }
        }
        for r in &u.refs {
            if !all_ids.contains(r.as_str()) {
                l.report(
                    file,
                    format!("unit {} refers to unknown unit or case `{r}`", u.id),
                );
            }
        }
        for t in &u.ixit {
            if !ixit_ok(t) {
                l.report(file, format!("unit {} uses unknown IXIT table `{t}`", u.id));
            }
        }
    }
    l.unique(
        file,
        "changed group",
        spec.changes.iter().map(|c| c.group.as_str()),
    );
    for c in &spec.changes {
        if catalog.provision(edition, &c.group).is_none() {
            l.report(
                file,
                format!(
                    "changed group {} is not a provision of the edition",
                    c.group
                ),
            );
        }
        if spec.groups.iter().any(|g| g.provision == c.group) {
            l.report(
                file,
                format!(
                    "changed group {} has its own group here; [[changed]] is for carried-over groups",
                    c.group
                ),
            );
        }
        if catalog
            .group(edition, &c.group)
            .is_none_or(|(_, _, carried)| !carried)
        {
            l.report(
                file,
                format!("changed group {} is not carried over", c.group),
            );
        }
    }
}

/// Longest checklist item, in characters: a checklist is short.
const MAX_CHECKLIST_ITEM: usize = 240;
/// Most items in one checklist.
const MAX_CHECKLIST_ITEMS: usize = 6;

/// The IXIT needs, typed decisions and checklists of every unit in the
/// edition's test plan (carried-over units included), against the IXIT
/// tables of the TS edition that assesses it.
fn lint_unit_evidence(l: &mut Linter, catalog: &Catalog, edition: Edition) {
    let version = edition.version();
    for p in catalog.provisions(edition) {
        for c in catalog.cases(edition, &p.id) {
            let file = format!("{}.toml", c.spec.id);
            let file = file.as_str();
            check_list(l, file, &c.case.id, &c.case.checklist);
            for u in catalog.units(&c) {
                check_list(l, file, &u.id, &u.checklist);
                let in_unit_tables = |t: &str| {
                    u.ixit
                        .iter()
                        .any(|x| catalog.ixit_table(x).is_some_and(|y| y.is_named(t)))
                };
                for need in catalog.needs(&c, u) {
                    let Some(n) = IxitNeed::parse(need) else {
                        l.report(
                            file,
                            format!("unit {}: need `{need}` is not TABLE, TABLE.FIELD or TABLE[FIELD=VALUE].FIELD", u.id),
                        );
                        continue;
                    };
                    if !in_unit_tables(n.table) {
                        l.report(
                            file,
                            format!(
                                "unit {}: need `{need}` names a table the unit does not use",
                                u.id
                            ),
                        );
                        continue;
                    }
                    if let Some(f) = n.field
                        && catalog.ixit_field(edition, n.table, f).is_none()
                    {
                        l.report(
                            file,
                            format!("unit {}: need `{need}`: {} has no field `{f}` for EN 303 645 V{version}", u.id, n.table),
                        );
                    }
                    if let Some(filter) = n.filter {
                        match catalog.ixit_field(edition, n.table, filter.field) {
                            None => l.report(
                                file,
                                format!("unit {}: need `{need}`: {} has no field `{}` for EN 303 645 V{version}", u.id, n.table, filter.field),
                            ),
                            Some((_, f)) => {
                                let ok = match (filter.op, f.value) {
                                    (FilterOp::Equals, Some(ValueKind::YesNo)) => {
                                        matches!(filter.value, "yes" | "no")
                                    }
                                    (FilterOp::Equals, Some(ValueKind::Enum)) => {
                                        f.values.iter().any(|v| v == filter.value)
                                    }
                                    (FilterOp::Contains, None) => f.refs.is_none(),
                                    _ => false,
                                };
                                if !ok {
                                    l.report(
                                        file,
                                        format!("unit {}: need `{need}`: `=` compares a yes/no or enumerated answer with one of its values, `~` searches a text field", u.id),
                                    );
                                }
                            }
                        }
                    }
                }
                if let Some(d) = &u.decides {
                    let typed = IxitNeed::parse(d)
                        .filter(|n| n.filter.is_none())
                        .and_then(|n| {
                            let f = n.field?;
                            let (t, field) = catalog.ixit_field(edition, n.table, f)?;
                            Some(
                                in_unit_tables(n.table)
                                    && t.records == Records::Single
                                    && field.value == Some(ValueKind::YesNo),
                            )
                        });
                    if typed != Some(true) {
                        l.report(
                            file,
                            format!("unit {}: `decides = \"{d}\"` must name a yes/no field of a single-record table the unit uses", u.id),
                        );
                    }
                }
                if catalog.needs_person(edition, &c, u) && catalog.checklist(&c, u).is_empty() {
                    l.report(
                        file,
                        format!(
                            "unit {} needs a person but neither it nor its case has a checklist",
                            u.id
                        ),
                    );
                }
                if u.kind == UnitKind::Conceptual
                    && catalog.needs_person(edition, &c, u)
                    && catalog.needs(&c, u).is_empty()
                {
                    l.report(
                        file,
                        format!(
                            "conceptual unit {} reads nothing from the IXIT (no `needs`)",
                            u.id
                        ),
                    );
                }
            }
        }
    }
}

fn check_list(l: &mut Linter, file: &str, id: &str, list: &[String]) {
    if list.len() > MAX_CHECKLIST_ITEMS {
        l.report(
            file,
            format!(
                "{id}: a checklist has at most {MAX_CHECKLIST_ITEMS} items, found {}",
                list.len()
            ),
        );
    }
    for item in list {
        let n = item.chars().count();
        if item.trim().is_empty() || n > MAX_CHECKLIST_ITEM {
            l.report(
                file,
                format!("{id}: checklist items are short sentences (1 to {MAX_CHECKLIST_ITEM} characters), found {n}"),
            );
        }
    }
}

fn lint_migration(l: &mut Linter, catalog: &Catalog) {
    let m = catalog.migration();
    let file = "migration-v2.1.1-to-v3.1.3.toml";
    if m.migration.from != Edition::V2_1_1.standard_id()
        || m.migration.to != Edition::V3_1_3.standard_id()
    {
        l.report(
            file,
            "must map en303645-v2.1.1 to en303645-v3.1.3".to_owned(),
        );
    }
    let mut mapped: BTreeMap<&str, usize> = BTreeMap::new();
    let mut reached = BTreeSet::new();
    for map in &m.maps {
        *mapped.entry(map.from.as_str()).or_default() += 1;
        if catalog.provision(Edition::V2_1_1, &map.from).is_none() {
            l.report(
                file,
                format!("maps unknown V2.1.1 provision `{}`", map.from),
            );
        }
        if map.to.is_empty() {
            l.report(file, format!("{} maps to nothing", map.from));
        }
        for t in &map.to {
            reached.insert(t.as_str());
            if catalog.provision(Edition::V3_1_3, t).is_none() {
                l.report(
                    file,
                    format!("{} maps to unknown V3.1.3 provision `{t}`", map.from),
                );
            }
        }
    }
    for n in &m.new {
        reached.insert(n.id.as_str());
        if catalog.provision(Edition::V3_1_3, &n.id).is_none() {
            l.report(file, format!("new provision `{}` is not in V3.1.3", n.id));
        }
    }
    for p in catalog.provisions(Edition::V2_1_1) {
        match mapped.get(p.id.as_str()) {
            Some(1) => {}
            Some(n) => l.report(file, format!("{} is mapped {n} times", p.id)),
            None => l.report(file, format!("{} is not mapped", p.id)),
        }
    }
    for p in catalog.provisions(Edition::V3_1_3) {
        if !reached.contains(p.id.as_str()) {
            l.report(
                file,
                format!("V3.1.3 provision {} has no ancestor and is not new", p.id),
            );
        }
    }
}

fn lint_ixit(l: &mut Linter, catalog: &Catalog) {
    let file = "ixit.toml";
    let tables = catalog.ixit_tables();
    let numbers: Vec<u32> = tables.iter().map(|t| t.number).collect();
    if numbers != (1..=29).collect::<Vec<u32>>() {
        l.report(
            file,
            format!("tables must be numbered 1 to 29 in order, found {numbers:?}"),
        );
    }
    l.unique(file, "table", tables.iter().map(|t| t.id.as_str()));
    l.unique(
        file,
        "table (V2.1.1 name)",
        tables.iter().map(|t| t.id_v2.as_str()),
    );
    for t in tables {
        for name in [&t.id, &t.id_v2] {
            if !name.starts_with(&format!("{}-", t.number)) {
                l.report(
                    file,
                    format!(
                        "table name `{name}` does not start with its number {}",
                        t.number
                    ),
                );
            }
        }
        l.unique(
            &format!("{file} table {}", t.id),
            "field",
            t.fields.iter().map(|f| f.key.as_str()),
        );
        let has_id = t.fields.iter().any(|f| f.key == "id");
        if (t.records == Records::Many) != has_id {
            l.report(
                file,
                format!(
                    "table {}: tables with many records need an `id` field, single records none",
                    t.id
                ),
            );
        }
        for f in &t.fields {
            if f.editions.is_empty() || f.editions.iter().any(|e| e != "v1.1.1" && e != "v2.1.1") {
                l.report(
                    file,
                    format!("field {}.{} has bad editions {:?}", t.id, f.key, f.editions),
                );
            }
            let snake = f
                .key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !snake {
                l.report(
                    file,
                    format!("field key {}.{} is not snake_case", t.id, f.key),
                );
            }
            let typed = f.value == Some(ValueKind::Enum);
            if typed == f.values.is_empty() {
                l.report(
                    file,
                    format!(
                        "field {}.{}: `values` belong to enumerations (value = \"enum\") and only to them",
                        t.id, f.key
                    ),
                );
            }
            for a in &f.aliases {
                if a == &f.key
                    || t.fields
                        .iter()
                        .any(|o| &o.key == a && o.editions == f.editions)
                {
                    l.report(
                        file,
                        format!(
                            "field {}.{}: alias `{a}` is the key of a field of the same editions",
                            t.id, f.key
                        ),
                    );
                }
            }
            if let Some(r) = &f.refs
                && catalog.ixit_table(r).is_none()
            {
                l.report(
                    file,
                    format!("field {}.{} refers to unknown table `{r}`", t.id, f.key),
                );
            }
        }
    }
}

fn lint_mappings(l: &mut Linter, catalog: &Catalog) {
    l.unique(
        "mappings/",
        "scheme",
        catalog.mappings().iter().map(|m| m.scheme.id.as_str()),
    );
    for m in catalog.mappings() {
        let file = format!("mappings/{}.toml", m.scheme.id);
        let file = file.as_str();
        l.unique(
            file,
            "requirement",
            m.requirements.iter().map(|r| r.id.as_str()),
        );
        let editions: Vec<Edition> = if m.scheme.standard == "any" {
            Edition::ALL.to_vec()
        } else {
            match Edition::parse(&m.scheme.standard) {
                Some(e) => vec![e],
                None => {
                    l.report(file, format!("unknown standard `{}`", m.scheme.standard));
                    continue;
                }
            }
        };
        for link in &m.links {
            if link.requirements.is_empty() || link.provisions.is_empty() {
                l.report(file, "a link needs requirements and provisions".to_owned());
            }
            for r in &link.requirements {
                if !m.requirements.iter().any(|x| &x.id == r) {
                    l.report(file, format!("link names unknown requirement `{r}`"));
                }
            }
            for p in &link.provisions {
                if !editions.iter().any(|e| catalog.provision(*e, p).is_some()) {
                    l.report(file, format!("link names unknown provision `{p}`"));
                }
            }
        }
    }
}
