//! Hand-built ClientHellos and a parser for what the server answers.
//!
//! The local TLS library cannot speak SSL 3.0, TLS 1.0/1.1 or weak suites,
//! so the prober writes ClientHello records byte by byte and only parses the
//! server's first flight (ServerHello, Certificate, ServerHelloDone, or an
//! alert). No key exchange is ever completed.

use crate::wire::Reader;

/// A protocol version as sent on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    /// SSL 3.0.
    Ssl3,
    /// TLS 1.0.
    Tls10,
    /// TLS 1.1.
    Tls11,
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

impl TlsVersion {
    /// Every version, oldest first.
    pub const ALL: [TlsVersion; 5] = [
        TlsVersion::Ssl3,
        TlsVersion::Tls10,
        TlsVersion::Tls11,
        TlsVersion::Tls12,
        TlsVersion::Tls13,
    ];

    /// The two-byte wire value.
    pub fn wire(self) -> u16 {
        match self {
            TlsVersion::Ssl3 => 0x0300,
            TlsVersion::Tls10 => 0x0301,
            TlsVersion::Tls11 => 0x0302,
            TlsVersion::Tls12 => 0x0303,
            TlsVersion::Tls13 => 0x0304,
        }
    }

    /// From the two-byte wire value.
    pub fn from_wire(v: u16) -> Option<TlsVersion> {
        TlsVersion::ALL.into_iter().find(|t| t.wire() == v)
    }

    /// Name as used in the crypto policy (`SSLv3`, `TLSv1.0` …).
    pub fn name(self) -> &'static str {
        match self {
            TlsVersion::Ssl3 => "SSLv3",
            TlsVersion::Tls10 => "TLSv1.0",
            TlsVersion::Tls11 => "TLSv1.1",
            TlsVersion::Tls12 => "TLSv1.2",
            TlsVersion::Tls13 => "TLSv1.3",
        }
    }
}

/// Build one ClientHello record offering exactly `version` and `suites`.
///
/// For TLS 1.3 the legacy version is 1.2 and the real offer is in the
/// `supported_versions` extension, with an X25519 key share of random bytes
/// (the handshake is never completed, so no private key is needed).
pub fn client_hello(
    version: TlsVersion,
    suites: &[u16],
    random: &[u8; 32],
    server_name: Option<&str>,
) -> Vec<u8> {
    let legacy = if version == TlsVersion::Tls13 {
        TlsVersion::Tls12.wire()
    } else {
        version.wire()
    };
    let mut body = Vec::with_capacity(512);
    body.extend_from_slice(&legacy.to_be_bytes());
    body.extend_from_slice(random);
    if version == TlsVersion::Tls13 {
        body.push(32);
        body.extend_from_slice(random);
    } else {
        body.push(0);
    }
    let mut suite_bytes = Vec::with_capacity(suites.len() * 2 + 2);
    for s in suites {
        suite_bytes.extend_from_slice(&s.to_be_bytes());
    }
    if version != TlsVersion::Tls13 {
        // TLS_EMPTY_RENEGOTIATION_INFO_SCSV keeps strict servers talking.
        suite_bytes.extend_from_slice(&0x00FFu16.to_be_bytes());
    }
    push_vec16(&mut body, &suite_bytes);
    body.extend_from_slice(&[1, 0]); // compression: null only
    if version != TlsVersion::Ssl3 {
        let mut ext = Vec::new();
        if let Some(name) =
            server_name.filter(|n| n.parse::<std::net::IpAddr>().is_err() && n.len() < 256)
        {
            let mut entry = vec![0u8];
            push_vec16(&mut entry, name.as_bytes());
            let mut list = Vec::new();
            push_vec16(&mut list, &entry);
            push_ext(&mut ext, 0x0000, &list);
        }
        // supported_groups: x25519, P-256, P-384, P-521, ffdhe2048, ffdhe3072.
        push_ext(
            &mut ext,
            0x000a,
            &vec16(&[
                0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19, 0x01, 0x00, 0x01, 0x01,
            ]),
        );
        push_ext(&mut ext, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
        let sigs: [u16; 14] = [
            0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0401, 0x0501, 0x0601, 0x0203,
            0x0201, 0x0402, 0x0202,
        ];
        let sig_bytes: Vec<u8> = sigs.iter().flat_map(|s| s.to_be_bytes()).collect();
        push_ext(&mut ext, 0x000d, &vec16(&sig_bytes));
        if version == TlsVersion::Tls13 {
            push_ext(&mut ext, 0x002b, &[2, 0x03, 0x04]); // supported_versions: 1.3 only
            let mut share = vec![0x00, 0x1d];
            push_vec16(&mut share, random);
            push_ext(&mut ext, 0x0033, &vec16(&share)); // key_share
            push_ext(&mut ext, 0x002d, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
        }
        push_vec16(&mut body, &ext);
    }
    let mut handshake = vec![1u8];
    push_u24(&mut handshake, body.len());
    handshake.extend_from_slice(&body);
    let record_version: u16 = if version == TlsVersion::Ssl3 {
        0x0300
    } else {
        0x0301
    };
    let mut record = vec![0x16];
    record.extend_from_slice(&record_version.to_be_bytes());
    push_vec16(&mut record, &handshake);
    record
}

fn vec16(data: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + 2);
    push_vec16(&mut v, data);
    v
}

fn push_vec16(out: &mut Vec<u8>, data: &[u8]) {
    let n = u16::try_from(data.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(data.get(..usize::from(n)).unwrap_or(data));
}

fn push_u24(out: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).unwrap_or(0).min(0x00ff_ffff);
    out.extend_from_slice(&n.to_be_bytes()[1..]);
}

fn push_ext(out: &mut Vec<u8>, ty: u16, data: &[u8]) {
    out.extend_from_slice(&ty.to_be_bytes());
    push_vec16(out, data);
}

/// The fields of a ServerHello that matter for grading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// The negotiated version (from `supported_versions` when present).
    pub version: u16,
    /// The chosen cipher suite.
    pub cipher_suite: u16,
    /// Whether this was a TLS 1.3 HelloRetryRequest.
    pub retry_request: bool,
}

