//! Shared by the cross-check tests: the example project (copied, with one
//! edit), firmware scans of corpus images and of images built from real
//! tool output, and a plain rendering of findings for snapshots.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;

use touchstone_core::Finding;
use touchstone_fwchecks::components::Date;
use touchstone_fwchecks::image::{ImageScan, ScanOptions, scan_image};
use touchstone_project::Project;

/// The shared corpus, or `None` (which fails under `CI=true`).
#[allow(clippy::print_stderr)]
pub fn corpus(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel);
    if p.is_file() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the shared corpus (../shared/corpus) is missing and CI=true: corpus tests must not pass without it"
    );
    eprintln!("SKIP: shared corpus file {rel} not found next to the repository");
    None
}

/// The example project, copied to `dir`, with `edit` applied to one file
/// (`(file, from, to)`: the text `from` must occur).
pub fn example(dir: &Path, edit: Option<(&str, &str, &str)>) -> Project {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/smart-plug");
    copy_dir(&src, dir);
    if let Some((file, from, to)) = edit {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).expect("example file");
        assert!(text.contains(from), "{file} does not contain {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write edit");
    }
    let catalog = touchstone_catalog::Catalog::embedded().expect("catalogue");
    let (project, diags) = touchstone_project::load(dir, catalog);
    project.unwrap_or_else(|| panic!("the edited example does not load: {diags:?}"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Scan an image file with a fixed date.
pub fn scan(path: &Path) -> ImageScan {
    scan_image(
        path,
        &ScanOptions {
            unpack: touchstone_firmware::Options::default(),
            show_secrets: false,
            today: Date::parse("2026-11-29").expect("date"),
            vulndb: None,
            check_time: touchstone_fwchecks::image::CHECK_TIME,
        },
    )
}

/// Run a command, failing the test with its error output.
pub fn run(cmd: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e} (see scripts/apt-packages)"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Findings, one block each, for snapshots.
pub fn render(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} [{} {}] {} | {}\n  at {}\n  {}\n  evidence: {}\n",
                f.check,
                f.severity,
                f.supports.as_str(),
                f.provisions.join(","),
                f.test_units.join(","),
                f.location
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                f.message,
                f.evidence
                    .as_deref()
                    .unwrap_or("-")
                    .replace('\n', "\n            ")
            )
        })
        .collect()
}
