//! POSIX/GNU tar, read into a [`Tree`] without touching the disk: ustar prefixes, GNU long
//! names (`L`, `K`), pax `path`/`linkpath`/`size` records, hard links resolved to the
//! earlier entry's content, devices and FIFOs as metadata.

use super::{Chunk, Ctx, FormatError, Output, add_entry, bad, octal, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};
use crate::vfs::{Kind, Meta, Tree};

const BLOCK: usize = 512;

fn header_ok(h: &[u8]) -> bool {
    let Some(stored) = h.get(148..156).and_then(octal) else {
        return false;
    };
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(c)
            }
        })
        .sum();
    sum == stored
}

fn pax_records(data: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let Some(sp) = rest.iter().position(|&c| c == b' ') else {
            break;
        };
        let Some(len) = std::str::from_utf8(rest.get(..sp).unwrap_or(&[]))
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        let Some(rec) = rest.get(sp + 1..len) else {
            break;
        };
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(eq) = rec.iter().position(|&c| c == b'=') {
            let k = crate::vfs::name_text(rec.get(..eq).unwrap_or(&[])).into_owned();
            let v = crate::vfs::name_text(rec.get(eq + 1..).unwrap_or(&[])).into_owned();
            out.push((k, v));
        }
        rest = rest.get(len..).unwrap_or(&[]);
    }
    out
}

/// Parses a tar archive starting at the beginning of `data`.
pub(crate) fn tar(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let first = b.get(..BLOCK).ok_or(FormatError::Truncated("tar header"))?;
    if !header_ok(first) || first.first().copied().unwrap_or(0) == 0 {
        return Err(bad("tar header checksum"));
    }
    let mut tree = Tree::new(0, ctx.limits.max_link_hops);
    let mut problems = Vec::new();
    let mut pos = 0usize;
    let mut long_name: Option<String> = None;
    let mut long_link: Option<String> = None;
    let mut pax: Vec<(String, String)> = Vec::new();
    loop {
        let Some(h) = b.get(pos..pos + BLOCK) else {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(pos as u64),
                "tar archive ends without end-of-archive blocks",
            ));
            break;
        };
        if h.iter().all(|&c| c == 0) {
            pos += BLOCK;
            if b.get(pos..pos + BLOCK)
                .is_some_and(|n| n.iter().all(|&c| c == 0))
            {
                pos += BLOCK;
            }
            break;
        }
        if !header_ok(h) {
            problems.push(Problem::new(
                ProblemKind::Malformed,
                Some(pos as u64),
                "tar header checksum mismatch; archive ends here",
            ));
            break;
        }
        let field = |a: usize, n: usize| h.get(a..a + n).and_then(octal).unwrap_or(0);
        let mut size = field(124, 12);
        let typeflag = h.get(156).copied().unwrap_or(0);
        let mut name = read::cstr(h, 0, 100).unwrap_or_default();
        if h.get(257..262) == Some(b"ustar") {
            let prefix = read::cstr(h, 345, 155).unwrap_or_default();
            if !prefix.is_empty() && typeflag != b'L' {
                name = format!("{prefix}/{name}");
            }
        }
        let mut link = read::cstr(h, 157, 100).unwrap_or_default();
        for (k, v) in pax.drain(..) {
            match k.as_str() {
                "path" => name = v,
                "linkpath" => link = v,
                "size" => size = v.parse().unwrap_or(size),
                _ => {}
            }
        }
        if let Some(n) = long_name.take() {
            name = n;
        }
        if let Some(l) = long_link.take() {
            link = l;
        }
        let start = pos + BLOCK;
        let len = usize::try_from(size).unwrap_or(usize::MAX);
        let end = start.saturating_add(len);
        let body = if end <= b.len() {
            data.slice(start..end)
        } else {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(pos as u64),
                format!("tar member {name:?} truncated"),
            ));
            data.slice(start..b.len())
        };
        let meta = Meta {
            mode: u32::try_from(field(100, 8) & 0o7777).unwrap_or(0),
            uid: u32::try_from(field(108, 8)).unwrap_or(u32::MAX),
            gid: u32::try_from(field(116, 8)).unwrap_or(u32::MAX),
            mtime: field(136, 12),
        };
        let dev = || {
            (
                u32::try_from(field(329, 8)).unwrap_or(0),
                u32::try_from(field(337, 8)).unwrap_or(0),
            )
        };
        let kind = match typeflag {
            b'L' => {
                long_name = Some(
                    crate::vfs::name_text(body.as_slice())
                        .trim_end_matches('\0')
                        .to_owned(),
                );
                None
            }
            b'K' => {
                long_link = Some(
                    crate::vfs::name_text(body.as_slice())
                        .trim_end_matches('\0')
                        .to_owned(),
                );
                None
            }
            b'x' => {
                pax = pax_records(body.as_slice());
                None
            }
            b'g' => None,
            b'1' => Some(Kind::File(tree.file_data_nofollow(&link).unwrap_or_else(
                || {
                    problems.push(Problem::new(
                        ProblemKind::Malformed,
                        Some(pos as u64),
                        format!("hard link {name:?} to missing {link:?}"),
                    ));
                    Data::from_vec(Vec::new())
                },
            ))),
            b'2' => Some(Kind::Symlink(link.clone())),
            b'3' => Some({
                let (major, minor) = dev();
                Kind::CharDevice { major, minor }
            }),
            b'4' => Some({
                let (major, minor) = dev();
                Kind::BlockDevice { major, minor }
            }),
            b'5' => Some(Kind::Dir),
            b'6' => Some(Kind::Fifo),
            _ => Some(Kind::File(body)),
        };
        if let Some(kind) = kind
            && let Err(l) = add_entry(ctx, &mut tree, &mut problems, &name, kind, meta, pos)
        {
            problems.push(l.problem(Some(pos as u64), ctx.limits));
            break;
        }
        // Directories, links and devices carry no data even if the size field says so.
        let carries = !matches!(typeflag, b'1' | b'2' | b'3' | b'4' | b'5' | b'6');
        let padded = if carries {
            len.div_ceil(BLOCK).saturating_mul(BLOCK)
        } else {
            0
        };
        pos = start.saturating_add(padded);
        if pos > b.len() {
            pos = b.len();
            break;
        }
    }
    let mut c = Chunk::new("tar", pos, Output::Tree(tree));
    c.problems = problems;
    Ok(c)
}
