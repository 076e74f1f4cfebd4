//! Benchmark: Touchstone's probe and its peers (nmap, ssh-audit, sslscan)
//! on the same simulated weak camera, in one run. Needs root, the packages
//! of `scripts/apt-packages`, and nmap, ssh-audit and sslscan.
//!
//! ```sh
//! cargo run --release -p touchstone-probe --example bench_camera > bench.md
//! ```
//!
//! Prints a Markdown table of wall times, connections and agreement.

#![allow(clippy::print_stdout, clippy::print_stderr, unreachable_pub)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use touchstone_probe::{Options, Transport};

fn timed(cmd: &str, args: &[&str]) -> (Duration, String) {
    let started = Instant::now();
    let out = Command::new(cmd).args(args).output();
    let elapsed = started.elapsed();
    match out {
        Ok(o) => (elapsed, String::from_utf8_lossy(&o.stdout).into_owned()),
        Err(e) => (elapsed, format!("cannot run {cmd}: {e}")),
    }
}

/// Open TCP ports from nmap's XML.
fn nmap_open_ports(xml: &str) -> BTreeSet<u16> {
    xml.split("<port ")
        .skip(1)
        .filter(|p| p.contains("state=\"open\""))
        .filter_map(|p| p.split("portid=\"").nth(1)?.split('"').next()?.parse().ok())
        .collect()
}

/// Accepted cipher ids per protocol from sslscan's XML.
fn sslscan_ciphers(xml: &str) -> BTreeSet<(String, u16)> {
    xml.split("<cipher ")
        .skip(1)
        .filter(|c| c.contains("status=\"accepted\"") || c.contains("status=\"preferred\""))
        .filter_map(|c| {
            let version = c
                .split("sslversion=\"")
                .nth(1)?
                .split('"')
                .next()?
                .to_owned();
            let id = c.split(" id=\"0x").nth(1)?.split('"').next()?;
            Some((version, u16::from_str_radix(id, 16).ok()?))
        })
        .collect()
}

fn main() {
    let device = support::weak_camera();
    let target = device.target();

    let started = Instant::now();
    let report = match touchstone_probe::probe_blocking(&target, &Options::default()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    let ours_total = started.elapsed();
    let ours_tcp: BTreeSet<u16> = report
        .services
        .iter()
        .filter(|s| s.transport == Transport::Tcp)
        .map(|s| s.port)
        .collect();

    let (nmap_st, nmap_xml) = timed(
        "nmap",
        &["-sT", "-p-", "-n", "-Pn", "-T4", "-oX", "-", &target],
    );
    let nmap_tcp = nmap_open_ports(&nmap_xml);
    let ports: Vec<String> = nmap_tcp.iter().map(ToString::to_string).collect();
    let (nmap_sv, _) = timed(
        "nmap",
        &["-sV", "-n", "-Pn", "-p", &ports.join(","), &target],
    );

    let (audit_time, audit_json) = timed("ssh-audit", &["-j", &format!("{target}:22")]);
    let audit: serde_json::Value = serde_json::from_str(&audit_json).unwrap_or_default();
    let audit_algos = |key: &str| -> BTreeSet<String> {
        audit
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| {
                        x.as_str()
                            .or_else(|| x.get("algorithm")?.as_str())
                            .map(str::to_owned)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let kex = report
        .ssh
        .first()
        .and_then(|s| s.report.kexinit.clone())
        .unwrap_or_default();
    let ours_ssh: [(&str, BTreeSet<String>); 4] = [
        ("kex", kex.kex.iter().cloned().collect()),
        ("key", kex.host_key.iter().cloned().collect()),
        ("enc", kex.ciphers_s2c.iter().cloned().collect()),
        ("mac", kex.macs_s2c.iter().cloned().collect()),
    ];
    let ssh_agree: Vec<String> = ours_ssh
        .iter()
        .map(|(k, ours)| {
            let theirs = audit_algos(k);
            if *ours == theirs {
                format!("{k}: same {}", ours.len())
            } else {
                format!(
                    "{k}: ours-only {:?} theirs-only {:?}",
                    ours.difference(&theirs).collect::<Vec<_>>(),
                    theirs.difference(ours).collect::<Vec<_>>()
                )
            }
        })
        .collect();

    let theirs_fp: BTreeSet<String> = audit
        .get("fingerprints")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    let hash = x.get("hash")?.as_str()?;
                    let alg = x.get("hash_alg")?.as_str()?;
                    (alg == "SHA256").then(|| format!("SHA256:{hash}"))
                })
                .collect()
        })
        .unwrap_or_default();
    let ours_fp: BTreeSet<String> = report
        .ssh
        .iter()
        .flat_map(|s| s.report.host_keys.iter().map(|k| k.fingerprint.clone()))
        .collect();
    let fp_agree = if ours_fp == theirs_fp {
        format!("host key fingerprints: same {}", ours_fp.len())
    } else {
        format!("host key fingerprints: ours {ours_fp:?} theirs {theirs_fp:?}")
    };
    let mut tls_rows = Vec::new();
    for t in &report.tls {
        let (time, xml) = timed(
            "sslscan",
            &["--no-colour", "--xml=-", &format!("{target}:{}", t.port)],
        );
        let theirs = sslscan_ciphers(&xml);
        let ours: BTreeSet<(String, u16)> = t
            .report
            .cipher_suites
            .iter()
            .map(|s| (s.version.to_owned(), s.id))
            .collect();
        let agree = if ours == theirs {
            format!("same {} (version, suite) pairs", ours.len())
        } else {
            format!(
                "ours-only {:?}; theirs-only {:?}",
                ours.difference(&theirs).collect::<Vec<_>>(),
                theirs.difference(&ours).collect::<Vec<_>>()
            )
        };
        tls_rows.push(format!(
            "| TLS versions and suites, port {} | {} connections | sslscan {:.1} s | {agree} |",
            t.port,
            t.report.connections,
            time.as_secs_f64()
        ));
    }

    println!("| What | Touchstone | Peer | Agreement |");
    println!("|---|---|---|---|");
    println!(
        "| Whole default probe (TCP sweep, UDP, identification, TLS, SSH, credentials, disclosure) | {:.1} s, {} connections | — | — |",
        ours_total.as_secs_f64(),
        report.stats.connections
    );
    println!(
        "| Full TCP sweep (65,535 ports) | {:.1} s | `nmap -sT -p- -T4` {:.1} s | {} |",
        report.stats.scan_ms as f64 / 1000.0,
        nmap_st.as_secs_f64(),
        if ours_tcp == nmap_tcp {
            format!("same {} open ports", ours_tcp.len())
        } else {
            format!("ours {ours_tcp:?} nmap {nmap_tcp:?}")
        }
    );
    println!(
        "| Service identification of the open ports | {:.1} s (with UDP) | `nmap -sV` {:.1} s | — |",
        report.stats.identify_ms as f64 / 1000.0,
        nmap_sv.as_secs_f64()
    );
    println!(
        "| SSH algorithms and host key | (in the analysis phase) | ssh-audit {:.1} s | {}; {fp_agree} |",
        audit_time.as_secs_f64(),
        ssh_agree.join("; ")
    );
    for row in tls_rows {
        println!("{row}");
    }
    println!(
        "| Analysis phase (TLS, SSH, credentials) | {:.1} s | — | — |",
        report.stats.analyse_ms as f64 / 1000.0
    );
}
