//! The verdict rules, each shown on the smart-plug example with one change.

use std::path::Path;

use touchstone_catalog::Catalog;
use touchstone_core::{Finding, Location, Severity, Supports, Verdict};
use touchstone_engine::{Assessment, Inputs, Plan, SourcedFinding, Tally, assess};
use touchstone_project::{Project, Sources, parse};

fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/smart-plug")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn catalog() -> &'static Catalog {
    Catalog::embedded().expect("catalogue")
}

/// The example project with `(file, from, to)` edits applied.
fn project(edits: &[(&str, &str, &str)]) -> Project {
    let mut ics = example("ics.toml");
    let mut evidence = example("evidence.toml");
    let mut ixit = example("ixit.toml");
    for (file, from, to) in edits {
        let text = match *file {
            "ics" => &mut ics,
            "ixit" => &mut ixit,
            _ => &mut evidence,
        };
        assert!(text.contains(from), "fixture text not found: {from}");
        *text = text.replacen(from, to, 1);
    }
    let project_text = example("touchstone.toml");
    let sources = Sources {
        project: &project_text,
        ics: Some(&ics),
        ixit: Some(&ixit),
        evidence: Some(&evidence),
    };
    let mut hasher = |path: &str| {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/smart-plug")
            .join(path);
        touchstone_project::hash_file(&p).map_err(|e| e.to_string())
    };
    let (project, diags) = parse(&sources, catalog(), &mut hasher);
    project.unwrap_or_else(|| panic!("invalid fixture: {diags:?}"))
}

fn example_findings() -> Vec<SourcedFinding> {
    let set = touchstone_core::parse_findings(&example("findings/lab-scan.json"), "lab-scan.json")
        .expect("example findings parse");
    set.findings
        .into_iter()
        .map(|finding| SourcedFinding {
            source: "lab-scan.json".into(),
            finding,
        })
        .collect()
}

fn finding(
    check: &str,
    supports: Supports,
    severity: Severity,
    provisions: &[&str],
    units: &[&str],
) -> SourcedFinding {
    SourcedFinding {
        source: "test".into(),
        finding: Finding {
            check: check.into(),
            severity,
            supports,
            provisions: provisions.iter().map(|s| (*s).to_owned()).collect(),
            test_units: units.iter().map(|s| (*s).to_owned()).collect(),
            location: Some(Location::Firmware {
                image: "fw.bin".into(),
                path: "/etc/inittab".into(),
                layers: vec!["squashfs@0x40000".into()],
                offset: None,
            }),
            message: format!("{check} observed"),
            evidence: None,
        },
    }
}

fn run(project: &Project, findings: &[SourcedFinding]) -> Assessment {
    assess(Inputs {
        catalog: catalog(),
        project,
        findings,
        today: Some("2026-12-07"),
    })
}

fn provision<'a>(a: &'a Assessment, id: &str) -> &'a touchstone_engine::ProvisionResult {
    a.provisions
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("no provision {id}"))
}

fn case_verdict(a: &Assessment, id: &str) -> Verdict {
    a.provisions
        .iter()
        .flat_map(|p| p.cases.iter())
        .find(|c| c.id == id)
        .map(|c| c.verdict)
        .unwrap_or_else(|| panic!("no case {id}"))
}

