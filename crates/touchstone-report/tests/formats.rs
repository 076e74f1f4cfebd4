//! Snapshots of the SBOM and VEX formats over constructed inputs, and the
//! VEX rules: not affected only with evidence, affected with evidence,
//! under investigation otherwise.

use touchstone_core::{Component, Finding, Location, Severity, Supports};
use touchstone_report::cyclonedx::{DocInfo, SbomImage, SpecVersion, render, render_vex};
use touchstone_report::vex::{BootFacts, LiveFacts, Match, Status, statements};

fn component(name: &str, version: &str, path: &str, offset: Option<u64>) -> Component {
    Component {
        name: name.into(),
        version: Some(version.into()),
        purl: Some(format!(
            "pkg:generic/{}@{version}",
            name.to_ascii_lowercase()
        )),
        cpe: None,
        end_of_life: None,
        location: Some(Location::Firmware {
            image: "/home/lab/builds/cam-2.1.bin".into(),
            path: path.into(),
            layers: vec!["uimage@0x0".into(), "squashfs@0x40".into()],
            offset,
        }),
        evidence: Some(format!("{name} {version}")),
    }
}

fn image() -> SbomImage {
    SbomImage {
        name: "/home/lab/builds/cam-2.1.bin".into(),
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        components: vec![
            component("OpenSSL", "1.0.2k", "/usr/lib/libssl.so.1.0.0", Some(4096)),
            component("Dropbear", "2019.78", "/usr/sbin/dropbear", Some(77)),
            component("lighttpd", "1.4.45", "/usr/sbin/lighttpd", None),
        ],
    }
}

fn doc() -> DocInfo<'static> {
    DocInfo {
        product: "Acme Cam 1",
        product_version: Some("2.1"),
        serial: "3e671687-395b-41f5-a30f-a58921a69b79",
        tool_version: "0.1.0",
        timestamp: "2026-11-29T02:51:46Z",
    }
}

fn boot_line(program: &str) -> Finding {
    Finding {
        check: "fw-boot-service".into(),
        severity: Severity::Info,
        supports: Supports::Info,
        provisions: vec![],
        test_units: vec![],
        location: None,
        message: format!("`{program}` is started at boot (line 3)"),
        evidence: Some(format!("{program} -p 22")),
    }
}

fn facts(started: &[(&str, &str)]) -> BootFacts {
    BootFacts {
        started: started
            .iter()
            .map(|(path, program)| ((*path).to_owned(), boot_line(program)))
            .collect(),
        complete: true,
        daemons: vec!["dropbear".into(), "lighttpd".into(), "telnetd".into()],
        live: None,
        not_built: Vec::new(),
    }
}

fn matches() -> Vec<Match> {
    ["CVE-2016-0001", "CVE-2020-0002", "CVE-2018-0003"]
        .iter()
        .enumerate()
        .map(|(i, id)| Match {
            image: 0,
            component: i,
            vulnerability: (*id).to_owned(),
            aliases: vec![],
            summary: format!("made-up vulnerability {i}"),
        })
        .collect()
}

#[test]
fn vex_status_follows_the_evidence() {
    let images = [image()];
    // Dropbear is started at boot; lighttpd is a daemon nothing starts; OpenSSL is a library.
    let list = statements(
        &images,
        &matches(),
        &[facts(&[("/usr/sbin/dropbear", "dropbear")])],
    );
    let status: Vec<(Status, Option<&str>)> =
        list.iter().map(|s| (s.status, s.justification)).collect();
    assert_eq!(
        status,
        [
            (Status::UnderInvestigation, None),
            (Status::Affected, None),
            (
                Status::NotAffected,
                Some("vulnerable_code_not_in_execute_path")
            ),
        ]
    );
    assert!(
        list[1].detail.contains("dropbear -p 22"),
        "{}",
        list[1].detail
    );
    // When a started program could not be resolved, nothing is declared not affected.
    let mut unsure = facts(&[("/usr/sbin/dropbear", "dropbear")]);
    unsure.complete = false;
    let list = statements(&images, &matches(), &[unsure]);
    assert_eq!(list[2].status, Status::UnderInvestigation);
    // Started, but a complete live probe found no Dropbear: not reachable.
    let mut probed = facts(&[("/usr/sbin/dropbear", "dropbear")]);
    probed.live = Some(LiveFacts {
        target: "192.0.2.7".into(),
        products: vec!["lighttpd".into()],
        complete: true,
    });
    let list = statements(&images, &matches(), &[probed.clone()]);
    assert_eq!(list[1].status, Status::NotAffected);
    assert_eq!(
        list[1].justification,
        Some("vulnerable_code_cannot_be_controlled_by_adversary")
    );
    // An incomplete probe (some ports or services unknown) shows nothing.
    if let Some(l) = probed.live.as_mut() {
        l.complete = false;
    }
    let list = statements(&images, &matches(), &[probed.clone()]);
    assert_eq!(list[1].status, Status::Affected);
    // A probe that found Dropbear: affected.
    if let Some(l) = probed.live.as_mut() {
        l.complete = true;
        l.products = vec!["dropbear sshd".into()];
    }
    let list = statements(&images, &matches(), &[probed]);
    assert_eq!(list[1].status, Status::Affected);
    // Without any boot evidence neither.
    let list = statements(&images, &matches(), &[facts(&[])]);
    assert_eq!(list[2].status, Status::UnderInvestigation);
}

