//! `touchstone mitm` against real TLS clients over loopback: clients that
//! validate certificates (rustls with the webpki roots, curl, openssl
//! s_client) must be recorded as rejecting, clients that do not (rustls with
//! an accept-all verifier, `curl -k`) must be reported with what they sent.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use touchstone_probe::mitm::{MitmOptions, MitmReport, MitmServer, Outcome};

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 91, last))
}

/// Start a MITM server for `max` connections on a free port; returns its
/// address and the handle that yields the report.
fn serve(ip: IpAddr, max: usize) -> (SocketAddr, std::thread::JoinHandle<MitmReport>) {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        runtime.block_on(async move {
            let mut options = MitmOptions::new(SocketAddr::new(ip, 0));
            options.name = "cloud.example".into();
            options.max_connections = max;
            options.duration = Duration::from_secs(30);
            options.handshake_timeout = Duration::from_secs(10);
            options.data_wait = Duration::from_secs(3);
            let server = MitmServer::bind(options)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let _ = tx.send(server.local_addr());
            server.run().await
        })
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("the MITM server did not start"));
    (addr, handle)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A verifier that accepts every certificate, as broken device firmware does.
#[derive(Debug)]
struct AcceptAll(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAll {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Connect with rustls, send an HTTP request; the client's own verdict.
fn rustls_client(addr: SocketAddr, validating: bool) -> Result<(), String> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let config = if validating {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAll(provider())))
            .with_no_client_auth()
    };
    let name = ServerName::try_from("cloud.example").map_err(|e| e.to_string())?;
    let conn = rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let sock =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(
        b"GET /v1/telemetry?device_key=SECRET HTTP/1.1\r\nHost: cloud.example\r\nAuthorization: Bearer SECRET\r\n\r\n",
    )
    .map_err(|e| e.to_string())?;
    let mut rest = Vec::new();
    let _ = tls.read_to_end(&mut rest);
    Ok(())
}

fn only(report: &MitmReport) -> &touchstone_probe::mitm::ClientObservation {
    assert_eq!(report.connections.len(), 1, "{:#?}", report.connections);
    report
        .connections
        .first()
        .unwrap_or_else(|| panic!("no connection"))
}

fn finding_line(report: &MitmReport) -> String {
    let f = report
        .findings
        .first()
        .unwrap_or_else(|| panic!("no finding"));
    format!(
        "{} {} {}",
        f.check,
        f.supports.as_str(),
        f.severity.as_str()
    )
}

#[test]
fn rustls_client_with_webpki_roots_rejects_the_impostor() {
    let (addr, server) = serve(loopback(1), 1);
    let client = rustls_client(addr, true);
    let report = server.join().unwrap_or_else(|_| panic!("server panicked"));
    assert!(client.is_err(), "a validating client must fail");
    let c = only(&report);
    assert_eq!(c.outcome, Outcome::RejectedWithAlert, "{c:#?}");
    assert!(!c.handshake_completed);
    assert_eq!(c.alert.as_deref(), Some("unknown_ca (48)"));
    let hello = c.hello.clone().unwrap_or_default();
    assert_eq!(hello.sni.as_deref(), Some("cloud.example"));
    assert_eq!(hello.versions, ["TLSv1.3", "TLSv1.2"]);
    assert!(
        hello
            .cipher_suites
            .contains(&"TLS_AES_128_GCM_SHA256".to_owned())
    );
    assert_eq!(finding_line(&report), "net-tls-client-validation pass info");
}

#[test]
fn rustls_client_without_verification_is_reported_with_its_request() {
    let (addr, server) = serve(loopback(2), 1);
    let client = rustls_client(addr, false);
    let report = server.join().unwrap_or_else(|_| panic!("server panicked"));
    assert!(client.is_ok(), "{client:?}");
    let c = only(&report);
    assert_eq!(c.outcome, Outcome::AcceptedAndSentData, "{c:#?}");
    assert!(c.handshake_completed);
    assert_eq!(c.negotiated_version.as_deref(), Some("TLSv1.3"));
    assert_eq!(
        c.application_data.as_deref(),
        Some(
            "GET /v1/telemetry?… HTTP/1.1 (headers: Host, Authorization); credentials sent to the impostor"
        )
    );
    assert_eq!(finding_line(&report), "net-tls-client-validation fail high");
    let f = report
        .findings
        .first()
        .map(|f| f.message.clone())
        .unwrap_or_default();
    assert!(
        f.contains("accepted an untrusted certificate for `cloud.example`"),
        "{f}"
    );
    // The secret never reaches the report.
    let json = serde_json::to_string(&report).unwrap_or_default();
    assert!(!json.contains("SECRET"), "{json}");
    // The findings part is a findings file the engine reads.
    let text = touchstone_core::findings_to_json(&report.finding_set());
    let parsed =
        touchstone_core::parse_findings(&text, "mitm.json").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.findings.len(), 1);
}

