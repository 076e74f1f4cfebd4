//! TLS services that are slow, silent or hide their protocol, on loopback:
//! a real TLS server (rustls) whose flight arrives seconds late, behind a
//! proxy that delays either everything or all but the ServerHello; one
//! with 1–2.9 s of latency on every connection; a ServerHello followed by
//! silence; MQTT and HTTP inside TLS; and a TLS 1.0-only `openssl
//! s_server`. The probe must name the inner protocol where a handshake
//! completes, keep what it received, and name in its problems whatever it
//! could not examine.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use touchstone_probe::{Options, Ports, ProbeReport};

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 93, last))
}

fn options(ports: Vec<u16>) -> Options {
    Options {
        ports: Ports::List(ports),
        udp: Vec::new(),
        ..Options::default()
    }
}

fn run(ip: IpAddr, options: &Options) -> ProbeReport {
    touchstone_probe::probe_blocking(&ip.to_string(), options).unwrap_or_else(|e| panic!("{e}"))
}

fn inventory(r: &ProbeReport) -> Vec<(u16, String)> {
    r.services
        .iter()
        .map(|s| (s.port, s.service.clone()))
        .collect()
}

fn problems(r: &ProbeReport) -> Vec<&str> {
    r.problems.iter().map(|p| p.message.as_str()).collect()
}

/// What the TLS server does inside TLS.
#[derive(Clone, Copy, PartialEq, Eq)]
enum App {
    /// Answers HTTP requests with a small page.
    Http,
    /// Answers an MQTT CONNECT with CONNACK 0.
    Mqtt,
}

/// A rustls TLS 1.2/1.3 server on `ip`, serving connections concurrently
/// (at most 400, each bounded to 30 s), with `alpn` offered.
fn tls_server(ip: IpAddr, app: App, alpn: &[&[u8]]) -> u16 {
    let certified = rcgen::generate_simple_self_signed(vec!["device.test".to_owned()])
        .unwrap_or_else(|e| panic!("{e}"));
    let chain = vec![CertificateDer::from(certified.cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| panic!("{e}"))
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap_or_else(|e| panic!("{e}"));
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let _ = listener.set_nonblocking(true);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        runtime.block_on(async move {
            let listener =
                tokio::net::TcpListener::from_std(listener).unwrap_or_else(|e| panic!("{e}"));
            for _ in 0..400 {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let serve = async {
                        let mut tls = acceptor.accept(tcp).await.ok()?;
                        let mut buf = [0u8; 2048];
                        let n = tls.read(&mut buf).await.ok()?;
                        let request = buf.get(..n)?;
                        let answer: &[u8] = match app {
                            App::Http if request.starts_with(b"GET ") => {
                                b"HTTP/1.1 200 OK\r\nServer: devhttpd/2.1\r\nContent-Type: text/html\r\nContent-Length: 12\r\nConnection: close\r\n\r\n<h1>cam</h1>"
                            }
                            App::Mqtt if request.first() == Some(&0x10) => &[0x20, 0x02, 0x00, 0x00],
                            _ => return None,
                        };
                        tls.write_all(answer).await.ok()?;
                        tls.flush().await.ok()?;
                        // An MQTT broker keeps the session open.
                        let _ = tls.read(&mut buf).await;
                        Some(())
                    };
                    let _ = tokio::time::timeout(Duration::from_secs(30), serve).await;
                });
            }
        });
    });
    port
}

/// How a proxy delays what the server sends.
#[derive(Clone, Copy)]
enum Delay {
    /// Everything, by the connection's share of 1–2.9 s (the n-th
    /// connection waits `1000 + n * 617 % 1900` ms).
    Latency,
    /// Everything, by this long.
    All(Duration),
    /// All but the first TLS record (the ServerHello), by this long.
    AfterFirstRecord(Duration),
}

/// A proxy on `ip` to `upstream` that delays the server's bytes as
/// `delay` says; at most 600 connections, each bounded to 30 s.
fn slow_proxy(ip: IpAddr, upstream: SocketAddr, delay: Delay) -> u16 {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for (n, client) in listener.incoming().take(600).enumerate() {
            let Ok(client) = client else { continue };
            std::thread::spawn(move || relay(client, upstream, delay, n));
        }
    });
    port
}

