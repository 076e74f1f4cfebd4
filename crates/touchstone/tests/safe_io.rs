//! Hostile files, end to end (issue 16): every file the assessment reads or
//! writes. Each case runs the binary as a child under `prlimit --as` (a
//! memory limit) and waits for it with a timeout, so a hang or a runaway
//! allocation fails the test instead of the machine.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt as _;

const EPOCH: &str = "1795920706";
/// Address space for one run of the binary: far below what the bugs used
/// (23 GB for `/dev/zero`), far above what a correct run of the example needs.
const MEM: u64 = 512 << 20;
const TIMEOUT: Duration = Duration::from_secs(120);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn code(&self) -> i32 {
        self.code.unwrap_or(-1)
    }
}

/// Run the binary with an address-space limit and a timeout; stdout and
/// stderr go to files so a chatty child can never block on a full pipe.
fn run_limited(args: &[&str], mem: u64) -> Run {
    let out = tempfile::tempfile().expect("stdout file");
    let err = tempfile::tempfile().expect("stderr file");
    let mut child = Command::new("prlimit")
        .arg(format!("--as={mem}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_touchstone"))
        .args(args)
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("clone"))
        .stderr(err.try_clone().expect("clone"))
        .spawn()
        .expect("prlimit (util-linux) runs the touchstone binary");
    let status = match child.wait_timeout(TIMEOUT).expect("wait") {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("touchstone {args:?} did not finish within {TIMEOUT:?}: it hangs");
        }
    };
    Run {
        code: status.code(),
        stdout: read_back(out),
        stderr: read_back(err),
    }
}

fn run(args: &[&str]) -> Run {
    run_limited(args, MEM)
}

fn read_back(mut f: File) -> String {
    use std::io::Seek as _;
    f.rewind().expect("rewind");
    let mut s = String::new();
    f.read_to_string(&mut s).expect("utf-8 output");
    s
}

fn example_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_dir(&root().join("examples/smart-plug"), tmp.path());
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(ok.success(), "mkfifo {}", path.display());
}

fn replace_with_symlink(path: &Path, target: &Path) {
    let _ = std::fs::remove_file(path);
    std::os::unix::fs::symlink(target, path).expect("symlink");
}

/// `validate` must fail with exit 2, saying `expect`, and never claim the project is valid.
fn assert_invalid(dir: &Path, expect: &str) -> Run {
    let r = run(&["validate", s(dir)]);
    assert_eq!(r.code(), 2, "stdout {}\nstderr {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(expect),
        "want `{expect}` in:\n{}",
        r.stderr
    );
    assert!(!r.stdout.contains("is valid"), "{}", r.stdout);
    let a = run(&["assess", s(dir)]);
    assert_eq!(a.code(), 2, "assess: {}", a.stderr);
    assert!(a.stderr.contains("nothing assessed"), "{}", a.stderr);
    r
}

#[test]
fn a_fifo_as_any_project_file_is_an_error_not_a_hang() {
    for name in ["touchstone.toml", "ics.toml", "ixit.toml", "evidence.toml"] {
        let p = example_copy();
        mkfifo(&p.path().join(name));
        assert_invalid(p.path(), "is a FIFO (named pipe), not a regular file");
    }
}

#[test]
fn a_fifo_or_a_link_to_a_device_as_attachment_is_an_error() {
    let p = example_copy();
    let attachment = p.path().join("evidence/label-photo-notes.txt");
    mkfifo(&attachment);
    assert_invalid(p.path(), "is a FIFO (named pipe)");
    // A device is reached only through a link, which leaves the project.
    replace_with_symlink(&attachment, Path::new("/dev/zero"));
    let r = assert_invalid(p.path(), "outside the project");
    assert!(r.stderr.contains("warning"), "{}", r.stderr);
    assert!(r.stderr.contains("`/dev/zero`"), "{}", r.stderr);
}

