//! What the binary's integration tests share: where the repository and the
//! shared inputs are, and the one rule for a missing input or tool: under
//! `CI=true` the test fails; elsewhere it says so on stderr and is skipped.
#![allow(dead_code, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// An input or tool is missing: a failure under `CI=true`, a note elsewhere.
pub(crate) fn missing(what: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{what} is missing and CI=true: a test must not pass without its input \
         (scripts/test installs tools from scripts/apt-packages and scripts/pip-packages)"
    );
    eprintln!("SKIPPED: {what} is missing");
}

/// A file under `../shared/<dir>` beside the repository, if present.
fn shared(dir: &str, rel: &str) -> Option<PathBuf> {
    let p = root().join("../shared").join(dir).join(rel);
    if p.exists() {
        return Some(p);
    }
    missing(&format!("../shared/{dir}/{rel}"));
    None
}

/// A corpus file (read in place, never copied).
pub(crate) fn corpus(rel: &str) -> Option<String> {
    shared("corpus", rel).map(|p| p.to_string_lossy().into_owned())
}

/// An official schema of an output format.
pub(crate) fn schema(name: &str) -> Option<PathBuf> {
    shared("schemas", name)
}

/// Whether a tool answers `probe` successfully.
pub(crate) fn have(what: &str, probe: &mut Command) -> bool {
    let ok = probe.output().is_ok_and(|o| o.status.success());
    if !ok {
        missing(what);
    }
    ok
}
