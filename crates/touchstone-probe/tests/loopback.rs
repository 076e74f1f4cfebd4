//! The probe against small responders on loopback addresses, for what
//! Debian cannot provide (SSL 3.0 with RC4), UDP protocols, printer ports,
//! hostile peers, and the safety rules that need no device at all.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc;
use std::time::Duration;

use touchstone_probe::{Options, Ports, ProbeError, ProbeReport, Transport, UdpProbe};

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 90, last))
}

fn options_for(ports: Vec<u16>) -> Options {
    Options {
        ports: Ports::List(ports),
        udp: Vec::new(),
        ..Options::default()
    }
}

fn run(target: IpAddr, options: &Options) -> ProbeReport {
    touchstone_probe::probe_blocking(&target.to_string(), options).unwrap_or_else(|e| panic!("{e}"))
}

fn summary(r: &ProbeReport) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.check,
                f.supports.as_str(),
                f.severity.as_str(),
                f.message
            )
        })
        .collect()
}

/// Read one TLS record; `(client_version, offered suites)` of a ClientHello.
fn read_client_hello(stream: &mut TcpStream) -> Option<(u16, Vec<u16>)> {
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).ok()?;
    let len = usize::from(u16::from_be_bytes([head[3], head[4]]));
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).ok()?;
    let version = u16::from_be_bytes([*body.get(4)?, *body.get(5)?]);
    let sid_len = usize::from(*body.get(38)?);
    let at = 39 + sid_len;
    let n = usize::from(u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]));
    let suites = body
        .get(at + 2..at + 2 + n)?
        .chunks(2)
        .filter_map(|c| Some(u16::from_be_bytes([*c.first()?, *c.get(1)?])))
        .collect();
    Some((version, suites))
}

/// An SSL 3.0-only server that knows only RC4 suites, like old embedded
/// stacks: it negotiates every hello down to SSL 3.0 and refuses hellos that
/// offer no RC4 suite with alert 40.
fn ssl3_rc4_server(ip: IpAddr) -> u16 {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let Some((_, suites)) = read_client_hello(&mut stream) else {
                continue;
            };
            let chosen = [0x0005u16, 0x0004].into_iter().find(|s| suites.contains(s));
            let reply = match chosen {
                Some(suite) => {
                    let mut hello = vec![0x03, 0x00];
                    hello.extend_from_slice(&[0x42; 32]);
                    hello.push(0);
                    hello.extend_from_slice(&suite.to_be_bytes());
                    hello.push(0);
                    let mut hs = vec![2, 0, 0, u8::try_from(hello.len()).unwrap_or(0)];
                    hs.extend_from_slice(&hello);
                    hs.extend_from_slice(&[14, 0, 0, 0]);
                    let mut rec = vec![0x16, 3, 0, 0, u8::try_from(hs.len()).unwrap_or(0)];
                    rec.extend_from_slice(&hs);
                    rec
                }
                None => vec![0x15, 3, 0, 0, 2, 2, 40],
            };
            let _ = stream.write_all(&reply);
        }
    });
    port
}

