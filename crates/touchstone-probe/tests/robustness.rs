//! The robustness mini-fuzzer against deliberately fragile responders on
//! loopback: each dies on one specific malformed input, and the finding must
//! name that input. (Real daemons that survive are in `simulated_device.rs`.)

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::time::Duration;

use touchstone_probe::robust::{Protocol, Settings};
use touchstone_probe::{Options, Ports, ProbeReport, UdpProbe};

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 92, last))
}

fn settings() -> Settings {
    Settings {
        cases: 24,
        batch: 12,
        seed: 42,
        case_timeout: Duration::from_millis(300),
        liveness_attempts: 3,
        backoff: Duration::from_millis(50),
        budget: Duration::from_secs(60),
    }
}

fn probe(ip: IpAddr, tcp: Vec<u16>, udp: Vec<UdpProbe>) -> ProbeReport {
    let options = Options {
        ports: Ports::List(tcp),
        udp,
        credentials: false,
        robustness: Some(settings()),
        ..Options::default()
    };
    touchstone_probe::probe_blocking(&ip.to_string(), &options).unwrap_or_else(|e| panic!("{e}"))
}

fn robustness_findings(r: &ProbeReport) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.check == "net-robustness")
        .map(|f| {
            format!(
                "{} {}: {}",
                f.supports.as_str(),
                f.severity.as_str(),
                f.message
            )
        })
        .collect()
}

/// Read one request: up to the blank line, 80 KiB or a quiet 300 ms.
fn read_request(stream: &mut std::net::TcpStream) -> Vec<u8> {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    for _ in 0..64 {
        match stream.read(&mut buf) {
            Ok(n) if n > 0 => data.extend_from_slice(buf.get(..n).unwrap_or_default()),
            _ => break,
        }
        if data.windows(4).any(|w| w == b"\r\n\r\n") || data.len() > 80 * 1024 {
            break;
        }
    }
    data
}

/// MQTT remaining length, if well formed (at most four bytes).
fn remaining_length(data: &[u8]) -> Option<usize> {
    let mut value = 0usize;
    for (i, b) in data.iter().skip(1).take(4).enumerate() {
        value += usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// An MQTT broker that dies (stops listening) on a CONNECT announcing more
/// than 2^21 bytes, like a parser that allocates the announced length.
fn fragile_mqtt(ip: IpAddr) -> u16 {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(500) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let data = buf.get(..n).unwrap_or_default();
            if data.first() != Some(&0x10) {
                continue;
            }
            match remaining_length(data) {
                Some(len) if len > 1 << 21 => return, // the crash
                Some(_) => {
                    let _ = stream.write_all(&[0x20, 2, 0, 0]);
                }
                None => {}
            }
        }
    });
    port
}

/// An HTTP server that dies on a header line longer than 1000 bytes.
fn fragile_http(ip: IpAddr) -> u16 {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(500) {
            let Ok(mut stream) = stream else { continue };
            let request = read_request(&mut stream);
            if !request.first().is_some_and(u8::is_ascii_uppercase) {
                continue;
            }
            if request
                .split(|b| *b == b'\n')
                .skip(1)
                .any(|l| l.len() > 1000)
            {
                return; // the crash
            }
            let _ = stream.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
    });
    port
}

/// An HTTP server that shows a stack trace for bad percent-encoding.
fn leaky_http(ip: IpAddr) -> u16 {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(500) {
            let Ok(mut stream) = stream else { continue };
            let request = read_request(&mut stream);
            if request.is_empty() {
                continue; // HTTP servers do not speak first
            }
            let line = request.split(|b| *b == b'\n').next().unwrap_or_default();
            let reply: &[u8] = if line.contains(&b'%') {
                b"HTTP/1.0 500 Internal Server Error\r\n\r\nTraceback (most recent call last):\n  File \"/usr/lib/cam/web.py\", line 12, in unquote\n"
            } else if line.starts_with(b"GET / HTTP/1.") {
                b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
            } else {
                b"HTTP/1.0 400 Bad Request\r\n\r\n"
            };
            let _ = stream.write_all(reply);
        }
    });
    port
}