#[test]
fn device_nodes_and_sockets_inside_the_project_are_errors() {
    // /dev/zero (1,5) and /dev/urandom (1,9) as project files and an
    // attachment: mknod needs root, which the suite runs as (scripts/test).
    for (name, minor) in [
        ("ics.toml", "5"),
        ("evidence.toml", "9"),
        ("evidence/label-photo-notes.txt", "5"),
    ] {
        let p = example_copy();
        let path = p.path().join(name);
        std::fs::remove_file(&path).expect("rm");
        let made = Command::new("mknod")
            .arg(&path)
            .args(["c", "1", minor])
            .status()
            .expect("mknod runs");
        assert!(made.success(), "mknod {name} (the tests run as root)");
        assert_invalid(p.path(), "is a character device, not a regular file");
    }
    let p = example_copy();
    let path = p.path().join("ixit.toml");
    std::fs::remove_file(&path).expect("rm");
    let _socket = std::os::unix::net::UnixListener::bind(&path).expect("socket");
    assert_invalid(p.path(), "is a socket, not a regular file");
}

#[test]
fn a_directory_as_project_file_is_an_error() {
    let p = example_copy();
    let evidence = p.path().join("evidence.toml");
    std::fs::remove_file(&evidence).expect("rm");
    std::fs::create_dir(&evidence).expect("mkdir");
    assert_invalid(p.path(), "is a directory, not a regular file");
}

#[test]
fn invalid_utf8_in_each_project_file_is_an_error_with_its_position() {
    for name in ["touchstone.toml", "ics.toml", "ixit.toml", "evidence.toml"] {
        let p = example_copy();
        let path = p.path().join(name);
        let mut bytes = std::fs::read(&path).expect("read");
        bytes.extend_from_slice(b"# caf\xe9\n");
        let line = bytes.iter().filter(|b| **b == b'\n').count();
        std::fs::write(&path, bytes).expect("write");
        let r = assert_invalid(p.path(), "is not valid UTF-8 text: invalid byte 0xe9");
        assert!(
            r.stderr.contains(&format!("at line {line}, column 6")),
            "{name}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(name), "{}", r.stderr);
    }
}

#[test]
fn symlinks_out_of_the_project_are_not_followed() {
    let outside = tempfile::tempdir().expect("dir");
    let secret = outside.path().join("secret.toml");
    std::fs::copy(root().join("examples/smart-plug/ics.toml"), &secret).expect("copy");

    // A project file.
    let p = example_copy();
    replace_with_symlink(&p.path().join("ics.toml"), &secret);
    let r = assert_invalid(p.path(), "outside the project: not read");
    assert!(r.stderr.contains("warning"), "{}", r.stderr);
    assert!(
        r.stderr.contains(s(&secret)),
        "names the target: {}",
        r.stderr
    );

    // A findings file named in touchstone.toml.
    let p = example_copy();
    let findings = outside.path().join("scan.json");
    std::fs::copy(
        root().join("examples/smart-plug/findings/lab-scan.json"),
        &findings,
    )
    .expect("copy");
    replace_with_symlink(&p.path().join("findings/lab-scan.json"), &findings);
    let r = run(&["assess", s(p.path())]);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stderr.contains("warning: findings file"), "{}", r.stderr);
    assert!(r.stderr.contains(s(&findings)), "{}", r.stderr);

    // A dangling link is not an absent (optional) file.
    let p = example_copy();
    replace_with_symlink(&p.path().join("evidence.toml"), Path::new("gone.toml"));
    assert_invalid(
        p.path(),
        "is a symbolic link to `gone.toml`, which does not exist",
    );

    // Links that stay inside the project are fine.
    let p = example_copy();
    let notes = p.path().join("evidence/label-photo-notes.txt");
    std::fs::rename(&notes, p.path().join("notes-real.txt")).expect("mv");
    std::os::unix::fs::symlink("../notes-real.txt", &notes).expect("link");
    let r = run(&["validate", s(p.path())]);
    assert_eq!(r.code(), 0, "{}", r.stderr);
}

