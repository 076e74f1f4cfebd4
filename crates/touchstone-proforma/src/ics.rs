//! The ICS: Annex B table, metadata, condition and feature rationales.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use touchstone_catalog::{Catalog, Edition};
use touchstone_project::declared::{clean_id, normalize_key};
use touchstone_project::{IcsMeta, Project};

use crate::book::{At, Book, Section};
use crate::xlsx::Sheet;
use crate::{
    Action, ImportLog, Layout, Problem, attachments_cell, attachments_toml, markdown, quote,
    split_list,
};

const ICS_HEADER: [&str; 7] = [
    "Clause",
    "Status",
    "Support",
    "Detail",
    "IXIT",
    "Documents",
    "Attachments",
];

/// Metadata fields: (key in ics.toml, label written, other labels read).
const META: [(&str, &str, &[&str]); 6] = [
    (
        "ts_edition",
        "TS 103 701 edition",
        &[
            "ts_103_701_edition",
            "ts_edition",
            "edition_used",
            "ts_103_701",
        ],
    ),
    (
        "version",
        "Version",
        &["version", "ics_version", "document_version"],
    ),
    ("date", "Date", &["date", "ics_date"]),
    ("state", "State", &["state", "ics_state", "document_state"]),
    ("maker", "Maker", &["maker", "manufacturer"]),
    ("supplier", "Supplier", &["supplier", "submitted_by"]),
];

fn meta_pairs(m: &IcsMeta) -> Vec<(&'static str, &'static str, String)> {
    let values = [
        m.ts_edition.as_ref().map(|v| format!("V{v}")),
        m.version.clone(),
        m.date.clone(),
        m.state.clone(),
        m.maker.clone(),
        m.supplier.clone(),
    ];
    META.iter()
        .zip(values)
        .filter_map(|((k, label, _), v)| v.map(|v| (*k, *label, v)))
        .collect()
}

fn rows(project: &Project, catalog: &Catalog) -> Vec<Vec<String>> {
    catalog
        .provisions(project.edition)
        .iter()
        .map(|p| match project.ics.get(&p.id) {
            Some(a) => vec![
                p.id.clone(),
                a.claimed_status.clone().unwrap_or_default(),
                a.support.as_str().to_owned(),
                a.detail.clone(),
                a.ixit.join(", "),
                a.documents.join("\n"),
                attachments_cell(&a.attachments),
            ],
            // Not answered yet: exported with an empty support for the maker to fill.
            None => vec![
                p.id.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
        })
        .collect()
}

fn condition_rows(project: &Project, catalog: &Catalog) -> Vec<Vec<String>> {
    catalog
        .standard(project.edition)
        .conditions
        .iter()
        .map(|c| {
            vec![
                c.number.to_string(),
                c.text.clone(),
                project
                    .rationales
                    .conditions
                    .get(&c.number)
                    .cloned()
                    .unwrap_or_default(),
            ]
        })
        .collect()
}

fn feature_rows(project: &Project, catalog: &Catalog) -> Vec<Vec<String>> {
    catalog
        .standard(project.edition)
        .features
        .iter()
        .map(|f| {
            vec![
                f.letter.clone(),
                f.text.clone(),
                project
                    .rationales
                    .features
                    .get(&f.letter)
                    .cloned()
                    .unwrap_or_default(),
            ]
        })
        .collect()
}

pub(crate) fn export(
    layout: Layout,
    project: &Project,
    catalog: &Catalog,
) -> Result<Vec<u8>, String> {
    let has_features = !catalog.standard(project.edition).features.is_empty();
    match layout {
        Layout::Csv => crate::csvfmt::write(&ICS_HEADER, &rows(project, catalog)),
        Layout::Md => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "# Implementation Conformance Statement\n\n{}\n",
                markdown::cell(&format!(
                    "{} {}, {} (firmware {})",
                    project.device.maker,
                    project.device.model,
                    project.edition,
                    project.device.firmware_version
                ))
            );
            let _ = writeln!(out, "## Metadata\n");
            for (_, label, v) in meta_pairs(&project.ics_meta) {
                let _ = writeln!(out, "{label}: {}", markdown::cell(&v));
            }
            let _ = writeln!(out, "\n## Conditions\n");
            markdown::table(
                &mut out,
                &["Condition", "Text", "Rationale"],
                &condition_rows(project, catalog),
            );
            if has_features {
                let _ = writeln!(out, "\n## Features\n");
                markdown::table(
                    &mut out,
                    &["Feature", "Text", "Rationale"],
                    &feature_rows(project, catalog),
                );
            }
            let _ = writeln!(out, "\n## ICS\n");
            markdown::table(&mut out, &ICS_HEADER, &rows(project, catalog));
            Ok(out.into_bytes())
        }
        Layout::Xlsx => {
            let mut sheets = vec![Sheet {
                name: "Metadata",
                header: vec!["Field".into(), "Value".into()],
                rows: meta_pairs(&project.ics_meta)
                    .into_iter()
                    .map(|(_, l, v)| vec![l.to_owned(), v])
                    .collect(),
            }];
            sheets.push(Sheet {
                name: "Conditions",
                header: vec!["Condition".into(), "Text".into(), "Rationale".into()],
                rows: condition_rows(project, catalog),
            });
            if has_features {
                sheets.push(Sheet {
                    name: "Features",
                    header: vec!["Feature".into(), "Text".into(), "Rationale".into()],
                    rows: feature_rows(project, catalog),
                });
            }
            sheets.push(Sheet {
                name: "ICS",
                header: ICS_HEADER.iter().map(|s| (*s).to_owned()).collect(),
                rows: rows(project, catalog),
            });
            crate::xlsx::write(&sheets)
        }
    }
}

