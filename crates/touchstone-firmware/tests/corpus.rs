//! Every image in `../shared/corpus`, with its expected result. Expected counts and hashes
//! come from independent tools: `unsquashfs -ll`/`-cat` (squashfs-tools 4.5), Python's
//! `tarfile`, `zipfile`, `gzip`, `bz2`, `lzma`, `zlib` and `lz4.block` modules, and the
//! corpus README (see the comment on each test).

mod common;

use common::{assert_fact_set, file_sha, formats, run, tree_of};
use touchstone_firmware::{Kind, ProblemKind, Unpacked};

fn counts(u: &Unpacked) -> (u64, u64, u64) {
    (u.files, u.directories, u.links)
}

fn has_problem(u: &Unpacked, kind: ProblemKind) -> bool {
    u.all_problems().any(|p| p.kind == kind)
}

/// SquashFS images with FACT's standard set. `unsquashfs -ll` lists 3 files and 1
/// directory below the root for every image it can read (gzip, lz4, lzma, lzo, xz, zstd,
/// avm_le, zlib v3 LE and BE); for avm_be and the v3 LZMA images, which stock
/// squashfs-tools cannot read, FACT's own test expects the same set.
#[test]
fn squashfs_fact_images() {
    let cases = [
        ("gzip.sqfs", "v4 le"),
        ("lz4.sqfs", "v4 le"),
        ("lzma.sqfs", "v4 le vendor-lzma"),
        ("lzo.sqfs", "v4 le"),
        ("xz.sqfs", "v4 le"),
        ("zstd.sqfs", "v4 le"),
        ("avm_le.sqfs4", "v4 le"),
        ("avm_be.sqfs4", "v4 avm-be"),
        ("zlib_le.sqfs3", "v3 le"),
        ("zlib_be.sqfs3", "v3 be"),
        ("lzma1_le.sqfs3", "v3 le lzma"),
        ("lzma1_be.sqfs3", "v3 be lzma"),
    ];
    for (name, variant) in cases {
        let Some(u) = run(&format!("fact-extractor/squashfs/{name}")) else {
            return;
        };
        assert_eq!(counts(&u), (3, 1, 0), "{name}: {:?}", formats(&u));
        let layer = u.layers.get(1).expect("squashfs layer");
        assert_eq!(
            (layer.format.as_str(), layer.detail.as_deref(), layer.offset),
            ("squashfs", Some(variant), 0),
            "{name}"
        );
        assert_fact_set(tree_of(&u, "squashfs"), "");
        assert_eq!(
            u.all_problems().count(),
            0,
            "{name}: {:?}",
            u.all_problems().collect::<Vec<_>>()
        );
    }
}

/// Broadcom BCM63xx, SquashFS 2.0 BE with Broadcom LZMA data blocks, read by our own v2
/// reader. Oracles: `unsquashfs -ll` (which lists but cannot extract this image) gives 263
/// files summing to 7,775,096 bytes, 28 directories below the root, 68 links, 70 device
/// nodes and 1 FIFO (the same counts `sasquatch` extracts, per the corpus README), and the
/// exact size of every file (checked when this test was written with a `diff` of both
/// listings); the corpus README describes the contents checked below.
#[test]
fn broadcom_squashfs_v2() {
    let Some(u) = run("binwalk/rootfs/broadcom-bcm63xx-v2.squashfs") else {
        return;
    };
    assert_eq!(counts(&u), (263, 28, 68));
    assert_eq!((u.special, u.bytes), (71, 7_775_096));
    assert_eq!(
        u.all_problems().count(),
        0,
        "{:?}",
        u.all_problems().collect::<Vec<_>>()
    );
    let layer = u.layers.get(1).expect("squashfs layer");
    assert_eq!(
        (layer.format.as_str(), layer.detail.as_deref(), layer.size),
        ("squashfs", Some("v2.0 be"), 2_587_654)
    );
    let t = tree_of(&u, "squashfs");
    let inetd =
        String::from_utf8_lossy(t.read("/etc/inetd.conf").expect("inetd.conf")).into_owned();
    assert_eq!(inetd.len(), 486);
    assert!(
        inetd.contains("/bin/telnetd telnetd -L /bin/login"),
        "{inetd}"
    );
    let key = t.read("/etc/rsa_host_key").expect("host key");
    assert_eq!(key.len(), 427);
    assert!(key.starts_with(b"\0\0\0\x07ssh-rsa"), "Dropbear key format");
    let busybox = t.read("/bin/sh").expect("busybox through bin/sh");
    assert!(busybox.starts_with(b"\x7fELF"));
    assert!(busybox.windows(13).any(|w| w == b"BusyBox v1.00"));
    // `etc/passwd -> /var/passwd`: kept as data; the target exists only at run time.
    assert!(
        matches!(t.node(t.lookup("/etc/passwd").expect("link")).map(|n| &n.kind), Some(Kind::Symlink(s)) if s == "/var/passwd")
    );
    assert!(t.resolve("/etc/passwd").is_err());
    let ac97 = t.node(t.lookup("/dev/ac97").expect("ac97")).expect("node");
    assert!(matches!(
        ac97.kind,
        Kind::CharDevice {
            major: 222,
            minor: 0
        }
    ));
    assert_eq!(ac97.meta.mode, 0o640);
    insta::assert_json_snapshot!("broadcom", u);
}

