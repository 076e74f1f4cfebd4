//! Hostile images built here: link and hard-link amplification and boot
//! scripts that would multiply work must finish at once, with the content
//! analysed once and the budget hits reported.

use std::time::{Duration, Instant};

use touchstone_firmware::{Options, unpack_bytes};
use touchstone_fwchecks::components::Date;
use touchstone_fwchecks::image::{CHECK_TIME, ScanOptions, scan_unpacked};

fn options() -> ScanOptions {
    ScanOptions {
        unpack: Options::default(),
        show_secrets: false,
        today: Date::parse("2026-11-29").expect("date"),
        vulndb: None,
        check_time: CHECK_TIME,
    }
}

/// One ustar header block (`kind` is the type flag).
fn header(name: &[u8], size: usize, kind: u8, link: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..107].copy_from_slice(b"0000755");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = kind;
    h[157..157 + link.len().min(100)].copy_from_slice(&link[..link.len().min(100)]);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

fn pad(mut v: Vec<u8>) -> Vec<u8> {
    v.resize(v.len().div_ceil(512) * 512, 0);
    v
}

fn file(name: &str, content: &[u8]) -> Vec<u8> {
    let mut out = header(name.as_bytes(), content.len(), b'0', b"");
    out.extend_from_slice(content);
    pad(out)
}

const KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmwIDAQABAoIBACIMGO3Pnv+rUbzHQJJUcDjWTZaw=\n-----END RSA PRIVATE KEY-----\n";

#[test]
fn hard_links_share_one_analysis() {
    let mut tar = Vec::new();
    let mut content = vec![b'.'; 4 << 20];
    content.extend_from_slice(KEY.as_bytes());
    tar.extend(file("data/blob.bin", &content));
    for i in 0..2000 {
        tar.extend(pad(header(
            format!("data/link{i:04}").as_bytes(),
            0,
            b'1',
            b"data/blob.bin",
        )));
    }
    tar.extend(vec![0u8; 1024]);
    let unpacked = unpack_bytes(tar, &Options::default());
    let started = Instant::now();
    let scan = scan_unpacked("links.tar", unpacked, &options());
    // Against a hang only (unbounded: one 4 MiB analysis per link, minutes).
    assert!(started.elapsed() < Duration::from_secs(60));
    let keys: Vec<_> = scan
        .findings
        .iter()
        .filter(|f| f.check == "fw-private-key")
        .collect();
    assert_eq!(keys.len(), 1, "one finding for one content");
    let evidence = keys[0].evidence.as_deref().unwrap_or_default();
    assert!(
        evidence.contains("same content also at: /data/link0000") && evidence.contains("more"),
        "{evidence}"
    );
}

#[test]
fn a_link_with_a_huge_target_costs_one_bounded_resolution() {
    // A self-looping link whose target is 200,000 `./` components, and a
    // boot script whose commands all go through it.
    let target = format!("{}loop", "./".repeat(200_000));
    let mut tar = Vec::new();
    let mut long = header(b"././@LongLink", target.len() + 1, b'K', b"");
    long.extend_from_slice(target.as_bytes());
    long.push(0);
    tar.extend(pad(long));
    tar.extend(pad(header(b"loop", 0, b'2', b"x")));
    let mut rcs = String::from("#!/bin/sh\n");
    for i in 0..200 {
        rcs.push_str(&format!("/loop/loop/bin/d{i}\n"));
    }
    tar.extend(file("etc/inittab", b"::sysinit:/etc/init.d/rcS\n"));
    tar.extend(file("etc/init.d/rcS", rcs.as_bytes()));
    tar.extend(vec![0u8; 1024]);
    let unpacked = unpack_bytes(tar, &Options::default());
    let started = Instant::now();
    let scan = scan_unpacked("loop.tar", unpacked, &options());
    assert!(started.elapsed() < Duration::from_secs(60));
    // The commands are still seen (their paths do not resolve).
    assert!(
        scan.findings
            .iter()
            .all(|f| f.check != "fw-partial-analysis"),
        "nothing was left unread: {:?}",
        scan.findings
    );
}

#[test]
fn nested_boot_loops_are_a_reported_budget_hit() {
    let mut tar = Vec::new();
    tar.extend(file("etc/inittab", b"::sysinit:/etc/init.d/rcS\n"));
    tar.extend(file(
        "etc/init.d/rcS",
        b"#!/bin/sh\nfor a in /d/*; do\nfor b in /d/*; do\nfor c in /d/*; do\nfor d in /d/*; do\nfor e in /d/*; do\nx=$a$b$c$d$e\ndone\ndone\ndone\ndone\ndone\n",
    ));
    for i in 0..40 {
        tar.extend(file(&format!("d/f{i:02}"), b"x"));
    }
    tar.extend(vec![0u8; 1024]);
    let unpacked = unpack_bytes(tar, &Options::default());
    let started = Instant::now();
    let scan = scan_unpacked("loops.tar", unpacked, &options());
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(scan.incomplete());
    let partial = scan
        .findings
        .iter()
        .find(|f| f.check == "fw-partial-analysis")
        .expect("the budget hit is a finding");
    assert!(
        partial
            .evidence
            .as_deref()
            .is_some_and(|e| e.contains("boot-budget")),
        "{partial:?}"
    );
}

#[test]
fn the_check_time_budget_is_a_reported_problem() {
    let mut tar = file("etc/inittab", b"::respawn:/usr/sbin/telnetd\n");
    tar.extend(file("usr/lib/blob.bin", KEY.as_bytes()));
    tar.extend(vec![0u8; 1024]);
    let unpacked = unpack_bytes(tar, &Options::default());
    let scan = scan_unpacked(
        "late.tar",
        unpacked,
        &ScanOptions {
            check_time: Duration::ZERO,
            ..options()
        },
    );
    assert!(scan.incomplete());
    assert!(
        scan.problems
            .iter()
            .any(|p| p.kind == "check-time" && p.message.contains("were not read")),
        "{:?}",
        scan.problems
    );
    assert!(scan.findings.iter().any(
        |f| f.check == "fw-partial-analysis" && f.supports == touchstone_core::Supports::Error
    ));
}
