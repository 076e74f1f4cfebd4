//! The verdict rules, each shown on the smart-plug example with one change.

use std::path::Path;

use touchstone_catalog::Catalog;
use touchstone_core::{Finding, Location, Severity, Supports, Verdict};
use touchstone_engine::{Assessment, Basis, Inputs, Plan, Source, SourcedFinding, Tally, assess};
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

fn unit_of<'a>(a: &'a Assessment, id: &str) -> &'a touchstone_engine::UnitResult {
    a.provisions
        .iter()
        .flat_map(|p| p.cases.iter())
        .flat_map(|c| c.units.iter())
        .find(|u| u.id == id)
        .unwrap_or_else(|| panic!("no unit {id}"))
}

fn proposed(a: &Assessment, unit: &str) -> Option<(Verdict, Basis)> {
    unit_of(a, unit)
        .proposed
        .as_ref()
        .map(|p| (p.verdict, p.basis))
}

/// The target of issue 13: on the example with its firmware and probe
/// findings, at least 70 % of the applicable test cases have a verdict or a
/// proposed verdict. Computed from the run, case by case, and checked
/// against the tallies; the numbers are printed for the record.
#[test]
// The measured numbers are printed for the record (`--nocapture`).
#[allow(clippy::print_stdout)]
fn the_example_carries_most_test_cases_to_a_verdict_or_a_proposal() {
    let a = run(&project(&[]), &example_findings());
    let applicable: Vec<&touchstone_engine::CaseResult> = a
        .provisions
        .iter()
        .flat_map(|p| p.cases.iter())
        .filter(|c| !matches!(c.verdict, Verdict::NotApplicable | Verdict::NotImplemented))
        .collect();
    let decided = applicable
        .iter()
        .filter(|c| c.verdict.is_normative())
        .count();
    let proposed = applicable
        .iter()
        .filter(|c| !c.verdict.is_normative() && c.proposed.is_some())
        .count();
    let share = 100.0 * (decided + proposed) as f64 / applicable.len() as f64;
    let before = 100.0 * decided as f64 / applicable.len() as f64;
    println!(
        "{} applicable test cases: {decided} with a verdict ({before:.1} %), {proposed} more with a proposed verdict: {share:.1} %",
        applicable.len()
    );
    assert!(share >= 70.0, "share {share:.1} % is below the 70 % target");
    assert_eq!(a.overall.cases.applicable(), applicable.len());
    assert_eq!(a.overall.cases.evaluated(), decided);
    assert_eq!(a.overall.cases.proposed(), proposed);
    let with = a.coverage_with_proposed().expect("cases apply");
    assert!((with - share).abs() < 1e-9);
    assert!((a.coverage().expect("cases apply") - before).abs() < 1e-9);
}

#[test]
fn proposals_never_count_as_verdicts() {
    let findings = example_findings();
    let a = run(&project(&[]), &findings);
    // 5.5-1-1 is conceptual and documented: proposed PASS, verdict pending.
    let c = a
        .provisions
        .iter()
        .flat_map(|p| p.cases.iter())
        .find(|c| c.id == "5.5-1-1")
        .expect("5.5-1-1");
    assert_eq!(c.verdict, Verdict::NeedsManual);
    let p = c.proposed.as_ref().expect("a proposal");
    assert_eq!(p.verdict, Verdict::Pass);
    assert!(
        p.sources
            .iter()
            .any(|s| matches!(s, Source::Ics { provision } if provision == "5.5-1"))
    );
    assert!(p.sources.iter().any(|s| matches!(s, Source::Ixit { entry: Some(e), field: Some(f), .. } if e == "ComMech-1" && f == "cryptographic_details")));
    // Tallies, scores, coverage and gates see only PASS and FAIL.
    let pass = a.overall.cases.pass;
    assert_eq!(
        pass,
        Tally::of(
            a.provisions
                .iter()
                .flat_map(|x| x.cases.iter().map(|c| c.verdict))
        )
        .pass
    );
    assert!(a.overall.cases.proposed_pass > 50);
    assert!(a.coverage_with_proposed() > a.coverage());
    assert_eq!(
        a.overall.provisions.pass, 1,
        "only 4-1: no proposal passes a provision"
    );
    assert!(!a.fails_at(Severity::Info));
    // A proposed FAIL fails nothing either.
    let p = project(&[(
        "ixit",
        "brute_force_prevention = \"Exponential back-off after 5 failures, 15 minutes lock-out after 20\"\n",
        "",
    )]);
    let a = run(&p, &findings);
    assert_eq!(
        proposed(&a, "5.1-5-1a"),
        Some((Verdict::Fail, Basis::IxitGap))
    );
    assert_eq!(a.overall.cases.fail, 0);
    assert!(!a.fails_at(Severity::Info));
    assert!(a.overall.cases.proposed_fail >= 1);
}

