//! Format parsers. Each takes the bytes from a signature hit to the end of the parent
//! layer and returns the exact chunk it occupies plus what it contains, or a
//! [`FormatError`] meaning "not this format here" (the hit is then dropped silently).
//! Once a header is valid, later errors become [`Problem`]s on a partial result.

use std::time::Instant;

use crate::data::Data;
use crate::model::{Limits, Problem, ProblemKind};
use crate::vfs::Tree;

pub(crate) mod arj;
pub(crate) mod carve;
pub(crate) mod compress;
pub(crate) mod cpio;
pub(crate) mod dtb;
pub(crate) mod ext;
pub(crate) mod jffs2;
pub(crate) mod romfs;
pub(crate) mod sparse;
pub(crate) mod squashfs;
pub(crate) mod squashfs_v2;
pub(crate) mod tar;
pub(crate) mod ubi;
pub(crate) mod uimage;
pub(crate) mod yaffs2;
pub(crate) mod zip;

/// A limit that stopped a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    Output,
    Ratio,
    Entries,
    Time,
}

impl Limit {
    pub(crate) fn problem(self, offset: Option<u64>, limits: &Limits) -> Problem {
        let (kind, msg) = match self {
            Self::Output => (
                ProblemKind::LimitOutput,
                format!(
                    "total output limit of {} bytes reached; layer stopped",
                    limits.max_output_bytes
                ),
            ),
            Self::Ratio => (
                ProblemKind::LimitRatio,
                format!(
                    "expansion ratio above {}:1 (possible decompression bomb); layer stopped",
                    limits.max_ratio
                ),
            ),
            Self::Entries => (
                ProblemKind::LimitEntries,
                format!(
                    "entry limit of {} reached; layer stopped",
                    limits.max_entries
                ),
            ),
            Self::Time => (
                ProblemKind::LimitTime,
                format!(
                    "time budget of {:?} for one layer spent; layer stopped",
                    limits.layer_time
                ),
            ),
        };
        Problem::new(kind, offset, msg)
    }
}

/// Why a parser gave up.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FormatError {
    #[error("truncated: {0}")]
    Truncated(&'static str),
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("limit")]
    Limit(Limit),
    /// The header was valid, the body was refused: reported as a problem, not dropped.
    #[error("refused: {0}")]
    Refused(String),
}

impl From<Limit> for FormatError {
    fn from(l: Limit) -> Self {
        Self::Limit(l)
    }
}

/// Shorthand for "the header does not match".
pub(crate) fn bad(msg: impl Into<String>) -> FormatError {
    FormatError::Malformed(msg.into())
}

/// Global budget shared by all layers, plus the current layer's deadline.
#[derive(Debug)]
pub(crate) struct Ctx<'l> {
    pub(crate) limits: &'l Limits,
    out_bytes: u64,
    entries: u64,
    deadline: Instant,
}

impl<'l> Ctx<'l> {
    pub(crate) fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            out_bytes: 0,
            entries: 0,
            deadline: Instant::now() + limits.layer_time,
        }
    }

    /// Starts the clock for a new layer.
    /// Returns the previous deadline, to be given back to [`Ctx::restore`].
    pub(crate) fn start_layer(&mut self) -> Instant {
        std::mem::replace(&mut self.deadline, Instant::now() + self.limits.layer_time)
    }

    pub(crate) fn restore(&mut self, deadline: Instant) {
        self.deadline = deadline;
    }

    /// Give back output charged for bytes that were dropped (a stream
    /// decoded a second time).
    pub(crate) fn refund_bytes(&mut self, n: u64) {
        self.out_bytes = self.out_bytes.saturating_sub(n);
    }

    pub(crate) fn charge_bytes(&mut self, n: u64) -> Result<(), Limit> {
        let next = self.out_bytes.saturating_add(n);
        if next > self.limits.max_output_bytes {
            return Err(Limit::Output);
        }
        self.out_bytes = next;
        Ok(())
    }

    /// A run-wide limit that is spent: nothing more can be extracted anywhere.
    pub(crate) fn exhausted(&self) -> Option<Limit> {
        if self.entries >= self.limits.max_entries {
            Some(Limit::Entries)
        } else if self.out_bytes >= self.limits.max_output_bytes {
            Some(Limit::Output)
        } else {
            None
        }
    }

    pub(crate) fn remaining_bytes(&self) -> u64 {
        self.limits.max_output_bytes.saturating_sub(self.out_bytes)
    }

    pub(crate) fn charge_entry(&mut self) -> Result<(), Limit> {
        if self.entries >= self.limits.max_entries {
            return Err(Limit::Entries);
        }
        self.entries += 1;
        self.check_time()
    }

    pub(crate) fn check_time(&self) -> Result<(), Limit> {
        if Instant::now() > self.deadline {
            Err(Limit::Time)
        } else {
            Ok(())
        }
    }

    pub(crate) fn check_ratio(&self, out: u64, consumed: u64) -> Result<(), Limit> {
        if out > self.limits.ratio_grace_bytes && out / consumed.max(1) > self.limits.max_ratio {
            return Err(Limit::Ratio);
        }
        Ok(())
    }
}