/// FACT's SquashFS v2 LZMA variants (bare LZMA streams in metadata and data, both byte
/// orders): FACT's standard set, as its own test expects (stock unsquashfs rejects them).
#[test]
fn squashfs_v2_lzma_variants() {
    for (name, detail) in [
        ("fact-extractor/squashfs/lzma_be.sqfs2", "v2.76 be"),
        ("fact-extractor/squashfs/lzma_le.sqfs2", "v2.76 le"),
    ] {
        let Some(u) = run(name) else { return };
        let layer = u
            .layers
            .get(1)
            .unwrap_or_else(|| panic!("{name}: {:?}", formats(&u)));
        assert_eq!(
            (layer.format.as_str(), layer.size, layer.detail.as_deref()),
            ("squashfs", 4096, Some(detail)),
            "{name}"
        );
        assert_eq!(counts(&u), (3, 1, 0), "{name}");
        assert_eq!(u.all_problems().count(), 0, "{name}");
        assert_fact_set(tree_of(&u, "squashfs"), "");
    }
}

/// TRENDnet TEW-733GR, SquashFS 4.0 with vendor LZMA: the corpus README records 1,476
/// files from `backhand`, and the content of `etc/config/image_sign` and the telnetd line
/// (stock unsquashfs cannot read this image, so directory and link counts are checked by
/// the snapshot only).
#[test]
fn trendnet_vendor_lzma() {
    let Some(u) = run("binwalk/rootfs/trendnet-tew733gr.squashfs") else {
        return;
    };
    assert_eq!(u.files, 1476);
    assert_eq!(u.all_problems().count(), 0);
    let t = tree_of(&u, "squashfs");
    let sign = t.read("/etc/config/image_sign").expect("image_sign");
    assert!(sign.starts_with(b"wrgn80_trendnet_tew733gr"));
    let telnetd =
        String::from_utf8_lossy(t.read("/etc/init0.d/S80telnetd.sh").expect("S80telnetd.sh"))
            .into_owned();
    assert!(
        telnetd.contains("telnetd -l /usr/sbin/login -u Alphanetworks:$image_sign"),
        "{telnetd}"
    );
    assert!(
        t.resolve("/etc/passwd").is_err(),
        "no etc/passwd in the image"
    );
    insta::assert_json_snapshot!("trendnet", u);
}

/// binwalk's SquashFS fixture: one file `lsb-release` (`unsquashfs -ll`), sha256 from
/// `unsquashfs -cat`.
#[test]
fn binwalk_squashfs_fixture() {
    let Some(u) = run("binwalk/signatures/squashfs.bin") else {
        return;
    };
    assert_eq!(counts(&u), (1, 0, 0));
    assert_eq!(
        file_sha(tree_of(&u, "squashfs"), "/lsb-release"),
        "6dc8ba4242e0e699e3360b84e38ccecfc4dcedaa4701c8ebee3836decd815654"
    );
}

/// Python `tarfile`: 4 files, 1 directory, 6 symlinks; hashes of `ls` and the READMEs.
#[test]
fn dirtraversal_tar_keeps_links_as_data() {
    let Some(u) = run("binwalk/safety/dirtraversal.tar") else {
        return;
    };
    assert_eq!(counts(&u), (4, 1, 6));
    let t = tree_of(&u, "tar");
    let ls = "0d06f9724af41b13cdacea133530b9129a48450230feef9632d53d5bbb837c8c";
    assert_eq!(file_sha(t, "/ls"), ls);
    assert_eq!(file_sha(t, "/subdir/ls2"), ls);
    assert_eq!(
        file_sha(t, "/README.txt"),
        "ff205fcd62a24b1533975a7dcb2d6570cb2318fe6f79bbdf0e79cfc75baa6c41"
    );
    assert_eq!(
        file_sha(t, "/README2_link"),
        "43df8a7135deaffcb00cc55aa5e354dc6129978a2d55bf57604e04e626b1a677"
    );
    assert_eq!(
        file_sha(t, "/subdir/README_link"),
        "ff205fcd62a24b1533975a7dcb2d6570cb2318fe6f79bbdf0e79cfc75baa6c41"
    );
    let target = |p: &str| match t.lookup(p).and_then(|id| t.node(id)).map(|n| &n.kind) {
        Some(Kind::Symlink(s)) => s.clone(),
        other => panic!("{p}: {other:?}"),
    };
    assert_eq!(target("/bar"), "/etc/passwd");
    assert_eq!(target("/subdir/foo2"), "../../../../");
    // `foo -> ../../` resolves to the image root, never above it.
    assert_eq!(
        t.canonical("/foo/subdir/foo2/README.txt").as_deref(),
        Ok("/README.txt")
    );
    insta::assert_json_snapshot!("dirtraversal", u);
}