#[test]
fn ssl3_and_rc4_are_found_and_failed() {
    let ip = loopback(1);
    let port = ssl3_rc4_server(ip);
    let report = run(ip, &options_for(vec![port]));
    assert_eq!(report.services.len(), 1);
    assert_eq!(
        report.services.first().map(|s| s.service.as_str()),
        Some("tls")
    );
    let got = summary(&report);
    let want = [
        format!("net-service-inventory info info: {port}/tcp is open: tls"),
        "net-tls-legacy-version fail high: accepts SSLv3 (insecure): SSL 3.0 is broken (POODLE) and prohibited by RFC 7568".into(),
        "net-tls-weak-cipher fail high: accepts TLS_RSA_WITH_RC4_128_SHA with SSLv3 (insecure): RC4 is prohibited by RFC 7465 (keystream biases)".into(),
        "net-tls-weak-cipher fail high: accepts TLS_RSA_WITH_RC4_128_MD5 with SSLv3 (insecure): RC4 is prohibited by RFC 7465 (keystream biases)".into(),
    ];
    assert_eq!(got, want);
    let tls = report
        .tls
        .first()
        .map(|t| &t.report)
        .unwrap_or_else(|| panic!("no TLS report"));
    let answers: Vec<(&str, bool, &str)> = tls
        .versions
        .iter()
        .map(|v| (v.version, v.accepted, v.answer.as_str()))
        .collect();
    assert_eq!(
        answers,
        [
            ("SSLv3", true, "ServerHello SSLv3 TLS_RSA_WITH_RC4_128_SHA"),
            (
                "TLSv1.0",
                false,
                "ServerHello SSLv3 TLS_RSA_WITH_RC4_128_SHA"
            ),
            (
                "TLSv1.1",
                false,
                "ServerHello SSLv3 TLS_RSA_WITH_RC4_128_SHA"
            ),
            (
                "TLSv1.2",
                false,
                "ServerHello SSLv3 TLS_RSA_WITH_RC4_128_SHA"
            ),
            ("TLSv1.3", false, "alert 40"),
        ]
    );
    // 5 version hellos at once, then the suites in 4 interleaved groups at
    // once: the two RC4 suites fall in two groups (a suite, then the
    // refusal: 2 + 2), the other two groups are refused at once (1 + 1).
    assert_eq!(tls.connections, 11);
}

/// Answers `count` requests with `reply(request)`; silent for `None`.
fn udp_responder(ip: IpAddr, reply: impl Fn(&[u8]) -> Option<Vec<u8>> + Send + 'static) -> u16 {
    let socket = UdpSocket::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = socket.local_addr().map(|a| a.port()).unwrap_or_default();
    let _ = socket.set_read_timeout(Some(Duration::from_secs(20)));
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        for _ in 0..20 {
            let Ok((n, from)) = socket.recv_from(&mut buf) else {
                return;
            };
            if let Some(answer) = reply(buf.get(..n).unwrap_or_default()) {
                let _ = socket.send_to(&answer, from);
            }
        }
    });
    port
}

#[test]
fn udp_ports_are_open_only_when_their_protocol_answers() {
    let ip = loopback(2);
    // CoAP: ACK 2.05 Content with the request's message id.
    let coap = udp_responder(ip, |req| {
        let mut a = vec![0x61, 0x45, *req.get(2)?, *req.get(3)?, *req.get(4)?, 0xff];
        a.extend_from_slice(b"</time>;obs");
        Some(a)
    });
    // NTP: a server reply (mode 4).
    let ntp = udp_responder(ip, |_| {
        let mut a = vec![0x24u8, 2, 6, 0xe9];
        a.resize(48, 0);
        Some(a)
    });
    // A DNS port that answers garbage and one that never answers.
    let garbage = udp_responder(ip, |_| Some(b"hello".to_vec()));
    let silent = udp_responder(ip, |_| None);
    // A closed port: bound once, then released.
    let closed = UdpSocket::bind(SocketAddr::new(ip, 0))
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let options = Options {
        ports: Ports::List(Vec::new()),
        udp: vec![
            UdpProbe {
                service: "coap",
                port: coap,
            },
            UdpProbe {
                service: "ntp",
                port: ntp,
            },
            UdpProbe {
                service: "dns",
                port: garbage,
            },
            UdpProbe {
                service: "snmp",
                port: silent,
            },
            UdpProbe {
                service: "mdns",
                port: closed,
            },
        ],
        ..Options::default()
    };
    let report = run(ip, &options);
    let inventory: Vec<(u16, Transport, &str)> = report
        .services
        .iter()
        .map(|s| (s.port, s.transport, s.service.as_str()))
        .collect();
    let mut want = vec![(coap, Transport::Udp, "coap"), (ntp, Transport::Udp, "ntp")];
    want.sort_by_key(|w| w.0);
    assert_eq!(inventory, want);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.check == "net-service-inventory")
    );
}

