//! A bounds-checked cursor over bytes received from the network.
//!
//! Every parser in this crate reads peer data through [`Reader`], whose
//! methods return `None` instead of panicking when the input is short.

/// A cursor over untrusted bytes; every read is bounds-checked.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data }
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.data.len() {
            return None;
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Some(head)
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.bytes(1).and_then(|b| b.first().copied())
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        let b = self.bytes(2)?;
        Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
    }

    pub(crate) fn u24(&mut self) -> Option<usize> {
        let b = self.bytes(3)?;
        Some(
            usize::from(*b.first()?) << 16 | usize::from(*b.get(1)?) << 8 | usize::from(*b.get(2)?),
        )
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        let b = self.bytes(4)?;
        Some(u32::from_be_bytes([
            *b.first()?,
            *b.get(1)?,
            *b.get(2)?,
            *b.get(3)?,
        ]))
    }

    /// A block prefixed by a one-byte length.
    pub(crate) fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.bytes(usize::from(n))
    }

    /// A block prefixed by a two-byte length.
    pub(crate) fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.bytes(usize::from(n))
    }

    /// A block prefixed by a three-byte length.
    pub(crate) fn vec24(&mut self) -> Option<&'a [u8]> {
        let n = self.u24()?;
        self.bytes(n)
    }

    /// A block prefixed by a four-byte length (SSH `string`).
    pub(crate) fn vec32(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u32()?).ok()?;
        self.bytes(n)
    }
}

/// Excerpt of peer bytes for evidence: at most `max` characters, trailing
/// line ends removed, nothing escaped.
pub(crate) fn excerpt(bytes: &[u8], max: usize) -> String {
    // The exact text (invalid UTF-8 replaced), only shortened: JSON keeps
    // what the peer sent; whatever prints it for humans escapes it with
    // `touchstone_core::text::display_safe`.
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end_matches(['\r', '\n']);
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// Random bytes for nonces that need no secrecy (ClientHello random, SSH
/// cookie, throw-away key shares, negative-control credentials, proofs).
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    use rand::RngCore as _;
    let mut out = vec![0u8; n];
    rand::rng().fill_bytes(&mut out);
    out
}

/// Standard base64 without padding (OpenSSH fingerprint style).
pub(crate) fn base64_nopad(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(data)
}

/// Standard base64 with padding (HTTP Basic, RTSP Basic).
pub(crate) fn base64_pad(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_never_overreads() {
        let mut r = Reader::new(&[0, 5, 1, 2]);
        assert_eq!(r.vec16(), None);
        let mut r = Reader::new(&[0, 2, 1, 2, 9]);
        assert_eq!(r.vec16(), Some(&[1u8, 2][..]));
        assert_eq!(r.u16(), None);
        assert_eq!(r.u8(), Some(9));
        assert!(r.is_empty());
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64_nopad(b""), "");
        assert_eq!(base64_nopad(b"f"), "Zg");
        assert_eq!(base64_nopad(b"fo"), "Zm8");
        assert_eq!(base64_nopad(b"foo"), "Zm9v");
        assert_eq!(base64_nopad(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_pad(b"admin:admin"), "YWRtaW46YWRtaW4=");
        assert_eq!(base64_pad(b"fo"), "Zm8=");
    }

    #[test]
    fn excerpt_keeps_the_text_and_truncates() {
        assert_eq!(excerpt(b"SSH-2.0-x\x1b[2J\r\n", 40), "SSH-2.0-x\x1b[2J");
        assert_eq!(excerpt(b"a\r\nb\x01\r\n", 40), "a\r\nb\x01");
        assert_eq!(excerpt(b"abcdef", 3), "abc…");
    }
}
