//! UDP discovery by real protocol requests.
//!
//! A UDP port is reported open only when it answers a well-formed request of
//! its protocol with a well-formed reply (matching transaction id where the
//! protocol has one). Silence is never "open": Linux rate-limits ICMP
//! port-unreachable, so "no answer" proves nothing.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;

use crate::limiter::Limiter;
use crate::wire::{Reader, excerpt};

/// A UDP protocol request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpProbe {
    /// Service name reported when the port answers.
    pub service: &'static str,
    /// Well-known port.
    pub port: u16,
}

/// The UDP requests sent by default.
pub const UDP_PROBES: [UdpProbe; 6] = [
    UdpProbe {
        service: "dns",
        port: 53,
    },
    UdpProbe {
        service: "ntp",
        port: 123,
    },
    UdpProbe {
        service: "snmp",
        port: 161,
    },
    UdpProbe {
        service: "ssdp",
        port: 1900,
    },
    UdpProbe {
        service: "mdns",
        port: 5353,
    },
    UdpProbe {
        service: "coap",
        port: 5683,
    },
];

const TXID: u16 = 0x7a11;

/// The request bytes for a probe.
pub fn request(service: &str, host: IpAddr) -> Vec<u8> {
    match service {
        // DNS: standard query, recursion desired, `version.bind TXT CH`.
        "dns" => dns_query(TXID, 0x0100, &["version", "bind"], 16, 3),
        // mDNS legacy unicast: PTR `_services._dns-sd._udp.local`.
        "mdns" => dns_query(
            TXID,
            0x0000,
            &["_services", "_dns-sd", "_udp", "local"],
            12,
            1,
        ),
        // NTP v4 client request (mode 3).
        "ntp" => {
            let mut p = vec![0u8; 48];
            if let Some(b) = p.first_mut() {
                *b = 0x23;
            }
            p
        }
        // SNMPv2c get sysDescr.0 with community `public`.
        "snmp" => vec![
            0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', 0xa0,
            0x1c, 0x02, 0x04, 0x7a, 0x11, 0x7a, 0x11, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30,
            0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05,
            0x00,
        ],
        "ssdp" => {
            let host = match host {
                IpAddr::V6(v6) => format!("[{v6}]"),
                IpAddr::V4(v4) => v4.to_string(),
            };
            format!("M-SEARCH * HTTP/1.1\r\nHOST: {host}:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n")
                .into_bytes()
        }
        // CoAP confirmable GET /.well-known/core, message id TXID, token 0x7a.
        "coap" => {
            let mut p = vec![0x41, 0x01];
            p.extend_from_slice(&TXID.to_be_bytes());
            p.push(0x7a);
            p.push(0xbb);
            p.extend_from_slice(b".well-known");
            p.push(0x04);
            p.extend_from_slice(b"core");
            p
        }
        _ => Vec::new(),
    }
}

fn dns_query(id: u16, flags: u16, labels: &[&str], qtype: u16, qclass: u16) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&flags.to_be_bytes());
    p.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    for l in labels {
        p.push(u8::try_from(l.len()).unwrap_or(0));
        p.extend_from_slice(l.as_bytes());
    }
    p.push(0);
    p.extend_from_slice(&qtype.to_be_bytes());
    p.extend_from_slice(&qclass.to_be_bytes());
    p
}

/// Whether `reply` is a well-formed answer to [`request`] for `service`.
pub fn is_valid_reply(service: &str, reply: &[u8]) -> bool {
    let mut r = Reader::new(reply);
    match service {
        "dns" | "mdns" => {
            let (Some(id), Some(flags)) = (r.u16(), r.u16()) else {
                return false;
            };
            // mDNS responders may answer with id 0 (RFC 6762 §18.1 asks for the query id).
            (id == TXID || (service == "mdns" && id == 0))
                && flags & 0x8000 != 0
                && reply.len() >= 12
        }
        "ntp" => reply.len() >= 48 && reply.first().is_some_and(|b| b & 0x07 == 4),
        "snmp" => reply.first() == Some(&0x30) && reply.len() > 20,
        "ssdp" => reply.starts_with(b"HTTP/1.1 200") || reply.starts_with(b"HTTP/1.0 200"),
        "coap" => {
            let (Some(head), Some(_code), Some(mid)) = (r.u8(), r.u8(), r.u16()) else {
                return false;
            };
            head >> 6 == 1 && (mid == TXID || (head >> 4) & 3 != 2)
        }
        _ => false,
    }
}

