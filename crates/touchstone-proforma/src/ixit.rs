//! The IXIT: tables of entries, single-record tables, table notes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use touchstone_catalog::{Catalog, Edition, IxitTable, Records};
use touchstone_project::declared::{clean_id, normalize_key};
use touchstone_project::{IxitEntry, Project};

use crate::book::{At, Book, Section};
use crate::ics::similarity;
use crate::xlsx::Sheet;
use crate::{Action, ImportLog, Layout, Problem, markdown, quote};

/// The catalogue's fields of an entry first (in catalogue order), then its
/// extensions, as (label, value).
fn labelled(
    entry: &IxitEntry,
    table: Option<&IxitTable>,
    edition: Edition,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(t) = table {
        for f in t.fields_for(edition).filter(|f| f.key != "id") {
            if let Some(v) = entry.fields.get(&f.key) {
                out.push((f.name.clone(), v.clone()));
            }
        }
    }
    for (k, v) in &entry.extensions {
        out.push((k.clone(), v.clone()));
    }
    out
}

/// Tables with entries or a note, in catalogue order.
fn tables<'a>(
    project: &'a Project,
    catalog: &'a Catalog,
) -> Vec<(&'a IxitTable, String, Vec<&'a IxitEntry>)> {
    catalog
        .ixit_tables()
        .iter()
        .map(|t| {
            let name = t.name_for(project.edition).to_owned();
            let entries: Vec<&IxitEntry> =
                project.ixit.iter().filter(|e| e.table == name).collect();
            (t, name, entries)
        })
        .filter(|(_, name, entries)| !entries.is_empty() || project.ixit_notes.contains_key(name))
        .collect()
}

pub(crate) fn export(
    layout: Layout,
    project: &Project,
    catalog: &Catalog,
) -> Result<Vec<u8>, String> {
    let edition = project.edition;
    let tables = tables(project, catalog);
    match layout {
        Layout::Md => {
            let mut out = String::from("# IXIT\n");
            for (t, name, entries) in &tables {
                let _ = writeln!(out, "\n## {name}\n");
                if let Some(n) = project.ixit_notes.get(name) {
                    let _ = writeln!(out, "Notes: {}\n", markdown::cell(n));
                }
                for e in entries {
                    if t.records == Records::Many {
                        let id = markdown::cell(e.id.as_deref().unwrap_or_default());
                        match &e.title {
                            Some(title) => {
                                let _ = writeln!(out, "### {id} — {}\n", markdown::cell(title));
                            }
                            None => {
                                let _ = writeln!(out, "### {id}\n");
                            }
                        }
                    } else if let Some(title) = &e.title {
                        let _ = writeln!(out, "Title: {}", markdown::cell(title));
                    }
                    for (label, v) in labelled(e, Some(t), edition) {
                        let _ = writeln!(out, "{}: {}", markdown::cell(&label), markdown::cell(&v));
                    }
                    out.push('\n');
                }
            }
            Ok(out.into_bytes())
        }
        Layout::Csv => {
            let mut rows = Vec::new();
            for (t, name, entries) in &tables {
                if let Some(n) = project.ixit_notes.get(name) {
                    rows.push(vec![name.clone(), String::new(), "Notes".into(), n.clone()]);
                }
                for e in entries {
                    let id = e.id.clone().unwrap_or_default();
                    if let Some(title) = &e.title {
                        rows.push(vec![
                            name.clone(),
                            id.clone(),
                            "Title".into(),
                            title.clone(),
                        ]);
                    }
                    for (label, v) in labelled(e, Some(t), edition) {
                        rows.push(vec![name.clone(), id.clone(), label, v]);
                    }
                }
            }
            crate::csvfmt::write(&["Table", "ID", "Field", "Value"], &rows)
        }
        Layout::Xlsx => {
            let mut sheets = Vec::new();
            for (t, name, entries) in &tables {
                if entries.is_empty() {
                    continue;
                }
                if t.records == Records::Single {
                    let mut rows = Vec::new();
                    for e in entries {
                        if let Some(title) = &e.title {
                            rows.push(vec!["Title".into(), title.clone()]);
                        }
                        for (label, v) in labelled(e, Some(t), edition) {
                            rows.push(vec![label, v]);
                        }
                    }
                    sheets.push(Sheet {
                        name,
                        header: vec!["Field".into(), "Value".into()],
                        rows,
                    });
                    continue;
                }
                let mut header: Vec<String> = vec!["ID".into(), "Title".into()];
                for e in entries {
                    for (label, _) in labelled(e, Some(t), edition) {
                        if !header.contains(&label) {
                            header.push(label);
                        }
                    }
                }
                let rows = entries
                    .iter()
                    .map(|e| {
                        let values: BTreeMap<String, String> =
                            labelled(e, Some(t), edition).into_iter().collect();
                        header
                            .iter()
                            .enumerate()
                            .map(|(i, h)| match i {
                                0 => e.id.clone().unwrap_or_default(),
                                1 => e.title.clone().unwrap_or_default(),
                                _ => values.get(h).cloned().unwrap_or_default(),
                            })
                            .collect()
                    })
                    .collect();
                sheets.push(Sheet { name, header, rows });
            }
            let notes: Vec<Vec<String>> = project
                .ixit_notes
                .iter()
                .map(|(k, v)| vec![k.clone(), v.clone()])
                .collect();
            if !notes.is_empty() {
                sheets.push(Sheet {
                    name: "Notes",
                    header: vec!["Table".into(), "Note".into()],
                    rows: notes,
                });
            }
            crate::xlsx::write(&sheets)
        }
    }
}

