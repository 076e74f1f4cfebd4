//! Default-credential logins against small responders on loopback
//! (127.0.91.x) for protocols Debian has no light server for: RTSP with
//! Basic and Digest, and HTTP login forms described in data. Each protocol
//! has a real responder, one that lies about success, and one without
//! authentication, so both the proof and the negative control are tested.

mod support;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;
use support::{credential_findings, probe_port};

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 91, last))
}

/// A responder address (last byte), its connection handler and the one
/// credential finding it must yield.
type Case = (u8, fn(TcpStream), &'static str);

fn md5_hex(text: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Serve each connection on its own thread; at most `limit` connections.
fn serve(ip: IpAddr, limit: usize, handler: fn(TcpStream)) -> u16 {
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(limit) {
            let Ok(s) = stream else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            std::thread::spawn(move || handler(s));
        }
    });
    port
}

/// The request head (lines up to the empty line) and its body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(Vec<String>, Vec<u8>)> {
    let mut lines = Vec::new();
    for _ in 0..50 {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let length: usize = header(&lines, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length.min(4096)];
    reader.read_exact(&mut body).ok()?;
    Some((lines, body))
}

fn header<'a>(lines: &'a [String], name: &str) -> Option<&'a str> {
    lines.iter().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// `key="value"` parameters of a Digest `Authorization` header.
