//! `touchstone probe` prints text a device chose: escape sequences in its
//! banners must reach the terminal escaped, and JSON must keep them exactly.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

/// An HTTP server on loopback whose `Server` header and body carry terminal
/// escape sequences (a title change and a screen clear).
fn hostile_http() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.0 200 OK\r\nServer: Evil\x1b]0;owned\x07/1.0\x1b[2J\r\nContent-Type: text/html\r\n\r\n<html>\x1b[31mhi</html>",
            );
        }
    });
    port
}

#[test]
fn device_text_is_escaped_for_humans_and_exact_in_json() {
    let port = hostile_http().to_string();
    let args = [
        "probe",
        "127.0.0.1",
        "--ports",
        port.as_str(),
        "--no-credentials",
        "--max-time",
        "60",
    ];
    let human = Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&human.stdout);
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert!(human.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("Evil"),
        "the hostile product must be shown: {stdout}"
    );
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(
            !text.chars().any(|c| c == '\u{1b}' || c == '\u{7}'),
            "raw control characters on {name}: {text:?}"
        );
    }
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json = Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(&json_args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let value: serde_json::Value =
        serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{e}"));
    let http = value["http"][0]["headers"]
        .as_array()
        .unwrap_or_else(|| panic!("no http headers: {value}"));
    assert!(
        http.iter()
            .any(|h| h[1].as_str() == Some("Evil\u{1b}]0;owned\u{7}/1.0\u{1b}[2J")),
        "JSON keeps the exact header: {http:?}"
    );
}
