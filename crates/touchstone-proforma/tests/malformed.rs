//! Malformed pro-formas: every problem names the file, sheet, row or line and
//! column, and nothing is written to the project.

use std::path::Path;

use touchstone_catalog::{Catalog, Edition};
use touchstone_proforma::project::{Refused, import_into};
use touchstone_proforma::xlsx::{Sheet, write};
use touchstone_proforma::{Kind, Layout, import};

fn catalog() -> &'static Catalog {
    Catalog::embedded().expect("catalogue")
}

/// (sheet name, header, rows)
type SheetSpec<'a> = (&'a str, &'a [&'a str], &'a [&'a [&'a str]]);

fn workbook(sheets: &[SheetSpec<'_>]) -> Vec<u8> {
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<String>>();
    let sheets: Vec<Sheet<'_>> = sheets
        .iter()
        .map(|(name, header, rows)| Sheet {
            name,
            header: s(header),
            rows: rows.iter().map(|r| s(r)).collect(),
        })
        .collect();
    write(&sheets).expect("workbook")
}

fn cases() -> Vec<(&'static str, Kind, &'static str, Vec<u8>)> {
    vec![
        ("ics_bad_support", Kind::Ics, "ics.csv", b"Clause,Support\n5.1-1,Maybe\n".to_vec()),
        ("ics_unknown_clause", Kind::Ics, "ics.md", b"# ICS\n\n| Clause | Support |\n|---|---|\n| 5.1-1 | Y |\n| 5.1-9 | Y |\n".to_vec()),
        ("ics_no_support_column", Kind::Ics, "ics.csv", b"Clause,Answer\n5.1-1,Y\n".to_vec()),
        ("ics_duplicate_row", Kind::Ics, "ics.csv", b"Clause,Support\n5.1-1,Y\n5.1-1,N\n".to_vec()),
        ("ics_bad_attachment", Kind::Ics, "ics.csv", b"Clause,Support,Attachments\n5.1-1,Y,evidence/x.txt\n".to_vec()),
        (
            "ics_sheet_bad_support",
            Kind::Ics,
            "ics.xlsx",
            workbook(&[("ICS", &["Clause", "Status", "Support"], &[&["5.1-1", "M C (1)", "Y"], &["5.1-2", "M C (2)", "Partly"]])]),
        ),
        ("ixit_unknown_table", Kind::Ixit, "ixit.md", b"# IXIT\n\n## 99-Foo\n\n### Foo-1\n\nDescription: x\n".to_vec()),
        ("ixit_entry_without_heading", Kind::Ixit, "ixit.md", b"## 1-AuthMech\n\nDescription: no id\n".to_vec()),
        (
            "ixit_sheet_without_ids",
            Kind::Ixit,
            "ixit.xlsx",
            workbook(&[("1-AuthMech", &["Description", "Authentication Factor"], &[&["Local API", "Password"]])]),
        ),
        ("ixit_duplicate_id", Kind::Ixit, "ixit.csv", b"Table,ID,Field,Value\n1-AuthMech,A-1,Description,x\n7-UpdMech,A-1,Description,y\n".to_vec()),
        ("evidence_bad_date", Kind::Evidence, "evidence.csv", b"ID,Test case,Verdict,Assessor,Date\nEV-1,5.1-1-1,PASS,A,25.11.2026\n".to_vec()),
        ("evidence_missing_assessor", Kind::Evidence, "evidence.md", b"| ID | Test case | Verdict | Assessor | Date |\n|---|---|---|---|---|\n| EV-1 | 5.1-1-1 | PASS | | 2026-11-25 |\n".to_vec()),
        ("not_utf8", Kind::Ics, "ics.md", b"# ICS\n\n\xff\xfe broken\n".to_vec()),
        ("not_a_workbook", Kind::Ixit, "ixit.xlsx", b"PK\x03\x04 this is not a zip archive".to_vec()),
        ("csv_not_utf8", Kind::Evidence, "evidence.csv", b"ID,Test case\nEV-1,\xff\n".to_vec()),
    ]
}

#[test]
fn problems_name_their_place() {
    for (name, kind, file, bytes) in cases() {
        let layout = Layout::from_name(file).expect("layout");
        let problems = match import(kind, layout, file, &bytes, catalog(), Edition::V2_1_1, None) {
            Ok(i) => panic!("{name}: imported\n{}", i.toml),
            Err(p) => p,
        };
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        insta::assert_snapshot!(name, text.join("\n"));
    }
}

fn copy_example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/smart-plug");
    for f in ["touchstone.toml", "ics.toml", "ixit.toml", "evidence.toml"] {
        std::fs::copy(from.join(f), dir.path().join(f)).expect("copy");
    }
    for d in ["evidence", "findings"] {
        std::fs::create_dir_all(dir.path().join(d)).expect("mkdir");
        for e in std::fs::read_dir(from.join(d)).expect("dir") {
            let e = e.expect("entry");
            std::fs::copy(e.path(), dir.path().join(d).join(e.file_name())).expect("copy");
        }
    }
    dir
}

#[test]
fn nothing_is_written_when_the_input_or_the_result_is_bad() {
    let dir = copy_example();
    let ics = dir.path().join("ics.toml");
    let before = std::fs::read(&ics).expect("read");
    // Malformed input.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, b"Clause,Support\n5.1-1,Maybe\n").expect("write");
    assert!(matches!(
        import_into(dir.path(), Kind::Ics, &bad, None, catalog()),
        Err(Refused::Input(_))
    ));
    // Well-formed input that would leave the project invalid (most provisions unanswered).
    let partial = dir.path().join("partial.csv");
    std::fs::write(&partial, b"Clause,Support\n5.1-1,Y\n").expect("write");
    match import_into(dir.path(), Kind::Ics, &partial, None, catalog()) {
        Err(Refused::Invalid { diagnostics, .. }) => {
            assert!(diagnostics.iter().any(|d| d.message.contains("missing")));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(std::fs::read(&ics).expect("read"), before);
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".tmp")), "{names:?}");
}