#[test]
fn devices_given_as_findings_or_vulnerability_data_are_refused_quickly() {
    for dev in ["/dev/zero", "/dev/urandom", "/dev/null"] {
        let r = run(&["assess", "examples/smart-plug", "--findings", dev]);
        assert_eq!(r.code(), 2, "{dev}: {}", r.stderr);
        assert!(r.stderr.contains("is a character device"), "{}", r.stderr);
        let r = run(&["vulndb", "show", "--db", dev]);
        assert_eq!(r.code(), 2, "{dev}: {}", r.stderr);
        assert!(r.stderr.contains("is a character device"), "{}", r.stderr);
        let r = run(&["hash", dev]);
        assert_eq!(r.code(), 2, "{dev}: {}", r.stderr);
    }
    let tmp = tempfile::tempdir().expect("dir");
    let fifo = tmp.path().join("pipe.json");
    mkfifo(&fifo);
    let r = run(&["assess", "examples/smart-plug", "--findings", s(&fifo)]);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stderr.contains("FIFO"), "{}", r.stderr);
    let db = tmp.path().join("db.json");
    let r = run(&["vulndb", "import", "--db", s(&db), s(&fifo)]);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stderr.contains("FIFO"), "{}", r.stderr);
    let r = run(&["assess", "examples/smart-plug", "--findings", s(tmp.path())]);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
}

#[test]
fn oversized_inputs_name_file_size_and_limit() {
    let tmp = tempfile::tempdir().expect("dir");
    // Findings: over an explicit limit, then accepted once it is raised.
    let findings = root().join("examples/smart-plug/findings/lab-scan.json");
    let size = std::fs::metadata(&findings).expect("stat").len();
    let r = run(&[
        "assess",
        "examples/smart-plug",
        "--findings",
        s(&findings),
        "--max-findings-size",
        "1K",
    ]);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stderr.contains("lab-scan.json"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("({size} bytes)")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("over the limit of 1.0 KiB"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--max-findings-size"), "{}", r.stderr);
    let r = run(&[
        "assess",
        "examples/smart-plug",
        "--findings",
        s(&findings),
        "--max-findings-size",
        "1M",
        "--fail-on",
        "never",
    ]);
    assert_eq!(r.code(), 0, "{}", r.stderr);

    // OSV data on import, and imported data on use.
    let osv = tmp.path().join("osv.json");
    std::fs::write(
        &osv,
        r#"{"id": "CVE-2014-0160", "summary": "heartbleed", "affected": [{"package": {"name": "openssl"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0.1"}, {"fixed": "1.0.1g"}]}]}]}"#,
    )
    .expect("write");
    let db = tmp.path().join("db.json");
    let r = run(&[
        "vulndb",
        "import",
        "--db",
        s(&db),
        "--max-vulndb-size",
        "100",
        s(&osv),
    ]);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("over the limit of 100 bytes for vulnerability data")
    );
    assert!(r.stderr.contains("--max-vulndb-size"), "{}", r.stderr);
    assert!(!db.exists());
    let r = run(&["vulndb", "import", "--db", s(&db), s(&osv)]);
    assert_eq!(r.code(), 0, "{}", r.stderr);
    let r = run(&["vulndb", "show", "--db", s(&db), "--max-vulndb-size", "10"]);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("over the limit of 10 bytes"),
        "{}",
        r.stderr
    );

    // A project file over its fixed limit (8 MiB).
    let p = example_copy();
    let ixit = p.path().join("ixit.toml");
    let mut text = std::fs::read_to_string(&ixit).expect("read");
    let comment = format!("# {}\n", "x".repeat(1022));
    while text.len() <= 8 << 20 {
        text.push_str(&comment);
    }
    std::fs::write(&ixit, &text).expect("write");
    let r = assert_invalid(p.path(), "over the limit of 8.0 MiB");
    assert!(r.stderr.contains("ixit.toml"), "{}", r.stderr);
    assert!(r.stderr.contains("Input limits"), "{}", r.stderr);

    // An attachment over its limit (16 GiB), as a sparse file: refused
    // from its size, before a byte is read.
    let p = example_copy();
    let big = p.path().join("evidence/label-photo-notes.txt");
    File::create(&big)
        .expect("create")
        .set_len(17 << 30)
        .expect("sparse file");
    assert_invalid(p.path(), "over the limit of 16.0 GiB");
}

