//! Component identification: every example of the data file, end-of-life
//! rules, bounded scanning, generated firmware-like blobs, and the corpus
//! (real kernels and static MIPS binaries; the SquashFS images cannot be
//! unpacked here, so their files are not scanned).

use std::path::{Path, PathBuf};

use regex::bytes::RegexBuilder;
use touchstone_fwchecks::components::{
    BUNDLED, Component, Date, Limits, Rules, Target, VersionKind, rules,
};

fn date(text: &str) -> Date {
    Date::parse(text).unwrap_or_else(|| panic!("bad test date {text}"))
}

fn today() -> Date {
    date("2026-11-29")
}

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    dir.is_dir().then_some(dir)
}

#[allow(clippy::print_stderr)]
fn skip(test: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the shared corpus (../shared/corpus) is missing and CI=true: corpus tests must not pass without it"
    );
    eprintln!("SKIP {test}: shared corpus not found next to the repository (../shared/corpus)");
}

fn ids(found: &[Component]) -> Vec<(&str, Option<&str>)> {
    found
        .iter()
        .map(|c| (c.id.as_str(), c.version.as_deref()))
        .collect()
}

#[test]
fn bundled_data_compiles() {
    let parsed = Rules::parse(BUNDLED).expect("bundled components data");
    assert!(parsed.components().len() >= 18);
    // The shared instance is the bundled data, not the empty fallback.
    assert_eq!(rules().components().len(), parsed.components().len());
    let names: Vec<&str> = parsed.components().iter().map(|c| c.id.as_str()).collect();
    for id in [
        "openssl",
        "mbedtls",
        "wolfssl",
        "gnutls",
        "dropbear",
        "openssh",
        "bearssl",
        "busybox",
        "linux",
        "uclibc",
        "glibc",
        "musl",
        "lighttpd",
        "dnsmasq",
        "miniupnpd",
        "hostapd",
        "curl",
        "zlib",
    ] {
        assert!(names.contains(&id), "{id} missing");
    }
    for c in parsed.components() {
        assert!(!c.patterns.is_empty(), "{}: no pattern", c.id);
        assert!(
            !c.eol_policy.is_empty() && !c.eol_source.is_empty(),
            "{}",
            c.id
        );
    }
}