/// Python `zipfile`: one member, 612,699 bytes.
#[test]
fn zip_fixture() {
    let Some(u) = run("binwalk/signatures/zip.bin") else {
        return;
    };
    assert_eq!(counts(&u), (1, 0, 0));
    assert_eq!(
        file_sha(tree_of(&u, "zip"), "/CH-sys-48.53.64.67.bin"),
        "c2d1f48de489869cbe08d70f096568c04132b388c2edc570e53522037d261122"
    );
}

/// Truncated ZIP: members recovered from the local headers (Python walk of the local
/// headers: two directories, two deflated files), truncation reported.
#[test]
fn zip_truncated_yields_members_and_a_problem() {
    let Some(u) = run("binwalk/malformed/zip_truncated.bin") else {
        return;
    };
    assert_eq!(counts(&u), (2, 2, 0));
    let t = tree_of(&u, "zip");
    assert_eq!(
        file_sha(t, "/AfuLnx64/AfuLnx64/afulnx_64"),
        "5bb358901984d268b0d0182395c7d467f5dc4fcc0e288eddd28a6052f88b02fa"
    );
    assert_eq!(
        file_sha(t, "/AfuLnx64/AfuLnx64/readme.txt"),
        "f22ae032d534c3b2f31ef94c6fb5e2e0b3a6f0a57f0fb8c3fa82eded24b0cbb4"
    );
    assert!(has_problem(&u, ProblemKind::Truncated));
}

/// Python `gzip`: 104 bytes; the member name comes from the gzip header.
#[test]
fn gzip_fixture() {
    let Some(u) = run("binwalk/signatures/gzip.bin") else {
        return;
    };
    assert_eq!(counts(&u), (1, 0, 0));
    assert_eq!(
        file_sha(tree_of(&u, "gzip"), "/lsb-release"),
        "6dc8ba4242e0e699e3360b84e38ccecfc4dcedaa4701c8ebee3836decd815654"
    );
    insta::assert_json_snapshot!("gzip", u);
}

/// Python `bz2`: 21,043 bytes.
#[test]
fn bzip2_fixture() {
    let Some(u) = run("binwalk/signatures/bzip2.bin") else {
        return;
    };
    assert_eq!(counts(&u), (1, 0, 0));
    assert_eq!(
        file_sha(tree_of(&u, "bzip2"), "/bzip2.out"),
        "757a0b9d2d3cb1c83ed52c98a66b92aacb50b524b57fc489140e1b189007f716"
    );
}

/// x86 bzImages: the payload at offset 17001 (FACT: `vmlinux_*_17001`) decompressed with
/// Python's `zlib`/`bz2`/`lzma` and `lz4.block` (legacy frame walk), and `lzop -dc`.
#[test]
fn bzimage_payloads() {
    let cases = [
        (
            "gzip",
            "gzip",
            "2ff320e40f5100f9851123918ff0b2f87e7e4f7ce981be86ae45cc07bcc05b89",
        ),
        (
            "bzip2",
            "bzip2",
            "fb0bb4c24a22ca25aa6617c956b72a3febdb6c5110101b4c1704d5e19b97ca3a",
        ),
        (
            "xz",
            "xz",
            "f1a444f39ed4c1c6b217aa15986229a8a2f5431db425481f7fd072683e9e188f",
        ),
        (
            "lzma",
            "lzma",
            "f1a444f39ed4c1c6b217aa15986229a8a2f5431db425481f7fd072683e9e188f",
        ),
        (
            "lz4",
            "lz4-legacy",
            "f1a444f39ed4c1c6b217aa15986229a8a2f5431db425481f7fd072683e9e188f",
        ),
    ];
    for (file, format, sha) in cases {
        let Some(u) = run(&format!("fact-extractor/linux-kernel/bzImage_{file}")) else {
            return;
        };
        // The setup header (`file` prints the same version), then the protected-mode part
        // at (setup_sects + 1) * 512 = 16,896, whose payload starts 105 bytes in.
        let bz = u.layers.get(1).expect("bzimage layer");
        assert_eq!(
            (bz.format.as_str(), bz.size),
            ("bzimage", u.input_size),
            "{file}"
        );
        assert!(
            bz.detail
                .as_deref()
                .is_some_and(|d| d.starts_with("Linux 5.4.72 (root@caesurus-ubuntu20-04)")),
            "{file}"
        );
        let part = u.layers.get(2).expect("kernel part");
        assert_eq!(
            (part.format.as_str(), part.offset),
            ("part", 16_896),
            "{file}"
        );
        let layer = u
            .layers
            .iter()
            .find(|l| l.format == format)
            .unwrap_or_else(|| panic!("{file}: {:?}", formats(&u)));
        assert_eq!(
            (layer.offset, layer.parent, layer.output_bytes),
            (105, Some(2), 1_015_400),
            "{file}"
        );
        let t = tree_of(&u, format);
        let (path, _, _) = t.walk().next().expect("payload file");
        assert_eq!(file_sha(t, &path), sha, "{file}");
        // The kernel part (decompressor stub and all) and the decompressed kernel.
        assert_eq!(u.files, 2, "{file}");
        assert_eq!(u.all_problems().count(), 0, "{file}");
    }
}