/// A CoAP server that dies (closes its socket) on a reserved token length.
fn fragile_coap(ip: IpAddr) -> u16 {
    let socket = UdpSocket::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = socket.local_addr().map(|a| a.port()).unwrap_or_default();
    let _ = socket.set_read_timeout(Some(Duration::from_secs(30)));
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        for _ in 0..2000 {
            let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                return;
            };
            let msg = buf.get(..n).unwrap_or_default();
            let (Some(head), Some(m0), Some(m1)) = (msg.first(), msg.get(2), msg.get(3)) else {
                continue;
            };
            if head >> 6 != 1 {
                continue;
            }
            if head & 0x0f > 8 {
                return; // the crash
            }
            let _ = socket.send_to(&[0x60, 0x45, *m0, *m1], peer);
        }
    });
    port
}

#[test]
fn mqtt_broker_that_dies_on_a_huge_remaining_length_is_found() {
    let ip = loopback(1);
    let port = fragile_mqtt(ip);
    let report = probe(ip, vec![port], Vec::new());
    let r = report
        .robustness
        .first()
        .unwrap_or_else(|| panic!("not fuzzed: {:?}", report.services));
    assert_eq!(r.protocol, Protocol::Mqtt);
    let outage = r
        .outage
        .clone()
        .unwrap_or_else(|| panic!("no outage: {r:?}"));
    assert_eq!(outage.batch, 0);
    assert_eq!(
        outage.suspect.as_ref().map(|s| (s.index, s.kind.as_str())),
        Some((1, "huge_remaining_length"))
    );
    assert_eq!(outage.inputs.len(), 12);
    assert_eq!(
        robustness_findings(&report),
        [format!(
            "fail high: mqtt on port {port} stopped answering after malformed input (batch 0, cases 0-11, seed 42); likely trigger: case 1 huge_remaining_length"
        )]
    );
    let evidence = report
        .findings
        .iter()
        .find(|f| f.check == "net-robustness")
        .and_then(|f| f.evidence.clone())
        .unwrap_or_default();
    // The trigger's bytes: CONNECT, a four-byte remaining length above 2^21.
    let first = evidence.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("suspect case 1 huge_remaining_length (") && first.contains("): 10"),
        "{evidence}"
    );
}

#[test]
fn http_server_that_dies_on_a_long_header_is_found() {
    let ip = loopback(2);
    let port = fragile_http(ip);
    let report = probe(ip, vec![port], Vec::new());
    assert_eq!(
        robustness_findings(&report),
        [format!(
            "fail high: http on port {port} stopped answering after malformed input (batch 0, cases 0-11, seed 42); likely trigger: case 1 overlong_header"
        )]
    );
}

#[test]
fn stack_trace_in_an_error_answer_is_disclosure() {
    let ip = loopback(3);
    let port = leaky_http(ip);
    let report = probe(ip, vec![port], Vec::new());
    let got = robustness_findings(&report);
    assert!(
        got.iter().any(|f| f.starts_with(&format!(
            "fail medium: http on port {port} answered case 6 bad_percent_encoding with HTTP 500 with internals (`Traceback (most recent call last)`)"
        ))),
        "{got:#?}"
    );
    assert_eq!(
        got.last().map(String::as_str),
        Some(format!("info info: http on port {port} kept answering through 24 malformed inputs (3 liveness checks, seed 42)").as_str())
    );
}

#[test]
fn coap_server_that_dies_on_a_reserved_token_length_is_found() {
    let ip = loopback(4);
    let port = fragile_coap(ip);
    let report = probe(
        ip,
        Vec::new(),
        vec![UdpProbe {
            service: "coap",
            port,
        }],
    );
    assert_eq!(
        robustness_findings(&report),
        [format!(
            "fail high: coap on port {port} stopped answering after malformed input (batch 0, cases 0-11, seed 42); likely trigger: case 1 reserved_token_length"
        )]
    );
}

#[test]
fn off_by_default_and_listed_in_a_dry_run() {
    assert!(Options::default().robustness.is_none());
    let options = Options {
        ports: Ports::List(vec![80]),
        dry_run: true,
        robustness: Some(settings()),
        ..Options::default()
    };
    let report =
        touchstone_probe::probe_blocking("127.0.92.9", &options).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        report.plan.iter().any(|p| p
            .action
            .starts_with("robustness: 24 malformed inputs per service (seed 42)")),
        "{:#?}",
        report.plan
    );
    assert!(report.robustness.is_empty());
}
