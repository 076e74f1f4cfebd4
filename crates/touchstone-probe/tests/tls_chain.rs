//! Chain validation by the rustls handshake, and security.txt over HTTPS,
//! against TLS servers on loopback that present certificates this test
//! generates: valid under a lab CA, self-signed, expired and issued for
//! another name.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, date_time_ymd,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use touchstone_probe::tls::LabAnchors;
use touchstone_probe::{Options, Ports, ProbeReport};

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 90, last))
}

struct LabCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl LabCa {
    fn new() -> LabCa {
        let key = KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
        let mut params =
            CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| panic!("{e}"));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Touchstone test lab CA");
        let issuer = CertifiedIssuer::self_signed(params, key).unwrap_or_else(|e| panic!("{e}"));
        LabCa { issuer }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }
}

enum Signer<'a> {
    Ca(&'a LabCa),
    SelfSigned,
}

/// A leaf for `names`, valid over `years`, and the chain to serve.
fn leaf(
    names: &[&str],
    years: (i32, i32),
    signer: Signer<'_>,
) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let key = KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
    let mut params =
        CertificateParams::new(names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
            .unwrap_or_else(|e| panic!("{e}"));
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.not_before = date_time_ymd(years.0, 1, 1);
    params.not_after = date_time_ymd(years.1, 1, 1);
    let cert = match signer {
        Signer::Ca(ca) => params.signed_by(&key, &ca.issuer),
        Signer::SelfSigned => params.self_signed(&key),
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let mut chain = vec![cert.der().clone()];
    if let Signer::Ca(ca) = signer {
        chain.push(ca.issuer.der().clone());
    }
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (chain, key)
}

/// What the HTTPS server answers to a request path (the raw HTTP answer).
type Responder = Arc<dyn Fn(&str) -> String + Send + Sync>;

fn not_found() -> Responder {
    Arc::new(|_| "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_owned())
}

/// A rustls TLS 1.2/1.3 server on `ip` serving one chain and answering
/// HTTP requests with `respond`; it handles a bounded number of
/// connections, each bounded in time.
fn tls_server(
    ip: IpAddr,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    respond: Responder,
) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| panic!("{e}"))
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap_or_else(|e| panic!("{e}"));
    let config = Arc::new(config);
    let listener = TcpListener::bind(SocketAddr::new(ip, 0)).unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut sock) = stream else { continue };
            let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = sock.set_write_timeout(Some(Duration::from_secs(5)));
            let Ok(mut conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            for _ in 0..16 {
                if !conn.is_handshaking() || conn.complete_io(&mut sock).is_err() {
                    break;
                }
            }
            if conn.is_handshaking() {
                continue;
            }
            let mut tls = rustls::StreamOwned::new(conn, sock);
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            for _ in 0..16 {
                match tls.read(&mut buf) {
                    Ok(n) if n > 0 => request.extend_from_slice(&buf[..n]),
                    _ => break,
                }
                if request.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            let text = String::from_utf8_lossy(&request);
            let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let _ = tls.write_all(respond(&path).as_bytes());
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    port
}

fn probe(ip: IpAddr, port: u16, lab: Option<&LabCa>) -> ProbeReport {
    let lab_anchors = lab.map_or_else(LabAnchors::default, |ca| {
        LabAnchors::from_pem_or_der(ca.pem().as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    });
    let options = Options {
        ports: Ports::List(vec![port]),
        udp: Vec::new(),
        credentials: false,
        lab_anchors,
        ..Options::default()
    };
    touchstone_probe::probe_blocking(&ip.to_string(), &options).unwrap_or_else(|e| panic!("{e}"))
}

/// `supports severity code` of every net-tls-chain finding.
fn chain_findings(r: &ProbeReport) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.check == "net-tls-chain")
        .map(|f| {
            let code = f
                .evidence
                .as_deref()
                .and_then(|e| e.split(';').next())
                .unwrap_or_default();
            format!("{} {} {code}", f.supports.as_str(), f.severity.as_str())
        })
        .collect()
}

/// (case, chain signer, names, validity years, lab CA given, expected findings)
type Case<'a> = (
    &'a str,
    Signer<'a>,
    Vec<&'a str>,
    (i32, i32),
    Option<&'a LabCa>,
    Vec<&'a str>,
);

