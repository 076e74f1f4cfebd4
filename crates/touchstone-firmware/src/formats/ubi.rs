//! UBI and UBIFS, written here because no crate reads UBIFS (`income` only splits UBI).
//!
//! UBI: erase-counter and volume-id headers (CRCs checked) map physical erase blocks to
//! logical blocks of volumes; each volume becomes a part named after the volume table.
//! UBIFS: instead of walking the index B-tree, every node of the volume is scanned (nodes
//! are 8-byte aligned and CRC-protected) and the highest sequence number wins for each
//! inode, directory entry and data block. That reads images made by `mkfs.ubifs` exactly
//! and recovers what it can from damaged ones.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Chunk, Ctx, FormatError, Limit, Output, add_entry, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};
use crate::vfs::{Kind, Meta, Tree};

const LAYOUT_VOLUME: u32 = 0x7fff_efff;
const UBIFS_MAGIC: u32 = 0x0610_1831;
const BLOCK: usize = 4096;

/// The CRC used by UBI and UBIFS: the register starts at all ones, no final inversion.
fn crc(b: &[u8]) -> u32 {
    !crc32fast::hash(b)
}

fn ec_ok(b: &[u8], at: usize) -> bool {
    b.get(at..at + 4) == Some(b"UBI#") && b.get(at..at + 60).map(crc) == read::u32be(b, at + 60)
}

/// A UBI image: volumes become parts.
pub(crate) fn ubi(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    if !ec_ok(b, 0) {
        return Err(bad("UBI erase counter header CRC"));
    }
    let vid_off = read::u32be(b, 16).ok_or(FormatError::Truncated("UBI header"))? as usize;
    let data_off = read::u32be(b, 20).ok_or(FormatError::Truncated("UBI header"))? as usize;
    // The erase block size is not recorded: it is the distance to the next valid header.
    let peb = (10..=22)
        .map(|k| 1usize << k)
        .find(|&p| p > data_off && ec_ok(b, p))
        .unwrap_or(b.len());
    if peb <= data_off || vid_off + 64 > data_off {
        return Err(bad("UBI geometry"));
    }
    let leb = peb - data_off;
    let mut problems = Vec::new();
    // (vol_id, lnum) -> (sqnum, data offset, length)
    let mut lebs: HashMap<(u32, u32), (u64, usize, usize)> = HashMap::new();
    let mut end = 0usize;
    let mut i = 0usize;
    while i * peb < b.len() {
        let at = i * peb;
        i += 1;
        if !ec_ok(b, at) {
            continue;
        }
        end = (at + peb).min(b.len());
        let v = at + vid_off;
        if b.get(v..v + 4) != Some(b"UBI!") {
            continue; // erased block
        }
        if b.get(v..v + 60).map(crc) != read::u32be(b, v + 60) {
            problems.push(Problem::new(
                ProblemKind::Checksum,
                Some(v as u64),
                "UBI volume header CRC mismatch; block skipped",
            ));
            continue;
        }
        let (Some(vol_id), Some(lnum), Some(size), Some(sqnum)) = (
            read::u32be(b, v + 8),
            read::u32be(b, v + 12),
            read::u32be(b, v + 20),
            read::u64be(b, v + 40),
        ) else {
            continue;
        };
        let is_static = b.get(v + 5) == Some(&2);
        let len = if is_static {
            (size as usize).min(leb)
        } else {
            leb
        };
        if lebs
            .get(&(vol_id, lnum))
            .is_none_or(|&(s, _, _)| sqnum >= s)
        {
            lebs.insert((vol_id, lnum), (sqnum, at + data_off, len));
        }
    }
    // Volume table: 172-byte records in logical block 0 of the layout volume.
    let mut names: BTreeMap<u32, String> = BTreeMap::new();
    if let Some(&(_, at, _)) = lebs.get(&(LAYOUT_VOLUME, 0)) {
        for r in 0..128u32 {
            let rec = at + 172 * r as usize;
            let Some(reserved) = read::u32be(b, rec) else {
                break;
            };
            let name_len = read::u16be(b, rec + 14).map_or(0, usize::from).min(127);
            if reserved == 0 || name_len == 0 {
                continue;
            }
            let name = crate::vfs::name_text(b.get(rec + 16..rec + 16 + name_len).unwrap_or(&[]))
                .into_owned();
            names.insert(r, name);
        }
    }
    let mut volumes: BTreeMap<u32, u32> = BTreeMap::new(); // vol_id -> highest lnum
    for &(vol, lnum) in lebs.keys() {
        if vol != LAYOUT_VOLUME {
            let e = volumes.entry(vol).or_insert(0);
            *e = (*e).max(lnum);
        }
    }
    let mut parts = Vec::new();
    for (vol, max_lnum) in volumes {
        let count = max_lnum as usize + 1;
        if ctx.charge_bytes((count * leb) as u64).is_err() {
            problems.push(Limit::Output.problem(None, ctx.limits));
            break;
        }
        let mut v = Vec::with_capacity(count * leb);
        let mut first = usize::MAX;
        for l in 0..=max_lnum {
            match lebs.get(&(vol, l)) {
                Some(&(_, at, len)) => {
                    first = first.min(at);
                    let src = b.get(at..at + len).unwrap_or(&[]);
                    v.extend_from_slice(src);
                    v.resize(v.len() + (leb - src.len().min(leb)), 0xff);
                }
                None => v.resize(v.len() + leb, 0xff),
            }
        }
        let name = names
            .get(&vol)
            .cloned()
            .unwrap_or_else(|| format!("volume{vol}"));
        parts.push((
            name,
            if first == usize::MAX { 0 } else { first },
            Data::from_vec(v),
        ));
    }
    let mut c = Chunk::new("ubi", end.max(peb.min(b.len())), Output::Parts(parts));
    c.detail = Some(format!("peb {peb}, leb {leb}"));
    c.problems = problems;
    Ok(c)
}

