//! Every firmware check on small images modelled on real firmware, with the
//! findings snapshotted (what they say, where, and what they bear on).

use touchstone_fwchecks::check::{Context, registry, run_all};
use touchstone_fwchecks::components::Date;
use touchstone_fwchecks::files::MemFiles;

fn today() -> Date {
    Date::parse("2026-11-29").expect("date")
}

fn render(findings: &[touchstone_core::Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} [{}] {} @ {}\n  {}\n  evidence: {}\n",
                f.check,
                f.severity,
                f.provisions.join(","),
                f.location
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                f.message,
                f.evidence.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

/// Modelled on a BCM63xx router: console shells, inetd with telnet and ftp,
/// and a passwd whose root hash is md5crypt of a Mirai password.
fn router() -> MemFiles {
    MemFiles::new()
        .with("/etc/inittab", "::sysinit:/etc/init.d/rcS\n::respawn:-/bin/sh\ntty2::askfirst:-/bin/sh\n")
        .with("/etc/init.d/rcS", "#! /bin/sh\nmount -a\n/sbin/inetd\n/bin/tddp &\n")
        .with(
            "/etc/inetd.conf",
            "ftp\tstream\ttcp\tnowait\troot\t/bin/ftpd ftpd\ntelnet\tstream  tcp \tnowait  root    /bin/telnetd telnetd -L /bin/login\n",
        )
        .with(
            "/etc/passwd.bak",
            "root:$1$saltsalt$DZ6tYhO9P.qjI3/IiXhg11:0:0:root:/:/bin/sh\nadmin::1:1:admin:/:/bin/sh\nnobody:*:99:99::/:/bin/false\n",
        )
        .with("/etc/shadow", "daemon::18000:0:99999:7:::\nsupport:abmF1QH4PEr.E:18000::::::\n")
        .with("/www/.htpasswd", "web:$apr1$63JlJ2NH$smE0mnB5h3tDri0zkpWXt1\n")
}

#[test]
fn router_findings() {
    let files = router();
    let ctx = Context::new(&files, "router.bin", vec!["squashfs@0x0".into()], today());
    insta::assert_snapshot!("router", render(&run_all(&ctx)));
}

/// Modelled on the TRENDnet TEW-733GR: telnetd with a credential read from a file.
#[test]
fn backdoor_telnet_credentials() {
    let files = MemFiles::new()
        .with("/etc/inittab", "::sysinit:/etc/init.d/rcS\n")
        .with("/etc/init.d/rcS", "#!/bin/sh\nfor i in /etc/init.d/S??* ; do\n\t$i start\ndone\n")
        .with(
            "/etc/init.d/S80telnetd.sh",
            "#!/bin/sh\nif [ \"$1\" = \"start\" ]; then\n\timage_sign=`cat /etc/config/image_sign`\n\ttelnetd -l /usr/sbin/login -u Alphanetworks:$image_sign -i br0 &\nfi\n",
        )
        .with("/etc/config/image_sign", "wrgn80_trendnet_tew733gr\n");
    let ctx = Context::new(&files, "tew733gr.bin", vec![], today());
    insta::assert_snapshot!("backdoor", render(&run_all(&ctx)));
}

#[test]
fn a_clean_image_has_no_findings() {
    let files = MemFiles::new()
        .with("/etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n")
        .with("/etc/init.d/rcS", "#!/bin/sh\nmount -a\ndropbear -s -g -r /var/dropbear_key\n")
        .with("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        .with("/sbin/sysupgrade", "#!/bin/sh\n")
        .with("/etc/opkg.conf", "src/gz core http://downloads.example/core\n")
        .with("/etc/opkg/keys/b5043e70f9a75cde", "untrusted comment: public key\n")
        .with("/usr/sbin/fw_update.sh", "#!/bin/sh\nwget http://update.example/fw.bin -O /tmp/fw.bin\nmd5sum -c /tmp/fw.md5\n")
        .with(
            "/etc/shadow",
            "root:$6$saltsalt$RnCCg9dxDM5lBjtjZY8K2RkalQRvbZP1WoQvNhXIByyhsapNFVMak8143IKRKPlv/iN9sC9wnUnFlH.n.E1490:18000::::::\n",
        );
    let ctx = Context::new(&files, "clean.bin", vec![], today());
    let findings = run_all(&ctx);
    // dropbear from an init script runs as root: the only failing finding, a low one.
    // (Update evidence is information for the assessor, not a failure.)
    let checks: Vec<&str> = findings
        .iter()
        .filter(|f| f.supports == touchstone_core::Supports::Fail)
        .map(|f| f.check.as_str())
        .collect();
    assert_eq!(checks, ["fw-service-as-root"], "{}", render(&findings));
}

#[test]
fn check_ids_are_unique_documented_and_mapped() {
    let mut ids: Vec<&str> = registry().iter().map(|c| c.info.id).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate check ids");
    let catalog = touchstone_catalog::Catalog::embedded().expect("catalogue");
    for c in registry() {
        let i = &c.info;
        assert!(i.id.starts_with("fw-"), "{}", i.id);
        assert!(
            !i.what.is_empty() && !i.why.is_empty() && !i.fix.is_empty(),
            "{}",
            i.id
        );
        // The unpacker's remarks (checksums, normalised names) bear on no provision by themselves.
        assert!(
            !i.provisions.is_empty() || i.id == "fw-unpack-problem",
            "{}",
            i.id
        );
        let edition = touchstone_catalog::Edition::V2_1_1;
        for t in i.test_units {
            let known = catalog.case_by_id(edition, t).is_some()
                || catalog
                    .provisions(edition)
                    .iter()
                    .flat_map(|p| catalog.cases(edition, &p.id))
                    .any(|c| catalog.units(&c).iter().any(|u| u.id == *t));
            assert!(known, "{}: unknown test case or unit {t}", i.id);
        }
        for p in i.provisions {
            assert!(
                catalog
                    .provision(touchstone_catalog::Edition::V2_1_1, p)
                    .is_some(),
                "{}: unknown provision {p}",
                i.id
            );
        }
    }
    insta::assert_snapshot!("check_ids", ids.join("\n"));
}

#[test]
fn hardening_ssh_tls_and_console_findings() {
    let files = MemFiles::new()
        .with("/etc/inittab", "::sysinit:/etc/rc\n")
        .with("/etc/rc", "#!/bin/sh\ndropbear -B -p 22\n/usr/bin/fwupdate.sh\n")
        .with(
            "/usr/bin/fwupdate.sh",
            "#!/bin/sh\n# curl -k is never used here\ncurl -k -o /tmp/fw.bin https://update.example/fw.bin\nwget --no-check-certificate https://x/y\n",
        )
        .with(
            "/www/cloud.lua",
            "local ssl = require('ssl')\nlocal params = { mode = 'client', verify = 'none', options = 'all' }\nctx:set_verify(ssl.SSL_VERIFY_NONE)\n",
        )
        .with("/etc/ssh/sshd_config", "PermitRootLogin yes\n#PasswordAuthentication no\nPermitEmptyPasswords yes\n")
        .with("/dev/mtd1-uboot-env", b"bootdelay=3\0bootargs=console=ttyS0,115200 root=/dev/mtdblock2\0\0".to_vec())
        .with("/bin/busybox", "\x7fELF")
        .with("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        .with("/sbin/sysupgrade", "#!/bin/sh\n")
        .with("/etc/opkg.conf", "src/gz core http://downloads.example/core\n")
        .with("/etc/opkg/keys/b5043e70f9a75cde", "untrusted comment: public key\n")
        .with("/usr/sbin/fw_update.sh", "#!/bin/sh\nwget http://update.example/fw.bin -O /tmp/fw.bin\nmd5sum -c /tmp/fw.md5\n")
        .with_mode("/bin/busybox", 0o4755, 0)
        .with_mode("/etc/passwd", 0o666, 0)
        .with_mode("/tmp", 0o1777, 0);
    let ctx = Context::new(&files, "cam.bin", vec![], today());
    let findings = run_all(&ctx);
    let interesting: Vec<_> = findings
        .iter()
        .filter(|f| f.check != "fw-service-as-root")
        .cloned()
        .collect();
    insta::assert_snapshot!("hardening", render(&interesting));
}

#[test]
fn package_databases_become_components() {
    let files = MemFiles::new().with(
        "/usr/lib/opkg/status",
        "Package: dropbear\nVersion: 2022.82-2\nStatus: install user installed\n\nPackage: libc\nVersion: 1.2.4-4\n",
    );
    let ctx = Context::new(&files, "owrt.bin", vec![], today());
    let found: Vec<String> = ctx
        .components
        .iter()
        .map(|(p, c)| {
            format!(
                "{p} {} {} {}",
                c.name,
                c.version.as_deref().unwrap_or("?"),
                c.purl.as_deref().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "/usr/lib/opkg/status dropbear 2022.82-2 pkg:opkg/dropbear@2022.82-2",
            "/usr/lib/opkg/status libc 1.2.4-4 pkg:opkg/libc@1.2.4-4"
        ]
    );
}

#[test]
fn certificates() {
    let cert = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/certs")
                .join(name),
        )
        .expect("fixture certificate")
    };
    let files = MemFiles::new()
        // 1024-bit RSA, SHA-1, valid until 2026-12-29.
        .with("/etc/ssl/certs/weak-ca.pem", cert("weak-ca.pem"))
        // A leaf certificate (no CA basic constraint) in the trust store.
        .with("/etc/ssl/certs/device.pem", cert("leaf.pem"))
        // Sound CA and leaf outside a trust store: nothing to say.
        .with("/etc/ssl/certs/good-ca.pem", cert("good-ca.pem"))
        .with("/usr/share/app/server.pem", cert("leaf.pem"));
    let render_certs = |today: &str| {
        let ctx = Context::new(&files, "cam.bin", vec![], Date::parse(today).expect("date"));
        let findings: Vec<_> = run_all(&ctx)
            .into_iter()
            .filter(|f| f.check == "fw-certificate")
            .collect();
        render(&findings)
    };
    insta::assert_snapshot!("certificates_now", render_certs("2026-11-29"));
    // A month later the weak CA has expired too.
    insta::assert_snapshot!("certificates_2027", render_certs("2027-01-15"));
}

const FAKE_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE KEY-----\n";

#[test]
fn private_keys_tokens_and_keys_shared_between_images() {
    let image = |token: &str| {
        MemFiles::new()
            .with("/etc/ssl/private/server.key", FAKE_KEY)
            .with("/www/app.js", format!("var key = \"{token}\";\n"))
    };
    let a = image("AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe");
    let b = image("none");
    let scan = |files: &MemFiles, name: &str| {
        let ctx = Context::new(files, name, vec![], today());
        let findings = run_all(&ctx);
        touchstone_fwchecks::image::ImageScan {
            image: name.to_owned(),
            sha256: String::new(),
            unpacked: touchstone_firmware::unpack_bytes(
                Vec::new(),
                &touchstone_firmware::Options::default(),
            ),
            findings,
            secrets: ctx.secrets.clone(),
            components: Vec::new(),
            problems: Vec::new(),
            known_secrets: Vec::new(),
            facts: Vec::new(),
        }
    };
    let (sa, sb) = (scan(&a, "a.bin"), scan(&b, "b.bin"));
    let checks = |s: &touchstone_fwchecks::image::ImageScan| -> Vec<String> {
        let mut c: Vec<String> = s.findings.iter().map(|f| f.check.clone()).collect();
        c.sort();
        c
    };
    assert_eq!(checks(&sa), ["fw-embedded-token", "fw-private-key"]);
    assert_eq!(checks(&sb), ["fw-private-key"]);
    let key = sa
        .findings
        .iter()
        .find(|f| f.check == "fw-private-key")
        .expect("key");
    assert!(matches!(
        &key.location,
        Some(touchstone_core::Location::Firmware {
            offset: Some(0),
            ..
        })
    ));
    assert!(
        !key.evidence.as_deref().unwrap_or("").contains("MIIBOg"),
        "key material is not shown"
    );
    let shared = touchstone_fwchecks::checks::shared_key::across(&[sa, sb]);
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert!(
        shared[0].message.contains("shared by 2 images"),
        "{}",
        shared[0].message
    );
}

/// `fw-partial-analysis` keeps out of PASS everything the other checks could
/// have said: its provisions and units are theirs, all of them.
#[test]
fn partial_analysis_bears_on_what_every_check_bears_on() {
    use std::collections::BTreeSet;
    use touchstone_fwchecks::checks::partial_analysis;
    let others = registry()
        .iter()
        .filter(|c| c.info.id != "fw-partial-analysis");
    let provisions: BTreeSet<&str> = others
        .clone()
        .flat_map(|c| c.info.provisions.iter().copied())
        .collect();
    let units: BTreeSet<&str> = others
        .flat_map(|c| c.info.test_units.iter().copied())
        .collect();
    assert_eq!(
        partial_analysis::PROVISIONS
            .iter()
            .copied()
            .collect::<BTreeSet<_>>(),
        provisions
    );
    assert_eq!(
        partial_analysis::TEST_UNITS
            .iter()
            .copied()
            .collect::<BTreeSet<_>>(),
        units
    );
}

/// A getty on ttyS0 is a failure when an account that can log in has no
/// password, an inventory entry when every account has one, nothing without
/// a serial prompt (negative control); systemd's serial-getty@ counts too.
#[test]
fn serial_console_logins_crossed_with_password_state() {
    let serial = |shadow: &str| {
        MemFiles::new()
            .with(
                "/etc/inittab",
                "ttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n",
            )
            .with("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
            .with("/etc/shadow", shadow)
    };
    let of = |files: &MemFiles| -> Vec<touchstone_core::Finding> {
        let ctx = Context::new(files, "x.bin", vec![], today());
        run_all(&ctx)
            .into_iter()
            .filter(|f| f.check == "fw-serial-login")
            .collect()
    };
    let open = of(&serial("root::19000:0:99999:7:::\n"));
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].supports, touchstone_core::Supports::Fail);
    assert!(
        open[0]
            .message
            .contains("root can log in there without a password")
    );
    let closed = of(&serial(
        "root:$1$abcdefgh$0Lf3Y2kYx1pTnDqHXj0S2/:19000:0:99999:7:::\n",
    ));
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].supports, touchstone_core::Supports::Info);
    let none = of(&MemFiles::new()
        .with("/etc/inittab", "tty1::respawn:/sbin/getty 38400 tty1\n")
        .with("/etc/passwd", "root::0:0:root:/root:/bin/sh\n"));
    assert!(none.is_empty(), "{none:?}");
    let systemd = of(&MemFiles::new()
        .with(
            "/etc/systemd/system/getty.target.wants/serial-getty@ttyAMA0.service",
            "[Service]\nExecStart=-/sbin/agetty -o '-p -- \\\\u' --keep-baud 115200 %I $TERM\n",
        )
        .with("/etc/passwd", "root::0:0:root:/root:/bin/sh\n"));
    assert_eq!(systemd.len(), 1, "{systemd:?}");
    assert!(systemd[0].message.contains("ttyAMA0"));
}