#[test]
fn a_large_findings_file_is_parsed_in_bounded_memory() {
    // 20,000 findings (about 7 MB): parsed as they are read, within a 512 MiB
    // address space that also holds the whole debug binary and the report.
    let tmp = tempfile::tempdir().expect("dir");
    let path = tmp.path().join("many.json");
    write_findings(&path, 20_000, |n| format!("telnetd starts at boot ({n})"));
    let r = run(&["assess", "examples/smart-plug", "--findings", s(&path)]);
    assert_eq!(r.code(), 1, "the findings fail 5.6-1: {}", r.stderr);
}

/// A findings file of `n` failing telnet findings with messages from `message`.
fn write_findings(path: &Path, n: usize, message: impl Fn(usize) -> String) {
    let findings: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "check": "fw-telnetd-enabled", "severity": "high", "supports": "fail",
                "provisions": ["5.6-1"], "test_units": ["5.6-1-2b"],
                "location": {"kind": "firmware", "image": "fw.bin", "path": format!("/etc/inittab.{i}"), "layers": ["squashfs@0x0"]},
                "message": message(i), "evidence": format!("::respawn:/usr/sbin/telnetd -F {i}")
            })
        })
        .collect();
    let set = serde_json::json!({"schema": "touchstone.findings/v1", "findings": findings});
    std::fs::write(path, serde_json::to_vec(&set).expect("json")).expect("write");
}

#[test]
fn an_unreadable_directory_for_one_report_writes_no_report_at_all() {
    let tmp = tempfile::tempdir().expect("dir");
    let good = tmp.path().join("good");
    let ro = tmp.path().join("ro");
    std::fs::create_dir(&good).expect("mkdir");
    std::fs::create_dir(&ro).expect("mkdir");
    let _guard = ReadOnly::new(&ro);
    let r = run(&[
        "assess",
        "examples/smart-plug",
        "--report",
        s(&good.join("a.html")),
        "--report",
        s(&ro.join("b.json")),
        "--report",
        s(&good.join("c.md")),
    ]);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot write report"), "{}", r.stderr);
    assert!(r.stderr.contains("b.json"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_dir(&good).expect("dir").count(),
        0,
        "no partial set of reports"
    );
    // Checked before any work: not even the project was read.
    assert!(!r.stderr.contains("nothing assessed"), "{}", r.stderr);
}

/// A directory nobody can create files in, even root (`chattr +i`), until dropped.
struct ReadOnly(PathBuf);

impl ReadOnly {
    fn new(dir: &Path) -> ReadOnly {
        let root_user = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.trim_ascii() == b"0")
            .unwrap_or(false);
        if root_user {
            let ok = Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .status()
                .expect("chattr (e2fsprogs) runs");
            assert!(ok.success(), "chattr +i {}", dir.display());
        } else {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        }
        ReadOnly(dir.to_path_buf())
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn planted_symlinks_never_redirect_a_report() {
    let tmp = tempfile::tempdir().expect("dir");
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, "precious\n").expect("write");
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    // Every name the old code could have used for this run's temporary file
    // (`.NAME.PID.tmp`), and names with the current prefix.
    for pid in 1..=4096 {
        std::os::unix::fs::symlink(&victim, out.join(format!(".report.html.{pid}.tmp")))
            .expect("link");
    }
    for name in [
        ".touchstone-tmp-1-aaaaaaaaaaaa.tmp",
        ".touchstone-tmp-2147483-x.tmp",
    ] {
        std::os::unix::fs::symlink(&victim, out.join(name)).expect("link");
    }
    // The report path itself a link to the victim: replaced, never followed.
    let md = out.join("report.md");
    std::os::unix::fs::symlink(&victim, &md).expect("link");
    let html = out.join("report.html");
    let r = run(&[
        "assess",
        "examples/smart-plug",
        "--report",
        s(&html),
        "--report",
        s(&md),
        "--fail-on",
        "never",
    ]);
    assert_eq!(r.code(), 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&victim).expect("read"),
        "precious\n"
    );
    assert!(
        std::fs::read_to_string(&html)
            .expect("html")
            .ends_with("</html>\n")
    );
    assert!(!std::fs::symlink_metadata(&md).expect("md").is_symlink());
    assert!(
        std::fs::read_to_string(&md)
            .expect("md")
            .starts_with("# EN 303 645")
    );
}

