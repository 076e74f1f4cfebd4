//! Hostile responders on loopback: hosts that accept every port and never
//! speak, endless, slow and huge banners, garbage TLS, endless redirects and
//! chunked bodies, and liars that accept any login. The probe must finish
//! within its budget with partial results, name what it could not finish
//! in its problems, and never report a credential a liar "accepted".

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use touchstone_probe::{Options, Ports, ProbeReport};

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 91, last))
}

fn options(ports: Vec<u16>, budget: Duration) -> Options {
    Options {
        ports: Ports::List(ports),
        udp: Vec::new(),
        budget,
        ..Options::default()
    }
}

fn run(ip: IpAddr, options: &Options) -> ProbeReport {
    touchstone_probe::probe_blocking(&ip.to_string(), options).unwrap_or_else(|e| panic!("{e}"))
}

/// The probe ends within its budget (plus the pure checks and the runtime's
/// shutdown: a generous second margin against hangs, not a performance
/// assertion).
#[allow(clippy::print_stderr)] // the time is printed for BENCHMARKS.md
fn assert_within_budget(report: &ProbeReport, budget: Duration) {
    eprintln!(
        "hostile probe: {} ms for a budget of {budget:?}, {} service(s), {} problem(s)",
        report.stats.duration_ms,
        report.services.len(),
        report.problems.len()
    );
    for p in &report.problems {
        eprintln!("  problem: {}", p.message);
    }
    let limit = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX) + 3000;
    assert!(
        report.stats.duration_ms <= limit,
        "took {} ms for a budget of {budget:?}: {:?}",
        report.stats.duration_ms,
        report.problems
    );
}

/// A listener on `ip` whose connections are served by `serve` on a thread
/// each; at most `max` connections.
fn serve(ip: IpAddr, max: usize, serve: fn(TcpStream)) -> u16 {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(stream) = stream else { continue };
            std::thread::spawn(move || serve(stream));
        }
    });
    port
}

/// Accept and keep every connection open without a byte.
fn silent(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let mut sink = [0u8; 1024];
    let mut s = stream;
    while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
}

#[test]
fn a_host_that_accepts_every_port_is_sampled_not_identified_port_by_port() {
    let ip = loopback(1);
    let ports: Vec<u16> = (0..300).map(|_| serve(ip, 64, silent)).collect();
    let mut o = options(ports.clone(), Duration::from_secs(60));
    // Short waits keep the test short; the sample is what is bounded.
    o.banner_wait = Duration::from_millis(200);
    o.io_timeout = Duration::from_millis(500);
    o.max_probe_connections = 32;
    let report = run(ip, &o);
    assert_within_budget(&report, o.budget);
    assert_eq!(report.services.len(), touchstone_probe::TARPIT_SAMPLE);
    assert!(
        report.problems.iter().any(|p| p
            .message
            .contains("accepted connections on 300 of 300 TCP ports")),
        "{:?}",
        report.problems
    );
}

#[test]
fn the_budget_bounds_identification_of_silent_ports() {
    let ip = loopback(2);
    let ports: Vec<u16> = (0..24).map(|_| serve(ip, 64, silent)).collect();
    let budget = Duration::from_secs(6);
    let report = run(ip, &options(ports.clone(), budget));
    assert_within_budget(&report, budget);
    // Every open port is still in the inventory; the ones not identified
    // are named in a problem of the identification phase.
    assert_eq!(report.services.len(), ports.len());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.message.starts_with("identify: the time budget ended")),
        "{:?}",
        report.problems
    );
}

fn endless_banner(mut s: TcpStream) {
    let line = [b'A'; 4096];
    for _ in 0..100_000 {
        if s.write_all(&line).is_err() {
            return;
        }
    }
}

fn slow_banner(mut s: TcpStream) {
    for b in b"220 slow ftp server, one byte at a time\r\n" {
        if s.write_all(&[*b]).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(400));
    }
}

fn huge_ssh_banner(mut s: TcpStream) {
    let _ = s.write_all(b"SSH-2.0-");
    let chunk = [b'x'; 64 * 1024];
    for _ in 0..16 {
        if s.write_all(&chunk).is_err() {
            return;
        }
    }
    let _ = s.write_all(b"\r\n");
}

fn garbage_tls(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = [0u8; 2048];
    let _ = s.read(&mut buf);
    // A handshake record header claiming 16 MiB, then noise.
    let _ = s.write_all(&[0x16, 0x03, 0x03, 0xff, 0xff, 0x02, 0xff, 0xff, 0xff]);
    let _ = s.write_all(&[0x5a; 4096]);
}

fn redirect_forever(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).unwrap_or(0);
    let request = String::from_utf8_lossy(buf.get(..n).unwrap_or_default()).into_owned();
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let answer = if path == "/" {
        // Chunked, and never ending.
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nServer: endless\r\nTransfer-Encoding: chunked\r\n\r\n");
        for _ in 0..100_000 {
            if s.write_all(b"400\r\n").is_err() || s.write_all(&[b'x'; 1024]).is_err() {
                return;
            }
        }
        return;
    } else {
        format!("HTTP/1.1 302 Found\r\nLocation: {path}x\r\nContent-Length: 0\r\n\r\n")
    };
    let _ = s.write_all(answer.as_bytes());
}

