//! Shared test helpers: the corpus location (skipping cleanly where it is absent) and
//! SHA-256.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use touchstone_firmware::{Options, Tree, Unpacked, unpack};

/// Whether the tests run under CI (`CI=true`), where a missing input is a failure.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A test input or tool is missing: fails under CI, says so and skips elsewhere.
pub fn missing(what: &str) {
    assert!(
        !under_ci(),
        "{what} is missing and CI=true: a test must not pass without its input"
    );
    #[allow(clippy::print_stderr)]
    {
        eprintln!("SKIPPED: {what} is missing; test passes without checking (fails under CI=true)");
    }
}

/// The corpus lives beside the repository: `../shared/corpus` from the repository root
/// (`TOUCHSTONE_CORPUS` overrides the location). Absent: `None` (a failure under CI).
pub fn corpus(rel: &str) -> Option<PathBuf> {
    let base = std::env::var_os("TOUCHSTONE_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    );
    let p = base.join(rel);
    if p.is_file() {
        Some(p)
    } else {
        missing(&format!(
            "corpus file {} (../shared/corpus is absent)",
            p.display()
        ));
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

// ---------------------------------------------------------------- builders

/// A ustar header; `name` up to 100 bytes (longer names: [`tar_pax_entry`]).
pub fn tar_header(name: &[u8], typeflag: u8, size: usize, mode: u32, link: &str) -> [u8; 512] {
    let mut h = [0u8; 512];
    let put = |h: &mut [u8; 512], at: usize, s: &[u8]| {
        for (i, c) in s.iter().enumerate() {
            if let Some(slot) = h.get_mut(at + i) {
                *slot = *c;
            }
        }
    };
    put(&mut h, 0, name.get(..name.len().min(100)).unwrap_or(name));
    put(&mut h, 100, format!("{mode:07o}\0").as_bytes());
    put(&mut h, 108, b"0000000\0");
    put(&mut h, 116, b"0000000\0");
    put(&mut h, 124, format!("{size:011o}\0").as_bytes());
    put(&mut h, 136, b"14723427022\0");
    put(&mut h, 148, b"        ");
    h[156] = typeflag;
    put(&mut h, 157, link.as_bytes());
    put(&mut h, 257, b"ustar\x0000");
    let sum: u32 = h.iter().map(|&c| u32::from(c)).sum();
    put(&mut h, 148, format!("{sum:06o}\0 ").as_bytes());
    h
}

pub fn tar_raw(out: &mut Vec<u8>, name: &[u8], typeflag: u8, data: &[u8], mode: u32, link: &str) {
    out.extend_from_slice(&tar_header(name, typeflag, data.len(), mode, link));
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

pub fn tar_file(out: &mut Vec<u8>, name: &str, data: &[u8]) {
    tar_raw(out, name.as_bytes(), b'0', data, 0o644, "");
}

pub fn tar_dir(out: &mut Vec<u8>, name: &str) {
    tar_raw(out, name.as_bytes(), b'5', b"", 0o755, "");
}

/// An entry with a pax `path` record (any length).
pub fn tar_pax_entry(out: &mut Vec<u8>, name: &str, typeflag: u8, data: &[u8], link: &str) {
    let body = |n: usize| format!("{n} path={name}\n");
    let mut n = body(0).len();
    while body(n).len() != n {
        n = body(n).len();
    }
    tar_raw(out, b"pax", b'x', body(n).as_bytes(), 0o644, "");
    tar_raw(out, b"placeholder", typeflag, data, 0o644, link);
}

pub fn tar_end(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0u8; 1024]);
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

/// A SquashFS v4 (xz) of `files` (path, content) made with `backhand`'s writer.
pub fn squashfs(files: &[(&str, &[u8])]) -> Vec<u8> {
    use backhand::{FilesystemWriter, NodeHeader};
    let mut w = FilesystemWriter::default();
    let header = NodeHeader::new(0o755, 0, 0, 0);
    for (path, data) in files {
        if let Some((dir, _)) = path.rsplit_once('/') {
            w.push_dir_all(dir, header).expect("squashfs dir");
        }
        w.push_file(std::io::Cursor::new(data.to_vec()), path, header)
            .expect("squashfs file");
    }
    let mut out = std::io::Cursor::new(Vec::new());
    w.write(&mut out).expect("squashfs write");
    out.into_inner()
}

/// The tree that holds `path` (not following links), with its layer chain.
pub fn tree_with<'a>(u: &'a Unpacked, path: &str) -> Option<(&'a Tree, Vec<String>)> {
    u.trees
        .iter()
        .find(|t| t.lookup(path).is_some())
        .map(|t| (t, u.chain(t.layer)))
}