/// Legacy uImage: header and data CRCs verified (Python `zlib.crc32` agrees), payload
/// LZMA decompressed by Python `lzma` to 93,576 bytes.
#[test]
fn uimage_chain() {
    let Some(u) = run("fact-extractor/uboot/uboot.image_with_header") else {
        return;
    };
    let chain: Vec<_> = u
        .layers
        .iter()
        .take(4)
        .map(|l| (l.format.as_str(), l.offset, l.parent))
        .collect();
    assert_eq!(
        chain,
        [
            ("input", 0, None),
            ("uimage", 0, Some(0)),
            ("part", 64, Some(1)),
            ("lzma", 0, Some(2))
        ]
    );
    let uimage = u.layers.get(1).expect("uimage layer");
    assert_eq!(uimage.size, 64 + 32753);
    assert!(uimage.problems.is_empty(), "{:?}", uimage.problems);
    assert_eq!(
        file_sha(tree_of(&u, "lzma"), "/lzma.out"),
        "4f0f0d25279720d13fc1398126ccbc6ec95e6d62e6cfc45f9296963707325fc3"
    );
}

/// TRX (CRC verified against Python `zlib.crc32`) wrapping a ZIP with FACT's set (Python
/// `zipfile`: 3 files, 2 directories).
#[test]
fn trx_zip() {
    let Some(u) = run("fact-extractor/trx/trx.img") else {
        return;
    };
    assert_eq!(counts(&u), (3, 2, 0));
    let trx = u.layers.get(1).expect("trx layer");
    assert_eq!((trx.format.as_str(), trx.size), ("trx", 4096));
    assert!(trx.problems.is_empty(), "{:?}", trx.problems);
    assert_fact_set(tree_of(&u, "zip"), "/get_files_test");
}

/// Android sparse: expanded to 10 MiB (a Python re-implementation of the chunk walk
/// gives the same size); the raw image is an ext3 filesystem which `debugfs rdump` lists
/// as 3 files and 3 directories (FACT's set plus `lost+found`).
#[test]
fn android_sparse_holding_ext3() {
    let Some(u) = run("fact-extractor/android-simg/simg.img") else {
        return;
    };
    let sparse = u.layers.get(1).expect("sparse layer");
    assert_eq!(
        (sparse.format.as_str(), sparse.size, sparse.output_bytes),
        ("android-sparse", 127_284, 10_485_760)
    );
    let ext = u.layers.get(2).expect("ext layer");
    assert_eq!(
        (ext.format.as_str(), ext.offset, ext.size, ext.parent),
        ("ext", 0, 10_485_760, Some(1))
    );
    assert_eq!(counts(&u), (3, 3, 0));
    assert_fact_set(tree_of(&u, "ext"), "/get_files_test");
    assert_eq!(u.all_problems().count(), 0);
}

/// TP-Link test image: U-Boot uImage, LZMA kernel and a SquashFS holding FACT's set
/// (`unsquashfs -ll` on the carved SquashFS at 1,180,160).
#[test]
fn tplink_test_image() {
    let Some(u) = run("fact-extractor/tpl/test.tpl") else {
        return;
    };
    let sq = u
        .layers
        .iter()
        .find(|l| l.format == "squashfs")
        .expect("squashfs layer");
    assert_eq!(sq.offset, 1_180_160);
    assert!(
        u.layers
            .iter()
            .any(|l| l.format == "uimage" && l.offset == 15_488)
    );
    assert_fact_set(tree_of(&u, "squashfs"), "");
    // TP-Link v1 headers: the outer one and the one before the kernel (FACT's split).
    let tpl: Vec<_> = u
        .layers
        .iter()
        .filter(|l| l.format == "tplink")
        .map(|l| (l.offset, l.size))
        .collect();
    assert_eq!(tpl, [(0, 512), (131_584, 512)]);
    let outer = u
        .layers
        .get(1)
        .and_then(|l| l.detail.as_deref())
        .unwrap_or("");
    assert!(outer.contains("hw_id=0x30200001"), "{outer}");
    // U-Boot and kernel (decompressed, kept as files) plus FACT's three files.
    assert_eq!(u.files, 5);
    assert_eq!(u.all_problems().count(), 0);
}

