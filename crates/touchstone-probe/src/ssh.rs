//! SSH analysis: banner, KEXINIT algorithm lists, host keys.
//!
//! The server's KEXINIT is sent in clear right after the banner (Dropbear
//! sends it in the same segment), so the lists are read without any
//! cryptography. Host keys come from the server's key-exchange reply to a
//! throw-away key share; the exchange is never completed and no signature is
//! verified, because only the public key blob is needed.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::limiter::Limiter;
use crate::wire::{Reader, base64_nopad, random_bytes};

/// The identification string we send.
pub const CLIENT_BANNER: &str = "SSH-2.0-Touchstone_0.1";
const MAX_BUFFER: usize = 64 * 1024;
const MAX_PACKET: usize = 35_000;

/// The parsed identification line of a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SshBanner {
    /// The whole line without CR LF.
    pub line: String,
    /// Protocol version (`2.0`, `1.99`).
    pub protocol: String,
    /// Software product (`dropbear`, `OpenSSH`).
    pub product: String,
    /// Software version, when the software field has one.
    pub version: Option<String>,
}

/// Parse an identification line `SSH-proto-software [comments]`.
pub fn parse_banner(line: &str) -> Option<SshBanner> {
    let line = line.trim_end_matches(['\r', '\n']);
    let rest = line.strip_prefix("SSH-")?;
    let (protocol, software) = rest.split_once('-')?;
    let software = software.split(' ').next().unwrap_or_default();
    let (product, version) = match software.split_once(['_', '-']) {
        Some((p, v)) if !v.is_empty() => (p, Some(v.to_owned())),
        _ => (software, None),
    };
    if protocol.is_empty() || product.is_empty() {
        return None;
    }
    Some(SshBanner {
        line: line.to_owned(),
        protocol: protocol.to_owned(),
        product: product.to_owned(),
        version,
    })
}

/// The algorithm name-lists of a KEXINIT message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KexInit {
    /// Key exchange algorithms.
    pub kex: Vec<String>,
    /// Host key algorithms.
    pub host_key: Vec<String>,
    /// Ciphers client to server.
    pub ciphers_c2s: Vec<String>,
    /// Ciphers server to client.
    pub ciphers_s2c: Vec<String>,
    /// MACs client to server.
    pub macs_c2s: Vec<String>,
    /// MACs server to client.
    pub macs_s2c: Vec<String>,
    /// Compression client to server.
    pub compression_c2s: Vec<String>,
    /// Compression server to client.
    pub compression_s2c: Vec<String>,
}

/// Parse a KEXINIT payload (starting with message number 20).
pub fn parse_kexinit(payload: &[u8]) -> Option<KexInit> {
    let mut r = Reader::new(payload);
    if r.u8()? != 20 {
        return None;
    }
    r.bytes(16)?;
    let mut lists: Vec<Vec<String>> = Vec::with_capacity(10);
    for _ in 0..10 {
        let raw = r.vec32()?;
        let text = std::str::from_utf8(raw).ok()?;
        lists.push(
            text.split(',')
                .filter(|s| !s.is_empty())
                .take(256)
                .map(str::to_owned)
                .collect(),
        );
    }
    r.u8()?; // first_kex_packet_follows
    r.u32()?; // reserved
    let mut it = lists.into_iter();
    Some(KexInit {
        kex: it.next()?,
        host_key: it.next()?,
        ciphers_c2s: it.next()?,
        ciphers_s2c: it.next()?,
        macs_c2s: it.next()?,
        macs_s2c: it.next()?,
        compression_c2s: it.next()?,
        compression_s2c: it.next()?,
    })
}

/// Split one unencrypted binary packet off the front of `data`:
/// `Some((payload, consumed))`, or `None` when more bytes are needed or the
/// length is absurd.
pub fn split_packet(data: &[u8]) -> Option<(&[u8], usize)> {
    let mut r = Reader::new(data);
    let len = usize::try_from(r.u32()?).ok()?;
    if !(5..=MAX_PACKET).contains(&len) {
        return None;
    }
    let body = r.bytes(len)?;
    let mut b = Reader::new(body);
    let pad = usize::from(b.u8()?);
    let payload = b.bytes(len.checked_sub(1 + pad)?)?;
    Some((payload, 4 + len))
}

