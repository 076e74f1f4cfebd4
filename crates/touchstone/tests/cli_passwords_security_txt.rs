//! `touchstone passwords analyze` and `touchstone security-txt`: exit
//! codes, JSON shape and error messages.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn touchstone(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("the touchstone binary runs: {e}"))
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn passwords_analyze_reports_derivations_and_exits_by_the_findings() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    // Passwords = last 6 hex digits of the MAC: derived.
    let mut derived = String::from("mac,serial,password\n");
    let mut random = String::from("serial;x,mac,password\n");
    for i in 0..5u32 {
        let mac = format!("A4:5E:60:1C:{:02X}:{:02X}", i, 0x10 + i);
        let tail = mac.replace(':', "")[6..].to_owned();
        derived.push_str(&format!("{mac},S{i},{tail}\n"));
        random.push_str(&format!(
            "S{i},{mac},\"{}\"\n",
            [
                "q7#Lp2!vZx9@",
                "Mw4$tR8^yB1&",
                "k3P!x9Qz@7Lm",
                "Zr5%Nb2*Hq6#",
                "t8W@c4Vn!1Xs"
            ][i as usize]
        ));
    }
    write(dir, "derived.csv", &derived);
    write(dir, "random.csv", &random);
    write(
        dir,
        "broken.csv",
        "mac,password\n00:11:22:33:44:55,a\n00:11:22:33:44,b\n",
    );

    let o = touchstone(
        dir,
        &["passwords", "analyze", "derived.csv", "--format", "json"],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("JSON: {e}"));
    assert_eq!(v["schema"], "touchstone.findings/v1");
    assert_eq!(v["findings"][0]["check"], "pw-generation");
    assert_eq!(v["findings"][0]["supports"], "fail");
    assert_eq!(v["findings"][0]["provisions"][0], "5.1-2");
    assert_eq!(
        v["analysis"]["schemes"][0]["rule"],
        "last 6 characters of MAC"
    );

    let o = touchstone(dir, &["passwords", "analyze", "random.csv"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("no derivation from MAC or serial"), "{out}");

    let o = touchstone(dir, &["passwords", "analyze", "broken.csv"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("line 3, column 1"), "{err}");
    assert!(err.contains("hint: write 12 hex digits"), "{err}");
}

#[test]
fn security_txt_validates_files_and_urls() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    write(
        dir,
        "good.txt",
        "Contact: mailto:psirt@acme.example\nExpires: 2099-01-01T00:00:00Z\n",
    );
    write(
        dir,
        "expired.txt",
        "Contact: mailto:psirt@acme.example\nExpires: 2001-01-01T00:00:00Z\n",
    );
    let o = touchstone(dir, &["security-txt", "good.txt"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = touchstone(dir, &["security-txt", "expired.txt", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("JSON: {e}"));
    assert_eq!(v["findings"][0]["evidence"], "expired");
    let o = touchstone(dir, &["security-txt", "missing.txt"]);
    assert_eq!(o.status.code(), Some(2));

    // Over plain HTTP on loopback: the file is read but does not count.
    let listener = TcpListener::bind("127.0.90.63:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for s in listener.incoming().take(4) {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nContact: mailto:psirt@acme.example\r\nExpires: 2099-01-01T00:00:00Z\r\n");
        }
    });
    let url = format!("http://127.0.90.63:{port}/");
    let o = touchstone(dir, &["security-txt", &url, "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("JSON: {e}"));
    assert_eq!(
        v["url"],
        format!("http://127.0.90.63:{port}/.well-known/security.txt")
    );
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["evidence"].as_str()).collect())
        .unwrap_or_default();
    assert!(codes.contains(&"not_https"), "{codes:?}");
}
