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
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// Resource limits; hitting one stops the affected layer and records a problem.
    pub limits: Limits,
    /// Also scan regular files found inside archives and filesystems for nested formats
    /// (for example a `.tar.gz` inside a root filesystem). Off by default: the chain of
    /// container layers (vendor header → compression → filesystem) is always followed.
    pub scan_files: bool,
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
            trees: Vec::new(),
        }
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
    /// Human-readable detail.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(kind: ProblemKind, offset: Option<u64>, message: impl Into<String>) -> Self {
        Self {
            kind,
            offset,
            message: message.into(),
        }
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
}