/// Split the identification line off the front of `data` (lines before it
/// are allowed by RFC 4253 and skipped): `(line, bytes consumed)`.
pub fn split_banner(data: &[u8]) -> Option<(String, usize)> {
    let mut start = 0;
    for _ in 0..32 {
        let rest = data.get(start..)?;
        let end = rest.iter().position(|b| *b == b'\n')?;
        let line = rest.get(..end)?;
        if line.starts_with(b"SSH-") {
            return Some((
                String::from_utf8_lossy(line).trim_end().to_owned(),
                start + end + 1,
            ));
        }
        start += end + 1;
    }
    None
}

/// A public host key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostKey {
    /// Key type from the blob (`ssh-rsa`, `ssh-ed25519` …).
    pub key_type: String,
    /// Size in bits.
    pub bits: u32,
    /// OpenSSH-style `SHA256:` fingerprint.
    pub fingerprint: String,
}

/// Describe a public key blob.
pub fn parse_host_key(blob: &[u8]) -> Option<HostKey> {
    let mut r = Reader::new(blob);
    let key_type = std::str::from_utf8(r.vec32()?).ok()?.to_owned();
    let bits = match key_type.as_str() {
        "ssh-rsa" => {
            r.vec32()?; // e
            mpint_bits(r.vec32()?)
        }
        "ssh-dss" => mpint_bits(r.vec32()?),
        "ssh-ed25519" => 256,
        t if t.starts_with("ecdsa-sha2-nistp") => t
            .trim_start_matches("ecdsa-sha2-nistp")
            .parse()
            .unwrap_or(0),
        _ => 0,
    };
    Some(HostKey {
        key_type,
        bits,
        fingerprint: format!("SHA256:{}", base64_nopad(&Sha256::digest(blob))),
    })
}

fn mpint_bits(n: &[u8]) -> u32 {
    let trimmed: &[u8] = match n.iter().position(|b| *b != 0) {
        Some(i) => n.get(i..).unwrap_or_default(),
        None => &[],
    };
    match trimmed.first() {
        Some(first) => {
            let len = u32::try_from(trimmed.len()).unwrap_or(0);
            (len - 1) * 8 + (8 - first.leading_zeros())
        }
        None => 0,
    }
}

/// Everything learned from one SSH service.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SshReport {
    /// The server's identification line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banner: Option<SshBanner>,
    /// The server's algorithm lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kexinit: Option<KexInit>,
    /// One host key per key type the server offers and we could fetch.
    pub host_keys: Vec<HostKey>,
    /// Connections used.
    pub connections: u32,
}

struct Session {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Session {
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        if self.buf.len() > MAX_BUFFER {
            return false;
        }
        match self.stream.read(&mut chunk).await {
            Ok(n) if n > 0 => {
                self.buf
                    .extend_from_slice(chunk.get(..n).unwrap_or_default());
                true
            }
            _ => false,
        }
    }

    async fn banner(&mut self) -> Option<String> {
        for _ in 0..32 {
            if let Some((line, used)) = split_banner(&self.buf) {
                self.buf.drain(..used.min(self.buf.len()));
                return Some(line);
            }
            if !self.fill().await {
                return None;
            }
        }
        None
    }

    async fn packet(&mut self) -> Option<Vec<u8>> {
        for _ in 0..64 {
            if let Some((payload, used)) = split_packet(&self.buf) {
                let payload = payload.to_vec();
                self.buf.drain(..used.min(self.buf.len()));
                return Some(payload);
            }
            if !self.fill().await {
                return None;
            }
        }
        None
    }
}

async fn open(addr: SocketAddr) -> Option<Session> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream
        .write_all(format!("{CLIENT_BANNER}\r\n").as_bytes())
        .await
        .ok()?;
    Some(Session {
        stream,
        buf: Vec::new(),
    })
}

