//! The registry is what runs: every check file is registered once, every
//! check is documented and mapped to provisions and units the catalogue
//! knows, and the ids never change (snapshot).

use touchstone_crosscheck::registry;

#[test]
fn check_ids_are_unique_documented_and_mapped() {
    let mut ids: Vec<&str> = registry().iter().map(|c| c.info.id).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate check ids");
    let catalog = touchstone_catalog::Catalog::embedded().expect("catalogue");
    let edition = touchstone_catalog::Edition::V2_1_1;
    for c in registry() {
        let i = &c.info;
        assert!(
            i.id.starts_with("decl-") || i.id.starts_with("xc-"),
            "{}",
            i.id
        );
        assert!(
            !i.title.is_empty() && !i.what.is_empty() && !i.why.is_empty() && !i.fix.is_empty(),
            "{}",
            i.id
        );
        assert!(!i.provisions.is_empty(), "{}", i.id);
        for p in i.provisions {
            assert!(
                catalog.provision(edition, p).is_some(),
                "{}: unknown provision {p}",
                i.id
            );
        }
        for u in i.test_units {
            let known = catalog
                .provisions(edition)
                .iter()
                .flat_map(|p| catalog.cases(edition, &p.id))
                .any(|c| catalog.units(&c).iter().any(|x| x.id == *u));
            assert!(known, "{}: unknown test unit {u}", i.id);
            assert!(
                i.provisions.iter().any(|p| u.starts_with(&format!("{p}-"))),
                "{}: unit {u} belongs to none of its provisions",
                i.id
            );
        }
    }
    insta::assert_snapshot!("check_ids", ids.join("\n"));
}

#[test]
fn every_check_file_is_registered_once() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/checks");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("src/checks") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n == "mod.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("check file");
        let at = text
            .find("id: \"")
            .unwrap_or_else(|| panic!("{} declares no id", path.display()));
        let id = text[at..].split('"').nth(1).expect("id");
        let registered = registry().iter().filter(|c| c.info.id == id).count();
        assert_eq!(
            registered,
            1,
            "{id} ({}) registered {registered} times",
            path.display()
        );
        // The file's first line documents the check under its id.
        assert!(
            text.starts_with(&format!("//! `{id}`: ")),
            "{} does not start with its id and summary",
            path.display()
        );
        files += 1;
    }
    assert_eq!(
        files,
        registry().len(),
        "a registry entry without its own file"
    );
}