#[test]
fn kill_9_while_writing_leaves_the_old_or_the_new_report_and_no_litter() {
    let tmp = tempfile::tempdir().expect("dir");
    let findings = tmp.path().join("many.json");
    write_findings(&findings, 20_000, |n| {
        format!("telnetd starts at boot ({n})")
    });
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let html = out.join("report.html");
    let md = out.join("report.md");
    let args = |html: &Path, md: &Path| {
        vec![
            "assess".to_owned(),
            "examples/smart-plug".to_owned(),
            "--findings".to_owned(),
            s(&findings).to_owned(),
            "--report".to_owned(),
            s(html).to_owned(),
            "--report".to_owned(),
            s(md).to_owned(),
            "--format".to_owned(),
            "json".to_owned(),
        ]
    };
    // The complete new reports, for comparison.
    let ref_dir = tmp.path().join("ref");
    std::fs::create_dir(&ref_dir).expect("mkdir");
    let (ref_html, ref_md) = (ref_dir.join("report.html"), ref_dir.join("report.md"));
    let a = args(&ref_html, &ref_md);
    let r = run_limited(&a.iter().map(String::as_str).collect::<Vec<_>>(), 1 << 30);
    assert_eq!(r.code(), 1, "{}", r.stderr);
    let new_html = std::fs::read(&ref_html).expect("html");
    let new_md = std::fs::read(&ref_md).expect("md");
    assert!(new_html.len() > 1 << 20, "a big report: {}", new_html.len());

    let old = b"the old report\n".to_vec();
    let mut killed_while_staged = 0;
    for round in 0..6u32 {
        std::fs::write(&html, &old).expect("write");
        std::fs::write(&md, &old).expect("write");
        // prlimit execs the binary: same process, limited address space.
        let mut child = Command::new("prlimit")
            .arg(format!("--as={}", 1u64 << 30))
            .arg("--")
            .arg(env!("CARGO_BIN_EXE_touchstone"))
            .args(args(&html, &md))
            .current_dir(root())
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        // Kill at a different moment each round: on the first sight of a
        // temporary file, then a little later each time, or at once.
        let deadline = Instant::now() + TIMEOUT;
        let mut extra = 0u32;
        if round > 0 {
            loop {
                assert!(Instant::now() < deadline, "no temporary file appeared");
                if temporaries(&out).next().is_some() {
                    killed_while_staged += 1;
                    break;
                }
                if child.try_wait().expect("try_wait").is_some() {
                    break;
                }
                std::thread::yield_now();
            }
            while extra < (round - 1) * 20_000 {
                extra += 1;
                std::hint::spin_loop();
            }
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        for (path, new) in [(&html, &new_html), (&md, &new_md)] {
            let now = std::fs::read(path).expect("the report is still there");
            assert!(
                now == old || &now == new,
                "round {round}: {} is neither the old nor the new report ({} bytes)",
                path.display(),
                now.len()
            );
        }
    }
    assert!(killed_while_staged > 0, "the kill never hit a write");
    // Each killed run's litter was removed by the next one; the last one's
    // may still be there, for the run below to remove.
    // The next run removes what the killed ones left, and writes complete reports.
    let a = args(&html, &md);
    let r = run_limited(&a.iter().map(String::as_str).collect::<Vec<_>>(), 1 << 30);
    assert_eq!(r.code(), 1, "{}", r.stderr);
    let litter: Vec<_> = temporaries(&out).collect();
    assert!(litter.is_empty(), "litter: {litter:?}");
    assert_eq!(std::fs::read(&html).expect("html"), new_html);
    assert_eq!(std::fs::read(&md).expect("md"), new_md);
}

fn temporaries(dir: &Path) -> impl Iterator<Item = String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".touchstone-tmp-"))
}

