//! Password-generation analysis on generated sample CSVs: derived
//! passwords of many kinds, counters, shared passwords and random ones.

use md5::{Digest, Md5};
use sha2::Sha256;
use touchstone_core::Supports;
use touchstone_probe::checks::password_generation;
use touchstone_probe::passwords::{analyse, parse_csv};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn mac(i: u64) -> String {
    let v = 0x00_1a_2b_3c_00_00u64 + i * 0x0101;
    let h = format!("{v:012x}");
    (0..6)
        .map(|k| h.get(2 * k..2 * k + 2).unwrap_or("00"))
        .collect::<Vec<_>>()
        .join(":")
}

fn mac12(i: u64) -> String {
    mac(i).replace(':', "")
}

fn serial(i: u64) -> String {
    format!("SN24A{:06}", 310_000 + i * 3)
}

/// Deterministic pseudo-random strong password (xorshift), 16 characters
/// of letters, digits and symbols.
fn strong(seed: u64) -> String {
    const SET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+=?@";
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..16)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = usize::try_from(x % SET.len() as u64).unwrap_or(0);
            char::from(SET.get(i).copied().unwrap_or(b'x'))
        })
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= c.len() {
                out.push(char::from(A[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

type Generator = fn(u64) -> String;

/// (case, password generator, what the analysis must report first)
const CASES: &[(&str, Generator, &str)] = &[
    (
        "last 8 of MD5 of the MAC",
        |i| hex(&Md5::digest(mac12(i).as_bytes()))[24..].to_owned(),
        "scheme: last 8 characters of hex MD5 of MAC",
    ),
    (
        "last 6 hex digits of the MAC, upper case",
        |i| mac12(i)[6..].to_ascii_uppercase(),
        "scheme: last 6 characters of MAC",
    ),
    (
        "first 10 of SHA-256 of the serial",
        |i| hex(&Sha256::digest(serial(i).as_bytes()))[..10].to_owned(),
        "scheme: first 10 characters of hex SHA-256 of serial",
    ),
    (
        "Base64 of the raw MAC bytes",
        |i| {
            let bytes: Vec<u8> = (0..6)
                .map(|k| u8::from_str_radix(&mac12(i)[2 * k..2 * k + 2], 16).unwrap_or(0))
                .collect();
            b64(&bytes)
        },
        "scheme: Base64 of MAC bytes",
    ),
    (
        "CRC-32 of the serial",
        |i| format!("{:08X}", crc32fast::hash(serial(i).as_bytes())),
        "scheme: hex CRC-32 of serial",
    ),
    (
        "serial reversed",
        |i| serial(i).chars().rev().collect(),
        "scheme: reversed serial",
    ),
    (
        "neighbouring MAC (WAN = LAN + 1)",
        |i| {
            format!(
                "{:012x}",
                u64::from_str_radix(&mac12(i), 16).unwrap_or(0) + 1
            )
        },
        "scheme: MAC+1",
    ),
    (
        "a word and the MAC's tail",
        |i| format!("Wifi-{}", &mac12(i)[4..]),
        "scheme: contains the last 8 characters of the MAC at position 5",
    ),
    (
        "counter from the serial",
        |i| format!("{}", 7_000_000 + (310_000 + i * 3) * 5),
        "counter: passwords step by 15 in serial order (a counter)",
    ),
    (
        "numbers that grow with the serial at varying steps",
        |i| format!("{}", 40_000_000 + i * i * 37 + i * 11),
        "counter: passwords increase with the serial across all 12 samples (random ones would be in this order once in 12! cases)",
    ),
    (
        "one password everywhere",
        |_| "admin1234".to_owned(),
        "shared: 12 of 12",
    ),
    ("random and strong", strong, "pass"),
];

fn csv(generate: Generator) -> String {
    // Columns in an unusual order, quoting and blank lines on purpose.
    let mut text = String::from("\u{feff}\"Password\",Serial Number,MAC Address\r\n");
    for i in 0..12u64 {
        let p = generate(i).replace('"', "\"\"");
        text.push_str(&format!(
            "\"{p}\",{},{}\r\n",
            serial(i),
            mac(i).to_ascii_uppercase()
        ));
        if i == 5 {
            text.push_str("\r\n");
        }
    }
    text
}

#[test]
fn generated_samples_are_classified() {
    for (case, generate, expected) in CASES {
        let samples = parse_csv(&csv(*generate)).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(samples.len(), 12, "{case}");
        let analysis = analyse(&samples);
        let first = if let Some(s) = analysis.schemes.first() {
            format!("scheme: {}", s.rule)
        } else if let Some(c) = analysis.counters.first() {
            format!("counter: {}", c.rule)
        } else if let Some(s) = analysis.shared.first() {
            format!("shared: {} of {}", s.lines.len(), analysis.samples)
        } else {
            "pass".to_owned()
        };
        assert_eq!(first, *expected, "{case}: {analysis:#?}");
        let findings = password_generation::run(&analysis, "samples.csv");
        let failed = findings.iter().any(|f| f.supports == Supports::Fail);
        assert_eq!(failed, *expected != "pass", "{case}: {findings:#?}");
        if let Some(s) = analysis.schemes.first() {
            assert_eq!(s.matches, 12, "{case}");
            assert_eq!(s.examples.len(), 3, "{case}");
        }
        let f = findings
            .last()
            .unwrap_or_else(|| panic!("{case}: a summary"));
        assert!(f.message.contains("estimated strength"), "{case}");
        for f in &findings {
            assert_eq!(f.check, "pw-generation");
        }
    }
}

#[test]
fn entropy_estimates_tell_weak_from_strong() {
    let weak = analyse(
        &parse_csv(&csv(|i| mac12(i)[6..].to_ascii_uppercase())).unwrap_or_else(|e| panic!("{e}")),
    );
    let strong = analyse(&parse_csv(&csv(strong)).unwrap_or_else(|e| panic!("{e}")));
    // 6 hex digits: 24 bits by classes; 16 random characters of 4 classes: ~105 bits.
    assert!(
        (weak.entropy.charset_bits - 24.0).abs() < 0.1,
        "{:?}",
        weak.entropy
    );
    assert!(strong.entropy.charset_bits > 100.0, "{:?}", strong.entropy);
    // Twelve samples can show at most log2(12) ~ 3.6 bits per position.
    assert!(strong.entropy.empirical_bits <= strong.entropy.empirical_ceiling + 0.1);
    assert_eq!(strong.entropy.distinct, 12);
}
