//! Export → import → identical project, on the example and on enriched copies,
//! in every layout.

use std::path::{Path, PathBuf};

use touchstone_catalog::Catalog;
use touchstone_proforma::project::{Refused, import_into};
use touchstone_proforma::{Kind, Layout, export};
use touchstone_project::{Project, load};

fn catalog() -> &'static Catalog {
    Catalog::embedded().expect("catalogue")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/smart-plug")
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

pub fn project_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&example(), dir.path());
    dir
}

fn loaded(dir: &Path) -> Project {
    let (p, diags) = load(dir, catalog());
    let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
    p.unwrap_or_else(|| panic!("invalid project:\n{}", text.join("\n")))
}

fn json(p: &Project) -> serde_json::Value {
    serde_json::to_value(p).expect("json")
}

fn round_trip(dir: &Path) {
    let original = loaded(dir);
    for kind in [Kind::Ics, Kind::Ixit, Kind::Evidence] {
        for layout in [Layout::Md, Layout::Csv, Layout::Xlsx] {
            let bytes = export(kind, layout, &original, catalog()).expect("export");
            let file = dir.join(format!("export-{kind:?}.{}", layout.extension()));
            std::fs::write(&file, &bytes).expect("write export");
            match import_into(dir, kind, &file, None, catalog()) {
                Ok(w) => assert_eq!(
                    w.imported.log.count(touchstone_proforma::Action::Dropped),
                    0,
                    "{kind:?} {layout:?}: {:#?}",
                    w.imported.log
                ),
                Err(Refused::Input(p)) => panic!("{kind:?} {layout:?}: {p:#?}"),
                Err(Refused::Invalid {
                    diagnostics,
                    imported,
                }) => panic!(
                    "{kind:?} {layout:?}: {}\n{}",
                    diagnostics
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n"),
                    imported.toml
                ),
                Err(Refused::Io(e)) => panic!("{kind:?} {layout:?}: {e}"),
            }
            std::fs::remove_file(&file).expect("rm");
            let written = std::fs::read_to_string(dir.join(kind.file())).expect("read back");
            assert!(
                written.contains("imported by `touchstone import"),
                "{kind:?} {layout:?} was not written"
            );
            let again = loaded(dir);
            assert_eq!(json(&again), json(&original), "{kind:?} {layout:?}");
        }
    }
}

#[test]
fn the_example_round_trips_in_every_layout() {
    let dir = project_copy();
    round_trip(dir.path());
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{file}: {from}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

/// The example with everything the richer model holds: ICS metadata,
/// rationales, claimed statuses, documents, attachments, whole-table and
/// field references; IXIT titles, notes, extensions, multi-line values,
/// Markdown-significant characters, N/A references with notes.
pub fn enrich(dir: &Path) {
    edit(
        dir,
        "ics.toml",
        "[\"4-1\"]",
        "[metadata]\nts_edition = \"V1.1.1\"\nversion = \"1.3\"\ndate = 2026-11-02\nstate = \"final\"\nmaker = \"Lumio Home Ltd\"\nsupplier = \"Plugworks OEM | Shenzhen\"\n\n[conditions]\n3 = \"The Wi-Fi co-processor ROM cannot be updated.\"\n13 = \"UART pads removed; *no* debug header.\"\n\n[\"4-1\"]",
    );
    edit(
        dir,
        "ics.toml",
        "ixit = [\"AuthMech-1\", \"AuthMech-2\"]",
        "status = \"M C (1)\"\nixit = [\"AuthMech-1\", \"1-AuthMech\", \"2-UserInfo.support_period\"]\ndocuments = [\"User manual, section 4.2\", \"https://lumio.example/security\"]\nattachment = [{ path = \"evidence/label-photo-notes.txt\", sha256 = \"4fb62e07af26bc1b9e59c111c094d52e784429b062ce4793ec0fbfe78581b5fb\", description = \"label photo notes\" }]",
    );
    edit(
        dir,
        "ixit.toml",
        "id = \"AuthMech-1\"",
        "id = \"AuthMech-1\"\ntitle = \"Local API password <label>\"\nrollback_window = \"7 days\"",
    );
    edit(
        dir,
        "ixit.toml",
        "[[\"1-AuthMech\"]]",
        "[notes]\n\"1-AuthMech\" = \"Both mechanisms guard the same relay.\\nSecond line: with a colon.\"\n\n[[\"1-AuthMech\"]]",
    );
    edit(
        dir,
        "ixit.toml",
        "update_mechanism = \"UpdMech-1\"\ncryptographic_usage = \"WPA2/WPA3\"",
        "update_mechanism = \"UpdMech-1 (through the main MCU), N/A for the boot ROM\"\ncryptographic_usage = \"WPA2/WPA3\\n# not a heading\\n| not a table |\"",
    );
}

#[test]
fn an_enriched_project_round_trips_in_every_layout() {
    let dir = project_copy();
    enrich(dir.path());
    round_trip(dir.path());
}

/// A V3.1.3 project (the `init` template with rationales for features and
/// conditions) round-trips its ICS, including the Features table.
#[test]
fn a_v3_project_round_trips_its_ics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = touchstone_project::Device {
        maker: "M".into(),
        model: "X".into(),
        hardware_version: "1".into(),
        firmware_version: "1".into(),
        description: None,
        product_page: None,
    };
    for (name, text) in touchstone_project::scaffold::scaffold(
        catalog(),
        touchstone_catalog::Edition::V3_1_3,
        &device,
    ) {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    edit(
        dir.path(),
        "ics.toml",
        "[conditions]\n\n[features]",
        "[conditions]\n3 = \"All of it updates.\"\n\n[features]\ng = \"OTA firmware updates.\"\nm = \"Per-device keys.\"",
    );
    let p = loaded(dir.path());
    assert_eq!(p.rationales.features.len(), 2);
    for layout in [Layout::Md, Layout::Csv, Layout::Xlsx] {
        let bytes = export(Kind::Ics, layout, &p, catalog()).expect("export");
        let file = dir
            .path()
            .join(format!("ics-export.{}", layout.extension()));
        std::fs::write(&file, bytes).expect("write");
        if let Err(e) = import_into(dir.path(), Kind::Ics, &file, None, catalog()) {
            panic!("{layout:?}: {e:?}");
        }
        assert_eq!(json(&loaded(dir.path())), json(&p), "{layout:?}");
    }
}