/// Text that tries everything: terminal escapes (clear screen, title, colour),
/// a forged line and table row, bidi reordering, C1 CSI, NUL, and the
/// characters XML 1.0 forbids.
const HOSTILE: &str = "evil\u{1b}[2J\u{1b}]0;owned\u{7}\u{1b}[31m\r\nFAIL | forged | row\u{202e}txt.exe\u{9b}1m\u{0}\u{b}\u{fffe}\u{ffff}<x>&\"'`";

fn bad_for_terminal(c: char) -> bool {
    c != '\n' && (c.is_control() || touchstone_core::text::is_unsafe_for_display(c))
}

#[test]
fn hostile_text_is_escaped_in_every_text_format() {
    let p = example_copy();
    // The device in touchstone.toml and a record's notes in evidence.toml...
    let toml_hostile = toml_escape(HOSTILE);
    let project = p.path().join("touchstone.toml");
    let text = std::fs::read_to_string(&project).expect("read");
    let text = text.replacen(
        "maker = \"Lumio Home Ltd (fictional)\"",
        &format!("maker = \"{toml_hostile}\""),
        1,
    );
    std::fs::write(&project, text).expect("write");
    // ...and every text field of a findings file.
    let findings = p.path().join("hostile.json");
    let set = serde_json::json!({"schema": "touchstone.findings/v1", "findings": [{
        "check": format!("x-{HOSTILE}"), "severity": "high", "supports": "fail",
        "provisions": ["5.6-1"], "test_units": ["5.6-1-2b"],
        "location": {"kind": "firmware", "image": HOSTILE, "path": format!("/{HOSTILE}"), "layers": [HOSTILE]},
        "message": HOSTILE, "evidence": HOSTILE
    }]});
    std::fs::write(&findings, serde_json::to_vec(&set).expect("json")).expect("write");
    let out = p.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let report = |ext: &str| out.join(format!("r.{ext}"));
    let mut args = vec![
        "assess".to_owned(),
        s(p.path()).to_owned(),
        "--findings".to_owned(),
        s(&findings).to_owned(),
    ];
    for ext in ["txt", "md", "xml", "html", "json", "sarif"] {
        args.push("--report".to_owned());
        args.push(s(&report(ext)).to_owned());
    }
    let r = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(r.code(), 1, "{}", r.stderr);
    // The terminal summary, and the .txt report.
    for (name, text) in [
        ("stdout", r.stdout.clone()),
        ("stderr", r.stderr.clone()),
        ("txt", std::fs::read_to_string(report("txt")).expect("txt")),
    ] {
        assert!(!text.chars().any(bad_for_terminal), "{name}: {text:?}");
        assert!(!text.contains("\nFAIL | forged"), "{name}: forged line");
    }
    assert!(r.stdout.contains("evil\\x1b[2J"), "{}", r.stdout);
    // Markdown: no control character, no forged row, the text visible.
    let md = std::fs::read_to_string(report("md")).expect("md");
    assert!(!md.chars().any(bad_for_terminal), "{md:?}");
    assert!(!md.contains("\nFAIL | forged"), "forged row");
    assert!(md.contains("evil\\\\x1b[2J"), "visible escapes");
    for line in md.lines().filter(|l| l.contains("evil")) {
        assert!(!line.contains("<x>"), "raw HTML: {line}");
    }
    // JUnit XML: well-formed, nothing XML forbids, the text visible.
    let xml = std::fs::read_to_string(report("xml")).expect("xml");
    roxmltree::Document::parse(&xml).expect("well-formed JUnit XML");
    assert!(!xml.chars().any(bad_for_terminal), "{xml:?}");
    assert!(!xml.contains(['\u{fffe}', '\u{ffff}']));
    // JSON and SARIF keep the exact text, escaped by JSON itself.
    for ext in ["json", "sarif"] {
        let text = std::fs::read_to_string(report(ext)).expect(ext);
        assert!(!text.chars().any(|c| c < ' ' && c != '\n'), "{ext}");
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert!(v.to_string().contains("evil"));
    }
    assert!(
        std::fs::read_to_string(report("json"))
            .expect("json")
            .contains("\\u001b[2J")
    );
}

