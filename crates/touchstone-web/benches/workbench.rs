//! Workbench load figures for BENCHMARKS.md (not run in CI):
//!
//! - the test-case queue of an assessment with 500 findings (`GET /a/ID/queue`),
//! - the list of 1,000 assessments (`GET /`),
//! - 20 concurrent assessors recording verdicts (each on its own test case:
//!   read the form, post the save), bounded in count (`SAVES` each) and in
//!   time (`LOAD_TIME` for the whole load),
//!
//! on SQLite (a fresh temporary file) and, when `TOUCHSTONE_TEST_POSTGRES`
//! is set (`scripts/with-postgres cargo bench -p touchstone-web --bench
//! workbench`), on a fresh database of that PostgreSQL too.
//!
//! The server runs in this process on 127.0.0.1 with an ephemeral port on a
//! two-worker runtime (the 2-core target); the client is a separate
//! single-thread runtime on its own OS thread, over real loopback sockets.
//! Times are whole request round trips as the client sees them (server time
//! plus loopback), so they are an upper bound of server time.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use touchstone_store::{Location, Store, UserRole};

const PASSWORD: &str = "bench password 1";
const ASSESSMENTS: usize = 1_000;
const FINDINGS: usize = 500;
const USERS: usize = 20;
const SAVES: usize = 10;
const LOAD_TIME: Duration = Duration::from_secs(120);
const SAMPLES: usize = 30;

type Http = Client<HttpConnector, Full<bytes::Bytes>>;

fn example() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/smart-plug")
}

