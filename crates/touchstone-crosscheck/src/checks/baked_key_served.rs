//! `xc-baked-key-served`: the live device serves an SSH host key or TLS key that is in the firmware image.

use touchstone_core::{Finding, Location, Severity};
use touchstone_fwchecks::keys::{KeyFact, KeyKind};

use crate::check::{Check, CheckInfo, Input, Needs, finding, network};
use crate::observations::FirmwareImage;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "xc-baked-key-served",
        title: "Key served by the device is baked into the firmware",
        severity: Severity::High,
        provisions: &["5.4-3", "5.4-4"],
        test_units: &["5.4-3-2a", "5.4-4-1a", "5.4-4-1b"],
        what: "Derives the public half of every private key, certificate and public key in the image (PEM, DER, OpenSSH and Dropbear formats; see fw-private-key and fw-baked-ssh-host-key) and compares it with the keys the live device presents: the SSH host keys by their SHA256 fingerprint, the TLS certificate by its SubjectPublicKeyInfo (and the certificate itself by its hash). A match is reported with the file that holds the key.",
        why: "A key found in the image might be unused, a test key, or replaced at first boot; a key the device serves is in use. When the device presents the key shipped in the image, every unit running the image presents the same key: anyone with the firmware can impersonate any unit and decrypt what weak key exchanges protected. That is a hard-coded critical security parameter (5.4-3) and not unique per device (5.4-4). This holds for a distributed image; if the scanned image is a flash dump of this very sample, the key may be per-device and the assessor disposes of the finding.",
        fix: "Remove keys from the image and generate them on the device at first boot (`dropbearkey`/`ssh-keygen -A`, a TLS key from the hardware RNG) into persistent storage, or provision a unique key per unit at manufacture.",
        needs: Needs::Both,
    },
    run,
};

/// Every key fact of the images, with its image and tree layers.
fn firmware_keys(images: &[FirmwareImage]) -> Vec<(&FirmwareImage, &[String], &KeyFact)> {
    images
        .iter()
        .flat_map(|i| {
            i.trees
                .iter()
                .flat_map(move |t| t.keys.iter().map(move |k| (i, t.layers.as_slice(), k)))
        })
        .collect()
}

fn place(image: &FirmwareImage, layers: &[String]) -> impl Fn(&KeyFact) -> String {
    let chain = if layers.is_empty() {
        String::new()
    } else {
        format!(" > {}", layers.join(" > "))
    };
    let name = image.name.clone();
    move |k: &KeyFact| format!("{name}{chain} : {}", k.path)
}

fn run(input: &Input<'_>) -> Vec<Finding> {
    let Some(live) = input.live() else {
        return Vec::new();
    };
    let keys = firmware_keys(input.images());
    let mut out = Vec::new();
    for s in &live.report.ssh {
        for hk in &s.report.host_keys {
            for (image, layers, k) in &keys {
                if k.ssh_fingerprint.as_deref() != Some(hk.fingerprint.as_str()) {
                    continue;
                }
                let at = place(image, layers)(k);
                let mut f = finding(
                    &CHECK.info,
                    network(&s.host, s.port, "tcp", "ssh"),
                    format!(
                        "The SSH host key the device serves on port {} ({} {}, {}) is the {} {} at {}: every unit running this image presents it",
                        s.port,
                        hk.key_type,
                        hk.bits,
                        hk.fingerprint,
                        k.algorithm,
                        k.kind.as_str(),
                        at
                    ),
                    Some(format!("{} ({}) in {at}", hk.fingerprint, k.format)),
                );
                if k.kind != KeyKind::PrivateKey {
                    f.severity = Severity::Medium;
                }
                out.push(f);
            }
        }
    }
    for t in &live.report.tls {
        let served = t.report.certificate.clone().or_else(|| {
            t.report
                .chain
                .as_ref()
                .and_then(|c| c.chain_der.first())
                .map(|der| touchstone_probe::tls::cert::facts(der))
        });
        let Some(cert) = served.filter(|c| !c.spki_sha256.is_empty()) else {
            continue;
        };
        for (image, layers, k) in &keys {
            let key_match = k.spki_sha256.as_deref() == Some(cert.spki_sha256.as_str());
            let cert_match = k.cert_sha256.as_deref() == Some(cert.sha256.as_str());
            if !key_match && !cert_match {
                continue;
            }
            let at = place(image, layers)(k);
            let what = match (k.kind, cert_match) {
                (KeyKind::Certificate, true) => "is the certificate".to_owned(),
                (KeyKind::Certificate, false) => "has the key of the certificate".to_owned(),
                (kind, _) => format!("has the key of the {} {}", k.algorithm, kind.as_str()),
            };
            let mut f = finding(
                &CHECK.info,
                network(&t.host, t.port, "tcp", "tls"),
                format!(
                    "The TLS certificate the device serves on port {} ({}, {} {}) {what} at {at}: every unit running this image presents this key",
                    t.port, cert.subject, cert.key_type, cert.key_bits
                ),
                Some(format!(
                    "SubjectPublicKeyInfo SHA-256 {} ({}) in {at}",
                    cert.spki_sha256, k.format
                )),
            );
            if k.kind != KeyKind::PrivateKey {
                f.severity = Severity::Medium;
            }
            out.push(f);
        }
    }
    // One finding per served key and firmware file, in a stable order.
    out.sort_by(|a, b| {
        let key = |f: &Finding| match &f.location {
            Some(Location::Network { port, .. }) => (*port, f.evidence.clone()),
            _ => (None, f.evidence.clone()),
        };
        key(a).cmp(&key(b))
    });
    out.dedup_by(|a, b| a.location == b.location && a.evidence == b.evidence);
    out
}
