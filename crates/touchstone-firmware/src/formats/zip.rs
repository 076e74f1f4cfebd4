//! ZIP archives, read by walking the local file headers (so truncated archives without a
//! central directory still yield their members), then taking Unix modes and symlinks from
//! the central directory when present. Stored and deflated members; zip64 sizes.

use std::collections::HashMap;

use super::compress::inflate_raw;
use super::{Chunk, Ctx, FormatError, Limit, Output, add_entry, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};
use crate::vfs::{Kind, Meta, Tree};

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const EOCD: u32 = 0x0605_4b50;
const EOCD64: u32 = 0x0606_4b50;
const LOCATOR64: u32 = 0x0706_4b50;
const DESCRIPTOR: u32 = 0x0807_4b50;

struct Member {
    name: String,
    data: Data,
    offset: usize,
    mtime: u64,
}

fn zip64_sizes(extra: &[u8], usize_: &mut u64, csize: &mut u64) {
    let mut p = 0usize;
    while let (Some(id), Some(len)) = (read::u16le(extra, p), read::u16le(extra, p + 2)) {
        if id == 1 {
            let mut q = p + 4;
            if *usize_ == u64::from(u32::MAX)
                && let Some(v) = read::u64le(extra, q)
            {
                *usize_ = v;
                q += 8;
            }
            if *csize == u64::from(u32::MAX)
                && let Some(v) = read::u64le(extra, q)
            {
                *csize = v;
            }
            return;
        }
        p += 4 + usize::from(len);
    }
}

fn dos_time(time: u16, date: u16) -> u64 {
    // Approximate: days from 1980 without leap handling is wrong; keep it simple and
    // exact enough for ordering: convert via a civil-from-days algorithm.
    let y = i64::from((date >> 9) + 1980);
    let m = i64::from((date >> 5) & 0xf).clamp(1, 12);
    let d = i64::from(date & 0x1f).clamp(1, 31);
    let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = i64::from(time >> 11) * 3600
        + i64::from((time >> 5) & 0x3f) * 60
        + i64::from(time & 0x1f) * 2;
    u64::try_from(days * 86_400 + secs).unwrap_or(0)
}

