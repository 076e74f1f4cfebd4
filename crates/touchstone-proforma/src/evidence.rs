//! Evidence records as one table.

use std::fmt::Write as _;

use touchstone_project::Project;
use touchstone_project::declared::parse_date;

use crate::book::Book;
use crate::xlsx::Sheet;
use crate::{
    Action, ImportLog, Layout, Problem, attachments_cell, attachments_toml, markdown, quote,
    split_list,
};

const HEADER: [&str; 8] = [
    "ID",
    "Test case",
    "Units",
    "Verdict",
    "Assessor",
    "Date",
    "Notes",
    "Attachments",
];

fn rows(project: &Project) -> Vec<Vec<String>> {
    project
        .records
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.test_case.clone(),
                r.units.join(", "),
                r.verdict.as_str().to_owned(),
                r.assessor.clone(),
                r.date.clone(),
                r.notes.clone(),
                attachments_cell(&r.attachments),
            ]
        })
        .collect()
}

pub(crate) fn export(layout: Layout, project: &Project) -> Result<Vec<u8>, String> {
    match layout {
        Layout::Csv => crate::csvfmt::write(&HEADER, &rows(project)),
        Layout::Md => {
            let mut out = String::from("# Evidence\n\n");
            markdown::table(&mut out, &HEADER, &rows(project));
            Ok(out.into_bytes())
        }
        Layout::Xlsx => crate::xlsx::write(&[Sheet {
            name: "Evidence",
            header: HEADER.iter().map(|s| (*s).to_owned()).collect(),
            rows: rows(project),
        }]),
    }
}

pub(crate) fn import(book: &Book, log: &mut ImportLog) -> Result<String, Vec<Problem>> {
    let Some(s) = book
        .sections
        .iter()
        .find(|s| s.column(&["test_case"]).is_some() && s.column(&["verdict"]).is_some())
    else {
        let at = book.sections.first().map(|s| s.at.clone());
        return Err(vec![Problem::new(
            at.unwrap_or(crate::At {
                file: String::new(),
                sheet: None,
                row: 1,
                column: None,
                line: false,
            }),
            "expected an evidence table with the columns ID, Test case, Verdict, Assessor and Date"
                .to_owned(),
        )]);
    };
    let cols = [
        ("id", s.column(&["id", "record"])),
        ("test_case", s.column(&["test_case"])),
        ("units", s.column(&["units", "test_units"])),
        ("verdict", s.column(&["verdict"])),
        ("assessor", s.column(&["assessor"])),
        ("date", s.column(&["date"])),
        ("notes", s.column(&["notes", "observations"])),
        ("attachments", s.column(&["attachments", "attachment"])),
    ];
    let col = |n: &str| cols.iter().find(|(k, _)| *k == n).and_then(|(_, c)| *c);
    for (i, h) in s.header.iter().enumerate() {
        if !cols.iter().any(|(_, c)| *c == Some(i)) && !h.trim().is_empty() {
            log.add(
                Action::Dropped,
                Some(&s.at.col(h.clone())),
                format!("column `{h}` is not part of an evidence record"),
            );
        }
    }
    let mut problems = Vec::new();
    let mut out =
        String::from("# Evidence imported by `touchstone import evidence`; see the import log.\n");
    for r in &s.rows {
        let mut t = String::new();
        for required in ["id", "test_case", "verdict", "assessor", "date"] {
            if r.get(col(required)).is_empty() {
                problems.push(Problem::new(
                    r.at.col(
                        col(required).map_or_else(|| required.to_owned(), |c| s.column_name(c)),
                    ),
                    format!("expected a value for `{required}`"),
                ));
            }
        }
        let id = r.get(col("id"));
        let _ = writeln!(
            t,
            "\n[[record]]\nid = {}\ntest_case = {}",
            quote(id),
            quote(r.get(col("test_case")))
        );
        let units = split_list(r.get(col("units")), true);
        if !units.is_empty() {
            let u: Vec<String> = units.iter().map(|x| quote(x)).collect();
            let _ = writeln!(t, "units = [{}]", u.join(", "));
        }
        let _ = writeln!(
            t,
            "verdict = {}",
            quote(&r.get(col("verdict")).to_uppercase())
        );
        let _ = writeln!(t, "assessor = {}", quote(r.get(col("assessor"))));
        let date = r.get(col("date"));
        match parse_date(date) {
            Some((d, None)) => {
                let _ = writeln!(t, "date = {d}");
            }
            _ => problems.push(Problem::new(
                r.at.col(col("date").map_or_else(|| "date".to_owned(), |c| s.column_name(c))),
                format!("expected a date like 2026-11-20, found `{date}`"),
            )),
        }
        let notes = r.get(col("notes"));
        if !notes.is_empty() {
            let _ = writeln!(t, "notes = {}", quote(notes));
        }
        match attachments_toml(
            r.get(col("attachments")),
            &r.at.col(
                col("attachments").map_or_else(|| "attachments".to_owned(), |c| s.column_name(c)),
            ),
        ) {
            Ok(a) if !a.is_empty() => {
                let _ = writeln!(t, "attachment = [{}]", a.join(", "));
            }
            Ok(_) => {}
            Err(p) => problems.push(p),
        }
        log.add(Action::Mapped, Some(&r.at), format!("record {id}"));
        out.push_str(&t);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}
