//! Offline OSV matching: parsing, version order and ranges.

use std::cmp::Ordering;

use touchstone_fwchecks::vulndb::{VulnDb, compare_versions, parse_osv};

/// A small OSV data set written for the test (identifiers are real, details shortened).
const OSV: &str = r#"[
 {"id": "CVE-2014-0160", "aliases": ["HEARTBLEED"], "summary": "TLS heartbeat read overrun",
  "affected": [{"package": {"ecosystem": "Generic", "name": "OpenSSL"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0.1"}, {"fixed": "1.0.1g"}]}]}]},
 {"id": "CVE-2009-3555", "summary": "TLS renegotiation prefix injection",
  "affected": [{"package": {"ecosystem": "Generic", "name": "openssl"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0.9.8l"}]}]}]},
 {"id": "OSV-BB-1", "details": "An example with last_affected and listed versions.\nMore text.",
  "affected": [{"package": {"name": "busybox"}, "versions": ["1.00"],
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.10"}, {"last_affected": "1.14.1"}]}]}]},
 {"id": "GIT-ONLY", "affected": [{"package": {"name": "zlib"}, "ranges": [{"type": "GIT", "events": [{"introduced": "abc"}]}]}]},
 {"id": "NO-PACKAGE", "affected": [{"ranges": []}]}
]"#;

fn db() -> VulnDb {
    VulnDb {
        imported_at: "2026-11-29T00:00:00Z".into(),
        sources: vec!["test.json".into()],
        entries: parse_osv(OSV, "test.json").expect("parses"),
    }
}

#[test]
fn versions_sort_like_releases() {
    for (a, b) in [
        ("0.9.8g", "0.9.8l"),
        ("0.9.8l", "1.0.0"),
        ("1.0.1", "1.0.1g"),
        ("2.6.9", "2.6.33"),
        ("2019.78", "2020.79"),
        ("1.14.1", "1.14.10"),
        ("1.0", "1.0.1"),
    ] {
        assert_eq!(compare_versions(a, b), Ordering::Less, "{a} < {b}");
        assert_eq!(compare_versions(b, a), Ordering::Greater, "{b} > {a}");
    }
    assert_eq!(compare_versions("1.02", "1.2"), Ordering::Equal);
}

#[test]
fn matches_by_name_and_range() {
    let db = db();
    let ids = |name: &str, v: &str| -> Vec<String> {
        db.matches(name, v).iter().map(|e| e.id.clone()).collect()
    };
    assert_eq!(ids("openssl", "0.9.8g"), ["CVE-2009-3555"]);
    assert_eq!(ids("OpenSSL", "1.0.1f"), ["CVE-2014-0160"]);
    assert!(ids("openssl", "1.0.1g").is_empty(), "fixed version");
    assert!(ids("openssl", "1.0.2k").is_empty());
    assert_eq!(
        ids("busybox", "1.14.1"),
        ["OSV-BB-1"],
        "last_affected is inclusive"
    );
    assert!(ids("busybox", "1.14.2").is_empty());
    assert_eq!(ids("busybox", "1.00"), ["OSV-BB-1"], "listed version");
    assert!(
        ids("zlib", "1.2.3").is_empty(),
        "GIT ranges are not version ranges"
    );
    // Entries without a package are dropped; a summary falls back to the first line of the details.
    assert_eq!(db.entries.len(), 4);
    let bb = db
        .entries
        .iter()
        .find(|e| e.id == "OSV-BB-1")
        .expect("entry");
    assert_eq!(
        bb.summary,
        "An example with last_affected and listed versions."
    );
}

#[test]
fn json_lines_and_errors() {
    let lines = "{\"id\": \"A\", \"affected\": [{\"package\": {\"name\": \"x\"}, \"versions\": [\"1\"]}]}\n\n{\"id\": \"B\", \"affected\": [{\"package\": {\"name\": \"y\"}, \"versions\": [\"2\"]}]}\n";
    assert_eq!(parse_osv(lines, "l.jsonl").expect("jsonl").len(), 2);
    let err = parse_osv("{\"id\": 3}\n{oops", "bad.json").expect_err("bad");
    assert!(err.0.starts_with("bad.json:1:"), "{}", err.0);
}
