//! The result model: options and limits in, [`Unpacked`] out.
//!
//! Everything in this module that derives `Serialize` is part of the JSON wire format
//! (`schema` [`SCHEMA_VERSION`]); change it only together with the version.

use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use crate::vfs::Tree;

/// Version of the JSON result model. Bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// What [`crate::unpack`] may do.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Resource limits; hitting one stops the affected layer and records a problem.
    pub limits: Limits,
    /// Identify every regular file of every extracted tree by its content and unpack the
    /// containers, compressed streams and filesystem images among them as child layers
    /// (a `.tar.gz` inside a root filesystem, a root filesystem inside an update
    /// package). On by default; formats that are only carved (images, documents) are
    /// never opened this way. The run-wide limits hold at every depth.
    pub scan_files: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            scan_files: true,
        }
    }
}

impl Options {
    /// Options with the given limits.
    #[must_use]
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }
}

/// Hard resource limits. Each one, when hit, is reported as a [`Problem`] with its own
/// [`ProblemKind`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Limits {
    /// Largest input file read at all, in bytes.
    pub max_input_bytes: u64,
    /// Total bytes produced by all decompression and extraction, in bytes. Trees are held
    /// in memory, so this bounds peak memory too: the default, 192 MiB, keeps a whole run
    /// under 256 MiB whatever the input (a low-ratio bomb defeats the ratio check, not
    /// this one). Raise it for very large images.
    pub max_output_bytes: u64,
    /// Largest ratio of output to consumed input for one compressed stream. Checked only
    /// once the stream has produced more than [`Limits::ratio_grace_bytes`].
    pub max_ratio: u64,
    /// Output a stream may produce before the ratio is enforced.
    pub ratio_grace_bytes: u64,
    /// Deepest nesting of layers (the input is depth 0).
    pub max_depth: u32,
    /// Total number of tree entries (files, directories, links, nodes) over all layers.
    pub max_entries: u64,
    /// Total number of layers.
    pub max_layers: usize,
    /// Wall-clock budget for extracting one layer.
    pub layer_time: Duration,
    /// Most symbolic links followed while resolving one path.
    pub max_link_hops: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: 2 << 30,
            max_output_bytes: 192 << 20,
            max_ratio: 250,
            ratio_grace_bytes: 4 << 20,
            max_depth: 10,
            max_entries: 500_000,
            max_layers: 10_000,
            layer_time: Duration::from_secs(60),
            max_link_hops: 40,
        }
    }
}

/// The result of [`crate::unpack`]: what was found, where, and what went wrong.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Unpacked {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// Size of the input in bytes.
    pub input_size: u64,
    /// Regular files over all trees.
    pub files: u64,
    /// Directories over all trees, roots excluded.
    pub directories: u64,
    /// Symbolic links over all trees.
    pub links: u64,
    /// Device nodes, FIFOs and sockets over all trees (kept as metadata only).
    pub special: u64,
    /// Bytes of regular-file content over all trees.
    pub bytes: u64,
    /// Every layer found, the input first (index 0); `parent` indexes this list.
    pub layers: Vec<Layer>,
    /// Problems not tied to one layer (for example an unreadable input).
    pub problems: Vec<Problem>,
    /// What was not fully analysed and why, one entry per layer or file concerned:
    /// every limit hit, truncation, refused or unreadable structure and skipped file.
    /// Empty when the whole image was analysed; see [`Unpacked::is_complete`].
    pub incomplete: Vec<Incomplete>,
    /// The virtual trees, one per layer that produced entries. Not serialised.
    #[serde(skip)]
    #[schemars(skip)]
    pub trees: Vec<Tree>,
}

impl Unpacked {
    pub(crate) fn empty(input_size: u64) -> Self {
        Self {
            schema: SCHEMA_VERSION,
            input_size,
            files: 0,
            directories: 0,
            links: 0,
            special: 0,
            bytes: 0,
            layers: Vec::new(),
            problems: Vec::new(),
            incomplete: Vec::new(),
            trees: Vec::new(),
        }
    }

    /// Whether every layer and file was analysed completely (no limit hit, nothing
    /// truncated, refused, unreadable or skipped). When `false`, [`Unpacked::incomplete`]
    /// says what is missing: a scan of this result is an "image only partly analysed".
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.incomplete.is_empty()
    }

    /// The chain of layers that produced layer `index`, outermost first, with the path of
    /// each file a nested layer was found in: for example `["tar@0x0",
    /// "file:/rootfs.squashfs", "squashfs@0x0", "file:/data/payload.tar.gz", "gzip@0x0",
    /// "tar@0x0"]`. Empty for the input itself.
    #[must_use]
    pub fn chain(&self, index: usize) -> Vec<String> {
        let mut chain = Vec::new();
        let mut current = Some(index);
        let mut guard = 0usize;
        while let Some(i) = current {
            guard += 1;
            if guard > self.layers.len() {
                break;
            }
            let Some(layer) = self.layers.get(i) else {
                break;
            };
            if layer.parent.is_some() {
                if layer.format == "file" {
                    chain.push(format!("file:{}", layer.detail.as_deref().unwrap_or("")));
                } else {
                    chain.push(format!("{}@{:#x}", layer.format, layer.offset));
                }
            }
            current = layer.parent;
        }
        chain.reverse();
        chain
    }

    /// Fills [`Unpacked::incomplete`] from the problems of the input and every layer.
    pub(crate) fn summarise_incomplete(&mut self) {
        let mut out = Vec::new();
        for p in &self.problems {
            if p.kind.makes_incomplete() {
                out.push(Incomplete::from_problem(None, p));
            }
        }
        for (i, l) in self.layers.iter().enumerate() {
            for p in &l.problems {
                if p.kind.makes_incomplete() {
                    out.push(Incomplete::from_problem(Some(i), p));
                }
            }
        }
        self.incomplete = out;
    }

    /// All problems: the top-level ones, then those of each layer.
    pub fn all_problems(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .chain(self.layers.iter().flat_map(|l| l.problems.iter()))
    }

    /// The tree with the most entries, usually the root filesystem.
    #[must_use]
    pub fn main_tree(&self) -> Option<&Tree> {
        self.trees.iter().max_by_key(|t| t.len())
    }

    /// The JSON Schema of this model.
    #[must_use]
    pub fn json_schema() -> schemars::Schema {
        schemars::schema_for!(Unpacked)
    }

    pub(crate) fn recount(&mut self) {
        let (mut files, mut dirs, mut links, mut special, mut bytes) = (0, 0, 0, 0, 0);
        for tree in &self.trees {
            let c = tree.counts();
            files += c.files;
            dirs += c.directories;
            links += c.links;
            special += c.special;
            bytes += c.bytes;
        }
        self.files = files;
        self.directories = dirs;
        self.links = links;
        self.special = special;
        self.bytes = bytes;
    }
}

