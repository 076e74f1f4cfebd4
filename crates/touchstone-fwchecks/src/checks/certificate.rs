//! `fw-certificate`: X.509 certificates in the image that are expired, weak, or wrongly trusted.

use std::collections::BTreeMap;

use touchstone_core::{Finding, Severity};
use x509_parser::pem::Pem;
use x509_parser::public_key::PublicKey;

use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-certificate",
        title: "Expired, weak or wrongly trusted certificates",
        severity: Severity::Medium,
        provisions: &["5.5-1", "5.3-7"],
        test_units: &["5.5-1-2", "5.3-7-1"],
        what: "Parses every PEM certificate in the image and reports, per file, certificates whose validity ended before the scan date, RSA or DSA keys under 2048 bits and elliptic-curve keys under 224 bits, MD2/MD4/MD5/SHA-1 signatures, and certificates in a trust store (a `certs` directory or CA bundle) that are not CA certificates.",
        why: "Communication is only as strong as the certificates behind it (5.5-1): short keys and broken hash functions can be forged, an expired certificate breaks validation or teaches clients to ignore it, and a leaf certificate planted in the trust store makes the device trust whoever holds its key, which also undermines signed updates fetched over TLS (5.3-7).",
        fix: "Use RSA-2048+ or P-256+ keys with SHA-256 signatures, renew certificates before they expire (or provision them per device), and keep only CA certificates in trust stores.",
    },
    run,
};

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
fn epoch_days(date: &str) -> Option<i64> {
    let mut it = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (it.next()??, it.next()??, it.next()??);
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

const WEAK_SIGNATURES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.2", "MD2 with RSA"),
    ("1.2.840.113549.1.1.3", "MD4 with RSA"),
    ("1.2.840.113549.1.1.4", "MD5 with RSA"),
    ("1.2.840.113549.1.1.5", "SHA-1 with RSA"),
    ("1.2.840.10040.4.3", "DSA with SHA-1"),
    ("1.2.840.10045.4.1", "ECDSA with SHA-1"),
];

/// Certificates parsed per file at most.
const MAX_CERTS: usize = 500;
/// Examples named per finding.
const EXAMPLES: usize = 5;

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let now = epoch_days(&ctx.today.to_string()).map_or(i64::MAX, |d| d * 86_400);
    let mut out = Vec::new();
    for path in ctx.unique.clone() {
        let Some(bytes) = ctx.files.read(&path) else {
            continue;
        };
        if bytes.len() > 4 << 20
            || !bytes
                .windows(27)
                .any(|w| w == b"-----BEGIN CERTIFICATE-----")
        {
            continue;
        }
        let trust_store = path.contains("/certs/")
            || path.ends_with("ca-certificates.crt")
            || path.ends_with("ca-bundle.crt")
            || path.ends_with("cacert.pem");
        // problem -> subjects
        let mut problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for pem in Pem::iter_from_buffer(&bytes).take(MAX_CERTS).flatten() {
            if pem.label != "CERTIFICATE" {
                continue;
            }
            let Ok(cert) = pem.parse_x509() else { continue };
            let subject = cert
                .subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok())
                .map_or_else(|| cert.subject().to_string(), str::to_owned);
            let mut add = |what: String| problems.entry(what).or_default().push(subject.clone());
            if cert.validity().not_after.timestamp() < now {
                add("expired".to_owned());
            }
            if let Ok(key) = cert.public_key().parsed() {
                let bits = key.key_size();
                match key {
                    PublicKey::RSA(_) | PublicKey::DSA(_) if bits > 0 && bits < 2048 => {
                        add(format!("{bits}-bit RSA/DSA key"));
                    }
                    PublicKey::EC(_) if bits > 0 && bits < 224 => add(format!("{bits}-bit EC key")),
                    _ => {}
                }
            }
            let oid = cert.signature_algorithm.algorithm.to_id_string();
            if let Some((_, name)) = WEAK_SIGNATURES.iter().find(|(o, _)| *o == oid) {
                add(format!("{name} signature"));
            }
            if trust_store && !cert.is_ca() {
                add("not a CA certificate, yet in a trust store".to_owned());
            }
        }
        for (what, subjects) in problems {
            out.push(
                ctx.finding(
                    &CHECK.info,
                    &path,
                    format!("{} certificate(s): {what}", subjects.len()),
                    Some(
                        subjects
                            .iter()
                            .take(EXAMPLES)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join("\n"),
                    ),
                ),
            );
        }
    }
    out
}
