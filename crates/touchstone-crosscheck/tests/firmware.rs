//! The declaration checks against firmware: real router images of the
//! corpus and an image built from real tool output, compared with the
//! example project (as it is, and with one edit per case).

mod common;

use common::{corpus, example, render, run, scan};
use touchstone_crosscheck::{FirmwareImage, Observations, candidates, run_all};

fn firmware_only(scans: &[touchstone_fwchecks::image::ImageScan]) -> Observations {
    Observations {
        show_secrets: false,
        images: scans.iter().map(FirmwareImage::from_scan).collect(),
        live: None,
    }
}

#[test]
fn trendnet_router_against_the_smart_plug() {
    let Some(image) = corpus("binwalk/rootfs/trendnet-tew733gr.squashfs") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let project = example(dir.path(), None);
    let obs = firmware_only(&[scan(&image)]);
    let findings = run_all(&project, &obs);
    insta::assert_snapshot!("trendnet", render(&findings));
    // The telnetd back door is the one credential to try live.
    let c = candidates(&obs.images);
    assert_eq!(
        c.iter()
            .map(|c| (c.user.as_str(), c.password.as_str(), c.protocols.join(",")))
            .collect::<Vec<_>>(),
        [(
            "Alphanetworks",
            "wrgn80_trendnet_tew733gr",
            "telnet".to_owned()
        )]
    );
}

#[test]
fn broadcom_router_against_the_smart_plug_and_a_declared_telnet() {
    let Some(image) = corpus("binwalk/rootfs/broadcom-bcm63xx-v2.squashfs") else {
        return;
    };
    let scanned = [scan(&image)];
    let obs = firmware_only(&scanned);
    let dir = tempfile::tempdir().expect("tempdir");
    let findings = run_all(&example(dir.path(), None), &obs);
    insta::assert_snapshot!("broadcom", render(&findings));
    // One edit: the maker declares the telnet service. That finding goes;
    // nothing else changes.
    let dir = tempfile::tempdir().expect("tempdir");
    let declared = example(
        dir.path(),
        Some((
            "ixit.toml",
            "[[\"14-SecMgmt\"]]",
            "[[\"13-SoftServ\"]]\nid = \"SoftServ-3\"\ndescription = \"Telnet maintenance console on port 23 (inetd)\"\nstatus = \"enabled\"\njustification = \"Field service\"\nallows_configuration = \"yes\"\n\n[[\"14-SecMgmt\"]]",
        )),
    );
    let after = run_all(&declared, &obs);
    let gone: Vec<String> = findings
        .iter()
        .filter(|f| !after.contains(f))
        .map(|f| f.message.clone())
        .collect();
    assert_eq!(
        gone,
        [
            "The image configures (launcher not seen starting) `telnetd` (telnet, /etc/inetd.conf line 12), and no IXIT entry of 13-SoftServ, 15-Intf or 28 declares it"
        ]
    );
    assert!(after.iter().all(|f| findings.contains(f)));
}

