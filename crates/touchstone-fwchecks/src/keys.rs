//! The public halves of the keys an image holds, in the forms a live device
//! shows them: the OpenSSH `SHA256:` fingerprint of the SSH public key blob
//! (what an SSH server presents as its host key) and the SHA-256 of the DER
//! `SubjectPublicKeyInfo` (what a TLS certificate carries).
//!
//! Formats read: PEM blocks (`RSA PRIVATE KEY` PKCS#1, `EC PRIVATE KEY`
//! SEC1, `DSA PRIVATE KEY`, `PRIVATE KEY` PKCS#8, `OPENSSH PRIVATE KEY`,
//! `CERTIFICATE`, `PUBLIC KEY`), Dropbear's private key format, DER private
//! keys and certificates, and OpenSSH public key lines (`*.pub`). Encrypted
//! PEM keys are skipped (their public half is not readable without the
//! passphrase); an OpenSSH key's public half is readable even when the key
//! is encrypted. A key whose public half is not stored in it (a PKCS#8
//! Ed25519 or DSA key without the public value) yields a fact without
//! fingerprints: deriving it would need the curve arithmetic.
//!
//! Every input is hostile: a bounded DER reader that never indexes past
//! its slice, at most [`MAX_BLOCKS`] PEM blocks and [`MAX_KEY_BYTES`] per
//! key, and no recursion.

use sha2::{Digest, Sha256};

/// PEM blocks read per file at most.
pub const MAX_BLOCKS: usize = 500;
/// Largest DER body of one key or certificate read.
pub const MAX_KEY_BYTES: usize = 64 * 1024;
/// Key facts kept per image tree at most.
pub const MAX_FACTS: usize = 4096;

/// What a key fact was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A private key (its public half derived from it).
    PrivateKey,
    /// An X.509 certificate.
    Certificate,
    /// A public key alone (`*.pub`, `PUBLIC KEY`).
    PublicKey,
}

impl KeyKind {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::PrivateKey => "private key",
            KeyKind::Certificate => "certificate",
            KeyKind::PublicKey => "public key",
        }
    }
}

/// One key or certificate found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFact {
    /// The file inside the image.
    pub path: String,
    /// What it is.
    pub kind: KeyKind,
    /// The format it was read from (`PEM PKCS#8`, `Dropbear`, `OpenSSH` ...).
    pub format: &'static str,
    /// `RSA 2048`, `ECDSA P-256`, `Ed25519`, `DSA 1024`, or `unknown`.
    pub algorithm: String,
    /// OpenSSH `SHA256:` fingerprint of the SSH public key blob.
    pub ssh_fingerprint: Option<String>,
    /// SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex.
    pub spki_sha256: Option<String>,
    /// For a certificate, SHA-256 of its DER encoding, lowercase hex.
    pub cert_sha256: Option<String>,
}

/// A public key, as numbers and points.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PublicKey {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    Ec {
        curve: Curve,
        q: Vec<u8>,
    },
    Ed25519(Vec<u8>),
    Dsa {
        p: Vec<u8>,
        q: Vec<u8>,
        g: Vec<u8>,
        y: Vec<u8>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
    P521,
}

const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_ED25519: &[u8] = &[0x2B, 0x65, 0x70];
const OID_DSA: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01];

impl Curve {
    fn from_oid(oid: &[u8]) -> Option<Curve> {
        match oid {
            [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07] => Some(Curve::P256),
            [0x2B, 0x81, 0x04, 0x00, 0x22] => Some(Curve::P384),
            [0x2B, 0x81, 0x04, 0x00, 0x23] => Some(Curve::P521),
            _ => None,
        }
    }

    fn from_ssh(name: &[u8]) -> Option<Curve> {
        match name {
            b"nistp256" => Some(Curve::P256),
            b"nistp384" => Some(Curve::P384),
            b"nistp521" => Some(Curve::P521),
            _ => None,
        }
    }

