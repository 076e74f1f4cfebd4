//! The layer walk: signature scan, validation by parsing, overlap resolution, unknown
//! regions with entropy, and recursion into payloads.

use aho_corasick::AhoCorasick;

use crate::data::Data;
use crate::formats::{Chunk, Ctx, Format, Output, SIGNATURES};
use crate::model::{Layer, Options, Problem, ProblemKind, Region, Unpacked};
use crate::vfs::{Kind, Meta, Tree};

/// Most problems kept per layer; the rest are counted in one summary problem.
const MAX_PROBLEMS: usize = 200;
/// Most unknown regions kept per layer.
const MAX_REGIONS: usize = 1000;

pub(crate) struct Engine<'o> {
    ctx: Ctx<'o>,
    opts: &'o Options,
    ac: Option<AhoCorasick>,
    pub(crate) out: Unpacked,
}

/// Shannon entropy in bits per byte.
pub(crate) fn entropy(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let mut counts = [0u64; 256];
    for &c in b {
        if let Some(slot) = counts.get_mut(usize::from(c)) {
            *slot += 1;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let n = b.len() as f64;
    let e: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            #[allow(clippy::cast_precision_loss)]
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum();
    // `+ 0.0` turns a negative zero into zero.
    ((e * 1000.0).round() / 1000.0).max(0.0) + 0.0
}

impl<'o> Engine<'o> {
    pub(crate) fn new(opts: &'o Options, input_size: u64) -> Self {
        let ac = AhoCorasick::new(SIGNATURES.iter().map(|(m, _, _)| *m)).ok();
        Self {
            ctx: Ctx::new(&opts.limits),
            opts,
            ac,
            out: Unpacked::empty(input_size),
        }
    }

    /// Runs the walk over the input.
    pub(crate) fn run(mut self, input: &Data) -> Unpacked {
        self.out.layers.push(Layer {
            format: "input".into(),
            detail: None,
            offset: 0,
            size: input.len() as u64,
            parent: None,
            depth: 0,
            tree: None,
            output_bytes: 0,
            unknown: Vec::new(),
            problems: Vec::new(),
        });
        self.process(input, 0, 0);
        self.out.recount();
        self.out
    }

    fn problem(&mut self, layer: usize, p: Problem) {
        if let Some(l) = self.out.layers.get_mut(layer) {
            if l.problems.len() < MAX_PROBLEMS {
                l.problems.push(p);
            } else if l.problems.len() == MAX_PROBLEMS {
                l.problems.push(Problem::new(
                    p.kind,
                    None,
                    "further problems in this layer not listed",
                ));
            }
        }
    }

    /// Signature hits as (chunk start, format), sorted, one per (start, format).
    fn hits(&self, b: &[u8]) -> Vec<(usize, Format)> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let mut hits: Vec<(usize, usize, Format)> = ac
            .find_overlapping_iter(b)
            .filter_map(|m| {
                let (_, delta, fmt) = SIGNATURES.get(m.pattern().as_usize())?;
                Some((m.start().checked_sub(*delta)?, m.pattern().as_usize(), *fmt))
            })
            .collect();
        hits.sort_unstable_by_key(|&(s, p, _)| (s, p));
        hits.dedup_by_key(|&mut (s, _, f)| (s, f));
        hits.into_iter().map(|(s, _, f)| (s, f)).collect()
    }

    /// Scans `data` (the payload of `layer`) and extracts every chunk found; returns
    /// whether the chunks cover all of it except padding.
    fn process(&mut self, data: &Data, layer: usize, depth: u32) -> bool {
        let b = data.as_slice();
        let mut cursor = 0usize;
        let mut covered: Vec<(usize, usize)> = Vec::new();
        for (start, fmt) in self.hits(b) {
            if start < cursor {
                continue;
            }
            if self.out.layers.len() >= self.opts.limits.max_layers {
                let p = Problem::new(
                    ProblemKind::LimitLayers,
                    Some(start as u64),
                    format!("layer limit of {} reached", self.opts.limits.max_layers),
                );
                self.problem(layer, p);
                break;
            }
            let saved = self.ctx.start_layer();
            let sub = data.slice(start..b.len());
            let result = fmt.extract(&mut self.ctx, &sub);
            self.ctx.restore(saved);
            let Ok(chunk) = result else { continue };
            let size = chunk.size.clamp(1, sub.len().max(1));
            let bytes = sub.slice(0..size);
            self.add_chunk(chunk, &bytes, start, layer, depth + 1);
            covered.push((start, start + size));
            cursor = start + size;
        }
        // Unknown regions between chunks.
        let mut gaps = Vec::new();
        let mut at = 0usize;
        for &(s, e) in covered.iter().chain(std::iter::once(&(b.len(), b.len()))) {
            if s > at {
                gaps.push((at, s));
            }
            at = at.max(e);
        }
        let mut only_padding = true;
        for (s, e) in gaps {
            let bytes = b.get(s..e).unwrap_or(&[]);
            if !bytes.iter().all(|&c| c == 0 || c == 0xff) {
                only_padding = false;
            }
            if let Some(l) = self.out.layers.get_mut(layer)
                && l.unknown.len() < MAX_REGIONS
            {
                l.unknown.push(Region {
                    offset: s as u64,
                    size: (e - s) as u64,
                    entropy: entropy(bytes),
                });
            }
        }
        !covered.is_empty() && only_padding
    }

    fn new_layer(
        &mut self,
        chunk_format: &str,
        detail: Option<String>,
        offset: usize,
        size: usize,
        parent: usize,
        depth: u32,
    ) -> usize {
        let idx = self.out.layers.len();
        self.out.layers.push(Layer {
            format: chunk_format.to_owned(),
            detail,
            offset: offset as u64,
            size: size as u64,
            parent: Some(parent),
            depth,
            tree: None,
            output_bytes: 0,
            unknown: Vec::new(),
            problems: Vec::new(),
        });
        idx
    }

    fn add_tree(&mut self, layer: usize, mut tree: Tree) {
        tree.layer = layer;
        let t = self.out.trees.len();
        if let Some(l) = self.out.layers.get_mut(layer) {
            l.tree = Some(t);
            l.output_bytes = tree.counts().bytes;
        }
        self.out.trees.push(tree);
    }

    /// Records a validated chunk (`bytes` are exactly its bytes) and what it holds.
    fn add_chunk(&mut self, chunk: Chunk, bytes: &Data, offset: usize, parent: usize, depth: u32) {
        let idx = self.new_layer(
            chunk.format,
            chunk.detail,
            offset,
            bytes.len(),
            parent,
            depth,
        );
        for p in chunk.problems {
            self.problem(idx, p);
        }
        match chunk.output {
            Output::Nothing => {}
            Output::Carved { name } => {
                let mut tree = Tree::new(idx, self.opts.limits.max_link_hops);
                let meta = Meta {
                    mode: 0o644,
                    ..Meta::default()
                };
                tree.insert(&name, Kind::File(bytes.clone()), meta);
                self.add_tree(idx, tree);
            }
            Output::Tree(tree) => {
                let nested: Vec<(String, Data)> = if self.opts.scan_files {
                    tree.walk()
                        .filter_map(|(path, _, n)| match &n.kind {
                            Kind::File(d) if self.starts_with_signature(d.as_slice()) => {
                                Some((path, d.clone()))
                            }
                            _ => None,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                self.add_tree(idx, tree);
                for (path, d) in nested {
                    let sub = self.new_layer("file", Some(path), 0, d.len(), idx, depth + 1);
                    self.payload(&d, sub, depth + 1, None);
                }
            }
            Output::Stream { data, name } => {
                if let Some(l) = self.out.layers.get_mut(idx) {
                    l.output_bytes = data.len() as u64;
                }
                let name = name.unwrap_or_else(|| format!("{}.out", chunk.format));
                self.payload(&data, idx, depth, Some(name));
            }
            Output::Parts(parts) => {
                for (name, off, d) in parts {
                    let sub =
                        self.new_layer("part", Some(name.clone()), off, d.len(), idx, depth + 1);
                    if let Some(l) = self.out.layers.get_mut(sub) {
                        l.output_bytes = d.len() as u64;
                    }
                    self.payload(&d, sub, depth + 1, Some(name));
                }
            }
        }
    }

    /// Whether a file of a tree is worth scanning for nested formats. Formats that
    /// are only carved (images, documents) are not: the file already is that chunk.
    fn starts_with_signature(&self, b: &[u8]) -> bool {
        SIGNATURES.iter().any(|(m, delta, f)| {
            !f.carve_only() && b.get(*delta..).is_some_and(|r| r.starts_with(m))
        })
    }

    /// Scans a payload of `layer`; keeps it as a one-file tree unless chunks cover it.
    fn payload(&mut self, data: &Data, layer: usize, depth: u32, name: Option<String>) {
        let covered = if depth >= self.opts.limits.max_depth {
            let p = Problem::new(
                ProblemKind::LimitDepth,
                None,
                format!(
                    "depth limit of {} reached; payload not scanned",
                    self.opts.limits.max_depth
                ),
            );
            self.problem(layer, p);
            false
        } else {
            self.process(data, layer, depth)
        };
        if !covered && let Some(name) = name {
            let mut tree = Tree::new(layer, self.opts.limits.max_link_hops);
            let safe = name.replace('/', "_");
            let safe = if safe.is_empty() || safe == "." || safe == ".." {
                "data".to_owned()
            } else {
                safe
            };
            tree.insert(
                &safe,
                Kind::File(data.clone()),
                Meta {
                    mode: 0o644,
                    ..Meta::default()
                },
            );
            self.add_tree(layer, tree);
        }
    }
}
