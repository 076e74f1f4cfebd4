//! The layer walk: signature scan, validation by parsing, overlap resolution, unknown
//! regions with entropy, and recursion into payloads.

use aho_corasick::AhoCorasick;

use crate::data::Data;
use crate::formats::{Chunk, Ctx, Format, FormatError, Output, SIGNATURES};
use crate::model::{Layer, Options, Problem, ProblemKind, Region, Unpacked};
use crate::vfs::{Kind, Meta, Tree};

/// Most problems kept per layer; the rest are counted in one summary problem.
const MAX_PROBLEMS: usize = 200;
/// Most unknown regions kept per layer.
const MAX_REGIONS: usize = 1000;
/// Failed matches of one format, each within [`DENSE_GAP`] of the last, after which
/// further matches of that format in the same run are counted instead of tried.
const DENSE_RUN: u32 = 1024;
/// Bytes between two matches of one format for them to count as one dense run.
const DENSE_GAP: usize = 512;

/// A run of matches of one format not tried.
#[derive(Debug, Clone, Copy)]
struct DenseRegion {
    start: usize,
    last: usize,
    skipped: u64,
}

#[derive(Debug, Default)]
struct Dense {
    last_fail: usize,
    run: u32,
    region: Option<DenseRegion>,
}

/// The state of the signature scan of one layer.
#[derive(Debug, Default)]
struct Scan {
    cursor: usize,
    covered: Vec<(usize, usize)>,
    /// Candidates (chunk start, pattern) not yet tried, all within the look-back window.
    pending: std::collections::BTreeSet<(usize, usize)>,
    last_tried: Option<(usize, Format)>,
    dense: std::collections::BTreeMap<Format, Dense>,
    /// Where the search continues after a periodic dense run.
    jump: Option<usize>,
    stopped: bool,
}

/// The end of the run from `start` in which every byte equals the one `period` before
/// it (from `start + period` on); `start` when there is no such run.
fn periodic_end(b: &[u8], start: usize, period: usize) -> usize {
    if period == 0 {
        return start;
    }
    let Some(tail) = b.get(start..) else {
        return start;
    };
    let same = tail
        .iter()
        .zip(tail.iter().skip(period))
        .take_while(|(x, y)| x == y)
        .count();
    start + same + period
}

