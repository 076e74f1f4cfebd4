//! The cross-checks against a live device: a simulated smart plug (a
//! network namespace with real Debian daemons, the probe's test harness)
//! that deviates from the example project's declarations, probed in full,
//! with the firmware of the corpus and an image built around the plug's
//! own TLS key.
//!
//! The device serves the Broadcom router image's baked Dropbear host key,
//! accepts the TRENDnet image's telnetd back-door credential, and offers
//! TLS 1.0 and static-RSA suites on the declared HTTPS port.

#[path = "../../touchstone-probe/tests/support/mod.rs"]
mod support;

mod common;

use std::path::Path;

use common::{corpus, example, render, run, scan};
use touchstone_crosscheck::{FirmwareImage, Live, Observations, candidates, run_all};
use touchstone_fwchecks::files::Files;

/// The Broadcom image's host key, read from the scanned image.
fn broadcom_host_key(scan: &touchstone_fwchecks::image::ImageScan) -> Vec<u8> {
    scan.unpacked
        .trees
        .iter()
        .find_map(|t| Files::read(t, "/etc/rsa_host_key").map(|b| b.into_owned()))
        .expect("the Broadcom image holds /etc/rsa_host_key")
}

/// A firmware image built around the plug's TLS key and certificate, with
/// an account whose md5crypt password (`admin`, written by `openssl
/// passwd`) the device does not accept.
fn plug_image(dir: &Path, key: &Path, cert: &Path) -> std::path::PathBuf {
    let root = dir.join("plug-root");
    for d in ["etc/ssl/private", "etc/ssl/certs"] {
        std::fs::create_dir_all(root.join(d)).expect("mkdir");
    }
    std::fs::copy(key, root.join("etc/ssl/private/plug.key")).expect("key");
    std::fs::copy(cert, root.join("etc/ssl/certs/plug.pem")).expect("cert");
    let md5 = run(
        "openssl",
        &["passwd", "-1", "-salt", "pLugSalt", "admin"],
        dir,
    );
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n",
    )
    .expect("passwd");
    std::fs::write(
        root.join("etc/shadow"),
        format!("root:*:19000::::::\nadmin:{md5}:19000::::::\n"),
    )
    .expect("shadow");
    run("tar", &["-cf", "plug-fw.tar", "-C", "plug-root", "."], dir);
    dir.join("plug-fw.tar")
}