#[test]
fn example_verdicts() {
    let a = run(&project(&[]), &example_findings());
    // (test case, expected verdict, why)
    let expected = [
        (
            "4-1-1",
            Verdict::Pass,
            "every N/N-A recommendation is justified",
        ),
        ("5.2-1-1", Verdict::Pass, "assessor PASS on the whole case"),
        (
            "5.2-1-2",
            Verdict::NeedsManual,
            "unit b by record; net-security-txt is only an indication on unit a",
        ),
        (
            "5.5-1-2",
            Verdict::Pass,
            "its only unit has a passing finding",
        ),
        ("5.5-1-1", Verdict::NeedsManual, "conceptual, no evidence"),
        (
            "5.1-1-2",
            Verdict::NeedsManual,
            "provision-level pass finding is partial evidence",
        ),
        (
            "5.1-5-2",
            Verdict::NeedsManual,
            "one of two units has passing evidence",
        ),
        (
            "5.6-2-2",
            Verdict::Inconclusive,
            "manual PASS contradicted by an automated FAIL",
        ),
        (
            "5.1-4-1",
            Verdict::Inconclusive,
            "assessor recorded INCONCLUSIVE",
        ),
        ("5.3-2-2", Verdict::NotRun, "automatable, no results"),
        (
            "5.3-14-1",
            Verdict::NotApplicable,
            "N/A with condition 3 false",
        ),
        (
            "5.7-1-1",
            Verdict::NotImplemented,
            "recommendation declared N: not implemented, not N/A",
        ),
    ];
    for (case, verdict, why) in expected {
        assert_eq!(case_verdict(&a, case), verdict, "{case}: {why}");
    }
    assert_eq!(provision(&a, "5.2-1").verdict, Verdict::NeedsManual);
    assert_eq!(provision(&a, "5.7-1").plan, Plan::DeclaredNotImplemented);
    assert_eq!(provision(&a, "5.7-1").verdict, Verdict::NotImplemented);
    assert_eq!(
        a.overall.recommendations.not_implemented, 3,
        "5.7-1, 5.7-2, 5.12-3"
    );
    assert_eq!(a.overall.recommendations.not_applicable, Tally::of(a.provisions.iter().filter(|p| p.modal == touchstone_catalog::Modal::R && p.plan == Plan::NotApplicable).map(|p| p.verdict)).not_applicable);
    assert_eq!(a.unsettled, ["5.6-2-2"]);
    assert!(
        a.fails(Severity::Critical, true),
        "an unsettled contradiction fails the gate"
    );
    assert_eq!(provision(&a, "5.4-2").plan, Plan::NotApplicable);
    assert_eq!(a.overall.verdict, Verdict::Inconclusive);
    assert_eq!(a.overall.provisions.fail, 0);
    assert!(!a.fails_at(Severity::Info));
}

#[test]
fn a_mandatory_no_is_a_declared_non_conformity() {
    let p = project(&[(
        "ics",
        "[\"5.3-13\"]\nsupport = \"Y\"",
        "[\"5.3-13\"]\nsupport = \"N\"",
    )]);
    let a = run(&p, &[]);
    let r = provision(&a, "5.3-13");
    assert_eq!(
        (r.plan, r.verdict, r.severity),
        (
            Plan::DeclaredNonConformity,
            Verdict::Fail,
            Some(Severity::High)
        )
    );
    assert!(r.cases.iter().all(|c| c.verdict == Verdict::NotRun));
    assert_eq!(a.overall.verdict, Verdict::Fail);
    assert!(a.fails_at(Severity::High));
    assert!(!a.fails_at(Severity::Critical));
}

#[test]
fn an_unjustified_recommendation_fails_the_reporting_provision() {
    let p = project(&[(
        "ics",
        "detail = \"There is no separate guide for checking the setup; the app's security overview page is planned for firmware 2.6 and will be documented then.\"",
        "detail = \"\"",
    )]);
    let a = run(&p, &[]);
    let r = provision(&a, "4-1");
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.reason.contains("5.12-3"), "{}", r.reason);
    assert_eq!(case_verdict(&a, "4-1-1"), Verdict::Fail);
}

#[test]
fn a_finding_naming_only_a_provision_is_an_indication_and_fails_nothing() {
    let f = finding(
        "fw-telnetd",
        Supports::Fail,
        Severity::Critical,
        &["5.6-1"],
        &[],
    );
    let a = run(&project(&[]), &[f]);
    let case = a
        .provisions
        .iter()
        .flat_map(|p| p.cases.iter())
        .find(|c| c.id == "5.6-1-2")
        .expect("case");
    assert_eq!(case.verdict, Verdict::NeedsManual);
    assert!(case.reason.contains("indication"), "{}", case.reason);
    assert!(
        case.units
            .iter()
            .filter(|u| u.kind == touchstone_catalog::UnitKind::Functional)
            .all(|u| u.applied.iter().all(|x| x.indication()) && !u.applied.is_empty())
    );
    assert_eq!(case_verdict(&a, "5.6-1-1"), Verdict::NeedsManual);
    assert_ne!(provision(&a, "5.6-1").verdict, Verdict::Fail);
    assert!(!a.fails_at(Severity::Info));
}