pub(crate) struct Engine<'o> {
    ctx: Ctx<'o>,
    opts: &'o Options,
    ac: Option<AhoCorasick>,
    /// Bytes between a chunk start and the end of its magic, at most.
    lookback: usize,
    /// Contents already unpacked as a nested file layer (by identity).
    seen_files: std::collections::HashSet<(usize, usize, usize)>,
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
            lookback: SIGNATURES
                .iter()
                .map(|(m, delta, _)| m.len() + delta)
                .max()
                .unwrap_or(0)
                + 1,
            seen_files: std::collections::HashSet::new(),
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
        self.out.summarise_incomplete();
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

    /// Scans `data` (the payload of `layer`) and extracts every chunk found; returns
    /// whether the chunks cover all of it except padding.
    ///
    /// The signature scan is streamed: matches are validated in offset order as the
    /// automaton finds them, holding only the candidates of the last
    /// [`Engine::lookback`] bytes; after an accepted chunk the search restarts at its
    /// end. A run of matches of one format that all fail to validate (64 MiB of `BM`)
    /// is collapsed into one problem, and once a run-wide limit is spent the layer ends.
    fn process(&mut self, data: &Data, layer: usize, depth: u32) -> bool {
        let b = data.as_slice();
        let mut scan = Scan::default();
        let lookback = self.lookback;
        let Some(ac) = self.ac.clone() else {
            return false;
        };
        let mut search_from = 0usize;
        'search: while search_from < b.len() && !scan.stopped {
            let input = aho_corasick::Input::new(b).range(search_from..);
            let mut restart = None;
            for m in ac.find_overlapping_iter(input) {
                let pattern = m.pattern().as_usize();
                if let Some((_, delta, fmt)) = SIGNATURES.get(pattern)
                    && let Some(start) = m.start().checked_sub(*delta)
                    && start >= scan.cursor
                {
                    // Inside a dense run of this format: count it, nothing more.
                    let skipped = scan
                        .dense
                        .get_mut(fmt)
                        .and_then(|d| d.region.as_mut())
                        .is_some_and(|r| {
                            if start.saturating_sub(r.last) <= DENSE_GAP {
                                r.last = r.last.max(start);
                                r.skipped += 1;
                                true
                            } else {
                                false
                            }
                        });
                    if !skipped {
                        scan.pending.insert((start, pattern));
                    }
                }
                let horizon = m.end().saturating_sub(lookback);
                while let Some(&(start, pattern)) = scan.pending.first()
                    && start < horizon
                {
                    scan.pending.pop_first();
                    self.candidate(data, layer, depth, &mut scan, start, pattern);
                    if scan.stopped {
                        break 'search;
                    }
                    if scan.cursor > m.end() {
                        restart = Some(scan.cursor);
                        break;
                    }
                    if let Some(to) = scan.jump.take()
                        && to > m.end()
                    {
                        restart = Some(to);
                        break;
                    }
                }
                if restart.is_some() {
                    break;
                }
            }
            match restart {
                Some(r) => {
                    scan.pending.clear();
                    search_from = r;
                }
                None => {
                    while let Some((start, pattern)) = scan.pending.pop_first() {
                        self.candidate(data, layer, depth, &mut scan, start, pattern);
                        if scan.stopped {
                            break;
                        }
                    }
                    break;
                }
            }
        }
        let dense: Vec<(Format, DenseRegion)> = std::mem::take(&mut scan.dense)
            .into_iter()
            .filter_map(|(f, d)| d.region.map(|r| (f, r)))
            .collect();
        for (fmt, r) in dense {
            self.dense_problem(layer, fmt, r);
        }
        let covered = std::mem::take(&mut scan.covered);
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

    fn dense_problem(&mut self, layer: usize, fmt: Format, r: DenseRegion) {
        let p = Problem::new(
            ProblemKind::DenseSignatures,
            Some(r.start as u64),
            format!(
                "{} further {} signatures in {:#x}..={:#x} not tried: the region is dense with matches that do not validate",
                r.skipped,
                fmt.name(),
                r.start,
                r.last
            ),
        );
        self.problem(layer, p);
    }

    /// Tries one candidate chunk start.
    fn candidate(
        &mut self,
        data: &Data,
        layer: usize,
        depth: u32,
        scan: &mut Scan,
        start: usize,
        pattern: usize,
    ) {
        let Some(&(_, _, fmt)) = SIGNATURES.get(pattern) else {
            return;
        };
        if start < scan.cursor || scan.last_tried == Some((start, fmt)) {
            return;
        }
        scan.last_tried = Some((start, fmt));
        // A dense run of failing matches of this format: count, do not try.
        let state = scan.dense.entry(fmt).or_default();
        if let Some(r) = &mut state.region {
            if start.saturating_sub(r.last) <= DENSE_GAP {
                r.last = start;
                r.skipped += 1;
                return;
            }
            let r = *r;
            state.region = None;
            state.run = 0;
            self.dense_problem(layer, fmt, r);
        }
        if let Some(limit) = self.ctx.exhausted() {
            let p = limit.problem(Some(start as u64), &self.opts.limits);
            let p = Problem::new(
                p.kind,
                p.offset,
                format!(
                    "{}; the rest of this layer from {start:#x} was not scanned",
                    p.message
                ),
            );
            self.problem(layer, p);
            scan.stopped = true;
            return;
        }
        if self.out.layers.len() >= self.opts.limits.max_layers {
            let p = Problem::new(
                ProblemKind::LimitLayers,
                Some(start as u64),
                format!("layer limit of {} reached", self.opts.limits.max_layers),
            );
            self.problem(layer, p);
            scan.stopped = true;
            return;
        }
        let b = data.as_slice();
        let saved = self.ctx.start_layer();
        let sub = data.slice(start..b.len());
        let result = fmt.extract(&mut self.ctx, &sub);
        self.ctx.restore(saved);
        let chunk = match result {
            Ok(chunk) => chunk,
            Err(e) => {
                match e {
                    FormatError::Refused(why) => {
                        let p = Problem::new(
                            ProblemKind::Refused,
                            Some(start as u64),
                            format!(
                                "{} header at {start:#x} is valid but its body was refused: {why}",
                                fmt.name()
                            ),
                        );
                        self.problem(layer, p);
                    }
                    FormatError::Limit(l) => {
                        let mut p = l.problem(Some(start as u64), &self.opts.limits);
                        p.message = format!("{} at {start:#x}: {}", fmt.name(), p.message);
                        self.problem(layer, p);
                    }
                    FormatError::Truncated(_) | FormatError::Malformed(_) => {}
                }
                let state = scan.dense.entry(fmt).or_default();
                let period = start.saturating_sub(state.last_fail);
                if period <= DENSE_GAP && state.run > 0 {
                    state.run += 1;
                } else {
                    state.run = 1;
                }
                state.last_fail = start;
                if state.run >= DENSE_RUN {
                    let mut region = DenseRegion {
                        start,
                        last: start,
                        skipped: 0,
                    };
                    // A strictly periodic run (the same bytes repeated, as in 64 MiB of
                    // `BM`) holds nothing but these failing matches: measure it with one
                    // byte comparison per position and continue the search after it.
                    // Two magics of one format (JFFS2 in both byte orders) interleave, so
                    // the distance between failures may be shorter than the period.
                    let end = std::iter::once(period)
                        .chain(1..=16)
                        .map(|p| periodic_end(data.as_slice(), start, p))
                        .max()
                        .unwrap_or(start);
                    if end > start.saturating_add(2 * self.lookback) {
                        region.skipped = ((end - start) / period.max(1)) as u64;
                        region.last = end;
                        scan.jump = Some(end.saturating_sub(self.lookback));
                    }
                    state.region = Some(region);
                }
                return;
            }
        };
        if let Some(state) = scan.dense.get_mut(&fmt) {
            state.run = 0;
        }
        let size = chunk.size.clamp(1, sub.len().max(1));
        let bytes = sub.slice(0..size);
        self.add_chunk(chunk, &bytes, start, layer, depth + 1);
        scan.covered.push((start, start + size));
        scan.cursor = start + size;
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
                    tree.nodes()
                        .filter_map(|(id, n)| match &n.kind {
                            Kind::File(d) if self.starts_with_signature(d.as_slice()) => {
                                Some((tree.path_of(id), d.clone()))
                            }
                            _ => None,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                self.add_tree(idx, tree);
                for (path, d) in nested {
                    // Hard links and files sharing one content are unpacked once.
                    if !self.seen_files.insert(d.identity()) {
                        continue;
                    }
                    if self.out.layers.len() >= self.opts.limits.max_layers {
                        let p = Problem::new(
                            ProblemKind::LimitLayers,
                            None,
                            format!(
                                "layer limit of {} reached; {path} not unpacked",
                                self.opts.limits.max_layers
                            ),
                        )
                        .at(path);
                        self.problem(idx, p);
                        break;
                    }
                    let sub = self.new_layer("file", Some(path), 0, d.len(), idx, depth + 1);
                    self.payload(&d, sub, depth + 1, None);
                    // A file whose signature did not validate is no layer of its own.
                    let empty = self.out.layers.len() == sub + 1
                        && self
                            .out
                            .layers
                            .get(sub)
                            .is_some_and(|l| l.problems.is_empty() && l.tree.is_none());
                    if empty {
                        self.out.layers.truncate(sub);
                    }
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