/// Every example matches (with its version) and every counterexample does
/// not, both with the pattern alone and through the scanner.
#[test]
fn every_data_example() {
    let mut checked = 0;
    for c in rules().components() {
        for p in &c.patterns {
            let re = RegexBuilder::new(&p.regex)
                .unicode(false)
                .build()
                .unwrap_or_else(|e| panic!("{}: {e}", p.id));
            let has_group = re.captures_len() == 2;
            assert!(!p.examples.is_empty(), "{}: no examples", p.id);
            for ex in &p.examples {
                let caps = re
                    .captures(ex.text.as_bytes())
                    .unwrap_or_else(|| panic!("{}: example {:?} does not match", p.id, ex.text));
                let got = caps
                    .get(1)
                    .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned());
                assert_eq!(got, ex.version, "{}: example {:?}", p.id, ex.text);
                assert_eq!(has_group, ex.version.is_some(), "{}: {:?}", p.id, ex.text);
                let found = match p.on {
                    Target::Content => {
                        rules().scan_bytes(ex.text.as_bytes(), today(), Limits::default())
                    }
                    Target::Path => rules().scan_path(&ex.text, today()),
                };
                assert!(
                    found
                        .iter()
                        .any(|f| f.id == c.id && f.version == ex.version),
                    "{}: scanner missed {:?}: {:?}",
                    p.id,
                    ex.text,
                    ids(&found)
                );
                checked += 1;
            }
            for counter in &p.counterexamples {
                assert!(
                    !re.is_match(counter.as_bytes()),
                    "{}: counterexample {counter:?} matches",
                    p.id
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} examples");
}

#[test]
fn end_of_life_on_a_given_date() {
    let r = rules();
    let eol = |id: &str, v: &str, on: &str| r.eol(id, v, VersionKind::Release, date(on));

    let e = eol("openssl", "1.0.2k", "2026-11-29").expect("1.0.2 rule");
    assert!(e.end_of_life);
    assert_eq!(e.date.to_string(), "2019-12-31");
    assert_eq!(e.rule, "branch 1.0.2");
    // The last supported day is not yet end-of-life.
    assert!(
        !eol("openssl", "1.1.1w", "2023-09-11")
            .expect("1.1.1")
            .end_of_life
    );
    assert!(
        eol("openssl", "1.1.1w", "2023-09-12")
            .expect("1.1.1")
            .end_of_life
    );
    assert_eq!(
        eol("openssl", "0.9.8g", "2026-11-29").map(|e| e.date.to_string()),
        Some("2015-12-31".to_owned())
    );
    // Before 0.9.8: covered by the "no later than" rule.
    let old = eol("openssl", "0.9.7f", "2026-11-29").expect("below 0.9.8");
    assert!(old.end_of_life && old.note.is_some_and(|n| n.contains("no later than")));
    assert!(
        !eol("openssl", "3.0.13", "2026-01-01")
            .expect("3.0")
            .end_of_life
    );
    assert!(
        eol("openssl", "3.0.13", "2026-11-29")
            .expect("3.0")
            .end_of_life
    );
    assert!(
        !eol("openssl", "3.5.1", "2026-11-29")
            .expect("3.5")
            .end_of_life
    );
    assert_eq!(eol("openssl", "3.6.0", "2026-11-29"), None);
    // "1.1.10" is not on branch 1.1.1.
    assert_eq!(
        eol("openssl", "1.1.10", "2026-11-29").map(|e| e.rule),
        Some("versions below 3".to_owned())
    );

    // Sonames name ABIs: only the soname rules apply.
    let so = |v: &str| r.eol("openssl", v, VersionKind::Soname, today());
    assert_eq!(
        so("1.0.0").map(|e| (e.end_of_life, e.date.to_string())),
        Some((true, "2023-09-11".to_owned()))
    );
    assert!(so("0.9.7").is_some_and(|e| e.date.to_string() == "2015-12-31"));
    assert_eq!(so("3"), None);

    assert!(eol("linux", "2.6.36", "2026-11-29").is_some_and(|e| e.end_of_life));
    assert!(eol("linux", "5.10.110", "2026-11-29").is_some_and(|e| !e.end_of_life));
    assert!(eol("linux", "4.14.180", "2026-11-29").is_some_and(|e| e.rule == "branch 4.14"));
    assert!(eol("linux", "5.16.2", "2026-11-29").is_some_and(|e| e.end_of_life));
    assert_eq!(eol("linux", "6.14.1", "2026-11-29"), None);
    assert!(eol("busybox", "1.14.1", "2026-11-29").is_some_and(|e| e.end_of_life));
    assert!(eol("busybox", "1.00", "2026-11-29").is_some_and(|e| e.end_of_life));
    assert_eq!(eol("busybox", "1.36.1", "2026-11-29"), None);
    assert!(eol("dropbear", "2019.78", "2026-11-29").is_some_and(|e| e.end_of_life));
    assert!(eol("dropbear", "0.52", "2026-11-29").is_some_and(|e| e.end_of_life));
    assert_eq!(eol("dropbear", "2024.86", "2026-11-29"), None);
    assert!(eol("mbedtls", "2.28.8", "2026-11-29").is_some_and(|e| e.end_of_life));
    assert!(eol("mbedtls", "1.3.9", "2026-11-29").is_some_and(|e| e.end_of_life));
    assert_eq!(eol("mbedtls", "3.6.2", "2026-11-29"), None);
    // No policy, or no such component: unknown.
    assert_eq!(eol("wolfssl", "3.15.3", "2026-11-29"), None);
    assert_eq!(eol("nonexistent", "1.0", "2026-11-29"), None);
    assert_eq!(eol("openssl", "garbage", "2026-11-29"), None);
}

#[test]
fn dates_parse_strictly() {
    assert!(Date::parse("2024-02-29").is_some());
    assert!(Date::parse("2023-02-29").is_none());
    assert!(Date::parse("2026-13-01").is_none());
    assert!(Date::parse("2026-1-01").is_none());
    assert!(Date::parse("2026-01-01-01").is_none());
    assert!(Date::parse("+026-01-01").is_none());
    assert!(Date::parse("").is_none());
    assert!(date("2019-12-31") < date("2020-01-01"));
    assert_eq!(date("2019-12-31").to_string(), "2019-12-31");
}

/// A generated firmware-like blob: NUL-separated strings from several
/// components among random bytes, as they sit in binaries.
#[test]
fn generated_blob() {
    let mut blob = Vec::new();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut noise = |blob: &mut Vec<u8>, n: usize| {
        for _ in 0..n {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            blob.push(state as u8);
        }
        blob.push(0);
    };
    for s in [
        &b"SSLv3 part of OpenSSL 0.9.8g 19 Oct 2007"[..],
        b"TLSv1 part of OpenSSL 0.9.8g 19 Oct 2007",
        b"BusyBox v1.14.1 (2013-01-24 10:47:22 CST)",
        b"SSH-2.0-dropbear_2019.78",
        b"Linux version 2.6.36 (root@build) (gcc version 4.3.3) #1",
        b"dropbear_rsa_host_key",
        b"OpenSSH_2.*,OpenSSH_3.0*",
        b" deflate 1.2.3 Copyright 1995-2005 Jean-loup Gailly ",
        b"\xff\xfeOpenSSL 1.0.2k  26 Jan 2017\x01",
        b"OpenSSH_7.4p1",
    ] {
        noise(&mut blob, 300);
        blob.extend_from_slice(s);
        blob.push(0);
    }
    let found = rules().scan("usr/lib/libssl.so.0.9.8", &blob, today(), Limits::default());
    let mut got = ids(&found);
    got.sort();
    assert_eq!(
        got,
        [
            ("busybox", Some("1.14.1")),
            ("dropbear", Some("2019.78")),
            ("linux", Some("2.6.36")),
            ("openssh", Some("7.4p1")),
            ("openssl", Some("0.9.8")),
            ("openssl", Some("0.9.8g")),
            ("openssl", Some("1.0.2k")),
            ("zlib", Some("1.2.3")),
        ]
    );
    // Separators the patterns consume are not part of the evidence.
    let evidence = |id: &str| {
        found
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.evidence.clone())
            .unwrap_or_default()
    };
    assert_eq!(evidence("openssh"), "OpenSSH_7.4p1");
    assert_eq!(evidence("zlib"), "deflate 1.2.3 Copyright 1995-2005");
    let ssl = found
        .iter()
        .find(|c| c.version.as_deref() == Some("0.9.8g"))
        .expect("openssl");
    assert_eq!(ssl.evidence, "OpenSSL 0.9.8g 19 Oct 2007");
    assert_eq!(ssl.found_in, Target::Content);
    assert!(ssl.offset.is_some_and(|o| o > 0));
    assert_eq!(
        ssl.cpe.as_deref(),
        Some("cpe:2.3:a:openssl:openssl:0.9.8g:*:*:*:*:*:*:*")
    );
    assert_eq!(ssl.purl.as_deref(), Some("pkg:generic/openssl@0.9.8g"));
    assert!(ssl.eol.as_ref().is_some_and(|e| e.end_of_life));
    let soname = found
        .iter()
        .find(|c| c.found_in == Target::Path)
        .expect("soname");
    assert_eq!(soname.version_kind, VersionKind::Soname);
    assert_eq!(soname.cpe, None);
    assert!(soname.eol.as_ref().is_some_and(|e| e.end_of_life));
    let dropbear = found.iter().find(|c| c.id == "dropbear").expect("dropbear");
    assert!(dropbear.eol.as_ref().is_some_and(|e| e.end_of_life));
}

#[test]
fn scanning_is_bounded() {
    let mut blob = vec![b'x'; 4096];
    blob.extend_from_slice(b"\0BusyBox v1.14.1 (2013)\0");
    let small = Limits {
        max_bytes: 4096,
        max_matches: 64,
    };
    assert!(rules().scan_bytes(&blob, today(), small).is_empty());
    assert_eq!(
        rules().scan_bytes(&blob, today(), Limits::default()).len(),
        1
    );

    // Thousands of distinct versions: at most max_matches kept.
    let mut many = Vec::new();
    for i in 0..5000 {
        many.extend_from_slice(format!("\0dnsmasq-2.{i}\0").as_bytes());
    }
    let capped = Limits {
        max_bytes: usize::MAX,
        max_matches: 10,
    };
    assert_eq!(rules().scan_bytes(&many, today(), capped).len(), 10);
    assert_eq!(
        rules().scan_bytes(&many, today(), Limits::default()).len(),
        Limits::default().max_matches
    );
    let none = Limits {
        max_bytes: usize::MAX,
        max_matches: 0,
    };
    assert!(
        rules()
            .scan("lib/libssl.so.1.1", &many, today(), none)
            .is_empty()
    );
}

#[test]
fn hostile_bytes_do_not_panic_and_evidence_is_printable() {
    let mut blob = b"OpenSSL 1.0.2k\x07 26 Jan 2017".to_vec();
    blob.extend((0..=255u8).cycle().take(100_000));
    blob.extend_from_slice(b"lighttpd/1.4.35\0");
    let found = rules().scan_bytes(&blob, today(), Limits::default());
    assert_eq!(ids(&found), [("lighttpd", Some("1.4.35"))]);
    for c in &found {
        assert!(
            c.evidence
                .bytes()
                .all(|b| b.is_ascii_graphic() || b == b' ')
        );
    }
    let odd = rules().scan(
        "\u{0}\u{7f}/lib/libz.so.1.2.11",
        b"",
        today(),
        Limits::default(),
    );
    assert_eq!(ids(&odd), [("zlib", Some("1.2.11"))]);
}

fn scan_file(path: &Path) -> Vec<Component> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    rules().scan(&path.to_string_lossy(), &bytes, today(), Limits::default())
}

