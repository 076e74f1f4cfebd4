//! SquashFS 2.x, written here because no crate reads it. Big-endian images (Broadcom's
//! BCM63xx SDK and others) pack their inode bit fields most-significant bit first; little-
//! endian ones least-significant first. Metadata blocks are zlib (or stored); data blocks
//! are zlib or Broadcom's LZMA variant: a 5-byte LZMA properties header followed by a raw
//! stream without the size field, which is decoded here by supplying the size we expect.
//!
//! Every table access is bounds-checked, every inode and directory is visited at most
//! once, and all output is charged to the budget.

use std::collections::{HashMap, HashSet};

use super::{Ctx, FormatError, Limit, add_entry, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};
use crate::vfs::{Kind, Meta, Tree};

const METADATA_SIZE: usize = 8192;
const INVALID_FRAG: u32 = 0xffff_ffff;
const COMPRESSED_BIT_BLOCK: u32 = 1 << 24;
const MAX_DEPTH: usize = 64;

struct Sb {
    le: bool,
    flags: u8,
    block_size: usize,
    root: u64,
    inode_start: usize,
    dir_start: usize,
    frag_index_start: usize,
    fragments: usize,
    uids: Vec<u32>,
    gids: Vec<u32>,
}

/// A decompressed metadata table and where each on-disk block landed in it.
struct Table {
    buf: Vec<u8>,
    blocks: HashMap<usize, usize>,
}

impl Table {
    fn pos(&self, block: usize, offset: usize) -> Option<usize> {
        self.blocks.get(&block).map(|p| p + offset)
    }
}

/// Bit field `n` bits wide at bit `pos` of `b` (MSB-first for BE images, LSB-first for LE).
fn bits(b: &[u8], pos: usize, n: usize, le: bool) -> Option<u64> {
    let first = pos / 8;
    let last = (pos + n).div_ceil(8);
    let bytes = b.get(first..last)?;
    if bytes.len() > 8 || n == 0 || n > 32 {
        return None;
    }
    let mask = (1u64 << n) - 1;
    if le {
        let v = bytes
            .iter()
            .rev()
            .fold(0u64, |a, &c| (a << 8) | u64::from(c));
        Some((v >> (pos % 8)) & mask)
    } else {
        let v = bytes.iter().fold(0u64, |a, &c| (a << 8) | u64::from(c));
        let total = bytes.len() * 8;
        Some((v >> (total - (pos % 8) - n)) & mask)
    }
}

fn u32e(b: &[u8], off: usize, le: bool) -> Option<u32> {
    if le {
        read::u32le(b, off)
    } else {
        read::u32be(b, off)
    }
}