#[test]
fn chains_are_judged_against_public_roots_lab_anchors_name_and_validity() {
    let ca = LabCa::new();
    let other_ca = LabCa::new();
    let ip = loopback(61);
    let name = ip.to_string();
    // (case, chain signer, names, validity years, lab CA given, expected findings)
    let cases: Vec<Case<'_>> = vec![
        (
            "valid under the lab CA",
            Signer::Ca(&ca),
            vec![&name],
            (2024, 2090),
            Some(&ca),
            vec!["pass info valid"],
        ),
        (
            "valid under the lab CA, but no --ca given",
            Signer::Ca(&ca),
            vec![&name],
            (2024, 2090),
            None,
            vec!["info info untrusted"],
        ),
        (
            "issued by another CA than the lab's",
            Signer::Ca(&other_ca),
            vec![&name],
            (2024, 2090),
            Some(&ca),
            vec!["fail medium untrusted"],
        ),
        (
            "self-signed",
            Signer::SelfSigned,
            vec![&name],
            (2024, 2090),
            Some(&ca),
            vec!["fail medium untrusted", "info info self_signed"],
        ),
        (
            "expired",
            Signer::Ca(&ca),
            vec![&name],
            (2019, 2021),
            Some(&ca),
            vec!["fail medium untrusted", "fail medium expired"],
        ),
        (
            "wrong name",
            Signer::Ca(&ca),
            vec!["camera.other.example"],
            (2024, 2090),
            Some(&ca),
            vec!["fail medium name_mismatch"],
        ),
    ];
    for (case, signer, names, years, lab, expected) in cases {
        let (chain, key) = leaf(&names, years, signer);
        let port = tls_server(ip, chain, key, not_found());
        let report = probe(ip, port, lab);
        assert_eq!(chain_findings(&report), expected, "{case}: {report:#?}");
        let endpoint = report
            .tls
            .first()
            .unwrap_or_else(|| panic!("{case}: no TLS"));
        let chain = endpoint
            .report
            .chain
            .as_ref()
            .unwrap_or_else(|| panic!("{case}"));
        assert!(
            chain
                .negotiated
                .as_deref()
                .is_some_and(|n| n.starts_with("TLSv1.3")),
            "{case}: {chain:?}"
        );
        // The Mozilla roots never trust a test certificate.
        assert_eq!(
            chain.public_roots.as_ref().map(|t| t.valid),
            Some(false),
            "{case}"
        );
        // TLS 1.3 hides the certificate from the hand-built hellos; the
        // rustls handshake fills it in.
        assert!(endpoint.report.certificate.is_some(), "{case}");
    }
}

#[test]
fn ca_files_that_hold_no_certificate_are_refused_with_a_hint() {
    let err = LabAnchors::from_pem_or_der(
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.contains("no certificate found"), "{err}");
    assert!(LabAnchors::from_pem_or_der(b"").is_err());
}

const NOW: i64 = 1_795_910_400; // 2026-11-28

fn fetch(url: &str, lab: Option<&LabCa>) -> touchstone_probe::security_txt::fetch::Fetched {
    use touchstone_probe::security_txt::fetch::{FetchOptions, fetch};
    let options = FetchOptions {
        timeout: Duration::from_secs(5),
        lab_anchors: lab.map_or_else(LabAnchors::default, |ca| {
            LabAnchors::from_pem_or_der(ca.pem().as_bytes()).unwrap_or_else(|e| panic!("{e}"))
        }),
        now: NOW,
        ..FetchOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let fetched = runtime
        .block_on(fetch(url, &options))
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let findings = touchstone_probe::checks::security_txt::for_fetched(&fetched);
    // The findings are the check's view of the same document.
    let codes: Vec<&str> = findings
        .iter()
        .filter_map(|f| f.evidence.as_deref())
        .collect();
    if let Some(doc) = &fetched.document {
        let problems: Vec<&str> = doc.problems.iter().map(|p| p.code).collect();
        assert_eq!(codes, problems, "{url}");
    }
    fetched
}

fn problem_codes(f: &touchstone_probe::security_txt::fetch::Fetched) -> Vec<&'static str> {
    f.document
        .as_ref()
        .map(|d| d.problems.iter().map(|p| p.code).collect())
        .unwrap_or_default()
}

