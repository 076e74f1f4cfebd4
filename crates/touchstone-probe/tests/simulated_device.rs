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

#[test]
#[allow(clippy::print_stderr)] // the measurement is printed for BENCHMARKS.md
fn full_default_probe_of_a_weak_camera() {
    let device = weak_camera();
    let started = Instant::now();
    let report = touchstone_probe::probe_blocking(&device.target(), &Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(
        inventory(&report),
        [
            "22/tcp ssh dropbear 2022.83",
            "23/tcp telnet - -",
            "80/tcp http lighttpd 1.4.69",
            "1883/tcp mqtt - -",
            "1884/tcp mqtt - -",
            "2323/tcp telnet - -",
            "4433/tcp tls - -",
            "8080/tcp http lighttpd 1.4.69",
            "8443/tcp tls - -",
        ],
        "exact inventory; no UDP service answers on this device, so none may be reported"
    );
    let mut got = findings(&report);
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
        "net-default-credential fail critical 80: default credential admin:admin logs in to http-basic (universal default)".into(),
        "net-default-credential fail critical 1884: default credential admin:password logs in to mqtt (universal default)".into(),
        "net-default-credential info info 2323: none of 16 default credentials logged in to telnet".into(),
        "net-no-authentication fail high 1883: mqtt accepts logins without valid credentials".into(),
        "net-default-credential fail critical 8080: default credential admin:12345 logs in to http-digest (universal default)".into(),
        "net-brute-force-protection pass info 8080: fixed-delay observed after 4 wrong http-digest logins".into(),
        "net-http-headers fail low 8080: the Server header discloses a software version without authentication".into(),
        "net-http-headers info info 8080: hardening headers missing: Content-Security-Policy, X-Content-Type-Options, X-Frame-Options (or CSP frame-ancestors)".into(),
        "net-http-headers fail low 80: the Server header discloses a software version without authentication".into(),
        "net-http-headers info info 80: hardening headers missing: Content-Security-Policy, X-Content-Type-Options, X-Frame-Options (or CSP frame-ancestors)".into(),
        "net-brute-force-protection info low 23: no lockout, refusal or delay growth within 4 wrong telnet logins".into(),
        "net-brute-force-protection pass info 80: fixed-delay observed after 4 wrong http-basic logins".into(),
        "net-brute-force-protection info low 1884: no lockout, refusal or delay growth within 4 wrong mqtt logins".into(),
        "net-brute-force-protection info low 2323: no lockout, refusal or delay growth within 4 wrong telnet logins".into(),
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
        format!("net-security-txt info info -: the device serves no security.txt (tried https://{ip}:8443/.well-known/security.txt (200, an HTML page, not a security.txt), https://{ip}:8443/security.txt (200, an HTML page, not a security.txt))"),
    ]);
    want.sort();
    assert_eq!(got, want);

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
    assert_eq!(claimed, [23, 80, 1884, 8080]);

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
