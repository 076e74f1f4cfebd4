//! JFFS2, written here because no maintained crate reads it. The image is a log of nodes
//! (directory entries and inode data fragments) in erase blocks; the newest version of
//! each wins. Nodes are found by scanning for the magic with a valid header CRC; data is
//! none/zero/zlib/rtime/LZO/LZMA. Inodes and names are bounded by the entry budget, and a
//! directory cycle cannot loop the path builder.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::compress::inflate_zlib;
use super::{Chunk, Ctx, FormatError, Limit, Output, add_entry, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};
use crate::vfs::{Kind, Meta, Tree};

const DIRENT: u16 = 0xe001;
const INODE: u16 = 0xe002;
const MAX_NODE_DATA: usize = 1 << 20;

/// Checksum mismatches reported one by one; the rest are counted.
const MAX_SUM_PROBLEMS: usize = 20;

/// Report one CRC mismatch (field, offset, stored and computed value), or
/// only count it past [`MAX_SUM_PROBLEMS`].
fn crc_problem(
    problems: &mut Vec<Problem>,
    count: &mut usize,
    at: usize,
    field: &str,
    stored: u32,
    computed: u32,
) {
    *count += 1;
    if *count <= MAX_SUM_PROBLEMS {
        problems.push(Problem::new(
            ProblemKind::Checksum,
            Some(at as u64),
            format!("jffs2 {field}: stored {stored:#010x}, computed {computed:#010x}; used anyway"),
        ));
    }
}

/// Linux `crc32_le(0, …)`: the register starts at 0 and is not inverted at the end.
fn crc(b: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(0xffff_ffff);
    h.update(b);
    h.finalize() ^ 0xffff_ffff
}

struct Frag {
    version: u32,
    offset: usize,
    data: Vec<u8>,
    isize: usize,
    meta: Meta,
}

fn rtime(src: &[u8], dst_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(dst_len);
    let mut positions = [0usize; 256];
    let mut pos = 0usize;
    while out.len() < dst_len {
        let (Some(&value), Some(&repeat)) = (src.get(pos), src.get(pos + 1)) else {
            break;
        };
        pos += 2;
        let backoffs = positions[usize::from(value)];
        positions[usize::from(value)] = out.len() + 1;
        out.push(value);
        for i in 0..usize::from(repeat) {
            if out.len() >= dst_len {
                break;
            }
            let c = out.get(backoffs + i).copied().unwrap_or(0);
            out.push(c);
        }
    }
    out
}