/// Regression (issue 12): the share of ELF binaries without NX failed 5.6-8
/// and 5.6-9, and an end-of-life component 5.2-3, 5.5-2 and 5.3-8; both are
/// indications for units judged from documents and processes.
#[test]
fn built_in_indications_never_fail_a_unit_alone() {
    let elf = finding(
        "fw-elf-hardening",
        Supports::Fail,
        Severity::Medium,
        &["5.6-8", "5.6-9"],
        &["5.6-8-1", "5.6-9-1"],
    );
    let eol = finding(
        "fw-eol-component",
        Supports::Fail,
        Severity::High,
        &["5.2-3", "5.3-8", "5.5-2"],
        &["5.2-3-1", "5.3-8-1", "5.5-2-2"],
    );
    let a = run(&project(&[]), &[elf, eol]);
    for p in ["5.6-8", "5.6-9", "5.2-3", "5.3-8", "5.5-2"] {
        let r = provision(&a, p);
        assert_ne!(r.verdict, Verdict::Fail, "{p}: {}", r.reason);
    }
    let case = a
        .provisions
        .iter()
        .flat_map(|p| p.cases.iter())
        .find(|c| c.id == "5.6-8-1")
        .expect("case");
    assert_eq!(case.verdict, Verdict::NeedsManual);
    assert!(
        case.units
            .iter()
            .all(|u| u.applied.len() == 1 && u.applied[0].indication())
    );
}

/// Regression (issue 12): a case showed FAIL while every unit needed an assessor.
#[test]
fn a_case_fails_only_through_a_failing_unit() {
    let key = finding(
        "fw-private-key",
        Supports::Fail,
        Severity::High,
        &["5.4-3", "5.4-4"],
        &["5.4-3-2", "5.4-4-1"],
    );
    let a = run(&project(&[]), &[key]);
    for c in a.provisions.iter().flat_map(|p| p.cases.iter()) {
        if c.verdict == Verdict::Fail {
            assert!(
                c.units.iter().any(|u| u.verdict == Verdict::Fail),
                "{} fails with no failing unit",
                c.id
            );
        }
    }
    assert_eq!(
        case_verdict(&a, "5.4-3-2"),
        Verdict::Fail,
        "decisive on 5.4-3-2a"
    );
    assert_eq!(
        case_verdict(&a, "5.4-4-1"),
        Verdict::NeedsManual,
        "indication on 5.4-4-1"
    );
}

#[test]
fn a_unit_finding_fails_only_its_case() {
    let f = finding(
        "net-weak-tls",
        Supports::Fail,
        Severity::Medium,
        &[],
        &["5.5-1-2a"],
    );
    let a = run(&project(&[]), &[f]);
    assert_eq!(case_verdict(&a, "5.5-1-2"), Verdict::Fail);
    assert_eq!(provision(&a, "5.5-1").severity, Some(Severity::Medium));
    assert!(a.fails_at(Severity::Medium));
    assert!(!a.fails_at(Severity::High));
}

#[test]
fn a_manual_fail_fails_with_a_severity_from_the_status() {
    let p = project(&[(
        "evidence",
        "test_case = \"5.1-2-1\"\nverdict = \"PASS\"",
        "test_case = \"5.1-2-1\"\nverdict = \"FAIL\"",
    )]);
    let a = run(&p, &[]);
    assert_eq!(case_verdict(&a, "5.1-2-1"), Verdict::Fail);
    assert_eq!(provision(&a, "5.1-2").severity, Some(Severity::High));
}

#[test]
fn a_check_that_could_not_run_is_an_error_not_a_pass() {
    let f = finding(
        "net-tls-scan",
        Supports::Error,
        Severity::High,
        &[],
        &["5.3-2-2a"],
    );
    let a = run(&project(&[]), &[f]);
    assert_eq!(case_verdict(&a, "5.3-2-2"), Verdict::Error);
    assert_eq!(provision(&a, "5.3-2").verdict, Verdict::Error);
}