/// Banner, algorithm lists and host keys of an SSH server.
pub(crate) async fn analyse(addr: SocketAddr, limiter: &Limiter, timeout: Duration) -> SshReport {
    let mut report = SshReport::default();
    let first = async {
        let _permit = limiter.acquire().await?;
        let mut s = open(addr).await?;
        let line = s.banner().await?;
        let kex = s.packet().await.and_then(|p| parse_kexinit(&p));
        Some((line, kex))
    };
    report.connections += 1;
    let Ok(Some((line, kex))) = tokio::time::timeout(timeout, first).await else {
        return report;
    };
    report.banner = parse_banner(&line);
    report.kexinit = kex;
    let Some(kex) = report.kexinit.clone() else {
        return report;
    };
    let Some(method) = kex_method(&kex.kex) else {
        return report;
    };
    // One fetch per key family, bounded by the number of families.
    let mut families: Vec<&str> = Vec::new();
    for alg in &kex.host_key {
        let family = key_family(alg);
        if !family.is_empty() && !families.contains(&family) && families.len() < 6 {
            families.push(family);
        }
    }
    for family in families {
        let Some(alg) = kex.host_key.iter().find(|a| key_family(a) == family) else {
            continue;
        };
        report.connections += 1;
        let fetch = fetch_host_key(addr, limiter, &kex, method, alg);
        if let Ok(Some(key)) = tokio::time::timeout(timeout, fetch).await {
            report.host_keys.push(key);
        }
    }
    report
}

fn key_family(alg: &str) -> &'static str {
    match alg {
        "ssh-rsa" | "rsa-sha2-256" | "rsa-sha2-512" => "rsa",
        "ssh-ed25519" => "ed25519",
        "ssh-dss" => "dsa",
        "ecdsa-sha2-nistp256" => "p256",
        "ecdsa-sha2-nistp384" => "p384",
        "ecdsa-sha2-nistp521" => "p521",
        _ => "",
    }
}

/// Key exchange methods for which a throw-away share can be built without
/// cryptography: X25519 (any 32 bytes) and finite-field groups (a random
/// value below the prime).
fn kex_method(server: &[String]) -> Option<(&'static str, usize)> {
    const METHODS: [(&str, usize); 6] = [
        ("curve25519-sha256", 32),
        ("curve25519-sha256@libssh.org", 32),
        ("diffie-hellman-group14-sha256", 256),
        ("diffie-hellman-group14-sha1", 256),
        ("diffie-hellman-group16-sha512", 512),
        ("diffie-hellman-group1-sha1", 128),
    ];
    METHODS
        .into_iter()
        .find(|(m, _)| server.iter().any(|s| s == m))
}

async fn fetch_host_key(
    addr: SocketAddr,
    limiter: &Limiter,
    server: &KexInit,
    (method, share_len): (&str, usize),
    host_key_alg: &str,
) -> Option<HostKey> {
    let _permit = limiter.acquire().await?;
    let mut s = open(addr).await?;
    s.banner().await?;
    s.packet().await?;
    let first = |l: &[String]| l.first().cloned().unwrap_or_else(|| "none".into());
    let mut kexinit = vec![20u8];
    kexinit.extend_from_slice(&random_bytes(16));
    for list in [
        method.to_owned(),
        host_key_alg.to_owned(),
        first(&server.ciphers_c2s),
        first(&server.ciphers_s2c),
        first(&server.macs_c2s),
        first(&server.macs_s2c),
        "none".to_owned(),
        "none".to_owned(),
        String::new(),
        String::new(),
    ] {
        push_string(&mut kexinit, list.as_bytes());
    }
    kexinit.extend_from_slice(&[0, 0, 0, 0, 0]);
    let mut share = random_bytes(share_len);
    let mut init = vec![30u8];
    if share_len == 32 {
        push_string(&mut init, &share);
    } else {
        // mpint below the group prime (every group prime starts with 0xFF…).
        if let Some(b) = share.first_mut() {
            *b = (*b & 0x7f) | 0x40;
        }
        push_string(&mut init, &share);
    }
    let mut out = packet(&kexinit);
    out.extend_from_slice(&packet(&init));
    s.stream.write_all(&out).await.ok()?;
    for _ in 0..8 {
        let p = s.packet().await?;
        let mut r = Reader::new(&p);
        match r.u8()? {
            31 => {
                let blob = r.vec32()?;
                let _ = s.stream.set_zero_linger();
                return parse_host_key(blob);
            }
            1 => return None,
            _ => {}
        }
    }
    None
}

fn push_string(out: &mut Vec<u8>, data: &[u8]) {
    let n = u32::try_from(data.len()).unwrap_or(0);
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(data);
}