/// Words of a text for matching by meaning rather than by letter.
fn words(s: &str) -> BTreeSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(str::to_lowercase)
        .collect()
}

/// Jaccard similarity of two texts' words.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (words(a), words(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

fn support(cell: &str) -> Option<&'static str> {
    match normalize_key(cell).as_str() {
        "y" | "yes" | "supported" | "true" => Some("Y"),
        "n" | "no" | "not_supported" | "false" => Some("N"),
        "n_a" | "na" | "not_applicable" => Some("N/A"),
        _ => None,
    }
}

/// A provision id in a clause cell: `5.1-1`, `Provision 5.1-1`, `5.1-1 Unique passwords`.
fn provision_id(cell: &str) -> &str {
    let t = clean_id(cell);
    let t = t
        .strip_prefix("Provision")
        .or_else(|| t.strip_prefix("provision"))
        .unwrap_or(t)
        .trim();
    clean_id(t.split(char::is_whitespace).next().unwrap_or(""))
}

struct Rationale {
    key: String,
    text: String,
}

/// Read a condition or feature table, matching each row to the catalogue by
/// its text where it has one (drafts letter and number them differently).
fn rationales(
    section: &Section,
    features: bool,
    catalog: &Catalog,
    edition: Edition,
    log: &mut ImportLog,
) -> (Vec<Rationale>, BTreeMap<String, String>) {
    let standard = catalog.standard(edition);
    let known: Vec<(String, &str)> = if features {
        standard
            .features
            .iter()
            .map(|f| (f.letter.clone(), f.text.as_str()))
            .collect()
    } else {
        standard
            .conditions
            .iter()
            .map(|c| (c.number.to_string(), c.text.as_str()))
            .collect()
    };
    let what = if features { "feature" } else { "condition" };
    let key_col = section.column(&[what, "letter", "number", "id"]);
    let text_col = section.column(&["text", "description", "title"]);
    let why_col = section.column(&["rationale", "justification", "reason", "detail"]);
    let mut out = Vec::new();
    let mut renamed = BTreeMap::new();
    for row in &section.rows {
        let written = clean_id(row.get(key_col)).to_owned();
        let text = row.get(text_col);
        let why = row.get(why_col);
        let by_text = (!text.is_empty())
            .then(|| {
                known
                    .iter()
                    .map(|(k, t)| (k, similarity(text, t)))
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .filter(|(_, s)| *s >= 0.5)
            })
            .flatten();
        let key = match by_text {
            Some((k, s)) => {
                if *k != written {
                    log.add(
                        Action::Renamed,
                        Some(&row.at),
                        format!("{what} `{written}` (\"{text}\") is {what} {k} of {edition}, matched by its text"),
                    );
                    if !written.is_empty() {
                        renamed.insert(written.clone(), k.clone());
                    }
                } else if s < 1.0 {
                    log.add(
                        Action::Guessed,
                        Some(&row.at),
                        format!("{what} {k} matched by its text (\"{text}\"), worded differently from the catalogue"),
                    );
                }
                k.clone()
            }
            None if known.iter().any(|(k, _)| *k == written) => {
                if !text.is_empty() {
                    log.add(
                        Action::Guessed,
                        Some(&row.at),
                        format!("{what} `{written}`: its text (\"{text}\") matches no {what} of {edition}; taken by its {}", if features { "letter" } else { "number" }),
                    );
                }
                written.clone()
            }
            None => {
                if !why.is_empty() {
                    log.add(
                        Action::Dropped,
                        Some(&row.at),
                        format!("rationale for unknown {what} `{written}` (\"{text}\")"),
                    );
                }
                continue;
            }
        };
        if !why.is_empty() {
            out.push(Rationale {
                key,
                text: why.to_owned(),
            });
        }
    }
    (out, renamed)
}