/// Real kernels: the x86 setup header carries the version uncompressed.
#[test]
fn corpus_kernels() {
    let Some(dir) = corpus() else {
        return skip("corpus_kernels");
    };
    for compression in ["bzip2", "gzip", "lz4", "lzma", "lzo", "xz"] {
        let found =
            scan_file(&dir.join(format!("fact-extractor/linux-kernel/bzImage_{compression}")));
        assert_eq!(ids(&found), [("linux", Some("5.4.72"))], "{compression}");
        let k = found.first().expect("kernel");
        assert!(
            k.evidence
                .starts_with("5.4.72 (root@caesurus-ubuntu20-04) #")
        );
        assert_eq!(
            k.cpe.as_deref(),
            Some("cpe:2.3:o:linux:linux_kernel:5.4.72:*:*:*:*:*:*:*")
        );
        // 5.4 longterm ended in December 2025.
        let eol = k.eol.as_ref().expect("5.4 rule");
        assert_eq!(eol.date.to_string(), "2025-12-31");
        assert!(eol.end_of_life);
        let before = rules()
            .eol("linux", "5.4.72", VersionKind::Release, date("2025-06-01"))
            .expect("5.4 rule");
        assert!(!before.end_of_life);
    }
}

/// Static uClibc gdbserver builds: the toolchain triple shows uClibc, with
/// no version to read; the FACT_core x86-64 test binaries are negative
/// controls (glibc programs that name no component).
#[test]
fn corpus_elves() {
    let Some(dir) = corpus() else {
        return skip("corpus_elves");
    };
    for (file, triple) in [
        ("gdbserver-mips1-be", "mips-linux-uclibc"),
        ("gdbserver-mips1-le", "mipsel-linux-uclibc"),
    ] {
        let found = scan_file(&dir.join("dvrf/elf-mips").join(file));
        assert_eq!(ids(&found), [("uclibc", None)], "{file}");
        assert_eq!(found.first().map(|c| c.evidence.as_str()), Some(triple));
        assert_eq!(found.first().and_then(|c| c.eol.clone()), None);
    }
    let folder = dir.join("fact-core/elf-hardening");
    let mut count = 0;
    for entry in std::fs::read_dir(&folder).expect("corpus folder") {
        let path = entry.expect("entry").path();
        let found = scan_file(&path);
        assert!(found.is_empty(), "{}: {:?}", path.display(), ids(&found));
        count += 1;
    }
    assert_eq!(count, 10);
}

