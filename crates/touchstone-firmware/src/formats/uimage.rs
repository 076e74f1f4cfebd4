//! Bootloader and vendor container headers: legacy U-Boot uImage (header and data CRCs
//! verified, multi-file images split) and Broadcom TRX (CRC verified, partitions split).

use super::{Chunk, FormatError, Output, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};

const UIMAGE_HDR: usize = 64;

fn uimage_comp(c: u8) -> &'static str {
    match c {
        0 => "none",
        1 => "gzip",
        2 => "bzip2",
        3 => "lzma",
        4 => "lzo",
        5 => "lz4",
        6 => "zstd",
        _ => "unknown",
    }
}

fn uimage_type(t: u8) -> &'static str {
    match t {
        1 => "standalone",
        2 => "kernel",
        3 => "ramdisk",
        4 => "multi",
        5 => "firmware",
        6 => "script",
        7 => "filesystem",
        8 => "flat_dt",
        _ => "other",
    }
}

/// Legacy uImage.
pub(crate) fn uimage(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let hdr = b
        .get(..UIMAGE_HDR)
        .ok_or(FormatError::Truncated("uImage header"))?;
    let stored_hcrc = read::u32be(hdr, 4).ok_or(FormatError::Truncated("uImage header"))?;
    let mut zeroed = [0u8; UIMAGE_HDR];
    zeroed.copy_from_slice(hdr);
    zeroed[4..8].copy_from_slice(&[0; 4]);
    if crc32fast::hash(&zeroed) != stored_hcrc {
        return Err(bad("uImage header CRC"));
    }
    let size = read::u32be(hdr, 12).map_or(0, |v| v as usize);
    let dcrc = read::u32be(hdr, 24).unwrap_or(0);
    let itype = hdr.get(30).copied().unwrap_or(0);
    let comp = hdr.get(31).copied().unwrap_or(0);
    let name = read::cstr(hdr, 32, 32).unwrap_or_default();
    let mut problems = Vec::new();
    let end = UIMAGE_HDR.saturating_add(size);
    let payload = if end <= b.len() {
        let p = data.slice(UIMAGE_HDR..end);
        let actual = crc32fast::hash(p.as_slice());
        if actual != dcrc {
            problems.push(Problem::new(
                ProblemKind::Checksum,
                Some(24),
                format!("uImage data CRC: stored {dcrc:#010x}, computed {actual:#010x}"),
            ));
        }
        p
    } else {
        problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(12),
            format!(
                "uImage data needs {size} bytes, {} present",
                b.len() - UIMAGE_HDR
            ),
        ));
        data.slice(UIMAGE_HDR..b.len())
    };
    let mut parts = Vec::new();
    if itype == 4 {
        // Multi-file: u32 BE sizes ending with 0, then each image padded to 4 bytes.
        let p = payload.as_slice();
        let mut sizes = Vec::new();
        let mut i = 0usize;
        while let Some(s) = read::u32be(p, i) {
            i += 4;
            if s == 0 {
                break;
            }
            sizes.push(s as usize);
            if sizes.len() > 256 {
                return Err(bad("uImage multi-file list too long"));
            }
        }
        for (n, s) in sizes.into_iter().enumerate() {
            parts.push((
                format!("{name}.{n}"),
                UIMAGE_HDR + i,
                payload.slice(i..i.saturating_add(s)),
            ));
            i = i.saturating_add(s).div_ceil(4).saturating_mul(4);
        }
    } else {
        parts.push((
            if name.is_empty() {
                "image".into()
            } else {
                name.clone()
            },
            UIMAGE_HDR,
            payload,
        ));
    }
    let mut c = Chunk::new("uimage", end.min(b.len()), Output::Parts(parts));
    c.detail = Some(format!(
        "{name:?} type={} comp={}",
        uimage_type(itype),
        uimage_comp(comp)
    ));
    c.problems = problems;
    Ok(c)
}

/// Broadcom TRX v1/v2.
pub(crate) fn trx(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let len = read::u32le(b, 4).ok_or(FormatError::Truncated("TRX header"))? as usize;
    let crc = read::u32le(b, 8).ok_or(FormatError::Truncated("TRX header"))?;
    let version = read::u16le(b, 14).ok_or(FormatError::Truncated("TRX header"))?;
    if !(1..=2).contains(&version) || len < 28 {
        return Err(bad("TRX version or length"));
    }
    let nparts = if version == 1 { 3 } else { 4 };
    let offsets: Vec<usize> = (0..nparts)
        .filter_map(|i| read::u32le(b, 16 + 4 * i))
        .map(|v| v as usize)
        .collect();
    let hdr_len = 16 + 4 * nparts;
    if offsets.iter().any(|&o| o != 0 && (o < hdr_len || o >= len)) {
        return Err(bad("TRX partition offsets"));
    }
    let mut problems = Vec::new();
    let end = len.min(b.len());
    if len > b.len() {
        problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(4),
            format!("TRX length {len} exceeds the {} bytes present", b.len()),
        ));
    } else {
        let computed = crc32fast::hash(b.get(12..len).unwrap_or(&[]));
        // TRX stores the raw CRC register (no final inversion).
        if crc != !computed && crc != computed {
            problems.push(Problem::new(
                ProblemKind::Checksum,
                Some(8),
                format!("TRX CRC: stored {crc:#010x}, computed {:#010x}", !computed),
            ));
        }
    }
    let mut starts: Vec<usize> = offsets.iter().copied().filter(|&o| o != 0).collect();
    starts.sort_unstable();
    starts.dedup();
    let parts = starts
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let e = starts.get(i + 1).copied().unwrap_or(end);
            (format!("partition{i}"), s, data.slice(s..e))
        })
        .collect();
    let mut c = Chunk::new("trx", end, Output::Parts(parts));
    c.detail = Some(format!("v{version}"));
    c.problems = problems;
    Ok(c)
}