/// Xerox DLM: gzip at 580 (cut off, as the file is the first MiB) holding a tar; Python
/// `tarfile` lists the first two members with these hashes, then the third is truncated.
#[test]
fn xerox_dlm_partial() {
    let Some(u) = run("fact-extractor/xerox/DLM-First_1MB.DLM") else {
        return;
    };
    // The DLM header ends at 0x243 and carries the signature field quoted in the corpus
    // README.
    let dlm = u.layers.get(1).expect("dlm layer");
    assert_eq!((dlm.format.as_str(), dlm.size), ("xerox-dlm", 0x244));
    assert!(
        dlm.detail
            .as_deref()
            .is_some_and(|d| d.contains("name=\"080415_08142013\"")
                && d.contains(
                    "signature=90ec11f7b52468378362987a4ed9e56855070915887e6afe567e1c47875b29f9"
                ))
    );
    let gz = u.layers.get(2).expect("gzip layer");
    assert_eq!(
        (gz.format.as_str(), gz.offset, gz.output_bytes),
        ("gzip", 580, 1_327_375)
    );
    let t = tree_of(&u, "tar");
    assert_eq!(
        file_sha(t, "/IME_App_005_017_00000.42"),
        "74852d30ba8c27064e690e08f4c0a194700fbcf7a710966e45dc9d5e7ade97d2"
    );
    assert_eq!(
        file_sha(t, "/SMVIAFinisher_Application_005_002_00092.203"),
        "c2142fbded231c1a4725eda180a843c29198ef6dbbaa44ba469f256045e75099"
    );
    assert!(t.lookup("/NC_OS_080_143_22613.8").is_some());
    assert!(has_problem(&u, ProblemKind::Truncated));
}

/// FIT image: the `/images` nodes become parts (`kernel` at 184, `fdt` at 1,049,104, a
/// device tree itself, `rootfs` at 1,049,400); Python `zlib` decompresses the kernel part
/// and the rootfs part, and `unsquashfs -ll`/`-cat` list and hash the SquashFS inside.
#[test]
fn fit_image() {
    let Some(u) = run("fact-extractor/uboot/fit.itb") else {
        return;
    };
    let fit = u.layers.get(1).expect("fit layer");
    assert_eq!((fit.format.as_str(), fit.offset), ("fit", 0));
    assert!(
        fit.detail
            .as_deref()
            .is_some_and(|d| d.contains("FACT Test FIT Image"))
    );
    let parts: Vec<_> = u
        .layers
        .iter()
        .filter(|l| l.format == "part")
        .map(|l| (l.detail.as_deref().unwrap_or(""), l.offset))
        .collect();
    assert_eq!(
        parts,
        [("kernel", 184), ("fdt", 1_049_104), ("rootfs", 1_049_400)]
    );
    assert!(
        u.layers
            .iter()
            .any(|l| l.format == "dtb" && l.parent == Some(4))
    );
    let kernel = u
        .trees
        .iter()
        .find(|t| {
            u.layers
                .get(t.layer)
                .is_some_and(|l| l.format == "gzip" && l.parent == Some(2))
        })
        .expect("kernel");
    let (kpath, _, _) = kernel.walk().next().expect("kernel file");
    assert_eq!(
        file_sha(kernel, &kpath),
        "d092b76b7539d04a372466005b5c79a706b5565b7f81177b82af912b048f4b3c"
    );
    let sq = tree_of(&u, "squashfs");
    assert_eq!(
        file_sha(sq, "/root/random-data"),
        "264204c3ff2e6d02e656bb21d12e5a9e70b064133a23c6e73b59a5dc87ab9760"
    );
    assert_eq!(counts(&u), (2, 1, 0));
    assert_eq!(u.all_problems().count(), 0);
    insta::assert_json_snapshot!("fit", u);
}

/// Images in formats not extracted yet, and plain data: nothing is claimed, the whole input
/// is one unknown region, no problems, no panic. (Upstream expectations for what they
/// contain are in the corpus README; each line names the missing reader.)
#[test]
fn not_yet_supported_or_not_containers() {
    let cases = [
        "binwalk/malformed/png_malformed.bin", // negative case: no png result
        "binwalk/signatures/qcow.bin",
        "fact-core/elf-hardening/Hallo.o",
        "fact-core/elf-hardening/Hallo.out",
        "fact-core/elf-hardening/Hallo.so",
        "fact-core/elf-hardening/Hallo_Canary",
        "fact-core/elf-hardening/Hallo_SafeStack",
        "fact-core/elf-hardening/Hallo_cfi",
        "fact-core/elf-hardening/Hallo_no_pie",
        "fact-core/elf-hardening/Hallo_rpath",
        "fact-core/elf-hardening/Hallo_runpath",
        "fact-core/elf-hardening/Hallo_stripped",
        "dvrf/elf-mips/gdbserver-mips1-be",
        "dvrf/elf-mips/gdbserver-mips1-le",
    ];
    for name in cases {
        let Some(u) = run(name) else { return };
        assert_eq!(u.layers.len(), 1, "{name}: {:?}", formats(&u));
        assert_eq!(counts(&u), (0, 0, 0), "{name}");
        assert_eq!(u.all_problems().count(), 0, "{name}");
        let input = u.layers.first().expect("input layer");
        assert_eq!(input.unknown.len(), 1, "{name}");
        assert_eq!(
            input.unknown.first().map(|r| r.size),
            Some(u.input_size),
            "{name}"
        );
    }
}

