//! Compressed streams: gzip, xz, lzma-alone, bzip2, zstd, lz4 (frame and legacy).
//!
//! Every decoder is driven in bounded steps through [`drive`], which charges each step's
//! output against the global byte budget, checks the expansion ratio and the layer's time
//! budget, and stops cleanly with a problem when a limit is hit, keeping what it has.

use super::{Chunk, Ctx, FormatError, Limit, Output, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};

/// Output reserved per step.
const STEP: usize = 256 * 1024;
/// A stream that produced less than this before failing is taken as a false positive.
const MIN_PARTIAL: usize = 64;
/// The same for a stream that hit corrupt data (not just the end of its input): random
/// bytes after a short magic can decode for a while before the decoder notices.
const MIN_CORRUPT: usize = 4096;

/// How a stream ended.
enum End {
    Done,
    Truncated,
    Error(String),
    Limit(Limit),
}

struct Drained {
    out: Vec<u8>,
    consumed: usize,
    end: End,
}

/// One decoder step: consume from `input`, write into `out`; returns (bytes consumed,
/// bytes written, stream finished).
type Step<'a> = dyn FnMut(&[u8], &mut [u8]) -> StepResult + 'a;

/// (bytes consumed, bytes written, stream finished), or the decoder's error.
type StepResult = Result<(usize, usize, bool), String>;

fn drive(ctx: &mut Ctx<'_>, input: &[u8], step: &mut Step<'_>) -> Drained {
    let mut out = Vec::new();
    let mut scratch = vec![0u8; STEP];
    let mut consumed = 0usize;
    loop {
        if let Err(l) = ctx.check_time() {
            return Drained {
                out,
                consumed,
                end: End::Limit(l),
            };
        }
        let rest = input.get(consumed..).unwrap_or(&[]);
        let result = step(rest, &mut scratch);
        let (used, produced, done) = match result {
            Ok(r) => r,
            Err(e) => {
                return Drained {
                    out,
                    consumed,
                    end: End::Error(e),
                };
            }
        };
        let produced = produced.min(scratch.len());
        consumed = consumed.saturating_add(used).min(input.len());
        if let Err(l) = ctx.charge_bytes(produced as u64) {
            let keep = usize::try_from(ctx.remaining_bytes())
                .unwrap_or(usize::MAX)
                .min(produced);
            out.extend_from_slice(scratch.get(..keep).unwrap_or(&[]));
            return Drained {
                out,
                consumed,
                end: End::Limit(l),
            };
        }
        out.extend_from_slice(scratch.get(..produced).unwrap_or(&[]));
        if let Err(l) = ctx.check_ratio(out.len() as u64, consumed as u64) {
            return Drained {
                out,
                consumed,
                end: End::Limit(l),
            };
        }
        if done {
            return Drained {
                out,
                consumed,
                end: End::Done,
            };
        }
        if used == 0 && produced == 0 {
            let end = if rest.is_empty() {
                End::Truncated
            } else {
                End::Error("decoder made no progress".into())
            };
            return Drained { out, consumed, end };
        }
    }
}

/// Turns a drained stream into a chunk (header length `hdr` before the stream, `trailer`
/// bytes after it), or rejects it as a false positive.
fn finish(
    ctx: &Ctx<'_>,
    format: &'static str,
    hdr: usize,
    d: Drained,
    name: Option<String>,
    mut problems: Vec<Problem>,
) -> Result<Chunk, FormatError> {
    let size = hdr.saturating_add(d.consumed);
    match d.end {
        End::Done => {}
        End::Truncated if d.out.len() >= MIN_PARTIAL => problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(size as u64),
            format!(
                "{format} stream ends before its end marker; kept {} bytes",
                d.out.len()
            ),
        )),
        End::Error(e) if d.out.len() >= MIN_CORRUPT => problems.push(Problem::new(
            ProblemKind::Malformed,
            Some(size as u64),
            format!("{format} stream corrupt ({e}); kept {} bytes", d.out.len()),
        )),
        End::Limit(l) => problems.push(l.problem(Some(size as u64), ctx.limits)),
        End::Truncated => return Err(FormatError::Truncated("stream")),
        End::Error(e) => return Err(bad(e)),
    }
    let mut c = Chunk::new(
        format,
        size,
        Output::Stream {
            data: Data::from_vec(d.out),
            name,
        },
    );
    c.problems = problems;
    Ok(c)
}

