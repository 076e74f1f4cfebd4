//! The fuzz seeds are real pro-formas: each imports without a problem.

use std::path::Path;

use touchstone_catalog::{Catalog, Edition};
use touchstone_proforma::{Kind, Layout, import};

#[test]
fn every_fuzz_seed_imports() {
    let catalog = Catalog::embedded().expect("catalogue");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    let mut seen = 0;
    for (dir, layout) in [
        ("proforma_markdown", Layout::Md),
        ("proforma_csv", Layout::Csv),
        ("proforma_xlsx", Layout::Xlsx),
    ] {
        let entries = std::fs::read_dir(root.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}"));
        let mut here = 0;
        for e in entries {
            let path = e.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let kind = if name.starts_with("ics") {
                Kind::Ics
            } else if name.starts_with("ixit") {
                Kind::Ixit
            } else {
                Kind::Evidence
            };
            let bytes = std::fs::read(&path).expect("read");
            if let Err(p) = import(kind, layout, &name, &bytes, catalog, Edition::V2_1_1, None) {
                panic!("{dir}/{name}: {p:#?}");
            }
            here += 1;
        }
        assert!(here >= 3, "{dir} has {here} seeds");
        seen += here;
    }
    assert!(seen >= 9);
}