#[test]
fn a_missing_ixit_field_is_named_and_keeps_the_unit_from_passing() {
    // AuthMech-2 loses its password generation mechanism: 5.1-1-1 reads it
    // for every password-based mechanism, and its assessor's PASS (EV-003)
    // can no longer stand.
    let p = project(&[(
        "ixit",
        "password_generation_mechanism = \"Chosen by the user; minimum 10 characters, checked against a breached-password list\"\n",
        "",
    )]);
    let a = run(&p, &example_findings());
    let u = unit_of(&a, "5.1-1-1a");
    assert_eq!(
        u.ixit_missing,
        ["AuthMech-2: password_generation_mechanism"]
    );
    assert_eq!(u.verdict, Verdict::Inconclusive);
    assert!(u.reason.contains("an assessor recorded PASS, but the IXIT lacks AuthMech-2: password_generation_mechanism"), "{}", u.reason);
    assert_eq!(case_verdict(&a, "5.1-1-1"), Verdict::Inconclusive);
    // 5.1-2 reads only the entries its ICS row names (AuthMech-1): its PASS stands.
    assert_eq!(case_verdict(&a, "5.1-2-1"), Verdict::Pass);
    assert!(unit_of(&a, "5.1-2-2a").ixit_missing.is_empty());
    // Without a record, the unit gets a proposed FAIL naming the gap, over
    // the passing indication it had.
    let u = unit_of(&a, "5.1-1-2c");
    assert_eq!(
        u.ixit_missing,
        ["AuthMech-2: password_generation_mechanism"]
    );
    let prop = u.proposed.as_ref().expect("proposed FAIL");
    assert_eq!((prop.verdict, prop.basis), (Verdict::Fail, Basis::IxitGap));
    assert!(
        prop.rationale
            .contains("the IXIT lacks AuthMech-2: password_generation_mechanism")
    );
    assert!(prop.sources.contains(&Source::Ixit {
        table: "1-AuthMech".into(),
        entry: Some("AuthMech-2".into()),
        field: Some("password_generation_mechanism".into())
    }));
    // A whole table missing is named as such.
    let p = project(&[
        ("ics", "ixit = [\"CodeMin-1\"]\n", ""),
        (
            "ixit",
            "[[\"16-CodeMin\"]]\nid = \"CodeMin-1\"\ndescription = \"Release build configuration removes the debug shell, test endpoints and logging above warning level\"\n",
            "",
        ),
    ]);
    let a = run(&p, &[]);
    assert_eq!(
        unit_of(&a, "5.6-6-1a").ixit_missing,
        ["16-CodeMin: no entry"]
    );
    let c = a
        .provisions
        .iter()
        .flat_map(|p| p.cases.iter())
        .find(|c| c.id == "5.6-6-1")
        .expect("case");
    assert!(c.reason.contains("the IXIT is incomplete for 1 of 1 unit(s), first 5.6-6-1a: the IXIT lacks 16-CodeMin: no entry"), "{}", c.reason);
    assert_eq!(c.proposed.as_ref().map(|p| p.verdict), Some(Verdict::Fail));
}

#[test]
fn an_ixit_answer_contradicting_the_ics_is_a_conflict() {
    // The ICS answers 5.3-1 Y (every component is updated) while the IXIT
    // says a component has no update mechanism.
    let p = project(&[(
        "ixit",
        "description = \"Wi-Fi co-processor firmware\"\nupdate_mechanism = \"UpdMech-1\"",
        "description = \"Wi-Fi co-processor firmware\"\nupdate_mechanism = \"N/A: the vendor ships no updates\"",
    )]);
    let a = run(&p, &[]);
    let u = unit_of(&a, "5.3-1-1a");
    assert_eq!(
        u.ixit_conflicts,
        [
            "SoftComp-2: update_mechanism says `N/A: the vendor ships no updates` although the ICS answers 5.3-1 Y"
        ]
    );
    assert_eq!(
        proposed(&a, "5.3-1-1a"),
        Some((Verdict::Fail, Basis::IxitGap))
    );
    // `None` is an answer, not N/A, in a text field: nothing disclosed.
    assert!(unit_of(&a, "5.6-2-1a").ixit_conflicts.is_empty());
}

