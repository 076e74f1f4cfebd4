//! The catalogue lint and the review snapshot of every id.

use touchstone_catalog::{CaseKind, Catalog, ChangeKind, Edition, Modal, lint};

fn catalog() -> &'static Catalog {
    match Catalog::embedded() {
        Ok(c) => c,
        Err(e) => panic!("embedded catalogue does not parse: {e}"),
    }
}

#[test]
fn lint_is_clean() {
    let problems = lint(catalog());
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "catalogue lint:\n{}", text.join("\n"));
}

#[test]
fn edition_counts_hold() {
    let c = catalog();
    for (edition, total, m, r) in [(Edition::V2_1_1, 68, 33, 35), (Edition::V3_1_3, 78, 36, 42)] {
        let provisions = c.provisions(edition);
        assert_eq!(provisions.len(), total, "{edition}");
        assert_eq!(provisions.iter().filter(|p| p.modal == Modal::M).count(), m);
        assert_eq!(provisions.iter().filter(|p| p.modal == Modal::R).count(), r);
    }
    assert_eq!(c.standard(Edition::V2_1_1).conditions.len(), 13);
    assert_eq!(c.standard(Edition::V3_1_3).features.len(), 27);
    assert_eq!(c.ixit_tables().len(), 29);
}

#[test]
fn ts_103_701_v1_counts_hold() {
    let spec = catalog().spec(Edition::V2_1_1);
    assert_eq!(spec.groups.len(), 68);
    assert_eq!(spec.cases.len(), 109);
    assert_eq!(spec.units.len(), 226);
    let kind = |k| spec.cases.iter().filter(|c| c.kind == k).count();
    assert_eq!(
        (
            kind(CaseKind::Conceptual),
            kind(CaseKind::Functional),
            kind(CaseKind::Mixed)
        ),
        (62, 46, 1)
    );
}

#[test]
fn psti_pins_v2_1_1_and_its_four_provisions() {
    let c = catalog();
    let psti = c
        .mappings()
        .iter()
        .find(|m| m.scheme.id == "uk-psti")
        .expect("PSTI mapping present");
    assert_eq!(psti.scheme.standard, "en303645-v2.1.1");
    let mut provisions: Vec<&str> = psti
        .links
        .iter()
        .flat_map(|l| l.provisions.iter().map(String::as_str))
        .collect();
    provisions.sort_unstable();
    provisions.dedup();
    assert_eq!(provisions, ["5.1-1", "5.1-2", "5.2-1", "5.3-13"]);
    for scheme in ["en18031", "cra", "nistir8259a"] {
        assert!(
            c.mappings().iter().any(|m| m.scheme.id == scheme),
            "{scheme}"
        );
    }
}

#[test]
fn v3_cases_fall_back_to_v1_groups_only_where_unknown() {
    let c = catalog();
    // 5.1-1 exists in both editions; TS V2.1.1 is partial, so its cases come from V1.1.1.
    let cases = c.cases(Edition::V3_1_3, "5.1-1");
    assert!(!cases.is_empty());
    assert!(cases.iter().all(|c| c.carried_over));
    // Split provisions have their own groups.
    let split = c.cases(Edition::V3_1_3, "5.13-1B");
    assert!(!split.is_empty());
    assert!(split.iter().all(|c| !c.carried_over));
    // Voided numbers have none.
    assert!(c.cases(Edition::V3_1_3, "5.13-1").is_empty());
}

#[test]
fn every_id_is_snapshotted_for_review() {
    insta::assert_snapshot!("catalog_ids", catalog().id_list());
}

#[test]
fn v3_interface_groups_read_the_v2_ixit_tables() {
    let c = catalog();
    for (provision, tables) in [
        ("5.6-1", &["15-PhyIntf", "28-LogIntf"][..]),
        ("5.6-2", &["28-LogIntf"][..]),
        ("5.9-3", &["23-ResMech", "28-LogIntf"][..]),
    ] {
        let cases = c.cases(Edition::V3_1_3, provision);
        assert!(!cases.is_empty(), "{provision}");
        for case in &cases {
            assert!(
                !case.carried_over,
                "{provision} must not fall back to V1.1.1"
            );
            for unit in c.units(case) {
                assert_eq!(unit.ixit, tables, "{}", unit.id);
            }
        }
        // The V1.1.1 plan keeps the V1.1.1 tables.
        let old = c.cases(Edition::V2_1_1, provision);
        assert!(
            c.units(&old[0])
                .iter()
                .all(|u| !u.ixit.contains(&"28-LogIntf".to_owned()))
        );
    }
}

#[test]
fn changed_carried_over_groups_are_flagged() {
    let c = catalog();
    for (provision, kind) in [
        ("5.3-9", ChangeKind::Cases),
        ("5.12-3", ChangeKind::Cases),
        ("6-2", ChangeKind::Ixit),
    ] {
        let change = c.group_change(Edition::V3_1_3, provision);
        assert_eq!(change.map(|x| x.change), Some(kind), "{provision}");
        assert!(
            c.cases(Edition::V3_1_3, provision)
                .iter()
                .all(|x| x.carried_over)
        );
    }
    // 5.6-3 only had its table renamed.
    assert!(c.group_change(Edition::V3_1_3, "5.6-3").is_none());
    assert!(c.group_change(Edition::V2_1_1, "5.3-9").is_none());
}

#[test]
fn unit_cross_references_from_the_independent_check() {
    let c = catalog();
    let spec = c.spec(Edition::V2_1_1);
    let refs = |id: &str| {
        spec.units
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.refs.clone())
            .unwrap_or_default()
    };
    assert_eq!(refs("5.5-5-1a"), ["5.5-4-1"]);
    for u in ["5.5-6-1a", "5.5-7-1a", "5.8-1-1a", "5.8-2-1a"] {
        assert_eq!(refs(u), ["5.5-1-1"], "{u}");
    }
    for u in ["5.3-6-2a", "5.3-6-2b"] {
        assert_eq!(refs(u), ["5.3-6-1"], "{u}");
    }
}

#[test]
fn renamed_ixit_fields_keep_their_old_key_as_alias() {
    let c = catalog();
    for table in ["10-SecParam", "21-PersData"] {
        let t = c.ixit_table(table).expect("table");
        let new: Vec<_> = t
            .fields_for(Edition::V3_1_3)
            .filter(|f| f.name == "Secure Communication Mechanisms")
            .collect();
        assert_eq!(new.len(), 1, "{table}");
        assert_eq!(new[0].aliases, ["communication_mechanisms"]);
        assert!(
            t.fields_for(Edition::V2_1_1)
                .any(|f| f.key == "communication_mechanisms")
        );
    }
}