fn relay(client: TcpStream, upstream: SocketAddr, delay: Delay, n: usize) {
    let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(5)) else {
        return;
    };
    for s in [&client, &server] {
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    }
    let (Ok(mut client_in), Ok(mut server_out)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        for _ in 0..10_000 {
            match client_in.read(&mut buf) {
                Ok(k) if k > 0 => {
                    if server_out.write_all(&buf[..k]).is_err() {
                        break;
                    }
                }
                _ => break,
            }
        }
        let _ = server_out.shutdown(std::net::Shutdown::Write);
    });
    let (mut server_in, mut client_out) = (server, client);
    let mut pending = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut delayed = false;
    for _ in 0..10_000 {
        let k = match server_in.read(&mut buf) {
            Ok(k) if k > 0 => k,
            _ => break,
        };
        if delayed {
            if client_out.write_all(&buf[..k]).is_err() {
                break;
            }
            continue;
        }
        pending.extend_from_slice(&buf[..k]);
        let (now, wait): (usize, Duration) = match delay {
            Delay::Latency => (0, Duration::from_millis(1000 + (n as u64 * 617) % 1900)),
            Delay::All(d) => (0, d),
            Delay::AfterFirstRecord(d) => {
                if pending.len() < 5 {
                    continue;
                }
                let len = 5 + usize::from(u16::from_be_bytes([pending[3], pending[4]]));
                if pending.len() < len {
                    continue;
                }
                (len, d)
            }
        };
        if client_out.write_all(&pending[..now]).is_err() {
            break;
        }
        std::thread::sleep(wait);
        if client_out.write_all(&pending[now..]).is_err() {
            break;
        }
        delayed = true;
    }
    let _ = client_out.shutdown(std::net::Shutdown::Write);
}

fn upstream(ip: IpAddr, port: u16) -> SocketAddr {
    SocketAddr::new(ip, port)
}

#[test]
#[allow(clippy::print_stderr)] // the time is printed for BENCHMARKS.md
fn a_slow_tls_flight_is_kept_and_the_protocol_inside_named() {
    let ip = loopback(1);
    let server = tls_server(ip, App::Http, &[]);
    // A microcontroller doing RSA: the ServerHello at once, the rest 4 s
    // later; and one whose whole flight takes 4 s.
    let rest_late = slow_proxy(
        ip,
        upstream(ip, server),
        Delay::AfterFirstRecord(Duration::from_secs(4)),
    );
    let all_late = slow_proxy(ip, upstream(ip, server), Delay::All(Duration::from_secs(4)));
    let started = Instant::now();
    let report = run(ip, &options(vec![rest_late, all_late]));
    eprintln!(
        "slow TLS flights: {:?}, {} connections",
        started.elapsed(),
        report.stats.connections
    );
    let mut want = vec![
        (rest_late, "https".to_owned()),
        (all_late, "https".to_owned()),
    ];
    want.sort_unstable();
    assert_eq!(inventory(&report), want, "{:?}", report.problems);
    for port in [rest_late, all_late] {
        let tls = report
            .tls
            .iter()
            .find(|t| t.port == port)
            .unwrap_or_else(|| panic!("no TLS analysis of {port}"));
        let accepted: Vec<&str> = tls
            .report
            .versions
            .iter()
            .filter(|v| v.accepted)
            .map(|v| v.version)
            .collect();
        assert_eq!(accepted, ["TLSv1.2", "TLSv1.3"], "{port}");
        // The certificate came, late: read from the TLS 1.2 flight.
        assert!(tls.report.certificate.is_some(), "{port}");
        assert_eq!(
            tls.report.cipher_suites.len(),
            6,
            "{port}: {:?}",
            tls.report.cipher_suites
        );
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.check == "net-tls-legacy-version"
                    && f.supports.as_str() == "pass"
                    && f.location
                        .as_ref()
                        .is_some_and(|l| format!("{l:?}").contains(&port.to_string()))),
            "{port}: {:?}",
            report.findings
        );
    }
    assert_eq!(problems(&report), Vec::<&str>::new());
}