#[test]
fn a_typed_confirmation_decides_its_unit() {
    let a = run(&project(&[]), &[]);
    let u = unit_of(&a, "5.3-8-1b");
    assert_eq!(u.verdict, Verdict::Pass);
    assert!(!u.needs_person && u.checklist.is_empty());
    assert_eq!(
        u.decided_by.as_deref(),
        Some("4-Conf.confirmation_of_update_procedures = yes")
    );
    // Answered No: the unit and its case fail without a person, with the
    // severity of a failed requirement of the provision's modal verb.
    let p = project(&[(
        "ixit",
        "confirmation_of_update_procedures = \"yes\"",
        "confirmation_of_update_procedures = \"No, not yet in place\"",
    )]);
    let a = run(&p, &[]);
    assert_eq!(unit_of(&a, "5.3-8-1b").verdict, Verdict::Fail);
    let c = a
        .provisions
        .iter()
        .flat_map(|p| p.cases.iter())
        .find(|c| c.id == "5.3-8-1")
        .expect("case");
    assert_eq!(c.verdict, Verdict::Fail);
    assert_eq!(
        c.reason,
        "the maker's IXIT answers no: 4-Conf.confirmation_of_update_procedures = no (unit 5.3-8-1b)"
    );
    assert_eq!(c.severity, Some(Severity::High), "5.3-8 is mandatory");
    assert_eq!(provision(&a, "5.3-8").verdict, Verdict::Fail);
    // An assessor's record still decides the unit.
    let p = project(&[
        (
            "ixit",
            "confirmation_of_update_procedures = \"yes\"",
            "confirmation_of_update_procedures = \"no\"",
        ),
        (
            "evidence",
            "[[record]]\nid = \"EV-007\"",
            "[[record]]\nid = \"EV-008\"\ntest_case = \"5.3-8-1\"\nunits = [\"b\"]\nverdict = \"PASS\"\nassessor = \"R. Okafor\"\ndate = 2026-11-22\nnotes = \"Procedure seen in operation.\"\n\n[[record]]\nid = \"EV-007\"",
        ),
    ]);
    let a = run(&p, &[]);
    assert_eq!(unit_of(&a, "5.3-8-1b").verdict, Verdict::Pass);
    // Not a yes/no answer: a conflict, and a proposed FAIL.
    let p = project(&[(
        "ixit",
        "confirmation_of_update_procedures = \"yes\"",
        "confirmation_of_update_procedures = \"in progress\"",
    )]);
    let a = run(&p, &[]);
    let u = unit_of(&a, "5.3-8-1b");
    assert_eq!(
        u.ixit_conflicts,
        ["4-Conf: confirmation_of_update_procedures is `in progress`, not a yes/no answer"]
    );
    assert_eq!(
        proposed(&a, "5.3-8-1b"),
        Some((Verdict::Fail, Basis::IxitGap))
    );
}

#[test]
fn units_take_the_standing_of_what_they_reuse_or_what_observed_them() {
    let findings = example_findings();
    let a = run(&project(&[]), &findings);
    // 5.5-6-2a repeats 5.5-1-2a (PASS by a decisive finding).
    let u = unit_of(&a, "5.5-6-2a");
    let p = u.proposed.as_ref().expect("proposal");
    assert_eq!((p.verdict, p.basis), (Verdict::Pass, Basis::Reused));
    assert_eq!(
        p.sources,
        [Source::Reused {
            id: "5.5-1-2a".into(),
            verdict: Verdict::Pass,
            proposed: false
        }]
    );
    // 5.5-5-1a reuses the whole case 5.5-4-1, itself only proposed.
    assert_eq!(
        proposed(&a, "5.5-5-1a"),
        Some((Verdict::Pass, Basis::Reused))
    );
    // 5.6-1-2a: the complete port scan of 5.6-1-2b observed part of it.
    assert_eq!(
        proposed(&a, "5.6-1-2a"),
        Some((Verdict::Pass, Basis::Related))
    );
    // 5.3-1-1b reuses 5.3-2-1 of a later provision: settled after it.
    assert_eq!(
        proposed(&a, "5.3-1-1b"),
        Some((Verdict::Pass, Basis::Reused))
    );
    // When 5.5-1-2a fails, what reuses it is proposed FAIL, not PASS.
    let mut failing = findings.clone();
    failing.push(finding(
        "net-tls-legacy-version",
        Supports::Fail,
        Severity::High,
        &["5.5-1"],
        &["5.5-1-2a"],
    ));
    let a = run(&project(&[]), &failing);
    assert_eq!(case_verdict(&a, "5.5-1-2"), Verdict::Fail);
    assert_eq!(
        proposed(&a, "5.5-6-2a"),
        Some((Verdict::Fail, Basis::Reused))
    );
    assert_eq!(
        proposed(&a, "5.1-3-2a"),
        Some((Verdict::Fail, Basis::Related))
    );
    let c = a
        .provisions
        .iter()
        .flat_map(|p| p.cases.iter())
        .find(|c| c.id == "5.5-6-2")
        .expect("case");
    assert_eq!(c.proposed.as_ref().map(|p| p.verdict), Some(Verdict::Fail));
    assert_eq!(c.verdict, Verdict::NotRun, "a proposal is not a verdict");
}