/// gzip (RFC 1952): header, raw deflate, CRC-32 and size trailer.
pub(crate) fn gzip(ctx: &mut Ctx<'_>, b: &[u8]) -> Result<Chunk, FormatError> {
    let flg = *b.get(3).ok_or(FormatError::Truncated("gzip header"))?;
    if b.get(..3) != Some(&[0x1f, 0x8b, 8][..]) || flg & 0xe0 != 0 {
        return Err(bad("gzip header"));
    }
    let mut pos = 10usize;
    if flg & 4 != 0 {
        let xlen = read::u16le(b, pos).ok_or(FormatError::Truncated("gzip extra"))?;
        pos += 2 + usize::from(xlen);
    }
    let mut name = None;
    if flg & 8 != 0 {
        let s = b.get(pos..).ok_or(FormatError::Truncated("gzip name"))?;
        let n = s
            .iter()
            .take(4096)
            .position(|&c| c == 0)
            .ok_or_else(|| bad("gzip name"))?;
        name = Some(crate::vfs::name_text(s.get(..n).unwrap_or(&[])).into_owned());
        pos += n + 1;
    }
    if flg & 16 != 0 {
        let s = b.get(pos..).ok_or(FormatError::Truncated("gzip comment"))?;
        pos += s
            .iter()
            .take(65536)
            .position(|&c| c == 0)
            .ok_or_else(|| bad("gzip comment"))?
            + 1;
    }
    if flg & 2 != 0 {
        pos += 2;
    }
    let body = b.get(pos..).ok_or(FormatError::Truncated("gzip header"))?;
    let mut dec = flate2::Decompress::new(false);
    let d = drive(ctx, body, &mut |inp, out| {
        let (bi, bo) = (dec.total_in(), dec.total_out());
        let st = dec
            .decompress(inp, out, flate2::FlushDecompress::None)
            .map_err(|e| e.to_string())?;
        Ok((
            (dec.total_in() - bi) as usize,
            (dec.total_out() - bo) as usize,
            st == flate2::Status::StreamEnd,
        ))
    });
    let mut problems = Vec::new();
    let mut trailer = 0;
    if matches!(d.end, End::Done) {
        let at = d.consumed;
        match (read::u32le(body, at), read::u32le(body, at + 4)) {
            (Some(crc), Some(isize)) => {
                trailer = 8;
                let actual = crc32fast::hash(&d.out);
                if crc != actual {
                    problems.push(Problem::new(
                        ProblemKind::Checksum,
                        Some((pos + at) as u64),
                        format!("gzip trailer CRC32: stored {crc:#010x}, computed {actual:#010x}"),
                    ));
                }
                // ISIZE is the length modulo 2^32.
                let len = d.out.len() as u32;
                if isize != len {
                    problems.push(Problem::new(
                        ProblemKind::Checksum,
                        Some((pos + at + 4) as u64),
                        format!(
                            "gzip trailer ISIZE: stored {isize}, decoded {len} bytes (mod 2^32)"
                        ),
                    ));
                }
            }
            _ => problems.push(Problem::new(
                ProblemKind::Truncated,
                None,
                "gzip trailer missing",
            )),
        }
    }
    let mut c = finish(ctx, "gzip", pos, d, name, problems)?;
    c.size += trailer;
    Ok(c)
}

