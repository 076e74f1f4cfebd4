//! The probe against a simulated weak IoT device: real Debian daemons in a
//! network namespace the test creates (see `support/mod.rs`).

mod support;

use std::time::{Duration, Instant};

use support::{Device, weak_camera};
use touchstone_probe::{Options, ProbeReport};

fn inventory(r: &ProbeReport) -> Vec<String> {
    r.services
        .iter()
        .map(|s| {
            format!(
                "{}/{} {} {} {}",
                s.port,
                s.transport.as_str(),
                s.service,
                s.product.as_deref().unwrap_or("-"),
                s.version.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

fn findings(r: &ProbeReport) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.check != "net-service-inventory")
        .map(|f| {
            let port = match &f.location {
                Some(touchstone_core::Location::Network { port: Some(p), .. }) => p.to_string(),
                _ => "-".into(),
            };
            format!(
                "{} {} {} {}: {}",
                f.check,
                f.supports.as_str(),
                f.severity.as_str(),
                port,
                f.message
            )
        })
        .collect()
}

/// The tests of this file run one at a time: the brute-force verdicts of the
/// full probe are judged from answer times, which a concurrent fuzzing run
/// on the same two cores disturbs.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
#[allow(clippy::print_stderr)] // the measurement is printed for BENCHMARKS.md
fn full_default_probe_of_a_weak_camera() {
    let _serial = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let device = weak_camera();
    let started = Instant::now();
    let report = touchstone_probe::probe_blocking(&device.target(), &Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();
    // Nothing skipped: even the TLS 1.0-only service, which rustls refuses,
    // is read by the probe's own TLS 1.0 client (its inner protocol and its
    // security.txt).
    let problems: Vec<&str> = report.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(problems, Vec::<&str>::new());
    assert_eq!(
        inventory(&report),
        [
            "21/tcp ftp vsFTPd 3.0.3",
            "22/tcp ssh dropbear 2022.83",
            "23/tcp telnet - -",
            "80/tcp http lighttpd 1.4.69",
            "1883/tcp mqtt - -",
            "1884/tcp mqtt - -",
            "2323/tcp telnet - -",
            // `openssl s_server -www` answers HTTP inside TLS (1.0 only
            // on 4433, read by the probe's own client).
            "4433/tcp https - -",
            // miniupnpd's description server: the product is the last token
            // of `Server: OS/version UPnP/1.1 MiniUPnPd/2.3.1`.
            "5000/tcp http MiniUPnPd 2.3.1",
            // libcoap's coap-server also speaks CoAP over TCP.
            "5683/tcp coap - -",
            "8080/tcp http lighttpd 1.4.69",
            // `openssl s_server -www` answers HTTP inside TLS.
            "8443/tcp https - -",
            "1900/udp ssdp MiniUPnPd 2.3.1",
            "5353/udp mdns - -",
            "5683/udp coap - -",
        ],
        "exact inventory; only the UDP services that answer their protocol's request"
    );
    // lighttpd and vsftpd delay each failed login by about a second, but per
    // connection: wrong logins made in parallel are all answered after one
    // second, so guessing in parallel is not limited (no pass).
    let mut got: Vec<String> = findings(&report);
    got.sort();
    let weak_cbc = "(weak): CBC with MAC-then-encrypt is prone to padding oracles (Lucky13); RFC 9325 prefers AEAD suites";
    let static_rsa =
        "(weak): static RSA key exchange has no forward secrecy (RFC 9325 recommends against it)";
    let mut want: Vec<String> = vec![
        "net-cleartext-service fail high 23: telnet on port 23 carries credentials in clear text".into(),
        "net-cleartext-service fail high 2323: telnet on port 2323 carries credentials in clear text".into(),
        // Credentials: each with a positive proof; the fake console on 2323
        // shows a root prompt for anything and must yield no credential.
        "net-default-credential fail critical 23: default credential root:xc3511 logs in to telnet (universal default)".into(),
        // SSH: `support` kept its factory password; `root` and `admin` have
        // unique ones and must not be reported.
        "net-default-credential fail critical 22: default credential support:support logs in to ssh (universal default)".into(),
        "net-brute-force-protection info low 22: no lockout, refusal or delay growth within 3 wrong ssh logins".into(),
        "net-default-credential fail critical 80: default credential admin:admin logs in to http-basic (universal default)".into(),
        "net-default-credential fail critical 1884: default credential admin:password logs in to mqtt (universal default)".into(),
        "net-default-credential info info 2323: none of 16 default credentials logged in to telnet".into(),
        "net-no-authentication fail high 1883: mqtt accepts logins without valid credentials".into(),
        "net-default-credential fail critical 8080: default credential admin:12345 logs in to http-digest (universal default)".into(),
        "net-brute-force-protection info low 8080: each wrong http-digest login is delayed, but 3 parallel wrong logins were all answered after one delay: guessing in parallel is not limited".into(),
        "net-http-headers fail low 8080: the Server header discloses a software version without authentication".into(),
        "net-http-headers info info 8080: hardening headers missing: Content-Security-Policy, X-Content-Type-Options, X-Frame-Options (or CSP frame-ancestors)".into(),
        "net-http-headers fail low 80: the Server header discloses a software version without authentication".into(),
        "net-http-headers info info 80: hardening headers missing: Content-Security-Policy, X-Content-Type-Options, X-Frame-Options (or CSP frame-ancestors)".into(),
        "net-brute-force-protection info low 23: no lockout, refusal or delay growth within 3 wrong telnet logins".into(),
        "net-brute-force-protection info low 80: each wrong http-basic login is delayed, but 3 parallel wrong logins were all answered after one delay: guessing in parallel is not limited".into(),
        "net-brute-force-protection info low 1884: no lockout, refusal or delay growth within 3 wrong mqtt logins".into(),
        "net-brute-force-protection info low 2323: no lockout, refusal or delay growth within 3 wrong telnet logins".into(),
        "net-tls-legacy-version fail high 4433: accepts TLSv1.0 (insecure): TLS 1.0 is deprecated by RFC 8996 (weak MD5/SHA-1 PRF, BEAST-prone CBC)".into(),
        "net-tls-legacy-version pass info 8443: accepts only TLSv1.2, TLSv1.3".into(),
        "net-tls-certificate info info 4433: certificate is self-signed: clients can only trust it by pinning".into(),
        "net-tls-certificate fail high 4433: 1024-bit RSA key is below the policy minimum of 2048 bits".into(),
        "net-tls-certificate fail high 4433: signed with sha1WithRSAEncryption, a broken hash".into(),
        "net-tls-certificate info info 8443: certificate is self-signed: clients can only trust it by pinning".into(),
        "net-tls-certificate pass info 8443: 2048-bit RSA key, sha256WithRSAEncryption signature, within validity".into(),
        "net-ssh-weak-algorithm fail medium 22: offers key exchange algorithm diffie-hellman-group14-sha1 (weak): SHA-1 exchange hash (RFC 9142: SHOULD NOT)".into(),
        "net-ssh-weak-algorithm fail medium 22: offers host key algorithm ssh-rsa (weak): RSA signatures with SHA-1 (RFC 8332 replaces them with rsa-sha2-*)".into(),
        "net-ssh-weak-algorithm fail medium 22: offers MAC algorithm hmac-sha1 (weak): SHA-1 based MAC (RFC 9325-era guidance prefers SHA-2)".into(),
        "net-ssh-host-key fail high 22: 1024-bit ssh-rsa host key is below the policy minimum of 2048 bits".into(),
        // vsftpd: anonymous off; local accounts log in, so the device's SSH
        // account `support:support` works over FTP too (the unique root,
        // admin and camftp passwords do not); vsftpd waits a second after
        // each failed login.
        "net-cleartext-service fail high 21: ftp on port 21 carries credentials in clear text".into(),
        "net-default-credential fail critical 21: default credential support:support logs in to ftp (universal default)".into(),
        "net-brute-force-protection info low 21: each wrong ftp login is delayed, but 3 parallel wrong logins were all answered after one delay: guessing in parallel is not limited".into(),
        // miniupnpd's description server and the discovery protocols.
        "net-http-headers fail low 5000: the Server header discloses a software version without authentication".into(),
        "net-http-headers info info 5000: hardening headers missing: Content-Security-Policy, X-Content-Type-Options, X-Frame-Options (or CSP frame-ancestors)".into(),
        "net-discovery-disclosure info info -: UPnP description discloses 8 field(s) without authentication".into(),
        "net-discovery-disclosure fail low -: UPnP description discloses the serial number without authentication".into(),
        "net-discovery-disclosure info info 5353: mDNS announces `Garden Cam._http._tcp.local` with 3 TXT string(s)".into(),
        "net-discovery-disclosure fail low 5353: mDNS TXT of `Garden Cam._http._tcp.local` discloses the serial number without authentication".into(),
    ];
    for suite in [
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "TLS_RSA_WITH_AES_256_CBC_SHA",
    ] {
        want.push(format!(
            "net-tls-weak-cipher fail medium 4433: accepts {suite} with TLSv1.0 {static_rsa}"
        ));
    }
    for suite in [
        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    ] {
        want.push(format!(
            "net-tls-weak-cipher fail medium 4433: accepts {suite} with TLSv1.0 {weak_cbc}"
        ));
    }
    for suite in [
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "TLS_RSA_WITH_AES_256_CBC_SHA",
        "TLS_RSA_WITH_AES_128_CBC_SHA256",
        "TLS_RSA_WITH_AES_256_CBC_SHA256",
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_RSA_WITH_AES_256_GCM_SHA384",
    ] {
        want.push(format!(
            "net-tls-weak-cipher fail medium 8443: accepts {suite} with TLSv1.2 {static_rsa}"
        ));
    }
    for suite in [
        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    ] {
        want.push(format!(
            "net-tls-weak-cipher fail medium 8443: accepts {suite} with TLSv1.2 {weak_cbc}"
        ));
    }
    // Chains are judged after one rustls handshake (8443) or from the
    // clear-text TLS 1.0 handshake (4433); both s_server certificates are
    // self-signed CA certificates for a name that is not the address.
    let ip = device.target();
    for (port, name) in [(4433, "weak-cam"), (8443, "good-cam")] {
        want.extend([
            format!("net-tls-chain info info {port}: the chain is not trusted by the Mozilla roots: the leaf is a CA certificate (no public root trusts it; whether clients pin it or trust a private CA is for the IXIT (give the CA with --ca))"),
            format!("net-tls-chain info info {port}: the leaf is self-signed: only a client that pins this certificate can trust it (acceptable only where clients pin this certificate)"),
            format!("net-tls-chain fail medium {port}: the certificate is not valid for `{ip}` (names: {name}) (the certificate does not name the host clients connect to, so a validating client refuses it)"),
        ]);
    }
    want.extend([
        // s_server -www answers every path with its HTML status page.
        format!("net-security-txt info info -: the device serves no security.txt (tried https://{ip}:4433/.well-known/security.txt (200, an HTML page, not a security.txt), https://{ip}:4433/security.txt (200, an HTML page, not a security.txt))"),
        format!("net-security-txt info info -: the device serves no security.txt (tried https://{ip}:8443/.well-known/security.txt (200, an HTML page, not a security.txt), https://{ip}:8443/security.txt (200, an HTML page, not a security.txt))"),
    ]);
    let mut want: Vec<String> = want;
    want.sort();
    // The brute-force verdicts depend on answer times: show them on failure.
    let timings: Vec<(u16, Vec<u64>)> = report
        .credentials
        .iter()
        .filter_map(|c| {
            c.report
                .brute_force
                .as_ref()
                .map(|b| (c.port, b.answer_ms.clone()))
        })
        .collect();
    assert_eq!(got, want, "brute-force answer times (ms): {timings:?}");

    // TLS details: the versions each server negotiates, with evidence.
    let versions = |port: u16| -> Vec<&str> {
        report
            .tls
            .iter()
            .find(|t| t.port == port)
            .map(|t| {
                t.report
                    .versions
                    .iter()
                    .filter(|v| v.accepted)
                    .map(|v| v.version)
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(versions(4433), ["TLSv1.0"]);
    assert_eq!(versions(8443), ["TLSv1.2", "TLSv1.3"]);
    let tls13: Vec<&str> = report
        .tls
        .iter()
        .filter(|t| t.port == 8443)
        .flat_map(|t| {
            t.report
                .cipher_suites
                .iter()
                .filter(|s| s.version == "TLSv1.3")
                .map(|s| s.name.as_str())
        })
        .collect();
    // OpenSSL follows the client's order for TLS 1.3 suites by default.
    assert_eq!(
        tls13,
        [
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256"
        ]
    );

    // SSH host key: one RSA key, sized and fingerprinted like ssh-keygen does.
    let keys: Vec<(String, u32)> = report
        .ssh
        .iter()
        .flat_map(|s| {
            s.report
                .host_keys
                .iter()
                .map(|k| (k.key_type.clone(), k.bits))
        })
        .collect();
    assert_eq!(keys, [("ssh-rsa".to_owned(), 1024)]);
    let fingerprint = report
        .ssh
        .first()
        .and_then(|s| s.report.host_keys.first())
        .map(|k| k.fingerprint.clone());
    assert_eq!(fingerprint, Some(dropbear_fingerprint(&device)));

    // No credential is claimed for the fake console or the anonymous broker.
    let claimed: Vec<u16> = report
        .credentials
        .iter()
        .filter(|c| !c.report.working.is_empty())
        .map(|c| c.port)
        .collect();
    assert_eq!(claimed, [21, 22, 23, 80, 1884, 8080]);
    // The SSH login is proven by a command whose output the shell computes.
    let ssh_proof = report
        .credentials
        .iter()
        .find(|c| c.port == 22)
        .and_then(|c| c.report.working.first())
        .map(|(_, proof)| proof.clone())
        .unwrap_or_default();
    assert!(
        ssh_proof.starts_with("password authentication succeeded; `echo TS$(("),
        "{ssh_proof}"
    );

    // What the discovery protocols disclose, field by field.
    let upnp: Vec<String> = report
        .upnp
        .iter()
        .flat_map(|d| d.fields.iter().map(|(k, v)| format!("{k}={v}")))
        .collect();
    assert_eq!(
        upnp,
        [
            "deviceType=urn:schemas-upnp-org:device:InternetGatewayDevice:2",
            "friendlyName=Garden Cam",
            "manufacturer=Debian",
            "modelName=Debian router",
            "modelNumber=GC-200",
            "modelDescription=Debian router",
            "serialNumber=GC0417A",
            "UDN=uuid:3f1b6a2c-7e11-4d2a-9c3b-5a6d7e8f9012",
        ]
    );
    let location = format!("http://{}:5000/rootDesc.xml", device.target());
    assert_eq!(
        report
            .upnp
            .iter()
            .map(|d| d.location.as_str())
            .collect::<Vec<_>>(),
        [location.as_str()]
    );
    let mdns: Vec<(String, Vec<String>)> = report
        .mdns
        .iter()
        .map(|m| (m.instance.clone(), m.txt.clone()))
        .collect();
    assert_eq!(
        mdns,
        [(
            "Garden Cam._http._tcp.local".to_owned(),
            vec![
                "model=GC-200".to_owned(),
                "fw=1.4.2".to_owned(),
                "serial=GC0417A".to_owned()
            ]
        )]
    );
    // The FTP account exists and works: "no default credential" is not an
    // artefact of a broken login.
    assert_eq!(ftp_login(&device, "camftp", "Cam-ftp-2026!"), "230");
    assert_eq!(
        ftp_login(&device, "anonymous", "guest@example.invalid"),
        "530"
    );

    // Every finding is mapped to provisions and test units.
    for f in &report.findings {
        assert!(
            !f.provisions.is_empty() && !f.test_units.is_empty(),
            "{f:?}"
        );
    }
    eprintln!(
        "default probe of the simulated camera: {elapsed:?}, {:?}",
        report.stats
    );
    assert!(elapsed < Duration::from_secs(60));
}

/// The reply code to `PASS` after `USER`, as an independent FTP client.
fn ftp_login(device: &Device, user: &str, password: &str) -> String {
    use std::io::{BufRead, BufReader, Write};
    let addr = std::net::SocketAddr::new(device.addr, 21);
    let stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap_or_else(|e| panic!("{e}")));
    let mut writer = stream;
    let mut line = String::new();
    let mut code = String::new();
    for send in [
        None,
        Some(format!("USER {user}\r\n")),
        Some(format!("PASS {password}\r\n")),
    ] {
        if let Some(cmd) = send {
            writer
                .write_all(cmd.as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        line.clear();
        let _ = reader.read_line(&mut line);
        code = line.get(..3).unwrap_or_default().to_owned();
    }
    code
}

/// The fingerprint `ssh-keygen -l` computes from the key file, as the oracle.
fn dropbear_fingerprint(device: &Device) -> String {
    let out = std::process::Command::new("dropbearkey")
        .args(["-y", "-f"])
        .arg(device.path("dropbear_rsa"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| {
            l.strip_prefix("Fingerprint: sha256:")
                .or_else(|| l.strip_prefix("Fingerprint: SHA256:"))
        })
        .map(|f| format!("SHA256:{}", f.trim()))
        .unwrap_or_else(|| panic!("no fingerprint in dropbearkey output: {text}"))
}

/// The robustness fuzzer against real daemons (lighttpd, mosquitto,
/// libcoap's coap-server): they all keep answering, so there is no failure,
/// only the information that they were fuzzed.
#[test]
#[allow(clippy::print_stderr)] // the measurement is printed for BENCHMARKS.md
fn robustness_fuzzing_leaves_real_daemons_alive() {
    let _serial = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut d = Device::new();
    let addr = d.target();
    let docroot = d.path("www");
    std::fs::create_dir_all(&docroot).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(docroot.join("index.html"), "ok\n").unwrap_or_else(|e| panic!("{e}"));
    let lighttpd = d.write(
        "lighttpd.conf",
        &format!(
            "server.document-root = \"{}\"\nserver.bind = \"{addr}\"\nserver.port = 80\n\
             index-file.names = (\"index.html\")\n",
            docroot.display()
        ),
    );
    let mosquitto = d.write(
        "mosquitto.conf",
        &format!("user root\npersistence false\nlistener 1883 {addr}\nallow_anonymous true\n"),
    );
    d.spawn(
        "lighttpd",
        &["-D", "-f", lighttpd.to_str().unwrap_or_default()],
    );
    d.spawn("mosquitto", &["-c", mosquitto.to_str().unwrap_or_default()]);
    d.spawn("coap-server-notls", &["-A", &addr, "-p", "5683"]);
    for port in [80, 1883, 5683] {
        d.wait_tcp(port);
    }
    let settings = touchstone_probe::robust::Settings {
        cases: 60,
        batch: 20,
        seed: 2026,
        case_timeout: Duration::from_millis(300),
        ..touchstone_probe::robust::Settings::default()
    };
    let options = Options {
        ports: touchstone_probe::Ports::List(vec![80, 1883]),
        udp: vec![touchstone_probe::UdpProbe {
            service: "coap",
            port: 5683,
        }],
        credentials: false,
        tls: false,
        ssh: false,
        robustness: Some(settings),
        ..Options::default()
    };
    let started = Instant::now();
    let report =
        touchstone_probe::probe_blocking(&addr, &options).unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();
    let got: Vec<String> = report
        .findings
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
        .collect();
    assert_eq!(
        got,
        [
            "info info: http on port 80 kept answering through 60 malformed inputs (4 liveness checks, seed 2026)",
            "info info: mqtt on port 1883 kept answering through 60 malformed inputs (4 liveness checks, seed 2026)",
            "info info: coap on port 5683 kept answering through 60 malformed inputs (4 liveness checks, seed 2026)",
        ]
    );
    // Every daemon answered some of the malformed inputs (errors count).
    for r in &report.robustness {
        assert!(r.answered > 0, "{r:?}");
        assert!(r.anomalies.is_empty(), "{r:?}");
    }
    eprintln!(
        "robustness run (3 services x 60 cases): {elapsed:?}; {:?}",
        report
            .robustness
            .iter()
            .map(|r| (r.protocol.as_str(), r.answered, r.duration_ms))
            .collect::<Vec<_>>()
    );
}

/// The MITM test as an assessor runs it: the device's `hosts` points its
/// cloud host name at the scanner (the host end of the veth pair), and the
/// device's own client (curl inside the namespace) connects. `curl -k`
/// must be reported with its request; plain curl must be seen rejecting.
#[test]
fn mitm_sees_the_device_client_through_a_hosts_redirect() {
    use touchstone_probe::mitm::{MitmOptions, MitmServer, Outcome};
    let d = Device::new();
    d.etc_file(
        "hosts",
        &format!("127.0.0.1 localhost\n{} cloud.example\n", d.host_addr),
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let listen = std::net::SocketAddr::new(d.host_addr, 0);
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        runtime.block_on(async move {
            let mut options = MitmOptions::new(listen);
            options.name = "cloud.example".into();
            options.max_connections = 2;
            options.duration = Duration::from_secs(40);
            let server = MitmServer::bind(options)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let _ = tx.send(server.local_addr());
            server.run().await
        })
    });
    let port = rx
        .recv_timeout(Duration::from_secs(20))
        .ok()
        .flatten()
        .map(|a| a.port())
        .unwrap_or_else(|| panic!("the MITM server did not start"));
    let url = format!("https://cloud.example:{port}/v2/report?serial=GC0417A");
    let mut codes = Vec::new();
    for insecure in [true, false] {
        let mut cmd = std::process::Command::new("ip");
        cmd.args(["netns", "exec", &d.name, "timeout", "20", "curl", "-s"])
            .args(["-o", "/dev/null", "--max-time", "10"]);
        if insecure {
            cmd.arg("-k");
        }
        let status = cmd
            .arg(&url)
            .stdin(std::process::Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("curl: {e}"));
        codes.push(status.code());
    }
    let report = server
        .join()
        .unwrap_or_else(|_| panic!("the MITM server panicked"));
    assert_eq!(codes.get(1).copied().flatten(), Some(60), "{codes:?}");
    let seen: Vec<(String, Outcome, Option<String>, Option<String>)> = report
        .connections
        .iter()
        .map(|c| {
            (
                c.client.split(':').next().unwrap_or_default().to_owned(),
                c.outcome,
                c.hello.as_ref().and_then(|h| h.sni.clone()),
                c.application_data.clone().or_else(|| c.alert.clone()),
            )
        })
        .collect();
    let device = d.addr.to_string();
    let sni = Some("cloud.example".to_owned());
    assert_eq!(
        seen,
        [
            (
                device.clone(),
                Outcome::AcceptedAndSentData,
                sni.clone(),
                Some("GET /v2/report?… HTTP/1.1 (headers: Host, User-Agent, Accept)".to_owned())
            ),
            (
                device,
                Outcome::RejectedWithAlert,
                sni,
                Some("unknown_ca (48)".to_owned())
            ),
        ]
    );
    let verdicts: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{} {}", f.supports.as_str(), f.severity.as_str()))
        .collect();
    assert_eq!(verdicts, ["fail high", "pass info"]);
}