#[test]
fn findings_that_match_nothing_or_contradict_the_ics_are_noted() {
    let unknown = finding(
        "x-unknown",
        Supports::Fail,
        Severity::Low,
        &["5.99-1"],
        &["9.9-9-9z"],
    );
    let on_na = finding(
        "fw-uart-shell",
        Supports::Fail,
        Severity::High,
        &["5.6-4"],
        &[],
    );
    let a = run(&project(&[]), &[unknown, on_na]);
    let notes = a.notes.join("\n");
    assert!(notes.contains("names provision `5.99-1`"), "{notes}");
    assert!(notes.contains("names test unit `9.9-9-9z`"), "{notes}");
    assert!(
        notes.contains("bear on 5.6-4, which the ICS answers `N/A`"),
        "{notes}"
    );
    // A finding on an N/A provision does not turn it into a failure.
    assert_eq!(provision(&a, "5.6-4").verdict, Verdict::NotApplicable);
}

#[test]
fn scores_count_only_evaluated_items() {
    let t = Tally::of([
        Verdict::Pass,
        Verdict::Fail,
        Verdict::NeedsManual,
        Verdict::NotRun,
        Verdict::NotApplicable,
    ]);
    assert_eq!(t.applicable(), 4);
    assert_eq!(t.evaluated(), 2);
    assert_eq!(t.score(), Some(50.0));
    assert_eq!(t.coverage(), Some(50.0));
    let none = Tally::of([Verdict::NeedsManual]);
    assert_eq!(
        none.score(),
        None,
        "nothing evaluated is no score, not 100%"
    );
    assert_eq!(none.coverage(), Some(0.0));
}

#[test]
fn every_unit_passing_passes_the_case() {
    let fs = [
        finding("a", Supports::Pass, Severity::High, &[], &["5.1-5-2a"]),
        finding("b", Supports::Pass, Severity::High, &[], &["5.1-5-2b"]),
    ];
    let a = run(&project(&[]), &fs);
    assert_eq!(case_verdict(&a, "5.1-5-2"), Verdict::Pass);
    // The conceptual case still needs an assessor, so the provision is not yet PASS.
    assert_eq!(provision(&a, "5.1-5").verdict, Verdict::NeedsManual);
}

#[test]
fn a_manual_unit_fail_fails_the_case() {
    let p = project(&[(
        "evidence",
        "units = [\"b\"]\nverdict = \"PASS\"",
        "units = [\"b\"]\nverdict = \"FAIL\"",
    )]);
    let a = run(&p, &example_findings());
    assert_eq!(case_verdict(&a, "5.2-1-2"), Verdict::Fail);
    assert_eq!(provision(&a, "5.2-1").severity, Some(Severity::High));
}

const ANCHOR: &str = "the final print version is still to come.\"";

/// The example with dispositions appended to `evidence.toml`.
fn with_dispositions(blocks: &str) -> Project {
    project(&[("evidence", ANCHOR, &format!("{ANCHOR}\n\n{blocks}"))])
}

fn mdns_fingerprint() -> String {
    example_findings()
        .iter()
        .find(|f| f.finding.check == "net-mdns-disclosure")
        .expect("example has the mDNS finding")
        .finding
        .fingerprint()
}

fn disposition(decision: &str, extra: &str) -> String {
    format!(
        "[[disposition]]\nid = \"DSP-1\"\nfinding = \"{}\"\ndecision = \"{decision}\"\nreason = \"The announced name is the user-chosen label, documented in IXIT 17.\"\nassessor = \"M. Lindqvist\"\ndate = 2026-11-25\n{extra}",
        mdns_fingerprint()
    )
}

fn case_of<'a>(a: &'a Assessment, id: &str) -> &'a touchstone_engine::CaseResult {
    a.provisions
        .iter()
        .flat_map(|p| p.cases.iter())
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

/// Regression (issue 12): a manual PASS against a tool FAIL stayed
/// inconclusive for ever and the exit code turned green anyway.
#[test]
fn an_unsettled_contradiction_is_inconclusive_and_fails_the_gate() {
    let a = run(&project(&[]), &example_findings());
    let c = case_of(&a, "5.6-2-2");
    assert_eq!(c.verdict, Verdict::Inconclusive);
    assert!(
        c.unsettled && c.reason.starts_with("unsettled"),
        "{}",
        c.reason
    );
    assert!(a.fails(Severity::Critical, true));
    assert!(!a.fails(Severity::Critical, false));
}

