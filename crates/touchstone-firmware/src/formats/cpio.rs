//! cpio archives: `newc` (070701), `crc` (070702, checksums verified) and portable ASCII
//! `odc` (070707). Hard links that share an inode get the content of the entry that
//! carries it.

use std::collections::HashMap;

use super::{Chunk, Ctx, FormatError, Output, add_entry, bad};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};
use crate::vfs::{Kind, Meta, Tree};

fn hex(b: &[u8], off: usize) -> Option<u64> {
    let s = std::str::from_utf8(b.get(off..off + 8)?).ok()?;
    u64::from_str_radix(s, 16).ok()
}

fn oct(b: &[u8], off: usize, n: usize) -> Option<u64> {
    let s = std::str::from_utf8(b.get(off..off + n)?).ok()?;
    u64::from_str_radix(s, 8).ok()
}

struct Header {
    ino: u64,
    mode: u64,
    uid: u64,
    gid: u64,
    nlink: u64,
    mtime: u64,
    size: u64,
    rmajor: u64,
    rminor: u64,
    namesize: u64,
    check: u64,
    hdr_len: usize,
    align: usize,
}

fn header(b: &[u8], pos: usize) -> Option<Header> {
    let magic = b.get(pos..pos + 6)?;
    if magic == b"070701" || magic == b"070702" {
        let f = |i: usize| hex(b, pos + 6 + i * 8);
        Some(Header {
            ino: f(0)?,
            mode: f(1)?,
            uid: f(2)?,
            gid: f(3)?,
            nlink: f(4)?,
            mtime: f(5)?,
            size: f(6)?,
            rmajor: f(9)?,
            rminor: f(10)?,
            namesize: f(11)?,
            check: f(12)?,
            hdr_len: 110,
            align: 4,
        })
    } else if magic == b"070707" {
        let rdev = oct(b, pos + 42, 6)?;
        Some(Header {
            ino: oct(b, pos + 12, 6)?,
            mode: oct(b, pos + 18, 6)?,
            uid: oct(b, pos + 24, 6)?,
            gid: oct(b, pos + 30, 6)?,
            nlink: oct(b, pos + 36, 6)?,
            mtime: oct(b, pos + 48, 11)?,
            namesize: oct(b, pos + 59, 6)?,
            size: oct(b, pos + 65, 11)?,
            rmajor: rdev >> 8,
            rminor: rdev & 0xff,
            check: 0,
            hdr_len: 76,
            align: 1,
        })
    } else {
        None
    }
}

fn align(v: usize, a: usize) -> usize {
    v.div_ceil(a).saturating_mul(a)
}

/// Parses a cpio archive starting at the beginning of `data`.
pub(crate) fn cpio(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let crc = b.get(..6) == Some(b"070702");
    let first = header(b, 0).ok_or_else(|| bad("cpio header"))?;
    if first.namesize == 0 || first.namesize > 4096 {
        return Err(bad("cpio name size"));
    }
    let mut tree = Tree::new(0, ctx.limits.max_link_hops);
    let mut problems = Vec::new();
    let mut pos = 0usize;
    // Hard links: inode -> names still waiting for content.
    let mut pending: HashMap<u64, Vec<(String, Meta)>> = HashMap::new();
    let mut ended = false;
    while let Some(h) = header(b, pos) {
        let name_start = pos + h.hdr_len;
        let name_len = usize::try_from(h.namesize).unwrap_or(usize::MAX);
        let Some(raw_name) = b.get(name_start..name_start.saturating_add(name_len)) else {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(pos as u64),
                "cpio name truncated",
            ));
            break;
        };
        let name = crate::vfs::name_text(raw_name)
            .trim_end_matches('\0')
            .to_owned();
        let data_start = align(name_start + name_len, h.align);
        let size = usize::try_from(h.size).unwrap_or(usize::MAX);
        let data_end = data_start.saturating_add(size);
        if name == "TRAILER!!!" {
            pos = align(data_end, h.align).min(b.len());
            ended = true;
            break;
        }
        let body = if data_end <= b.len() {
            data.slice(data_start..data_end)
        } else {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(pos as u64),
                format!("cpio member {name:?} truncated"),
            ));
            data.slice(data_start..b.len())
        };
        if crc {
            let sum = body
                .as_slice()
                .iter()
                .fold(0u32, |a, &c| a.wrapping_add(u32::from(c)));
            if u64::from(sum) != h.check {
                problems.push(Problem::new(
                    ProblemKind::Checksum,
                    Some(pos as u64),
                    format!("cpio checksum mismatch for {name:?}"),
                ));
            }
        }
        let meta = Meta {
            mode: u32::try_from(h.mode & 0o7777).unwrap_or(0),
            uid: u32::try_from(h.uid).unwrap_or(u32::MAX),
            gid: u32::try_from(h.gid).unwrap_or(u32::MAX),
            mtime: h.mtime,
        };
        let (major, minor) = (
            u32::try_from(h.rmajor).unwrap_or(0),
            u32::try_from(h.rminor).unwrap_or(0),
        );
        let kind = match h.mode & 0o170_000 {
            0o040_000 => Kind::Dir,
            0o120_000 => Kind::Symlink(crate::vfs::name_text(body.as_slice()).into_owned()),
            0o020_000 => Kind::CharDevice { major, minor },
            0o060_000 => Kind::BlockDevice { major, minor },
            0o010_000 => Kind::Fifo,
            0o140_000 => Kind::Socket,
            _ => {
                if h.nlink > 1 && h.align == 4 {
                    if body.is_empty() {
                        pending.entry(h.ino).or_default().push((name.clone(), meta));
                    } else if let Some(waiting) = pending.remove(&h.ino) {
                        for (n, m) in waiting {
                            tree.insert(&n, Kind::File(body.clone()), m);
                        }
                    }
                }
                Kind::File(body)
            }
        };
        if let Err(l) = add_entry(ctx, &mut tree, &mut problems, &name, kind, meta, pos) {
            problems.push(l.problem(Some(pos as u64), ctx.limits));
            break;
        }
        pos = align(data_end, h.align);
        if pos >= b.len() {
            pos = b.len();
            break;
        }
    }
    if !ended {
        problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(pos as u64),
            "cpio archive ends without TRAILER!!!",
        ));
    }
    let mut c = Chunk::new("cpio", pos, Output::Tree(tree));
    c.detail = Some(match b.get(..6) {
        Some(b"070701") => "newc".into(),
        Some(b"070702") => "crc".into(),
        _ => "odc".into(),
    });
    c.problems = problems;
    Ok(c)
}
