//! Known formats that hold nothing to unpack further here: JPEG, PNG, GIF, BMP, RIFF
//! (WebP, WAV, AVI), PDF and 7-Zip. Each is validated by walking its own structure to
//! its exact end and then kept as one carved file, so that an image embedded in a
//! bootloader or a document appended to an update is found, named and not reported
//! as an unknown region. Nothing here decompresses; a carved chunk is not scanned
//! again.

use super::{Chunk, FormatError, Output, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};

/// Upper bound on structural records walked per carved file (segments, chunks).
const MAX_RECORDS: usize = 1 << 16;

fn carved(format: &'static str, size: usize, name: &str) -> Chunk {
    Chunk::new(
        format,
        size,
        Output::Carved {
            name: name.to_owned(),
        },
    )
}

/// JPEG: SOI, then marker segments up to EOI; after SOS the entropy-coded data runs
/// to the next marker that is not a stuffed byte or a restart marker.
pub(crate) fn jpeg(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    if b.get(..3) != Some(&[0xff, 0xd8, 0xff][..]) {
        return Err(bad("JPEG SOI"));
    }
    // The first segment after SOI must be one a real encoder writes first.
    let first = b.get(3).copied().ok_or(FormatError::Truncated("JPEG"))?;
    if !matches!(first, 0xe0..=0xef | 0xdb | 0xc0..=0xcf | 0xdd | 0xfe) {
        return Err(bad("JPEG first segment"));
    }
    let mut pos = 2usize;
    let mut seen_sos = false;
    for _ in 0..MAX_RECORDS {
        if b.get(pos) != Some(&0xff) {
            return Err(bad(format!("JPEG marker expected at {pos}")));
        }
        while b.get(pos + 1) == Some(&0xff) {
            pos += 1;
        }
        let marker = *b
            .get(pos + 1)
            .ok_or(FormatError::Truncated("JPEG marker"))?;
        pos += 2;
        match marker {
            0xd9 => {
                if !seen_sos {
                    return Err(bad("JPEG ends before any scan"));
                }
                return Ok(carved("jpeg", pos, "image.jpg"));
            }
            0x01 | 0xd0..=0xd7 => {}
            0x00 => return Err(bad("JPEG stuffed byte outside a scan")),
            _ => {
                let len = read::u16be(b, pos).ok_or(FormatError::Truncated("JPEG segment"))?;
                if len < 2 {
                    return Err(bad("JPEG segment length below 2"));
                }
                pos = pos
                    .checked_add(usize::from(len))
                    .filter(|&p| p <= b.len())
                    .ok_or(FormatError::Truncated("JPEG segment"))?;
                if marker == 0xda {
                    seen_sos = true;
                    // Entropy-coded data: find the next real marker.
                    loop {
                        let at = memchr_ff(b, pos).ok_or(FormatError::Truncated("JPEG scan"))?;
                        match b.get(at + 1) {
                            Some(0x00 | 0xd0..=0xd7 | 0xff) => pos = at + 1,
                            Some(_) => {
                                pos = at;
                                break;
                            }
                            None => return Err(FormatError::Truncated("JPEG scan")),
                        }
                    }
                }
            }
        }
    }
    Err(bad("JPEG has too many segments"))
}

fn memchr_ff(b: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|&c| c == 0xff)
        .map(|i| i + from)
}

/// PNG: the signature, an IHDR with a valid CRC, then chunks up to IEND.
pub(crate) fn png(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    if b.get(..8) != Some(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..]) {
        return Err(bad("PNG signature"));
    }
    let mut pos = 8usize;
    let mut problems = Vec::new();
    for i in 0..MAX_RECORDS {
        let len = read::u32be(b, pos).ok_or(FormatError::Truncated("PNG chunk"))? as usize;
        let kind: [u8; 4] = read::bytes(b, pos + 4).ok_or(FormatError::Truncated("PNG chunk"))?;
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(bad(format!("PNG chunk type at {pos}")));
        }
        if i == 0 && (&kind != b"IHDR" || len != 13) {
            return Err(bad("PNG must start with IHDR"));
        }
        let end = pos
            .checked_add(12)
            .and_then(|p| p.checked_add(len))
            .filter(|&e| e <= b.len())
            .ok_or(FormatError::Truncated("PNG chunk"))?;
        let crc = read::u32be(b, end - 4).unwrap_or(0);
        let actual = crc32fast::hash(b.get(pos + 4..end - 4).unwrap_or(&[]));
        if crc != actual {
            if i == 0 {
                return Err(bad("PNG IHDR CRC"));
            }
            problems.push(Problem::new(
                ProblemKind::Checksum,
                Some(pos as u64),
                format!("PNG chunk {} CRC mismatch", String::from_utf8_lossy(&kind)),
            ));
        }
        pos = end;
        if &kind == b"IEND" {
            let mut c = carved("png", pos, "image.png");
            c.problems = problems;
            return Ok(c);
        }
    }
    Err(bad("PNG has too many chunks"))
}

