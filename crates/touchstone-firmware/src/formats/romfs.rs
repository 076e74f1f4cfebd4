//! Small read-only filesystems: romfs (big endian, uncompressed) and cramfs (little
//! endian, zlib blocks). Directory walks keep a visited set and a depth bound, so a
//! crafted loop cannot hang them.

use std::collections::HashSet;

use super::compress::inflate_zlib;
use super::{Chunk, Ctx, FormatError, Limit, Output, add_entry, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};
use crate::vfs::{Kind, Meta, Tree};

const MAX_DEPTH: usize = 64;

/// romfs (`-rom1fs-`).
pub(crate) fn romfs(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let size = read::u32be(b, 8).ok_or(FormatError::Truncated("romfs header"))? as usize;
    if size < 32 {
        return Err(bad("romfs size"));
    }
    let name_len = b
        .get(16..)
        .and_then(|s| s.iter().position(|&c| c == 0))
        .ok_or_else(|| bad("romfs volume name"))?;
    let first = (16 + name_len + 1).div_ceil(16) * 16;
    let mut problems = Vec::new();
    if size > b.len() {
        problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(8),
            format!("romfs claims {size} bytes, {} present", b.len()),
        ));
    }
    let end = size.min(b.len());
    let fs = data.slice(0..end);
    let mut tree = Tree::new(0, ctx.limits.max_link_hops);
    let mut visited = HashSet::new();
    // (header offset, parent path, depth)
    let mut stack = vec![(first, String::new(), 0usize)];
    'outer: while let Some((start, parent, depth)) = stack.pop() {
        let mut off = start;
        while off != 0 {
            if !visited.insert(off) {
                break;
            }
            let b = fs.as_slice();
            let (Some(next), Some(spec), Some(fsize)) = (
                read::u32be(b, off),
                read::u32be(b, off + 4),
                read::u32be(b, off + 8),
            ) else {
                problems.push(Problem::new(
                    ProblemKind::Truncated,
                    Some(off as u64),
                    "romfs file header truncated",
                ));
                break;
            };
            let name = read::cstr(b, off + 16, 4096).unwrap_or_default();
            let data_off = (off + 16 + name.len() + 1).div_ceil(16) * 16;
            let body = fs.slice(data_off..data_off.saturating_add(fsize as usize));
            let path = if parent.is_empty() {
                name.clone()
            } else {
                format!("{parent}/{name}")
            };
            let exec = if next & 8 != 0 { 0o755 } else { 0o644 };
            let kind = match next & 7 {
                1 => {
                    if name != "." && name != ".." {
                        if depth < MAX_DEPTH {
                            stack.push((spec as usize & !15, path.clone(), depth + 1));
                        }
                        Some(Kind::Dir)
                    } else {
                        None
                    }
                }
                0 => None, // hard link: the target is listed under its own name
                2 => Some(Kind::File(body)),
                3 => Some(Kind::Symlink(
                    crate::vfs::name_text(body.as_slice()).into_owned(),
                )),
                4 => Some(Kind::BlockDevice {
                    major: spec >> 16,
                    minor: spec & 0xffff,
                }),
                5 => Some(Kind::CharDevice {
                    major: spec >> 16,
                    minor: spec & 0xffff,
                }),
                6 => Some(Kind::Socket),
                _ => Some(Kind::Fifo),
            };
            if let Some(kind) = kind {
                let mode = if matches!(kind, Kind::Dir) {
                    0o755
                } else {
                    exec
                };
                if let Err(l) = add_entry(
                    ctx,
                    &mut tree,
                    &mut problems,
                    &path,
                    kind,
                    Meta {
                        mode,
                        ..Meta::default()
                    },
                    off,
                ) {
                    problems.push(l.problem(Some(off as u64), ctx.limits));
                    break 'outer;
                }
            }
            off = next as usize & !15;
        }
    }
    let mut c = Chunk::new("romfs", end, Output::Tree(tree));
    c.problems = problems;
    Ok(c)
}

struct Inode {
    mode: u32,
    uid: u32,
    gid: u32,
    size: usize,
    offset: usize,
}