/// Dropbear started from inetd without -s/-g/-w lets root log in with a
/// password; with -g it does not (negative control).
#[test]
fn dropbear_root_password_logins_on_every_boot_path() {
    let of = |args: &str| -> Vec<String> {
        let files = MemFiles::new()
            .with("/etc/inittab", "::sysinit:/usr/sbin/inetd\n")
            .with(
                "/etc/inetd.conf",
                format!("ssh stream tcp nowait root /usr/sbin/dropbear dropbear -i {args}\n"),
            );
        let ctx = Context::new(&files, "x.bin", vec![], today());
        run_all(&ctx)
            .into_iter()
            .filter(|f| f.check == "fw-ssh-weak-config")
            .map(|f| f.message)
            .collect()
    };
    let open = of("");
    assert!(
        open.iter()
            .any(|m| m.contains("root can log in with a password")),
        "{open:?}"
    );
    assert!(of("-g").is_empty());
    assert!(of("-s").is_empty());
}

/// The debug-daemon list is data with a source per entry; a listed daemon
/// started from inetd is reported, an unlisted one is not (negative control).
#[test]
fn debug_daemons_from_the_data_list_on_any_boot_path() {
    use touchstone_fwchecks::checks::debug_service::daemons;
    assert!(daemons().len() >= 5);
    for d in daemons() {
        assert!(!d.program.is_empty() && !d.what.is_empty() && !d.source.is_empty());
    }
    let of = |program: &str| -> usize {
        let files = MemFiles::new()
            .with("/etc/inittab", "::sysinit:/usr/sbin/inetd\n")
            .with(
                "/etc/inetd.conf",
                format!("9999 stream tcp nowait root /usr/sbin/{program} {program}\n"),
            );
        let ctx = Context::new(&files, "x.bin", vec![], today());
        run_all(&ctx)
            .iter()
            .filter(|f| f.check == "fw-debug-service")
            .count()
    };
    assert_eq!(of("telnetenable"), 1);
    assert_eq!(of("myhttpd"), 0);
}

