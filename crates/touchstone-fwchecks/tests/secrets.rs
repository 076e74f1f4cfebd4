//! The secret rules and the Dropbear key parser.

use touchstone_fwchecks::secrets::{SecretKind, dropbear_key, is_host_key_path, rules, scan_bytes};

#[test]
fn every_rule_matches_its_examples_and_not_its_counter_examples() {
    let rules = rules();
    assert!(rules.rules.len() >= 8, "bundled rules load");
    for rule in &rules.rules {
        for ex in &rule.examples {
            let found = scan_bytes(ex.as_bytes());
            assert!(
                found.iter().any(|m| m.rule == rule.id),
                "{} should match {ex:?}",
                rule.id
            );
        }
        for ex in &rule.negative_examples {
            let found = scan_bytes(ex.as_bytes());
            assert!(
                !found.iter().any(|m| m.rule == rule.id),
                "{} should not match {ex:?}",
                rule.id
            );
        }
    }
}

#[test]
fn excerpts_never_show_the_whole_secret() {
    let token = b"key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe";
    let m = scan_bytes(token);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].kind, SecretKind::Token);
    assert!(!m[0].excerpt.contains("HjGw7ISLn"), "{}", m[0].excerpt);
    assert_eq!(m[0].offset, 4);
}

fn ssh_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

#[test]
fn parses_dropbear_private_keys_only() {
    let mut key = Vec::new();
    ssh_string(&mut key, b"ssh-rsa");
    for n in [
        &[1u8, 0, 1][..],
        &[0xc5; 64],
        &[0x7a; 64],
        &[0xe1; 32],
        &[0xd3; 32],
    ] {
        ssh_string(&mut key, n);
    }
    let m = dropbear_key(&key).expect("a Dropbear RSA key");
    assert_eq!(m.title, "Dropbear private key (ssh-rsa)");
    // The same bytes inside a larger file are found by the scan too.
    assert!(
        scan_bytes(&key)
            .iter()
            .any(|m| m.rule == "dropbear-private-key")
    );

    // A public key blob (type, e, n) is not a private key.
    let mut public = Vec::new();
    ssh_string(&mut public, b"ssh-rsa");
    ssh_string(&mut public, &[1, 0, 1]);
    ssh_string(&mut public, &[0xc5; 64]);
    assert!(dropbear_key(&public).is_none());
    // Trailing bytes, truncation and absurd lengths are rejected without panicking.
    let mut trailing = key.clone();
    trailing.push(0);
    assert!(dropbear_key(&trailing).is_none());
    assert!(dropbear_key(&key[..key.len() - 3]).is_none());
    assert!(dropbear_key(&[0xff, 0xff, 0xff, 0xff, b's']).is_none());
}

#[test]
fn host_key_paths() {
    for p in [
        "/etc/dropbear/dropbear_rsa_host_key",
        "/etc/rsa_host_key",
        "/etc/ssh/ssh_host_ed25519_key",
    ] {
        assert!(is_host_key_path(p), "{p}");
    }
    for p in [
        "/etc/ssh/ssh_host_ed25519_key.pub",
        "/etc/ssl/private/server.key",
    ] {
        assert!(!is_host_key_path(p), "{p}");
    }
}

#[test]
fn finds_der_private_keys_whose_length_fits() {
    // A PKCS#1 RSA key's outer SEQUENCE: 30 82 <len> 02 01 00 02 82 ...
    let mut key = vec![0x30, 0x82, 0x00, 0x20, 0x02, 0x01, 0x00, 0x02, 0x82];
    key.resize(4 + 0x20, 0xab);
    let mut file = b"junk before".to_vec();
    file.extend_from_slice(&key);
    let m: Vec<_> = scan_bytes(&file)
        .into_iter()
        .filter(|m| m.rule == "der-private-key")
        .collect();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].offset, 11);
    // The same header with a length beyond the end of the file is not a key.
    let truncated = &file[..file.len() - 1];
    assert!(
        scan_bytes(truncated)
            .iter()
            .all(|m| m.rule != "der-private-key")
    );
}

/// The allow-list of public test keys is data with a source per key, every
/// entry a SHA-256; a DER key in a file named `openssl` is reported unless
/// its fingerprint is listed.
#[test]
fn known_test_keys_are_listed_by_fingerprint_not_by_file_name() {
    use touchstone_fwchecks::check::{Context, run_all};
    use touchstone_fwchecks::components::Date;
    use touchstone_fwchecks::files::MemFiles;
    use touchstone_fwchecks::secrets::known_test_keys;
    let keys = known_test_keys();
    assert!(keys.len() >= 3);
    for k in keys {
        assert!(
            k.sha256.len() == 64 && k.sha256.bytes().all(|b| b.is_ascii_hexdigit()),
            "{}",
            k.sha256
        );
        assert!(!k.what.is_empty() && !k.source.is_empty());
    }
    // A made-up PKCS#1 RSA key in DER, in a file named like the OpenSSL tool.
    let mut der = vec![
        0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x81, 0x81, 0x00,
    ];
    der.resize(0x104, 0x5a);
    let mut blob = b"\x7fELF not really".to_vec();
    blob.extend_from_slice(&der);
    let files = MemFiles::new().with("/usr/bin/openssl", blob);
    let ctx = Context::new(
        &files,
        "x.bin",
        vec![],
        Date::parse("2026-11-29").expect("date"),
    );
    let findings = run_all(&ctx);
    assert!(
        findings.iter().any(|f| f.check == "fw-private-key"),
        "an unknown DER key is reported even in `openssl`: {findings:?}"
    );
}