fn digest_param(value: &str, key: &str) -> Option<String> {
    value.split(',').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        let k = k.trim().trim_start_matches("Digest ").trim();
        (k == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

// ---- RTSP ------------------------------------------------------------------

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=cam\r\nm=video 0 RTP/AVP 96\r\n";

#[derive(Clone, Copy)]
enum RtspMode {
    Basic,
    /// Basic, and silent to anything that is not RTSP (identified only by
    /// the RTSP OPTIONS probe).
    StrictBasic,
    Digest,
    /// 401 without credentials, `200 OK` without a description with any.
    Liar,
    /// The description for everyone.
    Open,
}

fn rtsp_session(stream: TcpStream, mode: RtspMode) {
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    for _ in 0..8 {
        let Some((lines, _)) = read_request(&mut reader) else {
            return;
        };
        let cseq = header(&lines, "cseq").unwrap_or("0").to_owned();
        let first = lines.first().cloned().unwrap_or_default();
        if !first.ends_with("RTSP/1.0") {
            if !matches!(mode, RtspMode::StrictBasic) {
                let _ = out.write_all(b"RTSP/1.0 400 Bad Request\r\nCSeq: 0\r\n\r\n");
            }
            return;
        }
        let uri = first.split(' ').nth(1).unwrap_or_default().to_owned();
        let auth = header(&lines, "authorization").map(str::to_owned);
        let nonce = "5f1e2d3c4b5a";
        let authorised = match (mode, auth.as_deref()) {
            (RtspMode::Open, _) => true,
            (_, None) => false,
            (RtspMode::Liar, Some(_)) => {
                let _ = out.write_all(
                    format!("RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Length: 0\r\n\r\n")
                        .as_bytes(),
                );
                continue;
            }
            (RtspMode::Basic | RtspMode::StrictBasic, Some(v)) => v == "Basic YWRtaW46MTIzNDU=", // admin:12345
            (RtspMode::Digest, Some(v)) => {
                let ha1 = md5_hex("admin:cam:12345");
                let ha2 = md5_hex(&format!("DESCRIBE:{uri}"));
                let expected = match digest_param(v, "qop") {
                    Some(_) => md5_hex(&format!(
                        "{ha1}:{nonce}:{}:{}:auth:{ha2}",
                        digest_param(v, "nc").unwrap_or_default(),
                        digest_param(v, "cnonce").unwrap_or_default()
                    )),
                    None => md5_hex(&format!("{ha1}:{nonce}:{ha2}")),
                };
                digest_param(v, "username").as_deref() == Some("admin")
                    && digest_param(v, "uri").as_deref() == Some(uri.as_str())
                    && digest_param(v, "response") == Some(expected)
            }
        };
        let reply = if authorised {
            format!(
                "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{SDP}",
                SDP.len()
            )
        } else {
            let challenge = match mode {
                RtspMode::Digest => {
                    format!("Digest realm=\"cam\", nonce=\"{nonce}\", qop=\"auth\"")
                }
                _ => "Basic realm=\"cam\"".to_owned(),
            };
            format!(
                "RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\nWWW-Authenticate: {challenge}\r\nContent-Length: 0\r\n\r\n"
            )
        };
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

#[test]
fn rtsp_basic_and_digest_defaults_are_proven_by_sdp() {
    let cases: [Case; 5] = [
        (
            1,
            |s| rtsp_session(s, RtspMode::Basic),
            "net-default-credential fail: default credential admin:12345 logs in to rtsp (universal default)",
        ),
        (
            2,
            |s| rtsp_session(s, RtspMode::Digest),
            "net-default-credential fail: default credential admin:12345 logs in to rtsp (universal default)",
        ),
        (
            3,
            |s| rtsp_session(s, RtspMode::Liar),
            "net-default-credential info: none of 16 default credentials logged in to rtsp",
        ),
        (
            4,
            |s| rtsp_session(s, RtspMode::Open),
            "net-no-authentication fail: rtsp accepts logins without valid credentials",
        ),
        (
            5,
            |s| rtsp_session(s, RtspMode::StrictBasic),
            "net-default-credential fail: default credential admin:12345 logs in to rtsp (universal default)",
        ),
    ];
    for (last, handler, want) in cases {
        let ip = loopback(last);
        let port = serve(ip, 200, handler);
        let report = probe_port(ip, port);
        let services: Vec<&str> = report.services.iter().map(|s| s.service.as_str()).collect();
        assert_eq!(services, ["rtsp"], "127.0.91.{last}");
        assert_eq!(credential_findings(&report), [want], "127.0.91.{last}");
        if let Some((_, proof)) = report
            .credentials
            .first()
            .and_then(|c| c.report.working.first())
        {
            assert!(
                proof.starts_with("DESCRIBE answered 200 with an SDP description (v=0"),
                "{proof}"
            );
        }
    }
}

// ---- HTTP forms ------------------------------------------------------------

const LOGIN_PAGE: &str = "<html><form method=\"post\" action=\"/cgi-bin/login.cgi\"><input name=\"username\"><input type=\"password\" name=\"password\"></form></html>";

fn http_reply(out: &mut TcpStream, status: &str, headers: &str, body: &str) {
    let _ = out.write_all(
        format!(
            "HTTP/1.0 {status}\r\nServer: camweb\r\n{headers}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
}

/// A camera web UI: admin/1234 logs in; the status page needs the session.
/// With `lying`, every login "succeeds" but no session is ever honoured.
fn form_session(stream: TcpStream, lying: bool) {
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let Some((lines, body)) = read_request(&mut reader) else {
        return;
    };
    let first = lines.first().cloned().unwrap_or_default();
    let session = "SESSIONID=7c0ffee";
    if first.starts_with("GET /login.html ") {
        http_reply(&mut out, "200 OK", "", LOGIN_PAGE);
    } else if first.starts_with("POST /cgi-bin/login.cgi ") {
        let body = String::from_utf8_lossy(&body);
        let ok = body == "username=admin&password=1234&lang=en";
        if ok || lying {
            http_reply(
                &mut out,
                "302 Found",
                &format!("Location: /index.html\r\nSet-Cookie: {session}; Path=/; HttpOnly\r\n"),
                "",
            );
        } else {
            http_reply(&mut out, "200 OK", "", "Invalid user name or password");
        }
    } else if first.starts_with("GET /status.html ") {
        let cookie = header(&lines, "cookie").unwrap_or_default();
        if cookie.contains(session) && !lying {
            http_reply(&mut out, "200 OK", "", "<p>Firmware version 1.0.4</p>");
        } else {
            http_reply(&mut out, "302 Found", "Location: /login.html\r\n", "");
        }
    } else {
        http_reply(&mut out, "200 OK", "", "<html>cam</html>");
    }
}

#[test]
fn http_form_logins_need_the_protected_page() {
    let cases: [Case; 2] = [
        (
            10,
            |s| form_session(s, false),
            "net-default-credential fail: default credential admin:1234 logs in to http-form (universal default)",
        ),
        (
            11,
            |s| form_session(s, true),
            "net-default-credential info: none of 16 default credentials logged in to http-form",
        ),
    ];
    for (last, handler, want) in cases {
        let ip = loopback(last);
        let port = serve(ip, 300, handler);
        let report = probe_port(ip, port);
        assert_eq!(credential_findings(&report), [want], "127.0.91.{last}");
        let c = report
            .credentials
            .first()
            .unwrap_or_else(|| panic!("no credential report"));
        assert_eq!(c.report.mechanism, "http-form");
        assert!(!c.report.no_authentication);
        if let Some((_, proof)) = c.report.working.first() {
            assert!(
                proof.starts_with("form `cgi-session-login` accepted the login (302)"),
                "{proof}"
            );
        }
    }
}

#[test]
fn web_servers_without_a_known_form_get_no_credential_check() {
    let ip = loopback(12);
    let port = serve(ip, 50, |s| {
        let Ok(mut out) = s.try_clone() else { return };
        let mut reader = BufReader::new(s);
        if read_request(&mut reader).is_some() {
            http_reply(&mut out, "200 OK", "", "<html>plain</html>");
        }
    });
    let report = probe_port(ip, port);
    assert!(report.credentials.is_empty(), "{:?}", report.credentials);
    assert!(credential_findings(&report).is_empty());
}