fn lzma_step(mut s: liblzma::stream::Stream) -> impl FnMut(&[u8], &mut [u8]) -> StepResult {
    move |inp, out| {
        let (bi, bo) = (s.total_in(), s.total_out());
        let st = s
            .process(inp, out, liblzma::stream::Action::Run)
            .map_err(|e| e.to_string())?;
        Ok((
            (s.total_in() - bi) as usize,
            (s.total_out() - bo) as usize,
            st == liblzma::stream::Status::StreamEnd,
        ))
    }
}

/// xz container. Its stream header carries a CRC32 of the stream flags, so
/// a header that verifies is a real xz stream: a body the decoder then
/// refuses is a problem of the parent, never a dropped false signature. A
/// block whose integrity check (CRC32, CRC64 or SHA-256, per the flags) does
/// not match its data is decoded again without the check, extracted, and
/// reported as a checksum problem.
pub(crate) fn xz(ctx: &mut Ctx<'_>, b: &[u8]) -> Result<Chunk, FormatError> {
    use liblzma::stream::{IGNORE_CHECK, Stream};
    let header_ok = match (b.get(6..8), read::u32le(b, 8)) {
        (Some(flags), Some(crc)) => crc32fast::hash(flags) == crc,
        _ => false,
    };
    if !header_ok {
        return Err(bad("xz stream header CRC32"));
    }
    let check = match b.get(7).map(|f| f & 0x0f) {
        Some(0) => "none",
        Some(1) => "CRC32",
        Some(4) => "CRC64",
        Some(10) => "SHA-256",
        _ => "reserved",
    };
    let s = Stream::new_stream_decoder(256 << 20, 0).map_err(|e| bad(e.to_string()))?;
    let d = drive(ctx, b, &mut lzma_step(s));
    let End::Error(first) = &d.end else {
        return finish(ctx, "xz", 0, d, None, Vec::new());
    };
    // Decode again without verifying the check: when that completes, the
    // data decodes and only the check disagrees.
    ctx.refund_bytes(d.out.len() as u64);
    let first = first.clone();
    let s = Stream::new_stream_decoder(256 << 20, IGNORE_CHECK).map_err(|e| bad(e.to_string()))?;
    let again = drive(ctx, b, &mut lzma_step(s));
    let mut problems = Vec::new();
    match again.end {
        End::Done => problems.push(Problem::new(
            ProblemKind::Checksum,
            None,
            format!("xz block check ({check}) does not match the decoded data ({first}); extracted anyway"),
        )),
        End::Error(e) => {
            if again.out.len() < MIN_CORRUPT {
                return Err(FormatError::Refused(format!(
                    "xz stream with a valid header (check {check}) is corrupt: {e}"
                )));
            }
            return finish(ctx, "xz", 0, Drained { end: End::Error(e), ..again }, None, problems);
        }
        _ => {}
    }
    finish(ctx, "xz", 0, again, None, problems)
}

/// LZMA-alone (`.lzma`): 13-byte header, then an LZMA1 stream.
pub(crate) fn lzma_alone(ctx: &mut Ctx<'_>, b: &[u8]) -> Result<Chunk, FormatError> {
    let props = *b.first().ok_or(FormatError::Truncated("lzma header"))?;
    let dict = read::u32le(b, 1).ok_or(FormatError::Truncated("lzma header"))?;
    let usize_ = read::u64le(b, 5).ok_or(FormatError::Truncated("lzma header"))?;
    // The magic pins props to 0x5a, 0x5d, 0x6d or 0x6e; insist on a plausible dictionary (at most 64 MiB: the
    // decoder allocates it up front, and the 3-byte magic matches often) and size.
    if !matches!(props, 0x5a | 0x5d | 0x6d | 0x6e)
        || !dict.is_power_of_two()
        || !(1 << 12..=1 << 26).contains(&dict)
    {
        return Err(bad("lzma dictionary"));
    }
    if usize_ != u64::MAX && usize_ > 1 << 34 {
        return Err(bad("lzma size"));
    }
    let s = liblzma::stream::Stream::new_lzma_decoder(256 << 20).map_err(|e| bad(e.to_string()))?;
    let d = drive(ctx, b, &mut lzma_step(s));
    if d.out.is_empty() {
        // A declared size of 0 after the 3-byte magic is a coincidence, not a stream.
        return Err(bad("lzma stream with no output"));
    }
    finish(ctx, "lzma", 0, d, None, Vec::new())
}

