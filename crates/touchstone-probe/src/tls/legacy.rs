//! A minimal TLS 1.0–1.2 client for the services rustls refuses to speak
//! to (TLS 1.0/1.1 only), so that the protocol inside them can be
//! identified and their security.txt read.
//!
//! It completes one kind of handshake: ECDHE (X25519 or P-256, with
//! `ring`) with AES-CBC and HMAC-SHA1 (`TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA`
//! and its AES-256 and ECDSA siblings), the suites every TLS 1.0 stack of
//! the last fifteen years offers; PRF, MAC and CBC per RFC 2246 (1.0),
//! 4346 (1.1, explicit IVs) and 5246 (1.2, SHA-256 PRF), with `hmac`,
//! `md-5`, `sha1`, `sha2` and `aes`. It authenticates nothing: the server's
//! key exchange signature, its Finished and the records' MACs are not
//! checked, and the chain is judged separately from the clear-text
//! certificates ([`super::chain::judge`]). It is a probe's reading tool,
//! never a secure channel. Every read is bounded in bytes, records and
//! time.

use std::net::SocketAddr;
use std::time::Duration;

use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use hmac::{Hmac, Mac};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::hello::{MAX_FLIGHT, TlsVersion, client_hello};
use crate::wire::{Reader, random_bytes};

/// The suites offered: ECDHE with AES-CBC and SHA-1 MACs.
pub(crate) const SUITES: [u16; 4] = [0xC013, 0xC014, 0xC009, 0xC00A];

/// Plaintext bytes kept from the application data, at most.
const MAX_PLAINTEXT: usize = 256 * 1024;

/// SHA-1 MAC length.
const MAC_LEN: usize = 20;

enum Cipher {
    Aes128(Box<aes::Aes128>),
    Aes256(Box<aes::Aes256>),
}

impl Cipher {
    fn new(key: &[u8]) -> Option<Cipher> {
        match key.len() {
            16 => aes::Aes128::new_from_slice(key)
                .ok()
                .map(|c| Cipher::Aes128(Box::new(c))),
            32 => aes::Aes256::new_from_slice(key)
                .ok()
                .map(|c| Cipher::Aes256(Box::new(c))),
            _ => None,
        }
    }

    fn encrypt(&self, block: &mut [u8; 16]) {
        let mut b = (*block).into();
        match self {
            Cipher::Aes128(c) => c.encrypt_block(&mut b),
            Cipher::Aes256(c) => c.encrypt_block(&mut b),
        }
        *block = b.into();
    }

    fn decrypt(&self, block: &mut [u8; 16]) {
        let mut b = (*block).into();
        match self {
            Cipher::Aes128(c) => c.decrypt_block(&mut b),
            Cipher::Aes256(c) => c.decrypt_block(&mut b),
        }
        *block = b.into();
    }
}

/// One direction's keys and state.
struct Direction {
    cipher: Cipher,
    mac_key: Vec<u8>,
    /// The CBC chaining value (TLS 1.0 only; later versions send it).
    iv: [u8; 16],
    seq: u64,
}

/// A completed handshake.
pub(crate) struct Session {
    stream: TcpStream,
    version: TlsVersion,
    write: Direction,
    read: Direction,
    /// Raw bytes received and not yet parsed as records.
    pending: Vec<u8>,
    /// The server's certificates (leaf first), from the clear-text flight.
    pub(crate) certificates: Vec<Vec<u8>>,
    /// The suite the server chose.
    pub(crate) suite: u16,
}

fn hmac(hash: &str, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let Ok(mut mac) = <M as hmac::digest::KeyInit>::new_from_slice(key) else {
            return Vec::new();
        };
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().to_vec()
    }
    match hash {
        "md5" => run::<Hmac<md5::Md5>>(key, parts),
        "sha1" => run::<Hmac<sha1::Sha1>>(key, parts),
        _ => run::<Hmac<sha2::Sha256>>(key, parts),
    }
}

