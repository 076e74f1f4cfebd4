//! Crafted inputs from issues 9 and 10, each built here from scratch: nothing is lost
//! silently, a refused body is a problem, nested files are unpacked with their chain,
//! and what was not analysed is listed in `Unpacked::incomplete`.

mod common;

use common::{gzip, squashfs, tar_dir, tar_end, tar_file, tree_with};
use touchstone_firmware::{Limits, Options, ProblemKind, Unpacked, unpack_bytes};

fn problems(u: &Unpacked) -> Vec<String> {
    u.all_problems()
        .map(|p| format!("{:?} {:?} {:?} {}", p.kind, p.offset, p.path, p.message))
        .collect()
}

fn has(u: &Unpacked, kind: ProblemKind) -> bool {
    u.all_problems().any(|p| p.kind == kind)
}

// ---------------------------------------------------------------- item 1

#[test]
fn clean_image_is_complete() {
    let mut t = Vec::new();
    tar_file(&mut t, "etc/passwd", b"root:x:0:0::/root:/bin/sh\n");
    tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    assert!(u.is_complete(), "{:?}", u.incomplete);
    assert!(
        u.main_tree()
            .and_then(|t| t.read("/etc/passwd").ok())
            .is_some()
    );
}

/// A 4 GiB sparse file listed before `/etc` (ext4 made by `mke2fs -d`): that one file is
/// skipped with a problem and marked incomplete, `/etc` is still read.
#[test]
fn ext4_sparse_file_before_etc_is_skipped_and_the_walk_goes_on() {
    let src = tempfile::tempdir().expect("tempdir");
    let root = src.path();
    let big = std::fs::File::create(root.join("a-sparse")).expect("create");
    big.set_len(4 << 30).expect("sparse 4 GiB");
    drop(big);
    std::fs::create_dir_all(root.join("etc")).expect("mkdir");
    std::fs::write(root.join("etc/passwd"), b"root::0:0::/root:/bin/sh\n").expect("write");
    let images = tempfile::tempdir().expect("tempdir");
    let image = images.path().join("sparse.ext4");
    let status = std::process::Command::new("mke2fs")
        .args(["-q", "-F", "-t", "ext4", "-b", "4096", "-d"])
        .arg(root)
        .arg(&image)
        .arg("8M")
        .status();
    let Ok(status) = status else {
        common::missing("mke2fs (e2fsprogs)");
        return;
    };
    assert!(status.success(), "mke2fs");
    let bytes = std::fs::read(&image).expect("read image");
    let u = unpack_bytes(bytes, &Options::default());
    let (tree, _) = tree_with(&u, "/etc/passwd").unwrap_or_else(|| panic!("{:?}", problems(&u)));
    assert_eq!(
        tree.read("/etc/passwd").ok(),
        Some(&b"root::0:0::/root:/bin/sh\n"[..])
    );
    let node = tree
        .node(tree.lookup("/a-sparse").expect("sparse file kept"))
        .expect("node");
    assert!(node.incomplete().is_some());
    assert!(
        u.all_problems()
            .any(|p| p.kind == ProblemKind::FileSkipped && p.path.as_deref() == Some("/a-sparse")),
        "{:?}",
        problems(&u)
    );
    assert!(!u.is_complete());
    assert!(
        u.incomplete
            .iter()
            .any(|i| i.path.as_deref() == Some("/a-sparse") && i.layer.is_some())
    );
}

/// The same in SquashFS: a file larger than what is left of the output budget is
/// skipped, the later `/etc/passwd` is read.
#[test]
fn squashfs_oversized_file_is_skipped_and_the_walk_goes_on() {
    let zeros = vec![0u8; 3 << 20];
    let image = squashfs(&[
        ("a-big", &zeros),
        ("etc/passwd", b"root::0:0::/root:/bin/sh\n"),
    ]);
    let mut limits = Limits::default();
    limits.max_output_bytes = 2 << 20;
    let u = unpack_bytes(image, &Options::with_limits(limits));
    let (tree, chain) =
        tree_with(&u, "/etc/passwd").unwrap_or_else(|| panic!("{:?}", problems(&u)));
    assert_eq!(chain, ["squashfs@0x0"]);
    assert!(tree.read("/etc/passwd").is_ok());
    assert!(
        u.all_problems()
            .any(|p| p.kind == ProblemKind::FileSkipped && p.path.as_deref() == Some("/a-big")),
        "{:?}",
        problems(&u)
    );
    assert!(
        u.incomplete
            .iter()
            .any(|i| i.path.as_deref() == Some("/a-big"))
    );
}

