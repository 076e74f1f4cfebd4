//! `docs/evidence-sources.md` is generated from the catalogue and the
//! weights: this test fails when it is stale (`UPDATE_DOCS=1` rewrites it),
//! and checks the table says what the data says.

use std::path::Path;

use touchstone_catalog::{Catalog, Edition};
use touchstone_engine::{Weight, evidence_sources, evidence_sources_markdown};

#[test]
fn the_evidence_source_table_is_generated_and_current() {
    let catalog = Catalog::embedded().expect("catalogue");
    let text = evidence_sources_markdown(catalog);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/evidence-sources.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &text).expect("write docs/evidence-sources.md");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == text,
        "{} is stale: run UPDATE_DOCS=1 cargo test -p touchstone-engine --test evidence_sources",
        path.display()
    );
}

#[test]
fn every_test_case_of_both_plans_has_its_sources() {
    let catalog = Catalog::embedded().expect("catalogue");
    for edition in Edition::ALL {
        let rows = evidence_sources(catalog, edition);
        let plan: usize = catalog
            .provisions(edition)
            .iter()
            .map(|p| catalog.cases(edition, &p.id).len())
            .sum();
        assert_eq!(rows.len(), plan, "{edition}");
        for r in &rows {
            let s = &r.sources;
            assert!(
                s.ics || s.ixit || s.person,
                "{edition} {}: no source at all",
                r.case
            );
        }
        let case = |id: &str| rows.iter().find(|r| r.case == id).expect(id);
        // The reporting provision is decided by the ICS alone.
        let reporting = &catalog.standard(edition).standard.reporting_provision;
        let r = rows
            .iter()
            .find(|r| &r.provision == reporting)
            .expect("reporting");
        assert!(r.sources.ics && !r.sources.person);
        // Firmware and live checks as the weights say.
        let s = &case("5.4-3-2").sources;
        assert_eq!(s.firmware, Some(Weight::Decisive));
        let s = &case("5.5-1-2").sources;
        assert_eq!(s.live, Some(Weight::Decisive));
        assert_eq!(case("5.6-2-2").sources.live, Some(Weight::Indication));
        // A typed confirmation decides a unit of 5.3-8-1.
        assert!(case("5.3-8-1").sources.ixit_decides);
        assert!(case("5.3-8-1").units.iter().any(|(_, u)| !u.person));
    }
}
