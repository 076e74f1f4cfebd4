//! The findings wire format.

use touchstone_core::{Location, Supports, parse_findings};

#[test]
fn round_trips_a_firmware_finding() {
    let text = r#"{
      "schema": "touchstone.findings/v1",
      "findings": [{
        "check": "fw-telnetd-enabled",
        "severity": "high",
        "provisions": ["5.6-1"],
        "test_units": ["5.6-1-2b"],
        "location": {"kind": "firmware", "image": "fw.bin", "path": "/etc/inittab", "layers": ["squashfs@0x0"]},
        "message": "telnetd starts at boot",
        "evidence": "::respawn:/usr/sbin/telnetd -F"
      }]
    }"#;
    let set = parse_findings(text, "f.json").expect("valid findings");
    assert_eq!(set.findings[0].supports, Supports::Fail);
    assert_eq!(
        set.findings[0].location.as_ref().map(ToString::to_string),
        Some("fw.bin > squashfs@0x0 : /etc/inittab".to_owned())
    );
    let again = serde_json::to_string(&set).expect("serializes");
    assert_eq!(parse_findings(&again, "again").expect("reparses"), set);
}

#[test]
fn syntax_errors_name_line_and_column() {
    let text = "{\n  \"schema\": \"touchstone.findings/v1\",\n  \"findings\": [{\"check\": 3}]\n}";
    let err = parse_findings(text, "bad.json").expect_err("must fail");
    let msg = err.to_string();
    assert!(msg.starts_with("bad.json:3:"), "{msg}");
    assert!(msg.contains("expected a string"), "{msg}");
}

#[test]
fn unknown_fields_are_rejected() {
    let text = r#"{"schema": "touchstone.findings/v1", "findings": [{"check": "x", "severity": "low", "message": "m", "sevrity": 1}]}"#;
    let msg = parse_findings(text, "f").expect_err("typo").to_string();
    assert!(msg.contains("unknown field `sevrity`"), "{msg}");
}

#[test]
fn wrong_schema_gets_a_hint() {
    let text = r#"{"schema": "other/v9", "findings": []}"#;
    let msg = parse_findings(text, "f").expect_err("schema").to_string();
    assert!(msg.contains("unsupported findings schema `other/v9`"));
    assert!(msg.contains("hint:"));
}

#[test]
fn ipv6_network_locations_are_bracketed() {
    let loc = Location::Network {
        host: "fd00::2".into(),
        port: Some(443),
        transport: Some("tcp".into()),
        service: Some("https".into()),
    };
    assert_eq!(loc.to_string(), "[fd00::2]:443/tcp (https)");
}

#[test]
fn the_streaming_parser_agrees_with_the_text_parser() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/smart-plug/findings/lab-scan.json"),
    )
    .expect("example findings");
    let streamed =
        touchstone_core::parse_findings_reader(text.as_bytes(), "lab-scan.json").expect("valid");
    assert_eq!(
        streamed,
        parse_findings(&text, "lab-scan.json").expect("valid")
    );
    assert!(!streamed.findings.is_empty());
    let bad = "{\n  \"schema\": \"touchstone.findings/v1\",\n  \"findings\": [1]\n}";
    let err = touchstone_core::parse_findings_reader(bad.as_bytes(), "bad.json")
        .expect_err("invalid")
        .to_string();
    assert!(err.starts_with("bad.json:3:"), "{err}");
    // Invalid UTF-8 inside a string is an error with its position, not a panic.
    let err = touchstone_core::parse_findings_reader(
        &b"{\"schema\": \"touchstone.findings/v1\", \"findings\": [], \"tool\": {\"name\": \"\xff\"}}"[..],
        "utf8.json",
    )
    .expect_err("invalid UTF-8")
    .to_string();
    assert!(err.starts_with("utf8.json:1:"), "{err}");
}