fn inode(b: &[u8], at: usize) -> Option<(Inode, usize)> {
    let mode = u32::from(read::u16le(b, at)?);
    let uid = u32::from(read::u16le(b, at + 2)?);
    let sg = read::u32le(b, at + 4)?;
    let no = read::u32le(b, at + 8)?;
    let namelen = ((no & 0x3f) * 4) as usize;
    Some((
        Inode {
            mode,
            uid,
            gid: sg >> 24,
            size: (sg & 0x00ff_ffff) as usize,
            offset: ((no >> 6) * 4) as usize,
        },
        namelen,
    ))
}

/// Block pointer flag: the block is stored uncompressed.
const CRAMFS_BLK_UNCOMPRESSED: u32 = 1 << 31;
/// Block pointer flag: the pointer is the block's start (shifted by 2), not its end.
const CRAMFS_BLK_DIRECT: u32 = 1 << 30;
const CRAMFS_BLK_FLAGS: u32 = CRAMFS_BLK_UNCOMPRESSED | CRAMFS_BLK_DIRECT;

/// cramfs content of a regular file or symlink: a table of block pointers, then blocks
/// of at most 4 KiB each once decoded. A plain pointer is the end of its zlib block (the
/// next block starts there). The extended pointers of `CRAMFS_FLAG_EXT_BLOCK_POINTERS`
/// (written for XIP root filesystems) add two flags: uncompressed (the block is stored
/// as is) and direct (the pointer, shifted left by 2, is the block's start; a compressed
/// direct block begins with its 16-bit length).
fn cramfs_file(ctx: &mut Ctx<'_>, b: &[u8], ino: &Inode) -> Result<Vec<u8>, String> {
    const PAGE: usize = 4096;
    let nblocks = ino.size.div_ceil(PAGE);
    let mut out = Vec::with_capacity(ino.size.min(16 << 20));
    let table_end = ino.offset + 4 * nblocks;
    let mut prev: Option<u32> = None;
    for i in 0..nblocks {
        let ptr = read::u32le(b, ino.offset + 4 * i).ok_or("block pointer truncated")?;
        let uncompressed = ptr & CRAMFS_BLK_UNCOMPRESSED != 0;
        let value = (ptr & !CRAMFS_BLK_FLAGS) as usize;
        let want = PAGE.min(ino.size.saturating_sub(i * PAGE));
        let (start, len) = if ptr & CRAMFS_BLK_DIRECT != 0 {
            let start = value << 2;
            if uncompressed {
                (start, want)
            } else {
                let len = usize::from(read::u16le(b, start).ok_or("direct block truncated")?);
                (start + 2, len)
            }
        } else {
            // The block starts where the previous one ended.
            let start = match prev {
                None => table_end,
                Some(p) if p & CRAMFS_BLK_DIRECT != 0 => {
                    let pstart = ((p & !CRAMFS_BLK_FLAGS) as usize) << 2;
                    if p & CRAMFS_BLK_UNCOMPRESSED != 0 {
                        pstart + PAGE
                    } else {
                        let plen =
                            usize::from(read::u16le(b, pstart).ok_or("direct block truncated")?);
                        pstart + 2 + plen
                    }
                }
                Some(p) => (p & !CRAMFS_BLK_FLAGS) as usize,
            };
            (
                start,
                value
                    .checked_sub(start)
                    .ok_or("block pointers go backwards")?,
            )
        };
        prev = Some(ptr);
        if len > 2 * PAGE || (uncompressed && len > PAGE) {
            return Err(format!(
                "block {i}: {len} bytes is more than a block may hold"
            ));
        }
        let block = b
            .get(start..start.saturating_add(len))
            .ok_or_else(|| format!("block {i} out of range"))?;
        if block.is_empty() {
            out.resize(out.len() + want, 0);
        } else if uncompressed {
            out.extend_from_slice(block);
            // A short uncompressed block is padded (the page beyond is zero).
            out.resize(out.len() + want.saturating_sub(block.len()), 0);
        } else {
            let v = inflate_zlib(ctx, block, PAGE).map_err(|e| format!("block {i}: {e}"))?;
            out.extend_from_slice(&v);
        }
        ctx.check_time()
            .map_err(|_| "time budget spent".to_owned())?;
    }
    out.truncate(ino.size);
    Ok(out)
}