/// GIF87a/GIF89a: logical screen, optional colour table, then blocks up to the trailer.
pub(crate) fn gif(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    if !matches!(b.get(..6), Some(b"GIF87a" | b"GIF89a")) {
        return Err(bad("GIF signature"));
    }
    let flags = *b.get(10).ok_or(FormatError::Truncated("GIF header"))?;
    let mut pos = 13usize;
    if flags & 0x80 != 0 {
        pos += 3 << ((flags & 7) + 1);
    }
    let skip_sub_blocks = |mut p: usize| -> Result<usize, FormatError> {
        for _ in 0..MAX_RECORDS * 16 {
            let n = *b.get(p).ok_or(FormatError::Truncated("GIF sub-block"))?;
            p += 1 + usize::from(n);
            if n == 0 {
                return Ok(p);
            }
        }
        Err(bad("GIF has too many sub-blocks"))
    };
    let mut images = 0usize;
    for _ in 0..MAX_RECORDS {
        match b.get(pos).copied() {
            Some(0x3b) if images > 0 => return Ok(carved("gif", pos + 1, "image.gif")),
            Some(0x21) => {
                b.get(pos + 1)
                    .ok_or(FormatError::Truncated("GIF extension"))?;
                pos = skip_sub_blocks(pos + 2)?;
            }
            Some(0x2c) => {
                let f = *b.get(pos + 9).ok_or(FormatError::Truncated("GIF image"))?;
                pos += 10;
                if f & 0x80 != 0 {
                    pos += 3 << ((f & 7) + 1);
                }
                let min_code = *b.get(pos).ok_or(FormatError::Truncated("GIF image"))?;
                if !(1..=12).contains(&min_code) {
                    return Err(bad("GIF LZW code size"));
                }
                pos = skip_sub_blocks(pos + 1)?;
                images += 1;
            }
            Some(_) => return Err(bad(format!("GIF block at {pos}"))),
            None => return Err(FormatError::Truncated("GIF trailer")),
        }
    }
    Err(bad("GIF has too many blocks"))
}

/// BMP: a file header whose size and pixel offset agree with a known DIB header.
pub(crate) fn bmp(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    if b.get(..2) != Some(b"BM") {
        return Err(bad("BMP signature"));
    }
    let size = read::u32le(b, 2).ok_or(FormatError::Truncated("BMP header"))? as usize;
    let reserved = read::u32le(b, 6).ok_or(FormatError::Truncated("BMP header"))?;
    let pixels = read::u32le(b, 10).ok_or(FormatError::Truncated("BMP header"))? as usize;
    let dib = read::u32le(b, 14).ok_or(FormatError::Truncated("BMP header"))?;
    if reserved != 0 || !matches!(dib, 12 | 40 | 52 | 56 | 64 | 108 | 124) {
        return Err(bad("BMP DIB header"));
    }
    let (width, height, planes, bpp) = if dib == 12 {
        (
            u32::from(read::u16le(b, 18).unwrap_or(0)),
            u32::from(read::u16le(b, 20).unwrap_or(0)),
            read::u16le(b, 22).unwrap_or(0),
            read::u16le(b, 24).unwrap_or(0),
        )
    } else {
        (
            read::u32le(b, 18).unwrap_or(0),
            read::u32le(b, 22).map_or(0, |h| (h as i32).unsigned_abs()),
            read::u16le(b, 26).unwrap_or(0),
            read::u16le(b, 28).unwrap_or(0),
        )
    };
    if planes != 1 || !matches!(bpp, 1 | 4 | 8 | 16 | 24 | 32) || width == 0 || height == 0 {
        return Err(bad("BMP image fields"));
    }
    if width > 1 << 16 || height > 1 << 16 {
        return Err(bad("BMP dimensions"));
    }
    if pixels < 14 + dib as usize || size < pixels {
        return Err(bad("BMP sizes"));
    }
    // Uncompressed (BI_RGB) images must hold all their rows.
    let compression = if dib == 12 {
        0
    } else {
        read::u32le(b, 30).unwrap_or(0)
    };
    if compression == 0 {
        let row = (width as usize * usize::from(bpp)).div_ceil(32) * 4;
        if size < pixels.saturating_add(row.saturating_mul(height as usize)) {
            return Err(bad("BMP size smaller than its pixel array"));
        }
    }
    if size > b.len() {
        return Err(FormatError::Truncated("BMP data"));
    }
    Ok(carved("bmp", size, "image.bmp"))
}