/// An OpenWrt-like image built from real tool output: md5crypt and apr1
/// hashes written by `openssl passwd`, opkg without signature checking, an
/// update script that downloads over plain HTTP, Dropbear and a serial getty.
fn built_image(dir: &std::path::Path) -> std::path::PathBuf {
    let root = dir.join("root");
    for d in [
        "etc/init.d",
        "www",
        "bin",
        "sbin",
        "usr/sbin",
        "etc/dropbear",
    ] {
        std::fs::create_dir_all(root.join(d)).expect("mkdir");
    }
    let md5 = run(
        "openssl",
        &["passwd", "-1", "-salt", "k3y5alt", "admin"],
        dir,
    );
    let apr1 = run(
        "openssl",
        &["passwd", "-apr1", "-salt", "w3bsalt", "1234"],
        dir,
    );
    let files = [
        ("etc/passwd", "root:x:0:0:root:/root:/bin/ash\nadmin:x:1000:1000:admin:/home/admin:/bin/ash\nnobody:*:65534:65534:nobody:/var:/bin/false\n".to_owned()),
        ("etc/shadow", format!("root:*:19000:0:99999:7:::\nadmin:{md5}:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n")),
        ("www/.htpasswd", format!("web:{apr1}\n")),
        ("etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n".to_owned()),
        ("etc/init.d/rcS", "#!/bin/sh\n/usr/sbin/dropbear -p 22\n/usr/sbin/uhttpd -p 80 -h /www\n".to_owned()),
        ("etc/opkg.conf", "src/gz core http://downloads.example/core\ndest root /\n".to_owned()),
        ("bin/opkg", "#!/bin/sh\n".to_owned()),
        ("usr/sbin/dropbear", "\x7fELF".to_owned()),
        ("usr/sbin/uhttpd", "\x7fELF".to_owned()),
        ("sbin/getty", "\x7fELF".to_owned()),
        ("usr/sbin/fw_update.sh", "#!/bin/sh\nwget http://update.example/fw.bin -O /tmp/fw.bin\nmd5sum -c /tmp/fw.md5 && sysupgrade /tmp/fw.bin\n".to_owned()),
    ];
    for (path, text) in files {
        std::fs::write(root.join(path), text).expect("write");
    }
    run("tar", &["-cf", "openwrt-like.tar", "-C", "root", "."], dir);
    dir.join("openwrt-like.tar")
}

#[test]
fn built_image_against_the_smart_plug() {
    let dir = tempfile::tempdir().expect("tempdir");
    let image = built_image(dir.path());
    let obs = firmware_only(&[scan(&image)]);
    let project_dir = tempfile::tempdir().expect("tempdir");
    let findings = run_all(&example(project_dir.path(), None), &obs);
    insta::assert_snapshot!("built", render(&findings));
    // Both cracked passwords are candidates for one live login each: the
    // system account on telnet, SSH and FTP, the web account on HTTP.
    let mut c: Vec<(String, String, String)> = candidates(&obs.images)
        .into_iter()
        .map(|c| (c.user, c.password, c.protocols.join(",")))
        .collect();
    c.sort();
    assert_eq!(
        c,
        [
            (
                "admin".to_owned(),
                "admin".to_owned(),
                "telnet,ssh,ftp".to_owned()
            ),
            ("web".to_owned(), "1234".to_owned(), "http".to_owned()),
        ]
    );
}

#[test]
fn one_edit_per_claim_of_the_ics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let image = built_image(dir.path());
    let obs = firmware_only(&[scan(&image)]);
    let checks = |edit| {
        let d = tempfile::tempdir().expect("tempdir");
        let mut v: Vec<String> = run_all(&example(d.path(), edit), &obs)
            .into_iter()
            .filter(|f| f.check == "decl-ics-contradicted")
            .map(|f| format!("{} {}", f.provisions.join(","), f.message))
            .collect();
        v.sort();
        v
    };
    // As shipped, the example declares only condition 13 false: the serial
    // getty contradicts it.
    insta::assert_snapshot!("ics_as_shipped", checks(None).join("\n"));
    // Declaring that no update mechanism exists: the image's tools contradict it.
    insta::assert_snapshot!(
        "ics_no_update_mechanism",
        checks(Some((
            "touchstone.toml",
            "9 = true   # automatic updates are supported\n10 = false # no hard-coded per-device identity is used for security\n11 = true  # updates are delivered over the network\n12 = true",
            "9 = false\n10 = false\n11 = false\n12 = false"
        )))
        .join("\n")
    );
    // Declaring that passwords are not used: the login accounts contradict it.
    insta::assert_snapshot!(
        "ics_no_passwords",
        checks(Some((
            "touchstone.toml",
            "1 = true   # passwords are used (local API password, app account)\n2 = true",
            "1 = false\n2 = false"
        )))
        .join("\n")
    );
}