/// P_hash of RFC 2246 section 5.
fn p_hash(hash: &str, secret: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut a = hmac(hash, secret, &[seed]);
    // Bounded: every round adds at least 16 bytes (MD5).
    for _ in 0..len.div_ceil(16) + 1 {
        if out.len() >= len || a.is_empty() {
            break;
        }
        out.extend(hmac(hash, secret, &[&a, seed]));
        a = hmac(hash, secret, &[&a]);
    }
    out.truncate(len);
    out
}

/// The PRF of the version: MD5 ⊕ SHA-1 halves before TLS 1.2, SHA-256 in it.
fn prf(version: TlsVersion, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let mut labelled = label.to_vec();
    labelled.extend_from_slice(seed);
    if version >= TlsVersion::Tls12 {
        return p_hash("sha256", secret, &labelled, len);
    }
    let half = secret.len().div_ceil(2);
    let s1 = secret.get(..half).unwrap_or_default();
    let s2 = secret.get(secret.len() - half..).unwrap_or_default();
    let md5 = p_hash("md5", s1, &labelled, len);
    let sha = p_hash("sha1", s2, &labelled, len);
    md5.iter().zip(sha.iter()).map(|(a, b)| a ^ b).collect()
}

/// The hash of the handshake messages that Finished signs.
fn transcript_hash(version: TlsVersion, transcript: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    if version >= TlsVersion::Tls12 {
        return sha2::Sha256::digest(transcript).to_vec();
    }
    let mut out = md5::Md5::digest(transcript).to_vec();
    out.extend_from_slice(&sha1::Sha1::digest(transcript));
    out
}