#[test]
#[allow(clippy::print_stderr)] // the time is printed for BENCHMARKS.md
fn seconds_of_latency_do_not_multiply_by_the_suites() {
    let ip = loopback(2);
    let server = tls_server(ip, App::Http, &[]);
    let slow = slow_proxy(ip, upstream(ip, server), Delay::Latency);
    let started = Instant::now();
    let report = run(ip, &options(vec![slow]));
    let elapsed = started.elapsed();
    eprintln!(
        "1-2.9 s latency: {elapsed:?}, {} connections, stats {:?}",
        report.stats.connections, report.stats
    );
    assert_eq!(
        inventory(&report),
        [(slow, "https".into())],
        "{:?}",
        report.problems
    );
    let tls = report
        .tls
        .first()
        .unwrap_or_else(|| panic!("no TLS analysis"));
    assert_eq!(
        tls.report.cipher_suites.len(),
        6,
        "{:?}",
        tls.report.cipher_suites
    );
    assert_eq!(problems(&report), Vec::<&str>::new());
    // About a dozen round trips of at most 2.9 s, not one per suite and
    // version one after another (a generous bound against regressions, not
    // a performance assertion).
    assert!(elapsed < Duration::from_secs(90), "{elapsed:?}");
}

/// A TLS 1.2 server that answers every ClientHello offering one of its
/// suites with a ServerHello, and then says nothing more.
fn hello_then_silence(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let mut head = [0u8; 5];
    if s.read_exact(&mut head).is_err() {
        return;
    }
    let mut body = vec![0u8; usize::from(u16::from_be_bytes([head[3], head[4]]))];
    if s.read_exact(&mut body).is_err() {
        return;
    }
    let version = u16::from_be_bytes([body[4], body[5]]);
    let sid = usize::from(body[38]);
    let at = 39 + sid;
    let n = usize::from(u16::from_be_bytes([body[at], body[at + 1]]));
    let offered: Vec<u16> = body[at + 2..at + 2 + n]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let chosen = [0xC02Fu16, 0x002F, 0x0035]
        .into_iter()
        .find(|c| offered.contains(c));
    let reply = match chosen {
        Some(suite) if version == 0x0303 => {
            let mut hello = vec![0x03, 0x03];
            hello.extend_from_slice(&[0x42; 32]);
            hello.push(0);
            hello.extend_from_slice(&suite.to_be_bytes());
            hello.push(0);
            let mut hs = vec![2, 0, 0, u8::try_from(hello.len()).unwrap_or(0)];
            hs.extend_from_slice(&hello);
            let mut rec = vec![0x16, 3, 3, 0, u8::try_from(hs.len()).unwrap_or(0)];
            rec.extend_from_slice(&hs);
            rec
        }
        _ => vec![0x15, 3, 3, 0, 2, 2, 70],
    };
    let _ = s.write_all(&reply);
    // Silence, until the client gives up.
    let mut sink = [0u8; 1024];
    while matches!(s.read(&mut sink), Ok(n) if n > 0) {}
}

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

#[test]
#[allow(clippy::print_stderr)] // the time is printed for BENCHMARKS.md
fn a_server_hello_followed_by_silence_is_a_problem() {
    let ip = loopback(3);
    let port = serve(ip, 200, hello_then_silence);
    let started = Instant::now();
    let report = run(ip, &options(vec![port]));
    eprintln!("ServerHello then silence: {:?}", started.elapsed());
    assert_eq!(inventory(&report), [(port, "tls".into())]);
    let tls = report
        .tls
        .first()
        .unwrap_or_else(|| panic!("no TLS analysis"));
    let accepted: Vec<&str> = tls
        .report
        .versions
        .iter()
        .filter(|v| v.accepted)
        .map(|v| v.version)
        .collect();
    assert_eq!(accepted, ["TLSv1.2"]);
    let suites: Vec<u16> = tls.report.cipher_suites.iter().map(|s| s.id).collect();
    assert_eq!(suites.len(), 3, "{suites:?}");
    let problems = problems(&report);
    assert!(
        problems.iter().any(|p| p.starts_with(&format!(
            "tls: TCP port {port}: after its ServerHello (TLSv1.2) the server sent nothing more within"
        )) && p.ends_with("the rest of the clear-text handshake, with the certificate, could not be read")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with(&format!(
            "tls: TCP port {port}: the protocol inside TLS was not identified: the TLS 1.2/1.3 handshake did not complete"
        ))),
        "{problems:?}"
    );
}

