//! `decl-update-mismatch`: update evidence in the firmware that contradicts the declared update mechanisms.

use touchstone_core::{Finding, Severity};
use touchstone_fwchecks::checks::update_evidence::UpdateKind;

use crate::check::{Check, CheckInfo, Input, Needs, finding};
use crate::checks::{names_any, narrow};
use crate::declared::{labels, table};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "decl-update-mismatch",
        title: "Update evidence contradicts the declared update mechanism",
        severity: Severity::Medium,
        provisions: &["5.3-2", "5.3-7", "5.3-9", "5.3-10"],
        test_units: &["5.3-2-2a", "5.3-7-1a", "5.3-9-1a", "5.3-10-1c"],
        what: "Compares the update evidence of the image (the facts of fw-update-evidence: update tools, opkg and its signature settings, usign keys, update scripts that download over plain HTTP or check only a checksum) with the 7-UpdMech entries. It reports update tools when the IXIT declares no update mechanism, a package manager (opkg) no entry describes, signature checking switched off or a checksum-only verification where an entry declares signed updates, and plain-HTTP downloads where an entry declares HTTPS or TLS.",
        why: "TS 103 701 5.3-10-1 asks for update mechanisms the IXIT does not list, and 5.3-2, 5.3-7 and 5.3-9 judge the declared mechanism's security. If the image shows another mechanism, or one that does not verify what the declaration says it verifies, the conceptual verdicts rest on a description the device does not follow.",
        fix: "Describe every update path of the image in 7-UpdMech (including package managers), and make the implementation do what the entry says: enable opkg's check_signature, verify signatures rather than checksums, download over verified TLS.",
        needs: Needs::Firmware,
    },
    run,
};

const SIGNED: &[&str] = &[
    "sign",
    "signed",
    "signature",
    "signatures",
    "ecdsa",
    "ed25519",
    "rsa",
    "rsa-pss",
    "authenticity",
    "usign",
    "signify",
];
const TLS: &[&str] = &["https", "tls"];
const PACKAGES: &[&str] = &["opkg", "package", "packages", "ipk", "package manager"];

fn run(input: &Input<'_>) -> Vec<Finding> {
    let mechanisms: Vec<_> = input.declared.table(table::UPD_MECH).collect();
    let signed: Vec<_> = mechanisms
        .iter()
        .copied()
        .filter(|d| names_any(&d.text, SIGNED))
        .collect();
    let tls: Vec<_> = mechanisms
        .iter()
        .copied()
        .filter(|d| names_any(&d.text, TLS))
        .collect();
    let packages = mechanisms.iter().any(|d| names_any(&d.text, PACKAGES));
    let mut out = Vec::new();
    for image in input.images() {
        for tree in &image.trees {
            let tools: Vec<_> = tree
                .updates
                .iter()
                .filter(|u| u.kind == UpdateKind::Tool)
                .collect();
            if mechanisms.is_empty()
                && let Some(first) = tools.first()
            {
                out.push(narrow(
                    finding(
                        &CHECK.info,
                        image.place(&tree.layers, &first.path),
                        format!(
                            "The image has update tools ({}), and the IXIT declares no update mechanism (7-UpdMech is empty)",
                            tools
                                .iter()
                                .map(|t| t.path.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        Some(first.message.clone()),
                    ),
                    &["5.3-10"],
                    &["5.3-10-1c"],
                ));
            }
            if !mechanisms.is_empty()
                && !packages
                && let Some(opkg) = tree.updates.iter().find(|u| {
                    u.tool == Some("opkg")
                        || matches!(
                            u.kind,
                            UpdateKind::SignatureCheck | UpdateKind::NoSignatureCheck
                        )
                })
            {
                out.push(narrow(
                    finding(
                        &CHECK.info,
                        image.place(&tree.layers, &opkg.path),
                        format!(
                            "The image installs software packages with opkg (`{}`), an update path no 7-UpdMech entry describes ({})",
                            opkg.path,
                            labels(mechanisms.iter().copied())
                        ),
                        Some(opkg.message.clone()),
                    ),
                    &["5.3-10"],
                    &["5.3-10-1c"],
                ));
            }
            for u in &tree.updates {
                let (by, claim, provisions, units): (&[_], &str, &[&str], &[&str]) = match u.kind {
                    UpdateKind::NoSignatureCheck | UpdateKind::ChecksumOnly => (
                        &signed,
                        "signed updates",
                        &["5.3-9", "5.3-7"],
                        &["5.3-9-1a", "5.3-7-1a"],
                    ),
                    UpdateKind::PlainHttp => (
                        &tls,
                        "updates over HTTPS/TLS",
                        &["5.3-2", "5.3-7"],
                        &["5.3-2-2a", "5.3-7-1a"],
                    ),
                    _ => continue,
                };
                if by.is_empty() {
                    continue;
                }
                out.push(narrow(
                    finding(
                        &CHECK.info,
                        image.place(&tree.layers, &u.path),
                        format!(
                            "{}, although {} declares {claim}",
                            u.message,
                            labels(by.iter().copied())
                        ),
                        u.evidence.clone(),
                    ),
                    provisions,
                    units,
                ));
            }
        }
    }
    out
}