/// An entry as read, before it is mapped onto the catalogue.
struct EntryIn {
    table: String,
    at: At,
    id: Option<(String, At)>,
    title: Option<String>,
    fields: Vec<(String, String, At)>,
}

/// Entries of one section: wide (one row per entry) or field/value rows (one record).
fn from_section(s: &Section, out: &mut Vec<EntryIn>, notes: &mut Vec<(String, String, At)>) {
    if normalize_key(&s.name) == "notes"
        || s.column(&["note", "notes"]).is_some() && s.column(&["table"]).is_some()
    {
        let (t, n) = (s.column(&["table"]), s.column(&["note", "notes"]));
        for r in &s.rows {
            notes.push((r.get(t).to_owned(), r.get(n).to_owned(), r.at.clone()));
        }
        return;
    }
    if let (Some(t), Some(f), Some(v)) = (
        s.column(&["table"]),
        s.column(&["field"]),
        s.column(&["value"]),
    ) {
        // One row per value (CSV): group by table and entry.
        let id_col = s.column(&["id", "entry"]);
        for r in &s.rows {
            let (table, id, field, value) = (
                r.get(Some(t)),
                r.get(id_col),
                r.get(Some(f)),
                r.get(Some(v)),
            );
            if normalize_key(field) == "notes" && id.is_empty() {
                notes.push((table.to_owned(), value.to_owned(), r.at.clone()));
                continue;
            }
            let same = out.last().is_some_and(|e: &EntryIn| {
                e.table == table && e.id.as_ref().map_or("", |(i, _)| i.as_str()) == id
            });
            if !same {
                out.push(EntryIn {
                    table: table.to_owned(),
                    at: r.at.clone(),
                    id: (!id.is_empty())
                        .then(|| (id.to_owned(), r.at.col(s.column_name(id_col.unwrap_or(0))))),
                    title: None,
                    fields: Vec::new(),
                });
            }
            if let Some(e) = out.last_mut() {
                if normalize_key(field) == "title" {
                    e.title = Some(value.to_owned());
                } else {
                    e.fields.push((
                        field.to_owned(),
                        r.cells.get(v).cloned().unwrap_or_default(),
                        r.at.col(s.column_name(v)),
                    ));
                }
            }
        }
        return;
    }
    if let (Some(f), Some(v), 2) = (s.column(&["field"]), s.column(&["value"]), s.header.len()) {
        let mut e = EntryIn {
            table: s.name.clone(),
            at: s.at.clone(),
            id: None,
            title: None,
            fields: Vec::new(),
        };
        for r in &s.rows {
            let field = r.get(Some(f));
            if normalize_key(field) == "title" {
                e.title = Some(r.get(Some(v)).to_owned());
            } else if !field.is_empty() {
                e.fields.push((
                    field.to_owned(),
                    r.cells.get(v).cloned().unwrap_or_default(),
                    r.at.col(s.column_name(v)),
                ));
            }
        }
        out.push(e);
        return;
    }
    let id_col = s.column(&["id"]);
    let title_col = s.column(&["title"]);
    for r in &s.rows {
        let mut e = EntryIn {
            table: s.name.clone(),
            at: r.at.clone(),
            id: id_col
                .map(|c| {
                    (
                        clean_id(r.get(Some(c))).to_owned(),
                        r.at.col(s.column_name(c)),
                    )
                })
                .filter(|(i, _)| !i.is_empty()),
            title: title_col
                .map(|c| r.get(Some(c)).to_owned())
                .filter(|t| !t.is_empty()),
            fields: Vec::new(),
        };
        for (i, h) in s.header.iter().enumerate() {
            if Some(i) == id_col || Some(i) == title_col {
                continue;
            }
            let v = r.cells.get(i).cloned().unwrap_or_default();
            if !v.trim().is_empty() {
                e.fields.push((h.clone(), v, r.at.col(s.column_name(i))));
            }
        }
        out.push(e);
    }
}

