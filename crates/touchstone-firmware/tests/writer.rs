//! `write_to_dir` never creates anything outside the output directory.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use touchstone_firmware::{
    Limits, Options, ProblemKind, WriteError, unpack, unpack_bytes, write_to_dir,
};

/// Every path below `root`, links not followed.
fn all_paths(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).expect("read_dir") {
            let p = e.expect("entry").path();
            let meta = fs::symlink_metadata(&p).expect("lstat");
            if meta.is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Checks the containment invariant: every link, followed by the OS, stays below `out`.
fn assert_contained(out: &Path) {
    let out = out.canonicalize().expect("canonical out");
    for p in all_paths(&out) {
        let meta = fs::symlink_metadata(&p).expect("lstat");
        assert!(
            meta.is_dir() || meta.is_file() || meta.file_type().is_symlink(),
            "{}",
            p.display()
        );
        if meta.file_type().is_symlink() {
            // A dangling link is fine (its target may only exist at run time); an
            // existing one must resolve inside the output.
            if let Ok(real) = p.canonicalize() {
                assert!(
                    real.starts_with(&out),
                    "{} -> {}",
                    p.display(),
                    real.display()
                );
            }
            let target = fs::read_link(&p).expect("readlink");
            assert!(
                target.is_relative(),
                "{} -> {}",
                p.display(),
                target.display()
            );
        }
    }
}

#[test]
fn dirtraversal_tar_writes_nothing_outside() {
    let Some(image) = common::corpus("binwalk/safety/dirtraversal.tar") else {
        return;
    };
    let u = unpack(&image, &Options::default());
    let tmp = tempfile::tempdir().expect("tempdir");
    // The output sits two levels down so that `../../` escapes would land in `tmp`.
    let out = tmp.path().join("a").join("out");
    let report = write_to_dir(&u, &out, &Limits::default()).expect("write");
    assert_eq!((report.files, report.directories, report.links), (4, 1, 6));
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // Nothing next to the output directory, nothing in `tmp` but `a/out`.
    let outside: Vec<_> = all_paths(tmp.path())
        .into_iter()
        .filter(|p| !p.starts_with(&out))
        .collect();
    assert_eq!(outside, [tmp.path().join("a")]);
    assert_contained(&out);
    let root = out.join("001-tar-0x0");
    let link = |p: &str| {
        fs::read_link(root.join(p))
            .expect("readlink")
            .to_string_lossy()
            .into_owned()
    };
    assert_eq!(link("bar"), "etc/passwd");
    assert_eq!(link("foo"), ".");
    assert_eq!(link("subdir/foo2"), "..");
    assert_eq!(link("subdir/bar2"), "../etc/shadow");
    assert_eq!(link("README2_link"), "subdir/README2.txt");
    assert_eq!(link("subdir/README_link"), "../README.txt");
    // The benign links still work on disk.
    assert_eq!(
        fs::read(root.join("subdir/README_link")).expect("read"),
        fs::read(root.join("README.txt")).expect("read")
    );
}

#[test]
fn refuses_a_non_empty_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(tmp.path().join("existing"), b"x").expect("write");
    let u = unpack_bytes(Vec::new(), &Options::default());
    assert!(matches!(
        write_to_dir(&u, tmp.path(), &Limits::default()),
        Err(WriteError::NotEmpty(_))
    ));
}