#[test]
fn security_txt_is_fetched_over_https_with_redirects_and_certificate_problems() {
    let ca = LabCa::new();
    let ip = loopback(62);
    let name = ip.to_string();

    // A device with a lab-CA certificate that redirects the well-known
    // path to where the file lives; the file names that URL as Canonical.
    let (chain, key) = leaf(&[&name], (2024, 2090), Signer::Ca(&ca));
    let canonical: &'static str =
        Box::leak(format!("https://{name}:PORT/files/security.txt").into_boxed_str());
    let port_cell = Arc::new(std::sync::OnceLock::<u16>::new());
    let cell = port_cell.clone();
    let good = tls_server(
        ip,
        chain,
        key,
        Arc::new(move |path| match path {
            "/.well-known/security.txt" => {
                "HTTP/1.1 302 Found\r\nLocation: /files/security.txt\r\nContent-Length: 0\r\n\r\n"
                    .to_owned()
            }
            "/files/security.txt" => {
                let canonical =
                    canonical.replace("PORT", &cell.get().copied().unwrap_or(0).to_string());
                let body = format!(
                    "Contact: mailto:psirt@acme.example\r\nExpires: 2027-06-30T00:00:00Z\r\nCanonical: {canonical}\r\n"
                );
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
            }
            _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_owned(),
        }),
    );
    let _ = port_cell.set(good);
    let f = fetch(&format!("https://{name}:{good}/"), Some(&ca));
    assert_eq!(
        f.url,
        Some(format!("https://{name}:{good}/files/security.txt"))
    );
    assert_eq!(problem_codes(&f), ["no_signature"], "{f:#?}");
    let statuses: Vec<Option<u16>> = f.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(302), Some(200)]);
    // Without the lab CA the certificate is only not publicly trusted (a
    // device maker's CA): reported with the hint to give it, not failed.
    let f = fetch(&format!("https://{name}:{good}/"), None);
    assert_eq!(
        problem_codes(&f),
        ["not_publicly_trusted", "no_signature"],
        "{f:#?}"
    );

    // A self-signed device serving only the legacy location, with a
    // Canonical naming another URL and no Expires.
    let (chain, key) = leaf(&[&name], (2024, 2090), Signer::SelfSigned);
    let legacy = tls_server(
        ip,
        chain,
        key,
        Arc::new(|path| {
            match path {
            "/security.txt" => "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nContact: mailto:psirt@acme.example\r\nCanonical: https://acme.example/.well-known/security.txt\r\n".to_owned(),
            _ => "HTTP/1.0 404 Not Found\r\n\r\n".to_owned(),
        }
        }),
    );
    let f = fetch(&format!("https://{name}:{legacy}"), Some(&ca));
    assert_eq!(
        problem_codes(&f),
        [
            "invalid_cert",
            "legacy_location",
            "no_expires",
            "canonical_mismatch",
            "no_signature"
        ],
        "{f:#?}"
    );
    let cert = f
        .certificate
        .as_ref()
        .unwrap_or_else(|| panic!("certificate judged"));
    let cert_codes: Vec<&str> = cert.problems.iter().map(|p| p.code).collect();
    assert_eq!(cert_codes, ["untrusted", "self_signed"]);

    // Redirects to another host are never followed; redirect loops end.
    let (chain, key) = leaf(&[&name], (2024, 2090), Signer::Ca(&ca));
    let hostile = tls_server(
        ip,
        chain,
        key,
        Arc::new(|path| {
            match path {
            "/.well-known/security.txt" => "HTTP/1.0 301 Moved\r\nLocation: https://acme.example/.well-known/security.txt\r\n\r\n".to_owned(),
            _ => "HTTP/1.0 302 Found\r\nLocation: /security.txt\r\n\r\n".to_owned(),
        }
        }),
    );
    let f = fetch(&format!("https://{name}:{hostile}/"), Some(&ca));
    assert!(f.document.is_none());
    let notes: Vec<&str> = f.attempts.iter().map(|a| a.note.as_str()).collect();
    assert_eq!(notes.len(), 5, "{notes:?}");
    assert!(notes[0].contains("not followed"), "{notes:?}");
    assert!(notes[4].contains("redirect limit of 3"), "{notes:?}");

    // The probe asks the device's HTTPS services for the file.
    let report = probe(ip, good, Some(&ca));
    assert_eq!(report.security_txt.len(), 1);
    let sectxt: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.check == "net-security-txt")
        .map(|f| {
            format!(
                "{} {}",
                f.supports.as_str(),
                f.evidence.as_deref().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(sectxt, ["pass -", "info no_signature"]);
    let report = probe(ip, hostile, Some(&ca));
    let sectxt: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.check == "net-security-txt")
        .map(|f| {
            format!(
                "{} {}",
                f.supports.as_str(),
                f.evidence.as_deref().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(sectxt, ["info no_security_txt"]);
}

#[test]
fn endless_security_txt_answers_are_bounded() {
    let ca = LabCa::new();
    let ip = loopback(64);
    let (chain, key) = leaf(&[&ip.to_string()], (2024, 2090), Signer::Ca(&ca));
    let port = tls_server(
        ip,
        chain,
        key,
        Arc::new(|_| {
            let mut answer = String::from("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n");
            for _ in 0..40_000 {
                answer.push_str("Contact: mailto:psirt@acme.example\n");
            }
            answer
        }),
    );
    let f = fetch(&format!("https://{ip}:{port}/"), Some(&ca));
    let doc = f.document.as_ref().unwrap_or_else(|| panic!("{f:#?}"));
    // 64 KiB of 35-byte lines: under 2,000 fields were read of 40,000.
    let contacts = doc.values("Contact").len();
    assert!((1_000..2_000).contains(&contacts), "{contacts}");
    assert!(problem_codes(&f).contains(&"no_expires"));
}