/// cramfs, little endian (magic 0x28cd3d45).
pub(crate) fn cramfs(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    if b.get(16..32) != Some(b"Compressed ROMFS") {
        return Err(bad("cramfs signature"));
    }
    let size = read::u32le(b, 4).ok_or(FormatError::Truncated("cramfs header"))? as usize;
    if size < 76 {
        return Err(bad("cramfs size"));
    }
    let mut problems = Vec::new();
    if size > b.len() {
        problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(4),
            format!("cramfs claims {size} bytes, {} present", b.len()),
        ));
    }
    let fs = b.get(..size.min(b.len())).unwrap_or(b);
    let (root, _) = inode(fs, 64).ok_or(FormatError::Truncated("cramfs root"))?;
    let mut tree = Tree::new(0, ctx.limits.max_link_hops);
    let mut visited = HashSet::new();
    let mut stack = vec![(root.offset, root.size, String::new(), 0usize)];
    let mut stopped: Option<Limit> = None;
    let mut broken: Option<String> = None;
    'outer: while let Some((dir_off, dir_size, parent, depth)) = stack.pop() {
        if !visited.insert(dir_off) {
            continue;
        }
        let mut at = dir_off;
        while at < dir_off.saturating_add(dir_size) {
            let Some((ino, namelen)) = inode(fs, at) else {
                problems.push(Problem::new(
                    ProblemKind::Truncated,
                    Some(at as u64),
                    "cramfs inode truncated",
                ));
                break;
            };
            let name = read::cstr(fs, at + 12, namelen).unwrap_or_default();
            at += 12 + namelen;
            if namelen == 0 {
                break;
            }
            let path = if parent.is_empty() {
                name.clone()
            } else {
                format!("{parent}/{name}")
            };
            let meta = Meta {
                mode: ino.mode & 0o7777,
                uid: ino.uid,
                gid: ino.gid,
                mtime: 0,
            };
            let kind = match ino.mode & 0o170_000 {
                0o040_000 => {
                    if depth < MAX_DEPTH {
                        stack.push((ino.offset, ino.size, path.clone(), depth + 1));
                    }
                    Kind::Dir
                }
                0o100_000 | 0o120_000 => {
                    if let Err(l) = ctx.charge_bytes(ino.size as u64) {
                        stopped = Some(l);
                        break 'outer;
                    }
                    let content = if ino.offset == 0 {
                        Ok(Vec::new())
                    } else {
                        cramfs_file(ctx, fs, &ino)
                    };
                    let content = content.unwrap_or_else(|e| {
                        problems.push(
                            Problem::new(
                                ProblemKind::FileSkipped,
                                Some(ino.offset as u64),
                                format!("/{path}: {e}; kept empty"),
                            )
                            .at(format!("/{path}")),
                        );
                        broken = Some(e);
                        Vec::new()
                    });
                    if ino.mode & 0o170_000 == 0o120_000 {
                        Kind::Symlink(crate::vfs::name_text(&content).into_owned())
                    } else {
                        Kind::File(Data::from_vec(content))
                    }
                }
                0o020_000 => Kind::CharDevice {
                    major: (ino.size as u32) >> 8,
                    minor: (ino.size as u32) & 0xff,
                },
                0o060_000 => Kind::BlockDevice {
                    major: (ino.size as u32) >> 8,
                    minor: (ino.size as u32) & 0xff,
                },
                0o010_000 => Kind::Fifo,
                _ => Kind::Socket,
            };
            if let Err(l) = add_entry(ctx, &mut tree, &mut problems, &path, kind, meta, at) {
                stopped = Some(l);
                break 'outer;
            }
            if let Some(why) = broken.take() {
                tree.mark_incomplete(&path, why);
            }
        }
    }
    if let Some(l) = stopped {
        problems.push(l.problem(None, ctx.limits));
    }
    let mut c = Chunk::new("cramfs", size.min(b.len()), Output::Tree(tree));
    c.problems = problems;
    Ok(c)
}
