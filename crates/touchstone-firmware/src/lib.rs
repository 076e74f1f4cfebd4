//! Firmware unpacking for Touchstone: safe, bounded, in-process extraction of firmware
//! images into virtual filesystem trees.
//!
//! # Entry points
//!
//! - [`unpack`]`(path, &Options) -> Unpacked` reads an image and walks every layer. It
//!   never panics and never fails: unreadable input, malformed structures and hit limits
//!   all become [`Problem`]s, next to whatever could be recovered.
//! - [`unpack_bytes`] does the same for bytes already in memory (fuzzing, tests).
//! - [`write_to_dir`]`(&Unpacked, DIR, &Limits)` writes the trees to disk below `DIR`
//!   (for `touchstone firmware unpack IMAGE --output DIR`); it can never create anything
//!   outside `DIR`, see [`write`](crate::write_to_dir) for the invariant. It works
//!   relative to open directory handles, so path length is no limit.
//! - `serde_json::to_string(&unpacked)` is the `--format json` output; its shape is
//!   versioned by [`SCHEMA_VERSION`] and described by [`Unpacked::json_schema`].
//!
//! # Model
//!
//! The input is layer 0. A signature scan (Aho-Corasick over magic bytes) finds
//! candidates; each is validated by parsing its header and yields an exact chunk
//! ([`Layer`]: format, offset, size, parent, problems). Overlapping hits inside an accepted
//! chunk are dropped; bytes no chunk claims are listed as [`Region`]s with their Shannon
//! entropy. Payloads (decompressed streams, container parts) are scanned again, keeping the
//! chain, for example `uimage → part → lzma → …` or `gzip → cpio`. Archives and filesystems
//! become [`Tree`]s; a payload no format covers is kept as a one-file tree.
//!
//! # Completeness, problems and nested layers
//!
//! - [`Unpacked::incomplete`] lists every layer or file not fully analysed and why
//!   ([`Incomplete`]: layer, path, offset, kind, reason); [`Unpacked::is_complete`] is
//!   `true` only when it is empty. A scan should report a non-empty list as "image only
//!   partly analysed", never as a clean result.
//! - [`Problem::path`] names the file a problem is about; the tree marks that node
//!   ([`Node::incomplete`], [`Tree::incomplete_nodes`]).
//! - [`ProblemKind::Refused`]: a valid header whose body the reader refused (reported on
//!   the parent layer at the chunk's offset). [`ProblemKind::FileSkipped`]: one file
//!   skipped (too large for what is left of the output budget, unreadable), the walk went
//!   on. [`ProblemKind::DenseSignatures`]: a dense run of matches that do not validate was
//!   counted, not tried. [`ProblemKind::makes_incomplete`] says which kinds count.
//! - With [`Options::scan_files`] (on by default) every regular file of every tree that
//!   starts with a known signature is unpacked as a child layer of format `file` (its
//!   `detail` is the path); the trees found there are further entries of
//!   [`Unpacked::trees`]. [`Unpacked::chain`] gives a tree's chain with the file steps,
//!   for example `tar@0x0, file:/rootfs.squashfs, squashfs@0x0, file:/data/payload.tar.gz,
//!   gzip@0x0, tar@0x0`. Files sharing one content (hard links, [`Data::same_content`])
//!   are unpacked once.
//! - A later archive entry that would replace a directory with entries is stored beside
//!   it as `name~N` (a [`ProblemKind::PathConflict`] problem): both stay visible.
//! - [`Tree::resolve`] walks at most [`MAX_RESOLVE_STEPS`] components
//!   ([`VfsError::TooComplex`] beyond); [`Tree::nodes`] iterates without building paths.
//! - [`WriteReport`] counts hard links written as such, entries not written completely
//!   (`incomplete`, each also a problem with its path) and the links whose target was
//!   rewritten (`rewritten_links`: path, literal target, written target).
//!
//! # Using the trees (for checks)
//!
//! ```no_run
//! use touchstone_firmware::{Options, unpack};
//! let unpacked = unpack("firmware.bin".as_ref(), &Options::default());
//! if let Some(root) = unpacked.main_tree() {
//!     for (path, _id, node) in root.walk() {
//!         if node.meta.is_setuid() { /* report */ }
//!         let _ = path;
//!     }
//!     // Follows `/etc/passwd -> /var/passwd` inside the image root, as the device would.
//!     let passwd = root.read("/etc/passwd");
//!     let _ = passwd;
//! }
//! ```
//!
//! # Formats
//!
//! | Kind | Formats |
//! |---|---|
//! | Streams | gzip (CRC checked), xz, lzma-alone, bzip2, zstd, lz4 (frame and legacy), lzop |
//! | Archives | tar (ustar, GNU long names, pax), cpio (newc, crc with checksums, odc), zip (stored, deflate, zip64, truncated archives), ARJ (own decoder: stored, methods 1-4, CRC-32 checked) |
//! | Carved whole (nothing inside to unpack) | JPEG (marker walk to EOI), PNG (chunk CRCs), GIF, BMP, RIFF (WebP, WAV, AVI), PDF (last `%%EOF`), 7-Zip (start header CRC) |
//! | Boot and vendor containers | legacy uImage (header and data CRC, multi-file), FIT and device trees (crc32 hashes), TRX (CRC), TP-Link v1 header (identified), D-Link SEAMA (MD5 verified), Arcadyan obfuscated LZMA, Matter OTA (TLV header, SHA-256 verified), MBR partition tables, x86 `bzImage` (kernel version), Xerox DLM header (identified, signature recorded), Android sparse |
//! | Filesystems | SquashFS v4 LE/BE (gzip, lzma, lzo, xz, lz4, zstd, AVM, vendor LZMA) and v3 (zlib and LZMA variants) via `backhand`; SquashFS v2 (own reader); ext2/3/4 via `ext4-view`; romfs; cramfs (LE, zlib); JFFS2 (own reader: none, zero, zlib, rtime, LZO, LZMA; both byte orders); YAFFS2 (own reader: page/spare geometry and byte order detected); UBI volumes and UBIFS (own reader: node scan, newest sequence number wins; none, LZO, zlib, zstd) |
//!
//! SquashFS 2.x is read by our own reader (zlib, Broadcom's LZMA with a properties header,
//! and bare LZMA streams; both byte orders).
//! cramfs extended block pointers (`CRAMFS_FLAG_EXT_BLOCK_POINTERS`: uncompressed blocks
//! and direct pointers to uncompressed or compressed blocks) are read.
//! Identified but not extracted yet (a [`ProblemKind::Unsupported`] problem says so):
//! SquashFS v1. Not recognised yet: cramfs BE, other D-Link headers (encrypted `DLOB`/`SHRS`).
//!
//! # Limits
//!
//! [`Limits`]: total output bytes, expansion ratio per stream, depth, entries, layers, a
//! wall-clock budget per layer, and symlink hops. Each hit is a problem with its own
//! [`ProblemKind`]; the layer stops, everything else is kept. A high-ratio decompression
//! bomb stops after about [`Limits::ratio_grace_bytes`] of output (4 MiB); a low-ratio one
//! (say `gzip -1` of zeros, 229:1) at [`Limits::max_output_bytes`] (192 MiB by default,
//! which is what bounds peak memory, since trees are held in memory).
//!
//! Our own parsers index only through bounds-checked accessors and saturating arithmetic.
//! Calls into third-party readers (`backhand`, `ext4-view`) are wrapped in
//! `catch_unwind`, so a panic there becomes a problem too (the default panic hook still
//! prints its message to stderr).
//!
//! # For the CLI (`touchstone firmware unpack IMAGE [--output DIR] [--format json]`)
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use touchstone_firmware::{Options, unpack, write_to_dir};
//! let options = Options::default();
//! let unpacked = unpack("IMAGE".as_ref(), &options);
//! // --format json
//! let json = serde_json::to_string_pretty(&unpacked)?;
//! // --output DIR (must not exist or be empty); one sub-directory per tree, named
//! // `<layer>-<format>-<offset>`.
//! let report = write_to_dir(&unpacked, "DIR".as_ref(), &options.limits);
//! # let _ = (json, report);
//! # Ok(()) }
//! ```
//!
//! Without `--output`, list [`Unpacked::layers`] (format, offset, size, parent, problems)
//! and the counts. Exit status is the CLI's business: `unpack` itself always returns.
//!
//! # Input
//!
//! The input is mapped read-only (`memmap2`; at most [`Limits::max_input_bytes`]) and paged
//! in on demand, so peak memory is the output budget plus what the kernel keeps resident;
//! inputs that cannot be mapped (pipes, empty files) are read instead. Payloads are shared,
//! not copied, by every file that lies in them ([`Data`]). The mapping is the workspace's
//! only `unsafe` call (`map_input`, with its SAFETY note).