/// Every corpus file scans without panicking and within the match cap.
#[test]
fn corpus_everything_is_bounded() {
    let Some(dir) = corpus() else {
        return skip("corpus_everything_is_bounded");
    };
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&dir, &mut files);
    assert!(files.len() > 60);
    let limits = Limits {
        max_bytes: 1 << 20,
        max_matches: 8,
    };
    for f in files {
        let bytes = std::fs::read(&f).unwrap_or_default();
        let found = rules().scan(&f.to_string_lossy(), &bytes, today(), limits);
        assert!(found.len() <= 8, "{}", f.display());
    }
}

/// The components of every file of an unpacked corpus image, each
/// (component, version) once, with the first path that showed it.
fn image_components(rel: &str) -> Option<Vec<(String, Option<String>, String)>> {
    use touchstone_fwchecks::files::Files;
    let path = corpus()?.join(rel);
    let unpacked = touchstone_firmware::unpack(&path, &touchstone_firmware::Options::default());
    let mut out: Vec<(String, Option<String>, String)> = Vec::new();
    for tree in &unpacked.trees {
        for file in Files::paths(tree) {
            let Some(bytes) = Files::read(tree, &file) else {
                continue;
            };
            for c in rules().scan(&file, &bytes, today(), Limits::default()) {
                if !out.iter().any(|(id, v, _)| *id == c.id && *v == c.version) {
                    out.push((c.id, c.version, file.clone()));
                }
            }
        }
    }
    out.sort();
    Some(out)
}