/// What a chunk holds.
#[derive(Debug)]
pub(crate) enum Output {
    /// Identified only.
    Nothing,
    /// A decompressed stream (scanned again for nested formats).
    Stream { data: Data, name: Option<String> },
    /// Parts of a container: name, offset within the chunk, bytes (each scanned again).
    Parts(Vec<(String, usize, Data)>),
    /// An archive or filesystem tree.
    Tree(Tree),
    /// A known format with nothing to unpack here: the chunk itself is kept as one
    /// file with this name and not scanned again.
    Carved { name: String },
}

/// A validated chunk.
#[derive(Debug)]
pub(crate) struct Chunk {
    pub(crate) format: &'static str,
    pub(crate) detail: Option<String>,
    /// Exact length from the hit offset.
    pub(crate) size: usize,
    pub(crate) output: Output,
    pub(crate) problems: Vec<Problem>,
}

impl Chunk {
    pub(crate) fn new(format: &'static str, size: usize, output: Output) -> Self {
        Self {
            format,
            detail: None,
            size,
            output,
            problems: Vec::new(),
        }
    }
}

/// Known formats, in the order hits at the same offset are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Format {
    UImage,
    Trx,
    Fdt,
    TpLink,
    Seama,
    MatterOta,
    Mbr,
    BzImage,
    XeroxDlm,
    Squashfs,
    AndroidSparse,
    Romfs,
    Cramfs,
    Ext,
    Jffs2,
    Yaffs2,
    Ubi,
    Ubifs,
    Tar,
    Cpio,
    Zip,
    Gzip,
    Xz,
    LzmaAlone,
    Arcadyan,
    Bzip2,
    Zstd,
    Lz4Frame,
    Lz4Legacy,
    Lzop,
    Arj,
    SevenZip,
    Jpeg,
    Png,
    Gif,
    Bmp,
    Riff,
    Pdf,
}

