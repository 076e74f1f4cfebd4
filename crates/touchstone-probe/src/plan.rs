//! The dry-run plan: what a probe would send, without sending anything.

use std::net::IpAddr;

use crate::udp;
use crate::{Options, PlannedProbe, Ports, Transport};

pub(crate) fn plan(ip: IpAddr, options: &Options) -> Vec<PlannedProbe> {
    let host = ip.to_string();
    let ports = options.ports.expand();
    let port_text = match (&options.ports, ports.first(), ports.last()) {
        (Ports::All, _, _) => "1-65535".to_owned(),
        (Ports::List(_), Some(a), Some(b)) if ports.len() > 8 => {
            format!("{a}-{b} ({} ports)", ports.len())
        }
        _ => ports
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
    };
    let mut plan = vec![PlannedProbe {
        host: host.clone(),
        transport: Transport::Tcp,
        ports: port_text,
        action: format!(
            "TCP connect (no payload), at most {} at once, {} per second, {} retr{} for silent ports",
            options.max_connections,
            options.max_connections_per_second,
            options.retries,
            if options.retries == 1 { "y" } else { "ies" }
        ),
        payload_hex: None,
    }];
    let printers = if options.probe_printer_ports {
        ""
    } else {
        " (not on printer ports 9100-9107)"
    };
    plan.push(PlannedProbe {
        host: host.clone(),
        transport: Transport::Tcp,
        ports: "each open port".into(),
        action: format!(
            "passive banner read; then{printers} TLS ClientHello (followed by an empty line pair when unanswered after the timeout), HTTP `GET /`, MQTT CONNECT, CoAP CSM, RTSP OPTIONS until one is answered"
        ),
        payload_hex: None,
    });
    if options.tls {
        plan.push(PlannedProbe {
            host: host.clone(),
            transport: Transport::Tcp,
            ports: "each TLS port".into(),
            action: "one ClientHello per version SSLv3..TLSv1.3 (at once), then one per accepted cipher suite in four groups at once; if TLS 1.2/1.3 is accepted, one rustls handshake (offering ALPN) to validate the chain and identify the protocol inside (a banner wait, `GET /`, an MQTT CONNECT on a second handshake); if only TLS 1.0/1.1, the same through the probe's own TLS client; on web services an HTTPS GET of /.well-known/security.txt (then /security.txt)".into(),
            payload_hex: None,
        });
    }
    if options.ssh {
        plan.push(PlannedProbe {
            host: host.clone(),
            transport: Transport::Tcp,
            ports: "each SSH port".into(),
            action: "identification string and KEXINIT; one key-exchange init per host-key family (never completed)"
                .into(),
            payload_hex: None,
        });
    }
    if options.credentials {
        plan.push(PlannedProbe {
            host: host.clone(),
            transport: Transport::Tcp,
            ports: "each telnet, SSH, FTP, MQTT, RTSP and HTTP port".into(),
            action: format!(
                "login with a random credential (negative control) and up to {} bundled default credentials, at most 4 at once (2 on SSH), stopping at the first proven login; then {} sequential wrong attempts to measure brute-force protection; one connection per attempt (HTTP: login forms of data/http-forms.toml are detected with one GET each)",
                options.max_credential_attempts, options.brute_force_attempts
            ),
            payload_hex: None,
        });
    }
    for p in &options.udp {
        plan.push(PlannedProbe {
            host: host.clone(),
            transport: Transport::Udp,
            ports: p.port.to_string(),
            action: format!(
                "{} request, up to {} attempt(s){}",
                p.service,
                options.udp_attempts,
                match p.service {
                    "ssdp" => "; then HTTP GET of the LOCATION description if it is on this host",
                    "mdns" => "; then PTR and TXT queries for at most 8 service types and 8 instances each",
                    _ => "",
                }
            ),
            payload_hex: Some(hex::encode(udp::request(p.service, ip))),
        });
    }
    if let Some(r) = &options.robustness {
        plan.push(PlannedProbe {
            host: host.clone(),
            transport: Transport::Tcp,
            ports: "each plain HTTP and MQTT port, and CoAP on UDP".into(),
            action: format!(
                "robustness: {} malformed inputs per service (seed {}), one connection each, a valid request after every {}; stops a service's run when it no longer answers",
                r.cases, r.seed, r.batch
            ),
            payload_hex: None,
        });
    }
    plan
}
