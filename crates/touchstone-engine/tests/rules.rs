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
    for (file, from, to) in edits {
        let text = if *file == "ics" {
            &mut ics
        } else {
            &mut evidence
        };
        assert!(text.contains(from), "fixture text not found: {from}");
        *text = text.replacen(from, to, 1);
    }
    let project_text = example("touchstone.toml");
    let ixit = example("ixit.toml");
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
            Verdict::Pass,
            "unit a by finding, unit b by record",
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
            Verdict::NotApplicable,
            "recommendation declared N",
        ),
    ];
    for (case, verdict, why) in expected {
        assert_eq!(case_verdict(&a, case), verdict, "{case}: {why}");
    }
    assert_eq!(provision(&a, "5.2-1").verdict, Verdict::Pass);
    assert_eq!(provision(&a, "5.7-1").plan, Plan::DeclaredNotImplemented);
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
fn a_failing_finding_fails_the_functional_case_only() {
    let f = finding(
        "fw-telnetd",
        Supports::Fail,
        Severity::Critical,
        &["5.6-1"],
        &[],
    );
    let a = run(&project(&[]), &[f]);
    assert_eq!(case_verdict(&a, "5.6-1-2"), Verdict::Fail);
    assert_eq!(case_verdict(&a, "5.6-1-1"), Verdict::NeedsManual);
    let r = provision(&a, "5.6-1");
    assert_eq!(
        (r.verdict, r.severity),
        (Verdict::Fail, Some(Severity::Critical))
    );
    assert_eq!(a.overall.worst_severity, Some(Severity::Critical));
    assert!(a.fails_at(Severity::Critical));
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