    fn oid(self) -> &'static [u8] {
        match self {
            Curve::P256 => &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07],
            Curve::P384 => &[0x2B, 0x81, 0x04, 0x00, 0x22],
            Curve::P521 => &[0x2B, 0x81, 0x04, 0x00, 0x23],
        }
    }

    fn ssh_name(self) -> &'static str {
        match self {
            Curve::P256 => "nistp256",
            Curve::P384 => "nistp384",
            Curve::P521 => "nistp521",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }
}

/// A positive integer as DER and SSH both write it: big-endian, no
/// redundant leading zero, one zero byte when the top bit is set.
fn positive(raw: &[u8]) -> Vec<u8> {
    let start = raw.iter().position(|b| *b != 0).unwrap_or(raw.len());
    let digits = raw.get(start..).unwrap_or_default();
    let mut out = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|b| *b >= 0x80) {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

fn bits(n: &[u8]) -> usize {
    let start = n.iter().position(|b| *b != 0).unwrap_or(n.len());
    match n.get(start) {
        Some(first) => (n.len() - start - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

fn ssh_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        let body = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | body.len() as u8);
        out.extend_from_slice(body);
    }
    out.extend_from_slice(content);
    out
}

fn bit_string(content: &[u8]) -> Vec<u8> {
    let mut body = vec![0u8];
    body.extend_from_slice(content);
    der(0x03, &body)
}

impl PublicKey {
    fn algorithm(&self) -> String {
        match self {
            PublicKey::Rsa { n, .. } => format!("RSA {}", bits(n)),
            PublicKey::Ec { curve, .. } => format!("ECDSA {}", curve.label()),
            PublicKey::Ed25519(_) => "Ed25519".to_owned(),
            PublicKey::Dsa { p, .. } => format!("DSA {}", bits(p)),
        }
    }

    /// The SSH public key blob (RFC 4253 / 5656 / 8709).
    fn ssh_blob(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            PublicKey::Rsa { n, e } => {
                ssh_string(&mut out, b"ssh-rsa");
                ssh_string(&mut out, &positive(e));
                ssh_string(&mut out, &positive(n));
            }
            PublicKey::Ec { curve, q } => {
                ssh_string(
                    &mut out,
                    format!("ecdsa-sha2-{}", curve.ssh_name()).as_bytes(),
                );
                ssh_string(&mut out, curve.ssh_name().as_bytes());
                ssh_string(&mut out, q);
            }
            PublicKey::Ed25519(pk) => {
                ssh_string(&mut out, b"ssh-ed25519");
                ssh_string(&mut out, pk);
            }
            PublicKey::Dsa { p, q, g, y } => {
                ssh_string(&mut out, b"ssh-dss");
                for v in [p, q, g, y] {
                    ssh_string(&mut out, &positive(v));
                }
            }
        }
        out
    }

    /// The DER SubjectPublicKeyInfo, as certificates encode it.
    fn spki(&self) -> Vec<u8> {
        let (algorithm, key) = match self {
            PublicKey::Rsa { n, e } => {
                let mut alg = der(0x06, OID_RSA);
                alg.extend(der(0x05, &[]));
                let mut rsa = der(0x02, &positive(n));
                rsa.extend(der(0x02, &positive(e)));
                (alg, der(0x30, &rsa))
            }
            PublicKey::Ec { curve, q } => {
                let mut alg = der(0x06, OID_EC);
                alg.extend(der(0x06, curve.oid()));
                (alg, q.clone())
            }
            PublicKey::Ed25519(pk) => (der(0x06, OID_ED25519), pk.clone()),
            PublicKey::Dsa { p, q, g, y } => {
                let mut params = der(0x02, &positive(p));
                params.extend(der(0x02, &positive(q)));
                params.extend(der(0x02, &positive(g)));
                let mut alg = der(0x06, OID_DSA);
                alg.extend(der(0x30, &params));
                (alg, der(0x02, &positive(y)))
            }
        };
        let mut body = der(0x30, &algorithm);
        body.extend(bit_string(&key));
        der(0x30, &body)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The OpenSSH `SHA256:` fingerprint of an SSH public key blob.
pub fn ssh_fingerprint(blob: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(blob))
    )
}