#[test]
fn snapshots_of_every_sbom_and_vex_format() {
    let images = [image()];
    let list = statements(
        &images,
        &matches(),
        &[facts(&[("/usr/sbin/dropbear", "dropbear")])],
    );
    insta::assert_snapshot!("cyclonedx_1_6", render(&images, &doc(), SpecVersion::V1_6));
    insta::assert_snapshot!("cyclonedx_1_5", render(&images, &doc(), SpecVersion::V1_5));
    insta::assert_snapshot!("spdx_2_3", touchstone_report::spdx::render(&images, &doc()));
    insta::assert_snapshot!(
        "openvex",
        touchstone_report::openvex::render(&list, &doc(), "Acme PSIRT")
    );
    insta::assert_snapshot!(
        "cyclonedx_vex",
        render_vex(&images, &list, &doc(), SpecVersion::V1_6)
    );
    // No host path anywhere.
    for text in [
        render(&images, &doc(), SpecVersion::V1_6),
        touchstone_report::spdx::render(&images, &doc()),
    ] {
        assert!(!text.contains("/home/lab"), "{text}");
        assert!(text.contains("cam-2.1.bin"));
    }
}

#[test]
fn an_assessors_disposition_overrides_the_evidence_with_its_reason() {
    use touchstone_report::vex::{Override, apply_override};
    let images = [image()];
    let decide = |decision: &str, expired: bool| Override {
        id: "DSP-9".into(),
        decision: decision.into(),
        reason: "checked on the device".into(),
        assessor: "R. Okafor".into(),
        date: "2026-11-27".into(),
        owner: Some("PSIRT".into()),
        expires: Some("2027-01-31".into()),
        expired,
    };
    let fresh = || {
        statements(
            &images,
            &matches(),
            &[facts(&[("/usr/sbin/dropbear", "dropbear")])],
        )
    };
    // Affected by evidence (Dropbear is started), rejected by the assessor.
    let mut list = fresh();
    apply_override(&mut list[1], decide("false-positive", false));
    assert_eq!(list[1].status, Status::NotAffected);
    assert!(list[1].detail.contains("DSP-9") && list[1].detail.contains("checked on the device"));
    assert!(
        list[1].detail.contains("dropbear -p 22"),
        "the evidence is kept"
    );
    let cdx = render_vex(&images, &list, &doc(), SpecVersion::V1_6);
    assert!(cdx.contains("\"false_positive\""), "{cdx}");
    // Not affected by evidence (lighttpd not started), confirmed by the assessor.
    let mut list = fresh();
    apply_override(&mut list[2], decide("confirmed", false));
    assert_eq!(list[2].status, Status::Affected);
    assert_eq!(list[2].justification, None);
    // An accepted risk is affected, with its owner and expiry as the action.
    let mut list = fresh();
    apply_override(&mut list[0], decide("accepted-risk", false));
    assert_eq!(list[0].status, Status::Affected);
    let openvex = touchstone_report::openvex::render(&list, &doc(), "Acme PSIRT");
    assert!(
        openvex.contains("Risk accepted by PSIRT until 2027-01-31"),
        "{openvex}"
    );
    let cdx = render_vex(&images, &list, &doc(), SpecVersion::V1_6);
    assert!(cdx.contains("will_not_fix"), "{cdx}");
    // An expired acceptance is noted, and the evidence decides.
    let mut list = fresh();
    let before = list[1].status;
    apply_override(&mut list[1], decide("accepted-risk", true));
    assert_eq!(list[1].status, before);
    assert!(list[1].decided.is_none());
    assert!(
        list[1].detail.contains("lapsed on 2027-01-31"),
        "{}",
        list[1].detail
    );
}