/// A SquashFS whose superblock is valid but whose tables point past the end: the reader
/// refuses it, and that is a problem at its offset, not a silently dropped signature.
#[test]
fn squashfs_refused_body_is_a_problem() {
    let mut image = squashfs(&[("etc/passwd", b"root::0:0::/root:/bin/sh\n")]);
    // Inode, directory and id tables far past the end of the image.
    for at in [48usize, 64, 72] {
        image[at..at + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    }
    let mut bytes = vec![0u8; 512];
    bytes.extend_from_slice(&image);
    let u = unpack_bytes(bytes, &Options::default());
    let refused = u
        .all_problems()
        .find(|p| p.kind == ProblemKind::Refused)
        .unwrap_or_else(|| panic!("no refused problem: {:?}", problems(&u)));
    assert_eq!(refused.offset, Some(512));
    assert!(refused.message.contains("squashfs"), "{}", refused.message);
    assert!(!u.is_complete());
}

/// A later tar entry named like a populated directory does not wipe the directory:
/// both stay visible and the conflict is a problem.
#[test]
fn tar_entry_replacing_a_populated_directory_keeps_both() {
    let mut t = Vec::new();
    tar_dir(&mut t, "etc/");
    tar_file(&mut t, "etc/passwd", b"root::0:0::/root:/bin/sh\n");
    tar_file(&mut t, "etc", b"decoy");
    tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    let tree = u.main_tree().expect("tree");
    assert!(tree.read("/etc/passwd").is_ok(), "{:?}", problems(&u));
    assert_eq!(tree.read("/etc~1").ok(), Some(&b"decoy"[..]));
    assert!(has(&u, ProblemKind::PathConflict), "{:?}", problems(&u));
    assert_eq!(u.files, 2);
}

// ---------------------------------------------------------------- item 2

/// `image → tar → rootfs.squashfs → /data/payload.tar.gz → gzip → tar`: the innermost
/// files are in a tree whose chain names every step.
#[test]
fn nested_update_package_is_unpacked_with_its_chain() {
    let mut inner = Vec::new();
    tar_file(&mut inner, "etc/shadow", b"root::0:0:99999:7:::\n");
    tar_end(&mut inner);
    let payload = gzip(&inner);
    let rootfs = squashfs(&[
        ("bin/true", b"\x7fELF not really"),
        ("data/payload.tar.gz", &payload),
    ]);
    let mut package = Vec::new();
    tar_file(&mut package, "rootfs.squashfs", &rootfs);
    tar_file(&mut package, "VERSION", b"1.0\n");
    tar_end(&mut package);
    let u = unpack_bytes(package, &Options::default());
    let (tree, chain) =
        tree_with(&u, "/etc/shadow").unwrap_or_else(|| panic!("{:?}", common::formats(&u)));
    assert_eq!(
        chain,
        [
            "tar@0x0",
            "file:/rootfs.squashfs",
            "squashfs@0x0",
            "file:/data/payload.tar.gz",
            "gzip@0x0",
            "tar@0x0"
        ]
    );
    assert_eq!(
        tree.read("/etc/shadow").ok(),
        Some(&b"root::0:0:99999:7:::\n"[..])
    );
    assert!(u.is_complete(), "{:?}", u.incomplete);
    // The scan of files can be turned off.
    let mut opts = Options::default();
    opts.scan_files = false;
    let u = unpack_bytes(u8_package(&rootfs), &opts);
    assert!(tree_with(&u, "/etc/shadow").is_none());
}

fn u8_package(rootfs: &[u8]) -> Vec<u8> {
    let mut package = Vec::new();
    tar_file(&mut package, "rootfs.squashfs", rootfs);
    tar_end(&mut package);
    package
}

/// A bomb in one nested file stops with a problem; the other nested files and the
/// rest of the tree are still extracted.
#[test]
fn bomb_at_depth_stops_with_a_problem_and_the_rest_is_extracted() {
    let bomb = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..16 {
            e.write_all(&zeros).expect("bomb");
        }
        e.finish().expect("bomb")
    };
    let mut inner = Vec::new();
    tar_file(&mut inner, "etc/inittab", b"ttyS0::respawn:/bin/sh\n");
    tar_end(&mut inner);
    let mut t = Vec::new();
    tar_file(&mut t, "a/bomb.gz", &bomb);
    tar_file(&mut t, "b/config.tar.gz", &gzip(&inner));
    tar_file(&mut t, "c.txt", b"plain\n");
    tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    assert!(has(&u, ProblemKind::LimitRatio), "{:?}", problems(&u));
    let (tree, chain) = tree_with(&u, "/etc/inittab").expect("nested tar after the bomb");
    assert!(tree.read("/etc/inittab").is_ok());
    assert_eq!(
        chain.get(1).map(String::as_str),
        Some("file:/b/config.tar.gz")
    );
    assert!(u.main_tree().and_then(|t| t.read("/c.txt").ok()).is_some());
    assert!(
        u.incomplete
            .iter()
            .any(|i| i.kind == ProblemKind::LimitRatio)
    );
}