/// Magic bytes, the offset of the magic from the chunk start, and the format.
pub(crate) const SIGNATURES: &[(&[u8], usize, Format)] = &[
    (&[0x27, 0x05, 0x19, 0x56], 0, Format::UImage),
    (b"HDR0", 0, Format::Trx),
    (&[0xd0, 0x0d, 0xfe, 0xed], 0, Format::Fdt),
    (b"TP-LINK Technologies", 4, Format::TpLink),
    (&[0x5e, 0xa3, 0xa4, 0x17], 0, Format::Seama),
    (&[0x1e, 0xf1, 0xee, 0x1b], 0, Format::MatterOta),
    (&[0x55, 0xaa], 510, Format::Mbr),
    (b"HdrS", 0x202, Format::BzImage),
    (b"%%XRXbegin", 0, Format::XeroxDlm),
    (b"hsqs", 0, Format::Squashfs),
    (b"sqsh", 0, Format::Squashfs),
    (&[0x3a, 0xff, 0x26, 0xed], 0, Format::AndroidSparse),
    (b"-rom1fs-", 0, Format::Romfs),
    (&[0x45, 0x3d, 0xcd, 0x28], 0, Format::Cramfs),
    (&[0x53, 0xef], ext::MAGIC_AT, Format::Ext),
    (b"UBI#", 0, Format::Ubi),
    (&[0x31, 0x18, 0x10, 0x06], 0, Format::Ubifs),
    (&[0x85, 0x19], 0, Format::Jffs2),
    (&[0x19, 0x85], 0, Format::Jffs2),
    // YAFFS2 has no magic: its first object header (type 1-5, parent = root, unused
    // checksum 0xffff) serves as one, in both byte orders.
    (&[1, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff], 0, Format::Yaffs2),
    (&[0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff], 0, Format::Yaffs2),
    (&[2, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff], 0, Format::Yaffs2),
    (&[0, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff], 0, Format::Yaffs2),
    (&[3, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff], 0, Format::Yaffs2),
    (&[0, 0, 0, 3, 0, 0, 0, 1, 0xff, 0xff], 0, Format::Yaffs2),
    (&[4, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff], 0, Format::Yaffs2),
    (&[0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff], 0, Format::Yaffs2),
    (&[5, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff], 0, Format::Yaffs2),
    (&[0, 0, 0, 5, 0, 0, 0, 1, 0xff, 0xff], 0, Format::Yaffs2),
    (b"ustar", 257, Format::Tar),
    (b"070701", 0, Format::Cpio),
    (b"070702", 0, Format::Cpio),
    (b"070707", 0, Format::Cpio),
    (b"PK\x03\x04", 0, Format::Zip),
    (&[0x1f, 0x8b, 0x08], 0, Format::Gzip),
    (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], 0, Format::Xz),
    (&[0x5d, 0x00, 0x00], 0, Format::LzmaAlone),
    // lc/lp/pb variants seen in vendor images (TP-Link VxWorks, Alphanetworks).
    (&[0x6d, 0x00, 0x00], 0, Format::LzmaAlone),
    (&[0x6e, 0x00, 0x00], 0, Format::LzmaAlone),
    // lc=0, lp=0, pb=2: the small per-file streams of TP-Link VxWorks images.
    (&[0x5a, 0x00, 0x00], 0, Format::LzmaAlone),
    (&[0x00, 0xd5, 0x08, 0x00], 0x68, Format::Arcadyan),
    (b"BZh", 0, Format::Bzip2),
    (&[0x28, 0xb5, 0x2f, 0xfd], 0, Format::Zstd),
    (&[0x04, 0x22, 0x4d, 0x18], 0, Format::Lz4Frame),
    (&[0x02, 0x21, 0x4c, 0x18], 0, Format::Lz4Legacy),
    (
        &[0x89, b'L', b'Z', b'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a],
        0,
        Format::Lzop,
    ),
    (&[0x60, 0xea], 0, Format::Arj),
    (&[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c], 0, Format::SevenZip),
    (&[0xff, 0xd8, 0xff], 0, Format::Jpeg),
    (
        &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a],
        0,
        Format::Png,
    ),
    (b"GIF87a", 0, Format::Gif),
    (b"GIF89a", 0, Format::Gif),
    (b"BM", 0, Format::Bmp),
    (b"RIFF", 0, Format::Riff),
    (b"%PDF-", 0, Format::Pdf),
];

impl Format {
    /// A short lower-case name for messages.
    pub(crate) fn name(self) -> String {
        format!("{self:?}").to_lowercase()
    }

    /// Formats kept whole as one carved file, with nothing inside to unpack.
    pub(crate) fn carve_only(self) -> bool {
        matches!(
            self,
            Self::SevenZip
                | Self::Jpeg
                | Self::Png
                | Self::Gif
                | Self::Bmp
                | Self::Riff
                | Self::Pdf
        )
    }

    /// Parses the chunk starting at the beginning of `data`.
    pub(crate) fn extract(self, ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
        match self {
            Self::UImage => uimage::uimage(data),
            Self::Trx => uimage::trx(data),
            Self::Fdt => dtb::fdt(data),
            Self::TpLink => dtb::tplink(data),
            Self::Seama => dtb::seama(data),
            Self::MatterOta => dtb::matter_ota(data),
            Self::Mbr => dtb::mbr(data),
            Self::BzImage => dtb::bzimage(data),
            Self::XeroxDlm => dtb::xerox_dlm(data),
            Self::Squashfs => squashfs::squashfs(ctx, data),
            Self::AndroidSparse => sparse::android_sparse(ctx, data),
            Self::Romfs => romfs::romfs(ctx, data),
            Self::Cramfs => romfs::cramfs(ctx, data),
            Self::Ext => ext::ext(ctx, data),
            Self::Jffs2 => jffs2::jffs2(ctx, data),
            Self::Yaffs2 => yaffs2::yaffs2(ctx, data),
            Self::Ubi => ubi::ubi(ctx, data),
            Self::Ubifs => ubi::ubifs(ctx, data),
            Self::Tar => tar::tar(ctx, data),
            Self::Cpio => cpio::cpio(ctx, data),
            Self::Zip => zip::zip(ctx, data),
            Self::Gzip => compress::gzip(ctx, data.as_slice()),
            Self::Xz => compress::xz(ctx, data.as_slice()),
            Self::LzmaAlone => compress::lzma_alone(ctx, data.as_slice()),
            Self::Arcadyan => compress::arcadyan(ctx, data.as_slice()),
            Self::Bzip2 => compress::bzip2(ctx, data.as_slice()),
            Self::Zstd => compress::zstd(ctx, data.as_slice()),
            Self::Lz4Frame => compress::lz4_frame(ctx, data.as_slice()),
            Self::Lz4Legacy => compress::lz4_legacy(ctx, data.as_slice()),
            Self::Lzop => compress::lzop(ctx, data.as_slice()),
            Self::Arj => arj::arj(ctx, data),
            Self::SevenZip => carve::sevenzip(data),
            Self::Jpeg => carve::jpeg(data),
            Self::Png => carve::png(data),
            Self::Gif => carve::gif(data),
            Self::Bmp => carve::bmp(data),
            Self::Riff => carve::riff(data),
            Self::Pdf => carve::pdf(data),
        }
    }
}