fn fact(path: &str, kind: KeyKind, format: &'static str, key: Option<&PublicKey>) -> KeyFact {
    KeyFact {
        path: path.to_owned(),
        kind,
        format,
        algorithm: key.map_or_else(|| "unknown".to_owned(), PublicKey::algorithm),
        ssh_fingerprint: key.map(|k| ssh_fingerprint(&k.ssh_blob())),
        spki_sha256: key.map(|k| hex(&Sha256::digest(k.spki()))),
        cert_sha256: None,
    }
}

// ---- DER -------------------------------------------------------------------

/// A bounded DER reader over one slice.
struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Der<'a> {
        Der { rest: bytes }
    }

    /// The next element: its tag and content.
    fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.rest.split_first()?;
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7F);
            if n == 0 || n > 4 {
                return None;
            }
            let (digits, after) = rest.split_at_checked(n)?;
            rest = after;
            digits
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        let (content, after) = rest.split_at_checked(len)?;
        self.rest = after;
        Some((tag, content))
    }

    fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        match self.next()? {
            (t, c) if t == tag => Some(c),
            _ => None,
        }
    }

    /// The length of the first element, header included.
    fn element_len(bytes: &[u8]) -> Option<usize> {
        let mut d = Der::new(bytes);
        d.next()?;
        Some(bytes.len() - d.rest.len())
    }
}

/// PKCS#1 RSAPrivateKey: version, n, e, d, ...
fn pkcs1(body: &[u8]) -> Option<PublicKey> {
    let mut seq = Der::new(Der::new(body).expect(0x30)?);
    seq.expect(0x02)?;
    let n = seq.expect(0x02)?;
    let e = seq.expect(0x02)?;
    // d must follow: a bare RSAPublicKey is not a private key.
    seq.expect(0x02)?;
    Some(PublicKey::Rsa {
        n: n.to_vec(),
        e: e.to_vec(),
    })
}

/// SEC1 ECPrivateKey: version 1, d, [0] curve, [1] public point.
fn sec1(body: &[u8], curve: Option<Curve>) -> Option<Option<PublicKey>> {
    let mut seq = Der::new(Der::new(body).expect(0x30)?);
    if seq.expect(0x02)? != [1] {
        return None;
    }
    seq.expect(0x04)?;
    let mut curve = curve;
    let mut point = None;
    while let Some((tag, content)) = seq.next() {
        match tag {
            0xA0 => curve = curve.or_else(|| Curve::from_oid(Der::new(content).expect(0x06)?)),
            0xA1 => {
                point = Der::new(content)
                    .expect(0x03)
                    .and_then(|b| b.split_first())
                    .filter(|(unused, _)| **unused == 0)
                    .map(|(_, q)| q.to_vec());
            }
            _ => {}
        }
    }
    Some(match (curve, point) {
        (Some(curve), Some(q)) => Some(PublicKey::Ec { curve, q }),
        _ => None,
    })
}

/// OpenSSL's DSA private key: version, p, q, g, y, x.
fn dsa_private(body: &[u8]) -> Option<PublicKey> {
    let mut seq = Der::new(Der::new(body).expect(0x30)?);
    seq.expect(0x02)?;
    let p = seq.expect(0x02)?;
    let q = seq.expect(0x02)?;
    let g = seq.expect(0x02)?;
    let y = seq.expect(0x02)?;
    seq.expect(0x02)?;
    Some(PublicKey::Dsa {
        p: p.to_vec(),
        q: q.to_vec(),
        g: g.to_vec(),
        y: y.to_vec(),
    })
}