fn main() {
    let mut targets = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    targets.push(("SQLite", Location::Sqlite(dir.path().join("bench.db"))));
    if let Ok(url) = std::env::var("TOUCHSTONE_TEST_POSTGRES") {
        let admin = Location::parse(&url).unwrap();
        let name = format!("ts_bench_{}", std::process::id());
        let location = block_on(touchstone_store::create_postgres_database(&admin, &name)).unwrap();
        targets.push(("PostgreSQL", location));
    } else {
        eprintln!(
            "TOUCHSTONE_TEST_POSTGRES is not set: SQLite only (run under scripts/with-postgres for both)"
        );
    }
    for (label, location) in targets {
        run(label, &location);
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

struct Prepared {
    big: String,
    cases: Vec<String>,
}

fn run(label: &'static str, location: &Location) {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (store, prepared) = server_rt.block_on(prepare(label, location));
    let addr = server_rt.block_on(async {
        let app = touchstone_web::app(store, touchstone_web::Options::default())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(touchstone_web::run(listener, app.router));
        addr
    });
    let client = std::thread::spawn(move || block_on(measure(label, addr, prepared)));
    client.join().unwrap();
    drop(server_rt);
}

async fn prepare(label: &str, location: &Location) -> (Store, Prepared) {
    let t = Instant::now();
    let store = Store::open(location).await.unwrap();
    let hash = touchstone_web::hash_password(PASSWORD).unwrap();
    store
        .set_password_hash("lead", UserRole::Assessor, &hash, "bench")
        .await
        .unwrap();
    for u in 0..USERS {
        store
            .set_password_hash(&format!("user{u}"), UserRole::Assessor, &hash, "bench")
            .await
            .unwrap();
    }
    let big = store.import_project(&example(), "lead").await.unwrap().id;
    // 500 findings: the example's findings file repeated, each copy named.
    let text = std::fs::read_to_string(example().join("findings/lab-scan.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let base = doc["findings"].as_array().unwrap().clone();
    let many: Vec<serde_json::Value> = (0..FINDINGS)
        .map(|i| {
            let mut f = base[i % base.len()].clone();
            let m = format!("{} (copy {i})", f["message"].as_str().unwrap());
            f["message"] = serde_json::Value::String(m);
            f
        })
        .collect();
    doc["findings"] = serde_json::Value::Array(many);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bench-500.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let version = store
        .list_assessments()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == big)
        .unwrap()
        .version;
    store
        .add_findings(&big, &file, "bench-500.json", version, "lead")
        .await
        .unwrap();
    let ev = store.evaluate(&big).await.unwrap();
    let cases: Vec<String> = ev
        .assessment
        .provisions
        .iter()
        .flat_map(|p| &p.cases)
        .filter(|c| c.verdict == touchstone_core::Verdict::NeedsManual && c.findings.is_empty())
        .map(|c| c.id.clone())
        .take(USERS)
        .collect();
    assert_eq!(
        cases.len(),
        USERS,
        "not enough test cases waiting for a person"
    );
    for _ in 1..ASSESSMENTS {
        store.import_project(&example(), "lead").await.unwrap();
    }
    println!(
        "{label}: set-up ({ASSESSMENTS} assessments, one with {} findings) {:.1} s",
        FINDINGS + base.len(),
        t.elapsed().as_secs_f64()
    );
    (store, Prepared { big, cases })
}

struct Reply {
    status: u16,
    cookie: Option<String>,
    body: String,
}

async fn send(http: &Http, req: hyper::Request<Full<bytes::Bytes>>) -> Reply {
    let res = http.request(req).await.unwrap();
    let status = res.status().as_u16();
    let cookie = res
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        cookie,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

async fn get(http: &Http, addr: SocketAddr, path: &str, cookie: &str) -> Reply {
    let req = hyper::Request::get(format!("http://{addr}{path}"))
        .header("cookie", cookie)
        .body(Full::default())
        .unwrap();
    send(http, req).await
}

fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name}")) + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

async fn log_in(http: &Http, addr: SocketAddr, login: &str) -> String {
    let page = get(http, addr, "/login", "").await;
    let anon = page.cookie.unwrap();
    let body = format!(
        "csrf={}&login={login}&password={}",
        hidden(&page.body, "csrf"),
        PASSWORD.replace(' ', "+")
    );
    let req = hyper::Request::post(format!("http://{addr}/login"))
        .header("cookie", anon)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::from(body))
        .unwrap();
    let r = send(http, req).await;
    assert_eq!(r.status, 303, "{}", r.body);
    r.cookie.unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn summary(what: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "  {what}: n={} median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        percentile(&times, 1.0)
    );
}

async fn timed_get(http: &Http, addr: SocketAddr, path: &str, cookie: &str) -> Vec<Duration> {
    // One warm-up request, then the samples.
    assert_eq!(get(http, addr, path, cookie).await.status, 200);
    let mut times = Vec::new();
    for _ in 0..SAMPLES {
        let t = Instant::now();
        let r = get(http, addr, path, cookie).await;
        times.push(t.elapsed());
        assert_eq!(r.status, 200);
    }
    times
}

async fn measure(label: &str, addr: SocketAddr, prepared: Prepared) {
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let lead = log_in(&http, addr, "lead").await;
    println!("{label}:");
    let queue = timed_get(&http, addr, &format!("/a/{}/queue", prepared.big), &lead).await;
    summary("queue of the assessment with 500+ findings", queue);
    let list = timed_get(&http, addr, "/", &lead).await;
    summary("list of 1,000 assessments", list);
    let deadline = Instant::now() + LOAD_TIME;
    let mut tasks = Vec::new();
    for (u, case) in prepared.cases.iter().enumerate() {
        let http = http.clone();
        let path = format!("/a/{}/tc/{case}", prepared.big);
        tasks.push(tokio::spawn(async move {
            let cookie = log_in(&http, addr, &format!("user{u}")).await;
            let mut times = Vec::new();
            let mut saved = Vec::new();
            let mut refused = 0;
            for i in 0..SAVES {
                if Instant::now() > deadline {
                    break;
                }
                let page = get(&http, addr, &path, &cookie).await;
                assert_eq!(page.status, 200);
                let fields = [
                    ("csrf", hidden(&page.body, "csrf")),
                    ("version", hidden(&page.body, "version")),
                    ("verdict", "PASS".to_owned()),
                    ("notes", format!("bench save {i} by user{u}")),
                ];
                let boundary = "XbenchX";
                let mut body = String::new();
                for (k, v) in &fields {
                    body.push_str(&format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                    ));
                }
                body.push_str(&format!("--{boundary}--\r\n"));
                let req = hyper::Request::post(format!("http://{addr}{path}"))
                    .header("cookie", &cookie)
                    .header(
                        "content-type",
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .body(Full::from(body))
                    .unwrap();
                let t = Instant::now();
                let r = send(&http, req).await;
                times.push(t.elapsed());
                if r.status == 200 {
                    saved.push(times[times.len() - 1]);
                } else {
                    refused += 1;
                    if refused == 1 && u == 0 {
                        let msg = r
                            .body
                            .split("id=\"message\">")
                            .nth(1)
                            .and_then(|m| m.split('<').next())
                            .unwrap_or("");
                        eprintln!("  user0's first refused save: HTTP {}: {msg}", r.status);
                    }
                }
            }
            (times, saved, refused)
        }));
    }
    let t = Instant::now();
    let mut all = Vec::new();
    let mut ok = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let (times, saved, r) = task.await.unwrap();
        all.extend(times);
        ok.extend(saved);
        refused += r;
    }
    let wall = t.elapsed().as_secs_f64();
    println!(
        "  {USERS} concurrent assessors, {} saves in {wall:.1} s ({:.1} saves/s), {refused} refused with a conflict or an error",
        all.len(),
        all.len() as f64 / wall
    );
    summary("save (POST of the record form), every answer", all);
    if !ok.is_empty() {
        summary("save, the ones that were saved", ok);
    }
}
