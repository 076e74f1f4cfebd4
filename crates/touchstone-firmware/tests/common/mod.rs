//! Shared test helpers: the corpus location (skipping cleanly where it is absent) and
//! SHA-256.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use touchstone_firmware::{Options, Tree, Unpacked, unpack};

/// The corpus lives beside the repository: `../shared/corpus` from the repository root
/// (`TOUCHSTONE_CORPUS` overrides the location).
pub fn corpus(rel: &str) -> Option<PathBuf> {
    let base = std::env::var_os("TOUCHSTONE_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    let p = base.join(rel);
    if p.is_file() {
        Some(p)
    } else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "SKIPPED: corpus file {} not found (../shared/corpus is absent); test passes without checking",
                p.display()
            );
        }
        None
    }
}

pub fn sha256(b: &[u8]) -> String {
    let d = Sha256::digest(b);
    d.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn run(rel: &str) -> Option<Unpacked> {
    corpus(rel).map(|p| unpack(&p, &Options::default()))
}

/// The single tree of a layer with the given format.
pub fn tree_of<'a>(u: &'a Unpacked, format: &str) -> &'a Tree {
    let layer = u
        .layers
        .iter()
        .position(|l| l.format == format)
        .unwrap_or_else(|| panic!("no {format} layer in {:?}", formats(u)));
    u.trees
        .iter()
        .find(|t| t.layer == layer)
        .unwrap_or_else(|| panic!("{format} layer has no tree"))
}

pub fn formats(u: &Unpacked) -> Vec<String> {
    u.layers
        .iter()
        .map(|l| format!("{}@{}<-{:?}", l.format, l.offset, l.parent))
        .collect()
}

pub fn file_sha(t: &Tree, path: &str) -> String {
    sha256(t.read(path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// FACT's standard unpack set, with the sha256 that `unsquashfs -cat` and Python's
/// `zipfile` report for it.
pub const FACT_SET: [(&str, &str); 3] = [
    (
        "/testfile1",
        "d558c9339cb967341d701e3184f863d3928973fccdc1d96042583730b5c7b76a",
    ),
    (
        "/testfile2",
        "faa11db49f32a90b51dfc3f0254f9fd7a7b46d0b570abd47e1943b86d554447a",
    ),
    (
        "/generic folder/test file 3_.txt",
        "289b5a050a83837f192d7129e4c4e02570b94b4924e50159fad5ed1067cfbfeb",
    ),
];

pub fn assert_fact_set(t: &Tree, prefix: &str) {
    for (p, h) in FACT_SET {
        assert_eq!(file_sha(t, &format!("{prefix}{p}")), h, "{prefix}{p}");
    }
}