/// Hard links to one archive are unpacked once, not once per name.
#[test]
fn hard_links_to_an_archive_are_unpacked_once() {
    let mut inner = Vec::new();
    tar_file(&mut inner, "x", b"x");
    tar_end(&mut inner);
    let mut t = Vec::new();
    tar_file(&mut t, "a.tar.gz", &gzip(&inner));
    for i in 0..200 {
        common::tar_raw(
            &mut t,
            format!("l{i}").as_bytes(),
            b'1',
            b"",
            0o644,
            "a.tar.gz",
        );
    }
    tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    let gz = u.layers.iter().filter(|l| l.format == "gzip").count();
    assert_eq!(gz, 1, "{:?}", common::formats(&u));
}

/// Two names that differ only in invalid UTF-8 bytes stay two files.
#[test]
fn names_differing_in_invalid_bytes_stay_distinct() {
    let mut t = Vec::new();
    common::tar_raw(&mut t, b"etc/a\xff", b'0', b"one", 0o644, "");
    common::tar_raw(&mut t, b"etc/a\xfe", b'0', b"two", 0o644, "");
    tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    assert_eq!(u.files, 2);
    let tree = u.main_tree().expect("tree");
    assert_eq!(tree.read("/etc/a\\xff").ok(), Some(&b"one"[..]));
    assert_eq!(tree.read("/etc/a\\xfe").ok(), Some(&b"two"[..]));
}

// ---------------------------------------------------------------- item 4