/// PKCS#8 PrivateKeyInfo (v1 or v2 with the public key).
fn pkcs8(body: &[u8]) -> Option<Option<PublicKey>> {
    let mut seq = Der::new(Der::new(body).expect(0x30)?);
    seq.expect(0x02)?;
    let mut alg = Der::new(seq.expect(0x30)?);
    let oid = alg.expect(0x06)?;
    let params = alg.next();
    let private = seq.expect(0x04)?;
    let mut public = None;
    while let Some((tag, content)) = seq.next() {
        if tag == 0x81 {
            public = content
                .split_first()
                .filter(|(unused, _)| **unused == 0)
                .map(|(_, k)| k.to_vec());
        }
    }
    match oid {
        OID_RSA => pkcs1(private).map(Some),
        OID_EC => {
            let curve = params
                .filter(|(t, _)| *t == 0x06)
                .and_then(|(_, c)| Curve::from_oid(c));
            let key = sec1(private, curve)?;
            Some(key.or_else(|| {
                Some(PublicKey::Ec {
                    curve: curve?,
                    q: public?,
                })
            }))
        }
        OID_ED25519 => {
            // The private key is an OCTET STRING holding the 32-byte seed.
            let seed = Der::new(private).expect(0x04)?;
            if seed.len() != 32 {
                return None;
            }
            Some(public.filter(|p| p.len() == 32).map(PublicKey::Ed25519))
        }
        OID_DSA => Some(None),
        _ => None,
    }
}

/// A DER private key of any of the three encodings, with its format name.
fn der_private(body: &[u8]) -> Option<(&'static str, Option<PublicKey>)> {
    if let Some(k) = pkcs8(body) {
        return Some(("PKCS#8", k));
    }
    if let Some(k) = pkcs1(body) {
        return Some(("PKCS#1", Some(k)));
    }
    if let Some(k) = sec1(body, None) {
        return Some(("SEC1", k));
    }
    None
}

/// A SubjectPublicKeyInfo.
fn spki(body: &[u8]) -> Option<PublicKey> {
    let mut seq = Der::new(Der::new(body).expect(0x30)?);
    let mut alg = Der::new(seq.expect(0x30)?);
    let oid = alg.expect(0x06)?;
    let params = alg.next();
    let (&unused, key) = seq.expect(0x03)?.split_first()?;
    if unused != 0 {
        return None;
    }
    match oid {
        OID_RSA => {
            let mut rsa = Der::new(Der::new(key).expect(0x30)?);
            let n = rsa.expect(0x02)?;
            let e = rsa.expect(0x02)?;
            Some(PublicKey::Rsa {
                n: n.to_vec(),
                e: e.to_vec(),
            })
        }
        OID_EC => Some(PublicKey::Ec {
            curve: params
                .filter(|(t, _)| *t == 0x06)
                .and_then(|(_, c)| Curve::from_oid(c))?,
            q: key.to_vec(),
        }),
        OID_ED25519 if key.len() == 32 => Some(PublicKey::Ed25519(key.to_vec())),
        OID_DSA => {
            let (t, p) = params?;
            if t != 0x30 {
                return None;
            }
            let mut pqg = Der::new(p);
            let (p, q, g) = (pqg.expect(0x02)?, pqg.expect(0x02)?, pqg.expect(0x02)?);
            let y = Der::new(key).expect(0x02)?;
            Some(PublicKey::Dsa {
                p: p.to_vec(),
                q: q.to_vec(),
                g: g.to_vec(),
                y: y.to_vec(),
            })
        }
        _ => None,
    }
}

/// A certificate: its DER hash and the public key of its SubjectPublicKeyInfo.
fn certificate(path: &str, der_bytes: &[u8], format: &'static str) -> Option<KeyFact> {
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der_bytes).ok()?;
    let raw = cert.tbs_certificate.subject_pki.raw;
    let key = spki(raw);
    let mut f = fact(path, KeyKind::Certificate, format, key.as_ref());
    // The hash of the SPKI as the certificate encodes it (also when we
    // could not read the key itself).
    f.spki_sha256 = Some(hex(&Sha256::digest(raw)));
    f.cert_sha256 = Some(hex(&Sha256::digest(der_bytes)));
    Some(f)
}

// ---- SSH wire format ---------------------------------------------------------

struct Ssh<'a> {
    rest: &'a [u8],
}

