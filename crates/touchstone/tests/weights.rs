//! Every built-in check has reviewed weights: for each test unit or case it
//! names (firmware, probe and cross-checks), the weights say on which units its findings are decisive and on
//! which they are indications (engine data `data/weights.toml`).

use touchstone_catalog::{Catalog, Edition};
use touchstone_engine::weights;

/// Units of a test case or the unit itself, over both editions' plans.
fn units_of(catalog: &Catalog, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    for edition in Edition::ALL {
        for p in catalog.provisions(edition) {
            for c in catalog.cases(edition, &p.id) {
                for u in catalog.units(&c) {
                    if u.id == id || c.case.id == id {
                        out.push(u.id.clone());
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn registered() -> Vec<(&'static str, &'static [&'static str])> {
    let mut ids: Vec<(&'static str, &'static [&'static str])> =
        touchstone_fwchecks::check::registry()
            .iter()
            .map(|c| (c.info.id, c.info.test_units))
            .collect();
    ids.extend(
        touchstone_probe::checks::CHECKS
            .iter()
            .map(|c| (c.info.id, c.info.test_units)),
    );
    ids.extend(
        touchstone_crosscheck::registry()
            .iter()
            .map(|c| (c.info.id, c.info.test_units)),
    );
    ids
}

#[test]
fn every_registered_check_has_weights_on_every_unit_it_names() {
    let catalog = Catalog::embedded().expect("catalogue");
    let w = weights();
    let checks = registered();
    assert!(checks.len() >= 40, "{} checks", checks.len());
    for (id, named) in &checks {
        let Some(cw) = w.get(id) else {
            panic!("check `{id}` has no entry in crates/touchstone-engine/data/weights.toml");
        };
        for t in *named {
            let units = units_of(catalog, t);
            assert!(!units.is_empty(), "{id} names `{t}`, which no plan has");
            assert!(
                units.iter().any(|u| cw.weight_of(u).is_some()),
                "{id} names `{t}` but its weights list none of {units:?}"
            );
        }
    }
}

#[test]
fn weights_name_only_known_checks_and_units() {
    let catalog = Catalog::embedded().expect("catalogue");
    let ids: Vec<&str> = registered().iter().map(|(id, _)| *id).collect();
    for (check, cw) in &weights().checks {
        assert!(
            ids.contains(&check.as_str()),
            "weights for unknown check `{check}`"
        );
        for u in cw.units() {
            assert_eq!(
                units_of(catalog, u),
                [u.to_owned()],
                "{check}: `{u}` is not a unit"
            );
        }
    }
}