#[test]
fn endless_slow_huge_and_garbage_peers_cost_bounded_time() {
    let ip = loopback(3);
    let ports = vec![
        serve(ip, 200, endless_banner),
        serve(ip, 200, slow_banner),
        serve(ip, 200, huge_ssh_banner),
        serve(ip, 200, garbage_tls),
        serve(ip, 200, redirect_forever),
    ];
    let budget = Duration::from_secs(60);
    let report = run(ip, &options(ports.clone(), budget));
    assert_within_budget(&report, budget);
    assert_eq!(report.services.len(), ports.len(), "{:?}", report.services);
    // Evidence stays an excerpt, whatever the peer sent.
    for s in &report.services {
        let evidence = s.evidence.as_deref().unwrap_or_default();
        assert!(evidence.chars().count() <= 200, "{}: {evidence}", s.port);
        assert!(s.product.as_deref().unwrap_or_default().len() <= 256);
    }
    // The redirecting web server was asked for security.txt, and the
    // redirects were followed a bounded number of times.
    let fetched = report
        .security_txt
        .iter()
        .find(|f| f.requested.contains(&format!(":{}/", ports[4])))
        .unwrap_or_else(|| panic!("security.txt not asked of the web server"));
    assert!(fetched.document.is_none());
    assert!(fetched.attempts.len() <= 16, "{:?}", fetched.attempts);
    // No credential from any of them.
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.check == "net-default-credential" && f.supports.as_str() == "fail")
    );
}

/// A fake telnet console: a login prompt, then a root prompt for any
/// password, and for every command the old constant proof and a prompt.
fn telnet_liar(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = s.write_all(b"\r\ncam login: ");
    let mut buf = [0u8; 512];
    let mut lines = 0;
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            return;
        }
        if !buf.get(..n).unwrap_or_default().contains(&b'\n') {
            continue;
        }
        lines += 1;
        let reply: &[u8] = match lines {
            1 => b"Password: ",
            _ => b"\r\nTS42X\r\n# ",
        };
        if s.write_all(reply).is_err() {
            return;
        }
    }
}

/// An FTP server that accepts every password, but stalls user names it has
/// never seen that look random (the negative control's).
fn ftp_liar(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = s.write_all(b"220 liar ftpd\r\n");
    let mut buf = [0u8; 512];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            return;
        }
        let line = String::from_utf8_lossy(buf.get(..n).unwrap_or_default()).into_owned();
        let reply: &[u8] = if line.starts_with("USER ts") {
            // Stall: never answer.
            std::thread::sleep(Duration::from_secs(10));
            return;
        } else if line.starts_with("USER") {
            b"331 password please\r\n"
        } else if line.starts_with("PASS") {
            b"230 welcome\r\n"
        } else if line.starts_with("PWD") {
            b"257 \"/\"\r\n"
        } else {
            b"500 what\r\n"
        };
        if s.write_all(reply).is_err() {
            return;
        }
    }
}

/// An MQTT broker that accepts every CONNECT.
fn mqtt_liar(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buf = [0u8; 1024];
    if matches!(s.read(&mut buf), Ok(n) if n > 0 && buf[0] == 0x10) {
        let _ = s.write_all(&[0x20, 0x02, 0x00, 0x00]);
    }
    let _ = s.read(&mut buf);
}

#[test]
fn liars_yield_no_credential() {
    let ip = loopback(4);
    let telnet = serve(ip, 400, telnet_liar);
    let ftp = serve(ip, 400, ftp_liar);
    let mqtt = serve(ip, 400, mqtt_liar);
    let budget = Duration::from_secs(90);
    let mut o = options(vec![telnet, ftp, mqtt], budget);
    o.io_timeout = Duration::from_secs(2);
    let report = run(ip, &o);
    assert_within_budget(&report, budget);
    let credential_fails: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.check == "net-default-credential" && f.supports.as_str() == "fail")
        .map(|f| f.message.as_str())
        .collect();
    assert!(credential_fails.is_empty(), "{credential_fails:?}");
    // The broker that accepts anything has no authentication: that is the
    // finding, not a credential.
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.check == "net-no-authentication" && f.message.starts_with("mqtt")),
        "{:?}",
        report.findings
    );
    // The FTP liar's stalled control makes its logins inconclusive, and no
    // brute-force protection is claimed on it.
    let ftp_findings: Vec<String> = report
        .findings
        .iter()
        .filter(|f| {
            matches!(&f.location, Some(touchstone_core::Location::Network { port: Some(p), .. }) if *p == ftp)
        })
        .map(|f| format!("{} {}: {}", f.check, f.supports.as_str(), f.message))
        .collect();
    assert!(
        ftp_findings
            .iter()
            .any(|f| f.starts_with("net-default-credential info: inconclusive")),
        "{ftp_findings:?}"
    );
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.check == "net-brute-force-protection" && f.supports.as_str() == "pass"),
        "{:?}",
        report.findings
    );
}