impl<'a> Ssh<'a> {
    fn string(&mut self) -> Option<&'a [u8]> {
        let (len, rest) = self.rest.split_at_checked(4)?;
        let len = u32::from_be_bytes(len.try_into().ok()?) as usize;
        let (body, after) = rest.split_at_checked(len)?;
        self.rest = after;
        Some(body)
    }

    fn u32(&mut self) -> Option<u32> {
        let (v, rest) = self.rest.split_at_checked(4)?;
        self.rest = rest;
        Some(u32::from_be_bytes(v.try_into().ok()?))
    }
}

/// An SSH public key blob.
fn ssh_public(blob: &[u8]) -> Option<PublicKey> {
    let mut r = Ssh { rest: blob };
    let key = match r.string()? {
        b"ssh-rsa" => {
            let e = r.string()?;
            let n = r.string()?;
            PublicKey::Rsa {
                n: n.to_vec(),
                e: e.to_vec(),
            }
        }
        b"ssh-ed25519" => {
            let pk = r.string()?;
            if pk.len() != 32 {
                return None;
            }
            PublicKey::Ed25519(pk.to_vec())
        }
        b"ssh-dss" => PublicKey::Dsa {
            p: r.string()?.to_vec(),
            q: r.string()?.to_vec(),
            g: r.string()?.to_vec(),
            y: r.string()?.to_vec(),
        },
        t if t.starts_with(b"ecdsa-sha2-") => {
            let curve = Curve::from_ssh(r.string()?)?;
            PublicKey::Ec {
                curve,
                q: r.string()?.to_vec(),
            }
        }
        _ => return None,
    };
    Some(key)
}

/// Dropbear's private key file: the key type, then its numbers, filling
/// the file exactly.
fn dropbear(bytes: &[u8]) -> Option<PublicKey> {
    let mut r = Ssh { rest: bytes };
    let kind = r.string()?;
    let key = match kind {
        b"ssh-rsa" => {
            let e = r.string()?;
            let n = r.string()?;
            r.string()?; // d
            r.string()?; // p
            r.string()?; // q
            PublicKey::Rsa {
                n: n.to_vec(),
                e: e.to_vec(),
            }
        }
        b"ssh-dss" => {
            let (p, q, g, y) = (r.string()?, r.string()?, r.string()?, r.string()?);
            r.string()?; // x
            PublicKey::Dsa {
                p: p.to_vec(),
                q: q.to_vec(),
                g: g.to_vec(),
                y: y.to_vec(),
            }
        }
        b"ssh-ed25519" => {
            // 32 bytes of secret, then the 32-byte public key.
            let both = r.string()?;
            if both.len() != 64 {
                return None;
            }
            PublicKey::Ed25519(both.get(32..)?.to_vec())
        }
        k if k.starts_with(b"ecdsa-sha2-") => {
            let curve = Curve::from_ssh(r.string()?)?;
            let q = r.string()?;
            r.string()?; // d
            PublicKey::Ec {
                curve,
                q: q.to_vec(),
            }
        }
        _ => return None,
    };
    r.rest.is_empty().then_some(key)
}

/// The `openssh-key-v1` container: the public key of its first key is
/// stored in clear, also when the private part is encrypted.
fn openssh(body: &[u8]) -> Option<PublicKey> {
    let rest = body.strip_prefix(b"openssh-key-v1\0")?;
    let mut r = Ssh { rest };
    r.string()?; // cipher
    r.string()?; // kdf
    r.string()?; // kdf options
    if r.u32()? == 0 {
        return None;
    }
    ssh_public(r.string()?)
}

// ---- files ---------------------------------------------------------------------

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if clean.len() > MAX_KEY_BYTES * 4 / 3 + 4 {
        return None;
    }
    base64::engine::general_purpose::STANDARD.decode(clean).ok()
}