/// Parses a ZIP archive starting at the beginning of `data`.
pub(crate) fn zip(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let mut problems = Vec::new();
    let mut members: Vec<Member> = Vec::new();
    let mut pos = 0usize;
    let mut stopped: Option<Limit> = None;
    let mut stopped_at: Option<String> = None;
    while read::u32le(b, pos) == Some(LOCAL) {
        let hdr = |o: usize| read::u16le(b, pos + o);
        let (Some(flags), Some(method), Some(time), Some(date), Some(nlen), Some(xlen)) =
            (hdr(6), hdr(8), hdr(10), hdr(12), hdr(26), hdr(28))
        else {
            break;
        };
        let (Some(csize), Some(usize_)) = (read::u32le(b, pos + 18), read::u32le(b, pos + 22))
        else {
            break;
        };
        let (mut csize, mut usize_) = (u64::from(csize), u64::from(usize_));
        let name_start = pos + 30;
        let Some(raw_name) = b.get(name_start..name_start + usize::from(nlen)) else {
            break;
        };
        let name = crate::vfs::name_text(raw_name).into_owned();
        let extra = b
            .get(name_start + usize::from(nlen)..name_start + usize::from(nlen) + usize::from(xlen))
            .unwrap_or(&[]);
        zip64_sizes(extra, &mut usize_, &mut csize);
        let body_start = name_start + usize::from(nlen) + usize::from(xlen);
        if body_start > b.len() {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(pos as u64),
                format!("zip member {name:?} truncated"),
            ));
            pos = b.len();
            break;
        }
        if members.is_empty() && (method > 99 || nlen == 0) {
            return Err(bad("zip local header"));
        }
        if let Err(l) = ctx.check_time() {
            stopped = Some(l);
            break;
        }
        let rest = b.get(body_start..).unwrap_or(&[]);
        let described = flags & 8 != 0 && csize == 0;
        let (content, consumed) = if flags & 1 != 0 {
            problems.push(Problem::new(
                ProblemKind::Unsupported,
                Some(pos as u64),
                format!("zip member {name:?} is encrypted; content not extracted"),
            ));
            (
                Data::from_vec(Vec::new()),
                usize::try_from(csize).unwrap_or(usize::MAX),
            )
        } else if method == 8 {
            let (out, used, problem) = inflate_raw(ctx, rest);
            if let Some(mut p) = problem {
                p.offset = Some(pos as u64);
                p.message = format!("zip member {name:?}: {}", p.message);
                let limit = matches!(
                    p.kind,
                    ProblemKind::LimitOutput | ProblemKind::LimitRatio | ProblemKind::LimitTime
                );
                problems.push(p);
                if limit {
                    stopped_at = Some(format!("member {name:?} at {pos:#x} hit a limit"));
                    members.push(Member {
                        name,
                        data: Data::from_vec(out),
                        offset: pos,
                        mtime: dos_time(time, date),
                    });
                    pos = b.len();
                    break;
                }
            }
            let used = if described {
                used
            } else {
                usize::try_from(csize).unwrap_or(usize::MAX)
            };
            (Data::from_vec(out), used)
        } else if method == 0 {
            let len = if described {
                // Stored with a data descriptor: find the descriptor whose size matches.
                let mut found = None;
                let mut i = 0usize;
                while let Some(at) = rest
                    .get(i..)
                    .and_then(|r| r.windows(4).position(|w| w == DESCRIPTOR.to_le_bytes()))
                {
                    let cand = i + at;
                    if read::u32le(rest, cand + 8).map(u64::from) == Some(cand as u64) {
                        found = Some(cand);
                        break;
                    }
                    i = cand + 1;
                }
                found.unwrap_or(rest.len())
            } else {
                usize::try_from(csize).unwrap_or(usize::MAX)
            };
            (data.slice(body_start..body_start.saturating_add(len)), len)
        } else {
            problems.push(Problem::new(
                ProblemKind::Unsupported,
                Some(pos as u64),
                format!("zip member {name:?} uses method {method}"),
            ));
            (
                Data::from_vec(Vec::new()),
                usize::try_from(csize).unwrap_or(usize::MAX),
            )
        };
        if body_start.saturating_add(consumed) > b.len() {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(pos as u64),
                format!("zip member {name:?} truncated"),
            ));
        }
        // CRC-32 of what was extracted: from the local header, or from the data
        // descriptor that follows the body when bit 3 is set.
        let checked = flags & 1 == 0 && (method == 0 || method == 8);
        if checked {
            let body_end = body_start.saturating_add(consumed);
            let (field, at) = if flags & 8 != 0 {
                let at = if read::u32le(b, body_end) == Some(DESCRIPTOR) {
                    body_end + 4
                } else {
                    body_end
                };
                ("data descriptor CRC-32", at)
            } else {
                ("local header CRC-32", pos + 14)
            };
            if let Some(expected) = read::u32le(b, at) {
                let actual = crc32fast::hash(content.as_slice());
                if actual != expected && content.len() as u64 == usize_ {
                    problems.push(Problem::new(
                        ProblemKind::Checksum,
                        Some(at as u64),
                        format!(
                            "zip member {name:?}: {field} at {at:#x} is {expected:#010x}, content gives {actual:#010x}; extracted anyway"
                        ),
                    ));
                }
            }
        }
        members.push(Member {
            name,
            data: content,
            offset: pos,
            mtime: dos_time(time, date),
        });
        pos = body_start.saturating_add(consumed);
        if flags & 8 != 0 {
            if read::u32le(b, pos) == Some(DESCRIPTOR) {
                pos += 4;
            }
            pos += 12;
        }
        if pos >= b.len() {
            pos = b.len();
            break;
        }
    }
    if members.is_empty() {
        return Err(bad("zip: no member"));
    }
    // Central directory: Unix modes and symlinks.
    let mut modes: HashMap<String, u32> = HashMap::new();
    let mut complete = false;
    while stopped.is_none() {
        match read::u32le(b, pos) {
            Some(CENTRAL) => {
                let f = |o: usize| read::u16le(b, pos + o).map(usize::from);
                let (Some(made_by), Some(n), Some(x), Some(c)) = (f(4), f(28), f(30), f(32)) else {
                    break;
                };
                let ext = read::u32le(b, pos + 38).unwrap_or(0);
                let name = crate::vfs::name_text(b.get(pos + 46..pos + 46 + n).unwrap_or(&[]))
                    .into_owned();
                if made_by >> 8 == 3 && ext >> 16 != 0 {
                    modes.insert(name, ext >> 16);
                }
                pos += 46 + n + x + c;
            }
            Some(EOCD64) => {
                let len = read::u64le(b, pos + 4)
                    .and_then(|v| usize::try_from(v).ok())
                    .unwrap_or(0);
                pos = pos.saturating_add(12).saturating_add(len);
            }
            Some(LOCATOR64) => pos += 20,
            Some(EOCD) => {
                let c = read::u16le(b, pos + 20).map_or(0, usize::from);
                pos += 22 + c;
                complete = true;
                break;
            }
            _ => break,
        }
    }
    pos = pos.min(b.len());
    if let Some(why) = &stopped_at {
        // Reading stopped early: say why, not that the end record is missing. The chunk
        // still ends after the end record when there is one.
        if let Some(eocd) = b.windows(4).rposition(|w| w == EOCD.to_le_bytes()) {
            pos = (eocd + 22).min(b.len());
        }
        problems.push(Problem::new(
            ProblemKind::Truncated,
            None,
            format!("zip reading stopped: {why}; later members and the central directory not read"),
        ));
    } else if stopped.is_some() {
        // The time-budget problem added below says why reading stopped.
    } else if !complete {
        problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(pos as u64),
            "zip archive has no end-of-central-directory record",
        ));
    }
    let mut tree = Tree::new(0, ctx.limits.max_link_hops);
    for m in members {
        let mode = modes.get(&m.name).copied();
        let meta = Meta {
            mode: mode.map_or(if m.name.ends_with('/') { 0o755 } else { 0o644 }, |v| {
                v & 0o7777
            }),
            uid: 0,
            gid: 0,
            mtime: m.mtime,
        };
        let kind = if m.name.ends_with('/') {
            Kind::Dir
        } else if mode.is_some_and(|v| v & 0o170_000 == 0o120_000) {
            Kind::Symlink(crate::vfs::name_text(m.data.as_slice()).into_owned())
        } else {
            Kind::File(m.data)
        };
        if let Err(l) = add_entry(ctx, &mut tree, &mut problems, &m.name, kind, meta, m.offset) {
            stopped = Some(l);
            break;
        }
    }
    if let Some(l) = stopped {
        problems.push(l.problem(Some(pos as u64), ctx.limits));
    }
    let mut c = Chunk::new("zip", pos, Output::Tree(tree));
    c.problems = problems;
    Ok(c)
}