/// Where a data node's payload lies: (sqnum, payload offset, compression, stored size,
/// decompressed size).
type DataNode = (u64, usize, u16, usize, usize);

struct Inode {
    sqnum: u64,
    size: u64,
    meta: Meta,
    mode: u32,
    data: Vec<u8>,
}

fn decompress(compr: u16, src: &[u8], size: usize) -> Result<Vec<u8>, String> {
    match compr {
        0 => Ok(src.get(..size.min(src.len())).unwrap_or(&[]).to_vec()),
        1 => {
            let mut out = vec![0u8; size];
            let (n, err) = {
                let (done, err) = rust_lzo::LZOContext::decompress_to_slice(src, &mut out);
                (done.len(), err)
            };
            if err != rust_lzo::LZOError::OK {
                return Err("LZO block corrupt".into());
            }
            out.truncate(n);
            Ok(out)
        }
        2 => {
            let mut d = flate2::Decompress::new(false);
            let mut out = vec![0u8; size];
            d.decompress(src, &mut out, flate2::FlushDecompress::Finish)
                .map_err(|e| e.to_string())?;
            out.truncate(usize::try_from(d.total_out()).unwrap_or(0));
            Ok(out)
        }
        3 => zstd::bulk::decompress(src, size).map_err(|e| e.to_string()),
        other => Err(format!("compression type {other} not supported")),
    }
}