/// What the server's first flight contained, as far as it was received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerFlight {
    /// The ServerHello, if one arrived.
    pub hello: Option<ServerHello>,
    /// `(level, description)` of the first alert.
    pub alert: Option<(u8, u8)>,
    /// DER certificates of the Certificate message (TLS ≤ 1.2 only).
    pub certificates: Vec<Vec<u8>>,
    /// Nothing more of interest will follow (alert, ServerHelloDone,
    /// encrypted records, or a TLS 1.3 ServerHello).
    pub done: bool,
    /// The bytes are not TLS at all.
    pub not_tls: bool,
}

const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// Upper bound of the handshake bytes kept from one flight.
pub const MAX_FLIGHT: usize = 96 * 1024;

/// Parse the bytes received so far. Call again with more bytes until
/// [`ServerFlight::done`] or the peer closes.
pub fn parse_server_flight(data: &[u8]) -> ServerFlight {
    let mut flight = ServerFlight::default();
    let mut handshake = Vec::new();
    let mut r = Reader::new(data);
    let mut first = true;
    while !flight.done {
        let Some(content_type) = r.u8() else { break };
        let Some(version) = r.u16() else { break };
        if first && (!matches!(content_type, 0x14..=0x17) || version >> 8 != 0x03) {
            flight.not_tls = true;
            flight.done = true;
            break;
        }
        first = false;
        let Some(fragment) = r.vec16() else { break };
        match content_type {
            0x15 => {
                let mut a = Reader::new(fragment);
                if let (Some(level), Some(desc)) = (a.u8(), a.u8()) {
                    flight.alert = Some((level, desc));
                }
                flight.done = true;
            }
            0x16 => {
                if handshake.len() + fragment.len() <= MAX_FLIGHT {
                    handshake.extend_from_slice(fragment);
                } else {
                    flight.done = true;
                }
                parse_handshake_messages(&handshake, &mut flight);
            }
            _ => {
                // ChangeCipherSpec or encrypted data: the clear part is over.
                flight.done = true;
            }
        }
    }
    flight
}

fn parse_handshake_messages(data: &[u8], flight: &mut ServerFlight) {
    let mut r = Reader::new(data);
    flight.certificates.clear();
    flight.hello = None;
    while let (Some(ty), Some(body)) = (r.u8(), r.vec24()) {
        match ty {
            2 => {
                flight.hello = parse_server_hello(body);
                if flight.hello.as_ref().is_some_and(|h| h.version == 0x0304) {
                    flight.done = true;
                }
            }
            11 => {
                let mut c = Reader::new(body);
                if let Some(list) = c.vec24() {
                    let mut l = Reader::new(list);
                    while let Some(cert) = l.vec24() {
                        if flight.certificates.len() < 16 {
                            flight.certificates.push(cert.to_vec());
                        }
                    }
                }
            }
            14 => flight.done = true,
            _ => {}
        }
    }
}