/// The entropy of an unknown region separates compressed data from text.
#[test]
fn entropy_is_reported() {
    let Some(u) = run("binwalk/signatures/qcow.bin") else {
        return;
    };
    let e = u
        .layers
        .first()
        .and_then(|l| l.unknown.first())
        .map(|r| r.entropy)
        .expect("region");
    assert!((0.0..=8.0).contains(&e), "{e}");
}

/// romfs and cramfs fixtures: one file `lsb-release`; sha256 of the bytes at 0x80 (romfs,
/// stored) and of Python `zlib.decompress` of the single cramfs block.
#[test]
fn romfs_and_cramfs_fixtures() {
    for (name, format) in [
        ("binwalk/signatures/romfs.bin", "romfs"),
        ("binwalk/signatures/cramfs.bin", "cramfs"),
    ] {
        let Some(u) = run(name) else { return };
        assert_eq!(counts(&u), (1, 0, 0), "{name}");
        assert_eq!(
            u.all_problems().count(),
            0,
            "{name}: {:?}",
            u.all_problems().collect::<Vec<_>>()
        );
        assert_eq!(
            file_sha(tree_of(&u, format), "/lsb-release"),
            "6dc8ba4242e0e699e3360b84e38ccecfc4dcedaa4701c8ebee3836decd815654",
            "{name}"
        );
    }
}

/// The hand-written SquashFS v2 reader on corrupted copies of the Broadcom image
/// (superblock, inode table and directory table bytes flipped): no panic, no hang.
#[test]
fn broadcom_squashfs_v2_corrupted_never_panics() {
    let Some(path) = common::corpus("binwalk/rootfs/broadcom-bcm63xx-v2.squashfs") else {
        return;
    };
    let image = std::fs::read(path).expect("read");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Superblock, then the inode and directory tables (0x274019 to the end).
    let regions = [(0usize, 64usize), (0x27_4019, image.len())];
    for i in 0..30 {
        let mut img = image.clone();
        let (lo, hi) = regions[i % 2];
        for _ in 0..(1 + next() % 6) {
            let at = lo + usize::try_from(next() % (hi - lo) as u64).unwrap_or(0);
            if let Some(b) = img.get_mut(at) {
                *b = u8::try_from(next() & 0xff).unwrap_or(0);
            }
        }
        let u = touchstone_firmware::unpack_bytes(img, &touchstone_firmware::Options::default());
        assert!(u.files <= 263 + 64, "{}", u.files);
    }
}

/// JFFS2 in both byte orders: FACT's standard set, as FACT's own test expects (the rest
/// of each image is erased flash, reported as one unknown region of entropy 0).
#[test]
fn jffs2_images() {
    for (name, order) in [
        ("fact-extractor/jffs2/jffs2_le.img", "le"),
        ("fact-extractor/jffs2/jffs2_be.img", "be"),
    ] {
        let Some(u) = run(name) else { return };
        let layer = u
            .layers
            .get(1)
            .unwrap_or_else(|| panic!("{name}: {:?}", formats(&u)));
        assert_eq!(
            (layer.format.as_str(), layer.detail.as_deref(), layer.offset),
            ("jffs2", Some(order), 0),
            "{name}"
        );
        assert_eq!(counts(&u), (3, 1, 0), "{name}");
        assert_eq!(u.all_problems().count(), 0, "{name}");
        assert_fact_set(tree_of(&u, "jffs2"), "");
        let rest = u
            .layers
            .first()
            .and_then(|l| l.unknown.first())
            .expect("erased tail");
        assert_eq!(
            (rest.offset + rest.size, rest.entropy),
            (131_072, 0.0),
            "{name}"
        );
    }
}

/// YAFFS2, 2048+64 pages: FACT's set in both byte orders (tags after a 2-byte bad-block
/// marker), and binwalk's fixture (tags at the start of the spare area): 13 C sources,
/// compared with a 20-line Python walk of the object headers and tags.
#[test]
fn yaffs2_images() {
    for (name, detail) in [
        ("fact-extractor/yaffs/yaffs2_le.img", "2048+64 le"),
        ("fact-extractor/yaffs/yaffs2_be.img", "2048+64 be"),
    ] {
        let Some(u) = run(name) else { return };
        let layer = u
            .layers
            .get(1)
            .unwrap_or_else(|| panic!("{name}: {:?}", formats(&u)));
        assert_eq!(
            (layer.format.as_str(), layer.detail.as_deref(), layer.size),
            ("yaffs2", Some(detail), 14_784),
            "{name}"
        );
        assert_eq!(counts(&u), (3, 1, 0), "{name}");
        assert_eq!(u.all_problems().count(), 0, "{name}");
        assert_fact_set(tree_of(&u, "yaffs2"), "");
    }
    let Some(u) = run("binwalk/signatures/yaffs2.bin") else {
        return;
    };
    assert_eq!(counts(&u), (13, 0, 0));
    assert_eq!(
        u.bytes,
        844 + 3086
            + 1447
            + 1769
            + 15_107
            + 1689
            + 27_266
            + 7143
            + 656
            + 1440
            + 13_967
            + 5169
            + 4903
    );
    let t = tree_of(&u, "yaffs2");
    assert_eq!(
        file_sha(t, "/mkyaffs2image.c"),
        "bbb126ff5a49762055a6310186c9c5dd22534198fbd8ed77f6d768983af491a3"
    );
    assert_eq!(
        file_sha(t, "/yaffs_guts.h"),
        "4e2568ade2817ec84dfbfa6ff199093c5f72569d0cad8d66dedcdd59091d08d6"
    );
}