/// sshd_config: an Include read in place (first value wins), a Match block
/// that allows root logins, and the absence of PermitRootLogin judged by the
/// OpenSSH version's default; a hardened configuration is the negative control.
#[test]
fn sshd_effective_values_with_include_match_and_version_defaults() {
    let of = |files: MemFiles| -> Vec<String> {
        let ctx = Context::new(&files, "x.bin", vec![], today());
        run_all(&ctx)
            .into_iter()
            .filter(|f| f.check == "fw-ssh-weak-config")
            .map(|f| f.message)
            .collect()
    };
    let included = of(MemFiles::new()
        .with(
            "/etc/ssh/sshd_config",
            "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\nMatch Address 10.0.0.0/8\n  PermitRootLogin yes\n",
        )
        .with("/etc/ssh/sshd_config.d/10-lab.conf", "PermitRootLogin yes\nPermitEmptyPasswords yes\n"));
    assert!(
        included
            .iter()
            .any(|m| m == "sshd permits root logins with a password (line 1)"),
        "{included:?}"
    );
    assert!(
        included
            .iter()
            .any(|m| m.starts_with("sshd permits empty passwords"))
    );
    assert!(
        included
            .iter()
            .any(|m| m.contains("for connections matching `Match Address 10.0.0.0/8`")),
        "{included:?}"
    );
    let old = of(MemFiles::new()
        .with("/etc/ssh/sshd_config", "Port 22\n")
        .with("/usr/sbin/sshd", "\0OpenSSH_6.6.1p1 Ubuntu\0"));
    assert!(
        old.iter()
            .any(|m| m.contains("OpenSSH 6.6 defaults to yes")),
        "{old:?}"
    );
    let hardened = of(MemFiles::new()
        .with(
            "/etc/ssh/sshd_config",
            "PermitRootLogin no\nPasswordAuthentication no\n",
        )
        .with("/usr/sbin/sshd", "\0OpenSSH_6.6.1p1 Ubuntu\0"));
    assert!(hardened.is_empty(), "{hardened:?}");
}

