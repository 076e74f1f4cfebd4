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

/// The embedded catalogue with one replacement in one file, linted.
fn lint_with(file: &str, from: &str, to: &str) -> Vec<String> {
    let files: Vec<(&str, String)> = touchstone_catalog::EMBEDDED
        .iter()
        .map(|(name, text)| {
            let text = if *name == file {
                assert!(text.contains(from), "{file} has no `{from}`");
                text.replacen(from, to, 1)
            } else {
                (*text).to_owned()
            };
            (*name, text)
        })
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let c = Catalog::parse(&refs).expect("the edited catalogue parses");
    lint(&c).iter().map(ToString::to_string).collect()
}

#[test]
fn lint_checks_needs_decisions_and_checklists() {
    let v1 = "ts103701-v1.1.1.toml";
    let cases = [
        // A field the table does not have.
        (
            v1,
            "\"1-AuthMech.brute_force_prevention\"",
            "\"1-AuthMech.brute_force\"",
            "1-AuthMech has no field `brute_force`",
        ),
        // A table the unit does not use.
        (
            v1,
            "needs = [\"16-CodeMin.description\"]",
            "needs = [\"17-PrivlCtrl.description\"]",
            "names a table the unit does not use",
        ),
        // Not the syntax.
        (
            v1,
            "needs = [\"16-CodeMin.description\"]",
            "needs = [\"16-CodeMin..description\"]",
            "is not TABLE",
        ),
        // `=` on a text field.
        (
            v1,
            "13-SoftServ[status~enabled].justification",
            "13-SoftServ[status=enabled].justification",
            "`=` compares a yes/no or enumerated answer",
        ),
        // A decision by a text field.
        (
            v1,
            "decides = \"4-Conf.confirmation_of_update_procedures\"",
            "decides = \"8-UpdProc.time_frame\"",
            "must name a yes/no field of a single-record table",
        ),
        // A unit needing a person without any checklist (its case has none either).
        (
            v1,
            "decides = \"4-Conf.confirmation_of_secure_development\"\n",
            "",
            "unit 5.6-9-1b needs a person but neither it nor its case has a checklist",
        ),
        // A field that exists only in the other TS edition, in a group carried over into V3.1.3.
        (
            v1,
            "needs = [\"16-CodeMin.description\"]",
            "needs = [\"16-CodeMin.description\", \"1-AuthMech.default_status\"]",
            "names a table the unit does not use",
        ),
        (
            v1,
            "\"1-AuthMech.brute_force_prevention\"",
            "\"1-AuthMech.default_status\"",
            "has no field `default_status` for EN 303 645 V2.1.1",
        ),
    ];
    for (file, from, to, want) in cases {
        let problems = lint_with(file, from, to);
        assert!(
            problems.iter().any(|p| p.contains(want)),
            "`{from}` -> `{to}`: expected a problem containing `{want}`, got {problems:#?}"
        );
    }
}

#[test]
fn every_unit_of_both_plans_has_its_evidence_described() {
    let c = catalog();
    for edition in Edition::ALL {
        let mut decided = 0;
        for p in c.provisions(edition) {
            for case in c.cases(edition, &p.id) {
                for u in c.units(&case) {
                    if c.needs_person(edition, &case, u) {
                        assert!(!c.checklist(&case, u).is_empty(), "{edition} {}", u.id);
                    } else if u.decides.is_some() {
                        decided += 1;
                    }
                    for need in c.needs(&case, u) {
                        let n = touchstone_catalog::IxitNeed::parse(need).expect("need parses");
                        if let Some(f) = n.field {
                            assert!(
                                c.ixit_field(edition, n.table, f).is_some(),
                                "{edition} {need}"
                            );
                        }
                    }
                }
            }
        }
        // 5.2-2, 5.2-3, 5.3-8, 5.5-8 and 5.6-9 each have a unit decided by a 4-Conf confirmation.
        assert_eq!(decided, 5, "{edition}");
    }
    // A renamed field resolves through its alias in the newer edition.
    let (_, f) = c
        .ixit_field(Edition::V3_1_3, "10-SecParam", "communication_mechanisms")
        .expect("alias resolves");
    assert_eq!(f.key, "secure_communication_mechanisms");
}