/// bzip2.
pub(crate) fn bzip2(ctx: &mut Ctx<'_>, b: &[u8]) -> Result<Chunk, FormatError> {
    let level = *b.get(3).ok_or(FormatError::Truncated("bzip2 header"))?;
    if !(b'1'..=b'9').contains(&level)
        || b.get(4..10) != Some(&[0x31, 0x41, 0x59, 0x26, 0x53, 0x59][..])
    {
        return Err(bad("bzip2 header"));
    }
    let mut dec = bzip2::Decompress::new(false);
    let d = drive(ctx, b, &mut |inp, out| {
        let (bi, bo) = (dec.total_in(), dec.total_out());
        let st = dec.decompress(inp, out).map_err(|e| e.to_string())?;
        Ok((
            (dec.total_in() - bi) as usize,
            (dec.total_out() - bo) as usize,
            st == bzip2::Status::StreamEnd,
        ))
    });
    finish(ctx, "bzip2", 0, d, None, Vec::new())
}

/// zstd (one frame).
pub(crate) fn zstd(ctx: &mut Ctx<'_>, b: &[u8]) -> Result<Chunk, FormatError> {
    use zstd::stream::raw::{InBuffer, Operation, OutBuffer};
    let mut dec = zstd::stream::raw::Decoder::new().map_err(|e| bad(e.to_string()))?;
    let d = drive(ctx, b, &mut |inp, out| {
        let mut ib = InBuffer::around(inp);
        let mut ob = OutBuffer::around(out);
        let hint = dec.run(&mut ib, &mut ob).map_err(|e| e.to_string())?;
        Ok((ib.pos(), ob.pos(), hint == 0))
    });
    finish(ctx, "zstd", 0, d, None, Vec::new())
}

