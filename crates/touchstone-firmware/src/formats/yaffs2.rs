//! YAFFS2 NAND images (page data followed by the spare area holding the packed tags),
//! written here because no crate reads them. The page size, spare size, tag position and
//! byte order are not recorded in the image: the candidates are tried on the first chunk,
//! which must be an object header whose tags carry a plausible sequence number. The
//! newest sequence number wins for each object header and each data chunk.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Chunk, Ctx, FormatError, Limit, Output, add_entry, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};
use crate::vfs::{Kind, Meta, Tree};

const LAYOUTS: [(usize, usize); 4] = [(2048, 64), (4096, 128), (512, 16), (8192, 256)];
const EXTRA_HEADER_INFO: u32 = 0x8000_0000;
const ROOT: u32 = 1;
/// Sequence numbers start at 0x1000 and grow by one per erase block written.
const SEQ: std::ops::Range<u32> = 0x1000..0x0100_0000;
/// Object ids are 18 bits wide.
const MAX_OBJ: u32 = 0x3_ffff;

#[derive(Clone, Copy)]
struct Geometry {
    page: usize,
    spare: usize,
    tags_at: usize,
    le: bool,
}

struct Tags {
    seq: u32,
    obj: u32,
    chunk: u32,
    bytes: u32,
}

impl Geometry {
    fn u32(&self, b: &[u8], off: usize) -> Option<u32> {
        if self.le {
            read::u32le(b, off)
        } else {
            read::u32be(b, off)
        }
    }

    fn tags(&self, b: &[u8], chunk: usize) -> Option<Tags> {
        let at = chunk.checked_mul(self.page + self.spare)? + self.page + self.tags_at;
        let t = Tags {
            seq: self.u32(b, at)?,
            obj: self.u32(b, at + 4)?,
            chunk: self.u32(b, at + 8)?,
            bytes: self.u32(b, at + 12)?,
        };
        if t.seq == 0xffff_ffff || t.obj == 0xffff_ffff {
            None
        } else {
            Some(t)
        }
    }
}

fn plausible_header(g: &Geometry, b: &[u8]) -> bool {
    let Some(t) = g.tags(b, 0) else { return false };
    let is_header = t.chunk == 0 || t.chunk & EXTRA_HEADER_INFO != 0;
    let otype = g.u32(b, 0).unwrap_or(0);
    SEQ.contains(&t.seq)
        && is_header
        && (1..=5).contains(&otype)
        && (1..=MAX_OBJ).contains(&(t.obj & 0x0fff_ffff))
}

struct Object {
    seq: u32,
    otype: u32,
    parent: u32,
    name: String,
    meta: Meta,
    full_mode: u32,
    size: u64,
    equiv: u32,
    alias: String,
    rdev: u32,
}