#[test]
fn mqtt_and_http_inside_tls_are_named() {
    let ip = loopback(4);
    let mqtts = tls_server(ip, App::Mqtt, &[]);
    let https = tls_server(ip, App::Http, &[]);
    let alpn = tls_server(ip, App::Mqtt, &[b"mqtt"]);
    let mut o = options(vec![mqtts, https, alpn]);
    o.credentials = false;
    let report = run(ip, &o);
    let mut want = vec![
        (mqtts, "mqtts".to_owned()),
        (https, "https".to_owned()),
        (alpn, "mqtts".to_owned()),
    ];
    want.sort_unstable();
    assert_eq!(inventory(&report), want, "{:?}", report.problems);
    let evidence = |port: u16| {
        report
            .services
            .iter()
            .find(|s| s.port == port)
            .and_then(|s| s.evidence.clone())
            .unwrap_or_default()
    };
    assert_eq!(evidence(mqtts), "inside TLS: CONNACK return code 0");
    assert_eq!(evidence(alpn), "inside TLS: ALPN `mqtt`");
    let web = report
        .services
        .iter()
        .find(|s| s.port == https)
        .map(|s| (s.product.clone(), s.version.clone()));
    assert_eq!(web, Some((Some("devhttpd".into()), Some("2.1".into()))));
    // security.txt is asked of the web service only, not of the brokers.
    let asked: Vec<&str> = report
        .security_txt
        .iter()
        .map(|f| f.requested.as_str())
        .collect();
    assert_eq!(asked, [format!("https://{ip}:{https}/")]);
    assert_eq!(problems(&report), Vec::<&str>::new());
}

/// A TLS 1.0-only `openssl s_server -WWW` serving the files of a scratch
/// directory (an index page and a security.txt), with a certificate from
/// rcgen. Killed in `Drop`.
struct OpensslServer {
    child: std::process::Child,
    dir: std::path::PathBuf,
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn tls10_only_server(ip: IpAddr) -> (OpensslServer, u16) {
    let certified = rcgen::generate_simple_self_signed(vec!["device.test".to_owned()])
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = std::env::temp_dir().join(format!("ts-tls10-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("cert.pem"), certified.cert.pem()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("key.pem"), certified.signing_key.serialize_pem())
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.join(".well-known")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("index.html"), "<h1>cam</h1>\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join(".well-known/security.txt"),
        "Contact: mailto:psirt@example.com\nExpires: 2099-01-01T00:00:00Z\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // A free port: bind, note it, release it for s_server.
    let port = TcpListener::bind(SocketAddr::new(ip, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let child = std::process::Command::new("timeout")
        .args(["120", "openssl", "s_server", "-WWW", "-quiet", "-tls1"])
        .args(["-cipher", "DEFAULT:@SECLEVEL=0", "-accept"])
        .arg(format!("{ip}:{port}"))
        .arg("-cert")
        .arg(dir.join("cert.pem"))
        .arg("-key")
        .arg(dir.join("key.pem"))
        .current_dir(&dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("openssl (a test package): {e}"));
    let server = OpensslServer { child, dir };
    for _ in 0..250 {
        if TcpStream::connect_timeout(&SocketAddr::new(ip, port), Duration::from_millis(100))
            .is_ok()
        {
            return (server, port);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("openssl s_server did not start on {ip}:{port}");
}

#[test]
fn a_tls_1_0_only_service_is_read_by_the_probes_own_client() {
    let ip = loopback(5);
    let (_server, port) = tls10_only_server(ip);
    let report = run(ip, &options(vec![port]));
    // rustls refuses TLS 1.0; the probe's own client completes the
    // handshake, finds HTTP inside and fetches the security.txt.
    assert_eq!(
        inventory(&report),
        [(port, "https".into())],
        "{:?}",
        report.problems
    );
    let tls = report
        .tls
        .first()
        .unwrap_or_else(|| panic!("no TLS analysis"));
    let accepted: Vec<&str> = tls
        .report
        .versions
        .iter()
        .filter(|v| v.accepted)
        .map(|v| v.version)
        .collect();
    assert_eq!(accepted, ["TLSv1.0"]);
    assert_eq!(tls.report.legacy_client, Some("TLSv1.0"));
    assert_eq!(problems(&report), Vec::<&str>::new());
    let fetched = report
        .security_txt
        .first()
        .unwrap_or_else(|| panic!("security.txt not asked"));
    assert_eq!(
        fetched.url.as_deref(),
        Some(format!("https://{ip}:{port}/.well-known/security.txt").as_str())
    );
    let codes: Vec<&str> = fetched
        .document
        .as_ref()
        .map(|d| d.problems.iter().map(|p| p.code).collect())
        .unwrap_or_default();
    // Out of current clients' reach, and behind a self-signed certificate
    // for another name.
    assert!(codes.contains(&"legacy_tls"), "{codes:?}");
    assert!(codes.contains(&"invalid_cert"), "{codes:?}");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.check == "net-security-txt" && f.message.contains("current clients refuse")),
        "{:?}",
        report.findings
    );
}
