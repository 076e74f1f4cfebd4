//! Active network probing of one device under test.
//!
//! `touchstone-probe` finds what a live device exposes and how well it
//! protects it, and reports the result as [`touchstone_core::Finding`]s
//! mapped to EN 303 645 provisions and TS 103 701 V1.1.1 test units:
//!
//! 1. **Discovery**: a TCP connect scan of all 65,535 ports (adaptive
//!    concurrency, bounded retries) and UDP requests of real protocols (DNS,
//!    NTP, SNMP, SSDP, mDNS, CoAP); a UDP port is open only when it answers.
//! 2. **Identification** by the services' own handshakes and banners (SSH,
//!    telnet IAC, FTP 220, IMAP, POP3, TLS ClientHello, HTTP, MQTT
//!    CONNECT), and of the protocol inside TLS ([`tls::inner`]: `https`,
//!    `mqtts` …).
//! 3. **TLS**: versions SSL 3.0 to TLS 1.3 and cipher suites by hand-built
//!    ClientHellos (asked at once, with waits that follow the measured
//!    latency), certificate facts with `x509-parser`, and chain
//!    validation by one rustls handshake ([`tls::chain`]: Mozilla roots,
//!    [`Options::lab_anchors`], name, validity).
//! 4. **SSH**: banner, KEXINIT algorithm lists, host keys and fingerprints.
//! 5. **Default credentials** on telnet, FTP, MQTT and HTTP Basic, each with
//!    a negative control and a positive proof ([`creds`]), and a bounded
//!    measurement of brute-force protection.
//! 6. **Disclosure**: HTTP version banners and hardening headers, and
//!    security.txt (RFC 9116) validation from a file or an `http(s)://` URL
//!    ([`security_txt_findings`], [`fetch_security_txt`]), also asked of
//!    the device's own HTTPS services.
//! 7. **Robustness** (opt-in, [`Options::robustness`]): a seeded mini-fuzzer
//!    for HTTP, MQTT and CoAP with a liveness check after every batch
//!    ([`robust`]).
//! 8. **Password generation** ([`passwords`]): whether sample devices'
//!    passwords follow from their MAC or serial (pure; input is a CSV).
//!
//! After a firmware scan, [`confirm_logins`] tries each credential found in
//! the image once on the login services the probe found ([`confirm`]).
//!
//! Separately, [`mitm`] tests the device's own TLS client: a server with an
//! untrusted certificate records which clients accept it
//! (`touchstone mitm --listen ADDR`).
//!
//! Every judgement comes from the crypto policy in `data/crypto-policy.toml`
//! ([`CryptoPolicy`]) and names its reason.
//!
//! # Safety
//!
//! * The target is explicit: one address or host name. Ranges (`A-B`,
//!   `A/N`) are refused unless [`Options::allow_range`] is set, and are
//!   limited to [`MAX_RANGE_HOSTS`] hosts.
//! * Every connection to a host goes through a limiter: at most
//!   [`Options::max_connections`] at once (the scan) and
//!   [`Options::max_probe_connections`] for payload probes, and at most
//!   [`Options::max_connections_per_second`] new ones.
//! * Printer ports 9100–9107 receive no payloads (only a passive banner
//!   read) unless [`Options::probe_printer_ports`] is set.
//! * [`Options::dry_run`] sends nothing and lists what would be sent in
//!   [`ProbeReport::plan`].
//! * Every loop is bounded in count, every read in bytes and time, and the
//!   whole probe by [`Options::budget`].
//!
//! Only probe devices you own or are authorised to test.
//!
//! # Wiring into the binary
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let options = touchstone_probe::Options::default();
//! let report = touchstone_probe::probe_blocking("192.0.2.10", &options)?;
//! // `touchstone probe TARGET --format json`: print the report.
//! let json = serde_json::to_string_pretty(&report)?;
//! // `touchstone assess DIR --probe TARGET`: feed the findings in like a
//! // `--findings` file.
//! let findings: touchstone_core::FindingSet = report.finding_set();
//! # let _ = (json, findings); Ok(()) }
//! ```
//!
//! `--dry-run` maps to [`Options::dry_run`], `--allow-range` to
//! [`Options::allow_range`], `--max-connections`/`--rate` to
//! [`Options::max_connections`] and [`Options::max_connections_per_second`],
//! `--ports` to [`Options::ports`], `--ca FILE` to [`Options::lab_anchors`]. Exit code 2 on [`ProbeError`] (bad
//! target or options); otherwise the findings decide, as for `assess`.