/// LZ4 frame format (magic 0x184D2204).
pub(crate) fn lz4_frame(ctx: &mut Ctx<'_>, b: &[u8]) -> Result<Chunk, FormatError> {
    let flg = *b.get(4).ok_or(FormatError::Truncated("lz4 header"))?;
    let bd = *b.get(5).ok_or(FormatError::Truncated("lz4 header"))?;
    if flg >> 6 != 1 || flg & 0x02 != 0 || bd & 0x8f != 0 {
        return Err(bad("lz4 frame descriptor"));
    }
    let block_max = match (bd >> 4) & 7 {
        4 => 64 << 10,
        5 => 256 << 10,
        6 => 1 << 20,
        7 => 4 << 20,
        _ => return Err(bad("lz4 block size")),
    };
    let independent = flg & 0x20 != 0;
    let block_checksum = flg & 0x10 != 0;
    let content_checksum = flg & 0x04 != 0;
    let mut pos = 6 + if flg & 0x08 != 0 { 8 } else { 0 } + if flg & 0x01 != 0 { 4 } else { 0 } + 1;
    let mut out: Vec<u8> = Vec::new();
    let mut problems = Vec::new();
    let mut buf = vec![0u8; block_max];
    loop {
        if let Err(l) = ctx.check_time() {
            problems.push(l.problem(Some(pos as u64), ctx.limits));
            break;
        }
        let Some(word) = read::u32le(b, pos) else {
            if out.len() < MIN_PARTIAL {
                return Err(FormatError::Truncated("lz4 block"));
            }
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(pos as u64),
                "lz4 frame truncated",
            ));
            break;
        };
        pos += 4;
        if word == 0 {
            if content_checksum {
                pos += 4;
            }
            break;
        }
        let len = (word & 0x7fff_ffff) as usize;
        let Some(block) = b.get(pos..pos.saturating_add(len)) else {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(pos as u64),
                "lz4 block truncated",
            ));
            break;
        };
        let n = if word & 0x8000_0000 != 0 {
            let n = block.len().min(buf.len());
            buf.get_mut(..n)
                .unwrap_or(&mut [])
                .copy_from_slice(block.get(..n).unwrap_or(&[]));
            Ok(n)
        } else if independent {
            lz4_flex::block::decompress_into(block, &mut buf)
        } else {
            let dict_start = out.len().saturating_sub(64 << 10);
            lz4_flex::block::decompress_into_with_dict(
                block,
                &mut buf,
                out.get(dict_start..).unwrap_or(&[]),
            )
        };
        let n = match n {
            Ok(n) => n,
            Err(e) if out.len() < MIN_PARTIAL => return Err(bad(e.to_string())),
            Err(e) => {
                problems.push(Problem::new(
                    ProblemKind::Malformed,
                    Some(pos as u64),
                    format!("lz4 block: {e}"),
                ));
                break;
            }
        };
        pos += len + if block_checksum { 4 } else { 0 };
        if let Err(l) = ctx
            .charge_bytes(n as u64)
            .and_then(|()| ctx.check_ratio((out.len() + n) as u64, pos as u64))
        {
            problems.push(l.problem(Some(pos as u64), ctx.limits));
            break;
        }
        out.extend_from_slice(buf.get(..n).unwrap_or(&[]));
    }
    let mut c = Chunk::new(
        "lz4",
        pos.min(b.len()),
        Output::Stream {
            data: Data::from_vec(out),
            name: None,
        },
    );
    c.problems = problems;
    Ok(c)
}

/// LZ4 legacy format (magic 0x184C2102, as used by Linux kernels): independent blocks of
/// up to 8 MiB, each prefixed by its compressed size; ends at the end of input or at a
/// size word that cannot be a block.
pub(crate) fn lz4_legacy(ctx: &mut Ctx<'_>, b: &[u8]) -> Result<Chunk, FormatError> {
    const BLOCK: usize = 8 << 20;
    let mut pos = 4usize;
    let mut out: Vec<u8> = Vec::new();
    let mut problems = Vec::new();
    let mut buf = Vec::new();
    while let Some(len) = read::u32le(b, pos) {
        let len = len as usize;
        if len == 0 || len > lz4_flex::block::get_maximum_output_size(BLOCK) || len == 0x184c_2102 {
            break;
        }
        let Some(block) = b.get(pos + 4..(pos + 4).saturating_add(len)) else {
            if !out.is_empty() {
                break;
            }
            return Err(FormatError::Truncated("lz4 legacy block"));
        };
        if let Err(l) = ctx.check_time() {
            problems.push(l.problem(Some(pos as u64), ctx.limits));
            break;
        }
        if buf.is_empty() {
            buf = vec![0u8; BLOCK];
        }
        match lz4_flex::block::decompress_into(block, &mut buf) {
            Ok(n) => {
                pos += 4 + len;
                if let Err(l) = ctx
                    .charge_bytes(n as u64)
                    .and_then(|()| ctx.check_ratio((out.len() + n) as u64, pos as u64))
                {
                    problems.push(l.problem(Some(pos as u64), ctx.limits));
                    break;
                }
                out.extend_from_slice(buf.get(..n).unwrap_or(&[]));
                if n < BLOCK {
                    // A short block is the last one.
                    break;
                }
            }
            Err(_) if !out.is_empty() => break,
            Err(e) => return Err(bad(e.to_string())),
        }
    }
    if out.is_empty() {
        return Err(bad("lz4 legacy: no block"));
    }
    let mut c = Chunk::new(
        "lz4-legacy",
        pos,
        Output::Stream {
            data: Data::from_vec(out),
            name: None,
        },
    );
    c.problems = problems;
    Ok(c)
}