#[test]
fn every_string_of_the_report_model_is_escaped_by_the_text_renderers() {
    // Take the example's report, put hostile text into every string field
    // that accepts any text (enums and ids with a fixed vocabulary refuse it
    // and are skipped), and render the text formats.
    let r = run(&[
        "assess",
        "examples/smart-plug",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(r.code(), 0, "{}", r.stderr);
    let mut value: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let mut patterns = Vec::new();
    collect_string_paths(&value, String::new(), &mut patterns);
    patterns.sort();
    patterns.dedup();
    let mut accepted = 0;
    for pattern in &patterns {
        let mut candidate = value.clone();
        poison(&mut candidate, String::new(), pattern);
        if serde_json::from_value::<touchstone_report::Report>(candidate.clone()).is_ok() {
            value = candidate;
            accepted += 1;
        }
    }
    assert!(accepted > 20, "only {accepted} string fields took text");
    let report: touchstone_report::Report = serde_json::from_value(value).expect("report");
    let term =
        touchstone_report::terminal::render(&report, touchstone_report::terminal::Color::Never);
    let md = touchstone_report::markdown::render(&report);
    let xml = touchstone_report::junit::render(&report);
    for (name, text) in [("terminal", &term), ("markdown", &md), ("junit", &xml)] {
        let bad: Vec<&str> = text
            .lines()
            .filter(|l| l.chars().any(bad_for_terminal))
            .take(3)
            .collect();
        assert!(bad.is_empty(), "{name}: {bad:?}");
        assert!(text.contains("evil"), "{name}: hostile text reached it");
        assert!(!text.contains("\nFAIL | forged"), "{name}: forged line");
    }
    roxmltree::Document::parse(&xml).expect("well-formed JUnit XML");
}

/// Paths of string leaves with array indices replaced by `*`.
fn collect_string_paths(v: &serde_json::Value, path: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(_) => out.push(path),
        serde_json::Value::Array(a) => {
            for x in a {
                collect_string_paths(x, format!("{path}/*"), out);
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                collect_string_paths(x, format!("{path}/{k}"), out);
            }
        }
        _ => {}
    }
}

/// Replace every string at `pattern` with hostile text around the original.
fn poison(v: &mut serde_json::Value, path: String, pattern: &str) {
    match v {
        serde_json::Value::String(s) if path == pattern => *s = format!("{s}{HOSTILE}"),
        serde_json::Value::Array(a) => {
            for x in a {
                poison(x, format!("{path}/*"), pattern);
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                poison(x, format!("{path}/{k}"), pattern);
            }
        }
        _ => {}
    }
}

/// A TOML basic-string body for any text.
fn toml_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' => "\\\"".to_owned(),
            '\\' => "\\\\".to_owned(),
            c if c.is_control() => format!("\\u{:04X}", c as u32),
            c => c.to_string(),
        })
        .collect()
}
