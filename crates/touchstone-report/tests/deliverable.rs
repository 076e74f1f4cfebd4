//! Every format of the signed example: dispositions (a live waiver, an
//! expired one, a confirmed indication, a false positive), decisive and
//! indicative findings, and the deliverable fields; and the PDF read back
//! with a PDF parser (page count, text, embedded attachment).

use std::path::{Path, PathBuf};

use touchstone_catalog::Catalog;
use touchstone_core::{Finding, Location, Severity, Supports};
use touchstone_engine::{Inputs, SourcedFinding, assess};
use touchstone_project::{Project, Sources, parse};
use touchstone_report::model::{AdviceRow, InputRow};
use touchstone_report::pdf::PdfAttachment;
use touchstone_report::{Extras, Report, ReportInputs, build_with, html, json, markdown, pdf};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/smart-plug")
}

fn read(rel: &str) -> String {
    let p = example_dir().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn catalog() -> &'static Catalog {
    Catalog::embedded().expect("catalogue")
}

/// An expired waiver and a false positive on top of the example's sign-off files.
const MORE_DISPOSITIONS: &str = "
[[disposition]]
id = \"DSP-003\"
check = \"fw-world-writable\"
unit = \"5.6-7-1a\"
decision = \"accepted-risk\"
reason = \"/tmp is world-writable by design; sticky bit checked on the device.\"
assessor = \"R. Okafor\"
date = 2026-01-10
owner = \"Lumio engineering (fictional)\"
expires = 2026-06-30

[[disposition]]
id = \"DSP-004\"
check = \"fw-private-key\"
unit = \"5.4-4-1\"
decision = \"false-positive\"
reason = \"The key is the public test key of the bootloader's self-test, never used in production.\"
assessor = \"R. Okafor\"
date = 2026-11-27
";

fn signed_project() -> Project {
    let project = read("touchstone.toml") + &read("signoff/touchstone-lab.toml");
    let evidence =
        read("evidence.toml") + &read("signoff/evidence-dispositions.toml") + MORE_DISPOSITIONS;
    let (ics, ixit) = (read("ics.toml"), read("ixit.toml"));
    let sources = Sources {
        project: &project,
        ics: Some(&ics),
        ixit: Some(&ixit),
        evidence: Some(&evidence),
    };
    let mut hasher =
        |p: &str| touchstone_project::hash_file(&example_dir().join(p)).map_err(|e| e.to_string());
    let (p, diags) = parse(&sources, catalog(), &mut hasher);
    p.unwrap_or_else(|| panic!("{diags:?}"))
}

fn firmware(check: &str, severity: Severity, provisions: &[&str], units: &[&str]) -> Finding {
    Finding {
        check: check.into(),
        severity,
        supports: Supports::Fail,
        provisions: provisions.iter().map(|s| (*s).to_owned()).collect(),
        test_units: units.iter().map(|s| (*s).to_owned()).collect(),
        location: Some(Location::Firmware {
            image: "sp20-2.4.1.bin".into(),
            path: "/etc/ssl/private/device.key".into(),
            layers: vec!["squashfs@0x40000".into()],
            offset: None,
        }),
        message: format!("{check} found something"),
        evidence: Some("-----BEGIN PRIVATE KEY----- [redacted]".into()),
    }
}

fn findings() -> Vec<SourcedFinding> {
    let set = touchstone_core::parse_findings(&read("findings/lab-scan.json"), "lab-scan.json")
        .expect("example findings");
    let mut out: Vec<SourcedFinding> = set
        .findings
        .into_iter()
        .map(|finding| SourcedFinding {
            source: "findings/lab-scan.json".into(),
            finding,
        })
        .collect();
    for f in [
        // Decisive on 5.4-3-2a, an indication on 5.4-4-1 (settled as a false positive there).
        firmware(
            "fw-private-key",
            Severity::High,
            &["5.4-3", "5.4-4"],
            &["5.4-3-2", "5.4-4-1"],
        ),
        // An indication only.
        firmware(
            "fw-elf-hardening",
            Severity::Medium,
            &["5.6-8", "5.6-9"],
            &["5.6-8-1", "5.6-9-1"],
        ),
        // Waived until 2026-06-30: counts again.
        firmware("fw-world-writable", Severity::Low, &["5.6-7"], &["5.6-7-1"]),
    ] {
        out.push(SourcedFinding {
            source: "firmware scan".into(),
            finding: f,
        });
    }
    out
}

fn report() -> Report {
    let project = signed_project();
    let findings = findings();
    let assessment = assess(Inputs {
        catalog: catalog(),
        project: &project,
        findings: &findings,
        today: Some("2026-12-07"),
    });
    build_with(
        &ReportInputs {
            catalog: catalog(),
            project: &project,
            project_name: "examples/smart-plug",
            assessment: &assessment,
            diagnostics: &[],
            tool_version: "0.0.0-test",
            generated_at: "2026-12-07T00:00:00Z",
        },
        &Extras {
            advice: vec![AdviceRow {
                check: "fw-private-key".into(),
                title: "Private keys in the image".into(),
                what: "Looks for private keys in the firmware image.".into(),
                why: "A key shipped in every unit is known to anyone with the image.".into(),
                fix: "Generate keys per device at first boot or in production.".into(),
            }],
            inputs: vec![InputRow {
                name: "lab-scan.json".into(),
                sha256: "0b202abaac4f998203bf22750a6e4486465623fa3c2fc72db163f5cfdd716388".into(),
                kind: Some("findings".into()),
                sample: None,
                status: "used".into(),
            }],
        },
    )
}