#[test]
fn links_through_links_stay_inside() {
    // tar: `up -> ../..`, `up2 -> up/up`, then a file written "through" `up2`.
    let mut t = Vec::new();
    let entry = |t: &mut Vec<u8>, name: &str, flag: u8, data: &[u8], link: &str| {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        h[148..156].copy_from_slice(b"        ");
        h[156] = flag;
        h[157..157 + link.len()].copy_from_slice(link.as_bytes());
        h[257..263].copy_from_slice(b"ustar\0");
        let sum: u32 = h.iter().map(|&c| u32::from(c)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        t.extend_from_slice(&h);
        t.extend_from_slice(data);
        t.resize(t.len().div_ceil(512) * 512, 0);
    };
    entry(&mut t, "up", b'2', b"", "../..");
    entry(&mut t, "up2", b'2', b"", "up/up");
    entry(&mut t, "up2/evil", b'0', b"pwned", "");
    entry(&mut t, "../../../evil2", b'0', b"pwned", "");
    t.extend_from_slice(&[0u8; 1024]);
    let u = unpack_bytes(t, &Options::default());
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("x").join("y").join("out");
    let report = write_to_dir(&u, &out, &Limits::default()).expect("write");
    assert_eq!(report.files, 1);
    let outside: Vec<_> = all_paths(tmp.path())
        .into_iter()
        .filter(|p| !p.starts_with(&out))
        .collect();
    assert_eq!(outside, [tmp.path().join("x"), tmp.path().join("x/y")]);
    assert_contained(&out);
    assert_eq!(
        fs::read(out.join("001-tar-0x0/evil2")).expect("evil2 kept inside"),
        b"pwned"
    );
}

/// A name the host cannot hold (one component over 255 bytes) is a problem; the other
/// entries are still written.
#[test]
fn unwritable_names_are_problems() {
    let long = "n".repeat(300);
    let mut c = Vec::new();
    for (name, data) in [(long.as_str(), &b"x"[..]), ("ok", &b"fine"[..])] {
        let name_z = format!("{name}\0");
        let hdr = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            1,
            0o100_644,
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            name_z.len(),
            0
        );
        c.extend_from_slice(hdr.as_bytes());
        c.extend_from_slice(name_z.as_bytes());
        c.resize(c.len().div_ceil(4) * 4, 0);
        c.extend_from_slice(data);
        c.resize(c.len().div_ceil(4) * 4, 0);
    }
    let trailer = "TRAILER!!!\0";
    c.extend_from_slice(
        format!("070701{}{:08x}{:08x}", "0".repeat(88), trailer.len(), 0).as_bytes(),
    );
    c.extend_from_slice(trailer.as_bytes());
    let u = unpack_bytes(c, &Options::default());
    assert_eq!(u.files, 2);
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let report = write_to_dir(&u, &out, &Limits::default()).expect("write");
    assert_eq!(report.files, 1);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(fs::read(out.join("001-cpio-0x0/ok")).expect("ok"), b"fine");
}

/// A nested archive is written beside its file, in `<file>.extracted/`.
#[test]
fn nested_layers_are_written_beside_their_file() {
    let mut inner = Vec::new();
    common::tar_file(&mut inner, "etc/shadow", b"root::0:0:::::\n");
    common::tar_end(&mut inner);
    let mut t = Vec::new();
    common::tar_file(&mut t, "data/payload.tar.gz", &common::gzip(&inner));
    common::tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let report = write_to_dir(&u, &out, &Limits::default()).expect("write");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let extracted = out.join("001-tar-0x0/data/payload.tar.gz.extracted");
    let inner_tree = fs::read_dir(&extracted)
        .expect("extracted dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.join("etc/shadow").is_file())
        .unwrap_or_else(|| panic!("{:?}", all_paths(&out)));
    assert_eq!(
        fs::read(inner_tree.join("etc/shadow")).expect("read"),
        b"root::0:0:::::\n"
    );
    assert_contained(&out);
}

/// 2,000 hard links to a 1 MiB file: written as hard links, 1 MiB on disk, not 2 GiB,
/// and none written empty.
#[test]
fn hard_links_are_written_as_hard_links() {
    use std::os::unix::fs::MetadataExt;
    let big: Vec<u8> = (0..1u32 << 20).map(|i| (i % 253) as u8).collect();
    let mut t = Vec::new();
    common::tar_file(&mut t, "bin/busybox", &big);
    for i in 0..2000 {
        common::tar_raw(
            &mut t,
            format!("bin/l{i}").as_bytes(),
            b'1',
            b"",
            0o755,
            "bin/busybox",
        );
    }
    common::tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let mut limits = Limits::default();
    limits.max_output_bytes = 64 << 20;
    let report = write_to_dir(&u, &out, &limits).expect("write");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.files, report.hard_links), (2001, 2000));
    assert_eq!(report.bytes, 1 << 20);
    let first = fs::metadata(out.join("001-tar-0x0/bin/busybox")).expect("busybox");
    let last = fs::metadata(out.join("001-tar-0x0/bin/l1999")).expect("link");
    assert_eq!(first.ino(), last.ino());
    assert_eq!(last.len(), 1 << 20);
}