#[test]
fn a_false_positive_with_a_reason_settles_the_contradiction() {
    let p = with_dispositions(&disposition("false-positive", ""));
    let a = run(&p, &example_findings());
    let c = case_of(&a, "5.6-2-2");
    assert_eq!(c.verdict, Verdict::Pass, "{}", c.reason);
    assert!(a.unsettled.is_empty());
    let d = &a.dispositions[0];
    assert_eq!(d.status, touchstone_engine::DispositionStatus::Applied);
    assert_eq!(d.units, ["5.6-2-2a"]);
    let unit = &c.units[0];
    assert_eq!(
        unit.applied[0].effect,
        touchstone_engine::Effect::FalsePositive
    );
    assert!(!a.fails(Severity::Info, true));
}

#[test]
fn a_waiver_holds_until_its_expiry_then_the_finding_counts_again() {
    let p = with_dispositions(&disposition(
        "accepted-risk",
        "owner = \"Lumio product security\"\nexpires = 2027-03-31\n",
    ));
    let live = assess(Inputs {
        catalog: catalog(),
        project: &p,
        findings: &example_findings(),
        today: Some("2027-03-31"),
    });
    assert_eq!(case_of(&live, "5.6-2-2").verdict, Verdict::Pass);
    assert_eq!(
        case_of(&live, "5.6-2-2").units[0].applied[0].effect,
        touchstone_engine::Effect::Waived
    );
    let expired = assess(Inputs {
        catalog: catalog(),
        project: &p,
        findings: &example_findings(),
        today: Some("2027-04-01"),
    });
    assert_eq!(case_of(&expired, "5.6-2-2").verdict, Verdict::Inconclusive);
    assert_eq!(
        expired.dispositions[0].status,
        touchstone_engine::DispositionStatus::Expired
    );
    assert!(
        expired
            .notes
            .iter()
            .any(|n| n.contains("DSP-1") && n.contains("expired")),
        "{:?}",
        expired.notes
    );
}

#[test]
fn a_confirmed_indication_becomes_decisive_and_a_check_disposition_covers_its_unit() {
    let elf = finding(
        "fw-elf-hardening",
        Supports::Fail,
        Severity::Medium,
        &["5.6-8"],
        &["5.6-8-1"],
    );
    let p = with_dispositions(
        "[[disposition]]\nid = \"DSP-2\"\ncheck = \"fw-elf-hardening\"\nunit = \"5.6-8-1a\"\ndecision = \"confirmed\"\nreason = \"The IXIT claims NX on every binary; 40 of 52 lack it.\"\nassessor = \"R. Okafor\"\ndate = 2026-11-26\n",
    );
    let a = run(&p, std::slice::from_ref(&elf));
    let c = case_of(&a, "5.6-8-1");
    assert_eq!(c.verdict, Verdict::Fail, "{}", c.reason);
    let a_unit = c.units.iter().find(|u| u.id == "5.6-8-1a").expect("unit a");
    let b_unit = c.units.iter().find(|u| u.id == "5.6-8-1b").expect("unit b");
    assert_eq!(a_unit.verdict, Verdict::Fail);
    assert!(
        b_unit.applied[0].indication(),
        "unit b keeps the indication"
    );
    // Without the disposition the same finding fails nothing.
    let plain = run(&project(&[]), &[elf]);
    assert_eq!(case_of(&plain, "5.6-8-1").verdict, Verdict::NeedsManual);
}

#[test]
fn debug_dump() {
    let a = run(&project(&[]), &example_findings());
    for p in &a.provisions {
        for c in &p.cases {
            println!("{} {:?} {:?} | {}", c.id, c.verdict, c.proposed.as_ref().map(|x| (x.verdict, x.rationale.clone())), c.reason);
            for u in &c.units {
                println!("    {} {:?} {:?} miss={:?} conf={:?} {}", u.id, u.verdict, u.proposed.as_ref().map(|x| (x.verdict, x.basis, x.rationale.clone())), u.ixit_missing, u.ixit_conflicts, u.reason);
            }
        }
    }
    println!("{:?} cov {:?} with {:?}", a.overall.cases, a.coverage(), a.coverage_with_proposed());
}
