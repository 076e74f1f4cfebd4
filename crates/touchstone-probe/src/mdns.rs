//! mDNS / DNS-SD: which services a device announces and what their TXT
//! records disclose, by legacy unicast queries to the device's port 5353.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;
use tokio::net::UdpSocket;

use crate::limiter::Limiter;
use crate::wire::Reader;

/// A resource record of interest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// `PTR name -> target`.
    Ptr {
        /// Owner name.
        name: String,
        /// Target name.
        target: String,
    },
    /// `TXT name -> strings`.
    Txt {
        /// Owner name.
        name: String,
        /// Character strings.
        strings: Vec<String>,
    },
    /// Anything else (type code).
    Other(u16),
}

/// Records of every section of a DNS message (answers, authority,
/// additional), at most 64.
pub fn parse_records(msg: &[u8]) -> Option<Vec<Record>> {
    let mut r = Reader::new(msg);
    r.u16()?; // id
    r.u16()?; // flags
    let qd = r.u16()?;
    let counts = [r.u16()?, r.u16()?, r.u16()?];
    let mut offset = 12;
    for _ in 0..qd.min(16) {
        let (_, used) = read_name(msg, offset)?;
        offset = offset.checked_add(used)?.checked_add(4)?;
    }
    let total: usize = counts.iter().map(|c| usize::from(*c)).sum();
    let mut records = Vec::new();
    for _ in 0..total.min(64) {
        let (name, used) = read_name(msg, offset)?;
        offset = offset.checked_add(used)?;
        let mut h = Reader::new(msg.get(offset..)?);
        let rtype = h.u16()?;
        h.u16()?; // class
        h.u32()?; // ttl
        let rdata = h.vec16()?;
        let rdata_start = offset + 10;
        offset = rdata_start.checked_add(rdata.len())?;
        records.push(match rtype {
            12 => Record::Ptr {
                name,
                target: read_name(msg, rdata_start)?.0,
            },
            16 => {
                let mut t = Reader::new(rdata);
                let mut strings = Vec::new();
                while let Some(s) = t.vec8() {
                    if strings.len() < 64 {
                        strings.push(String::from_utf8_lossy(s).into_owned());
                    }
                }
                Record::Txt { name, strings }
            }
            other => Record::Other(other),
        });
    }
    Some(records)
}

/// Read a possibly compressed name at `offset`: `(name, bytes used at
/// offset)`. At most 16 pointer jumps and 255 characters.
pub fn read_name(msg: &[u8], offset: usize) -> Option<(String, usize)> {
    let mut labels: Vec<String> = Vec::new();
    let mut pos = offset;
    let mut used = None;
    let mut length = 0usize;
    for _ in 0..128 {
        let len = *msg.get(pos)?;
        match len {
            0 => {
                let consumed = used.unwrap_or_else(|| pos + 1 - offset);
                return Some((labels.join("."), consumed));
            }
            l if l & 0xC0 == 0xC0 => {
                let low = *msg.get(pos + 1)?;
                if used.is_none() {
                    used = Some(pos + 2 - offset);
                }
                let target = usize::from(l & 0x3F) << 8 | usize::from(low);
                if target >= pos {
                    return None; // only backwards pointers: no loops
                }
                pos = target;
            }
            l if l & 0xC0 == 0 => {
                let label = msg.get(pos + 1..pos + 1 + usize::from(l))?;
                length += label.len() + 1;
                if length > 255 {
                    return None;
                }
                labels.push(String::from_utf8_lossy(label).into_owned());
                pos += 1 + usize::from(l);
            }
            _ => return None,
        }
    }
    None
}

/// A legacy unicast query (id 0x7a11) for `name` of type `qtype`.
pub fn query(name: &str, qtype: u16) -> Vec<u8> {
    let mut p = vec![0x7a, 0x11, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let bytes = label.as_bytes();
        let n = bytes.len().min(63);
        p.push(u8::try_from(n).unwrap_or(63));
        p.extend_from_slice(bytes.get(..n).unwrap_or_default());
    }
    p.push(0);
    p.extend_from_slice(&qtype.to_be_bytes());
    p.extend_from_slice(&1u16.to_be_bytes());
    p
}

/// One announced service instance and its TXT strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MdnsService {
    /// Host address.
    pub host: String,
    /// Instance name, for instance `Garden Cam._http._tcp.local`.
    pub instance: String,
    /// TXT strings (`key=value`).
    pub txt: Vec<String>,
}