/// A web server whose 401 answer carries 100,000 headers (1.9 MB of head).
fn many_headers(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buf = [0u8; 4096];
    let _ = s.read(&mut buf);
    if s.write_all(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"cam\"\r\n")
        .is_err()
    {
        return;
    }
    for i in 0..100_000 {
        if s.write_all(format!("X-Filler-{i}: v\r\n").as_bytes())
            .is_err()
        {
            return;
        }
    }
    let _ = s.write_all(b"\r\n");
}

#[test]
fn a_401_with_100000_headers_is_named_in_the_problems() {
    let ip = loopback(5);
    let port = serve(ip, 100, many_headers);
    let budget = Duration::from_secs(60);
    let report = run(ip, &options(vec![port], budget));
    assert_within_budget(&report, budget);
    let services: Vec<(u16, &str)> = report
        .services
        .iter()
        .map(|s| (s.port, s.service.as_str()))
        .collect();
    assert_eq!(services, [(port, "http")]);
    let problems: Vec<&str> = report.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        problems,
        [
            format!(
                "http: TCP port {port}: the answer to GET / has more than 100 header lines or a head over 4 KiB: its headers were examined only in part"
            ),
            format!(
                "credentials: TCP port {port} (http) not examined: GET /: the answer has more than 100 header lines"
            ),
            format!(
                "security.txt: not examined on TCP port {port}: http://{ip}:{port}/.well-known/security.txt (no HTTP answer: the answer has more than 100 header lines)"
            ),
        ]
    );
    // No hardening-header verdict from a head read only in part.
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.check == "net-http-headers"),
        "{:?}",
        report.findings
    );
}

/// Reads lines from a console client; answers the proof command
/// `echo TS$((A+B))X` like a shell would.
fn shell_answer(line: &str) -> String {
    let sum = line
        .trim()
        .strip_prefix("echo TS$((")
        .and_then(|rest| rest.strip_suffix("))X"))
        .and_then(|expr| expr.split_once('+'))
        .and_then(|(a, b)| Some(a.parse::<u64>().ok()? + b.parse::<u64>().ok()?));
    match sum {
        Some(sum) => format!("TS{sum}X\r\n# "),
        None => "# ".to_owned(),
    }
}

/// A telnet console that says nothing for 4 s, then asks for a login,
/// takes any password and runs a shell (no authentication at all). With
/// `iac`, it sends its option negotiation at once and only the prompt late.
fn slow_telnet(mut s: TcpStream, iac: bool) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
    if iac && s.write_all(&[0xFF, 0xFB, 0x01, 0xFF, 0xFB, 0x03]).is_err() {
        return;
    }
    std::thread::sleep(Duration::from_secs(4));
    if s.write_all(b"\r\ncam login: ").is_err() {
        return;
    }
    let mut pending = Vec::new();
    let mut buf = [0u8; 512];
    let mut lines = 0;
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            return;
        }
        pending.extend_from_slice(&buf[..n]);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line: String = String::from_utf8_lossy(&line)
                .chars()
                .filter(|c| !c.is_control())
                .collect();
            lines += 1;
            let reply = match lines {
                1 => "Password: ".to_owned(),
                2 => "\r\n# ".to_owned(),
                _ => shell_answer(&line),
            };
            if s.write_all(reply.as_bytes()).is_err() {
                return;
            }
        }
    }
}

fn slow_telnet_silent(s: TcpStream) {
    slow_telnet(s, false);
}

fn slow_telnet_iac(s: TcpStream) {
    slow_telnet(s, true);
}

#[test]
fn a_telnet_whose_prompt_comes_after_4_s_and_takes_any_password_has_no_authentication() {
    let ip = loopback(6);
    let silent = serve(ip, 400, slow_telnet_silent);
    let iac = serve(ip, 400, slow_telnet_iac);
    let budget = Duration::from_secs(120);
    let report = run(ip, &options(vec![silent, iac], budget));
    assert_within_budget(&report, budget);
    let services: Vec<(u16, &str)> = report
        .services
        .iter()
        .map(|s| (s.port, s.service.as_str()))
        .collect();
    let mut want = vec![(silent, "telnet"), (iac, "telnet")];
    want.sort_unstable();
    assert_eq!(services, want, "{:?}", report.problems);
    let mut got: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.check != "net-service-inventory" && f.check != "net-cleartext-service")
        .map(|f| format!("{} {}: {}", f.check, f.supports.as_str(), f.message))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "net-no-authentication fail: telnet accepts logins without valid credentials",
            "net-no-authentication fail: telnet accepts logins without valid credentials",
        ],
        "{:?}",
        report.problems
    );
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}