/// Raw deflate for archive members: returns the output, the compressed bytes consumed,
/// and a problem if the stream did not end cleanly (`Err` if it produced nothing usable).
pub(crate) fn inflate_raw(ctx: &mut Ctx<'_>, b: &[u8]) -> (Vec<u8>, usize, Option<Problem>) {
    let mut dec = flate2::Decompress::new(false);
    let d = drive(ctx, b, &mut |inp, out| {
        let (bi, bo) = (dec.total_in(), dec.total_out());
        let st = dec
            .decompress(inp, out, flate2::FlushDecompress::None)
            .map_err(|e| e.to_string())?;
        Ok((
            (dec.total_in() - bi) as usize,
            (dec.total_out() - bo) as usize,
            st == flate2::Status::StreamEnd,
        ))
    });
    let problem = match d.end {
        End::Done => None,
        End::Truncated => Some(Problem::new(
            ProblemKind::Truncated,
            None,
            "deflate stream truncated",
        )),
        End::Error(e) => Some(Problem::new(
            ProblemKind::Malformed,
            None,
            format!("deflate stream corrupt: {e}"),
        )),
        End::Limit(l) => Some(l.problem(None, ctx.limits)),
    };
    (d.out, d.consumed, problem)
}

/// One zlib-wrapped block of at most `max` bytes (cramfs, JFFS2-style blocks).
pub(crate) fn inflate_zlib(ctx: &mut Ctx<'_>, b: &[u8], max: usize) -> Result<Vec<u8>, String> {
    let mut dec = flate2::Decompress::new(true);
    let mut out = vec![0u8; max];
    let st = dec
        .decompress(b, &mut out, flate2::FlushDecompress::Finish)
        .map_err(|e| e.to_string())?;
    let n = usize::try_from(dec.total_out()).unwrap_or(0).min(max);
    out.truncate(n);
    ctx.check_time()
        .map_err(|_| "time budget spent".to_owned())?;
    if st != flate2::Status::StreamEnd && n < max {
        return Err("zlib block truncated".into());
    }
    Ok(out)
}