#[test]
fn the_model_carries_dispositions_weights_and_the_deliverable() {
    let r = report();
    let status: Vec<(&str, &str)> = r
        .dispositions
        .iter()
        .map(|d| (d.id.as_str(), d.status.as_str()))
        .collect();
    assert_eq!(
        status,
        [
            ("DSP-001", "applied"),
            ("DSP-002", "applied"),
            ("DSP-003", "expired"),
            ("DSP-004", "applied")
        ]
    );
    assert!(r.unsettled.is_empty());
    assert_eq!(r.deliverable.status, "approved");
    assert_eq!(r.deliverable.report_id.as_deref(), Some("NDSL-2026-0142"));
    assert_eq!(r.deliverable.inputs[0].status, "declared-and-used");
    assert_eq!(r.advice.len(), 1);
    let case = |id: &str| {
        r.provisions
            .iter()
            .flat_map(|p| p.test_cases.iter())
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    assert_eq!(case("5.4-3-2").verdict, touchstone_core::Verdict::Fail);
    assert_eq!(
        case("5.6-8-1").verdict,
        touchstone_core::Verdict::NeedsManual
    );
    assert_eq!(
        case("5.6-7-1").verdict,
        touchstone_core::Verdict::NeedsManual
    );
    assert_eq!(
        case("5.6-7-1").units[0].applied[0].effect,
        "waiver-expired",
        "an expired waiver counts again (an indication here)"
    );
    assert_eq!(case("5.6-2-2").verdict, touchstone_core::Verdict::Pass);
    assert_eq!(case("5.2-1-2").verdict, touchstone_core::Verdict::Pass);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("DSP-003") && n.contains("expired"))
    );
}

#[test]
fn every_text_format_is_snapshotted() {
    let r = report();
    insta::assert_snapshot!("signed_json", json::render(&r));
    insta::assert_snapshot!("signed_markdown", markdown::render(&r));
    insta::assert_snapshot!("signed_html", html::render(&r));
    insta::assert_snapshot!(
        "signed_terminal",
        touchstone_report::terminal::render(&r, touchstone_report::terminal::Color::Never)
    );
    insta::assert_snapshot!("signed_sarif", touchstone_report::sarif::render(&r));
    insta::assert_snapshot!("signed_junit", touchstone_report::junit::render(&r));
}

#[test]
fn every_text_format_carries_the_deliverable_and_the_dispositions() {
    let r = report();
    for (name, text) in [
        ("json", json::render(&r)),
        ("markdown", markdown::render(&r)),
        ("html", html::render(&r)),
    ] {
        for needle in [
            "NDSL-2026-0142",
            "Northgate Device Security Lab",
            "SP20-B-004711",
            "0b202abaac4f998203bf22750a6e4486465623fa3c2fc72db163f5cfdd716388",
            "A. Brennan",
            "K. Osei",
            "2026-11-18",
            "DSP-003",
            "is world-writable by design",
            "Generate keys per device",
            "AuthMech-1",
        ] {
            assert!(text.contains(needle), "{name} lacks {needle}");
        }
    }
}

#[test]
fn sarif_and_junit_carry_the_deliverable_and_every_disposition_with_its_reason() {
    let r = report();
    for (name, text) in [
        ("sarif", touchstone_report::sarif::render(&r)),
        ("junit", touchstone_report::junit::render(&r)),
    ] {
        for needle in [
            "NDSL-2026-0142",
            "Northgate Device Security Lab",
            "SP20-B-004711",
            "0b202abaac4f998203bf22750a6e4486465623fa3c2fc72db163f5cfdd716388",
            "A. Brennan",
            "K. Osei",
            "2026-11-18",
            "DSP-003",
            "is world-writable by design",
            "DSP-004",
            "public test key of the bootloader",
        ] {
            assert!(text.contains(needle), "{name} lacks {needle}");
        }
    }
    // The false positive is limited to 5.4-4-1: the key still fails
    // 5.4-3-2, so its SARIF result is not suppressed.
    let log: serde_json::Value =
        serde_json::from_str(&touchstone_report::sarif::render(&r)).expect("json");
    let key = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|x| x["ruleId"] == "check/fw-private-key")
        .expect("private key result");
    assert!(key.get("suppressions").is_none(), "{key}");
    assert_eq!(key["properties"]["dispositions"][0]["id"], "DSP-004");
}