pub(crate) fn import(
    book: &Book,
    catalog: &Catalog,
    edition: Edition,
    base: Option<&Project>,
    log: &mut ImportLog,
) -> Result<String, Vec<Problem>> {
    let mut problems = Vec::new();
    let is_ics = |s: &&Section| s.column(&["support"]).is_some();
    let Some(section) = book.sections.iter().find(is_ics) else {
        let at = book.sections.first().map_or_else(
            || At {
                file: String::new(),
                sheet: None,
                row: 1,
                column: None,
                line: false,
            },
            |s| s.at.clone(),
        );
        return Err(vec![Problem::new(
            at,
            "expected an ICS table with the columns Clause and Support (and Status, Detail, IXIT)"
                .to_owned(),
        )]);
    };
    // Metadata: a Metadata sheet, or `Field: value` lines (Markdown).
    let mut meta: BTreeMap<&str, (String, At)> = BTreeMap::new();
    let mut meta_lines: Vec<(String, String, At)> = Vec::new();
    if let Some(m) = book
        .sections
        .iter()
        .find(|s| normalize_key(&s.name) == "metadata")
    {
        let (f, v) = (m.column(&["field", "name", "key"]), m.column(&["value"]));
        for r in &m.rows {
            meta_lines.push((r.get(f).to_owned(), r.get(v).to_owned(), r.at.clone()));
        }
    }
    for (_, line) in &book.lines {
        if line.heading == 0
            && let Some((f, v)) = line.text.split_once(':')
        {
            meta_lines.push((f.trim().to_owned(), v.trim().to_owned(), line.at.clone()));
        }
    }
    for (field, value, at) in meta_lines {
        let k = normalize_key(&field);
        match META.iter().find(|(_, _, names)| names.contains(&k.as_str())) {
            Some((key, _, _)) if !value.is_empty() => {
                log.add(Action::Mapped, Some(&at), format!("metadata {key} = \"{value}\""));
                meta.insert(key, (value, at));
            }
            Some(_) => {}
            None => log.add(
                Action::Dropped,
                Some(&at),
                format!("`{field}: {value}` is not ICS metadata Touchstone knows (TS 103 701 edition, version, date, state, maker, supplier)"),
            ),
        }
    }
    for s in &book.sections {
        let used = std::ptr::eq(s, section)
            || normalize_key(&s.name) == "metadata"
            || s.column(&["condition"]).is_some()
            || s.column(&["feature"]).is_some();
        if !used {
            log.add(
                Action::Dropped,
                Some(&s.at),
                format!(
                    "table `{}` ({} row(s)) is not part of the ICS Touchstone reads",
                    s.name,
                    s.rows.len()
                ),
            );
        }
    }
    let mut features_renamed = BTreeMap::new();
    let mut conditions = Vec::new();
    let mut features = Vec::new();
    let mut saw_conditions = false;
    let mut saw_features = false;
    for s in &book.sections {
        if s.column(&["condition"]).is_some() {
            saw_conditions = true;
            conditions.extend(rationales(s, false, catalog, edition, log).0);
        } else if s.column(&["feature"]).is_some() {
            saw_features = true;
            let (r, renamed) = rationales(s, true, catalog, edition, log);
            features.extend(r);
            features_renamed.extend(renamed);
        }
    }
    let cols = [
        (
            "clause",
            section.column(&[
                "clause",
                "reference",
                "provision",
                "clause_number",
                "clause_number_and_title",
                "id",
            ]),
        ),
        ("status", section.column(&["status", "claimed_status"])),
        ("support", section.column(&["support"])),
        (
            "detail",
            section.column(&["detail", "detail_justification", "justification", "details"]),
        ),
        (
            "ixit",
            section.column(&[
                "ixit",
                "required_ixit_entries",
                "ixit_entries",
                "ixit_references",
            ]),
        ),
        (
            "documents",
            section.column(&["documents", "supporting_documents", "references"]),
        ),
        (
            "attachments",
            section.column(&["attachments", "attachment"]),
        ),
    ];
    let col = |name: &str| cols.iter().find(|(n, _)| *n == name).and_then(|(_, c)| *c);
    let Some(clause_col) = col("clause") else {
        return Err(vec![Problem::new(
            section.at.clone(),
            "expected a Clause (or Reference) column in the ICS table".to_owned(),
        )]);
    };
    for (i, h) in section.header.iter().enumerate() {
        if !cols.iter().any(|(_, c)| *c == Some(i)) && !h.trim().is_empty() {
            log.add(
                Action::Dropped,
                Some(&section.at.col(h.clone())),
                format!("column `{h}` is not part of the ICS Touchstone keeps"),
            );
        }
    }
    let name = |c: Option<usize>| section.column_name(c.unwrap_or(0));
    let mut seen: BTreeMap<String, At> = BTreeMap::new();
    let mut rows: BTreeMap<String, String> = BTreeMap::new();
    for row in &section.rows {
        let clause = row.get(Some(clause_col));
        let id = provision_id(clause);
        let support_cell = row.get(col("support"));
        if catalog.provision(edition, id).is_none() {
            if support_cell.is_empty() {
                log.add(
                    Action::Dropped,
                    Some(&row.at),
                    format!("heading row `{clause}` (no support answer)"),
                );
            } else {
                problems.push(Problem::new(
                    row.at.col(name(Some(clause_col))),
                    format!("expected a provision id of {edition}, found `{clause}`"),
                ));
            }
            continue;
        }
        if let Some(first) = seen.get(id) {
            problems.push(Problem::new(
                row.at.col(name(Some(clause_col))),
                format!(
                    "expected each provision once, found {id} again (first at row or line {})",
                    first.row
                ),
            ));
            continue;
        }
        seen.insert(id.to_owned(), row.at.clone());
        // An empty support cell is a row still to be answered (as `init`
        // writes it): kept as a row without `support`, never dropped.
        let sup = if support_cell.trim().is_empty() {
            log.add(
                Action::Mapped,
                Some(&row.at),
                format!("{id}: not answered yet (no support)"),
            );
            None
        } else {
            let Some(sup) = support(support_cell) else {
                problems.push(Problem::new(
                    row.at.col(name(col("support"))),
                    format!("expected Y, N or N/A as the support of {id}, found `{support_cell}`"),
                ));
                continue;
            };
            if sup != support_cell {
                log.add(
                    Action::Renamed,
                    Some(&row.at),
                    format!("{id}: support `{support_cell}` read as `{sup}`"),
                );
            } else {
                log.add(Action::Mapped, Some(&row.at), format!("{id}: {sup}"));
            }
            Some(sup)
        };
        let mut t = String::new();
        let _ = writeln!(t, "\n[{}]", quote(id));
        if let Some(sup) = sup {
            let _ = writeln!(t, "support = {}", quote(sup));
        }
        // Columns the input lacks altogether keep the project's values.
        let old = base.and_then(|b| b.ics.get(id));
        let mut kept: Vec<&str> = Vec::new();
        let mut status = row.get(col("status")).to_owned();
        if col("status").is_none()
            && let Some(s) = old.and_then(|a| a.claimed_status.clone())
        {
            status = s;
            kept.push("status");
        }
        if !features_renamed.is_empty()
            && status.contains('(')
            && status.to_uppercase().contains('F')
        {
            let renamed = rename_letters(&status, &features_renamed);
            if renamed != status {
                log.add(Action::Renamed, Some(&row.at), format!("{id}: status `{status}` read as `{renamed}` (feature letters matched by text)"));
                status = renamed;
            }
        }
        if !status.is_empty() {
            let _ = writeln!(t, "status = {}", quote(&status));
        }
        let detail = row.get(col("detail"));
        if !detail.is_empty() {
            let _ = writeln!(t, "detail = {}", quote(detail));
        }
        let mut ixit = split_list(row.get(col("ixit")), true);
        if col("ixit").is_none()
            && let Some(a) = old.filter(|a| !a.ixit.is_empty())
        {
            ixit.clone_from(&a.ixit);
            kept.push("IXIT references");
        }
        if !ixit.is_empty() {
            let items: Vec<String> = ixit.iter().map(|s| quote(s)).collect();
            let _ = writeln!(t, "ixit = [{}]", items.join(", "));
        }
        let mut docs = split_list(row.get(col("documents")), false);
        if col("documents").is_none()
            && let Some(a) = old.filter(|a| !a.documents.is_empty())
        {
            docs.clone_from(&a.documents);
            kept.push("documents");
        }
        if !docs.is_empty() {
            let items: Vec<String> = docs.iter().map(|s| quote(s)).collect();
            let _ = writeln!(t, "documents = [{}]", items.join(", "));
        }
        let mut attachments = row.get(col("attachments")).to_owned();
        if col("attachments").is_none()
            && let Some(a) = old.filter(|a| !a.attachments.is_empty())
        {
            attachments = attachments_cell(&a.attachments);
            kept.push("attachments");
        }
        if !kept.is_empty() {
            log.add(
                Action::Kept,
                Some(&row.at),
                format!(
                    "{id}: {} from the project (the input has no such column)",
                    kept.join(", ")
                ),
            );
        }
        match attachments_toml(&attachments, &row.at.col(name(col("attachments")))) {
            Ok(a) if !a.is_empty() => {
                let _ = writeln!(t, "attachment = [{}]", a.join(", "));
            }
            Ok(_) => {}
            Err(p) => problems.push(p),
        }
        rows.insert(id.to_owned(), t);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = String::from("# ICS imported by `touchstone import ics`; see the import log.\n");
    // Metadata and rationales: from the input, else kept from the project.
    let base_meta = base.map(|p| p.ics_meta.clone()).unwrap_or_default();
    let mut meta_toml = String::new();
    for (key, _, _) in META {
        let kept = meta_pairs(&base_meta)
            .into_iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, v)| v);
        let value = match (meta.get(key), kept) {
            (Some((v, _)), _) => v.clone(),
            (None, Some(v)) => {
                log.add(
                    Action::Kept,
                    None,
                    format!("metadata {key} = \"{v}\" from the project"),
                );
                v
            }
            (None, None) => continue,
        };
        if key == "date"
            && touchstone_project::declared::parse_date(&value).is_some_and(|(_, n)| n.is_none())
        {
            let _ = writeln!(meta_toml, "{key} = {value}");
        } else if key == "state" {
            let _ = writeln!(meta_toml, "{key} = {}", quote(&value.to_lowercase()));
        } else {
            let _ = writeln!(meta_toml, "{key} = {}", quote(&value));
        }
    }
    if !meta_toml.is_empty() {
        let _ = write!(out, "\n[metadata]\n{meta_toml}");
    }
    let base_r = base.map(|p| p.rationales.clone()).unwrap_or_default();
    if !saw_conditions && !base_r.conditions.is_empty() {
        log.add(
            Action::Kept,
            None,
            format!(
                "{} condition rationale(s) from the project",
                base_r.conditions.len()
            ),
        );
        conditions = base_r
            .conditions
            .iter()
            .map(|(k, v)| Rationale {
                key: k.to_string(),
                text: v.clone(),
            })
            .collect();
    }
    if !saw_features && !base_r.features.is_empty() {
        log.add(
            Action::Kept,
            None,
            format!(
                "{} feature rationale(s) from the project",
                base_r.features.len()
            ),
        );
        features = base_r
            .features
            .iter()
            .map(|(k, v)| Rationale {
                key: k.clone(),
                text: v.clone(),
            })
            .collect();
    }
    if !conditions.is_empty() {
        out.push_str("\n[conditions]\n");
        for r in &conditions {
            let _ = writeln!(out, "{} = {}", quote(&r.key), quote(&r.text));
        }
    }
    if !features.is_empty() {
        out.push_str("\n[features]\n");
        for r in &features {
            let _ = writeln!(out, "{} = {}", quote(&r.key), quote(&r.text));
        }
    }
    for p in catalog.provisions(edition) {
        if let Some(t) = rows.get(&p.id) {
            out.push_str(t);
        }
    }
    Ok(out)
}

/// Replace feature letters inside the brackets of a status (`M F (x, y)`).
fn rename_letters(status: &str, map: &BTreeMap<String, String>) -> String {
    let Some((head, rest)) = status.split_once('(') else {
        return status.to_owned();
    };
    let Some((inner, tail)) = rest.split_once(')') else {
        return status.to_owned();
    };
    let letters: Vec<String> = inner
        .split(',')
        .map(|l| {
            let l = l.trim();
            map.get(l).cloned().unwrap_or_else(|| l.to_owned())
        })
        .collect();
    format!("{head}({}){tail}", letters.join(", "))
}