/// A UBIFS volume image starting at the beginning of `data` (a superblock node).
pub(crate) fn ubifs(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let len0 = read::u32le(b, 16).ok_or(FormatError::Truncated("UBIFS node"))? as usize;
    if b.get(20) != Some(&6) || len0 < 24 || b.get(8..len0).map(crc) != read::u32le(b, 4) {
        return Err(bad("UBIFS superblock node"));
    }
    let leb_size = read::u32le(b, 36).ok_or(FormatError::Truncated("UBIFS superblock"))? as usize;
    let leb_cnt = read::u32le(b, 40).ok_or(FormatError::Truncated("UBIFS superblock"))? as usize;
    let size = leb_size.saturating_mul(leb_cnt).min(b.len());
    let mut problems = Vec::new();
    let mut inodes: HashMap<u64, Inode> = HashMap::new();
    let mut dents: HashMap<(u64, String), (u64, u64)> = HashMap::new(); // -> (sqnum, inum)
    let mut blocks: HashMap<(u64, u32), DataNode> = HashMap::new();
    let mut pos = 0usize;
    let mut steps = 0usize;
    while pos + 24 <= size {
        steps += 1;
        if steps.is_multiple_of(4096) && ctx.check_time().is_err() {
            problems.push(Limit::Time.problem(Some(pos as u64), ctx.limits));
            break;
        }
        if read::u32le(b, pos) != Some(UBIFS_MAGIC) {
            pos += 8;
            continue;
        }
        let nlen = read::u32le(b, pos + 16).map_or(0, |v| v as usize);
        let Some(node) = b.get(pos..pos.saturating_add(nlen)).filter(|_| nlen >= 24) else {
            pos += 8;
            continue;
        };
        if node.get(8..).map(crc) != read::u32le(node, 4) {
            pos += 8;
            continue;
        }
        let sqnum = read::u64le(node, 8).unwrap_or(0);
        let key_inum = u64::from(read::u32le(node, 24).unwrap_or(0));
        match node.get(20).copied() {
            Some(0) if nlen >= 160 => {
                let f = |o| read::u32le(node, o).unwrap_or(0);
                let mode = f(104);
                let data_len = f(112) as usize;
                let ino = Inode {
                    sqnum,
                    size: read::u64le(node, 48).unwrap_or(0),
                    meta: Meta {
                        mode: mode & 0o7777,
                        uid: f(96),
                        gid: f(100),
                        mtime: read::u64le(node, 72).unwrap_or(0),
                    },
                    mode,
                    data: node.get(160..160 + data_len).unwrap_or(&[]).to_vec(),
                };
                if inodes.get(&key_inum).is_none_or(|old| sqnum >= old.sqnum) {
                    inodes.insert(key_inum, ino);
                }
            }
            Some(1) if nlen >= 48 => {
                let block = read::u32le(node, 28).unwrap_or(0) & 0x1fff_ffff;
                let dsize = read::u32le(node, 40).map_or(0, |v| v as usize).min(BLOCK);
                let compr = read::u16le(node, 44).unwrap_or(0);
                let key = (key_inum, block);
                if blocks.get(&key).is_none_or(|&(s, ..)| sqnum >= s) {
                    blocks.insert(key, (sqnum, pos + 48, compr, nlen - 48, dsize));
                }
            }
            Some(2) if nlen >= 56 => {
                let inum = read::u64le(node, 40).unwrap_or(0);
                let name_len = read::u16le(node, 50).map_or(0, usize::from);
                let name =
                    crate::vfs::name_text(node.get(56..56 + name_len).unwrap_or(&[])).into_owned();
                let key = (key_inum, name);
                if dents.get(&key).is_none_or(|&(s, _)| sqnum >= s) {
                    dents.insert(key, (sqnum, inum));
                }
            }
            _ => {}
        }
        pos += nlen.div_ceil(8) * 8;
    }
    let mut children: BTreeMap<u64, Vec<(String, u64)>> = BTreeMap::new();
    for ((parent, name), (_, inum)) in dents {
        if inum != 0 && !name.is_empty() && !name.contains('/') && name != "." && name != ".." {
            children.entry(parent).or_default().push((name, inum));
        }
    }
    let mut tree = Tree::new(0, ctx.limits.max_link_hops);
    let mut stack = vec![(1u64, String::new())];
    let mut seen = HashSet::new();
    let mut stopped = None;
    let mut errors = 0usize;
    'outer: while let Some((dir, path)) = stack.pop() {
        if !seen.insert(dir) {
            continue;
        }
        for (name, inum) in children.get(&dir).cloned().unwrap_or_default() {
            let child = if path.is_empty() {
                name
            } else {
                format!("{path}/{name}")
            };
            let Some(ino) = inodes.get(&inum) else {
                errors += 1;
                continue;
            };
            let dev = || {
                let v = read::u32le(&ino.data, 0).unwrap_or(0);
                ((v >> 8) & 0xfff, (v & 0xff) | ((v >> 12) & 0xfff00))
            };
            let kind = match ino.mode & 0o170_000 {
                0o040_000 => {
                    stack.push((inum, child.clone()));
                    Kind::Dir
                }
                0o120_000 => Kind::Symlink(crate::vfs::name_text(&ino.data).into_owned()),
                0o020_000 => {
                    let (major, minor) = dev();
                    Kind::CharDevice { major, minor }
                }
                0o060_000 => {
                    let (major, minor) = dev();
                    Kind::BlockDevice { major, minor }
                }
                0o010_000 => Kind::Fifo,
                0o140_000 => Kind::Socket,
                _ => {
                    let fsize = usize::try_from(ino.size)
                        .unwrap_or(usize::MAX)
                        .min(256 << 20);
                    if let Err(l) = ctx.charge_bytes(fsize as u64) {
                        stopped = Some(l);
                        break 'outer;
                    }
                    let mut content = vec![0u8; fsize];
                    for blk in 0..fsize.div_ceil(BLOCK) {
                        let Some(&(_, at, compr, csize, dsize)) =
                            blocks.get(&(inum, u32::try_from(blk).unwrap_or(u32::MAX)))
                        else {
                            continue;
                        };
                        match decompress(compr, b.get(at..at + csize).unwrap_or(&[]), dsize) {
                            Ok(v) => {
                                let start = blk * BLOCK;
                                let n = v.len().min(fsize.saturating_sub(start));
                                if let (Some(dst), Some(src)) =
                                    (content.get_mut(start..start + n), v.get(..n))
                                {
                                    dst.copy_from_slice(src);
                                }
                            }
                            Err(e) => {
                                errors += 1;
                                if errors <= 20 {
                                    problems.push(Problem::new(
                                        ProblemKind::Malformed,
                                        Some(at as u64),
                                        format!("{child}: {e}"),
                                    ));
                                }
                            }
                        }
                    }
                    Kind::File(Data::from_vec(content))
                }
            };
            if let Err(l) = add_entry(ctx, &mut tree, &mut problems, &child, kind, ino.meta, 0) {
                stopped = Some(l);
                break 'outer;
            }
        }
    }
    if let Some(l) = stopped {
        problems.push(l.problem(None, ctx.limits));
    }
    if errors > 0 {
        problems.push(Problem::new(
            ProblemKind::Malformed,
            None,
            format!("{errors} UBIFS entries or blocks could not be read"),
        ));
    }
    let mut c = Chunk::new("ubifs", size.max(24), Output::Tree(tree));
    c.detail = Some(format!("leb {leb_size} x {leb_cnt}"));
    c.problems = problems;
    Ok(c)
}