/// Counts the bytes each connection sends until it closes.
fn counting_listener(ip: IpAddr, port: u16) -> mpsc::Receiver<usize> {
    let listener =
        TcpListener::bind(SocketAddr::new(ip, port)).unwrap_or_else(|e| panic!("{ip}:{port}: {e}"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let mut total = 0;
            let mut buf = [0u8; 4096];
            for _ in 0..100 {
                match stream.read(&mut buf) {
                    Ok(n) if n > 0 => total += n,
                    _ => break,
                }
            }
            if tx.send(total).is_err() {
                return;
            }
        }
    });
    rx
}

fn received(rx: &mpsc::Receiver<usize>) -> Vec<usize> {
    let mut out = Vec::new();
    while let Ok(n) = rx.recv_timeout(Duration::from_millis(1500)) {
        out.push(n);
        if out.len() >= 20 {
            break;
        }
    }
    out
}

#[test]
fn printer_ports_receive_no_payload() {
    let ip = loopback(3);
    let rx = counting_listener(ip, 9100);
    let report = run(ip, &options_for(vec![9100]));
    let s = report
        .services
        .first()
        .unwrap_or_else(|| panic!("9100 not found"));
    assert_eq!((s.port, s.service.as_str()), (9100, "unknown"));
    assert_eq!(
        s.evidence.as_deref(),
        Some("printer port: no payload probes sent")
    );
    // The connect of the scan and the passive banner read: no byte sent.
    assert_eq!(received(&rx), [0, 0]);

    // Positive control: with permission, payload probes do arrive.
    let ip = loopback(4);
    let rx = counting_listener(ip, 9100);
    let options = Options {
        probe_printer_ports: true,
        ..options_for(vec![9100])
    };
    let _ = run(ip, &options);
    assert!(received(&rx).iter().any(|n| *n > 0));
}

#[test]
fn hostile_peers_do_not_break_the_probe() {
    let ip = loopback(5);
    // An SSH banner followed by a packet that claims 4 GiB, and a TLS-looking
    // server that answers every hello with an endless record header.
    let ssh = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let ssh_port = ssh.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for stream in ssh.incoming().take(50) {
            let Ok(mut s) = stream else { continue };
            let _ = s.write_all(b"SSH-2.0-evil_1.0\r\n\xff\xff\xff\xff\x05\x14");
        }
    });
    let tls = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let tls_port = tls.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for stream in tls.incoming().take(50) {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(&[0x16, 3, 3, 0xff, 0xff, 2, 0xff, 0xff, 0xff]);
        }
    });
    let report = run(ip, &options_for(vec![ssh_port, tls_port]));
    let services: Vec<(&str, Option<&str>)> = report
        .services
        .iter()
        .map(|s| (s.service.as_str(), s.product.as_deref()))
        .collect();
    assert_eq!(services.len(), 2);
    assert!(services.contains(&("ssh", Some("evil"))));
    let ssh_report = report
        .ssh
        .first()
        .map(|s| &s.report)
        .unwrap_or_else(|| panic!("no ssh report"));
    assert!(ssh_report.kexinit.is_none() && ssh_report.host_keys.is_empty());
}

#[test]
fn dry_run_sends_nothing_and_lists_the_plan() {
    let options = Options {
        dry_run: true,
        ..Options::default()
    };
    let report =
        touchstone_probe::probe_blocking("127.0.90.77", &options).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.dry_run && report.services.is_empty() && report.findings.is_empty());
    assert_eq!(report.stats.connections, 0);
    let tcp = report.plan.first().unwrap_or_else(|| panic!("empty plan"));
    assert_eq!(
        (tcp.transport, tcp.ports.as_str()),
        (Transport::Tcp, "1-65535")
    );
    let udp: Vec<(&str, bool)> = report
        .plan
        .iter()
        .filter(|p| p.transport == Transport::Udp)
        .map(|p| {
            (
                p.ports.as_str(),
                p.payload_hex.as_ref().is_some_and(|h| !h.is_empty()),
            )
        })
        .collect();
    assert_eq!(
        udp,
        [
            ("53", true),
            ("123", true),
            ("161", true),
            ("1900", true),
            ("5353", true),
            ("5683", true)
        ]
    );
    assert!(
        report
            .plan
            .iter()
            .any(|p| p.action.contains("not on printer ports 9100-9107"))
    );
}