#[test]
fn the_pdf_has_a_cover_numbered_pages_a_signature_block_and_the_attachment() {
    let r = report();
    let policy = "evidence/security-policy-2026-11-20.txt";
    let bytes = std::fs::read(example_dir().join(policy)).expect("attachment");
    let out = pdf::render(
        &r,
        &[PdfAttachment {
            name: policy.into(),
            description: Some("Policy page as captured".into()),
            bytes: bytes.clone(),
        }],
    );
    let doc = lopdf::Document::load_mem(&out).expect("a PDF lopdf can read");
    let pages = doc.get_pages();
    let n = pages.len();
    assert!(n >= 5, "{n} pages");
    let text = |p: u32| doc.extract_text(&[p]).expect("text");
    let cover = text(1);
    for needle in [
        "Test report",
        "NDSL-2026-0142",
        "SP20-B-004711",
        "Page 1 of",
    ] {
        assert!(cover.contains(needle), "cover lacks {needle}: {cover}");
    }
    let last = text(n as u32);
    assert!(last.contains(&format!("Page {n} of {n}")), "{last}");
    let all: String = (1..=n as u32).map(text).collect();
    for needle in [
        "Sign-off",
        "Technical reviewer: A. Brennan",
        "Head of laboratory: K. Osei",
        "Annex A",
        "Annex B",
        "DSP-001",
        "Generate keys per device",
        "(embedded in this PDF)",
    ] {
        assert!(all.contains(needle), "PDF lacks {needle}");
    }
    // The embedded file, through the catalogue's EmbeddedFiles name tree.
    let catalog = doc.catalog().expect("catalog");
    let names = catalog
        .get(b"Names")
        .and_then(|o| doc.dereference(o))
        .and_then(|(_, o)| o.as_dict())
        .expect("Names");
    let tree = names
        .get(b"EmbeddedFiles")
        .and_then(|o| o.as_dict())
        .expect("EmbeddedFiles");
    let list = tree
        .get(b"Names")
        .and_then(|o| o.as_array())
        .expect("array");
    assert_eq!(list.len(), 2);
    let key = list[0].as_str().expect("name");
    assert_eq!(key, policy.as_bytes());
    let spec = doc
        .dereference(&list[1])
        .and_then(|(_, o)| o.as_dict())
        .expect("file spec");
    let ef = spec.get(b"EF").and_then(|o| o.as_dict()).expect("EF");
    let stream = doc
        .dereference(ef.get(b"F").expect("F"))
        .and_then(|(_, o)| o.as_stream())
        .expect("stream");
    assert_eq!(stream.content, bytes);
}

#[test]
fn a_huge_report_is_cut_with_a_note_not_written_without_end() {
    let mut r = report();
    let template = r.findings[0].clone();
    r.findings = (0..70_000)
        .map(|i| {
            let mut f = template.clone();
            f.id = format!("F{i}");
            f
        })
        .collect();
    let out = pdf::render(&r, &[]);
    let doc = lopdf::Document::load_mem(&out).expect("still a valid PDF");
    let n = doc.get_pages().len() as u32;
    let last = doc.extract_text(&[n]).expect("text");
    assert!(last.contains("The report was cut here"), "{last}");
    assert!(last.contains(&format!("Page {n} of {n}")));
}

/// A maker's name in another script cannot be drawn with the standard PDF
/// fonts: the pages show `?`, the cover says how many characters, and the
/// complete report is embedded as JSON, so nothing is lost silently.
#[test]
fn pdf_text_outside_its_fonts_is_counted_and_the_full_report_attached() {
    let mut r = report();
    r.device.maker = "深圳智能 Ltd".into();
    let out = pdf::render(&r, &[]);
    let doc = lopdf::Document::load_mem(&out).expect("a PDF lopdf can read");
    let cover = doc.extract_text(&[1]).expect("text");
    let cover = cover.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(cover.contains("outside the fonts of this PDF"), "{cover}");
    let catalog = doc.catalog().expect("catalog");
    let names = catalog
        .get(b"Names")
        .and_then(|o| doc.dereference(o))
        .and_then(|(_, o)| o.as_dict())
        .expect("Names");
    let list = names
        .get(b"EmbeddedFiles")
        .and_then(|o| o.as_dict())
        .and_then(|t| t.get(b"Names"))
        .and_then(|o| o.as_array())
        .expect("embedded files");
    assert_eq!(
        list[0].as_str().expect("name"),
        pdf::FULL_REPORT_NAME.as_bytes()
    );
    let spec = doc
        .dereference(&list[1])
        .and_then(|(_, o)| o.as_dict())
        .expect("file spec");
    let ef = spec.get(b"EF").and_then(|o| o.as_dict()).expect("EF");
    let stream = doc
        .dereference(ef.get(b"F").expect("F"))
        .and_then(|(_, o)| o.as_stream())
        .expect("stream");
    let text = String::from_utf8(stream.content.clone()).expect("utf-8");
    assert!(text.contains("深圳智能 Ltd"));
    // A report the fonts can show has no such note and no extra file.
    let plain = pdf::render(&report(), &[]);
    let doc = lopdf::Document::load_mem(&plain).expect("pdf");
    let cover = doc.extract_text(&[1]).expect("text");
    assert!(!cover.contains("outside the fonts"));
}