fn versions(found: &[(String, Option<String>, String)]) -> Vec<(&str, Option<&str>)> {
    found
        .iter()
        .map(|(id, v, _)| (id.as_str(), v.as_deref()))
        .collect()
}

/// The TRENDnet TEW-733GR root file system, unpacked by the firmware crate:
/// the README's OpenSSL 0.9.8g and BusyBox 1.14.1, plus what else it ships.
#[test]
fn corpus_trendnet_components() {
    let Some(found) = image_components("binwalk/rootfs/trendnet-tew733gr.squashfs") else {
        return skip("corpus_trendnet_components");
    };
    assert_eq!(
        versions(&found),
        [
            ("busybox", Some("1.14.1")),
            ("dnsmasq", Some("2.45")),
            ("hostapd", Some("0.5.9")),
            ("iptables", Some("1.4.7")),
            ("linux", Some("2.6.33.2")),
            ("openssl", Some("0.9.8")),
            ("openssl", Some("0.9.8g")),
            ("ppp", Some("2.4.2")),
            ("radvd", Some("1.8")),
            ("uclibc", None),
            ("uclibc", Some("0.9.30.1")),
        ],
        "{found:?}"
    );
    let openssl = found
        .iter()
        .find(|(_, v, _)| v.as_deref() == Some("0.9.8g"))
        .expect("openssl");
    assert_eq!(openssl.2, "/lib/libcrypto.so.0.9.8");
    let eol = rules()
        .eol("openssl", "0.9.8g", VersionKind::Release, today())
        .expect("0.9.8 rule");
    assert!(eol.end_of_life);
}

/// The Broadcom BCM63xx root file system: BusyBox v1.00 and OpenSSL 0.9.7
/// as the README states, Dropbear linked into the configuration manager.
#[test]
fn corpus_broadcom_components() {
    let Some(found) = image_components("binwalk/rootfs/broadcom-bcm63xx-v2.squashfs") else {
        return skip("corpus_broadcom_components");
    };
    assert_eq!(
        versions(&found),
        [
            ("busybox", Some("1.00")),
            ("dropbear", Some("0.46")),
            ("linux", Some("2.6.8.1")),
            ("openssl", Some("0.9.7")),
            ("openssl", Some("0.9.7f")),
            ("ppp", Some("2.4.1")),
            ("uclibc", None),
        ],
        "{found:?}"
    );
}
