//! Issue 10, unpack side: hostile inputs built here finish with bounded memory and a
//! reported problem. Each case runs in a child process of this test binary under a
//! virtual-memory limit (`ulimit -v`) and a generous `timeout` against hangs; no timed
//! assertions. The child is the same test, selected with `--exact` and marked by an
//! environment variable.

mod common;

use std::process::Command;

use common::{tar_end, tar_file, tar_pax_entry, tar_raw};
use touchstone_firmware::{Limits, Options, ProblemKind, Unpacked, unpack_bytes};

/// Virtual memory allowed to a child, in KiB (768 MiB: the inputs are up to 16 MiB; the
/// old scan that collected every overlapping match needed about 13 times the input for
/// two-byte signatures, plus a sort).
const MEMORY_KIB: u64 = 768 * 1024;
/// Seconds before a child counts as hung (generous: debug build on a loaded machine).
const TIMEOUT_SECS: u64 = 900;
const CHILD: &str = "TOUCHSTONE_BOUNDED_CHILD";

/// In the parent: runs `name` in a bounded child, asserts it passed, returns `true`.
/// In the child: returns `false`, so the test body runs.
fn in_parent(name: &str) -> bool {
    if std::env::var(CHILD).is_ok_and(|v| v == name) {
        return false;
    }
    let exe = std::env::current_exe().expect("test binary");
    let script = format!("ulimit -v {MEMORY_KIB}; exec timeout {TIMEOUT_SECS} \"$0\" \"$@\"");
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, name)
        .output()
        .expect("spawn child");
    assert!(
        out.status.success(),
        "{name} failed in its bounded child (status {:?}; 124 means the timeout):\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

fn kinds(u: &Unpacked) -> Vec<ProblemKind> {
    u.all_problems().map(|p| p.kind).collect()
}

fn repeated(pattern: &[u8], len: usize) -> Vec<u8> {
    pattern.iter().copied().cycle().take(len).collect()
}

#[test]
fn dense_bmp_signatures() {
    if in_parent("dense_bmp_signatures") {
        return;
    }
    let u = unpack_bytes(repeated(b"BM", 16 << 20), &Options::default());
    assert!(
        kinds(&u).contains(&ProblemKind::DenseSignatures),
        "{:?}",
        kinds(&u)
    );
    assert!(!u.is_complete());
}

#[test]
fn dense_jffs2_magic() {
    if in_parent("dense_jffs2_magic") {
        return;
    }
    let u = unpack_bytes(repeated(&[0x85, 0x19], 16 << 20), &Options::default());
    assert!(u.layers.len() < 100, "{} layers", u.layers.len());
    assert!(
        kinds(&u).contains(&ProblemKind::DenseSignatures),
        "{:?}",
        kinds(&u)
    );
}

#[test]
fn dense_gzip_magic() {
    if in_parent("dense_gzip_magic") {
        return;
    }
    let u = unpack_bytes(repeated(&[0x1f, 0x8b, 0x08], 4 << 20), &Options::default());
    assert!(
        kinds(&u).contains(&ProblemKind::DenseSignatures),
        "{:?}",
        kinds(&u)
    );
}

/// Past the entry limit the tar layer ends: no thousands of one-byte "tar" layers.
#[test]
fn entry_limit_ends_the_layer() {
    if in_parent("entry_limit_ends_the_layer") {
        return;
    }
    let mut t = Vec::new();
    for i in 0..5000 {
        tar_file(&mut t, &format!("f{i}"), b"x");
    }
    tar_end(&mut t);
    let mut limits = Limits::default();
    limits.max_entries = 1000;
    let u = unpack_bytes(t, &Options::with_limits(limits));
    let tars = u.layers.iter().filter(|l| l.format == "tar").count();
    assert_eq!(tars, 1, "{tars} tar layers");
    assert!(kinds(&u).contains(&ProblemKind::LimitEntries));
    assert_eq!(u.files, 1000);
}

/// A self-looping link with a million `./` components, resolved many times.
#[test]
fn self_looping_link_with_a_million_components() {
    if in_parent("self_looping_link_with_a_million_components") {
        return;
    }
    let target = format!("{}loop", "./".repeat(1_000_000));
    let mut t = Vec::new();
    tar_pax_entry_link(&mut t, "bin/loop", &target);
    tar_file(&mut t, "etc/init.d/rcS", b"/bin/loop/x\n");
    tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    let tree = u.main_tree().expect("tree");
    for _ in 0..10_000 {
        assert!(tree.resolve("/bin/loop/x").is_err());
    }
    // A link with a million `..` components cannot be collapsed: the step bound stops it.
    let mut t = Vec::new();
    let up = format!("{}etc", "../".repeat(1_000_000));
    tar_pax_entry_link(&mut t, "bin/up", &up);
    tar_file(&mut t, "etc/passwd", b"root::0:0\n");
    tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    let tree = u.main_tree().expect("tree");
    for _ in 0..1_000 {
        assert!(tree.read("/bin/up/passwd").is_err());
    }
    assert!(tree.read("/etc/passwd").is_ok());
}

fn tar_pax_entry_link(t: &mut Vec<u8>, name: &str, target: &str) {
    let body = |n: usize| format!("{n} linkpath={target}\n");
    let mut n = body(0).len();
    while body(n).len() != n {
        n = body(n).len();
    }
    tar_raw(t, b"pax", b'x', body(n).as_bytes(), 0o644, "");
    tar_raw(t, name.as_bytes(), b'2', b"", 0o777, "placeholder");
}

/// 10,000 hard links to a 10 MB file share one content: no 100 GB of copies.
#[test]
fn ten_thousand_hard_links_share_one_content() {
    if in_parent("ten_thousand_hard_links_share_one_content") {
        return;
    }
    let big = vec![7u8; 10_000_000];
    let mut t = Vec::new();
    tar_file(&mut t, "bin/busybox", &big);
    for i in 0..10_000 {
        tar_raw(
            &mut t,
            format!("bin/l{i}").as_bytes(),
            b'1',
            b"",
            0o755,
            "bin/busybox",
        );
    }
    tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    assert_eq!(u.files, 10_001);
    let tree = u.main_tree().expect("tree");
    assert_eq!(tree.read("/bin/l9999").map(<[u8]>::len), Ok(10_000_000));
}

/// A tree 30,000 directories deep: linear memory.
#[test]
fn deep_tree_of_thirty_thousand() {
    if in_parent("deep_tree_of_thirty_thousand") {
        return;
    }
    let depth = 30_000;
    let mut t = Vec::new();
    tar_pax_entry(
        &mut t,
        &format!("{}leaf", "d/".repeat(depth)),
        b'0',
        b"x",
        "",
    );
    tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    assert_eq!(u.directories, depth as u64);
    let tree = u.main_tree().expect("tree");
    assert_eq!(tree.nodes().count(), depth + 1);
    assert_eq!(tree.walk().count(), depth + 1);
}
