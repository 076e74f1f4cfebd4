//! Touchstone in a CI pipeline: gates and exit codes end to end, baselines
//! and `diff`, every machine-readable format validated against its
//! official schema (validators from `scripts/pip-packages` and
//! `scripts/apt-packages`; a missing validator fails under `CI=true`),
//! GitHub code scanning's SARIF requirements, and the CLI conventions
//! (`--format json` everywhere, probe-only options, completions, man page).

// Skipped checks say so on stderr (and fail under CI=true).
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;
use support::{corpus, have, root, schema};

const EPOCH: &str = "1795920706";

fn touchstone(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(args)
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("NO_COLOR", "1")
        .env("TOUCHSTONE_VULNDB", "/nonexistent/touchstone-vulndb.json")
        .output()
        .expect("the touchstone binary runs")
}

/// The example with its automated findings settled by the assessor
/// (`signoff/evidence-dispositions.toml` appended to `evidence.toml`), so
/// that the gates below see no unsettled contradiction of their own.
/// The example with its findings settled by the assessor's dispositions and
/// signed off (`signoff/`), as the README walks through it.
fn settled() -> &'static str {
    static DIR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dst = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pipeline-settled-smart-plug");
        let _ = std::fs::remove_dir_all(&dst);
        copy_dir(&root().join("examples/smart-plug"), &dst);
        let mut evidence = std::fs::read_to_string(dst.join("evidence.toml")).expect("evidence");
        evidence.push('\n');
        evidence.push_str(
            &std::fs::read_to_string(dst.join("signoff/evidence-dispositions.toml"))
                .expect("dispositions"),
        );
        std::fs::write(dst.join("evidence.toml"), evidence).expect("write evidence");
        // And signed off: the lab's metadata, samples and signatures.
        let mut project =
            std::fs::read_to_string(dst.join("touchstone.toml")).expect("touchstone.toml");
        project.push('\n');
        project.push_str(
            &std::fs::read_to_string(dst.join("signoff/touchstone-lab.toml")).expect("lab"),
        );
        std::fs::write(dst.join("touchstone.toml"), project).expect("write project");
        dst.to_string_lossy().into_owned()
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Validate a JSON document against a JSON Schema file with Python's
/// `jsonschema` (the schema's own draft); panics with the errors.
fn assert_json_schema_valid(schema_name: &str, doc: &Path) {
    let Some(schema) = schema(schema_name) else {
        return;
    };
    if !have(
        "python3 with jsonschema",
        Command::new("python3").args(["-c", "import jsonschema"]),
    ) {
        return;
    }
    let o = Command::new("python3")
        .arg("-c")
        .arg(
            "import json, sys, jsonschema\n\
             text = open(sys.argv[1]).read()\n\
             # Python's re lacks \\p{..}: translate OSCAL's two uses (letters, digits) faithfully.\n\
             text = text.replace('\\\\\\\\p{L}', '[^\\\\\\\\W\\\\\\\\d_]').replace('\\\\\\\\p{N}', '\\\\\\\\d')\n\
             s = json.loads(text); d = json.load(open(sys.argv[2]))\n\
             v = jsonschema.validators.validator_for(s)(s, format_checker=jsonschema.FormatChecker())\n\
             errs = sorted(v.iter_errors(d), key=lambda e: list(e.absolute_path))\n\
             print('valid' if not errs else '\\n'.join(f'{list(e.absolute_path)}: {e.message[:300]}' for e in errs[:20]))",
        )
        .arg(&schema)
        .arg(doc)
        .output()
        .expect("python3 runs");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "valid",
        "{} against {schema_name}: {}",
        doc.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

const TELNET: &str = r#"{"check": "fw-telnet-service", "severity": "high", "provisions": ["5.6-1"], "location": {"kind": "firmware", "image": "/home/lab/fw-1.0.bin", "path": "/etc/inittab", "layers": ["uimage@0x0", "squashfs@0x40"]}, "message": "telnetd starts at boot", "evidence": "::respawn:/usr/sbin/telnetd"}"#;
/// A lab tool's finding (not a built-in check) that names a unit: decisive for it.
const LAB_TELNET: &str = r#"{"check": "lab-telnet-open", "severity": "high", "provisions": ["5.6-1"], "test_units": ["5.6-1-2a"], "location": {"kind": "network", "host": "192.0.2.7", "port": 23, "transport": "tcp", "service": "telnet"}, "message": "telnet answers with a login prompt", "evidence": "login:"}"#;
const KEY: &str = r#"{"check": "fw-private-key", "severity": "critical", "provisions": ["5.4-1"], "location": {"kind": "firmware", "image": "/home/lab/fw-1.0.bin", "path": "/etc/ssl/private/server.key", "layers": ["uimage@0x0", "squashfs@0x40"]}, "message": "a private key is baked into the image", "evidence": "sha256:1f2e"}"#;
const SSH: &str = r#"{"check": "net-ssh-algorithms", "severity": "medium", "provisions": ["5.5-1"], "location": {"kind": "network", "host": "192.0.2.7", "port": 22, "transport": "tcp", "service": "ssh"}, "message": "SSH offers diffie-hellman-group1-sha1", "evidence": "kex diffie-hellman-group1-sha1"}"#;

fn findings_file(dir: &Path, name: &str, findings: &[&str]) -> PathBuf {
    write(
        dir,
        name,
        &format!(
            r#"{{"schema": "touchstone.findings/v1", "findings": [{}]}}"#,
            findings.join(",")
        ),
    )
}

#[test]
fn firmware_scan_gates_on_severity_and_baseline() {
    let Some(image) = corpus("binwalk/rootfs/trendnet-tew733gr.squashfs") else {
        return;
    };
    // Default: findings never fail the scan.
    let o = touchstone(&["firmware", "scan", &image, "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let tmp = tempfile::tempdir().expect("tmp");
    let first = write(tmp.path(), "first.json", &stdout(&o));
    // The image starts telnetd with a fixed login: critical.
    let o = touchstone(&["firmware", "scan", &image, "--fail-on", "critical"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("gate: fw-cmdline-credentials [critical]"),
        "{}",
        stderr(&o)
    );
    // Against its own earlier scan nothing is new: exit 0, no findings.
    let o = touchstone(&[
        "firmware",
        "scan",
        &image,
        "--fail-on",
        "info",
        "--baseline",
        s(&first),
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let set = touchstone_core::parse_findings(&stdout(&o), "scan").expect("findings");
    assert!(
        set.findings.iter().all(|f| f.check == "fw-shared-key"),
        "{:?}",
        set.findings
    );
    assert!(stderr(&o).contains("already known"), "{}", stderr(&o));
}

#[test]
fn assess_gates_exit_codes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let findings = findings_file(tmp.path(), "f.json", &[LAB_TELNET]);
    // Coverage of the example is low: --min-coverage 90 exits 3, 1 passes.
    let o = touchstone(&[
        "assess",
        settled(),
        "--fail-on",
        "never",
        "--min-coverage",
        "90",
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("below --min-coverage 90%"),
        "{}",
        stderr(&o)
    );
    let o = touchstone(&["assess", settled(), "--min-coverage", "1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = touchstone(&["assess", settled(), "--min-coverage", "120"]);
    assert_eq!(code(&o), 2);
    // Unsettled test cases.
    let o = touchstone(&["assess", settled(), "--fail-on-unsettled"]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("unsettled"), "{}", stderr(&o));
    // A failure wins over incompleteness.
    let o = touchstone(&[
        "assess",
        settled(),
        "--findings",
        s(&findings),
        "--fail-on-unsettled",
    ]);
    assert_eq!(code(&o), 1);
    // With the earlier report as baseline, the same failure is not new.
    let report = tmp.path().join("old.json");
    let o = touchstone(&[
        "assess",
        settled(),
        "--findings",
        s(&findings),
        "--report",
        s(&report),
    ]);
    assert_eq!(code(&o), 1);
    let o = touchstone(&[
        "assess",
        settled(),
        "--findings",
        s(&findings),
        "--baseline",
        s(&report),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // A findings-file baseline: a new critical finding fails --fail-on critical, an old one does not.
    let both = findings_file(tmp.path(), "both.json", &[LAB_TELNET, KEY]);
    let o = touchstone(&[
        "assess",
        settled(),
        "--findings",
        s(&both),
        "--baseline",
        s(&findings),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("fw-private-key"), "{}", stderr(&o));
    let o = touchstone(&[
        "assess",
        settled(),
        "--findings",
        s(&both),
        "--baseline",
        s(&both),
        "--fail-on",
        "high",
    ]);
    // (The example's own lab scan has a new medium finding: not at or above high.)
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// Proposed verdicts never pass a gate: coverage for `--min-coverage` counts
/// PASS and FAIL only, JUnit passes only PASS, and the JSON report gives
/// both coverages apart.
#[test]
fn proposals_pass_no_gate() {
    let tmp = tempfile::tempdir().expect("tmp");
    let json = tmp.path().join("r.json");
    let junit = tmp.path().join("r.xml");
    let o = touchstone(&[
        "assess",
        settled(),
        "--min-coverage",
        "50",
        "--report",
        s(&json),
        "--report",
        s(&junit),
    ]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("report")).expect("json");
    let t = &v["summary"]["test_cases"];
    let with = t["coverage_with_proposed"]
        .as_f64()
        .expect("coverage with proposals");
    let without = t["coverage"].as_f64().expect("coverage");
    assert!(with >= 70.0 && without < 50.0, "{t}");
    let proposed =
        t["proposed_pass"].as_u64().unwrap_or(0) + t["proposed_fail"].as_u64().unwrap_or(0);
    assert!(proposed > 0, "{t}");
    // Every proposed case is marked proposed and none is a JUnit pass.
    let xml = std::fs::read_to_string(&junit).expect("junit");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed JUnit");
    let passes = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter(|n| {
            !n.children().any(|c| {
                c.has_tag_name("failure") || c.has_tag_name("error") || c.has_tag_name("skipped")
            })
        })
        .count();
    assert_eq!(passes as u64, t["pass"].as_u64().expect("pass"), "{xml}");
    assert_eq!(
        xml.matches("proposed PASS, not a verdict").count() as u64,
        t["proposed_pass"].as_u64().expect("proposed pass"),
        "{xml}"
    );
    for case in v["provisions"]
        .as_array()
        .expect("provisions")
        .iter()
        .flat_map(|p| p["test_cases"].as_array().cloned().unwrap_or_default())
    {
        if let Some(p) = case.get("proposed") {
            assert!(
                p["label"]
                    .as_str()
                    .is_some_and(|l| l.starts_with("proposed ")),
                "{case}"
            );
            assert_ne!(case["verdict"], "pass");
            assert_ne!(case["verdict"], "fail");
        }
    }
}

#[test]
fn probe_only_options_need_probe() {
    for flag in [
        &["--ports", "80"][..],
        &["--robustness"],
        &["--dry-run"],
        &["--no-credentials"],
    ] {
        let mut args = vec!["assess", "examples/smart-plug"];
        args.extend_from_slice(flag);
        let o = touchstone(&args);
        assert_eq!(code(&o), 2, "{flag:?}");
        assert!(
            stderr(&o).contains("only applies to a live probe"),
            "{}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty());
    }
    // A probe with the gate: an unreachable loopback port gives no failing finding.
    let o = touchstone(&[
        "probe",
        "127.0.0.1",
        "--dry-run",
        "--ports",
        "9",
        "--fail-on",
        "info",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn data_commands_answer_json() {
    let o = touchstone(&[
        "hash",
        "examples/smart-plug/evidence/label-photo-notes.txt",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(
        v["files"][0]["sha256"],
        "4fb62e07af26bc1b9e59c111c094d52e784429b062ce4793ec0fbfe78581b5fb"
    );
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("none.json");
    let o = touchstone(&["vulndb", "show", "--db", s(&db), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["entries"], 0);
    assert!(
        v["hint"]
            .as_str()
            .is_some_and(|h| h.contains("vulndb import"))
    );
    let osv = write(
        tmp.path(),
        "osv.json",
        r#"{"id": "CVE-2014-0160", "summary": "Heartbleed", "affected": [{"package": {"name": "openssl"}, "versions": ["1.0.1f"]}]}"#,
    );
    let imported = tmp.path().join("db.json");
    let o = touchstone(&[
        "vulndb",
        "import",
        s(&osv),
        "--db",
        s(&imported),
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["entries"], 1);
    let o = touchstone(&["vulndb", "show", "--db", s(&db)]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("no vulnerability data imported"));
    assert!(stderr(&o).contains("hint:"));
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let o = touchstone(&["completions", shell]);
        assert_eq!(code(&o), 0);
        assert!(stdout(&o).contains("firmware"), "{shell}");
        assert!(stdout(&o).contains("--fail-on"), "{shell}");
    }
    let o = touchstone(&["man"]);
    assert_eq!(code(&o), 0);
    let page = stdout(&o);
    assert!(page.contains(".TH touchstone 1"), "{page}");
    assert!(page.contains("completions"), "{page}");
    // The checked-in page (packaged by cargo deb) is the generated one.
    let path = root().join("crates/touchstone/doc/touchstone.1");
    if std::env::var_os("UPDATE_MAN").is_some() {
        std::fs::write(&path, &page).expect("write man page");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == page,
        "{} is stale: run UPDATE_MAN=1 cargo test -p touchstone --test pipeline",
        path.display()
    );
    if have("man", Command::new("man").arg("--version")) {
        let o = Command::new("man")
            .args(["--warnings", "-l", "-Tutf8"])
            .arg(&path)
            .env("MANWIDTH", "100")
            .output()
            .expect("man runs");
        assert!(o.status.success());
        assert!(String::from_utf8_lossy(&o.stdout).contains("EN 303 645"));
    }
}

#[test]
fn diff_of_a_renamed_image_is_empty() {
    let Some(image) = corpus("binwalk/rootfs/trendnet-tew733gr.squashfs") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let renamed = tmp.path().join("release-2.0.img");
    std::os::unix::fs::symlink(&image, &renamed).expect("symlink");
    let a = touchstone(&["firmware", "scan", &image, "--format", "json"]);
    let b = touchstone(&["firmware", "scan", s(&renamed), "--format", "json"]);
    let a = write(tmp.path(), "a.json", &stdout(&a));
    let b = write(tmp.path(), "b.json", &stdout(&b));
    let o = touchstone(&[
        "diff",
        s(&a),
        s(&b),
        "--format",
        "json",
        "--fail-on",
        "info",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let d: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(d["new"].as_array().map(Vec::len), Some(0), "{d}");
    assert_eq!(d["fixed"].as_array().map(Vec::len), Some(0), "{d}");
    assert!(
        d["unchanged"].as_array().is_some_and(|u| u.len() >= 3),
        "{d}"
    );
}

#[test]
fn diff_reports_exactly_what_is_new_and_fixed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let old = findings_file(tmp.path(), "old.json", &[TELNET, SSH]);
    // The new build: renamed and its layers shifted (same telnet finding),
    // the SSH finding fixed, a private key new; the device on another address.
    let moved = TELNET
        .replace("/home/lab/fw-1.0.bin", "out/fw-2.0.bin")
        .replace("squashfs@0x40", "squashfs@0x9000");
    let new = findings_file(tmp.path(), "new.json", &[&moved, KEY]);
    let o = touchstone(&["diff", s(&old), s(&new), "--format", "json"]);
    assert_eq!(code(&o), 0, "--fail-on defaults to never");
    let d: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let checks = |k: &str| -> Vec<String> {
        d[k].as_array()
            .expect("list")
            .iter()
            .map(|f| f["check"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(checks("new"), ["fw-private-key"]);
    assert_eq!(checks("fixed"), ["net-ssh-algorithms"]);
    assert_eq!(checks("unchanged"), ["fw-telnet-service"]);
    // Fails on the new critical finding, not on the unchanged high one.
    let o = touchstone(&["diff", s(&old), s(&new), "--fail-on", "critical"]);
    assert_eq!(code(&o), 1);
    let o = touchstone(&["diff", s(&new), s(&new), "--fail-on", "info"]);
    assert_eq!(code(&o), 0);
    for format in ["human", "markdown", "sarif", "json"] {
        let o = touchstone(&["diff", s(&old), s(&new), "--format", format]);
        assert_eq!(code(&o), 0);
        insta::assert_snapshot!(format!("diff_findings_{format}"), stdout(&o));
    }
    let sarif = write(
        tmp.path(),
        "diff.sarif",
        &stdout(&touchstone(&[
            "diff",
            s(&old),
            s(&new),
            "--format",
            "sarif",
        ])),
    );
    assert_sarif_for_code_scanning(&sarif);
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("read")).expect("json");
    let states: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(states, ["new", "unchanged", "absent"]);
}

#[test]
fn diff_of_two_reports_lists_changed_verdicts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let findings = findings_file(tmp.path(), "f.json", &[LAB_TELNET]);
    let old = tmp.path().join("old.json");
    let new = tmp.path().join("new.json");
    touchstone(&["assess", settled(), "--report", s(&old)]);
    touchstone(&[
        "assess",
        settled(),
        "--findings",
        s(&findings),
        "--report",
        s(&new),
    ]);
    let o = touchstone(&["diff", s(&old), s(&new), "--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let d: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(d["new"][0]["check"], "lab-telnet-open");
    let changed: Vec<(String, String)> = d["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap_or("").to_owned(),
                v["new"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        changed.contains(&("5.6-1".to_owned(), "fail".to_owned())),
        "{changed:?}"
    );
    let o = touchstone(&["diff", s(&old), s(&new), "--format", "markdown"]);
    insta::assert_snapshot!("diff_reports_markdown", stdout(&o));
    // A file that is neither is an input error.
    let bad = write(tmp.path(), "bad.json", r#"{"schema": "other/v9"}"#);
    let o = touchstone(&["diff", s(&bad), s(&new)]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("hint:"), "{}", stderr(&o));
}

/// SARIF 2.1.0 schema plus what GitHub code scanning documents it needs:
/// a tool driver name, every result with a declared rule, a message and a
/// physical location with a relative URI (no host path), partial
/// fingerprints, and rules with help and a numeric security-severity.
fn assert_sarif_for_code_scanning(path: &Path) {
    assert_json_schema_valid("sarif-schema-2.1.0.json", path);
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs");
    assert!(!runs.is_empty() && runs.len() <= 20);
    for run in runs {
        let driver = &run["tool"]["driver"];
        assert!(driver["name"].as_str().is_some_and(|n| !n.is_empty()));
        let rules = driver["rules"].as_array().expect("rules");
        for rule in rules {
            let sev = rule["properties"]["security-severity"]
                .as_str()
                .expect("security-severity");
            assert!(sev.parse::<f64>().is_ok_and(|v| (0.0..=10.0).contains(&v)));
            assert!(rule["shortDescription"]["text"].is_string(), "{rule}");
        }
        let results = run["results"].as_array().expect("results");
        assert!(results.len() <= 25_000);
        for r in results {
            let rule = r["ruleId"].as_str().expect("ruleId");
            assert!(rules.iter().any(|x| x["id"] == rule), "{rule} declared");
            assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("uri");
            assert!(
                !uri.is_empty()
                    && !uri.starts_with('/')
                    && !uri.starts_with("file:")
                    && !uri.contains("/tmp/")
                    && !uri.contains("shared/corpus"),
                "not a relative, host-independent uri: {uri}"
            );
            assert!(
                r["partialFingerprints"]
                    .as_object()
                    .is_some_and(|p| !p.is_empty()),
                "{r}"
            );
        }
    }
}

#[test]
fn sarif_of_a_firmware_assessment_is_ready_for_code_scanning() {
    let Some(image) = corpus("binwalk/rootfs/trendnet-tew733gr.squashfs") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let sarif = tmp.path().join("out.sarif");
    let o = touchstone(&[
        "assess",
        "examples/smart-plug",
        "--firmware",
        &image,
        "--report",
        s(&sarif),
        "--fail-on",
        "never",
        "--sbom",
        s(&tmp.path().join("sbom.json")),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_sarif_for_code_scanning(&sarif);
    // The SBOM of an assessment names the project's device and firmware version.
    let sbom: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("sbom.json")).expect("sbom written"),
    )
    .expect("json");
    assert_eq!(
        sbom["metadata"]["component"]["name"],
        "Lumio Home Ltd (fictional) Lumio SP-20 Smart Plug"
    );
    assert_eq!(sbom["metadata"]["component"]["version"], "2.4.1");
    assert_cyclonedx_valid(&tmp.path().join("sbom.json"), "1.6");
    let o = touchstone(&["assess", "examples/smart-plug", "--sbom", "x.json"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--firmware"), "{}", stderr(&o));
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("read")).expect("json");
    let run = &log["runs"][0];
    let fw: Vec<&serde_json::Value> = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| {
            r["ruleId"]
                .as_str()
                .is_some_and(|id| id.starts_with("check/fw-"))
        })
        .collect();
    assert!(!fw.is_empty());
    for r in &fw {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri");
        assert!(uri.starts_with("trendnet-tew733gr.squashfs!/"), "{uri}");
        assert!(
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .is_some_and(|n| n.contains("squashfs")),
            "{r}"
        );
        assert!(
            r["partialFingerprints"]["touchstone/v1"]
                .as_str()
                .is_some_and(|f| f.starts_with("fp1:"))
        );
    }
    // Line and column where the evidence is in a text file: the boot
    // script line the check itself names ("(line 7)").
    let creds = fw
        .iter()
        .find(|r| r["ruleId"] == "check/fw-cmdline-credentials")
        .expect("fw-cmdline-credentials result");
    let region = &creds["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 7, "{creds}");
    assert!(
        creds["message"]["text"]
            .as_str()
            .is_some_and(|m| m.contains("(line 7)"))
    );
    assert_eq!(region["startColumn"], 3, "{creds}");
    // Rules of built-in checks carry what / why / fix.
    let rule = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == "check/fw-cmdline-credentials")
        .expect("rule");
    let help = rule["help"]["text"].as_str().expect("help");
    assert!(
        help.contains("What:") && help.contains("Why:") && help.contains("Fix:"),
        "{help}"
    );
    // The cross-checks run with the firmware: the image starts a telnetd the
    // example's IXIT does not declare, and contradicts its condition 13
    // (no debug interface); their rules carry what / why / fix too.
    let ids: Vec<&str> = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .filter(|id| id.starts_with("check/decl-") || id.starts_with("check/xc-"))
        .collect();
    for want in [
        "check/decl-undeclared-boot-service",
        "check/decl-ics-contradicted",
    ] {
        assert!(ids.contains(&want), "{want} not in {ids:?}");
        let rule = run["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| r["id"] == want)
            .expect("rule");
        assert!(
            rule["help"]["text"]
                .as_str()
                .is_some_and(|h| h.contains("What:") && h.contains("Why:") && h.contains("Fix:")),
            "{rule}"
        );
    }
}

#[test]
fn junit_passes_the_jenkins_schema() {
    let Some(xsd) = schema("junit-jenkins-10.xsd") else {
        return;
    };
    if !have(
        "xmllint (libxml2-utils)",
        Command::new("xmllint").arg("--version"),
    ) {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let findings = findings_file(tmp.path(), "f.json", &[TELNET, SSH]);
    let xml = tmp.path().join("junit.xml");
    touchstone(&[
        "assess",
        settled(),
        "--findings",
        s(&findings),
        "--report",
        s(&xml),
    ]);
    // The signed example: the deliverable on every suite, who assessed each
    // case and the dispositions with their reasons.
    let text = std::fs::read_to_string(&xml).expect("junit written");
    for needle in [
        "<property name=\"report_id\"",
        "<property name=\"approver\"",
        "<property name=\"sample\"",
        "sha256:",
        "Disposition DSP-001 (accepted-risk, applied)",
        "Assessed by ",
    ] {
        assert!(text.contains(needle), "JUnit lacks {needle}");
    }
    let o = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&xml)
        .output()
        .expect("xmllint runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The assessor's decisions reach code scanning: a finding whose risk is
/// accepted (for every unit) is suppressed with the reason, a disposition
/// limited to one unit is shown but suppresses nothing, and the run carries
/// the deliverable and every disposition.
#[test]
fn sarif_of_a_signed_assessment_carries_dispositions_and_the_deliverable() {
    let tmp = tempfile::tempdir().expect("tmp");
    let sarif = tmp.path().join("signed.sarif");
    let o = touchstone(&["assess", settled(), "--report", s(&sarif)]);
    assert!(matches!(code(&o), 0 | 1), "{}", stderr(&o));
    assert_sarif_for_code_scanning(&sarif);
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("read")).expect("json");
    let run = &log["runs"][0];
    assert_eq!(
        run["properties"]["deliverable"]["report_id"],
        "NDSL-2026-0142"
    );
    assert_eq!(
        run["properties"]["deliverable"]["approver"]["name"],
        "K. Osei"
    );
    let ids: Vec<&str> = run["properties"]["dispositions"]
        .as_array()
        .expect("dispositions")
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(ids, ["DSP-001", "DSP-002"]);
    let results = run["results"].as_array().expect("results");
    let mdns = results
        .iter()
        .find(|r| {
            r["partialFingerprints"]["touchstone/v1"] == "fp1:f737d133c9915600ed37071256616e3d"
        })
        .expect("the mDNS finding has a result");
    let sup = &mdns["suppressions"][0];
    assert_eq!(sup["kind"], "external");
    assert_eq!(sup["status"], "accepted");
    assert!(
        sup["justification"]
            .as_str()
            .is_some_and(|j| j.contains("M. Lindqvist")
                && j.contains("2027-06-30")
                && j.contains("firmware 2.5")),
        "{sup}"
    );
    // DSP-002 is limited to one unit: shown on the case, nothing suppressed.
    assert!(
        results
            .iter()
            .filter(|r| r.get("suppressions").is_some())
            .all(|r| r["properties"]["dispositions"][0]["id"] == "DSP-001"),
        "only DSP-001 suppresses"
    );
}

/// The HTML report printed by a browser (headless Chromium, as a lab
/// would print it to PDF) numbers its pages "Page x of y" and carries the
/// report id on every page, from the print styles alone.
#[test]
fn html_report_prints_with_page_x_of_y_and_the_report_id() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        have(
            "chromium (Debian package chromium)",
            &mut Command::new("chromium"),
        );
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let html = tmp.path().join("report.html");
    let o = touchstone(&["assess", settled(), "--report", s(&html)]);
    assert!(matches!(code(&o), 0 | 1), "{}", stderr(&o));
    let pdf = tmp.path().join("printed.pdf");
    let profile = tmp.path().join("profile");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    use wait_timeout::ChildExt as _;
    let status = match child
        .wait_timeout(std::time::Duration::from_secs(120))
        .expect("wait")
    {
        Some(status) => status,
        None => {
            let _ = child.kill();
            panic!("chromium did not print within 120 s");
        }
    };
    assert!(status.success(), "chromium failed: {status}");
    let doc = lopdf::Document::load(&pdf).expect("a PDF lopdf can read");
    let n = doc.get_pages().len();
    assert!(n >= 3, "{n} pages");
    for p in [1, n] {
        let text = doc.extract_text(&[p as u32]).expect("text");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains(&format!("Page {p} of {n}")),
            "page {p}: {text}"
        );
        assert!(
            text.contains("NDSL-2026-0142"),
            "page {p} lacks the report id"
        );
    }
}

/// Validate a CycloneDX document with the CycloneDX project's validator.
fn assert_cyclonedx_valid(path: &Path, version: &str) {
    if !have(
        "cyclonedx-python-lib",
        Command::new("python3").args(["-c", "import cyclonedx.validation.json"]),
    ) {
        return;
    }
    let check = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys\nfrom cyclonedx.schema import SchemaVersion\nfrom cyclonedx.validation.json import JsonStrictValidator\n\
             v = {'1.5': SchemaVersion.V1_5, '1.6': SchemaVersion.V1_6}[sys.argv[2]]\n\
             e = JsonStrictValidator(v).validate_str(open(sys.argv[1]).read())\n\
             print('valid' if e is None else str(e)[:2000])",
        )
        .arg(path)
        .arg(version)
        .output()
        .expect("python3 runs");
    assert_eq!(
        String::from_utf8_lossy(&check.stdout).trim(),
        "valid",
        "{} (CycloneDX {version}): {}",
        path.display(),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn sbom_and_vex_documents_validate_and_name_the_product() {
    let Some(image) = corpus("binwalk/rootfs/trendnet-tew733gr.squashfs") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let osv = write(
        tmp.path(),
        "osv.json",
        r#"[{"id": "CVE-2009-3555", "summary": "TLS renegotiation prefix injection",
             "affected": [{"package": {"name": "openssl"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0.9.8l"}]}]}]},
            {"id": "CVE-2011-2716", "summary": "udhcpc shell metacharacters",
             "affected": [{"package": {"name": "busybox"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.19.0"}]}]}]}]"#,
    );
    let db = tmp.path().join("db.json");
    let o = touchstone(&["vulndb", "import", s(&osv), "--db", s(&db)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = |name: &str| tmp.path().join(name);
    let scan = |extra: &[&str]| {
        let mut args = vec!["firmware", "scan", &image, "--vulndb", s(&db)];
        args.extend_from_slice(extra);
        let o = touchstone(&args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    };
    scan(&[
        "--sbom",
        s(&out("a.cdx.json")),
        "--vex",
        s(&out("a.openvex.json")),
        "--name",
        "TRENDnet TEW-733GR",
    ]);
    scan(&[
        "--sbom",
        s(&out("b.cdx.json")),
        "--vex",
        s(&out("b.vex.cdx.json")),
        "--vex-format",
        "cyclonedx",
    ]);
    scan(&[
        "--sbom",
        s(&out("c.cdx15.json")),
        "--sbom-format",
        "cyclonedx-1.5",
    ]);
    scan(&["--sbom", s(&out("d.spdx.json")), "--sbom-format", "spdx"]);

    assert_cyclonedx_valid(&out("a.cdx.json"), "1.6");
    assert_cyclonedx_valid(&out("b.vex.cdx.json"), "1.6");
    assert_cyclonedx_valid(&out("c.cdx15.json"), "1.5");
    assert_json_schema_valid("spdx-schema-2.3.json", &out("d.spdx.json"));
    assert_json_schema_valid("openvex-json-schema.json", &out("a.openvex.json"));

    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(out(name)).expect("read")).expect("json")
    };
    let a = read("a.cdx.json");
    let b = read("b.cdx.json");
    assert_eq!(a["specVersion"], "1.6");
    assert_eq!(read("c.cdx15.json")["specVersion"], "1.5");
    assert_eq!(a["metadata"]["component"]["name"], "TRENDnet TEW-733GR");
    assert_eq!(
        b["metadata"]["component"]["name"],
        "trendnet-tew733gr.squashfs"
    );
    assert_ne!(
        a["serialNumber"], b["serialNumber"],
        "a fresh serial per document"
    );
    let text = std::fs::read_to_string(out("a.cdx.json")).expect("read");
    assert!(!text.contains("shared/corpus"), "no host path in the SBOM");
    let openssl = a["components"]
        .as_array()
        .expect("components")
        .iter()
        .find(|c| c["name"] == "OpenSSL")
        .expect("OpenSSL");
    let occurrence = &openssl["evidence"]["occurrences"][0];
    assert_eq!(
        occurrence["location"],
        "trendnet-tew733gr.squashfs!/lib/libcrypto.so.0.9.8"
    );
    assert!(occurrence["offset"].is_u64(), "{occurrence}");
    assert!(
        occurrence["additionalContext"]
            .as_str()
            .is_some_and(|c| c.contains("OpenSSL 0.9.8g")),
        "{occurrence}"
    );
    // Both matched vulnerabilities get a statement; a library is never
    // declared not affected for not being started.
    let vex = read("a.openvex.json");
    let statuses: Vec<(&str, &str)> = vex["statements"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| {
            (
                s["vulnerability"]["name"].as_str().unwrap_or(""),
                s["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("CVE-2009-3555", "under_investigation")),
        "{statuses:?}"
    );
    // BusyBox is init and the shell, so it is never "not started"; but the
    // udhcpc applet CVE-2011-2716 lives in is not in this BusyBox's applet
    // table: the vulnerable code is not built.
    assert!(
        statuses.contains(&("CVE-2011-2716", "not_affected")),
        "{statuses:?}"
    );
    let udhcpc = vex["statements"]
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| s["vulnerability"]["name"] == "CVE-2011-2716")
        .expect("statement");
    assert_eq!(
        udhcpc["justification"], "vulnerable_code_not_present",
        "{udhcpc}"
    );
    assert!(
        udhcpc["impact_statement"]
            .as_str()
            .is_some_and(|t| t.contains("udhcpc") && t.contains("applet table")),
        "{udhcpc}"
    );
    let spdx = read("d.spdx.json");
    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");

    // An assessor's disposition overrides the evidence, with its reason: the
    // BusyBox match (by the fingerprint of its finding) is rejected as a
    // false positive; the OpenSSL one is an accepted risk.
    let o = touchstone(&[
        "firmware",
        "scan",
        &image,
        "--vulndb",
        s(&db),
        "--format",
        "json",
    ]);
    let set = touchstone_core::parse_findings(&stdout(&o), "scan.json").expect("findings");
    let fingerprint_of = |cve: &str| {
        set.findings
            .iter()
            .find(|f| f.check == "fw-known-vulnerability" && f.message.contains(cve))
            .unwrap_or_else(|| panic!("{cve} matched"))
            .fingerprint()
    };
    let (busybox, openssl) = (
        fingerprint_of("CVE-2011-2716"),
        fingerprint_of("CVE-2009-3555"),
    );
    assert_ne!(busybox, openssl);
    let project = tmp.path().join("project");
    copy_dir(&root().join("examples/smart-plug"), &project);
    let mut evidence = std::fs::read_to_string(project.join("evidence.toml")).expect("evidence");
    evidence.push_str(&format!(
        r#"
[[disposition]]
id = "DSP-101"
finding = "{busybox}"
decision = "false-positive"
reason = "udhcpc is not built into this BusyBox (applet list checked)"
assessor = "R. Okafor"
date = 2026-11-27

[[disposition]]
id = "DSP-102"
finding = "{openssl}"
decision = "accepted-risk"
reason = "renegotiation is disabled in the web server's TLS settings"
assessor = "R. Okafor"
date = 2026-11-27
owner = "Product security"
expires = 2999-12-31
"#
    ));
    std::fs::write(project.join("evidence.toml"), evidence).expect("write");
    for (format, name) in [
        ("openvex", "e.openvex.json"),
        ("cyclonedx", "e.vex.cdx.json"),
    ] {
        let o = touchstone(&[
            "assess",
            s(&project),
            "--firmware",
            &image,
            "--vulndb",
            s(&db),
            "--vex",
            s(&out(name)),
            "--vex-format",
            format,
            "--fail-on",
            "never",
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    assert_json_schema_valid("openvex-json-schema.json", &out("e.openvex.json"));
    assert_cyclonedx_valid(&out("e.vex.cdx.json"), "1.6");
    let vex = read("e.openvex.json");
    let statement = |id: &str| -> serde_json::Value {
        vex["statements"]
            .as_array()
            .expect("statements")
            .iter()
            .find(|s| s["vulnerability"]["name"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id}"))
    };
    let fp = statement("CVE-2011-2716");
    assert_eq!(fp["status"], "not_affected", "{fp}");
    assert!(
        fp["impact_statement"]
            .as_str()
            .is_some_and(|t| t.contains("DSP-101") && t.contains("udhcpc is not built")),
        "{fp}"
    );
    let risk = statement("CVE-2009-3555");
    assert_eq!(risk["status"], "affected", "{risk}");
    assert!(
        risk["action_statement"]
            .as_str()
            .is_some_and(|t| t.contains("Product security") && t.contains("2999-12-31")),
        "{risk}"
    );
    let cdx = read("e.vex.cdx.json");
    let states: Vec<(&str, &str)> = cdx["vulnerabilities"]
        .as_array()
        .expect("vulnerabilities")
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap_or(""),
                v["analysis"]["state"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        states.contains(&("CVE-2011-2716", "false_positive")),
        "{states:?}"
    );
    assert!(
        states.contains(&("CVE-2009-3555", "exploitable")),
        "{states:?}"
    );
}

#[test]
fn oscal_catalog_and_assessment_results_validate() {
    let tmp = tempfile::tempdir().expect("tmp");
    for edition in ["2.1.1", "3.1.3"] {
        let o = touchstone(&["catalog", "oscal", "--standard", edition]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let path = write(tmp.path(), &format!("catalog-{edition}.json"), &stdout(&o));
        assert_json_schema_valid("oscal-1.0-catalog-schema.json", &path);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        let groups = v["catalog"]["groups"].as_array().expect("groups");
        let controls: usize = groups
            .iter()
            .map(|g| g["controls"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(controls, if edition == "2.1.1" { 68 } else { 78 });
        if edition == "2.1.1" {
            insta::assert_snapshot!("oscal_catalog_2_1_1", stdout(&o));
        }
    }
    let findings = findings_file(tmp.path(), "f.json", &[LAB_TELNET]);
    let results = tmp.path().join("results.json");
    let o = touchstone(&[
        "assess",
        settled(),
        "--findings",
        s(&findings),
        "--report",
        &format!("oscal={}", s(&results)),
        "--format",
        "oscal",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_json_schema_valid("oscal-1.0-assessment-results-schema.json", &results);
    insta::assert_snapshot!("oscal_assessment_results", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let f = v["assessment-results"]["results"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["target"]["target-id"] == "p5.6-1")
        .expect("5.6-1");
    assert_eq!(f["target"]["status"]["state"], "not-satisfied");
}

#[test]
fn regulatory_views_in_every_report_format() {
    let o = touchstone(&["assess", settled(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let ids: Vec<&str> = v["regulatory"]
        .as_array()
        .expect("regulatory")
        .iter()
        .map(|s| s["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["uk-psti", "en18031", "cra", "nistir8259a"]);
    for format in ["markdown", "html", "human"] {
        let o = touchstone(&["assess", settled(), "--format", format]);
        let out = stdout(&o);
        assert!(out.contains("UK PSTI"), "{format}");
        assert!(
            out.contains("NISTIR 8259A") || out.contains("8259A"),
            "{format}"
        );
    }
    // One scheme with --view; a requirement passes only when every mapped provision does.
    let findings_dir = tempfile::tempdir().expect("tmp");
    let f = findings_file(
        findings_dir.path(),
        "f.json",
        &[
            r#"{"check": "fw-default-password", "severity": "critical", "provisions": ["5.1-1"], "location": {"kind": "firmware", "image": "fw.bin", "path": "/etc/shadow", "layers": []}, "message": "root has the password admin", "evidence": "root:admin"}"#,
        ],
    );
    let o = touchstone(&[
        "assess",
        settled(),
        "--findings",
        s(&f),
        "--view",
        "psti",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let sections = v["regulatory"].as_array().expect("regulatory");
    assert_eq!(sections.len(), 1);
    let reqs = sections[0]["requirements"]
        .as_array()
        .expect("requirements");
    let status = |id: &str| {
        reqs.iter()
            .find(|r| r["id"] == id)
            .map(|r| r["status"].as_str().unwrap_or("").to_owned())
    };
    assert_eq!(status("PSTI-1").as_deref(), Some("FAIL"));
    assert_eq!(status("PSTI-2").as_deref(), Some("PASS"));
    let psti1 = reqs.iter().find(|r| r["id"] == "PSTI-1").expect("PSTI-1");
    assert_eq!(psti1["provisions"][0]["basis"], "official");
    let o = touchstone(&["assess", settled(), "--view", "psti"]);
    assert!(stdout(&o).contains("PSTI-2"), "{}", stdout(&o));
    let o = touchstone(&["assess", settled(), "--view", "gdpr"]);
    assert_eq!(code(&o), 2);
}

/// A minimal FTP greeter on 127.0.94.1:21 (loopback; binding port 21 needs
/// root, which the test suite runs as): answers the banner, USER and PASS
/// (always wrong). Stops when the returned guard is dropped.
struct FtpResponder {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FtpResponder {
    fn start() -> Option<FtpResponder> {
        use std::io::{BufRead, BufReader, Write};
        let listener = match std::net::TcpListener::bind("127.0.94.1:21") {
            Ok(l) => l,
            Err(e) => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "cannot bind 127.0.94.1:21 (the suite runs as root): {e}"
                );
                eprintln!("SKIPPED: cannot bind 127.0.94.1:21: {e}");
                return None;
            }
        };
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming().take(200) {
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                let _ = conn.write_all(b"220 (vsFTPd 2.0.1)\r\n");
                let Ok(read) = conn.try_clone() else { continue };
                for line in BufReader::new(read).lines().take(20) {
                    let Ok(line) = line else { break };
                    let answer: &[u8] = if line.starts_with("USER") {
                        b"331 Please specify the password.\r\n"
                    } else if line.starts_with("PASS") {
                        b"530 Login incorrect.\r\n"
                    } else {
                        b"500 Unknown command.\r\n"
                    };
                    if conn.write_all(answer).is_err() {
                        break;
                    }
                }
            }
        });
        Some(FtpResponder {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for FtpResponder {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = std::net::TcpStream::connect("127.0.94.1:21");
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn probe_gates_on_severity_and_baseline() {
    let Some(_ftp) = FtpResponder::start() else {
        return;
    };
    let base = [
        "probe",
        "127.0.94.1",
        "--ports",
        "21",
        "--no-credentials",
        "--brute-force-attempts",
        "0",
    ];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        touchstone(&args)
    };
    // Clear-text FTP is a high finding.
    let o = run(&["--fail-on", "high"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("gate: net-cleartext-service [high]"));
    let o = run(&["--fail-on", "critical"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(&["--format", "json"]);
    assert_eq!(code(&o), 0, "no gate by default");
    let tmp = tempfile::tempdir().expect("tmp");
    let baseline = write(tmp.path(), "probe.json", &stdout(&o));
    // The same device again: nothing new.
    let o = run(&["--fail-on", "info", "--baseline", s(&baseline)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("already known"), "{}", stderr(&o));
}