/// RIFF: a size-prefixed container with a printable form type and a first sub-chunk.
pub(crate) fn riff(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    if b.get(..4) != Some(b"RIFF") {
        return Err(bad("RIFF signature"));
    }
    let size = read::u32le(b, 4).ok_or(FormatError::Truncated("RIFF header"))? as usize;
    let form: [u8; 4] = read::bytes(b, 8).ok_or(FormatError::Truncated("RIFF header"))?;
    let sub: [u8; 4] = read::bytes(b, 12).ok_or(FormatError::Truncated("RIFF chunk"))?;
    let printable = |id: &[u8; 4]| id.iter().all(|&c| c.is_ascii_alphanumeric() || c == b' ');
    if !printable(&form) || !printable(&sub) || size < 12 {
        return Err(bad("RIFF form or chunk id"));
    }
    let sub_len = read::u32le(b, 16).ok_or(FormatError::Truncated("RIFF chunk"))? as usize;
    if sub_len > size - 12 + 8 {
        return Err(bad("RIFF first chunk larger than the file"));
    }
    let end = size.checked_add(8).ok_or(bad("RIFF size"))?;
    if end > b.len() {
        return Err(FormatError::Truncated("RIFF data"));
    }
    let (format, name) = match &form {
        b"WEBP" => ("webp", "image.webp"),
        b"WAVE" => ("wav", "audio.wav"),
        b"AVI " => ("avi", "video.avi"),
        _ => ("riff", "data.riff"),
    };
    Ok(carved(format, end, name))
}

