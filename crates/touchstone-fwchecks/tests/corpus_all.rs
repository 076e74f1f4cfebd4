//! Expected findings for every file of the corpus, including the images
//! that must produce none (negative controls). The snapshot lists, per
//! image, each check that fires with its count, and the components found.

// A test that cannot run without the corpus says so on stderr rather than passing silently.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use touchstone_firmware::Options;
use touchstone_fwchecks::components::Date;
use touchstone_fwchecks::image::{ScanOptions, scan_image};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_none_or(|e| e != "md") {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_file() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !root.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the shared corpus (../shared/corpus) is missing and CI=true: corpus tests must not pass without it"
        );
        eprintln!("skipping: corpus {} not found", root.display());
        return;
    }
    let mut all = Vec::new();
    files(&root, &mut all);
    let options = ScanOptions {
        unpack: Options::default(),
        show_secrets: false,
        today: Date::parse("2026-11-29").expect("date"),
        vulndb: None,
        check_time: touchstone_fwchecks::image::CHECK_TIME,
    };
    let mut text = String::new();
    for path in &all {
        let scan = scan_image(path, &options);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &scan.findings {
            *counts.entry(f.check.as_str()).or_default() += 1;
        }
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let checks: Vec<String> = counts.iter().map(|(c, n)| format!("{c}×{n}")).collect();
        let components: Vec<String> = scan
            .components
            .iter()
            .map(|c| format!("{} {}", c.name, c.version.as_deref().unwrap_or("?")))
            .collect();
        text.push_str(&format!(
            "{rel}\n  findings: {}\n  components: {}\n",
            if checks.is_empty() {
                "none".to_owned()
            } else {
                checks.join(", ")
            },
            if components.is_empty() {
                "none".to_owned()
            } else {
                components.join(", ")
            }
        ));
    }
    insta::assert_snapshot!("corpus_all", text);
}

#[derive(serde::Deserialize)]
struct Expected {
    image: Vec<ExpectedImage>,
}

#[derive(serde::Deserialize)]
struct ExpectedImage {
    path: String,
    expected: Vec<String>,
}

/// Exactly the checks an assessor expects fire on each file (bench/corpus-expected.toml);
/// every file not listed is a negative control and must produce nothing.
#[test]
fn expected_findings() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !root.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the shared corpus (../shared/corpus) is missing and CI=true: corpus tests must not pass without it"
        );
        eprintln!("skipping: corpus {} not found", root.display());
        return;
    }
    let expected_path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/corpus-expected.toml");
    let text = std::fs::read_to_string(&expected_path).expect("bench/corpus-expected.toml");
    let expected: Expected = toml::from_str(&text).expect("valid expectations");
    let mut all = Vec::new();
    files(&root, &mut all);
    let options = ScanOptions {
        unpack: Options::default(),
        show_secrets: false,
        today: Date::parse("2026-11-29").expect("date"),
        vulndb: None,
        check_time: touchstone_fwchecks::image::CHECK_TIME,
    };
    let mut wrong = Vec::new();
    let mut secrets_seen = 0usize;
    for path in &all {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        let scan = scan_image(path, &options);
        secrets_seen += scan.known_secrets.len();
        wrong.extend(leaks(&rel, &scan));
        let mut found: Vec<&str> = scan.findings.iter().map(|f| f.check.as_str()).collect();
        found.sort_unstable();
        found.dedup();
        let mut want: Vec<&str> = expected
            .image
            .iter()
            .find(|i| i.path == rel)
            .map(|i| i.expected.iter().map(String::as_str).collect())
            .unwrap_or_default();
        want.sort_unstable();
        if found != want {
            wrong.push(format!("{rel}: expected {want:?}, found {found:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The TRENDnet back-door password at least: the leak check above is not vacuous.
    assert!(secrets_seen > 0, "no cleartext secret known on the corpus");
}

/// Every output of a scan (findings and inventory, as the findings file and
/// the SBOM carry them) must hold no cleartext secret the checks know, except
/// inside a longer word, and no host directory of the image.
fn leaks(rel: &str, scan: &touchstone_fwchecks::image::ImageScan) -> Vec<String> {
    let out = format!(
        "{}\n{}",
        serde_json::to_string(&scan.findings).expect("json"),
        serde_json::to_string(&scan.components).expect("json")
    );
    let mut wrong = Vec::new();
    for secret in scan.known_secrets.iter().filter(|s| s.len() >= 4) {
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        for (pos, _) in out.match_indices(secret.as_str()) {
            let before = out[..pos].chars().next_back();
            let after = out[pos + secret.len()..].chars().next();
            if !word(before) && !word(after) {
                wrong.push(format!(
                    "{rel}: a known secret appears in clear in the output"
                ));
            }
        }
    }
    let host = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if out.contains("shared/corpus") || out.contains(&host.display().to_string()) {
        wrong.push(format!(
            "{rel}: the image's host path appears in the output"
        ));
    }
    wrong
}
