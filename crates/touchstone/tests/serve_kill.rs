//! `kill -9` of `touchstone serve` in the middle of an upload loses no
//! committed record and leaves no partial attachment in the store.
//!
//! The real binary is started on 127.0.0.1 with an ephemeral port over a
//! temporary SQLite store holding the example and one assessor account. A
//! record with an attachment is saved through the workbench (committed);
//! then a large attachment is streamed to another test case and the server
//! is killed with SIGKILL once the upload has reached its temporary file.
//! A second server on the same store must start, show the committed record
//! with its attachment, and the store must hold exactly what it held before
//! the upload began (same blobs, same files, same records, same verdict
//! versions); the export carries the committed attachment byte for byte.
//!
//! Synchronisation is on observable events only, each with a deadline: the
//! server's "workbench: http://ADDR/" line (printed after the socket is
//! bound) and the upload's bytes on disk in the server's own `TMPDIR`.

#![allow(clippy::unwrap_used, clippy::print_stderr)]
#![cfg(unix)]

use std::io::{BufRead as _, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use touchstone_store::{Location, Store, UserRole};

const PASSWORD: &str = "correct horse battery";
const DEADLINE: Duration = Duration::from_secs(60);
const NOTES: &str = "Telnet closed on every interface.";
const COMMITTED: &[u8] = b"bench log: telnet closed on all interfaces\n";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/smart-plug")
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// A running `touchstone serve`, killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Start the server on `db` with its temporary files under `tmp`, and
    /// wait (bounded) for the line saying it listens.
    fn start(db: &Path, tmp: &Path) -> Server {
        std::fs::create_dir_all(tmp).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_touchstone"))
            .args(["serve", "--listen", "127.0.0.1:0", "--upload-limit", "64"])
            .arg("--db")
            .arg(format!("sqlite:{}", db.display()))
            .env("NO_COLOR", "1")
            .env("TMPDIR", tmp)
            .env_remove("TOUCHSTONE_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Owned by a `Server` at once, so a failed wait still kills it.
        let mut server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let err = server.child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                // The receiver goes away once the address is known; keep
                // draining so the server never blocks on a full pipe.
                let _ = tx.send(line);
            }
        });
        let until = Instant::now() + DEADLINE;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .expect("the server did not say it listens in time");
            if let Some(rest) = line.strip_prefix("workbench: http://") {
                server.addr = rest.trim_end_matches('/').parse().unwrap();
                return server;
            }
        }
    }

    /// SIGKILL, and check that is what ended it.
    fn kill9(mut self) {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "{status:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    cookie: Option<String>,
    body: String,
}

/// One HTTP/1.1 exchange on a fresh connection (`Connection: close`).
fn exchange(addr: SocketAddr, head: &str, body: &[u8]) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s.set_write_timeout(Some(DEADLINE)).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (headers, body) = text.split_once("\r\n\r\n").unwrap();
    let status = headers.split(' ').nth(1).unwrap().parse().unwrap();
    let cookie = headers
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .map(|v| v.split(';').next().unwrap().to_owned());
    Reply {
        status,
        cookie,
        body: body.to_owned(),
    }
}

fn get(addr: SocketAddr, path: &str, cookie: &str) -> Reply {
    exchange(
        addr,
        &format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        ),
        b"",
    )
}

fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in:\n{page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

fn log_in(addr: SocketAddr, login: &str) -> String {
    let page = get(addr, "/login", "");
    let anon = page.cookie.unwrap();
    let body = format!(
        "csrf={}&login={login}&password={}",
        hidden(&page.body, "csrf"),
        PASSWORD.replace(' ', "+")
    );
    let r = exchange(
        addr,
        &format!(
            "POST /login HTTP/1.1\r\nHost: {addr}\r\nCookie: {anon}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ),
        body.as_bytes(),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    r.cookie.unwrap()
}

const BOUNDARY: &str = "XtouchstoneKillBoundaryX";

/// The multipart text before a file's bytes: the fields, then the file
/// part's header.
fn multipart_head(fields: &[(&str, &str)], file_name: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body
}

fn multipart_tail() -> Vec<u8> {
    format!("\r\n--{BOUNDARY}--\r\n").into_bytes()
}

fn post_head(addr: SocketAddr, path: &str, cookie: &str, length: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    )
}

/// The size of the largest file under `dir` (its upload directories).
fn largest_file(dir: &Path) -> u64 {
    let mut best = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                stack.push(e.path());
            } else {
                best = best.max(meta.len());
            }
        }
    }
    best
}

/// Everything the store holds for the assessment that a lost or partial
/// write would change.
#[derive(Debug, PartialEq)]
struct Snapshot {
    blobs: (u64, u64),
    files: Vec<(String, String, String)>,
    records: usize,
    verdicts: Vec<(String, i64)>,
}

async fn snapshot(store: &Store, id: &str) -> Snapshot {
    let mut verdicts: Vec<(String, i64)> = store
        .verdicts(id)
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.test_case, v.version))
        .collect();
    verdicts.sort();
    let mut files = store.files(id).await.unwrap();
    files.sort();
    Snapshot {
        blobs: store.blob_totals().await.unwrap(),
        files,
        records: store.records(id).await.unwrap().len(),
        verdicts,
    }
}