#[test]
fn a_plug_that_deviates_from_its_declarations() {
    let (Some(broadcom), Some(trendnet)) = (
        corpus("binwalk/rootfs/broadcom-bcm63xx-v2.squashfs"),
        corpus("binwalk/rootfs/trendnet-tew733gr.squashfs"),
    ) else {
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let broadcom = scan(&broadcom);
    let trendnet = scan(&trendnet);

    let mut d = support::Device::new();
    let addr = d.target();
    // The Broadcom image's baked host key, served by Dropbear on 22.
    let host_key = d.path("rsa_host_key");
    std::fs::write(&host_key, broadcom_host_key(&broadcom)).expect("host key");
    // The plug's TLS key and certificate, on 443, also accepting TLS 1.0
    // and static-RSA suites.
    d.setup(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=lumio-sp20",
            "-keyout",
            "plug.key",
            "-out",
            "plug.pem",
        ],
    );
    // Telnet on 23: a real shell behind the TRENDnet telnetd credential.
    let login = d.write(
        "login.sh",
        "#!/bin/sh\nprintf 'plug login: '\nread user\nprintf 'Password: '\nread pass\n\
         if [ \"$user\" = Alphanetworks ] && [ \"$pass\" = wrgn80_trendnet_tew733gr ]; then exec /bin/sh -i; fi\n\
         echo 'Login incorrect'\nexit 1\n",
    );
    d.setup("chmod", &["755", login.to_str().unwrap_or_default()]);
    d.spawn(
        "dropbear",
        &[
            "-F",
            "-E",
            "-p",
            &format!("{addr}:22"),
            "-r",
            host_key.to_str().unwrap_or_default(),
        ],
    );
    d.spawn(
        "busybox",
        &[
            "telnetd",
            "-F",
            "-p",
            "23",
            "-b",
            &addr,
            "-l",
            login.to_str().unwrap_or_default(),
        ],
    );
    d.spawn(
        "openssl",
        &[
            "s_server",
            "-www",
            "-accept",
            &format!("{addr}:443"),
            "-cert",
            "plug.pem",
            "-key",
            "plug.key",
            "-min_protocol",
            "TLSv1",
            "-cipher",
            "DEFAULT:AES128-SHA:@SECLEVEL=0",
        ],
    );
    for port in [22, 23, 443] {
        d.wait_tcp(port);
    }
    let plug = scan(&plug_image(
        work.path(),
        &d.path("plug.key"),
        &d.path("plug.pem"),
    ));

    let options = touchstone_probe::Options {
        brute_force_attempts: 0,
        ..touchstone_probe::Options::default()
    };
    let report = touchstone_probe::probe_blocking(&addr, &options).expect("probe");
    let images: Vec<FirmwareImage> = [&broadcom, &trendnet, &plug]
        .into_iter()
        .map(FirmwareImage::from_scan)
        .collect();
    let mut live = Live::new(report, true);
    live.confirmations =
        touchstone_probe::confirm_logins(&live.report, &candidates(&images), &options)
            .expect("confirm");
    // One attempt per credential and service: the TRENDnet pair on telnet,
    // the plug image's admin on telnet and SSH.
    let tried: Vec<(String, u16, String)> = live
        .confirmations
        .iter()
        .map(|c| {
            (
                c.user.clone(),
                c.port,
                format!("{:?}", std::mem::discriminant(&c.outcome)),
            )
        })
        .collect();
    assert_eq!(tried.len(), 3, "{tried:?}");

    let mut obs = Observations {
        show_secrets: false,
        images,
        live: Some(live),
    };
    let project_dir = tempfile::tempdir().expect("tempdir");
    let project = example(project_dir.path(), None);
    let findings = run_all(&project, &obs);

    // Everything that varies between runs: the device address and the
    // plug's freshly generated key.
    let spki = plug
        .facts
        .iter()
        .flat_map(|t| t.keys.iter())
        .find_map(|k| k.spki_sha256.clone())
        .expect("the plug key's SubjectPublicKeyInfo");
    // The shell proof computes a random sum.
    let text: String = render(&findings)
        .replace(&addr, "DEVICE")
        .replace(&spki, "<plug key SPKI>")
        .lines()
        .map(|l| match l.find("proof: `echo TS$((") {
            Some(at) => format!("{}proof: <a random sum computed by the shell>\n", &l[..at]),
            None => format!("{l}\n"),
        })
        .collect();
    insta::assert_snapshot!("plug", text);

    // Only --show-secrets shows the firmware password.
    assert!(!text.contains("wrgn80_trendnet_tew733gr"));
    obs.show_secrets = true;
    assert!(
        run_all(&project, &obs)
            .iter()
            .any(|f| f.message.contains("wrgn80_trendnet_tew733gr"))
    );

    // The findings count for the engine: the proven firmware login and the
    // served baked key fail their units decisively.
    let catalog = touchstone_catalog::Catalog::embedded().expect("catalogue");
    let sourced: Vec<touchstone_engine::SourcedFinding> = findings
        .iter()
        .map(|f| touchstone_engine::SourcedFinding {
            source: "cross-checks".into(),
            finding: f.clone(),
        })
        .collect();
    let assessment = touchstone_engine::assess(touchstone_engine::Inputs {
        catalog,
        project: &project,
        findings: &sourced,
        today: Some("2026-11-29"),
    });
    let verdict = |unit: &str| {
        assessment
            .provisions
            .iter()
            .flat_map(|p| p.cases.iter())
            .flat_map(|c| c.units.iter())
            .find(|u| u.id == unit)
            .map(|u| u.verdict)
    };
    for unit in ["5.1-1-2b", "5.4-3-2a", "5.6-1-2b", "5.5-1-2a", "5.1-5-2a"] {
        assert_eq!(
            verdict(unit),
            Some(touchstone_core::Verdict::Fail),
            "{unit}"
        );
    }
}