/// One identified chunk: the input itself, a container, a compressed stream, a filesystem.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Layer {
    /// Format name, for example `gzip`, `squashfs`, `uimage`; `input` for layer 0.
    pub format: String,
    /// Variant detail, for example `v4 le lzma` for SquashFS or the member name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Start of the chunk within the parent's bytes.
    pub offset: u64,
    /// Exact size of the chunk within the parent's bytes.
    pub size: u64,
    /// Index of the parent layer; `None` for the input.
    pub parent: Option<usize>,
    /// Nesting depth (the input is 0).
    pub depth: u32,
    /// Index into [`Unpacked::trees`] of the tree this layer produced, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tree: Option<usize>,
    /// Bytes of payload this layer produced (decompressed size, file bytes).
    pub output_bytes: u64,
    /// Regions of this layer's bytes that no known format claimed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<Region>,
    /// Problems met while extracting this layer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// One layer or file that was not fully analysed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Incomplete {
    /// Index into [`Unpacked::layers`]; `None` for the input as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    /// Path of the file concerned inside the layer's tree, when it is one file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Offset within the layer's bytes, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The class of the problem that made it incomplete.
    pub kind: ProblemKind,
    /// Why, in words.
    pub reason: String,
}

impl Incomplete {
    fn from_problem(layer: Option<usize>, p: &Problem) -> Self {
        Self {
            layer,
            path: p.path.clone(),
            offset: p.offset,
            kind: p.kind,
            reason: p.message.clone(),
        }
    }
}

/// An unclaimed byte range.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Region {
    /// Start within the layer's bytes.
    pub offset: u64,
    /// Length in bytes.
    pub size: u64,
    /// Shannon entropy in bits per byte (0 to 8); near 8 suggests compression or encryption.
    pub entropy: f64,
}

/// Something that went wrong; never fatal for the rest of the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Problem {
    /// Machine-readable class.
    pub kind: ProblemKind,
    /// Offset within the layer's bytes, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Path of the file concerned inside the layer's tree, when the problem is about
    /// one file (which the tree then marks incomplete, see [`crate::Node::incomplete`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Human-readable detail.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(kind: ProblemKind, offset: Option<u64>, message: impl Into<String>) -> Self {
        Self {
            kind,
            offset,
            path: None,
            message: message.into(),
        }
    }

    /// The same problem, about the file at `path`.
    #[must_use]
    pub(crate) fn at(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

/// Classes of [`Problem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// Reading the input failed.
    Io,
    /// Data ended before the structure did.
    Truncated,
    /// A structure is inconsistent.
    Malformed,
    /// A checksum did not match.
    Checksum,
    /// Recognised but not (yet) extracted.
    Unsupported,
    /// An entry name was absolute or climbed out of the root and was normalised.
    PathNormalised,
    /// Two entries claimed the same path, or a path went through a non-directory.
    PathConflict,
    /// [`Limits::max_input_bytes`].
    LimitInput,
    /// [`Limits::max_output_bytes`].
    LimitOutput,
    /// [`Limits::max_ratio`].
    LimitRatio,
    /// [`Limits::max_depth`].
    LimitDepth,
    /// [`Limits::max_entries`].
    LimitEntries,
    /// [`Limits::max_layers`].
    LimitLayers,
    /// [`Limits::layer_time`].
    LimitTime,
    /// A header was valid but the reader refused the body (a corrupt table, a cycle):
    /// the chunk is recorded as a problem of its parent, not dropped as a false match.
    Refused,
    /// One file was skipped or kept incomplete (too large for what is left of the
    /// output budget, unreadable); the walk went on with the others.
    FileSkipped,
    /// A region dense with signature matches was collapsed into one problem instead of
    /// trying every match; or a per-signature budget was spent.
    DenseSignatures,
}

impl ProblemKind {
    /// Whether a problem of this kind means something was not fully analysed. Checksum
    /// mismatches (content extracted anyway), normalised names and conflicts that keep
    /// both entries visible do not.
    #[must_use]
    pub fn makes_incomplete(self) -> bool {
        !matches!(
            self,
            Self::Checksum | Self::PathNormalised | Self::PathConflict
        )
    }
}