/// Decompresses one block: zlib, Broadcom LZMA (props header, no size), or LZMA-alone.
/// `expected` is the size the block must decode to, when known.
fn decompress(
    ctx: &Ctx<'_>,
    block: &[u8],
    expected: Option<usize>,
    max: usize,
) -> Result<Vec<u8>, String> {
    ctx.check_time()
        .map_err(|_| "time budget spent".to_owned())?;
    if block.first() == Some(&0x78) {
        let mut dec = flate2::Decompress::new(true);
        let mut out = vec![0u8; max];
        let st = dec.decompress(block, &mut out, flate2::FlushDecompress::Finish);
        if let Ok(st) = st {
            let n = usize::try_from(dec.total_out()).unwrap_or(0).min(max);
            out.truncate(n);
            if st == flate2::Status::StreamEnd || expected == Some(n) {
                return Ok(out);
            }
        }
    }
    // Broadcom: a 5-byte properties header, then the stream. sasquatch-style LZMA builds:
    // a bare stream (always starting with a zero byte) with lc=3, lp=0, pb=2.
    let mut last = String::from("neither zlib nor LZMA");
    if block.first().is_some_and(|&p| p <= 224) {
        match lzma_with_header(
            block.get(..5).unwrap_or(&[]),
            block.get(5..).unwrap_or(&[]),
            expected,
            max,
        ) {
            Ok(v) => return Ok(v),
            Err(e) => last = e,
        }
    }
    if block.first() == Some(&0) {
        let props = [0x5d, 0x00, 0x00, 0x80, 0x00];
        match lzma_with_header(&props, block, expected, max) {
            Ok(v) => return Ok(v),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Decodes `stream` as LZMA1 with the 5-byte `props` header and the size this variant
/// omits (the expected size when known, otherwise "unknown").
fn lzma_with_header(
    props: &[u8],
    stream: &[u8],
    expected: Option<usize>,
    max: usize,
) -> Result<Vec<u8>, String> {
    if props.len() != 5 {
        return Err("LZMA header truncated".into());
    }
    let size = expected.map_or(u64::MAX, |e| e as u64);
    let mut input = props.to_vec();
    input.extend_from_slice(&size.to_le_bytes());
    input.extend_from_slice(stream);
    let mut s = liblzma::stream::Stream::new_lzma_decoder(64 << 20).map_err(|e| e.to_string())?;
    let mut out = vec![0u8; max];
    let r = s.process(&input, &mut out, liblzma::stream::Action::Finish);
    let n = usize::try_from(s.total_out()).unwrap_or(0).min(max);
    out.truncate(n);
    match (r, expected) {
        (_, Some(e)) if n == e => Ok(out),
        (Ok(liblzma::stream::Status::StreamEnd), None) => Ok(out),
        (_, None) if n > 0 && usize::try_from(s.total_in()).unwrap_or(0) >= input.len() => Ok(out),
        (Err(e), _) => Err(format!("LZMA: {e}")),
        _ => Err(format!("block decoded to {n} bytes, expected {expected:?}")),
    }
}

/// Reads metadata blocks from `start` until `end` (or until a block fails).
fn table(ctx: &Ctx<'_>, b: &[u8], sb: &Sb, start: usize, end: usize) -> Result<Table, String> {
    let mut t = Table {
        buf: Vec::new(),
        blocks: HashMap::new(),
    };
    let mut pos = start;
    while pos < end {
        let hdr = if sb.le {
            read::u16le(b, pos)
        } else {
            read::u16be(b, pos)
        }
        .ok_or("metadata header truncated")?;
        let stored = hdr & 0x8000 != 0;
        let len = usize::from(hdr & 0x7fff);
        let data_at = pos + 2 + usize::from(sb.flags & 4 != 0);
        let raw = b
            .get(data_at..data_at + len)
            .ok_or("metadata block truncated")?;
        let block = if stored {
            raw.to_vec()
        } else {
            decompress(ctx, raw, None, METADATA_SIZE)?
        };
        t.blocks.insert(pos - start, t.buf.len());
        t.buf.extend_from_slice(&block);
        if len == 0 || t.buf.len() > 64 << 20 {
            break;
        }
        pos = data_at + len;
    }
    Ok(t)
}

fn superblock(b: &[u8]) -> Result<Sb, FormatError> {
    let le = b.get(..4) == Some(b"hsqs");
    let t = || FormatError::Truncated("squashfs v2 superblock");
    let u32r = |o| u32e(b, o, le).map(|v| v as usize).ok_or_else(t);
    let flags = *b.get(36).ok_or_else(t)?;
    let no_uids = usize::from(*b.get(37).ok_or_else(t)?);
    let no_gids = usize::from(*b.get(38).ok_or_else(t)?);
    let root = if le {
        read::u64le(b, 43)
    } else {
        read::u64be(b, 43)
    }
    .ok_or_else(t)?;
    let block_size = u32r(51)?;
    if !(4096..=1 << 20).contains(&block_size) {
        return Err(bad("squashfs v2 block size"));
    }
    let (uid_start, gid_start) = (u32r(12)?, u32r(16)?);
    let uids = (0..no_uids)
        .map(|i| u32e(b, uid_start + 4 * i, le).unwrap_or(0))
        .collect();
    let gids = (0..no_gids)
        .map(|i| u32e(b, gid_start + 4 * i, le).unwrap_or(0))
        .collect();
    Ok(Sb {
        le,
        flags,
        block_size,
        root,
        inode_start: u32r(20)?,
        dir_start: u32r(24)?,
        fragments: u32r(55)?,
        frag_index_start: u32r(59)?,
        uids,
        gids,
    })
}

struct Walker<'a, 'c, 'l> {
    ctx: &'c mut Ctx<'l>,
    b: &'a [u8],
    sb: Sb,
    inodes: Table,
    dirs: Table,
    fragments: Vec<(usize, u32)>,
    frag_cache: HashMap<usize, Vec<u8>>,
    tree: Tree,
    problems: Vec<Problem>,
    visited: HashSet<usize>,
    errors: usize,
}

impl Walker<'_, '_, '_> {
    fn problem(&mut self, msg: String) {
        self.errors += 1;
        if self.errors <= 20 {
            self.problems
                .push(Problem::new(ProblemKind::Malformed, None, msg));
        }
    }

    fn file(
        &mut self,
        ip: usize,
        size: usize,
        start: usize,
        fragment: u32,
        offset: usize,
    ) -> Result<Vec<u8>, String> {
        let bs = self.sb.block_size;
        let nblocks = if fragment == INVALID_FRAG {
            size.div_ceil(bs)
        } else {
            size / bs
        };
        self.ctx
            .charge_bytes(size as u64)
            .map_err(|_| "output limit".to_owned())?;
        let mut out = Vec::with_capacity(size.min(64 << 20));
        let mut disk = start;
        for i in 0..nblocks {
            let word =
                u32e(&self.inodes.buf, ip + 4 * i, self.sb.le).ok_or("block list truncated")?;
            let len = (word & !COMPRESSED_BIT_BLOCK) as usize;
            let want = bs.min(size.saturating_sub(out.len()));
            if len == 0 {
                out.resize(out.len() + want, 0);
                continue;
            }
            let raw = self
                .b
                .get(disk..disk + len)
                .ok_or("data block out of range")?;
            if word & COMPRESSED_BIT_BLOCK != 0 || self.sb.flags & 2 != 0 {
                out.extend_from_slice(raw.get(..want.min(raw.len())).unwrap_or(&[]));
            } else {
                let mut v = decompress(self.ctx, raw, Some(want), bs)?;
                v.truncate(want);
                out.extend_from_slice(&v);
            }
            disk += len;
        }
        if fragment != INVALID_FRAG && out.len() < size {
            let idx = fragment as usize;
            if !self.frag_cache.contains_key(&idx) {
                let &(fstart, fsize) = self
                    .fragments
                    .get(idx)
                    .ok_or("fragment index out of range")?;
                let len = (fsize & !COMPRESSED_BIT_BLOCK) as usize;
                let raw = self
                    .b
                    .get(fstart..fstart + len)
                    .ok_or("fragment out of range")?;
                let block = if fsize & COMPRESSED_BIT_BLOCK != 0 {
                    raw.to_vec()
                } else {
                    decompress(self.ctx, raw, None, bs)?
                };
                self.frag_cache.insert(idx, block);
            }
            let tail = size - out.len();
            let block = self.frag_cache.get(&idx).ok_or("fragment")?;
            out.extend_from_slice(
                block
                    .get(offset..offset + tail)
                    .ok_or("fragment tail out of range")?,
            );
        }
        Ok(out)
    }

    /// Adds the inode at `inode_ref` as `path`, recursing into directories.
    fn inode(&mut self, inode_ref: u64, path: &str, depth: usize) -> Result<(), Limit> {
        let block = usize::try_from(inode_ref >> 16).unwrap_or(usize::MAX);
        let Some(ip) = self.inodes.pos(block, (inode_ref & 0xffff) as usize) else {
            self.problem(format!(
                "{path}: inode reference {inode_ref:#x} outside the inode table"
            ));
            return Ok(());
        };
        let le = self.sb.le;
        let ib = self.inodes.buf.get(ip..).unwrap_or(&[]);
        let f = |pos, n| bits(ib, pos, n, le).map_or(0, |v| v as usize);
        let itype = f(0, 4);
        let uid = self.sb.uids.get(f(16, 8)).copied().unwrap_or(0);
        let gidx = f(24, 8);
        let gid = if gidx == 0xff {
            uid
        } else {
            self.sb.gids.get(gidx).copied().unwrap_or(0)
        };
        let mut meta = Meta {
            mode: u32::try_from(f(4, 12)).unwrap_or(0),
            uid,
            gid,
            mtime: 0,
        };
        let kind = match itype {
            1 | 8 => {
                let (size, offset, mtime, start) = if itype == 1 {
                    (f(32, 19), f(51, 13), f(64, 32), f(96, 24))
                } else {
                    (f(32, 27), f(59, 13), f(72, 32), f(104, 24))
                };
                meta.mtime = mtime as u64;
                if !path.is_empty() {
                    add_entry(
                        self.ctx,
                        &mut self.tree,
                        &mut self.problems,
                        path,
                        Kind::Dir,
                        meta,
                        ip,
                    )?;
                }
                if depth < MAX_DEPTH && self.visited.insert(ip) {
                    self.directory(start, offset, size, path, depth)?;
                }
                return Ok(());
            }
            2 => {
                meta.mtime = f(32, 32) as u64;
                let (start, fragment, offset, size) =
                    (f(64, 32), f(96, 32), f(128, 32), f(160, 32));
                match self.file(
                    ip + 24,
                    size,
                    start,
                    u32::try_from(fragment).unwrap_or(INVALID_FRAG),
                    offset,
                ) {
                    Ok(v) => Kind::File(Data::from_vec(v)),
                    Err(e) if e == "output limit" => return Err(Limit::Output),
                    Err(e) => {
                        self.problem(format!("{path}: {e}"));
                        Kind::File(Data::from_vec(Vec::new()))
                    }
                }
            }
            3 => {
                let n = f(32, 16);
                Kind::Symlink(crate::vfs::name_text(ib.get(6..6 + n).unwrap_or(&[])).into_owned())
            }
            4 | 5 => {
                let rdev = u32::try_from(f(32, 16)).unwrap_or(0);
                let (major, minor) = (rdev >> 8, rdev & 0xff);
                if itype == 4 {
                    Kind::BlockDevice { major, minor }
                } else {
                    Kind::CharDevice { major, minor }
                }
            }
            6 => Kind::Fifo,
            7 => Kind::Socket,
            _ => {
                self.problem(format!("{path}: unknown inode type {itype}"));
                return Ok(());
            }
        };
        add_entry(
            self.ctx,
            &mut self.tree,
            &mut self.problems,
            path,
            kind,
            meta,
            ip,
        )
    }

    fn directory(
        &mut self,
        start: usize,
        offset: usize,
        size: usize,
        path: &str,
        depth: usize,
    ) -> Result<(), Limit> {
        let Some(mut p) = self.dirs.pos(start, offset) else {
            self.problem(format!("{path}: directory outside the directory table"));
            return Ok(());
        };
        let end = p + size;
        let le = self.sb.le;
        while p + 4 <= end {
            let Some(hdr) = self.dirs.buf.get(p..p + 4) else {
                break;
            };
            let count = bits(hdr, 0, 8, le).unwrap_or(0) as usize + 1;
            let iblock = bits(hdr, 8, 24, le).unwrap_or(0);
            p += 4;
            for _ in 0..count {
                let Some(e) = self.dirs.buf.get(p..p + 3) else {
                    return Ok(());
                };
                let ioff = bits(e, 0, 13, le).unwrap_or(0);
                let nlen = bits(e, 16, 8, le).unwrap_or(0) as usize + 1;
                let name =
                    crate::vfs::name_text(self.dirs.buf.get(p + 3..p + 3 + nlen).unwrap_or(&[]))
                        .into_owned();
                p += 3 + nlen;
                if name.is_empty() || name == "." || name == ".." || name.contains('/') {
                    self.problem(format!("{path}: bad entry name {name:?}"));
                    continue;
                }
                let child = if path.is_empty() {
                    name
                } else {
                    format!("{path}/{name}")
                };
                self.inode((iblock << 16) | ioff, &child, depth + 1)?;
            }
        }
        Ok(())
    }
}

/// Extracts a SquashFS 2.x image (`b` is the whole chunk).
pub(crate) fn squashfs_v2(
    ctx: &mut Ctx<'_>,
    b: &[u8],
) -> Result<(Tree, Vec<Problem>), FormatError> {
    let sb = superblock(b)?;
    // The inode table ends where the directory table starts; the directory table ends at
    // the first fragment-table block, or at the uid table.
    let uid_start = u32e(b, 12, sb.le).map_or(b.len(), |v| v as usize);
    let mut frag_blocks = Vec::new();
    if sb.fragments > 0 && sb.flags & 16 == 0 {
        let n = (sb.fragments * 8).div_ceil(METADATA_SIZE);
        for i in 0..n.min(1024) {
            if let Some(p) = u32e(b, sb.frag_index_start + 4 * i, sb.le) {
                frag_blocks.push(p as usize);
            }
        }
    }
    let dir_end = frag_blocks
        .iter()
        .copied()
        .min()
        .unwrap_or(uid_start)
        .min(uid_start)
        .min(b.len());
    let inodes = table(ctx, b, &sb, sb.inode_start, sb.dir_start)
        .map_err(|e| bad(format!("squashfs v2 inode table: {e}")))?;
    let dirs = table(ctx, b, &sb, sb.dir_start, dir_end)
        .map_err(|e| bad(format!("squashfs v2 directory table: {e}")))?;
    let mut fragments = Vec::new();
    for &blk in &frag_blocks {
        if let Ok(t) = table(ctx, b, &sb, blk, blk + 1) {
            for e in t.buf.chunks_exact(8) {
                if let (Some(s), Some(z)) = (u32e(e, 0, sb.le), u32e(e, 4, sb.le)) {
                    fragments.push((s as usize, z));
                }
            }
        }
    }
    fragments.truncate(sb.fragments);
    let root = sb.root;
    let hops = ctx.limits.max_link_hops;
    let mut w = Walker {
        ctx,
        b,
        sb,
        inodes,
        dirs,
        fragments,
        frag_cache: HashMap::new(),
        tree: Tree::new(0, hops),
        problems: Vec::new(),
        visited: HashSet::new(),
        errors: 0,
    };
    if let Err(l) = w.inode(root, "", 0) {
        w.problems.push(l.problem(None, w.ctx.limits));
    }
    if w.errors > 20 {
        w.problems.push(Problem::new(
            ProblemKind::Malformed,
            None,
            format!("{} entries could not be read in total", w.errors),
        ));
    }
    if w.tree.is_empty() {
        return Err(bad("squashfs v2: empty or unreadable tree"));
    }
    Ok((w.tree, w.problems))
}