/// The answer of an open UDP service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UdpAnswer {
    pub(crate) probe: UdpProbe,
    pub(crate) evidence: String,
    pub(crate) server: Option<String>,
    /// SSDP `LOCATION` of the device description.
    pub(crate) location: Option<String>,
}

/// Send `probe` up to `attempts` times; `Some` only for a valid answer.
pub(crate) async fn probe_udp(
    ip: IpAddr,
    probe: UdpProbe,
    port: u16,
    limiter: &Limiter,
    timeout: Duration,
    attempts: u8,
) -> Option<UdpAnswer> {
    let _permit = limiter.acquire().await?;
    let bind: SocketAddr = if ip.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }
        .parse()
        .ok()?;
    let socket = UdpSocket::bind(bind).await.ok()?;
    socket.connect(SocketAddr::new(ip, port)).await.ok()?;
    let payload = request(probe.service, ip);
    let mut buf = vec![0u8; 9000];
    for _ in 0..attempts.max(1) {
        socket.send(&payload).await.ok()?;
        match tokio::time::timeout(timeout, socket.recv(&mut buf)).await {
            Ok(Ok(n)) => {
                let reply = buf.get(..n).unwrap_or_default();
                if is_valid_reply(probe.service, reply) {
                    let ssdp = probe.service == "ssdp";
                    return Some(UdpAnswer {
                        probe,
                        evidence: excerpt(reply, 120),
                        server: ssdp.then(|| ssdp_header(reply, "server")).flatten(),
                        location: ssdp.then(|| ssdp_header(reply, "location")).flatten(),
                    });
                }
            }
            // ICMP port unreachable: closed, do not retry.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => return None,
            Ok(Err(_)) | Err(_) => {}
        }
    }
    None
}

/// A header of an SSDP answer (an HTTP/1.1 response head over UDP, read
/// by the probe's HTTP head parser).
fn ssdp_header(reply: &[u8], name: &str) -> Option<String> {
    let (head, _) = crate::http::complete_head(reply);
    let headers = crate::http::parse_head(&head).ok()?.headers;
    headers
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_well_formed() {
        let ip: IpAddr = "192.0.2.1"
            .parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
        let dns = request("dns", ip);
        assert_eq!(dns.get(..6), Some(&[0x7a, 0x11, 1, 0, 0, 1][..]));
        assert_eq!(request("ntp", ip).len(), 48);
        assert!(request("ssdp", ip).starts_with(b"M-SEARCH * HTTP/1.1\r\nHOST: 192.0.2.1:1900"));
        let coap = request("coap", ip);
        assert!(coap.ends_with(b"\x04core"));
        let snmp = request("snmp", ip);
        assert_eq!(usize::from(*snmp.get(1).unwrap_or(&0)) + 2, snmp.len());
        assert!(request("nope", ip).is_empty());
    }

    #[test]
    fn only_protocol_answers_count() {
        assert!(is_valid_reply(
            "dns",
            &[0x7a, 0x11, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0]
        ));
        assert!(!is_valid_reply(
            "dns",
            &[0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0]
        ));
        assert!(!is_valid_reply(
            "dns",
            &[0x7a, 0x11, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        ));
        let mut ntp = vec![0x24u8];
        ntp.resize(48, 0);
        assert!(is_valid_reply("ntp", &ntp));
        assert!(!is_valid_reply(
            "ntp",
            &request("ntp", IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
        ));
        assert!(is_valid_reply("coap", &[0x61, 0x45, 0x7a, 0x11, 0x7a]));
        assert!(!is_valid_reply("coap", &[0x01]));
        assert!(is_valid_reply(
            "ssdp",
            b"HTTP/1.1 200 OK\r\nSERVER: x\r\n\r\n"
        ));
        assert!(!is_valid_reply("ssdp", b"M-SEARCH * HTTP/1.1\r\n"));
        assert!(!is_valid_reply("snmp", b""));
    }
}
