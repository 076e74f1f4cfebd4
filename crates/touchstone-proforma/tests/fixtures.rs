//! Hand-written pro-formas in every layout, as makers write them: imported
//! into a copy of the example (whose ICS refers to no IXIT entries, so a
//! small IXIT validates), the import log snapshotted, and the imported project
//! exported and imported again in every layout without a change.

use std::path::{Path, PathBuf};

use touchstone_catalog::Catalog;
use touchstone_proforma::project::{Refused, import_into};
use touchstone_proforma::{Kind, Layout, export};
use touchstone_project::{Project, load};

fn catalog() -> &'static Catalog {
    Catalog::embedded().expect("catalogue")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// The example without ICS → IXIT references.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&root().join("../../examples/smart-plug"), dir.path());
    let ics = dir.path().join("ics.toml");
    let text = std::fs::read_to_string(&ics).expect("ics");
    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("ixit = ")).collect();
    std::fs::write(&ics, kept.join("\n")).expect("write");
    dir
}

fn loaded(dir: &Path) -> Project {
    let (p, diags) = load(dir, catalog());
    let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
    p.unwrap_or_else(|| panic!("invalid project:\n{}", text.join("\n")))
}

/// Import a fixture and return the log and warnings as text (paths made relative).
fn import_fixture(dir: &Path, kind: Kind, input: &Path) -> String {
    match import_into(dir, kind, input, None, catalog()) {
        Ok(w) => {
            let mut out = String::new();
            for e in &w.imported.log.entries {
                out.push_str(&format!("{e}\n"));
            }
            for d in &w.diagnostics {
                out.push_str(&format!("{d}\n"));
            }
            out.replace(&format!("{}/", root().join("tests/fixtures").display()), "")
                .replace(&format!("{}/", dir.display()), "")
        }
        Err(Refused::Input(p)) => panic!("{}: {p:#?}", input.display()),
        Err(Refused::Invalid {
            diagnostics,
            imported,
        }) => panic!(
            "{}: {}\n{}",
            input.display(),
            diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
            imported.toml
        ),
        Err(Refused::Io(e)) => panic!("{e}"),
    }
}

fn round_trip(dir: &Path, kind: Kind) {
    let original = serde_json::to_value(loaded(dir)).expect("json");
    for layout in [Layout::Md, Layout::Csv, Layout::Xlsx] {
        let p = loaded(dir);
        let bytes = export(kind, layout, &p, catalog()).expect("export");
        let file = dir.join(format!("again.{}", layout.extension()));
        std::fs::write(&file, bytes).expect("write");
        import_fixture(dir, kind, &file);
        std::fs::remove_file(&file).expect("rm");
        let again = serde_json::to_value(loaded(dir)).expect("json");
        assert_eq!(again, original, "{kind:?} via {layout:?}");
    }
}

#[test]
fn hand_written_pro_formas_import_and_round_trip() {
    for (name, kind) in [
        ("ics-annex-b.md", Kind::Ics),
        ("ics.csv", Kind::Ics),
        ("ixit-headings.md", Kind::Ixit),
        ("ixit-tables.md", Kind::Ixit),
        ("ixit.csv", Kind::Ixit),
        ("evidence.csv", Kind::Evidence),
    ] {
        let dir = project();
        let log = import_fixture(dir.path(), kind, &root().join("tests/fixtures").join(name));
        insta::assert_snapshot!(format!("import_{name}"), log);
        round_trip(dir.path(), kind);
    }
}

/// A workbook laid out the way a maker's template might be: sheets named by
/// title or number, an extra column, a single-record table as field/value rows.
fn maker_workbook() -> Vec<u8> {
    use touchstone_proforma::xlsx::{Sheet, write};
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<String>>();
    write(&[
        Sheet {
            name: "Authentication Mechanisms",
            header: s(&[
                "ID",
                "Description",
                "Authentication Factor",
                "Internal owner",
            ]),
            rows: vec![
                s(&["AuthMech-1", "Local API password", "Password", "Team A"]),
                s(&["AuthMech-2", "Cloud account", "Password, TOTP", ""]),
            ],
        },
        Sheet {
            name: "6",
            header: s(&["ID", "Description", "Update Mechanism"]),
            rows: vec![s(&["SoftComp-1", "Application firmware", "UpdMech-1"])],
        },
        Sheet {
            name: "7-UpdMech",
            header: s(&["ID", "Description"]),
            rows: vec![s(&["UpdMech-1", "Signed OTA"])],
        },
        Sheet {
            name: "4-Conf",
            header: s(&["Field", "Value"]),
            rows: vec![s(&["Confirmation of Update Procedures", "Yes"])],
        },
        Sheet {
            name: "Notes",
            header: s(&["Table", "Note"]),
            rows: vec![s(&["1-AuthMech", "Two mechanisms"])],
        },
    ])
    .expect("workbook")
}

#[test]
fn a_makers_workbook_imports_and_round_trips() {
    let dir = project();
    let file = dir.path().join("maker.xlsx");
    std::fs::write(&file, maker_workbook()).expect("write");
    let log = import_fixture(dir.path(), Kind::Ixit, &file);
    insta::assert_snapshot!("import_maker_workbook", log);
    round_trip(dir.path(), Kind::Ixit);
}

/// Earlier drafts of EN 303 645 V3 letter the features differently: they are
/// matched by their text, and the letters in the status column follow.
#[test]
fn features_are_matched_by_text_not_letter() {
    let c = catalog();
    let std3 = c.standard(touchstone_catalog::Edition::V3_1_3);
    let g = std3
        .features
        .iter()
        .find(|f| f.letter == "g")
        .expect("feature g");
    let m = std3
        .features
        .iter()
        .find(|f| f.letter == "m")
        .expect("feature m");
    let md = format!(
        "## Features\n\n| Feature | Text | Rationale |\n|---|---|---|\n| f | {} | The OTA mechanism updates everything. |\n| k | {} | Keys sign the updates. |\n| zz | flying capability | none |\n\n## ICS\n\n| Clause | Status | Support | Detail |\n|---|---|---|---|\n| 5.3-3 | M F (f) | Y | Automatic |\n",
        g.text, m.text
    );
    let out = touchstone_proforma::import(
        Kind::Ics,
        Layout::Md,
        "draft.md",
        md.as_bytes(),
        c,
        touchstone_catalog::Edition::V3_1_3,
        None,
    )
    .expect("imports");
    let log: Vec<String> = out.log.entries.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(
        "features_by_text",
        format!("{}\n---\n{}", log.join("\n"), out.toml)
    );
    assert!(
        out.toml
            .contains("\"g\" = \"The OTA mechanism updates everything.\"")
    );
    assert!(out.toml.contains("status = \"M F (g)\""));
}

/// A maker's ICS without an IXIT column keeps the project's references (and
/// says so in the log) instead of silently losing them.
#[test]
fn columns_the_input_lacks_keep_the_projects_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&root().join("../../examples/smart-plug"), dir.path());
    let before = loaded(dir.path());
    let w = import_into(
        dir.path(),
        Kind::Ics,
        &root().join("tests/fixtures/ics.csv"),
        None,
        catalog(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let kept: Vec<String> = w
        .imported
        .log
        .entries
        .iter()
        .filter(|e| e.action == touchstone_proforma::Action::Kept)
        .map(ToString::to_string)
        .collect();
    assert!(
        kept.iter()
            .any(|k| k.contains("5.1-1: IXIT references from the project")),
        "{kept:#?}"
    );
    let after = loaded(dir.path());
    assert_eq!(after.ics["5.1-1"].ixit, before.ics["5.1-1"].ixit);
}
