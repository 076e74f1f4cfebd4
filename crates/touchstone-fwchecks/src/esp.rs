//! ESP-IDF bootloader and application images (ESP32 family): the image
//! header, its segments, the appended SHA-256, and whether a secure boot
//! signature block follows the image.
//!
//! Layout (ESP-IDF "App Image Format"): a 24-byte header (magic `0xE9`,
//! segment count, SPI mode, SPI speed and size, entry point) with its
//! 16-byte extension (chip id, revisions, `hash_appended`), then each
//! segment as a load address, a length and the data; then padding up to a
//! 16-byte boundary whose last byte is a checksum, then the SHA-256 of all
//! that when `hash_appended` is 1. Secure boot v2 appends, at the next
//! 4 KiB boundary, a signature block starting with `0xE7 0x02`; secure boot
//! v1 appends a 4-byte version (0) and a 64-byte ECDSA signature.

/// One segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Load address.
    pub address: u32,
    /// Length in bytes.
    pub length: u32,
}

/// What is known about a signature after the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// A secure boot v2 signature block (RSA-PSS or ECDSA) at the next 4 KiB boundary.
    V2,
    /// A secure boot v1 signature (version 0 and 64 bytes) right after the image.
    V1,
    /// Nothing recognisable follows the image.
    None,
}

/// A parsed ESP-IDF image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EspImage {
    /// Chip id from the extended header (0 = ESP32, 2 = ESP32-S2, 5 = ESP32-C3, 9 = ESP32-S3...).
    pub chip_id: u16,
    /// Entry point.
    pub entry: u32,
    /// The segments.
    pub segments: Vec<Segment>,
    /// Whether a SHA-256 of the image is appended.
    pub hash_appended: bool,
    /// Bytes the image occupies, padding, checksum and hash included.
    pub size: usize,
    /// The signature that follows, if any.
    pub signature: Signature,
}

/// Most segments an image may declare (ESP-IDF allows 16).
const MAX_SEGMENTS: u8 = 16;

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Parse an ESP-IDF image at the start of `bytes`; `None` when it is not one
/// (wrong magic, implausible header, a segment running past the end).
pub fn parse(bytes: &[u8]) -> Option<EspImage> {
    if bytes.first() != Some(&0xE9) {
        return None;
    }
    let count = *bytes.get(1)?;
    if count == 0 || count > MAX_SEGMENTS {
        return None;
    }
    let entry = u32_at(bytes, 4)?;
    let chip_id = u16::from_le_bytes(bytes.get(12..14)?.try_into().ok()?);
    let hash_appended = *bytes.get(23)? == 1;
    // Reserved bytes of the extension are zero in every valid image.
    if bytes.get(19..23)?.iter().any(|b| *b != 0) {
        return None;
    }
    let mut at = 24usize;
    let mut segments = Vec::new();
    for _ in 0..count {
        let address = u32_at(bytes, at)?;
        let length = u32_at(bytes, at + 4)?;
        let end = at.checked_add(8)?.checked_add(length as usize)?;
        if end > bytes.len() {
            return None;
        }
        segments.push(Segment { address, length });
        at = end;
    }
    // Padding to 16 bytes with the checksum as its last byte.
    let mut size = (at + 1).div_ceil(16) * 16;
    if hash_appended {
        size += 32;
    }
    if size > bytes.len() {
        return None;
    }
    let v2_at = size.div_ceil(4096) * 4096;
    let signature = if bytes.get(v2_at..v2_at + 2) == Some(&[0xE7, 0x02][..]) {
        Signature::V2
    } else if bytes.len() >= size + 68 && u32_at(bytes, size) == Some(0) {
        Signature::V1
    } else {
        Signature::None
    };
    Some(EspImage {
        chip_id,
        entry,
        segments,
        hash_appended,
        size,
        signature,
    })
}