#[test]
fn ranges_need_explicit_permission_and_stay_small() {
    let refused = touchstone_probe::probe_blocking("127.0.90.0/24", &Options::default());
    assert!(
        matches!(refused, Err(ProbeError::Target { .. })),
        "{refused:?}"
    );
    let options = Options {
        allow_range: true,
        dry_run: true,
        ..Options::default()
    };
    let ok = touchstone_probe::probe_blocking("127.0.90.0/24", &options)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok.hosts.len(), 256);
    let too_big = touchstone_probe::probe_blocking("127.0.90.0/23", &options);
    assert!(matches!(too_big, Err(ProbeError::Target { .. })));
    let zero_cap = Options {
        max_connections: 0,
        ..Options::default()
    };
    assert!(matches!(
        touchstone_probe::probe_blocking("127.0.0.1", &zero_cap),
        Err(ProbeError::Options(_))
    ));
}

/// An FTP server that knows only admin/admin, answering line by line.
fn ftp_server(ip: IpAddr) -> u16 {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(100) {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = s.write_all(b"220 (TinyFTP 0.9)\r\n");
                let mut reader =
                    std::io::BufReader::new(s.try_clone().unwrap_or_else(|e| panic!("{e}")));
                let (mut user, mut logged_in) = (String::new(), false);
                for _ in 0..10 {
                    let mut line = String::new();
                    if std::io::BufRead::read_line(&mut reader, &mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    let reply: &[u8] = if let Some(u) = line.strip_prefix("USER ") {
                        user = u.to_owned();
                        b"331 Please specify the password.\r\n"
                    } else if let Some(p) = line.strip_prefix("PASS ") {
                        logged_in = user == "admin" && p == "admin";
                        if logged_in {
                            b"230 Login successful.\r\n"
                        } else {
                            b"530 Login incorrect.\r\n"
                        }
                    } else if line == "PWD" && logged_in {
                        b"257 \"/\" is the current directory\r\n"
                    } else {
                        b"530 Please login with USER and PASS.\r\n"
                    };
                    if s.write_all(reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[test]
fn ftp_default_credentials_need_230_and_pwd() {
    let ip = loopback(6);
    let port = ftp_server(ip);
    let report = run(ip, &options_for(vec![port]));
    let got = summary(&report);
    let want = [
        format!("net-service-inventory info info: {port}/tcp is open: ftp (TinyFTP 0.9)"),
        format!("net-cleartext-service fail high: ftp on port {port} carries credentials in clear text"),
        "net-default-credential fail critical: default credential admin:admin logs in to ftp (universal default)"
            .to_owned(),
        "net-brute-force-protection info low: no lockout, refusal or delay growth within 3 wrong ftp logins".to_owned(),
    ];
    assert_eq!(got, want);
    let creds = report
        .credentials
        .first()
        .map(|c| &c.report)
        .unwrap_or_else(|| panic!("no credential report"));
    assert_eq!(
        creds.working.first().map(|(_, proof)| proof.as_str()),
        Some("230 to PASS, then 257 to PWD")
    );
}

/// Serves one fixed HTTP answer to every request.
fn http_fixture(ip: IpAddr, answer: &'static str) -> u16 {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let _ = s.write_all(answer.as_bytes());
        }
    });
    port
}

#[test]
fn security_txt_is_fetched_and_validated() {
    let ip = loopback(7);
    let port = http_fixture(
        ip,
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Contact: mailto:psirt@acme.example\r\nExpires: 2020-01-01T00:00:00Z\r\n",
    );
    let url = format!("http://{ip}:{port}/.well-known/security.txt");
    let now = 1_795_910_400;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let (doc, findings) = runtime
        .block_on(touchstone_probe::fetch_security_txt(
            &url,
            Duration::from_secs(5),
            now,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.map(|d| d.values("Contact").len()), Some(1));
    let got: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f.supports.as_str(),
                f.evidence.as_deref().unwrap_or("-"),
                f.message
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "fail expired Expires `2020-01-01T00:00:00Z` is in the past".to_owned(),
            format!("fail not_https fetched over plain HTTP from {url}: RFC 9116 requires HTTPS"),
            "info no_canonical no Canonical field: RFC 9116 recommends one, especially in signed files".to_owned(),
            "info no_signature not signed: RFC 9116 recommends an OpenPGP cleartext signature".to_owned(),
        ]
    );
    for f in &findings {
        assert_eq!(
            (f.check.as_str(), f.provisions.as_slice()),
            ("net-security-txt", ["5.2-1".to_owned()].as_slice())
        );
    }

    // A missing file is a failure of its own; only http(s) URLs are fetched.
    // Served as HTML: a media-type error comes first.
    let html = http_fixture(
        ip,
        "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\nContact: mailto:psirt@acme.example\r\n",
    );
    let url = format!("http://{ip}:{html}/security.txt");
    let (_, findings) = runtime
        .block_on(touchstone_probe::fetch_security_txt(
            &url,
            Duration::from_secs(5),
            now,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let codes: Vec<&str> = findings
        .iter()
        .filter_map(|f| f.evidence.as_deref())
        .collect();
    assert_eq!(
        codes,
        [
            "invalid_media",
            "legacy_location",
            "no_expires",
            "not_https",
            "no_canonical",
            "no_signature"
        ]
    );

    let missing = http_fixture(ip, "HTTP/1.0 404 Not Found\r\n\r\n");
    let url = format!("http://{ip}:{missing}/.well-known/security.txt");
    let (doc, findings) = runtime
        .block_on(touchstone_probe::fetch_security_txt(
            &url,
            Duration::from_secs(5),
            now,
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(doc.is_none());
    assert_eq!(
        findings
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>(),
        [format!("no security.txt: tried {url} (404)")]
    );
    let ftp = runtime.block_on(touchstone_probe::fetch_security_txt(
        "ftp://acme.example/.well-known/security.txt",
        Duration::from_secs(1),
        now,
    ));
    assert!(matches!(ftp, Err(ProbeError::Options(_))));
}

#[test]
fn upnp_descriptions_are_read_only_from_the_probed_host() {
    let ip = loopback(8);
    let desc = http_fixture(
        ip,
        "HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<?xml version=\"1.0\"?><root><device>\
         <deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType><friendlyName>Garden Cam</friendlyName>\
         <manufacturer>Acme</manufacturer><modelName>GC-2</modelName><serialNumber>GC2-000417</serialNumber>\
         <UDN>uuid:0e3c-11</UDN></device></root>",
    );
    let here = udp_responder(ip, move |_| {
        Some(
            format!(
                "HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\nLOCATION: http://{ip}:{desc}/rootDesc.xml\r\n\
                 SERVER: Linux/5.10 UPnP/1.1 MiniUPnPd/2.3.1\r\n\r\n"
            )
            .into_bytes(),
        )
    });
    let elsewhere = udp_responder(ip, |_| {
        Some(b"HTTP/1.1 200 OK\r\nLOCATION: http://127.0.91.1:5000/rootDesc.xml\r\n\r\n".to_vec())
    });
    let options = Options {
        ports: Ports::List(Vec::new()),
        udp: vec![
            UdpProbe {
                service: "ssdp",
                port: here,
            },
            UdpProbe {
                service: "ssdp",
                port: elsewhere,
            },
        ],
        ..Options::default()
    };
    let report = run(ip, &options);
    let ssdp: Vec<(Option<&str>, Option<&str>)> = report
        .services
        .iter()
        .map(|s| (s.product.as_deref(), s.version.as_deref()))
        .collect();
    assert!(
        ssdp.contains(&(Some("MiniUPnPd"), Some("2.3.1"))),
        "{ssdp:?}"
    );
    let disclosure: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.check == "net-discovery-disclosure")
        .map(|f| {
            format!(
                "{} {}: {}",
                f.supports.as_str(),
                f.message,
                f.evidence.as_deref().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        disclosure,
        [
            "info UPnP description discloses 6 field(s) without authentication: deviceType=urn:schemas-upnp-org:device:Basic:1; friendlyName=Garden Cam; manufacturer=Acme; modelName=GC-2; serialNumber=GC2-000417; UDN=uuid:0e3c-11",
            "fail UPnP description discloses the serial number without authentication: serialNumber=GC2-000417",
        ]
    );
    let problems: Vec<&str> = report.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        problems,
        ["LOCATION `http://127.0.91.1:5000/rootDesc.xml` points at another host; not followed"]
    );
}

fn dns_name(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split('.') {
        out.push(u8::try_from(label.len()).unwrap_or(0));
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A one-record DNS answer with the request's id.
fn dns_answer(request: &[u8], owner: &str, rtype: u16, rdata: &[u8]) -> Option<Vec<u8>> {
    let mut msg = vec![
        *request.first()?,
        *request.get(1)?,
        0x84,
        0,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        0,
    ];
    msg.extend_from_slice(&dns_name(owner));
    msg.extend_from_slice(&rtype.to_be_bytes());
    msg.extend_from_slice(&[0, 1, 0, 0, 0, 120]);
    msg.extend_from_slice(&u16::try_from(rdata.len()).unwrap_or(0).to_be_bytes());
    msg.extend_from_slice(rdata);
    Some(msg)
}

#[test]
fn mdns_txt_records_are_read_and_serials_flagged() {
    let ip = loopback(9);
    let port = udp_responder(ip, |req| {
        let has = |needle: &[u8]| req.windows(needle.len()).any(|w| w == needle);
        if has(b"\x09_services") {
            dns_answer(
                req,
                "_services._dns-sd._udp.local",
                12,
                &dns_name("_http._tcp.local"),
            )
        } else if has(b"\x0aGarden Cam") {
            let mut txt = Vec::new();
            for s in ["model=GC-2", "fw=1.4.2", "serial=GC2-000417"] {
                txt.push(u8::try_from(s.len()).unwrap_or(0));
                txt.extend_from_slice(s.as_bytes());
            }
            dns_answer(req, "Garden Cam._http._tcp.local", 16, &txt)
        } else if has(b"\x05_http") {
            dns_answer(
                req,
                "_http._tcp.local",
                12,
                &dns_name("Garden Cam._http._tcp.local"),
            )
        } else {
            None
        }
    });
    let options = Options {
        ports: Ports::List(Vec::new()),
        udp: vec![UdpProbe {
            service: "mdns",
            port,
        }],
        ..Options::default()
    };
    let report = run(ip, &options);
    assert_eq!(
        report
            .services
            .iter()
            .map(|s| s.service.as_str())
            .collect::<Vec<_>>(),
        ["mdns"]
    );
    let disclosure: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.check == "net-discovery-disclosure")
        .map(|f| {
            format!(
                "{} {}: {}",
                f.supports.as_str(),
                f.message,
                f.evidence.as_deref().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        disclosure,
        [
            "info mDNS announces `Garden Cam._http._tcp.local` with 3 TXT string(s): model=GC-2; fw=1.4.2; serial=GC2-000417",
            "fail mDNS TXT of `Garden Cam._http._tcp.local` discloses the serial number without authentication: serial=GC2-000417",
        ]
    );
}