/// Entries written as `## table`, `### ID — title` and `Field: value` lines.
fn from_lines(
    book: &Book,
    out: &mut Vec<EntryIn>,
    notes: &mut Vec<(String, String, At)>,
    log: &mut ImportLog,
) {
    let mut table: Option<String> = None;
    let mut current: Option<EntryIn> = None;
    let flush = |current: &mut Option<EntryIn>, out: &mut Vec<EntryIn>| {
        if let Some(e) = current.take()
            && (e.id.is_some() || !e.fields.is_empty() || e.title.is_some())
        {
            out.push(e);
        }
    };
    for (_, line) in &book.lines {
        match line.heading {
            1 => {
                flush(&mut current, out);
                table = None;
            }
            2 => {
                flush(&mut current, out);
                table = Some(line.text.clone());
            }
            3..=6 => {
                flush(&mut current, out);
                let Some(t) = &table else {
                    log.add(
                        Action::Dropped,
                        Some(&line.at),
                        format!("heading `{}` outside an IXIT table heading", line.text),
                    );
                    continue;
                };
                let (id, title) = split_heading(&line.text);
                current = Some(EntryIn {
                    table: t.clone(),
                    at: line.at.clone(),
                    id: Some((id.to_owned(), line.at.clone())),
                    title: title.map(str::to_owned),
                    fields: Vec::new(),
                });
            }
            _ => {
                let Some(t) = &table else {
                    log.add(
                        Action::Dropped,
                        Some(&line.at),
                        format!("text `{}` before the first IXIT table heading", line.text),
                    );
                    continue;
                };
                match line
                    .text
                    .split_once(": ")
                    .or_else(|| line.text.strip_suffix(':').map(|f| (f, "")))
                {
                    Some((field, value))
                        if normalize_key(field) == "notes" && current.is_none() =>
                    {
                        notes.push((t.clone(), value.trim().to_owned(), line.at.clone()));
                    }
                    Some((field, value)) => {
                        let e = current.get_or_insert_with(|| EntryIn {
                            table: t.clone(),
                            at: line.at.clone(),
                            id: None,
                            title: None,
                            fields: Vec::new(),
                        });
                        if normalize_key(field) == "title" {
                            e.title = Some(value.trim().to_owned());
                        } else {
                            e.fields.push((
                                field.trim().to_owned(),
                                value.trim().to_owned(),
                                line.at.col(field.trim()),
                            ));
                        }
                    }
                    None => match current.as_mut().and_then(|e| e.fields.last_mut()) {
                        Some((_, v, _)) => {
                            v.push('\n');
                            v.push_str(&line.text);
                        }
                        None => log.add(
                            Action::Dropped,
                            Some(&line.at),
                            format!("text `{}` is not a `Field: value` line", line.text),
                        ),
                    },
                }
            }
        }
    }
    flush(&mut current, out);
}

/// `ID — title`, `ID - title`, `ID: title`, or just `ID`.
fn split_heading(text: &str) -> (&str, Option<&str>) {
    for sep in [" — ", " – ", " - ", ": "] {
        if let Some((id, title)) = text.split_once(sep) {
            return (clean_id(id), Some(title.trim()).filter(|t| !t.is_empty()));
        }
    }
    (clean_id(text), None)
}

/// A table by name, number (`1`, `Table 1`, `1-Auth…`) or title.
fn resolve_table<'a>(catalog: &'a Catalog, written: &str) -> Option<(&'a IxitTable, bool)> {
    let w = clean_id(written);
    if let Some(t) = catalog.ixit_table(w) {
        return Some((t, false));
    }
    let digits: String = w
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if let Some(t) = digits
        .parse::<u32>()
        .ok()
        .and_then(|n| catalog.ixit_tables().iter().find(|t| t.number == n))
    {
        return Some((t, true));
    }
    catalog
        .ixit_tables()
        .iter()
        .map(|t| {
            let s = similarity(w, &t.title)
                .max(t.title_v2.as_deref().map_or(0.0, |v| similarity(w, v)));
            (t, s)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, s)| *s >= 0.6)
        .map(|(t, _)| (t, true))
}

fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_owned()
    } else {
        quote(k)
    }
}