#[test]
fn failing_indications_propose_fail_and_passing_ones_pass() {
    let mut findings = example_findings();
    findings.push(finding(
        "fw-eol-component",
        Supports::Fail,
        Severity::Medium,
        &["5.2-3"],
        &[],
    ));
    let a = run(&project(&[]), &findings);
    for u in ["5.2-3-1a", "5.2-3-1b", "5.2-3-1c"] {
        let p = unit_of(&a, u).proposed.as_ref().expect("proposal");
        assert_eq!(
            (p.verdict, p.basis),
            (Verdict::Fail, Basis::Indication),
            "{u}"
        );
        assert!(
            p.rationale.contains("`fw-eol-component`"),
            "{}",
            p.rationale
        );
    }
    // The confirmation unit stays decided by the typed answer.
    assert_eq!(unit_of(&a, "5.2-3-1d").verdict, Verdict::Pass);
    assert_eq!(case_verdict(&a, "5.2-3-1"), Verdict::NeedsManual);
    // An indication supporting PASS (a provision-level finding of another tool).
    assert_eq!(
        proposed(&run(&project(&[]), &example_findings()), "5.1-1-2b"),
        Some((Verdict::Pass, Basis::Indication))
    );
}

/// The example as a V3.1.3 project: every provision answered Y, the IXIT
/// under the V2.1.1 table names and the renamed field's new key.
fn v3_project() -> Project {
    let mut p = project(&[]);
    p.edition = touchstone_catalog::Edition::V3_1_3;
    p.ics = catalog()
        .provisions(p.edition)
        .iter()
        .map(|x| {
            (
                x.id.clone(),
                touchstone_project::IcsAnswer {
                    support: touchstone_project::Support::Y,
                    detail: "Implemented.".into(),
                    ixit: Vec::new(),
                    references: Vec::new(),
                    claimed_status: None,
                    documents: Vec::new(),
                    attachments: Vec::new(),
                },
            )
        })
        .collect();
    p.records.clear();
    for e in &mut p.ixit {
        e.table = catalog().ixit_name(p.edition, &e.table).to_owned();
        for map in [&mut e.fields] {
            if let Some(v) = map.remove("communication_mechanisms") {
                map.insert("secure_communication_mechanisms".into(), v);
            }
        }
        if let Some(v) = e.values.remove("communication_mechanisms") {
            e.values.insert("secure_communication_mechanisms".into(), v);
        }
    }
    p
}

#[test]
fn the_v3_plan_reads_the_v2_ixit_tables() {
    let a = run(&v3_project(), &[]);
    // A carried-over unit reads a renamed field through its alias.
    let u = unit_of(&a, "5.5-6-1a");
    assert!(u.ixit_missing.is_empty(), "{:?}", u.ixit_missing);
    // A V2.1.1 group reads 28-LogIntf, which the V1.1.1 example fills only
    // with an entry lacking the new fields: named, proposed FAIL.
    let u = unit_of(&a, "5.6-1-1a");
    assert!(
        u.ixit_missing.contains(&"ExtAPI-1: status".to_owned()),
        "{:?}",
        u.ixit_missing
    );
    assert_eq!(
        proposed(&a, "5.6-1-1a"),
        Some((Verdict::Fail, Basis::IxitGap))
    );
    // Typed confirmations decide in V3.1.3 too, and checklists come along.
    assert_eq!(unit_of(&a, "5.3-8-1b").verdict, Verdict::Pass);
    assert!(!unit_of(&a, "5.1-2A-1a").checklist.is_empty());
    assert!(a.overall.cases.proposed() > 40, "{:?}", a.overall.cases);
}
