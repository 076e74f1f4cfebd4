//! Pro-forma files come from makers: importing one as ICS, IXIT or evidence
//! must never panic or hang, whatever the bytes; problems are reported.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_catalog::{Catalog, Edition};
use touchstone_proforma::{Kind, Layout, import};

fuzz_target!(|data: &[u8]| {
    let Ok(catalog) = Catalog::embedded() else {
        return;
    };
    for kind in [Kind::Ics, Kind::Ixit, Kind::Evidence] {
        for edition in Edition::ALL {
            match import(kind, Layout::Xlsx, "input", data, catalog, edition, None) {
                Ok(i) => assert!(!i.toml.is_empty()),
                Err(problems) => {
                    assert!(!problems.is_empty());
                    for p in &problems {
                        let _ = p.to_string();
                    }
                }
            }
        }
    }
});