/// UBIFS alone and inside UBI (volume `rootfs`): FACT's standard set, as FACT's own test
/// (`ubireader`) expects.
#[test]
fn ubi_and_ubifs_images() {
    let Some(u) = run("fact-extractor/ubi/test.ubifs") else {
        return;
    };
    assert_eq!(counts(&u), (3, 1, 0));
    assert_eq!(u.all_problems().count(), 0);
    assert_fact_set(tree_of(&u, "ubifs"), "");
    let Some(u) = run("fact-extractor/ubi/ubi.img") else {
        return;
    };
    let chain: Vec<_> = u
        .layers
        .iter()
        .map(|l| (l.format.as_str(), l.detail.as_deref()))
        .collect();
    assert_eq!(
        chain,
        [
            ("input", None),
            ("ubi", Some("peb 1024, leb 896")),
            ("part", Some("rootfs")),
            ("ubifs", Some("leb 131072 x 13"))
        ]
    );
    assert_eq!(counts(&u), (3, 1, 0));
    assert_eq!(u.all_problems().count(), 0);
    assert_fact_set(tree_of(&u, "ubifs"), "");
}

/// Matter OTA image: TLV header fields and the payload, whose SHA-256 (Python `hashlib` of
/// bytes 88..96 gives the stored digest) is verified; a flipped payload byte is reported.
#[test]
fn matter_ota_image() {
    let Some(path) = common::corpus("binwalk/signatures/matter_ota.bin") else {
        return;
    };
    let image = std::fs::read(path).expect("read");
    let u =
        touchstone_firmware::unpack_bytes(image.clone(), &touchstone_firmware::Options::default());
    let layer = u.layers.get(1).expect("matter layer");
    assert_eq!((layer.format.as_str(), layer.size), ("matter-ota", 96));
    assert!(
        layer
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("vendor=0x1234") && d.contains("\"1.2.120.0\""))
    );
    assert_eq!(u.all_problems().count(), 0);
    assert_eq!(
        file_sha(tree_of(&u, "part"), "/payload"),
        "f09693eb113fe630bac50b5e99386a704ba4a363133e55f9735d322ddb8e78ef"
    );
    let mut bad = image;
    if let Some(b) = bad.get_mut(90) {
        *b ^= 1;
    }
    let u = touchstone_firmware::unpack_bytes(bad, &touchstone_firmware::Options::default());
    assert!(has_problem(&u, ProblemKind::Checksum));
}

/// TP-Link TL-WR702N VxWorks image: FACT's split puts the bootloader at 26,820 and the OS
/// at 262,420; both are LZMA (properties 0x6e) and Python `lzma` decodes them to these
/// sizes and hashes, consuming exactly these many bytes.
#[test]
fn tplink_vxworks_lzma_parts() {
    let Some(u) = run("fact-extractor/tpl/wr.fw") else {
        return;
    };
    let found: Vec<_> = u
        .layers
        .iter()
        .filter(|l| l.format == "lzma")
        .map(|l| (l.offset, l.size, l.output_bytes))
        .collect();
    // The bootloader and the OS ...
    assert_eq!(
        found.get(..2),
        Some(&[(26_820, 198_228, 698_624), (262_420, 973_653, 3_571_184)][..])
    );
    // ... then 185 small per-file streams (properties 0x5a) in the web file area. unblob
    // carves 180 of them with the same boundaries, e.g. 1,382,476..1,385,997, whose
    // header declares 15,285 uncompressed bytes.
    assert_eq!(found.len(), 187);
    assert!(found.contains(&(1_382_476, 3_521, 15_285)), "{found:?}");
    assert_eq!(u.all_problems().count(), 0);
    let shas: Vec<String> = u
        .trees
        .iter()
        .filter_map(|t| t.walk().next().map(|(p, _, _)| file_sha(t, &p)))
        .collect();
    assert_eq!(
        shas.get(..2),
        Some(
            &[
                "54bb28d2f05c0036e2a843ee7304b833a77888bebc5470b391a285bd8f2346a1".to_owned(),
                "c3fefc74f1097ae4ea38b1bd755c67ed17b06a1590ddd81ccf9c600990da0a5f".to_owned()
            ][..]
        )
    );
    assert_eq!(shas.len(), 187);
}