/// PDF: from the header to the last `%%EOF` (incremental updates append more) that
/// comes before any next PDF header.
pub(crate) fn pdf(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let version = b.get(..8).ok_or(FormatError::Truncated("PDF header"))?;
    if !(version.starts_with(b"%PDF-1.") || version.starts_with(b"%PDF-2."))
        || !version.get(7).is_some_and(u8::is_ascii_digit)
    {
        return Err(bad("PDF header"));
    }
    // Searches stop at the next PDF header, so that many headers in one
    // blob cost one pass over it, not one pass each.
    let next_header = find(b, b"%PDF-", 8).unwrap_or(b.len());
    let own = b.get(..next_header).unwrap_or(b);
    let mut end = None;
    let mut from = 8usize;
    while let Some(at) = find(own, b"%%EOF", from) {
        let mut e = at + 5;
        // One end-of-line belongs to the file.
        if b.get(e) == Some(&b'\r') {
            e += 1;
        }
        if b.get(e) == Some(&b'\n') {
            e += 1;
        }
        end = Some(e);
        from = at + 5;
    }
    let end = end.ok_or(FormatError::Truncated("PDF %%EOF"))?;
    if find(b.get(..end).unwrap_or(&[]), b"startxref", 8).is_none() {
        return Err(bad("PDF without startxref"));
    }
    Ok(carved("pdf", end, "document.pdf"))
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let h = hay.get(from..)?;
    h.windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// 7-Zip: the signature header's CRC covers the location of the next header, which
/// gives the exact end. The archive is kept whole (its coders are not unpacked here).
pub(crate) fn sevenzip(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    if b.get(..6) != Some(&[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c][..]) {
        return Err(bad("7z signature"));
    }
    if b.get(6) != Some(&0) {
        return Err(bad("7z major version"));
    }
    let crc = read::u32le(b, 8).ok_or(FormatError::Truncated("7z header"))?;
    let start = b.get(12..32).ok_or(FormatError::Truncated("7z header"))?;
    if crc32fast::hash(start) != crc {
        return Err(bad("7z start header CRC"));
    }
    let next_off = read::u64le(b, 12).unwrap_or(0);
    let next_len = read::u64le(b, 20).unwrap_or(0);
    let end = next_off
        .checked_add(next_len)
        .and_then(|v| v.checked_add(32))
        .and_then(|v| usize::try_from(v).ok())
        .ok_or(bad("7z next header location"))?;
    let mut chunk = carved("7z", end.min(b.len()), "archive.7z");
    if end > b.len() {
        chunk.problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(12),
            format!("7z archive claims {end} bytes, {} present", b.len()),
        ));
    } else {
        let next_crc = read::u32le(b, 28).unwrap_or(0);
        let next = b.get(end - next_len as usize..end).unwrap_or(&[]);
        if crc32fast::hash(next) != next_crc {
            chunk.problems.push(Problem::new(
                ProblemKind::Checksum,
                Some(28),
                "7z next header CRC mismatch".to_owned(),
            ));
        }
    }
    Ok(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&Data) -> Result<Chunk, FormatError>, b: &[u8]) -> Option<(usize, String)> {
        let c = f(&Data::from_vec(b.to_vec())).ok()?;
        let Output::Carved { name } = c.output else {
            return None;
        };
        Some((c.size, name))
    }

    fn png_chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        let crc = crc32fast::hash(&v[4..]);
        v.extend_from_slice(&crc.to_be_bytes());
        v
    }

    #[test]
    fn png_ends_after_iend_and_ignores_trailing_bytes() {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        b.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        b.extend(png_chunk(b"IDAT", &[1, 2, 3]));
        b.extend(png_chunk(b"IEND", &[]));
        let len = b.len();
        b.extend_from_slice(b"trailing firmware bytes");
        assert_eq!(run(png, &b), Some((len, "image.png".to_owned())));
        // A corrupt IHDR is not a PNG.
        b[20] ^= 1;
        assert_eq!(run(png, &b), None);
    }

    #[test]
    fn jpeg_walks_segments_and_the_scan_to_eoi() {
        let mut b = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, b'J', b'F'];
        b.extend_from_slice(&[0xff, 0xda, 0x00, 0x02]);
        // Scan data with a stuffed 0xff00 and a restart marker.
        b.extend_from_slice(&[0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56]);
        b.extend_from_slice(&[0xff, 0xd9]);
        let len = b.len();
        b.extend_from_slice(&[0xff, 0xd9, 0, 0]);
        assert_eq!(run(jpeg, &b), Some((len, "image.jpg".to_owned())));
        assert_eq!(run(jpeg, &b[..len - 1]), None);
        assert_eq!(run(jpeg, &[0xff, 0xd8, 0xff, 0x00]), None);
    }

    #[test]
    fn gif_needs_an_image_before_the_trailer() {
        let mut b = b"GIF89a".to_vec();
        b.extend_from_slice(&[1, 0, 1, 0, 0x80, 0, 0]);
        b.extend_from_slice(&[0; 6]); // two-entry colour table
        b.extend_from_slice(&[0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4c, 0x01, 0]);
        b.push(0x3b);
        let len = b.len();
        b.push(0x99);
        assert_eq!(run(gif, &b), Some((len, "image.gif".to_owned())));
        assert_eq!(run(gif, b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x3b"), None);
    }

    #[test]
    fn bmp_sizes_must_agree() {
        let mut b = b"BM".to_vec();
        let size: u32 = 14 + 40 + 4 * 2;
        b.extend_from_slice(&size.to_le_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&54u32.to_le_bytes());
        b.extend_from_slice(&40u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes()); // width
        b.extend_from_slice(&2u32.to_le_bytes()); // height
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&24u16.to_le_bytes());
        b.extend_from_slice(&[0; 24]);
        b.extend_from_slice(&[0; 8]);
        assert_eq!(b.len(), size as usize);
        b.extend_from_slice(b"more");
        assert_eq!(run(bmp, &b), Some((size as usize, "image.bmp".to_owned())));
        // A size too small for the pixel rows is rejected.
        b[2] = 55;
        assert_eq!(run(bmp, &b), None);
    }

    #[test]
    fn riff_pdf_and_7z_boundaries() {
        let mut r = b"RIFF".to_vec();
        r.extend_from_slice(&12u32.to_le_bytes());
        r.extend_from_slice(b"WAVEfmt ");
        r.extend_from_slice(&0u32.to_le_bytes());
        r.extend_from_slice(b"xx");
        assert_eq!(run(riff, &r), Some((20, "audio.wav".to_owned())));

        let p = b"%PDF-1.4\n1 0 obj\nendobj\nstartxref\n9\n%%EOF\nupdate\nstartxref\n9\n%%EOF\r\n%PDF-1.7 next %%EOF";
        let end = p.windows(7).position(|w| w == b"%%EOF\r\n").map(|i| i + 7);
        assert_eq!(run(pdf, p), end.map(|e| (e, "document.pdf".to_owned())));
        assert!(end.is_some());

        let mut z = vec![b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c, 0, 4];
        let next = [1u8, 0];
        let mut start = Vec::new();
        start.extend_from_slice(&3u64.to_le_bytes());
        start.extend_from_slice(&(next.len() as u64).to_le_bytes());
        start.extend_from_slice(&crc32fast::hash(&next).to_le_bytes());
        z.extend_from_slice(&crc32fast::hash(&start).to_le_bytes());
        z.extend_from_slice(&start);
        z.extend_from_slice(&[9, 9, 9]);
        z.extend_from_slice(&next);
        let len = z.len();
        z.extend_from_slice(b"tail");
        assert_eq!(run(sevenzip, &z), Some((len, "archive.7z".to_owned())));
        z[9] ^= 1;
        assert_eq!(run(sevenzip, &z), None);
    }
}