/// Parse a ServerHello body (after the handshake header).
pub fn parse_server_hello(body: &[u8]) -> Option<ServerHello> {
    let mut r = Reader::new(body);
    let mut version = r.u16()?;
    let random = r.bytes(32)?;
    r.vec8()?;
    let cipher_suite = r.u16()?;
    r.u8()?;
    if let Some(exts) = r.vec16() {
        let mut e = Reader::new(exts);
        while let (Some(ty), Some(data)) = (e.u16(), e.vec16()) {
            if ty == 0x002b
                && let Some(v) = Reader::new(data).u16()
            {
                version = v;
            }
        }
    }
    Some(ServerHello {
        version,
        cipher_suite,
        retry_request: random == HRR_RANDOM,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello_record(version: u16, suite: u16, ext: &[u8]) -> Vec<u8> {
        let mut body = version.to_be_bytes().to_vec();
        body.extend_from_slice(&[7; 32]);
        body.push(0);
        body.extend_from_slice(&suite.to_be_bytes());
        body.push(0);
        if !ext.is_empty() {
            push_vec16(&mut body, ext);
        }
        let mut hs = vec![2];
        push_u24(&mut hs, body.len());
        hs.extend_from_slice(&body);
        let mut rec = vec![0x16, 3, 1];
        push_vec16(&mut rec, &hs);
        rec
    }

    #[test]
    fn client_hello_is_well_formed() {
        let h = client_hello(
            TlsVersion::Tls12,
            &[0xC02F, 0x002F],
            &[1; 32],
            Some("cam.example"),
        );
        let mut r = Reader::new(&h);
        assert_eq!(r.u8(), Some(0x16));
        assert_eq!(r.u16(), Some(0x0301));
        let hs = r.vec16().unwrap_or_default();
        assert!(r.is_empty());
        let mut r = Reader::new(hs);
        assert_eq!(r.u8(), Some(1));
        let body = r.vec24().unwrap_or_default();
        let mut b = Reader::new(body);
        assert_eq!(b.u16(), Some(0x0303));
        assert!(b.bytes(32).is_some());
        assert_eq!(b.vec8(), Some(&[][..]));
        assert_eq!(b.vec16(), Some(&[0xC0, 0x2F, 0x00, 0x2F, 0x00, 0xFF][..]));
        assert_eq!(b.vec8(), Some(&[0][..]));
        assert!(b.vec16().is_some_and(|e| e.len() > 20));
        assert!(b.is_empty());
        let ssl3 = client_hello(TlsVersion::Ssl3, &[0x0005], &[1; 32], None);
        assert_eq!(ssl3.get(1..3), Some(&[3u8, 0][..]));
    }

    #[test]
    fn tls13_hello_offers_supported_versions_and_key_share() {
        let h = client_hello(TlsVersion::Tls13, &[0x1301], &[9; 32], None);
        let text = h.windows(5).any(|w| w == [0x00, 0x2b, 0x00, 0x03, 0x02]);
        assert!(text, "supported_versions extension missing");
        assert!(
            h.windows(4).any(|w| w == [0x00, 0x33, 0x00, 0x26]),
            "key_share missing"
        );
    }

    #[test]
    fn server_hello_alert_and_certificates_parse() {
        let f = parse_server_flight(&hello_record(0x0301, 0xC014, &[]));
        assert_eq!(
            f.hello.as_ref().map(|h| (h.version, h.cipher_suite)),
            Some((0x0301, 0xC014))
        );
        assert!(!f.done);
        let f = parse_server_flight(&[0x15, 3, 3, 0, 2, 2, 70]);
        assert_eq!(f.alert, Some((2, 70)));
        assert!(f.done);
        // TLS 1.3 through supported_versions.
        let f = parse_server_flight(&hello_record(
            0x0303,
            0x1301,
            &[0x00, 0x2b, 0x00, 0x02, 0x03, 0x04],
        ));
        assert_eq!(f.hello.map(|h| h.version), Some(0x0304));
        assert!(f.done);
        // Certificate + ServerHelloDone in a second record.
        let mut data = hello_record(0x0303, 0x002F, &[]);
        let cert = [0x30u8, 0x03, 1, 2, 3];
        let mut entry = Vec::new();
        push_u24(&mut entry, cert.len());
        entry.extend_from_slice(&cert);
        let mut list = Vec::new();
        push_u24(&mut list, entry.len());
        list.extend_from_slice(&entry);
        let mut hs = vec![11];
        push_u24(&mut hs, list.len());
        hs.extend_from_slice(&list);
        hs.extend_from_slice(&[14, 0, 0, 0]);
        data.extend_from_slice(&[0x16, 3, 3]);
        push_vec16(&mut data, &hs);
        let f = parse_server_flight(&data);
        assert_eq!(f.certificates, vec![cert.to_vec()]);
        assert!(f.done);
    }

    #[test]
    fn garbage_and_truncation_are_harmless() {
        assert!(parse_server_flight(b"HTTP/1.1 400 Bad Request\r\n").not_tls);
        let whole = hello_record(0x0303, 0x002F, &[]);
        for n in 0..whole.len() {
            let f = parse_server_flight(whole.get(..n).unwrap_or_default());
            assert!(f.hello.is_none() || n == whole.len());
        }
        assert!(parse_server_hello(&[3, 3]).is_none());
    }
}