mod data;
mod engine;
mod formats;
mod model;
mod vfs;
mod write;

use std::io::Read;
use std::path::Path;

pub use data::Data;
pub use model::{
    Incomplete, Layer, Limits, Options, Problem, ProblemKind, Region, SCHEMA_VERSION, Unpacked,
};
pub use vfs::{Counts, Kind, MAX_RESOLVE_STEPS, Meta, Node, NodeId, ROOT, Tree, VfsError};
pub use write::{WriteError, WriteReport, contained_link_target, write_to_dir};

/// Map the first `len` bytes of the input read-only.
#[allow(unsafe_code)]
fn map_input(file: &std::fs::File, len: u64) -> std::io::Result<Data> {
    if len == 0 {
        return Err(std::io::Error::other("empty file"));
    }
    let len = usize::try_from(len).map_err(std::io::Error::other)?;
    // SAFETY: the mapping is read-only and private to this process, and every
    // access goes through bounds-checked slices of it. Rust's aliasing rules
    // would be broken if another process changed or truncated the image while
    // it is mapped (a truncation raises SIGBUS); Touchstone reads evidence
    // files that the assessor controls and does not defend against that.
    let map = unsafe { memmap2::MmapOptions::new().len(len).map(file)? };
    Ok(Data::from_map(map))
}