pub mod checks;
pub mod confirm;
pub mod creds;
mod http;
mod ident;
mod limiter;
pub mod mdns;
pub mod mitm;
pub mod mitm_report;
mod options;
pub mod passwords;
mod plan;
pub mod policy;
mod report;
pub mod robust;
mod run;
mod scan;
pub mod security_txt;
pub mod ssh;
mod target;
pub mod tls;
mod udp;
pub mod upnp;
mod wire;

use std::time::Duration;

use touchstone_core::Finding;

pub use ident::{
    Identified, classify_banner, classify_http, is_printer_port, mqtt_connect, parse_connack,
};
pub use policy::{CryptoPolicy, Grade, Rated};
pub use target::{MAX_RANGE_HOSTS, resolve_target};
pub use udp::{UDP_PROBES, UdpProbe, is_valid_reply as is_valid_udp_reply, request as udp_request};

pub use confirm::{LoginCandidate, LoginConfirmation, confirm_logins};
pub use options::{Options, Ports};
#[cfg(test)]
pub(crate) use report::empty_report;
pub use report::{
    CredentialEndpoint, HttpEndpoint, PlannedProbe, ProbeError, ProbeReport, Problem, Service,
    SshEndpoint, Stats, TlsEndpoint, Transport,
};
pub use run::{TARPIT_OPEN_PORTS, TARPIT_SAMPLE, probe, probe_blocking};

/// Validate a security.txt and return its findings (`net-security-txt`).
/// `source` is the URL it came from or a file name; `now` is seconds since
/// the Unix epoch.
pub fn security_txt_findings(
    text: &str,
    source: &str,
    now: i64,
) -> (security_txt::SecurityTxt, Vec<Finding>) {
    let doc = security_txt::validate(text, source, now);
    let findings = checks::security_txt::run(&doc);
    (doc, findings)
}

/// Fetch a security.txt from an `http://` or `https://` URL, bounded to
/// 64 KiB and `timeout` per request, and validate it; see
/// [`security_txt::fetch::fetch`] for the locations tried, redirects and
/// the certificate judgement. A URL that cannot be fetched yields a
/// `no_security_txt` failure.
///
/// # Errors
///
/// [`ProbeError::Options`] for URLs that are not `http://` or `https://`,
/// [`ProbeError::Target`] for hosts that do not resolve.
pub async fn fetch_security_txt(
    url: &str,
    timeout: Duration,
    now: i64,
) -> Result<(Option<security_txt::SecurityTxt>, Vec<Finding>), ProbeError> {
    let options = security_txt::fetch::FetchOptions {
        timeout,
        now,
        ..security_txt::fetch::FetchOptions::default()
    };
    let fetched = security_txt::fetch::fetch(url, &options).await?;
    let findings = checks::security_txt::for_fetched(&fetched);
    Ok((fetched.document, findings))
}

/// [`security_txt::fetch::fetch`] on a runtime of its own, with the
/// findings of [`checks::security_txt::for_fetched`].
///
/// # Errors
///
/// As [`security_txt::fetch::fetch`], and [`ProbeError::Runtime`] when no
/// runtime starts.
pub fn fetch_security_txt_blocking(
    url: &str,
    options: &security_txt::fetch::FetchOptions,
) -> Result<(security_txt::fetch::Fetched, Vec<Finding>), ProbeError> {
    let fetched = security_txt::fetch::fetch_blocking(url, options)?;
    let findings = checks::security_txt::for_fetched(&fetched);
    Ok((fetched, findings))
}