/// YAFFS2 starting at the beginning of `data`.
pub(crate) fn yaffs2(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let g = LAYOUTS
        .iter()
        .flat_map(|&(page, spare)| {
            [(0, true), (2, true), (0, false), (2, false)].map(|(tags_at, le)| Geometry {
                page,
                spare,
                tags_at,
                le,
            })
        })
        .find(|g| plausible_header(g, b))
        .ok_or_else(|| bad("yaffs2: no plausible first object header"))?;
    let stride = g.page + g.spare;
    let nchunks = b.len() / stride;
    let mut objects: HashMap<u32, Object> = HashMap::new();
    let mut chunks: HashMap<(u32, u32), (u32, usize, usize)> = HashMap::new(); // (obj, chunk) -> (seq, offset, bytes)
    let mut problems = Vec::new();
    let mut end = 0usize;
    for i in 0..nchunks {
        if i % 1024 == 0 && ctx.check_time().is_err() {
            problems.push(Limit::Time.problem(Some((i * stride) as u64), ctx.limits));
            break;
        }
        let Some(t) = g.tags(b, i) else { continue };
        if !SEQ.contains(&t.seq) {
            continue;
        }
        end = (i + 1) * stride;
        let page_at = i * stride;
        let obj = t.obj & 0x0fff_ffff;
        if t.chunk == 0 || t.chunk & EXTRA_HEADER_INFO != 0 {
            let h = b.get(page_at..page_at + g.page).unwrap_or(&[]);
            let f = |o| g.u32(h, o).unwrap_or(0);
            let size_hi = f(0x1f0);
            let size = u64::from(f(292))
                | if size_hi == 0xffff_ffff {
                    0
                } else {
                    u64::from(size_hi) << 32
                };
            let o = Object {
                seq: t.seq,
                otype: f(0),
                parent: f(4),
                name: read::cstr(h, 10, 256).unwrap_or_default(),
                meta: Meta {
                    mode: f(268) & 0o7777,
                    uid: f(272),
                    gid: f(276),
                    mtime: u64::from(f(284)),
                },
                full_mode: f(268),
                size,
                equiv: f(296),
                alias: read::cstr(h, 300, 160).unwrap_or_default(),
                rdev: f(460),
            };
            if objects.get(&obj).is_none_or(|old| o.seq >= old.seq) {
                objects.insert(obj, o);
            }
        } else {
            let key = (obj, t.chunk);
            if chunks.get(&key).is_none_or(|&(s, _, _)| t.seq >= s) {
                chunks.insert(key, (t.seq, page_at, (t.bytes as usize).min(g.page)));
            }
        }
    }
    if objects.is_empty() {
        return Err(bad("yaffs2: no object header"));
    }
    // Paths: follow parents up to the root, refusing cycles and deleted objects.
    let path_of = |id: u32| -> Option<String> {
        let mut parts = Vec::new();
        let mut cur = id;
        let mut seen = HashSet::new();
        while cur != ROOT {
            if !seen.insert(cur) || parts.len() > 256 {
                return None;
            }
            let o = objects.get(&cur)?;
            if o.name.is_empty() || o.name.contains('/') || o.name == "." || o.name == ".." {
                return None;
            }
            parts.push(o.name.clone());
            cur = o.parent;
        }
        parts.reverse();
        Some(parts.join("/"))
    };
    let mut by_path: BTreeMap<String, u32> = BTreeMap::new();
    for (&id, o) in &objects {
        if id == ROOT || o.parent == 3 || o.parent == 4 {
            continue; // root, unlinked, deleted
        }
        match path_of(id) {
            Some(p) => {
                by_path.insert(p, id);
            }
            None => problems.push(Problem::new(
                ProblemKind::Malformed,
                None,
                format!("yaffs2 object {id} has no path to the root"),
            )),
        }
    }
    let mut tree = Tree::new(0, ctx.limits.max_link_hops);
    let mut stopped = None;
    for (path, id) in &by_path {
        let Some(o) = objects.get(id) else { continue };
        let kind = match o.otype {
            1 => match file_content(ctx, b, &chunks, *id, o.size, g.page) {
                Ok(v) => Kind::File(Data::from_vec(v)),
                Err(l) => {
                    stopped = Some(l);
                    break;
                }
            },
            2 => Kind::Symlink(o.alias.clone()),
            3 => Kind::Dir,
            4 => match objects
                .get(&o.equiv)
                .and_then(|t| (t.otype == 1).then_some(t))
            {
                Some(t) => match file_content(ctx, b, &chunks, o.equiv, t.size, g.page) {
                    Ok(v) => Kind::File(Data::from_vec(v)),
                    Err(l) => {
                        stopped = Some(l);
                        break;
                    }
                },
                None => continue,
            },
            5 => {
                let (major, minor) = (
                    (o.rdev >> 8) & 0xfff,
                    (o.rdev & 0xff) | ((o.rdev >> 12) & 0xfff00),
                );
                match o.full_mode & 0o170_000 {
                    0o020_000 => Kind::CharDevice { major, minor },
                    0o060_000 => Kind::BlockDevice { major, minor },
                    0o010_000 => Kind::Fifo,
                    _ => Kind::Socket,
                }
            }
            _ => continue,
        };
        if let Err(l) = add_entry(ctx, &mut tree, &mut problems, path, kind, o.meta, 0) {
            stopped = Some(l);
            break;
        }
    }
    if let Some(l) = stopped {
        problems.push(l.problem(None, ctx.limits));
    }
    let mut c = Chunk::new("yaffs2", end.max(stride).min(b.len()), Output::Tree(tree));
    c.detail = Some(format!(
        "{}+{} {}",
        g.page,
        g.spare,
        if g.le { "le" } else { "be" }
    ));
    c.problems = problems;
    Ok(c)
}

fn file_content(
    ctx: &mut Ctx<'_>,
    b: &[u8],
    chunks: &HashMap<(u32, u32), (u32, usize, usize)>,
    id: u32,
    size: u64,
    page: usize,
) -> Result<Vec<u8>, Limit> {
    let size = usize::try_from(size).unwrap_or(usize::MAX).min(64 << 20);
    ctx.charge_bytes(size as u64)?;
    let mut out = vec![0u8; size];
    let n = size.div_ceil(page.max(1));
    for c in 0..n {
        let Some(&(_, at, bytes)) = chunks.get(&(id, u32::try_from(c + 1).unwrap_or(u32::MAX)))
        else {
            continue;
        };
        let start = c * page;
        let len = bytes.min(size.saturating_sub(start));
        if let (Some(dst), Some(src)) = (out.get_mut(start..start + len), b.get(at..at + len)) {
            dst.copy_from_slice(src);
        }
    }
    Ok(out)
}