async fn ask(socket: &UdpSocket, name: &str, qtype: u16, timeout: Duration) -> Vec<Record> {
    if socket.send(&query(name, qtype)).await.is_err() {
        return Vec::new();
    }
    let mut buf = vec![0u8; 9000];
    match tokio::time::timeout(timeout, socket.recv(&mut buf)).await {
        Ok(Ok(n)) => parse_records(buf.get(..n).unwrap_or_default()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Browse service types, then instances (at most 8 each), then TXT records.
pub(crate) async fn browse(
    ip: IpAddr,
    port: u16,
    limiter: &Limiter,
    timeout: Duration,
) -> Vec<MdnsService> {
    let Some(_permit) = limiter.acquire().await else {
        return Vec::new();
    };
    let bind = if ip.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
    let Ok(socket) = UdpSocket::bind(bind).await else {
        return Vec::new();
    };
    if socket.connect(SocketAddr::new(ip, port)).await.is_err() {
        return Vec::new();
    }
    let mut types = Vec::new();
    for r in ask(&socket, "_services._dns-sd._udp.local", 12, timeout).await {
        if let Record::Ptr { target, .. } = r
            && !types.contains(&target)
            && types.len() < 8
        {
            types.push(target);
        }
    }
    let mut out: Vec<MdnsService> = Vec::new();
    for t in types {
        let records = ask(&socket, &t, 12, timeout).await;
        let instances: Vec<String> = records
            .iter()
            .filter_map(|r| match r {
                Record::Ptr { name, target } if *name == t => Some(target.clone()),
                _ => None,
            })
            .take(8)
            .collect();
        for instance in instances {
            let mut txt = records.iter().find_map(|r| match r {
                Record::Txt { name, strings } if *name == instance => Some(strings.clone()),
                _ => None,
            });
            if txt.is_none() {
                txt = ask(&socket, &instance, 16, timeout)
                    .await
                    .into_iter()
                    .find_map(|r| match r {
                        Record::Txt { name, strings } if name == instance => Some(strings),
                        _ => None,
                    });
            }
            out.push(MdnsService {
                host: ip.to_string(),
                instance,
                txt: txt
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_compression_and_loops() {
        // "local" at 12, "_http._tcp" + pointer to 12 at 18.
        let mut msg = vec![0u8; 12];
        msg.extend_from_slice(b"\x05local\x00");
        msg.extend_from_slice(b"\x05_http\x04_tcp\xc0\x0c");
        assert_eq!(read_name(&msg, 12), Some(("local".into(), 7)));
        assert_eq!(read_name(&msg, 19), Some(("_http._tcp.local".into(), 13)));
        let looped = [0u8, 0, 0xc0, 0x02];
        assert_eq!(read_name(&looped, 2), None);
        assert_eq!(read_name(&[0x40], 0), None);
    }

    #[test]
    fn records_parse() {
        let mut msg = vec![0x7a, 0x11, 0x84, 0, 0, 0, 0, 2, 0, 0, 0, 0];
        // PTR _http._tcp.local -> cam._http._tcp.local
        msg.extend_from_slice(b"\x05_http\x04_tcp\x05local\x00");
        msg.extend_from_slice(&[0, 12, 0, 1, 0, 0, 0, 120, 0, 6]);
        msg.extend_from_slice(b"\x03cam\xc0\x0c");
        // TXT cam._http._tcp.local
        msg.extend_from_slice(b"\xc0\x28");
        msg.extend_from_slice(&[0, 16, 0, 1, 0, 0, 0, 120, 0, 9]);
        msg.extend_from_slice(b"\x08model=X1");
        let r = parse_records(&msg).unwrap_or_default();
        assert_eq!(
            r,
            [
                Record::Ptr {
                    name: "_http._tcp.local".into(),
                    target: "cam._http._tcp.local".into()
                },
                Record::Txt {
                    name: "cam._http._tcp.local".into(),
                    strings: vec!["model=X1".into()]
                }
            ]
        );
        for n in 0..msg.len() {
            let _ = parse_records(msg.get(..n).unwrap_or_default());
        }
    }

    #[test]
    fn queries() {
        let q = query("_http._tcp.local", 12);
        assert!(q.ends_with(b"\x05_http\x04_tcp\x05local\x00\x00\x0c\x00\x01"));
    }
}