/// curl as the device client: `-k` accepts anything, plain curl validates.
#[test]
fn curl_with_and_without_k() {
    for (insecure, last) in [(true, 3u8), (false, 4u8)] {
        let (addr, server) = serve(loopback(last), 1);
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "-o", "/dev/null", "--max-time", "10", "--resolve"])
            .arg(format!("cloud.example:{}:{}", addr.port(), addr.ip()))
            .arg(format!(
                "https://cloud.example:{}/api/ping?id=7",
                addr.port()
            ));
        if insecure {
            cmd.arg("-k");
        }
        let status = cmd
            .stdin(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("curl: {e}"));
        let report = server.join().unwrap_or_else(|_| panic!("server panicked"));
        let c = only(&report);
        if insecure {
            assert_eq!(c.outcome, Outcome::AcceptedAndSentData, "{c:#?}");
            let data = c.application_data.as_deref().unwrap_or_default();
            assert!(
                data.starts_with("GET /api/ping?… HTTP/1.1 (headers: Host"),
                "{data}"
            );
            assert_eq!(finding_line(&report), "net-tls-client-validation fail high");
        } else {
            assert_eq!(
                status.code(),
                Some(60),
                "curl reports a certificate problem"
            );
            assert_eq!(c.outcome, Outcome::RejectedWithAlert, "{c:#?}");
            assert_eq!(c.alert.as_deref(), Some("unknown_ca (48)"));
            assert_eq!(finding_line(&report), "net-tls-client-validation pass info");
        }
    }
}

#[test]
fn openssl_s_client_with_verify_return_error_rejects() {
    let (addr, server) = serve(loopback(5), 1);
    let out = Command::new("openssl")
        .args(["s_client", "-connect"])
        .arg(addr.to_string())
        .args([
            "-servername",
            "cloud.example",
            "-verify_return_error",
            "-brief",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("openssl: {e}"));
    let report = server.join().unwrap_or_else(|_| panic!("server panicked"));
    assert!(!out.status.success());
    let c = only(&report);
    assert_eq!(c.outcome, Outcome::RejectedWithAlert, "{c:#?}");
    assert_eq!(finding_line(&report), "net-tls-client-validation pass info");
}

#[test]
fn a_client_that_speaks_no_tls_and_a_run_without_clients() {
    let (addr, server) = serve(loopback(6), 1);
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    let _ = s.write_all(b"GET / HTTP/1.1\r\n\r\n");
    let report = server.join().unwrap_or_else(|_| panic!("server panicked"));
    assert_eq!(only(&report).outcome, Outcome::NotTls);
    assert_eq!(finding_line(&report), "net-tls-client-validation info info");

    // Nobody connects: the run ends at its duration with one hint.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let report = runtime.block_on(async {
        let mut options = MitmOptions::new(SocketAddr::new(loopback(7), 0));
        options.duration = Duration::from_millis(200);
        MitmServer::bind(options)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .run()
            .await
    });
    assert!(report.connections.is_empty());
    let msg = report
        .findings
        .first()
        .map(|f| f.message.clone())
        .unwrap_or_default();
    assert!(msg.starts_with("no TLS client connected"), "{msg}");
}

#[test]
fn refuses_every_interface_without_the_flag() {
    let err =
        touchstone_probe::mitm::run_blocking(MitmOptions::new(SocketAddr::from(([0, 0, 0, 0], 0))))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
    assert!(err.contains("refused"), "{err}");
}

/// openssl s_client without `-verify_return_error` only warns about the
/// certificate: over TLS 1.2 it completes the handshake, then closes without
/// data (stdin is empty). That is acceptance too, of lower severity.
#[test]
fn tls12_client_that_completes_the_handshake_without_data() {
    let (addr, server) = serve(loopback(8), 1);
    let out = Command::new("openssl")
        .args(["s_client", "-connect"])
        .arg(addr.to_string())
        .args(["-servername", "cloud.example", "-tls1_2"])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("openssl: {e}"));
    let report = server.join().unwrap_or_else(|_| panic!("server panicked"));
    let c = only(&report);
    assert_eq!(c.outcome, Outcome::AcceptedNoData, "{c:#?} {out:?}");
    assert!(c.handshake_completed);
    assert_eq!(c.negotiated_version.as_deref(), Some("TLSv1.2"));
    assert_eq!(
        c.hello.as_ref().map(|h| h.versions.clone()),
        Some(vec!["TLSv1.2".to_owned()])
    );
    assert_eq!(
        finding_line(&report),
        "net-tls-client-validation fail medium"
    );
}