/// An ESP-IDF app image built here: without a signature it is reported, with
/// a v2 signature block at the next 4 KiB boundary it is listed as signed;
/// a file that only starts with 0xE9 is not an image (negative control).
#[test]
fn esp_idf_images_and_their_secure_boot_signature() {
    use touchstone_fwchecks::esp::{Signature, parse};
    let mut img = vec![0xE9, 2, 2, 0x20, 0x80, 0x00, 0x08, 0x40];
    img.extend_from_slice(&[0xEE, 0, 0, 0, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    for (addr, len) in [(0x3C00_0020u32, 32u32), (0x4038_0000, 64)] {
        img.extend_from_slice(&addr.to_le_bytes());
        img.extend_from_slice(&len.to_le_bytes());
        img.extend(vec![0xAB; len as usize]);
    }
    img.resize((img.len() + 1).div_ceil(16) * 16, 0);
    img.extend(vec![0x11; 32]);
    let parsed = parse(&img).expect("an ESP-IDF image");
    assert_eq!(parsed.segments.len(), 2);
    assert_eq!(parsed.chip_id, 5);
    assert!(parsed.hash_appended);
    assert_eq!(parsed.signature, Signature::None);
    let mut signed = img.clone();
    signed.resize(4096, 0xFF);
    signed.extend_from_slice(&[0xE7, 0x02, 0, 0]);
    signed.extend(vec![0; 1212]);
    assert_eq!(parse(&signed).map(|i| i.signature), Some(Signature::V2));
    assert!(parse(b"\xE9 not an image at all").is_none());

    let of = |bytes: Vec<u8>| -> Vec<touchstone_core::Finding> {
        let files = MemFiles::new().with("/firmware/app.bin", bytes);
        let ctx = Context::new(&files, "x.bin", vec![], today());
        run_all(&ctx)
            .into_iter()
            .filter(|f| f.check == "fw-esp-secure-boot")
            .collect()
    };
    let unsigned = of(img);
    assert_eq!(unsigned.len(), 1);
    assert_eq!(unsigned[0].supports, touchstone_core::Supports::Fail);
    let ok = of(signed);
    assert_eq!(ok[0].supports, touchstone_core::Supports::Info);
}