fn packet(payload: &[u8]) -> Vec<u8> {
    let mut pad = 8 - (payload.len() + 5) % 8;
    if pad < 4 {
        pad += 8;
    }
    let len = u32::try_from(payload.len() + pad + 1).unwrap_or(0);
    let mut out = len.to_be_bytes().to_vec();
    out.push(u8::try_from(pad).unwrap_or(4));
    out.extend_from_slice(payload);
    out.extend(std::iter::repeat_n(0u8, pad));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kexinit_payload(lists: [&str; 10]) -> Vec<u8> {
        let mut p = vec![20u8];
        p.extend_from_slice(&[0xAA; 16]);
        for l in lists {
            push_string(&mut p, l.as_bytes());
        }
        p.extend_from_slice(&[0, 0, 0, 0, 0]);
        p
    }

    #[test]
    fn banners_parse() {
        let b = parse_banner("SSH-2.0-dropbear_2022.83\r\n");
        assert_eq!(
            b.as_ref()
                .map(|b| (b.product.as_str(), b.version.as_deref())),
            Some(("dropbear", Some("2022.83")))
        );
        let b = parse_banner("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3");
        assert_eq!(
            b.as_ref()
                .map(|b| (b.product.as_str(), b.version.as_deref())),
            Some(("OpenSSH", Some("9.2p1")))
        );
        assert_eq!(
            parse_banner("SSH-2.0-RomSShell").map(|b| b.version),
            Some(None)
        );
        assert!(parse_banner("HTTP/1.1 200 OK").is_none());
        assert!(parse_banner("SSH--x").is_none());
    }

    #[test]
    fn banner_and_kexinit_in_one_segment() {
        let payload = kexinit_payload([
            "curve25519-sha256,diffie-hellman-group14-sha1",
            "rsa-sha2-256,ssh-rsa",
            "aes128-ctr",
            "aes128-ctr,3des-cbc",
            "hmac-sha1",
            "hmac-sha1",
            "none",
            "none,zlib@openssh.com",
            "",
            "",
        ]);
        let mut data = b"hello\r\nSSH-2.0-dropbear_2022.83\r\n".to_vec();
        data.extend_from_slice(&packet(&payload));
        let (line, used) = split_banner(&data).unwrap_or_default();
        assert_eq!(line, "SSH-2.0-dropbear_2022.83");
        let (p, _) = split_packet(data.get(used..).unwrap_or_default()).unwrap_or_default();
        let k = parse_kexinit(p).unwrap_or_default();
        assert_eq!(k.kex, ["curve25519-sha256", "diffie-hellman-group14-sha1"]);
        assert_eq!(k.ciphers_s2c, ["aes128-ctr", "3des-cbc"]);
        assert_eq!(k.compression_s2c, ["none", "zlib@openssh.com"]);
        for n in 0..p.len() {
            assert!(parse_kexinit(p.get(..n).unwrap_or_default()).is_none());
        }
    }

    #[test]
    fn packets_with_absurd_lengths_are_refused() {
        assert!(split_packet(&[0xff, 0xff, 0xff, 0xff, 4]).is_none());
        assert!(split_packet(&[0, 0, 0, 5, 200, 1, 2, 3, 4]).is_none());
    }

    #[test]
    fn host_keys_are_sized_and_fingerprinted() {
        let mut blob = Vec::new();
        push_string(&mut blob, b"ssh-rsa");
        push_string(&mut blob, &[1, 0, 1]);
        let mut n = vec![0u8];
        n.extend_from_slice(&[0x80; 128]);
        push_string(&mut blob, &n);
        let k = parse_host_key(&blob).unwrap_or_else(|| panic!("parse"));
        assert_eq!((k.key_type.as_str(), k.bits), ("ssh-rsa", 1024));
        assert!(k.fingerprint.starts_with("SHA256:"));
        assert_eq!(k.fingerprint.len(), 7 + 43);
        let mut ed = Vec::new();
        push_string(&mut ed, b"ssh-ed25519");
        push_string(&mut ed, &[1; 32]);
        assert_eq!(parse_host_key(&ed).map(|k| k.bits), Some(256));
        assert!(parse_host_key(&[0, 0, 0, 9, 1]).is_none());
    }
}