/// A 2,000-deep tree (paths of 6,000 bytes, beyond PATH_MAX) is written completely.
#[test]
fn deep_tree_is_written_completely() {
    let depth = 2000;
    let name = format!("{}leaf", "dd/".repeat(depth));
    let mut t = Vec::new();
    common::tar_pax_entry(&mut t, &name, b'0', b"bottom\n", "");
    common::tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    assert_eq!(
        u.directories,
        depth as u64,
        "{:?}",
        u.all_problems().collect::<Vec<_>>()
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let report = write_to_dir(&u, &out, &Limits::default()).expect("write");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.files, report.directories), (1, depth as u64));
    // Walk down with relative opens to find the leaf.
    let mut dir = out.join("001-tar-0x0");
    let mut levels = 0;
    while dir.join("dd").is_dir() && levels < 100 {
        dir = dir.join("dd");
        levels += 1;
    }
    assert_eq!(levels, 100);
}

/// Files the output limit cuts are named one by one and counted, never silently empty.
#[test]
fn files_cut_by_the_output_limit_are_reported() {
    let mut t = Vec::new();
    for i in 0..3 {
        common::tar_file(
            &mut t,
            &format!("f{i}"),
            &vec![u8::try_from(i).expect("i") + 1; 400_000],
        );
    }
    common::tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let mut limits = Limits::default();
    limits.max_output_bytes = 900_000;
    let report = write_to_dir(&u, &out, &limits).expect("write");
    assert_eq!(report.incomplete, 1);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.path.as_deref() == Some("/f2") && p.kind == ProblemKind::LimitOutput),
        "{:?}",
        report.problems
    );
}

/// Names keep their exact bytes on disk: a name with an invalid UTF-8 byte,
/// one that really holds the text `\xff`, a UTF-8 name and a hard link with
/// an invalid byte in its name stay distinct names with the bytes the image
/// gave them.
#[test]
fn names_keep_their_exact_bytes_on_disk() {
    use std::os::unix::ffi::OsStrExt;
    let mut t = Vec::new();
    common::tar_raw(&mut t, b"d/a\xff", b'0', b"byte\n", 0o644, "");
    common::tar_raw(&mut t, b"d/a\\xff", b'0', b"text\n", 0o644, "");
    common::tar_raw(&mut t, b"d/caf\xc3\xa9", b'0', b"utf8\n", 0o644, "");
    common::tar_raw(&mut t, b"d/h\xfe", b'1', b"", 0o644, "d/caf\u{e9}");
    common::tar_end(&mut t);
    let u = unpack_bytes(t, &Options::default());
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("out");
    let report = write_to_dir(&u, &out, &Limits::default()).expect("write");
    assert_eq!(report.incomplete, 0, "{:?}", report.problems);
    let dir = all_paths(&out)
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == "d"))
        .expect("d written");
    let mut names: Vec<(Vec<u8>, Vec<u8>)> = fs::read_dir(&dir)
        .expect("read_dir")
        .map(|e| {
            let e = e.expect("entry");
            let content = fs::read(e.path()).expect("read");
            (e.file_name().as_bytes().to_vec(), content)
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            (b"a\\xff".to_vec(), b"text\n".to_vec()),
            (b"a\xff".to_vec(), b"byte\n".to_vec()),
            (b"caf\xc3\xa9".to_vec(), b"utf8\n".to_vec()),
            (b"h\xfe".to_vec(), b"utf8\n".to_vec()),
        ]
    );
}