fn record(content_type: u8, version: TlsVersion, body: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type];
    out.extend_from_slice(&version.wire().to_be_bytes());
    out.extend_from_slice(&u16::try_from(body.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn handshake_message(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![ty];
    let n = u32::try_from(body.len()).unwrap_or(0);
    out.extend_from_slice(n.to_be_bytes().get(1..).unwrap_or_default());
    out.extend_from_slice(body);
    out
}

/// An ephemeral key for `curve` (23 = P-256, 29 = X25519): our public key
/// and the shared secret with `peer`.
fn key_exchange(curve: u16, peer: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    use ring::agreement;
    let algorithm = match curve {
        29 => &agreement::X25519,
        23 => &agreement::ECDH_P256,
        other => {
            return Err(format!(
                "the server chose curve {other}, which the probe's legacy client lacks"
            ));
        }
    };
    let rng = ring::rand::SystemRandom::new();
    let private = agreement::EphemeralPrivateKey::generate(algorithm, &rng)
        .map_err(|_| "no ephemeral key".to_owned())?;
    let public = private
        .compute_public_key()
        .map_err(|_| "no ephemeral key".to_owned())?
        .as_ref()
        .to_vec();
    let peer = agreement::UnparsedPublicKey::new(algorithm, peer);
    let shared = agreement::agree_ephemeral(private, &peer, |s| s.to_vec())
        .map_err(|_| "the server's key share is not a valid point".to_owned())?;
    Ok((public, shared))
}

/// What the server's clear-text flight said.
#[derive(Default)]
struct Flight {
    version: Option<u16>,
    random: Vec<u8>,
    suite: u16,
    certificates: Vec<Vec<u8>>,
    /// `(named curve, public point)` of the ServerKeyExchange.
    share: Option<(u16, Vec<u8>)>,
    done: bool,
}

fn parse_message(ty: u8, body: &[u8], flight: &mut Flight) -> Result<(), String> {
    let mut r = Reader::new(body);
    match ty {
        2 => {
            flight.version = r.u16();
            flight.random = r.bytes(32).unwrap_or_default().to_vec();
            r.vec8();
            flight.suite = r.u16().unwrap_or(0);
        }
        11 => {
            if let Some(list) = r.vec24() {
                let mut l = Reader::new(list);
                while let Some(cert) = l.vec24() {
                    if flight.certificates.len() < 16 {
                        flight.certificates.push(cert.to_vec());
                    }
                }
            }
        }
        12 => {
            if r.u8() != Some(3) {
                return Err("the server's key exchange uses no named curve".into());
            }
            let curve = r.u16().unwrap_or(0);
            let point = r.vec8().ok_or("a truncated ServerKeyExchange")?;
            flight.share = Some((curve, point.to_vec()));
        }
        13 => return Err("the server asks for a client certificate".into()),
        14 => flight.done = true,
        _ => {}
    }
    Ok(())
}

/// Read the whole handshake messages at the start of `data` into
/// `flight`; the bytes they took.
fn parse_messages(data: &[u8], flight: &mut Flight) -> Result<usize, String> {
    let mut r = Reader::new(data);
    let mut used = 0;
    while let (Some(ty), Some(body)) = (r.u8(), r.vec24()) {
        used += 4 + body.len();
        parse_message(ty, body, flight)?;
    }
    Ok(used)
}

/// Every parser of this module over `data` as peer bytes: the server's
/// handshake messages, and `data` as a record payload decrypted with fixed
/// keys in each version (for the `probe_tls_flight` fuzz target).
#[doc(hidden)]
pub fn fuzz_peer_bytes(data: &[u8]) {
    let mut flight = Flight::default();
    let _ = parse_messages(data, &mut flight);
    for (version, key_len) in [
        (TlsVersion::Tls10, 16),
        (TlsVersion::Tls11, 32),
        (TlsVersion::Tls12, 16),
    ] {
        if let Some(cipher) = Cipher::new(&vec![7; key_len]) {
            let mut read = Direction {
                cipher,
                mac_key: vec![1; MAC_LEN],
                iv: [9; 16],
                seq: 0,
            };
            let _ = open_record(&mut read, version, data);
        }
    }
}

impl Session {
    /// The next record `(type, payload)` within `deadline`; `None` at the
    /// end of the stream, the deadline or a malformed header.
    async fn next_record(&mut self, deadline: Instant) -> Option<(u8, Vec<u8>)> {
        let mut chunk = [0u8; 8192];
        for _ in 0..256 {
            if self.pending.len() >= 5 {
                let len = usize::from(u16::from_be_bytes([
                    *self.pending.get(3)?,
                    *self.pending.get(4)?,
                ]));
                if len > 18_432 {
                    return None;
                }
                if self.pending.len() >= 5 + len {
                    let ty = *self.pending.first()?;
                    let body = self.pending.get(5..5 + len)?.to_vec();
                    self.pending.drain(..5 + len);
                    return Some((ty, body));
                }
            }
            match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => self.pending.extend_from_slice(chunk.get(..n)?),
                _ => return None,
            }
        }
        None
    }

    fn seal(&mut self, content_type: u8, content: &[u8]) -> Vec<u8> {
        let version = self.version;
        let w = &mut self.write;
        let length = u16::try_from(content.len())
            .unwrap_or(u16::MAX)
            .to_be_bytes();
        let mac = hmac(
            "sha1",
            &w.mac_key,
            &[
                &w.seq.to_be_bytes(),
                &[content_type],
                &version.wire().to_be_bytes(),
                &length,
                content,
            ],
        );
        w.seq += 1;
        let mut plain = content.to_vec();
        plain.extend_from_slice(&mac);
        let pad = 15 - plain.len() % 16;
        plain.extend(std::iter::repeat_n(u8::try_from(pad).unwrap_or(0), pad + 1));
        let mut out = Vec::with_capacity(plain.len() + 16);
        let mut iv = w.iv;
        if version >= TlsVersion::Tls11 {
            iv = random_bytes(16).try_into().unwrap_or([3; 16]);
            out.extend_from_slice(&iv);
        }
        for block in plain.chunks(16) {
            let mut b = [0u8; 16];
            for (i, x) in b.iter_mut().enumerate() {
                *x = block.get(i).copied().unwrap_or(0) ^ iv.get(i).copied().unwrap_or(0);
            }
            w.cipher.encrypt(&mut b);
            out.extend_from_slice(&b);
            iv = b;
        }
        w.iv = iv;
        record(content_type, version, &out)
    }

    /// Decrypt one record's payload; `None` when it is not well formed.
    /// The MAC is removed, not checked.
    fn open(&mut self, payload: &[u8]) -> Option<Vec<u8>> {
        open_record(&mut self.read, self.version, payload)
    }

    /// Send application data.
    pub(crate) async fn send(&mut self, data: &[u8], wait: Duration) -> Result<(), String> {
        let mut out = Vec::new();
        for chunk in data.chunks(16 * 1024) {
            out.extend(self.seal(23, chunk));
        }
        match tokio::time::timeout(wait, self.stream.write_all(&out)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err("the request could not be sent".into()),
        }
    }

    /// Application data that arrives within `wait` until the peer closes
    /// or alerts, `done` says the answer is whole, or [`MAX_PLAINTEXT`].
    pub(crate) async fn receive(
        &mut self,
        wait: Duration,
        done: impl Fn(&[u8]) -> bool,
    ) -> Vec<u8> {
        let deadline = Instant::now() + wait;
        let mut out = Vec::new();
        for _ in 0..1024 {
            let Some((ty, payload)) = self.next_record(deadline).await else {
                break;
            };
            match ty {
                23 => {
                    let Some(plain) = self.open(&payload) else {
                        break;
                    };
                    out.extend_from_slice(&plain);
                    if out.len() >= MAX_PLAINTEXT || done(&out) {
                        break;
                    }
                }
                // An alert (close_notify or other): the answer is over.
                21 => break,
                // A renegotiation request or anything else: ignored.
                _ => {}
            }
        }
        out.truncate(MAX_PLAINTEXT);
        out
    }

    /// Close without waiting.
    pub(crate) fn abort(self) {
        let _ = self.stream.set_zero_linger();
    }
}

/// Decrypt one record's payload with `r` (CBC, then the padding and the
/// MAC removed, not checked); `None` when it is not well formed.
fn open_record(r: &mut Direction, version: TlsVersion, payload: &[u8]) -> Option<Vec<u8>> {
    let (mut iv, ciphertext) = if version >= TlsVersion::Tls11 {
        let (iv, rest) = payload.split_at_checked(16)?;
        (<[u8; 16]>::try_from(iv).ok()?, rest)
    } else {
        (r.iv, payload)
    };
    if ciphertext.is_empty() || ciphertext.len() % 16 != 0 {
        return None;
    }
    let mut plain = Vec::with_capacity(ciphertext.len());
    for block in ciphertext.chunks(16) {
        let cipher_block = <[u8; 16]>::try_from(block).ok()?;
        let mut b = cipher_block;
        r.cipher.decrypt(&mut b);
        for (x, v) in b.iter_mut().zip(iv.iter()) {
            *x ^= v;
        }
        plain.extend_from_slice(&b);
        iv = cipher_block;
    }
    r.iv = iv;
    r.seq += 1;
    let pad = usize::from(*plain.last()?);
    let keep = plain.len().checked_sub(pad + 1 + MAC_LEN)?;
    plain.truncate(keep);
    Some(plain)
}

/// Connect and complete a handshake with `version` within `wait` for each
/// of its two round trips.
///
/// # Errors
///
/// Why no handshake completed (refused, an alert, a suite or curve the
/// client lacks, silence).
pub(crate) async fn connect(
    addr: SocketAddr,
    version: TlsVersion,
    server_name: Option<&str>,
    wait: Duration,
) -> Result<Session, String> {
    let client_random: [u8; 32] = random_bytes(32).try_into().unwrap_or([5; 32]);
    let hello = client_hello(version, &SUITES, &client_random, server_name);
    let stream = match tokio::time::timeout(wait, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        _ => return Err("cannot connect".into()),
    };
    let mut transcript = hello.get(5..).unwrap_or_default().to_vec();
    let placeholder = || Direction {
        cipher: Cipher::Aes128(Box::new(aes::Aes128::new(&[0u8; 16].into()))),
        mac_key: Vec::new(),
        iv: [0; 16],
        seq: 0,
    };
    let mut session = Session {
        stream,
        version,
        write: placeholder(),
        read: placeholder(),
        pending: Vec::new(),
        certificates: Vec::new(),
        suite: 0,
    };
    if session.stream.write_all(&hello).await.is_err() {
        return Err("the connection closed".into());
    }
    // The server's flight, up to ServerHelloDone.
    let deadline = Instant::now() + wait;
    let mut flight = Flight::default();
    let mut messages = Vec::new();
    let mut received = 0usize;
    while !flight.done {
        let Some((ty, payload)) = session.next_record(deadline).await else {
            return Err(format!(
                "the server's flight did not end within {} ms",
                wait.as_millis()
            ));
        };
        received += payload.len();
        if received > MAX_FLIGHT {
            return Err("the server's flight is too large".into());
        }
        match ty {
            22 => messages.extend_from_slice(&payload),
            21 => {
                return Err(format!(
                    "the server refused the handshake (alert {})",
                    payload.get(1).copied().unwrap_or(0)
                ));
            }
            _ => return Err("the server sent something other than its handshake".into()),
        }
        // Whole messages go to the transcript and are read.
        let used = parse_messages(&messages, &mut flight)?;
        transcript.extend_from_slice(messages.get(..used).unwrap_or_default());
        messages.drain(..used);
    }
    if flight.version != Some(version.wire()) {
        return Err("the server answered with another version".into());
    }
    let key_len = match flight.suite {
        0xC013 | 0xC009 => 16,
        0xC014 | 0xC00A => 32,
        other => {
            return Err(format!(
                "the server chose suite 0x{other:04X}, which the probe's legacy client lacks"
            ));
        }
    };
    let (curve, point) = flight
        .share
        .take()
        .ok_or("the server sent no ECDHE key exchange")?;
    let (public, premaster) = key_exchange(curve, &point)?;
    let mut cke_body = vec![u8::try_from(public.len()).unwrap_or(0)];
    cke_body.extend_from_slice(&public);
    let cke = handshake_message(16, &cke_body);
    transcript.extend_from_slice(&cke);

    let randoms = [client_random.as_slice(), flight.random.as_slice()].concat();
    let master = prf(version, &premaster, b"master secret", &randoms, 48);
    let reversed = [flight.random.as_slice(), client_random.as_slice()].concat();
    let iv_len = if version == TlsVersion::Tls10 { 16 } else { 0 };
    let block = prf(
        version,
        &master,
        b"key expansion",
        &reversed,
        2 * MAC_LEN + 2 * key_len + 2 * iv_len,
    );
    let mut r = Reader::new(&block);
    let mut take = |n: usize| r.bytes(n).unwrap_or_default().to_vec();
    let (client_mac, server_mac) = (take(MAC_LEN), take(MAC_LEN));
    let (client_key, server_key) = (take(key_len), take(key_len));
    let (client_iv, server_iv) = (take(iv_len), take(iv_len));
    let direction = |key: &[u8], mac_key: Vec<u8>, iv: &[u8]| -> Option<Direction> {
        Some(Direction {
            cipher: Cipher::new(key)?,
            mac_key,
            iv: <[u8; 16]>::try_from(iv).unwrap_or([0; 16]),
            seq: 0,
        })
    };
    session.write = direction(&client_key, client_mac, &client_iv).ok_or("no key")?;
    session.read = direction(&server_key, server_mac, &server_iv).ok_or("no key")?;
    session.certificates = flight.certificates;
    session.suite = flight.suite;

    let verify = prf(
        version,
        &master,
        b"client finished",
        &transcript_hash(version, &transcript),
        12,
    );
    let finished = handshake_message(20, &verify);
    let mut out = record(22, version, &cke);
    out.extend(record(20, version, &[1]));
    out.extend(session.seal(22, &finished));
    if session.stream.write_all(&out).await.is_err() {
        return Err("the connection closed during the handshake".into());
    }
    // The server's ChangeCipherSpec and Finished.
    let deadline = Instant::now() + wait;
    let mut changed = false;
    for _ in 0..8 {
        match session.next_record(deadline).await {
            Some((20, _)) => changed = true,
            Some((22, payload)) if changed => {
                return match session.open(&payload) {
                    Some(plain) if plain.first() == Some(&20) => Ok(session),
                    _ => Err("the server's Finished did not decrypt: the keys differ".into()),
                };
            }
            Some((21, payload)) => {
                return Err(format!(
                    "the server refused the handshake (alert {})",
                    payload.get(1).copied().unwrap_or(0)
                ));
            }
            Some(_) => {}
            None => break,
        }
    }
    Err(format!(
        "the server did not finish the handshake within {} ms",
        wait.as_millis()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2202 / RFC 4231 vectors for the HMACs the PRF is built from.
    #[test]
    fn hmacs_match_their_rfc_vectors() {
        assert_eq!(
            hex::encode(hmac("md5", &[0x0b; 16], &[b"Hi There"])),
            "9294727a3638bb1c13f48ef8158bfc9d"
        );
        assert_eq!(
            hex::encode(hmac("sha1", &[0x0b; 20], &[b"Hi ", b"There"])),
            "b617318655057264e28bc0b6fb378c8ef146be00"
        );
        assert_eq!(
            hex::encode(hmac("sha256", &[0x0b; 20], &[b"Hi There"])),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    /// The TLS 1.2 PRF test vector (SHA-256) published on the IETF TLS
    /// list and used by several TLS implementations' test suites.
    #[test]
    fn tls12_prf_matches_the_known_vector() {
        let secret = hex::decode("9bbe436ba940f017b17652849a71db35").unwrap_or_default();
        let seed = hex::decode("a0ba9f936cda311827a6f796ffd5198c").unwrap_or_default();
        let out = prf(TlsVersion::Tls12, &secret, b"test label", &seed, 100);
        assert_eq!(
            hex::encode(out.get(..32).unwrap_or_default()),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
        );
    }

    #[test]
    fn records_seal_and_open_in_both_versions() {
        for version in [TlsVersion::Tls10, TlsVersion::Tls11, TlsVersion::Tls12] {
            let key = [7u8; 16];
            let dir = || Direction {
                cipher: Cipher::new(&key).unwrap_or_else(|| panic!("key")),
                mac_key: vec![1; 20],
                iv: [9; 16],
                seq: 0,
            };
            // A session on a loopback connection: only the record
            // functions are used.
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("{e}"));
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
                let stream = TcpStream::connect(addr)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                let mut s = Session {
                    stream,
                    version,
                    write: dir(),
                    read: dir(),
                    pending: Vec::new(),
                    certificates: Vec::new(),
                    suite: 0xC013,
                };
                for text in [&b""[..], b"GET / HTTP/1.0\r\n\r\n", &[0x55; 100][..]] {
                    let sealed = s.seal(23, text);
                    assert_eq!(sealed.first(), Some(&23));
                    let payload = sealed.get(5..).unwrap_or_default().to_vec();
                    assert_eq!(payload.len() % 16, 0);
                    assert_eq!(s.open(&payload).as_deref(), Some(text), "{version:?}");
                }
            });
        }
    }
}
