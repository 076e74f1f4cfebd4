//! Android sparse images: expanded to the raw image (raw, fill and don't-care chunks),
//! with the output charged against the byte budget before it is allocated. CRC32 chunks
//! and the header's image checksum are verified; a mismatch is a checksum problem with
//! both values, and the image is expanded anyway.

use super::{Chunk, Ctx, FormatError, Output, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};

/// Parses an Android sparse image starting at the beginning of `data`.
pub(crate) fn android_sparse(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let t = FormatError::Truncated("sparse header");
    let major = read::u16le(b, 4).ok_or(t)?;
    let fhdr = usize::from(read::u16le(b, 8).ok_or(FormatError::Truncated("sparse header"))?);
    let chdr = usize::from(read::u16le(b, 10).ok_or(FormatError::Truncated("sparse header"))?);
    let blk = read::u32le(b, 12).ok_or(FormatError::Truncated("sparse header"))? as usize;
    let total_blks = u64::from(read::u32le(b, 16).ok_or(FormatError::Truncated("sparse header"))?);
    let chunks = read::u32le(b, 20).ok_or(FormatError::Truncated("sparse header"))?;
    if major != 1 || fhdr < 28 || chdr < 12 || blk == 0 || !blk.is_multiple_of(4) {
        return Err(bad("sparse header fields"));
    }
    let mut problems = Vec::new();
    let mut out: Vec<u8> = Vec::new();
    let mut pos = fhdr;
    for _ in 0..chunks {
        if let Err(l) = ctx.check_time() {
            problems.push(l.problem(Some(pos as u64), ctx.limits));
            break;
        }
        let (Some(kind), Some(nblk), Some(total)) = (
            read::u16le(b, pos),
            read::u32le(b, pos + 4),
            read::u32le(b, pos + 8),
        ) else {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(pos as u64),
                "sparse chunk header truncated",
            ));
            break;
        };
        if (total as usize) < chdr {
            problems.push(Problem::new(
                ProblemKind::Malformed,
                Some(pos as u64),
                "sparse chunk shorter than its header",
            ));
            break;
        }
        let bytes = (nblk as usize).saturating_mul(blk);
        let body = pos + chdr;
        let grow = match kind {
            0xcac1..=0xcac3 => bytes,
            _ => 0,
        };
        if out.len().saturating_add(grow) as u64 > total_blks.saturating_mul(blk as u64) {
            problems.push(Problem::new(
                ProblemKind::Malformed,
                Some(pos as u64),
                "sparse chunks exceed the declared image size",
            ));
            break;
        }
        if let Err(l) = ctx
            .charge_bytes(grow as u64)
            .and_then(|()| ctx.check_ratio(out.len().saturating_add(grow) as u64, (pos + 1) as u64))
        {
            problems.push(l.problem(Some(pos as u64), ctx.limits));
            break;
        }
        match kind {
            0xcac1 => match b.get(body..body.saturating_add(bytes)) {
                Some(raw) => out.extend_from_slice(raw),
                None => {
                    problems.push(Problem::new(
                        ProblemKind::Truncated,
                        Some(pos as u64),
                        "sparse raw chunk truncated",
                    ));
                    break;
                }
            },
            0xcac2 => {
                let fill = read::bytes::<4>(b, body).unwrap_or([0; 4]);
                out.extend(fill.iter().copied().cycle().take(bytes));
            }
            0xcac3 => out.resize(out.len().saturating_add(bytes), 0),
            0xcac4 => {
                // CRC32 of everything the image has produced so far.
                if let Some(stored) = read::u32le(b, body) {
                    let computed = crc32fast::hash(&out);
                    if stored != computed {
                        problems.push(Problem::new(
                            ProblemKind::Checksum,
                            Some(body as u64),
                            format!(
                                "sparse CRC32 chunk: stored {stored:#010x}, computed {computed:#010x} over {} bytes",
                                out.len()
                            ),
                        ));
                    }
                }
            }
            _ => {
                problems.push(Problem::new(
                    ProblemKind::Malformed,
                    Some(pos as u64),
                    format!("unknown sparse chunk type {kind:#06x}"),
                ));
                break;
            }
        }
        pos = pos.saturating_add(total as usize);
    }
    // The header's image checksum (CRC32 of the whole raw image; 0 when the
    // writer did not compute one), once the image is complete.
    let stored = read::u32le(b, 24).unwrap_or(0);
    let complete = out.len() as u64 == total_blks.saturating_mul(blk as u64);
    if stored != 0 && complete {
        let computed = crc32fast::hash(&out);
        if stored != computed {
            problems.push(Problem::new(
                ProblemKind::Checksum,
                Some(24),
                format!("sparse image checksum: stored {stored:#010x}, computed {computed:#010x}"),
            ));
        }
    }
    let mut c = Chunk::new(
        "android-sparse",
        pos.min(b.len()),
        Output::Stream {
            data: Data::from_vec(out),
            name: Some("sparse.raw".into()),
        },
    );
    c.problems = problems;
    Ok(c)
}
