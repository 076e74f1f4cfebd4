//! Golden findings on the real router images of the corpus
//! (../shared/corpus, read in place; skipped with a message when absent).

// A test that cannot run without the corpus says so on stderr rather than passing silently.
#![allow(clippy::print_stderr)]

use std::path::PathBuf;

use touchstone_firmware::Options;
use touchstone_fwchecks::components::Date;
use touchstone_fwchecks::image::{ScanOptions, scan_image};

fn options(show_secrets: bool) -> ScanOptions {
    ScanOptions {
        unpack: Options::default(),
        show_secrets,
        today: Date::parse("2026-11-29").expect("date"),
        vulndb: None,
        check_time: touchstone_fwchecks::image::CHECK_TIME,
    }
}

fn corpus(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the shared corpus (../shared/corpus) is missing and CI=true: corpus tests must not pass without it"
        );
        eprintln!("skipping: corpus file {} not found", p.display());
        None
    }
}

fn golden(rel: &str) -> Option<String> {
    let path = corpus(rel)?;
    let scan = scan_image(&path, &options(false));
    Some(
        scan.findings
            .iter()
            .map(|f| {
                let loc = match &f.location {
                    Some(touchstone_core::Location::Firmware { path, layers, .. }) => {
                        format!("{} {path}", layers.join(">"))
                    }
                    other => format!("{other:?}"),
                };
                format!(
                    "{} [{}] {}\n  {}\n  {}\n",
                    f.check,
                    f.severity,
                    loc,
                    f.message,
                    f.evidence.as_deref().unwrap_or("-")
                )
            })
            .collect(),
    )
}

#[test]
fn trendnet_tew733gr() {
    let Some(text) = golden("binwalk/rootfs/trendnet-tew733gr.squashfs") else {
        return;
    };
    // The vendor back door: telnetd with a fixed login read from /etc/config/image_sign.
    assert!(
        text.contains(
            "fixed login `Alphanetworks` / `wr********************gr (24 characters, redacted)`"
        ),
        "{text}"
    );
    insta::assert_snapshot!("trendnet", text);
    // With --show-secrets the credential is shown in full.
    let path = corpus("binwalk/rootfs/trendnet-tew733gr.squashfs").expect("present");
    let scan = scan_image(&path, &options(true));
    assert!(
        scan.findings.iter().any(|f| f
            .message
            .contains("`Alphanetworks` / `wrgn80_trendnet_tew733gr`")),
        "{:?}",
        scan.findings
    );
}

#[test]
fn broadcom_bcm63xx() {
    let Some(text) = golden("binwalk/rootfs/broadcom-bcm63xx-v2.squashfs") else {
        return;
    };
    assert!(text.contains("fw-console-shell"), "{text}");
    assert!(text.contains("fw-telnet-service"), "{text}");
    insta::assert_snapshot!("broadcom", text);
}