/// Arcadyan obfuscated LZMA: de-obfuscated and decoded by a 10-line Python version of the
/// block swap plus `lzma` (2,813,252 bytes, 733,166 bytes consumed).
#[test]
fn arcadyan_obfuscated_lzma() {
    let Some(u) = run("binwalk/signatures/arcadyan.bin") else {
        return;
    };
    let layer = u.layers.get(1).expect("arcadyan layer");
    assert_eq!(
        (
            layer.format.as_str(),
            layer.offset,
            layer.size,
            layer.output_bytes
        ),
        ("arcadyan", 0, 733_166, 2_813_252)
    );
    assert_eq!(u.all_problems().count(), 0);
    assert_eq!(
        file_sha(tree_of(&u, "arcadyan"), "/arcadyan.out"),
        "94a9ebd30832da824cfa03d9645a294ccde9add75ff0ece02dafa76050ae7582"
    );
}

/// MBR: one Linux (0x83) partition from LBA 1 for 9 sectors (Python `struct` on the
/// partition table), split out as a part.
#[test]
fn mbr_partition_table() {
    let Some(u) = run("binwalk/signatures/mbr.bin") else {
        return;
    };
    let layers: Vec<_> = u
        .layers
        .iter()
        .map(|l| (l.format.as_str(), l.detail.as_deref(), l.offset, l.size))
        .collect();
    assert_eq!(
        layers,
        [
            ("input", None, 0, 5120),
            ("mbr", None, 0, 5120),
            ("part", Some("partition0-type83"), 512, 4608)
        ]
    );
    assert_eq!(u.all_problems().count(), 0);
}

/// ARJ (method 1): one file, `secret.txt`, with the SHA-256 that Debian's `arj x`
/// gives for it; the archive spans bytes 13..196, as unblob carves it.
#[test]
fn arj_archive() {
    let Some(u) = run("binwalk/signatures/arj.bin") else {
        return;
    };
    assert_eq!(formats(&u), ["input@0<-None", "arj@13<-Some(0)"]);
    assert_eq!(u.layers[1].size, 183);
    assert_eq!(counts(&u), (1, 0, 0));
    assert_eq!(u.all_problems().count(), 0);
    assert_eq!(
        file_sha(tree_of(&u, "arj"), "/secret.txt"),
        "1e84fd8991e5bc8d6daa7d93b14b9812cd812c45f2f20d0d54441f46e257b6c8"
    );
}

/// Images, documents and 7-Zip archives are carved whole at their exact ends:
/// (file, format, offset, size, carved name, SHA-256 of the carved bytes). The WebP
/// matches binwalk 3.1.0's carve byte for byte; binwalk ends the JPEG inside
/// bmp.bin at a stray 0xffd9 in the bitmap that follows, 16 KiB too late, where the
/// marker walk stops at the real end of image. jpeg.bin holds two JPEGs back to back.
#[test]
fn carved_images_documents_and_7z() {
    let cases: &[(&str, &str, u64, u64, &str, &str)] = &[
        (
            "binwalk/signatures/riff.bin",
            "webp",
            0,
            30320,
            "/image.webp",
            "4a5afeaff8483923da964bc7896f02d0283e8bff99b5b8f82a31ae3214dab1d0",
        ),
        (
            "binwalk/signatures/7z.bin",
            "7z",
            0,
            218,
            "/archive.7z",
            "8fc49376d974f81f0ac1dd163f60c71a7de151f9d7e2b5d620554ab15aa03fec",
        ),
        (
            "binwalk/signatures/bmp.bin",
            "jpeg",
            1_023_644,
            27_729,
            "/image.jpg",
            "2387990adb72cf1bb6b28e08f98bb926fe2b4a4f3bbe9d7c7bc2470c2128d963",
        ),
        (
            "binwalk/signatures/bmp.bin",
            "bmp",
            753_556,
            270_056,
            "/image.bmp",
            "a28b66e3a6babc14b0d975b49b4fc98823ffedbcabbf4d3d7f11c2cb5ecbcdf4",
        ),
        (
            "binwalk/signatures/jpeg.bin",
            "jpeg",
            89_022,
            14_573,
            "/image.jpg",
            "87f8ae1139a18a93f22c5b1ee5f2d98df1c8f70814d818a6c1f46b9a00e2940d",
        ),
        (
            "binwalk/signatures/pdf.bin",
            "pdf",
            0,
            245_715,
            "/document.pdf",
            "5e1b614ad71d46d0b899976e5836663c62957b17ead1985cd9a3752f4df9201b",
        ),
    ];
    for &(name, format, offset, size, path, sha) in cases {
        let Some(u) = run(name) else { return };
        let (i, layer) = u
            .layers
            .iter()
            .enumerate()
            .find(|(_, l)| l.format == format && l.offset == offset)
            .unwrap_or_else(|| panic!("{name}: no {format}@{offset} in {:?}", formats(&u)));
        assert_eq!(layer.size, size, "{name}");
        let tree = u.trees.iter().find(|t| t.layer == i).expect("carved tree");
        assert_eq!(file_sha(tree, path), sha, "{name} {format}@{offset}");
        assert_eq!(u.all_problems().count(), 0, "{name}");
    }
    let count = |name: &str| run(name).map(|u| counts(&u));
    assert_eq!(count("binwalk/signatures/bmp.bin"), Some((3, 0, 0)));
    assert_eq!(count("binwalk/signatures/jpeg.bin"), Some((2, 0, 0)));
}