/// The PEM blocks of a text: label, whether the headers say it is
/// encrypted, and the decoded body.
fn pem_blocks(text: &str) -> Vec<(&str, bool, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while out.len() < MAX_BLOCKS {
        let Some(start) = rest.find("-----BEGIN ") else {
            break;
        };
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = &after[..label_end];
        if label.len() > 40 || label.contains('\n') {
            rest = after;
            continue;
        }
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            rest = body_start;
            continue;
        };
        let body = &body_start[..end];
        rest = &body_start[end + end_marker.len()..];
        let mut encrypted = false;
        let mut data = String::new();
        for line in body.lines() {
            if line.contains(':') {
                encrypted |= line.contains("ENCRYPTED");
                continue;
            }
            data.push_str(line.trim());
        }
        if let Some(bytes) = base64_decode(&data) {
            out.push((label, encrypted, bytes));
        }
    }
    out
}

/// The key facts of one file's bytes: PEM blocks, a Dropbear key, a DER
/// key or certificate filling the file, or OpenSSH public key lines.
pub fn analyse(path: &str, bytes: &[u8]) -> Vec<KeyFact> {
    let mut out = Vec::new();
    if let Some(key) = dropbear(bytes) {
        out.push(fact(path, KeyKind::PrivateKey, "Dropbear", Some(&key)));
        return out;
    }
    if bytes.first() == Some(&0x30) && bytes.len() <= MAX_KEY_BYTES {
        if Der::element_len(bytes) == Some(bytes.len()) {
            if let Some((format, key)) = der_private(bytes) {
                let format = match format {
                    "PKCS#8" => "DER PKCS#8",
                    "PKCS#1" => "DER PKCS#1",
                    _ => "DER SEC1",
                };
                out.push(fact(path, KeyKind::PrivateKey, format, key.as_ref()));
            } else if let Some(f) = certificate(path, bytes, "DER certificate") {
                out.push(f);
            }
        }
        return out;
    }
    let text = String::from_utf8_lossy(bytes.get(..bytes.len().min(16 << 20)).unwrap_or(bytes));
    if text.contains("-----BEGIN ") {
        for (label, encrypted, body) in pem_blocks(&text) {
            if body.len() > MAX_KEY_BYTES {
                continue;
            }
            let kind_key = match label {
                "RSA PRIVATE KEY" if !encrypted => {
                    Some(("PEM PKCS#1", KeyKind::PrivateKey, pkcs1(&body)))
                }
                "EC PRIVATE KEY" if !encrypted => {
                    Some(("PEM SEC1", KeyKind::PrivateKey, sec1(&body, None).flatten()))
                }
                "DSA PRIVATE KEY" if !encrypted => {
                    Some(("PEM DSA", KeyKind::PrivateKey, dsa_private(&body)))
                }
                "PRIVATE KEY" => Some(("PEM PKCS#8", KeyKind::PrivateKey, pkcs8(&body).flatten())),
                "OPENSSH PRIVATE KEY" => Some(("OpenSSH", KeyKind::PrivateKey, openssh(&body))),
                "PUBLIC KEY" => Some(("PEM public key", KeyKind::PublicKey, spki(&body))),
                "CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                    if let Some(f) = certificate(path, &body, "PEM certificate") {
                        out.push(f);
                    }
                    None
                }
                _ => None,
            };
            if let Some((format, kind, key)) = kind_key {
                out.push(fact(path, kind, format, key.as_ref()));
            }
        }
        return out;
    }
    if path.ends_with(".pub") || path.ends_with("authorized_keys") {
        for line in text.lines().take(MAX_BLOCKS) {
            let mut words = line.split_whitespace();
            let (Some(kind), Some(b64)) = (words.next(), words.next()) else {
                continue;
            };
            if !(kind.starts_with("ssh-") || kind.starts_with("ecdsa-sha2-")) {
                continue;
            }
            if let Some(key) = base64_decode(b64).as_deref().and_then(ssh_public) {
                out.push(fact(
                    path,
                    KeyKind::PublicKey,
                    "OpenSSH public key",
                    Some(&key),
                ));
            }
        }
    }
    out
}

