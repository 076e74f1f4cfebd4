//! `assess --firmware IMAGE --probe TARGET` runs the cross-checks: a
//! simulated device (a network namespace with BusyBox telnetd, the probe's
//! test harness) that accepts the TRENDnet image's telnetd back-door
//! credential, assessed with that image against the example project.

#[path = "support/mod.rs"]
mod common;
#[path = "../../touchstone-probe/tests/support/mod.rs"]
mod support;

use std::process::{Command, Output};

use common::{corpus, root};

fn touchstone(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(args)
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", "1795910400")
        .env("NO_COLOR", "1")
        .env("TOUCHSTONE_VULNDB", "/nonexistent/touchstone-vulndb.json")
        .output()
        .expect("the touchstone binary runs")
}

/// (check, supports, port, message) of the cross-check findings of a JSON report.
fn cross_checks(o: &Output) -> Vec<(String, String, u64, String)> {
    let report: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["check"]
                .as_str()
                .is_some_and(|c| c.starts_with("decl-") || c.starts_with("xc-"))
        })
        .map(|f| {
            (
                f["check"].as_str().unwrap_or_default().to_owned(),
                f["supports"].as_str().unwrap_or_default().to_owned(),
                f["location"]["port"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn assess_with_firmware_and_probe_confirms_the_back_door_once() {
    let Some(image) = corpus("binwalk/rootfs/trendnet-tew733gr.squashfs") else {
        return;
    };
    let mut d = support::Device::new();
    let addr = d.target();
    let login = d.write(
        "login.sh",
        "#!/bin/sh\nprintf 'login: '\nread user\nprintf 'Password: '\nread pass\n\
         if [ \"$user\" = Alphanetworks ] && [ \"$pass\" = wrgn80_trendnet_tew733gr ]; then exec /bin/sh -i; fi\n\
         echo 'Login incorrect'\nexit 1\n",
    );
    d.setup("chmod", &["755", login.to_str().unwrap_or_default()]);
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
    d.wait_tcp(23);
    let assess = |extra: &[&str]| {
        let mut args = vec![
            "assess",
            "examples/smart-plug",
            "--firmware",
            &image,
            "--probe",
            &addr,
            "--brute-force-attempts",
            "0",
            "--format",
            "json",
            "--fail-on",
            "never",
        ];
        args.extend_from_slice(extra);
        touchstone(&args)
    };

    let o = assess(&[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("trying 1 credential(s) found in the firmware"),
        "{err}"
    );
    let found = cross_checks(&o);
    let login = found
        .iter()
        .find(|f| f.0 == "xc-firmware-credential-login")
        .unwrap_or_else(|| panic!("no firmware login in {found:#?}"));
    assert_eq!((login.1.as_str(), login.2), ("fail", 23));
    // The password is masked without --show-secrets.
    assert!(
        login.3.contains("of user Alphanetworks (password `wr****"),
        "{}",
        login.3
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("wrgn80_trendnet_tew733gr"));
    for check in [
        "decl-undeclared-service",
        "decl-undeclared-login",
        "decl-ics-contradicted",
    ] {
        assert!(
            found.iter().any(|f| f.0 == check && f.2 == 23),
            "{check} on port 23 missing from {found:#?}"
        );
    }

    // Without credential tests, no login is tried: the declaration checks still run.
    let o = assess(&["--no-credentials"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!String::from_utf8_lossy(&o.stderr).contains("trying 1 credential"));
    let found = cross_checks(&o);
    assert!(
        found.iter().all(|f| f.0 != "xc-firmware-credential-login"),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.0 == "decl-undeclared-service" && f.2 == 23)
    );
}