pub(crate) fn import(
    book: &Book,
    layout: Layout,
    catalog: &Catalog,
    edition: Edition,
    log: &mut ImportLog,
) -> Result<String, Vec<Problem>> {
    let mut entries = Vec::new();
    let mut notes = Vec::new();
    for s in &book.sections {
        from_section(s, &mut entries, &mut notes);
    }
    if layout == Layout::Md {
        from_lines(book, &mut entries, &mut notes, log);
    }
    let mut problems = Vec::new();
    let mut by_table: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut seen: BTreeMap<String, At> = BTreeMap::new();
    for e in &entries {
        let Some((table, guessed)) = resolve_table(catalog, &e.table) else {
            let names: Vec<&str> = catalog
                .ixit_tables()
                .iter()
                .map(|t| t.name_for(edition))
                .collect();
            let mut msg = format!(
                "expected an IXIT table such as `1-AuthMech`, found `{}`",
                e.table
            );
            if let Some(n) = touchstone_core::text::nearest(&e.table, names.iter().copied()) {
                msg.push_str(&format!(" (did you mean `{n}`?)"));
            }
            problems.push(Problem::new(e.at.clone(), msg));
            continue;
        };
        let name = table.name_for(edition);
        if clean_id(&e.table) != name {
            log.add(
                if guessed {
                    Action::Guessed
                } else {
                    Action::Renamed
                },
                Some(&e.at),
                format!("table `{}` read as `{name}`", e.table),
            );
        }
        let mut t = String::new();
        let label = if table.records == Records::Many {
            let Some((id, id_at)) = &e.id else {
                problems.push(Problem::new(
                    e.at.col("ID"),
                    format!("expected an ID for an entry of `{name}`"),
                ));
                continue;
            };
            let id = clean_id(id);
            if let Some(first) = seen.insert(id.to_owned(), id_at.clone()) {
                problems.push(Problem::new(
                    id_at.clone(),
                    format!(
                        "expected unique IXIT entry ids, found `{id}` again (first at {first})"
                    ),
                ));
                continue;
            }
            let _ = writeln!(t, "\n[[{}]]\nid = {}", quote(name), quote(id));
            id.to_owned()
        } else {
            if seen.insert(name.to_owned(), e.at.clone()).is_some() {
                problems.push(Problem::new(
                    e.at.clone(),
                    format!("expected one record of `{name}`, found another"),
                ));
                continue;
            }
            let _ = writeln!(t, "\n[{}]", quote(name));
            name.to_owned()
        };
        if let Some(title) = &e.title {
            let _ = writeln!(t, "title = {}", quote(title));
        }
        let own: Vec<_> = table
            .fields_for(edition)
            .filter(|f| f.key != "id")
            .collect();
        let mut mapped = 0usize;
        let mut written: Vec<String> = Vec::new();
        for (field, value, at) in &e.fields {
            let nk = normalize_key(field);
            let key = if let Some(f) = own
                .iter()
                .find(|f| f.key == nk || normalize_key(&f.name) == nk)
            {
                mapped += 1;
                f.key.clone()
            } else if let Some(f) = own.iter().find(|f| f.aliases.contains(&nk)) {
                log.add(
                    Action::Renamed,
                    Some(at),
                    format!("{label}: `{field}` read as `{}` (renamed field)", f.key),
                );
                f.key.clone()
            } else if nk.is_empty() || nk == "id" {
                log.add(
                    Action::Dropped,
                    Some(at),
                    format!("{label}: value under an empty or ID column of a single-record table"),
                );
                continue;
            } else {
                log.add(
                    Action::Guessed,
                    Some(at),
                    format!("{label}: `{field}` is not a field of `{name}` in this edition; kept as the non-standard field `{nk}`"),
                );
                nk
            };
            if written.contains(&key) {
                log.add(
                    Action::Dropped,
                    Some(at),
                    format!("{label}: second value for `{key}`"),
                );
                continue;
            }
            let _ = writeln!(t, "{} = {}", toml_key(&key), quote(value.trim()));
            written.push(key);
        }
        log.add(
            Action::Mapped,
            Some(&e.at),
            format!("{label} ({name}): {mapped} standard field(s)"),
        );
        by_table.entry(table.number).or_default().push(t);
    }
    let mut note_lines = String::new();
    for (table, note, at) in &notes {
        match resolve_table(catalog, table) {
            Some((t, _)) if !note.is_empty() => {
                let _ = writeln!(
                    note_lines,
                    "{} = {}",
                    quote(t.name_for(edition)),
                    quote(note)
                );
                log.add(
                    Action::Mapped,
                    Some(at),
                    format!("note on `{}`", t.name_for(edition)),
                );
            }
            Some(_) => {}
            None => log.add(
                Action::Dropped,
                Some(at),
                format!("note on unknown table `{table}`"),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out =
        String::from("# IXIT imported by `touchstone import ixit`; see the import log.\n");
    if !note_lines.is_empty() {
        let _ = write!(out, "\n[notes]\n{note_lines}");
    }
    for texts in by_table.values() {
        for t in texts {
            out.push_str(t);
        }
    }
    Ok(out)
}
