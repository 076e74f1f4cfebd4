//! End-to-end tests of `touchstone firmware scan` on images built here:
//! unpacking problems travel with the findings, an image only partly
//! analysed says so in its output and exit code, text from the image is
//! escaped for the terminal, and the image is named without its host path.

use std::path::Path;
use std::process::{Command, Output};

fn touchstone(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1795920706")
        .env("NO_COLOR", "1")
        .output()
        .expect("the touchstone binary runs")
}

/// One ustar header block.
fn header(name: &[u8], size: usize) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

fn member(name: &[u8], content: &[u8]) -> Vec<u8> {
    let mut out = header(name, content.len());
    out.extend_from_slice(content);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

/// A tar with an inittab that starts telnetd, a file whose name holds a
/// terminal escape, and a last member that declares 1 MiB of which 600
/// bytes are present.
fn truncated_tar(dir: &Path) -> std::path::PathBuf {
    let mut tar = member(b"etc/inittab", b"::respawn:/usr/sbin/telnetd -l /bin/sh\n");
    let mut key = b"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA".to_vec();
    key.extend(vec![b'A'; 200]);
    key.extend_from_slice(b"\n-----END RSA PRIVATE KEY-----\n");
    tar.extend(member(b"etc/\x1b[31mevil", &key));
    tar.extend(header(b"data/big.bin", 1 << 20));
    tar.extend(vec![b'x'; 600]);
    let path = dir.join("cut.tar");
    std::fs::write(&path, tar).expect("write image");
    path
}

#[test]
fn a_partly_analysed_image_says_so_in_output_and_exit_code() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let image = truncated_tar(tmp.path());
    let image = image.to_str().expect("utf-8");

    let o = touchstone(&["firmware", "scan", image, "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let set = touchstone_core::parse_findings(&out, "scan").expect("a findings file");
    let partial: Vec<_> = set
        .findings
        .iter()
        .filter(|f| f.check == "fw-partial-analysis")
        .collect();
    assert_eq!(partial.len(), 1, "{out}");
    assert_eq!(partial[0].supports, touchstone_core::Supports::Error);
    assert!(
        partial[0]
            .evidence
            .as_deref()
            .is_some_and(|e| e.contains("truncated")),
        "{:?}",
        partial[0].evidence
    );
    // What was read is still checked.
    assert!(
        set.findings.iter().any(|f| f.check == "fw-telnet-service"),
        "{out}"
    );
    // The image is named by its file name, never its host directory.
    let dir = tmp.path().to_str().expect("utf-8");
    assert!(!out.contains(dir), "host path in the findings: {out}");

    let o = touchstone(&["firmware", "scan", image]);
    assert_eq!(o.status.code(), Some(3));
    let human = String::from_utf8_lossy(&o.stdout);
    assert!(human.contains("ONLY PARTLY ANALYSED"), "{human}");
    assert!(human.contains("problem  [tar@0x0] truncated"), "{human}");
    assert!(
        !human.contains('\x1b'),
        "raw escape reached the terminal: {human:?}"
    );
    assert!(
        human.contains("/etc/\\x1b[31mevil"),
        "escaped name shown: {human}"
    );
    assert!(!human.contains(dir), "host path in the output: {human}");
}

#[test]
fn a_complete_image_exits_zero() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("ok.tar");
    let mut tar = member(b"etc/inittab", b"::respawn:/usr/sbin/telnetd\n");
    tar.extend(vec![0u8; 1024]);
    std::fs::write(&path, tar).expect("write");
    let o = touchstone(&["firmware", "scan", path.to_str().expect("utf-8")]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// `unpack --output --format json` says what reached the disk, and keeps
/// each link's literal target in the image beside the target written.
#[test]
fn unpack_json_reports_what_was_written_with_literal_link_targets() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut tar = member(b"etc/passwd", b"root:x:0:0::/root:/bin/sh\n");
    let mut link = header(b"etc/abs", 0);
    link[156] = b'2';
    link[157..168].copy_from_slice(b"/etc/passwd");
    link[148..156].copy_from_slice(b"        ");
    let sum: u32 = link.iter().map(|b| u32::from(*b)).sum();
    link[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    tar.extend_from_slice(&link);
    tar.extend_from_slice(&[0u8; 1024]);
    let image = tmp.path().join("links.tar");
    std::fs::write(&image, &tar).expect("write");
    let out = tmp.path().join("out");
    let o = touchstone(&[
        "firmware",
        "unpack",
        image.to_str().expect("utf-8"),
        "--output",
        out.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let w = &v["written"];
    assert_eq!(w["files"], 1, "{w}");
    assert_eq!(w["links"], 1, "{w}");
    assert_eq!(w["incomplete"], 0, "{w}");
    assert_eq!(w["rewritten_links"][0]["path"], "/etc/abs", "{w}");
    assert_eq!(w["rewritten_links"][0]["target"], "/etc/passwd", "{w}");
    let written = w["rewritten_links"][0]["written"]
        .as_str()
        .expect("written");
    assert!(!written.starts_with('/'), "{written}");
    // Without --output there is nothing written to report.
    let o = touchstone(&[
        "firmware",
        "unpack",
        image.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(v.get("written").is_none());
}