/// A DER private key embedded at `offset` of a file (a binary that
/// carries its key), when one parses there.
pub fn analyse_der_at(path: &str, bytes: &[u8], offset: usize) -> Option<KeyFact> {
    let at = bytes.get(offset..)?;
    let len = Der::element_len(at)?;
    if len > MAX_KEY_BYTES {
        return None;
    }
    let (format, key) = der_private(at.get(..len)?)?;
    let format = match format {
        "PKCS#8" => "embedded DER PKCS#8",
        "PKCS#1" => "embedded DER PKCS#1",
        _ => "embedded DER SEC1",
    };
    Some(fact(path, KeyKind::PrivateKey, format, key.as_ref()))
}

/// Whether a file may hold certificates or public keys worth reading.
fn may_hold_keys(path: &str, bytes: &[u8]) -> bool {
    use std::sync::OnceLock;
    static MARKERS: OnceLock<Option<regex::bytes::Regex>> = OnceLock::new();
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.ends_with(".pub") {
        return bytes.len() <= 1 << 20;
    }
    if [".der", ".crt", ".cer"].iter().any(|e| name.ends_with(e))
        && bytes.starts_with(&[0x30, 0x82])
        && bytes.len() <= MAX_KEY_BYTES
    {
        return true;
    }
    bytes.len() <= 4 << 20
        && MARKERS
            .get_or_init(|| {
                regex::bytes::Regex::new(
                    "-----BEGIN (?:CERTIFICATE|TRUSTED CERTIFICATE|PUBLIC KEY)-----",
                )
                .ok()
            })
            .as_ref()
            .is_some_and(|re| re.is_match(bytes))
}

/// Every key and certificate of an image tree: the files in which the
/// secret rules found a private key, and the files that hold certificates,
/// PEM public keys or OpenSSH public key lines. At most [`MAX_FACTS`].
pub fn collect(ctx: &crate::check::Context<'_>) -> Vec<KeyFact> {
    use std::collections::BTreeSet;
    let mut out = Vec::new();
    let mut read: BTreeSet<&str> = BTreeSet::new();
    for (path, m) in &ctx.secrets {
        if m.kind != crate::secrets::SecretKind::PrivateKey || out.len() >= MAX_FACTS {
            continue;
        }
        let Some(bytes) = ctx.files.read(path) else {
            continue;
        };
        if m.rule == "der-private-key" {
            if !read.contains(path.as_str()) {
                out.extend(analyse_der_at(path, &bytes, m.offset));
            }
        } else if read.insert(path.as_str()) {
            out.extend(analyse(path, &bytes));
        }
    }
    for path in &ctx.unique {
        if out.len() >= MAX_FACTS {
            break;
        }
        if read.contains(path.as_str())
            || path.starts_with("/proc/")
            || path.starts_with("/sys/")
            || path.starts_with("/dev/")
        {
            continue;
        }
        let Some(bytes) = ctx.files.read(path) else {
            continue;
        };
        if may_hold_keys(path, &bytes) {
            out.extend(analyse(path, &bytes));
        }
    }
    out.truncate(MAX_FACTS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_written_as_der_and_ssh_write_them() {
        assert_eq!(positive(&[0x00, 0x00, 0x7F]), [0x7F]);
        assert_eq!(positive(&[0x80]), [0x00, 0x80]);
        assert_eq!(positive(&[0x00, 0x80]), [0x00, 0x80]);
        assert_eq!(positive(&[]), [0x00]);
        assert_eq!(bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(
            der(0x04, &[0u8; 200]).get(..3),
            Some(&[0x04, 0x81, 200][..])
        );
    }

    #[test]
    fn hostile_der_is_refused_not_read_past_its_end() {
        for bytes in [
            &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF][..],
            &[0x30, 0x85, 1, 1, 1, 1, 1][..],
            &[0x30, 0x80][..],
            &[0x30][..],
            &[0x30, 0x03, 0x02, 0x01][..],
        ] {
            assert!(der_private(bytes).is_none());
            assert!(analyse("/k", bytes).is_empty());
        }
        assert!(dropbear(b"\x00\x00\x00\x07ssh-rsa\xff\xff\xff\xff").is_none());
        assert!(openssh(b"openssh-key-v1\0\x00\x00\x00\x04none").is_none());
    }
}