/// Little-endian and big-endian integer reads that never panic.
pub(crate) mod read {
    pub(crate) fn bytes<const N: usize>(b: &[u8], off: usize) -> Option<[u8; N]> {
        b.get(off..off.checked_add(N)?)?.try_into().ok()
    }
    pub(crate) fn u16le(b: &[u8], off: usize) -> Option<u16> {
        bytes(b, off).map(u16::from_le_bytes)
    }
    pub(crate) fn u16be(b: &[u8], off: usize) -> Option<u16> {
        bytes(b, off).map(u16::from_be_bytes)
    }
    pub(crate) fn u32le(b: &[u8], off: usize) -> Option<u32> {
        bytes(b, off).map(u32::from_le_bytes)
    }
    pub(crate) fn u32be(b: &[u8], off: usize) -> Option<u32> {
        bytes(b, off).map(u32::from_be_bytes)
    }
    pub(crate) fn u64le(b: &[u8], off: usize) -> Option<u64> {
        bytes(b, off).map(u64::from_le_bytes)
    }
    pub(crate) fn u64be(b: &[u8], off: usize) -> Option<u64> {
        bytes(b, off).map(u64::from_be_bytes)
    }
    /// A NUL-terminated string of at most `max` bytes within `b[off..]`, lossily decoded.
    pub(crate) fn cstr(b: &[u8], off: usize, max: usize) -> Option<String> {
        let s = b.get(off..)?;
        let s = s.get(..max.min(s.len()))?;
        let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
        Some(crate::vfs::name_text(s.get(..end)?).into_owned())
    }
}

/// Inserts one archive entry into `tree`, charging the entry budget and recording
/// normalised or conflicting names as problems.
pub(crate) fn add_entry(
    ctx: &mut Ctx<'_>,
    tree: &mut Tree,
    problems: &mut Vec<Problem>,
    name: &str,
    kind: crate::vfs::Kind,
    meta: crate::vfs::Meta,
    offset: usize,
) -> Result<(), Limit> {
    ctx.charge_entry()?;
    match tree.insert(name, kind, meta) {
        crate::vfs::Inserted::Normalised => problems.push(Problem::new(
            ProblemKind::PathNormalised,
            Some(offset as u64),
            format!("entry name {name:?} is absolute or leaves the root; kept inside the root"),
        )),
        crate::vfs::Inserted::Conflict => problems.push(Problem::new(
            ProblemKind::PathConflict,
            Some(offset as u64),
            format!("entry {name:?} lies below a non-directory; dropped"),
        )),
        crate::vfs::Inserted::KeptBoth(kept) => problems.push(
            Problem::new(
                ProblemKind::PathConflict,
                Some(offset as u64),
                format!(
                    "entry {name:?} would replace a directory that has entries; the directory is kept and the entry stored beside it as {kept:?}"
                ),
            )
            .at(kept),
        ),
        crate::vfs::Inserted::Ok | crate::vfs::Inserted::Root => {}
    }
    Ok(())
}

/// Parses an octal (or GNU base-256) numeric field.
pub(crate) fn octal(field: &[u8]) -> Option<u64> {
    if let Some((&first, rest)) = field.split_first()
        && first & 0x80 != 0
    {
        let mut v: u64 = u64::from(first & 0x7f);
        for &c in rest {
            v = v.checked_mul(256)?.checked_add(u64::from(c))?;
        }
        return Some(v);
    }
    let mut v: u64 = 0;
    let mut seen = false;
    for &c in field {
        match c {
            b'0'..=b'7' => {
                v = v.checked_mul(8)?.checked_add(u64::from(c - b'0'))?;
                seen = true;
            }
            b' ' | 0 if !seen => {}
            b' ' | 0 => break,
            _ => return None,
        }
    }
    Some(v)
}