/// Unpacks the image at `path`. Never panics; every failure is a [`Problem`].
#[must_use]
pub fn unpack(path: &Path, options: &Options) -> Unpacked {
    let limit = options.limits.max_input_bytes;
    let read = std::fs::File::open(path).and_then(|f| {
        let len = f.metadata()?.len();
        let data = map_input(&f, len.min(limit)).or_else(|_| {
            // Not mappable (a pipe, an empty file, an unusual file system): read it.
            let mut buf = Vec::with_capacity(usize::try_from(len.min(limit)).unwrap_or(0));
            f.take(limit).read_to_end(&mut buf)?;
            Ok::<_, std::io::Error>(Data::from_vec(buf))
        })?;
        Ok((data, len))
    });
    match read {
        Ok((data, len)) => {
            let size = data.len() as u64;
            let mut out = engine::Engine::new(options, size).run(&data);
            if len > limit {
                out.input_size = len;
                out.problems.push(Problem::new(
                    ProblemKind::LimitInput,
                    Some(limit),
                    format!("input is {len} bytes; only the first {limit} were read"),
                ));
            }
            out
        }
        Err(e) => {
            let mut out = Unpacked::empty(0);
            out.problems.push(Problem::new(
                ProblemKind::Io,
                None,
                format!("cannot read `{}`: {e}", path.display()),
            ));
            out
        }
    }
}

/// Unpacks an image held in memory. Never panics; every failure is a [`Problem`].
#[must_use]
pub fn unpack_bytes(bytes: Vec<u8>, options: &Options) -> Unpacked {
    let data = Data::from_vec(bytes);
    let size = data.len() as u64;
    engine::Engine::new(options, size).run(&data)
}