/// Test cases waiting for a person, without automated findings.
async fn manual_cases(store: &Store, id: &str) -> Vec<String> {
    let ev = store.evaluate(id).await.unwrap();
    ev.assessment
        .provisions
        .iter()
        .flat_map(|p| &p.cases)
        .filter(|c| c.verdict == touchstone_core::Verdict::NeedsManual && c.findings.is_empty())
        .map(|c| c.id.clone())
        .collect()
}

#[test]
fn kill_9_during_an_upload_loses_no_committed_record() {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("store.db");
    let location = Location::Sqlite(db.clone());
    let (id, cases) = block_on(async {
        let store = Store::open(&location).await.unwrap();
        let hash = touchstone_web::hash_password(PASSWORD).unwrap();
        store
            .set_password_hash("alice", UserRole::Assessor, &hash, "test")
            .await
            .unwrap();
        let id = store.import_project(&example(), "alice").await.unwrap().id;
        let cases = manual_cases(&store, &id).await;
        store.close().await;
        (id, cases)
    });
    assert!(cases.len() >= 2, "{cases:?}");
    let (committed_case, upload_case) = (&cases[0], &cases[1]);

    // 1. A record with an attachment, committed through the workbench.
    let first_tmp = work.path().join("tmp-first");
    let server = Server::start(&db, &first_tmp);
    let addr = server.addr;
    let alice = log_in(addr, "alice");
    let path = format!("/a/{id}/tc/{committed_case}");
    let page = get(addr, &path, &alice);
    assert_eq!(page.status, 200, "{}", page.body);
    let mut body = multipart_head(
        &[
            ("csrf", &hidden(&page.body, "csrf")),
            ("version", &hidden(&page.body, "version")),
            ("verdict", "PASS"),
            ("notes", NOTES),
        ],
        "committed-log.txt",
    );
    body.extend_from_slice(COMMITTED);
    body.extend_from_slice(&multipart_tail());
    let r = exchange(addr, &post_head(addr, &path, &alice, body.len()), &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Saved record"), "{}", r.body);
    let before = block_on(async {
        let store = Store::open(&location).await.unwrap();
        let s = snapshot(&store, &id).await;
        store.close().await;
        s
    });
    assert!(
        before
            .files
            .iter()
            .any(|(p, _, _)| p == "evidence/committed-log.txt"),
        "{before:?}"
    );

    // 2. A large upload to another test case, streamed; the server is
    //    killed once its bytes reach the upload's temporary file.
    let path = format!("/a/{id}/tc/{upload_case}");
    let page = get(addr, &path, &alice);
    assert_eq!(page.status, 200, "{}", page.body);
    let head = multipart_head(
        &[
            ("csrf", &hidden(&page.body, "csrf")),
            ("version", &hidden(&page.body, "version")),
            ("verdict", "PASS"),
            ("notes", "the firmware image"),
        ],
        "big-image.bin",
    );
    let total_file: usize = 48 << 20;
    let length = head.len() + total_file + multipart_tail().len();
    let mut upload = TcpStream::connect(addr).unwrap();
    upload.set_write_timeout(Some(DEADLINE)).unwrap();
    upload
        .write_all(post_head(addr, &path, &alice, length).as_bytes())
        .unwrap();
    upload.write_all(&head).unwrap();
    let chunk = vec![0xA5u8; 256 << 10];
    let mut sent = 0;
    let until = Instant::now() + DEADLINE;
    // Keep sending (less than the whole file) until the server has written
    // at least 1 MiB of it to disk.
    while largest_file(&first_tmp) < 1 << 20 {
        assert!(Instant::now() < until, "the upload never reached the disk");
        if sent + chunk.len() < total_file / 2 {
            upload.write_all(&chunk).unwrap();
            sent += chunk.len();
        } else {
            std::thread::yield_now();
        }
    }
    server.kill9();
    let partial = largest_file(&first_tmp);
    assert!(
        partial >= 1 << 20 && partial < total_file as u64,
        "{partial}"
    );
    drop(upload);

    // 3. A new server on the same store: the committed record is there,
    //    with its attachment; nothing of the upload is.
    let server = Server::start(&db, &work.path().join("tmp-second"));
    let addr = server.addr;
    let alice = log_in(addr, "alice");
    let page = get(addr, &format!("/a/{id}/tc/{committed_case}"), &alice);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(NOTES), "{}", page.body);
    let page = get(addr, &format!("/a/{id}/tc/{upload_case}"), &alice);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("the firmware image"), "{}", page.body);
    server.kill9();
    let export = work.path().join("export");
    let after = block_on(async {
        let store = Store::open(&location).await.unwrap();
        let s = snapshot(&store, &id).await;
        store.export_project(&id, &export).await.unwrap();
        let ev = store.evaluate(&id).await.unwrap();
        let record = ev
            .project
            .records
            .iter()
            .find(|r| &r.test_case == committed_case)
            .unwrap()
            .clone();
        assert_eq!(record.attachments.len(), 1);
        assert_eq!(record.attachments[0].path, "evidence/committed-log.txt");
        store.close().await;
        s
    });
    assert_eq!(after, before);
    assert_eq!(
        std::fs::read(export.join("evidence/committed-log.txt")).unwrap(),
        COMMITTED
    );
    assert!(!export.join("evidence/big-image.bin").exists());
}