/// lzop container (LZO1X blocks), as used for Linux kernels and some vendor images.
pub(crate) fn lzop(ctx: &mut Ctx<'_>, b: &[u8]) -> Result<Chunk, FormatError> {
    let t = || FormatError::Truncated("lzop header");
    let version = read::u16be(b, 9).ok_or_else(t)?;
    let mut pos = 13usize;
    if version >= 0x0940 {
        pos += 2; // version needed
    }
    let method = *b.get(pos).ok_or_else(t)?;
    pos += 1;
    if version >= 0x0940 {
        pos += 1; // level
    }
    if !(1..=3).contains(&method) {
        return Err(bad("lzop method"));
    }
    let flags = read::u32be(b, pos).ok_or_else(t)?;
    pos += 4;
    if flags & 0x800 != 0 {
        pos += 4; // filter
    }
    pos += 8; // mode, mtime low
    if version >= 0x0940 {
        pos += 4; // mtime high
    }
    let name_len = usize::from(*b.get(pos).ok_or_else(t)?);
    let name = b
        .get(pos + 1..pos + 1 + name_len)
        .map(|n| crate::vfs::name_text(n).into_owned())
        .filter(|n| !n.is_empty());
    pos += 1 + name_len + 4; // name, header checksum
    if flags & 0x40 != 0 {
        let extra = read::u32be(b, pos).ok_or_else(t)? as usize;
        pos = pos.saturating_add(4 + extra + 4);
    }
    let mut out: Vec<u8> = Vec::new();
    let mut problems = Vec::new();
    loop {
        if let Err(l) = ctx.check_time() {
            problems.push(l.problem(Some(pos as u64), ctx.limits));
            break;
        }
        let Some(dst_len) = read::u32be(b, pos) else {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(pos as u64),
                "lzop stream ends without its end marker",
            ));
            break;
        };
        pos += 4;
        if dst_len == 0 {
            break;
        }
        let src_len = read::u32be(b, pos).ok_or_else(t)? as usize;
        pos += 4;
        let dst_len = dst_len as usize;
        if dst_len > 64 << 20 || src_len > dst_len {
            if out.is_empty() {
                return Err(bad("lzop block sizes"));
            }
            problems.push(Problem::new(
                ProblemKind::Malformed,
                Some(pos as u64),
                "lzop block sizes",
            ));
            break;
        }
        pos += if flags & 1 != 0 { 4 } else { 0 } + if flags & 0x100 != 0 { 4 } else { 0 };
        if src_len < dst_len {
            pos += if flags & 2 != 0 { 4 } else { 0 } + if flags & 0x200 != 0 { 4 } else { 0 };
        }
        let Some(block) = b.get(pos..pos.saturating_add(src_len)) else {
            if out.is_empty() {
                return Err(FormatError::Truncated("lzop block"));
            }
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(pos as u64),
                "lzop block truncated",
            ));
            break;
        };
        if let Err(l) = ctx
            .charge_bytes(dst_len as u64)
            .and_then(|()| ctx.check_ratio((out.len() + dst_len) as u64, pos as u64))
        {
            problems.push(l.problem(Some(pos as u64), ctx.limits));
            break;
        }
        if src_len == dst_len {
            out.extend_from_slice(block);
        } else {
            let start = out.len();
            out.resize(start + dst_len, 0);
            let (n, err) = {
                let dst = out.get_mut(start..).unwrap_or(&mut []);
                let (done, err) = rust_lzo::LZOContext::decompress_to_slice(block, dst);
                (done.len(), err)
            };
            if err != rust_lzo::LZOError::OK || n != dst_len {
                out.truncate(start);
                if out.is_empty() {
                    return Err(bad("lzo block"));
                }
                problems.push(Problem::new(
                    ProblemKind::Malformed,
                    Some(pos as u64),
                    format!("lzo block error {}", err as i32),
                ));
                break;
            }
        }
        pos += src_len;
    }
    let mut c = Chunk::new(
        "lzop",
        pos.min(b.len()),
        Output::Stream {
            data: Data::from_vec(out),
            name,
        },
    );
    c.problems = problems;
    Ok(c)
}

/// Arcadyan's obfuscated LZMA: the 32-byte blocks at 4 and 0x68 are exchanged and the one
/// that belongs at 4 is stored nibble-swapped and byte-pair-swapped. Undone here, then the
/// LZMA-alone stream at offset 4 is decoded.
pub(crate) fn arcadyan(ctx: &mut Ctx<'_>, b: &[u8]) -> Result<Chunk, FormatError> {
    const B1: std::ops::Range<usize> = 4..0x24;
    const B2: std::ops::Range<usize> = 0x68..0x88;
    let head = b
        .get(..0x88)
        .ok_or(FormatError::Truncated("Arcadyan header"))?;
    let mut block: Vec<u8> = head
        .get(B2)
        .unwrap_or(&[])
        .iter()
        .map(|c| c.rotate_left(4))
        .collect();
    for pair in block.chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
    let mut plain = Vec::with_capacity(b.len());
    plain.extend_from_slice(head.get(..4).unwrap_or(&[]));
    plain.extend_from_slice(&block);
    plain.extend_from_slice(head.get(0x24..0x68).unwrap_or(&[]));
    plain.extend_from_slice(head.get(B1).unwrap_or(&[]));
    plain.extend_from_slice(b.get(0x88..).unwrap_or(&[]));
    let mut c = lzma_alone(ctx, plain.get(4..).unwrap_or(&[]))?;
    c.format = "arcadyan";
    c.detail = Some("obfuscated LZMA".into());
    c.size += 4;
    Ok(c)
}