fn decompress(ctx: &Ctx<'_>, compr: u8, src: &[u8], dsize: usize) -> Result<Vec<u8>, String> {
    match compr {
        0 => Ok(src.get(..dsize.min(src.len())).unwrap_or(&[]).to_vec()),
        1 => Ok(vec![0; dsize]),
        2 => Ok(rtime(src, dsize)),
        6 => {
            let mut c = Ctx::new(ctx.limits);
            inflate_zlib(&mut c, src, dsize)
        }
        7 => {
            let mut out = vec![0u8; dsize];
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
        8 => {
            // lc=0, lp=0, pb=0, 8 KiB dictionary, as the kernel's JFFS2 LZMA compressor.
            let mut input = vec![0u8, 0x00, 0x20, 0x00, 0x00];
            input.extend_from_slice(&(dsize as u64).to_le_bytes());
            input.extend_from_slice(src);
            let mut s =
                liblzma::stream::Stream::new_lzma_decoder(16 << 20).map_err(|e| e.to_string())?;
            let mut out = vec![0u8; dsize];
            let _ = s.process(&input, &mut out, liblzma::stream::Action::Finish);
            let n = usize::try_from(s.total_out()).unwrap_or(0);
            if n != dsize {
                return Err("LZMA block corrupt".into());
            }
            Ok(out)
        }
        other => Err(format!("compression type {other} not supported")),
    }
}

/// JFFS2 (either byte order) starting at the beginning of `data`.
pub(crate) fn jffs2(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let le = b.get(..2) == Some(&[0x85, 0x19][..]);
    let u16r = |o| {
        if le {
            read::u16le(b, o)
        } else {
            read::u16be(b, o)
        }
    };
    let u32r = |o| {
        if le {
            read::u32le(b, o)
        } else {
            read::u32be(b, o)
        }
    };
    let mut dirents: HashMap<(u32, String), (u32, u32)> = HashMap::new(); // (pino, name) -> (version, ino)
    let mut frags: HashMap<u32, Vec<Frag>> = HashMap::new();
    let mut problems = Vec::new();
    let mut pos = 0usize;
    let mut end = 0usize;
    let mut nodes = 0usize;
    let mut bad_crc = 0usize;
    let mut bad_sums = 0usize;
    let mut out_bytes = 0u64;
    let mut steps = 0usize;
    while pos + 12 <= b.len() {
        steps += 1;
        if steps.is_multiple_of(4096)
            && let Err(l) = ctx.check_time()
        {
            problems.push(l.problem(Some(pos as u64), ctx.limits));
            break;
        }
        if u16r(pos) != Some(0x1985) {
            // Skip erased space and garbage a word at a time; stop after a long gap.
            pos += 4;
            if pos > end + (1 << 20) && nodes > 0 {
                break;
            }
            continue;
        }
        let (Some(nodetype), Some(totlen), Some(hcrc)) =
            (u16r(pos + 2), u32r(pos + 4), u32r(pos + 8))
        else {
            break;
        };
        let totlen = totlen as usize;
        if crc(b.get(pos..pos + 8).unwrap_or(&[])) != hcrc || totlen < 12 || pos + totlen > b.len()
        {
            if nodes == 0 && pos == 0 {
                return Err(bad("jffs2 first node header CRC"));
            }
            bad_crc += 1;
            pos += 4;
            continue;
        }
        let node = b.get(pos..pos + totlen).unwrap_or(&[]);
        nodes += 1;
        match nodetype {
            DIRENT => {
                let f = |o| {
                    if le {
                        read::u32le(node, o)
                    } else {
                        read::u32be(node, o)
                    }
                };
                let (Some(pino), Some(version), Some(ino)) = (f(12), f(16), f(20)) else {
                    break;
                };
                let nsize = usize::from(node.get(28).copied().unwrap_or(0));
                if let (Some(stored), Some(head)) = (f(32), node.get(..32)) {
                    let computed = crc(head);
                    if stored != computed {
                        crc_problem(
                            &mut problems,
                            &mut bad_sums,
                            pos + 32,
                            "dirent node CRC",
                            stored,
                            computed,
                        );
                    }
                }
                if let (Some(stored), Some(name)) = (f(36), node.get(40..40 + nsize)) {
                    let computed = crc(name);
                    if stored != computed {
                        crc_problem(
                            &mut problems,
                            &mut bad_sums,
                            pos + 36,
                            "dirent name CRC",
                            stored,
                            computed,
                        );
                    }
                }
                let name =
                    crate::vfs::name_text(node.get(40..40 + nsize).unwrap_or(&[])).into_owned();
                let key = (pino, name);
                let newer = dirents.get(&key).is_none_or(|&(v, _)| version >= v);
                if newer {
                    dirents.insert(key, (version, ino));
                }
            }
            INODE => {
                let f = |o| {
                    if le {
                        read::u32le(node, o)
                    } else {
                        read::u32be(node, o)
                    }
                };
                let g = |o| {
                    if le {
                        read::u16le(node, o)
                    } else {
                        read::u16be(node, o)
                    }
                };
                let (Some(ino), Some(version), Some(mode), Some(uid), Some(gid), Some(isize)) =
                    (f(12), f(16), f(20), g(24), g(26), f(28))
                else {
                    break;
                };
                let (Some(mtime), Some(offset), Some(csize), Some(dsize)) =
                    (f(36), f(44), f(48), f(52))
                else {
                    break;
                };
                let compr = node.get(56).copied().unwrap_or(0);
                let (csize, dsize) = (csize as usize, dsize as usize);
                // The node CRC covers the inode fields, the data CRC the
                // (compressed) data; a mismatch is reported and the data
                // used anyway.
                if let (Some(stored), Some(head)) = (f(64), node.get(..60)) {
                    let computed = crc(head);
                    if stored != computed {
                        crc_problem(
                            &mut problems,
                            &mut bad_sums,
                            pos + 64,
                            "inode node CRC",
                            stored,
                            computed,
                        );
                    }
                }
                if let (Some(stored), Some(data)) = (f(60), node.get(68..68 + csize)) {
                    let computed = crc(data);
                    if stored != computed {
                        crc_problem(
                            &mut problems,
                            &mut bad_sums,
                            pos + 60,
                            "inode data CRC",
                            stored,
                            computed,
                        );
                    }
                }
                if dsize > MAX_NODE_DATA {
                    problems.push(Problem::new(
                        ProblemKind::Malformed,
                        Some(pos as u64),
                        "jffs2 node data too large",
                    ));
                } else {
                    out_bytes += dsize as u64;
                    if let Err(l) = ctx.charge_bytes(dsize as u64) {
                        problems.push(l.problem(Some(pos as u64), ctx.limits));
                        break;
                    }
                    let src = node.get(68..68 + csize).unwrap_or(&[]);
                    let content = match decompress(ctx, compr, src, dsize) {
                        Ok(v) => v,
                        Err(e) => {
                            problems.push(Problem::new(
                                ProblemKind::Malformed,
                                Some(pos as u64),
                                format!("inode {ino}: {e}"),
                            ));
                            vec![0; dsize]
                        }
                    };
                    let meta = Meta {
                        mode,
                        uid: u32::from(uid),
                        gid: u32::from(gid),
                        mtime: u64::from(mtime),
                    };
                    frags.entry(ino).or_default().push(Frag {
                        version,
                        offset: offset as usize,
                        data: content,
                        isize: isize as usize,
                        meta,
                    });
                }
            }
            _ => {}
        }
        pos += totlen.div_ceil(4) * 4;
        end = pos;
    }
    if nodes == 0 {
        return Err(bad("jffs2: no node"));
    }
    if bad_sums > MAX_SUM_PROBLEMS {
        problems.push(Problem::new(
            ProblemKind::Checksum,
            None,
            format!(
                "{} more jffs2 node, data or name CRC mismatches (used anyway)",
                bad_sums - MAX_SUM_PROBLEMS
            ),
        ));
    }
    if bad_crc > 0 {
        problems.push(Problem::new(
            ProblemKind::Checksum,
            None,
            format!("{bad_crc} jffs2 node headers with a bad CRC skipped"),
        ));
    }
    // Children by parent inode; a dirent with ino 0 is a deletion.
    let mut children: BTreeMap<u32, Vec<(String, u32)>> = BTreeMap::new();
    for ((pino, name), (_, ino)) in dirents {
        if ino != 0 && !name.is_empty() && !name.contains('/') && name != "." && name != ".." {
            children.entry(pino).or_default().push((name, ino));
        }
    }
    for parts in frags.values_mut() {
        parts.sort_by_key(|f| f.version);
    }
    let mut tree = Tree::new(0, ctx.limits.max_link_hops);
    let mut stack = vec![(1u32, String::new())];
    let mut seen = HashSet::new();
    let mut stopped: Option<Limit> = None;
    'outer: while let Some((dir, path)) = stack.pop() {
        if !seen.insert(dir) {
            continue;
        }
        for (name, ino) in children.get(&dir).cloned().unwrap_or_default() {
            let child = if path.is_empty() {
                name
            } else {
                format!("{path}/{name}")
            };
            // Hard links: several directory entries share one inode, so the fragments stay.
            let parts = frags.get(&ino).map_or(&[][..], Vec::as_slice);
            let last = parts.last();
            let mode = last.map_or(0, |f| f.meta.mode);
            let isize = last.map_or(0, |f| f.isize).min(64 << 20);
            // The recorded size, not the data present, decides the allocation: charge it.
            if let Err(l) = ctx.charge_bytes(isize as u64) {
                stopped = Some(l);
                break 'outer;
            }
            let meta = last.map_or(Meta::default(), |f| Meta {
                mode: mode & 0o7777,
                ..f.meta
            });
            let mut content = vec![0u8; isize];
            for f in parts {
                let end = (f.offset + f.data.len()).min(isize);
                if f.offset < end
                    && let (Some(dst), Some(src)) =
                        (content.get_mut(f.offset..end), f.data.get(..end - f.offset))
                {
                    dst.copy_from_slice(src);
                }
            }
            let dev = || {
                let raw = parts
                    .iter()
                    .rev()
                    .find(|f| !f.data.is_empty())
                    .map(|f| f.data.clone())
                    .unwrap_or_default();
                let v = match raw.len() {
                    2 => u32::from(
                        if le {
                            read::u16le(&raw, 0)
                        } else {
                            read::u16be(&raw, 0)
                        }
                        .unwrap_or(0),
                    ),
                    _ => if le {
                        read::u32le(&raw, 0)
                    } else {
                        read::u32be(&raw, 0)
                    }
                    .unwrap_or(0),
                };
                ((v >> 8) & 0xfff, (v & 0xff) | ((v >> 12) & 0xfff00))
            };
            let kind = match mode & 0o170_000 {
                0o040_000 => {
                    stack.push((ino, child.clone()));
                    Kind::Dir
                }
                0o120_000 => Kind::Symlink(crate::vfs::name_text(&content).into_owned()),
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
                _ => Kind::File(Data::from_vec(content)),
            };
            if let Err(l) = add_entry(ctx, &mut tree, &mut problems, &child, kind, meta, 0) {
                stopped = Some(l);
                break 'outer;
            }
        }
    }
    if let Some(l) = stopped {
        problems.push(l.problem(None, ctx.limits));
    }
    let _ = out_bytes;
    let mut c = Chunk::new("jffs2", end.min(b.len()), Output::Tree(tree));
    c.detail = Some(if le { "le".into() } else { "be".into() });
    c.problems = problems;
    Ok(c)
}