/// A zip member whose content does not match its CRC-32 is extracted and reported with
/// the field, offset, expected and actual values.
#[test]
fn zip_crc_mismatch_is_reported_and_extracted() {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    // A stored member written by hand: local header, body, central directory, end.
    let body = b"root::0:0::/root:/bin/sh\n";
    let name = b"etc/passwd";
    let crc = crc32fast::hash(body) ^ 1;
    let mut local = Vec::new();
    local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    local.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    local.extend_from_slice(&crc.to_le_bytes());
    let len = u32::try_from(body.len()).expect("len");
    local.extend_from_slice(&len.to_le_bytes());
    local.extend_from_slice(&len.to_le_bytes());
    local.extend_from_slice(&u16::try_from(name.len()).expect("n").to_le_bytes());
    local.extend_from_slice(&[0, 0]);
    local.extend_from_slice(name);
    local.extend_from_slice(body);
    let cd_at = u32::try_from(local.len()).expect("at");
    let mut cd = Vec::new();
    cd.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    cd.extend_from_slice(&[20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    cd.extend_from_slice(&crc.to_le_bytes());
    cd.extend_from_slice(&len.to_le_bytes());
    cd.extend_from_slice(&len.to_le_bytes());
    cd.extend_from_slice(&u16::try_from(name.len()).expect("n").to_le_bytes());
    cd.extend_from_slice(&[0; 8]);
    cd.extend_from_slice(&(0o100_644u32 << 16).to_le_bytes());
    cd.extend_from_slice(&0u32.to_le_bytes());
    cd.extend_from_slice(name);
    let mut end = Vec::new();
    end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    end.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    end.extend_from_slice(&u32::try_from(cd.len()).expect("cd").to_le_bytes());
    end.extend_from_slice(&cd_at.to_le_bytes());
    end.extend_from_slice(&[0, 0]);
    buf.write_all(&local).expect("w");
    buf.write_all(&cd).expect("w");
    buf.write_all(&end).expect("w");
    let u = unpack_bytes(buf.into_inner(), &Options::default());
    let p = u
        .all_problems()
        .find(|p| p.kind == ProblemKind::Checksum)
        .unwrap_or_else(|| panic!("{:?}", problems(&u)));
    assert_eq!(p.offset, Some(14));
    assert!(p.message.contains(&format!("{crc:#010x}")), "{}", p.message);
    assert!(
        p.message.contains(&format!("{:#010x}", crc ^ 1)),
        "{}",
        p.message
    );
    assert_eq!(
        u.main_tree().and_then(|t| t.read("/etc/passwd").ok()),
        Some(&body[..])
    );
    // A checksum mismatch alone does not make the image partly analysed.
    assert!(u.is_complete(), "{:?}", u.incomplete);
}

/// A zip stopped by a limit says why it stopped, not that its end record is missing.
#[test]
fn stopped_zip_reports_why() {
    use std::io::Write;
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..16 {
        e.write_all(&zeros).expect("deflate");
    }
    let body = e.finish().expect("deflate");
    let name = b"bomb";
    let mut z = Vec::new();
    z.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    z.extend_from_slice(&[20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(&u32::try_from(body.len()).expect("len").to_le_bytes());
    z.extend_from_slice(&(16u32 << 20).to_le_bytes());
    z.extend_from_slice(&u16::try_from(name.len()).expect("n").to_le_bytes());
    z.extend_from_slice(&[0, 0]);
    z.extend_from_slice(name);
    z.extend_from_slice(&body);
    z.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    z.extend_from_slice(&[0; 18]);
    let u = unpack_bytes(z, &Options::default());
    let all = problems(&u);
    assert!(
        all.iter().any(|p| p.contains("zip reading stopped")),
        "{all:?}"
    );
    assert!(
        !all.iter().any(|p| p.contains("end-of-central-directory")),
        "{all:?}"
    );
}

/// Found by the `ext` fuzz target: a superblock claiming 2^32 blocks in
/// one-block groups made the ext reader allocate a descriptor table of
/// hundreds of gigabytes before reading it. The table cannot be in the image,
/// so the superblock is refused as a problem and nothing is allocated.
#[test]
fn ext_forged_group_count_is_refused_without_allocating() {
    let seed =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/ext/small.ext2");
    let mut img = std::fs::read(&seed).expect("fuzz/seeds/ext/small.ext2");
    assert!(
        touchstone_firmware::fuzzing::parse("ext", &img),
        "the seed is accepted"
    );
    img[1024 + 4..1024 + 8].copy_from_slice(&u32::MAX.to_le_bytes()); // blocks count
    img[1024 + 32..1024 + 36].copy_from_slice(&1u32.to_le_bytes()); // blocks per group
    let mut hi = img.clone();
    assert!(!touchstone_firmware::fuzzing::parse("ext", &img));
    // The same through the high half of the count, without the 64-bit feature.
    hi[1024 + 4..1024 + 8].copy_from_slice(&16u32.to_le_bytes());
    hi[1024 + 32..1024 + 36].copy_from_slice(&2u32.to_le_bytes());
    hi[1024 + 0x150..1024 + 0x154].copy_from_slice(&1u32.to_le_bytes());
    assert!(!touchstone_firmware::fuzzing::parse("ext", &hi));
    let u = unpack_bytes(img, &Options::default());
    assert!(has(&u, ProblemKind::Refused), "{:?}", problems(&u));
    assert!(!u.is_complete());
}
