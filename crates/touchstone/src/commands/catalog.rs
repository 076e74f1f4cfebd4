//! `touchstone catalog ...`: browse the embedded catalogue.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::json;
use touchstone_catalog::{CaseRef, Catalog, Edition, Provision, TestUnit, lint};
use touchstone_core::text::nearest;

use crate::cli::{CatalogArgs, CatalogCommand, Format};
use crate::output::Ui;

fn methods(p: &Provision) -> String {
    p.assess
        .iter()
        .map(|m| {
            serde_json::to_value(m)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A unit as JSON with what it takes from its case: the IXIT it needs, its
/// checklist, and whether a person decides it.
fn unit_json(
    catalog: &Catalog,
    edition: Edition,
    c: &CaseRef<'_>,
    u: &TestUnit,
) -> serde_json::Value {
    let mut v = serde_json::to_value(u).unwrap_or_default();
    if let Some(map) = v.as_object_mut() {
        map.insert("needs".into(), json!(catalog.needs(c, u)));
        map.insert("checklist".into(), json!(catalog.checklist(c, u)));
        map.insert(
            "needs_person".into(),
            json!(catalog.needs_person(edition, c, u)),
        );
    }
    v
}

fn units_json(catalog: &Catalog, edition: Edition, c: &CaseRef<'_>) -> Vec<serde_json::Value> {
    catalog
        .units(c)
        .into_iter()
        .map(|u| unit_json(catalog, edition, c, u))
        .collect()
}

/// What the engine reads for a unit and what a person examines, as text lines.
fn unit_text(
    catalog: &Catalog,
    edition: Edition,
    c: &CaseRef<'_>,
    u: &TestUnit,
    indent: &str,
) -> String {
    let mut out = String::new();
    let needs = catalog.needs(c, u);
    if !needs.is_empty() {
        let _ = writeln!(out, "{indent}reads from the IXIT: {}", needs.join(", "));
    }
    if let Some(d) = &u.decides {
        let _ = writeln!(
            out,
            "{indent}decided by the typed IXIT answer {d} (yes: PASS, no: FAIL)"
        );
    }
    if catalog.is_reporting(edition, c) {
        let _ = writeln!(out, "{indent}decided from the ICS");
    }
    if !u.informed_by.is_empty() {
        let _ = writeln!(out, "{indent}informed by {}", u.informed_by.join(", "));
    }
    let list = catalog.checklist(c, u);
    if catalog.needs_person(edition, c, u) && !list.is_empty() {
        let _ = writeln!(out, "{indent}checklist:");
        for (i, item) in list.iter().enumerate() {
            let _ = writeln!(out, "{indent}  {}. {item}", i + 1);
        }
    }
    out
}

pub(crate) fn run(args: &CatalogArgs, ui: &Ui) -> Result<ExitCode> {
    let catalog = super::catalog()?;
    let edition = super::edition(&args.standard)?;
    let json_out = args.format == Format::Json;
    let text = match &args.what {
        CatalogCommand::Provisions { category } => {
            let list: Vec<&Provision> = catalog
                .provisions(edition)
                .iter()
                .filter(|p| category.as_ref().is_none_or(|c| &p.category == c))
                .collect();
            if category.is_some() && list.is_empty() {
                let cats = catalog
                    .standard(edition)
                    .categories
                    .iter()
                    .map(|c| c.id.as_str());
                let hint = category
                    .as_deref()
                    .and_then(|c| nearest(c, cats))
                    .map(|n| format!("\n  hint: did you mean `{n}`?"))
                    .unwrap_or_default();
                bail!(
                    "{edition} has no category `{}`{hint}",
                    category.as_deref().unwrap_or("")
                );
            }
            if json_out {
                super::to_json(&json!({"standard": edition.version(), "provisions": list}))?
            } else {
                let mut out = format!("{edition}: {} provisions\n", list.len());
                for p in list {
                    let _ = writeln!(
                        out,
                        "{:<8} {:<14} {:<44} {}",
                        p.id,
                        p.status(),
                        p.title,
                        methods(p)
                    );
                }
                out
            }
        }
        CatalogCommand::Conditions => {
            let s = catalog.standard(edition);
            if json_out {
                super::to_json(
                    &json!({"standard": edition.version(), "conditions": s.conditions, "features": s.features}),
                )?
            } else {
                let mut out = format!("{edition}: conditions\n");
                for c in &s.conditions {
                    let _ = writeln!(
                        out,
                        "  {:>3}  {} [{}]",
                        c.number,
                        c.text,
                        c.confidence.as_str()
                    );
                }
                if !s.features.is_empty() {
                    out.push_str("features\n");
                    for f in &s.features {
                        let _ = writeln!(
                            out,
                            "  {:>3}  {} [{}]",
                            f.letter,
                            f.text,
                            f.confidence.as_str()
                        );
                    }
                }
                out
            }
        }
        CatalogCommand::Cases { provision } => {
            cases(catalog, edition, provision.as_deref(), json_out)?
        }
        CatalogCommand::Ixit { table } => ixit(catalog, edition, table.as_deref(), json_out)?,
        CatalogCommand::Mappings { scheme } => mappings(catalog, scheme.as_deref(), json_out)?,
        CatalogCommand::Migration => {
            let m = catalog.migration();
            if json_out {
                super::to_json(m)?
            } else {
                let mut out = String::from("EN 303 645 V2.1.1 -> V3.1.3\n");
                for map in &m.maps {
                    let change = serde_json::to_value(map.change)?
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    let _ = writeln!(
                        out,
                        "{:<8} -> {:<18} {:<15} {}",
                        map.from,
                        map.to.join(", "),
                        change,
                        map.note.as_deref().unwrap_or("")
                    );
                }
                for n in &m.new {
                    let _ = writeln!(
                        out,
                        "{:<8} -> {:<18} {:<15} {}",
                        "(new)",
                        n.id,
                        "new",
                        n.note.as_deref().unwrap_or("")
                    );
                }
                out
            }
        }
        CatalogCommand::Show { id } => show(catalog, edition, id, json_out)?,
        CatalogCommand::Oscal => {
            touchstone_report::oscal::catalog(catalog, edition, &crate::output::timestamp())
        }
        CatalogCommand::Lint => {
            let problems = lint(catalog);
            if json_out {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                ui.out(&super::to_json(&json!({"problems": list}))?)?;
            } else if problems.is_empty() {
                ui.out("catalogue is consistent\n")?;
            } else {
                for p in &problems {
                    ui.err_line(&p.to_string());
                }
            }
            return Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            });
        }
    };
    ui.out(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn cases(
    catalog: &Catalog,
    edition: Edition,
    provision: Option<&str>,
    json_out: bool,
) -> Result<String> {
    if let Some(p) = provision
        && catalog.provision(edition, p).is_none()
    {
        return Err(unknown(catalog, edition, p));
    }
    let mut rows = Vec::new();
    for p in catalog.provisions(edition) {
        if provision.is_some_and(|x| x != p.id) {
            continue;
        }
        for c in catalog.cases(edition, &p.id) {
            let units: Vec<_> = catalog.units(&c).into_iter().cloned().collect();
            rows.push((p.id.clone(), c, units));
        }
    }
    if json_out {
        let list: Vec<_> = rows
            .iter()
            .map(|(p, c, units)| {
                json!({"provision": p, "id": c.case.id, "kind": c.case.kind, "purpose": c.case.purpose,
                       "spec": c.spec.id, "carried_over": c.carried_over, "confidence": c.case.confidence, "units": units})
            })
            .collect();
        return super::to_json(&json!({"standard": edition.version(), "test_cases": list}));
    }
    let spec = &catalog.spec(edition).spec;
    let mut out = format!(
        "{} V{} for {edition}: {} test cases\n",
        spec.name,
        spec.version,
        rows.len()
    );
    for (_, c, units) in &rows {
        let _ = writeln!(
            out,
            "{:<10} {:<11} {:>2} units  {}{}",
            c.case.id,
            c.case.kind.as_str(),
            units.len(),
            c.case.purpose,
            if c.carried_over {
                " (carried over from V1.1.1)"
            } else {
                ""
            }
        );
    }
    Ok(out)
}

fn ixit(
    catalog: &Catalog,
    edition: Edition,
    table: Option<&str>,
    json_out: bool,
) -> Result<String> {
    let Some(name) = table else {
        if json_out {
            return super::to_json(&json!({"tables": catalog.ixit_tables()}));
        }
        let mut out = String::new();
        for t in catalog.ixit_tables() {
            let _ = writeln!(
                out,
                "{:<16} {:<50} {:>2} fields  {}",
                t.name_for(edition),
                t.title,
                t.fields_for(edition).count(),
                if t.id != t.id_v2 {
                    format!("(V1.1.1 {}, V2.1.1 {})", t.id, t.id_v2)
                } else {
                    String::new()
                }
            );
        }
        return Ok(out);
    };
    let Some(t) = catalog.ixit_table(name) else {
        let names = catalog.ixit_tables().iter().map(|t| t.name_for(edition));
        let hint = nearest(name, names)
            .map(|n| format!("did you mean `{n}`?"))
            .unwrap_or_else(|| "`touchstone catalog ixit` lists the tables".to_owned());
        bail!("unknown IXIT table `{name}`\n  hint: {hint}");
    };
    if json_out {
        return super::to_json(t);
    }
    let mut out = format!(
        "{} ({}): {}\n{}\nrecords: {}\n",
        t.name_for(edition),
        if t.id != t.id_v2 {
            format!("V1.1.1 {}, V2.1.1 {}", t.id, t.id_v2)
        } else {
            t.id.clone()
        },
        t.title,
        t.describes,
        match t.records {
            touchstone_catalog::Records::Many => "many entries, each with an id",
            touchstone_catalog::Records::Single => "one record",
        }
    );
    for f in t.fields_for(edition) {
        let _ = writeln!(
            out,
            "  {:<36} {:<36} {}",
            f.key,
            f.name,
            f.refs
                .as_deref()
                .map(|r| format!("-> {}", catalog.ixit_name(edition, r)))
                .unwrap_or_default()
        );
    }
    Ok(out)
}

fn mappings(catalog: &Catalog, scheme: Option<&str>, json_out: bool) -> Result<String> {
    let files: Vec<_> = catalog
        .mappings()
        .iter()
        .filter(|m| scheme.is_none_or(|s| s == m.scheme.id))
        .collect();
    if files.is_empty() {
        let ids = catalog.mappings().iter().map(|m| m.scheme.id.as_str());
        let list: Vec<&str> = catalog
            .mappings()
            .iter()
            .map(|m| m.scheme.id.as_str())
            .collect();
        let hint = scheme
            .and_then(|s| nearest(s, ids))
            .map(|n| format!("did you mean `{n}`?"))
            .unwrap_or_else(|| format!("the schemes are {}", list.join(", ")));
        bail!("unknown scheme `{}`\n  hint: {hint}", scheme.unwrap_or(""));
    }
    if json_out {
        return super::to_json(&files);
    }
    let mut out = String::new();
    for m in files {
        let basis = |b: touchstone_catalog::Basis| match b {
            touchstone_catalog::Basis::Official => "official",
            touchstone_catalog::Basis::Indicative => "indicative",
        };
        let _ = writeln!(
            out,
            "{} — {} (provision ids of {}, {} by default)",
            m.scheme.id,
            m.scheme.name,
            m.scheme.standard,
            basis(m.scheme.basis)
        );
        for r in &m.requirements {
            let provisions: Vec<&str> = m
                .links
                .iter()
                .filter(|l| l.requirements.contains(&r.id))
                .flat_map(|l| l.provisions.iter().map(String::as_str))
                .collect();
            let bases: Vec<&str> = m
                .links
                .iter()
                .filter(|l| l.requirements.contains(&r.id))
                .map(|l| basis(l.basis))
                .collect();
            let _ = writeln!(
                out,
                "  {:<12} {:<48} {} {}",
                r.id,
                r.title,
                if provisions.is_empty() {
                    "—".to_owned()
                } else {
                    provisions.join(", ")
                },
                if bases.contains(&"official") {
                    "(official)"
                } else {
                    ""
                }
            );
        }
        out.push('\n');
    }
    Ok(out)
}

fn unknown(catalog: &Catalog, edition: Edition, id: &str) -> anyhow::Error {
    let mut ids: Vec<String> = catalog
        .provisions(edition)
        .iter()
        .map(|p| p.id.clone())
        .collect();
    for p in catalog.provisions(edition) {
        for c in catalog.cases(edition, &p.id) {
            ids.push(c.case.id.clone());
            ids.extend(catalog.units(&c).iter().map(|u| u.id.clone()));
        }
    }
    let void = catalog.standard(edition).voids.iter().find(|v| v.id == id);
    let hint = if let Some(v) = void {
        format!(
            "{id} is void in {edition}; see {}",
            v.replaced_by.join(", ")
        )
    } else if let Some(n) = nearest(id, ids.iter().map(String::as_str)) {
        format!("did you mean `{n}`?")
    } else {
        "`touchstone catalog provisions` lists the ids".to_owned()
    };
    anyhow::anyhow!("{edition} has no provision, test case or test unit `{id}`\n  hint: {hint}")
}

fn show(catalog: &Catalog, edition: Edition, id: &str, json_out: bool) -> Result<String> {
    if let Some(p) = catalog.provision(edition, id) {
        let cases = catalog.cases(edition, id);
        let maps = catalog.mappings_for(edition, id);
        if json_out {
            let cases: Vec<_> = cases
                .iter()
                .map(|c| json!({"id": c.case.id, "kind": c.case.kind, "purpose": c.case.purpose, "carried_over": c.carried_over, "units": units_json(catalog, edition, c)}))
                .collect();
            let maps: Vec<_> = maps
                .iter()
                .map(|m| json!({"scheme": m.scheme.id, "requirement": m.requirement.id, "title": m.requirement.title, "basis": m.link.basis}))
                .collect();
            return super::to_json(
                &json!({"standard": edition.version(), "provision": p, "status": p.status(), "test_cases": cases, "group_change": catalog.group_change(edition, id), "mappings": maps}),
            );
        }
        let mut out = format!(
            "{} {} [{}] — {edition}\n{}\n",
            p.id,
            p.title,
            p.status(),
            p.summary
        );
        let _ = writeln!(
            out,
            "category {}; assessed by {}; automation {:?}; confidence {}",
            p.category,
            methods(p),
            p.automation,
            p.confidence.as_str()
        );
        let standard = catalog.standard(edition);
        for c in &p.conditions {
            if let Some(x) = standard.conditions.iter().find(|x| x.number == *c) {
                let _ = writeln!(out, "applies when condition {c} holds: {}", x.text);
            }
        }
        for f in &p.features {
            if let Some(x) = standard.features.iter().find(|x| &x.letter == f) {
                let _ = writeln!(out, "applies when feature {f} is present: {}", x.text);
            }
        }
        if let Some(change) = catalog.group_change(edition, id) {
            let _ = writeln!(
                out,
                "known to differ in the current TS edition ({}, {}): {}",
                change.change.as_str(),
                change.confidence.as_str(),
                change.note
            );
        }
        for c in &cases {
            let _ = writeln!(
                out,
                "\n  {} ({}){}: {}",
                c.case.id,
                c.case.kind.as_str(),
                if c.carried_over {
                    " carried over from V1.1.1"
                } else {
                    ""
                },
                c.case.purpose
            );
            for u in catalog.units(c) {
                let _ = writeln!(
                    out,
                    "    {:<12} IXIT {:<28} {}{}",
                    u.id,
                    u.ixit
                        .iter()
                        .map(|t| catalog.ixit_name(edition, t))
                        .collect::<Vec<_>>()
                        .join(", "),
                    u.focus.as_deref().unwrap_or(""),
                    if u.refs.is_empty() {
                        String::new()
                    } else {
                        format!(" (reuses {})", u.refs.join(", "))
                    }
                );
                out.push_str(&unit_text(catalog, edition, c, u, "                 "));
            }
        }
        if !maps.is_empty() {
            out.push_str("\nmaps to:\n");
            for m in maps {
                let _ = writeln!(
                    out,
                    "  {} {} {} ({:?})",
                    m.scheme.id, m.requirement.id, m.requirement.title, m.link.basis
                );
            }
        }
        return Ok(out);
    }
    for p in catalog.provisions(edition) {
        for c in catalog.cases(edition, &p.id) {
            let units = catalog.units(&c);
            if c.case.id == id {
                if json_out {
                    return super::to_json(
                        &json!({"provision": p.id, "test_case": c.case, "carried_over": c.carried_over, "units": units_json(catalog, edition, &c)}),
                    );
                }
                let mut out = format!(
                    "{} ({}) of provision {}: {}\n",
                    c.case.id,
                    c.case.kind.as_str(),
                    p.id,
                    c.case.purpose
                );
                for u in units {
                    let _ = writeln!(out, "  {} {}", u.id, u.focus.as_deref().unwrap_or(""));
                    out.push_str(&unit_text(catalog, edition, &c, u, "    "));
                }
                return Ok(out);
            }
            if let Some(u) = units.iter().find(|u| u.id == id) {
                if json_out {
                    return super::to_json(
                        &json!({"provision": p.id, "test_case": c.case.id, "unit": unit_json(catalog, edition, &c, u)}),
                    );
                }
                return Ok(format!(
                    "{} ({:?}) of test case {} / provision {}\nIXIT: {}\n{}{}\n{}",
                    u.id,
                    u.kind,
                    c.case.id,
                    p.id,
                    u.ixit
                        .iter()
                        .map(|t| catalog.ixit_name(edition, t))
                        .collect::<Vec<_>>()
                        .join(", "),
                    u.focus.as_deref().unwrap_or("(no focus recorded)"),
                    if u.refs.is_empty() {
                        String::new()
                    } else {
                        format!("\nreuses {}", u.refs.join(", "))
                    },
                    unit_text(catalog, edition, &c, u, "")
                ));
            }
        }
    }
    Err(unknown(catalog, edition, id))
}