/// Entry points for the cargo-fuzz targets in `fuzz/`: each runs one parser on
/// arbitrary bytes with small limits. Not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    use crate::data::Data;
    use crate::formats::{Ctx, Format};
    use crate::model::Limits;

    /// Parsers that can be fuzzed one by one.
    pub const PARSERS: &[&str] = &[
        "uimage",
        "trx",
        "squashfs",
        "android-sparse",
        "romfs",
        "cramfs",
        "tar",
        "cpio",
        "zip",
        "gzip",
        "xz",
        "lzma",
        "bzip2",
        "zstd",
        "lz4",
        "lz4-legacy",
    ];

    fn format(name: &str) -> Option<Format> {
        Some(match name {
            "uimage" => Format::UImage,
            "trx" => Format::Trx,
            "fdt" => Format::Fdt,
            "tplink" => Format::TpLink,
            "seama" => Format::Seama,
            "matter-ota" => Format::MatterOta,
            "mbr" => Format::Mbr,
            "bzimage" => Format::BzImage,
            "xerox-dlm" => Format::XeroxDlm,
            "squashfs" => Format::Squashfs,
            "android-sparse" => Format::AndroidSparse,
            "romfs" => Format::Romfs,
            "cramfs" => Format::Cramfs,
            "ext" => Format::Ext,
            "jffs2" => Format::Jffs2,
            "yaffs2" => Format::Yaffs2,
            "ubi" => Format::Ubi,
            "ubifs" => Format::Ubifs,
            "tar" => Format::Tar,
            "cpio" => Format::Cpio,
            "zip" => Format::Zip,
            "gzip" => Format::Gzip,
            "xz" => Format::Xz,
            "lzma" => Format::LzmaAlone,
            "arcadyan" => Format::Arcadyan,
            "bzip2" => Format::Bzip2,
            "zstd" => Format::Zstd,
            "lz4" => Format::Lz4Frame,
            "lz4-legacy" => Format::Lz4Legacy,
            "lzop" => Format::Lzop,
            "arj" => Format::Arj,
            "7z" => Format::SevenZip,
            "jpeg" => Format::Jpeg,
            "png" => Format::Png,
            "gif" => Format::Gif,
            "bmp" => Format::Bmp,
            "riff" => Format::Riff,
            "pdf" => Format::Pdf,
            _ => return None,
        })
    }

    /// Limits small enough for fuzzing throughput.
    #[must_use]
    pub fn limits() -> Limits {
        Limits {
            max_output_bytes: 64 << 20,
            max_entries: 10_000,
            layer_time: std::time::Duration::from_secs(5),
            ..Limits::default()
        }
    }

    /// Runs one parser on `data` (the magic is prepended so the fuzzer need not find it);
    /// returns whether it accepted the input.
    #[must_use]
    pub fn parse(parser: &str, data: &[u8]) -> bool {
        let Some(fmt) = format(parser) else {
            return false;
        };
        let limits = limits();
        let mut ctx = Ctx::new(&limits);
        let magic = crate::formats::SIGNATURES
            .iter()
            .find(|(_, delta, f)| *f == fmt && *delta == 0)
            .map_or(&[][..], |(m, _, _)| *m);
        let mut bytes = magic.to_vec();
        bytes.extend_from_slice(data);
        fmt.extract(&mut ctx, &Data::from_vec(bytes)).is_ok()
    }

    /// Builds a tree from `name\0target\n` lines and resolves every name.
    pub fn vfs(data: &[u8]) {
        let mut t = crate::vfs::Tree::new(0, 40);
        let text = String::from_utf8_lossy(data);
        let mut names = Vec::new();
        for line in text.lines().take(200) {
            let (name, target) = line.split_once('\0').unwrap_or((line, ""));
            let kind = if target.is_empty() {
                crate::vfs::Kind::File(Data::from_vec(Vec::new()))
            } else {
                crate::vfs::Kind::Symlink(target.to_owned())
            };
            t.insert(name, kind, crate::vfs::Meta::default());
            names.push(name.to_owned());
        }
        for n in &names {
            let _ = t.resolve(n);
            let _ = crate::write::contained_link_target(n, n);
        }
        let _ = t.walk().count();
    }
}
