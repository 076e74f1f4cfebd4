//! SquashFS through `backhand`: v4 little and big endian (gzip, lzma, lzo, xz, lz4, zstd),
//! AVM's mixed-endian v4, vendor LZMA v4 (TRENDnet), v3 with its LZMA variants. The
//! variant is found by trying the candidate kinds for the superblock's version and byte
//! order and keeping the first whose files decode. v1/v2 are identified, not extracted.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use backhand::kind::Kind as BhKind;
use backhand::traits::filesystem::{BackhandInnerNode, BackhandNode};
use backhand::{FilesystemReaderTrait, create_squashfs_from_kind, kind};

use super::{Chunk, Ctx, FormatError, Output, add_entry, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};
use crate::vfs::{Kind, Meta, Tree};

fn candidates(major: u16, le: bool) -> Vec<(&'static str, backhand::kind::Kind)> {
    let list: Vec<(&'static str, _)> = match (major, le) {
        (4, true) => vec![
            ("v4 le", kind::LE_V4_0),
            ("v4 le vendor-lzma", kind::LE_V4_0_LZMA),
        ],
        (4, false) => vec![
            ("v4 be", kind::BE_V4_0),
            ("v4 avm-be", kind::AVM_BE_V4_0),
            ("v4 be vendor-lzma", kind::BE_V4_0_LZMA),
        ],
        (3, true) => vec![
            ("v3 le", kind::LE_V3_0),
            ("v3 le lzma", kind::LE_V3_0_LZMA),
            ("v3 le lzma-swap", kind::LE_V3_0_LZMA_SWAP_STANDARD),
            ("v3.1 le lzma-swap", kind::LE_V3_1_LZMA_SWAP),
        ],
        (3, false) => vec![
            ("v3 be", kind::BE_V3_0),
            ("v3 be lzma", kind::BE_V3_0_LZMA),
            ("v3 be netgear-lzma", kind::NETGEAR_BE_V3_0_LZMA),
            (
                "v3 be netgear-lzma-standard",
                kind::NETGEAR_BE_V3_0_LZMA_STANDARD,
            ),
            ("v3 be lzma-swap", kind::BE_V3_0_LZMA_SWAP_STANDARD),
            ("v3.1 be lzma-swap", kind::BE_V3_1_LZMA_SWAP),
        ],
        _ => Vec::new(),
    };
    list.into_iter()
        .filter_map(|(n, k)| BhKind::from_const(k).ok().map(|k| (n, k)))
        .collect()
}

fn open<'b>(bytes: &'b [u8], k: BhKind) -> Result<Box<dyn FilesystemReaderTrait + 'b>, String> {
    match catch_unwind(AssertUnwindSafe(|| {
        create_squashfs_from_kind(Cursor::new(bytes), 0, k)
    })) {
        Ok(Ok(fs)) => Ok(fs),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("reader panicked".into()),
    }
}

fn read_file(
    fs: &dyn FilesystemReaderTrait,
    f: &backhand::traits::filesystem::BackhandSquashfsFileReader,
) -> Result<Vec<u8>, String> {
    match catch_unwind(AssertUnwindSafe(|| fs.file_data(f))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("decoder panicked".into()),
    }
}

/// Whether the first few non-empty files decode.
fn sample_ok(fs: &dyn FilesystemReaderTrait) -> bool {
    let mut tried = 0;
    for n in fs.files() {
        if let BackhandInnerNode::File(f) = &n.inner
            && f.file_len() > 0
            && f.file_len() < 16 << 20
        {
            if read_file(fs, f).is_err() {
                return false;
            }
            tried += 1;
            if tried == 3 {
                break;
            }
        }
    }
    true
}

fn decode_dev(dev: u32) -> (u32, u32) {
    ((dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00))
}

/// Parses a SquashFS image starting at the beginning of `data`.
pub(crate) fn squashfs(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let le = b.get(..4) == Some(b"hsqs");
    let u16r = |b: &[u8], o| {
        if le {
            read::u16le(b, o)
        } else {
            read::u16be(b, o)
        }
    };
    let u32r = |b: &[u8], o| {
        if le {
            read::u32le(b, o)
        } else {
            read::u32be(b, o)
        }
    };
    let u64r = |b: &[u8], o| {
        if le {
            read::u64le(b, o)
        } else {
            read::u64be(b, o)
        }
    };
    let major = u16r(b, 28).ok_or(FormatError::Truncated("squashfs superblock"))?;
    let minor = u16r(b, 30).ok_or(FormatError::Truncated("squashfs superblock"))?;
    let bytes_used = match major {
        4 => u64r(b, 40),
        3 => u64r(b, 63),
        1 | 2 => u32r(b, 8).map(u64::from),
        _ => None,
    }
    .ok_or_else(|| bad("squashfs version"))?;
    // Minor 76 ('L') marks the LZMA builds of squashfs-tools 2.x/3.x (sasquatch variants).
    if bytes_used < 96 || !(minor <= 1 || minor == 76) {
        return Err(bad("squashfs superblock"));
    }
    // The block size and its log must agree (v3 and v4): with this the superblock is
    // valid, and a body the reader refuses is a problem rather than a false match.
    let (block_size, block_log) = match major {
        4 => (u32r(b, 12), u16r(b, 22)),
        3 => (u32r(b, 51), u16r(b, 34)),
        _ => (Some(0), Some(0)),
    };
    let (Some(block_size), Some(block_log)) = (block_size, block_log) else {
        return Err(FormatError::Truncated("squashfs superblock"));
    };
    if major >= 3 && (block_log > 31 || 1u32 << block_log != block_size || block_log < 12) {
        return Err(bad("squashfs block size"));
    }
    let mut problems = Vec::new();
    let used = usize::try_from(bytes_used).unwrap_or(usize::MAX);
    let mut size = used.min(b.len());
    if used > b.len() {
        problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(40),
            format!("squashfs claims {used} bytes, {} present", b.len()),
        ));
    } else {
        // Include the zero padding up to the 4 KiB boundary mksquashfs writes.
        let padded = used.div_ceil(4096) * 4096;
        if b.get(used..padded)
            .is_some_and(|p| p.iter().all(|&c| c == 0))
        {
            size = padded;
        }
    }
    let endian = if le { "le" } else { "be" };
    if major < 3 {
        let bytes = b.get(..size).unwrap_or(b);
        let mut c = match super::squashfs_v2::squashfs_v2(ctx, bytes) {
            Ok((tree, mut more)) => {
                problems.append(&mut more);
                Chunk::new("squashfs", size, Output::Tree(tree))
            }
            Err(e) => {
                problems.push(Problem::new(
                    ProblemKind::Unsupported,
                    Some(0),
                    format!("SquashFS v{major} could not be extracted: {e}"),
                ));
                Chunk::new("squashfs", size, Output::Nothing)
            }
        };
        c.detail = Some(format!("v{major}.{minor} {endian}"));
        c.problems = problems;
        return Ok(c);
    }
    let bytes = b.get(..size).unwrap_or(b);
    let mut chosen: Option<(&'static str, Box<dyn FilesystemReaderTrait + '_>)> = None;
    let mut fallback = None;
    let mut refusals: Vec<String> = Vec::new();
    for (name, k) in candidates(major, le) {
        if let Err(l) = ctx.check_time() {
            return Err(FormatError::Limit(l));
        }
        match open(bytes, k) {
            Ok(fs) => {
                if sample_ok(fs.as_ref()) {
                    chosen = Some((name, fs));
                    break;
                }
                if fallback.is_none() {
                    fallback = Some((name, fs));
                }
            }
            Err(e) => {
                if !refusals.contains(&e) {
                    refusals.push(e);
                }
            }
        }
    }
    let Some((variant, fs)) = chosen.or(fallback) else {
        return Err(FormatError::Refused(format!(
            "squashfs v{major}.{minor} {endian}: {}",
            if refusals.is_empty() {
                "no reader for this variant".to_owned()
            } else {
                refusals.join("; ")
            }
        )));
    };
    let mut tree = Tree::new(0, ctx.limits.max_link_hops);
    let nodes: Vec<BackhandNode> = match catch_unwind(AssertUnwindSafe(|| fs.files().collect())) {
        Ok(v) => v,
        Err(_) => {
            return Err(FormatError::Refused(
                "squashfs directory walk failed (reader panicked)".into(),
            ));
        }
    };
    let mut errors = 0usize;
    let mut skipped: Option<String> = None;
    for n in nodes {
        let full = crate::vfs::name_text(std::os::unix::ffi::OsStrExt::as_bytes(
            n.fullpath.as_os_str(),
        ));
        let path = full.trim_start_matches('/').to_owned();
        let meta = Meta {
            mode: u32::from(n.header.permissions & 0o7777),
            uid: n.header.uid,
            gid: n.header.gid,
            mtime: u64::from(n.header.mtime),
        };
        let kind = match &n.inner {
            BackhandInnerNode::Dir => Kind::Dir,
            BackhandInnerNode::Symlink { link } => Kind::Symlink(
                crate::vfs::name_text(std::os::unix::ffi::OsStrExt::as_bytes(link.as_os_str()))
                    .into_owned(),
            ),
            BackhandInnerNode::CharacterDevice { device_number } => {
                let (major, minor) = decode_dev(*device_number);
                Kind::CharDevice { major, minor }
            }
            BackhandInnerNode::BlockDevice { device_number } => {
                let (major, minor) = decode_dev(*device_number);
                Kind::BlockDevice { major, minor }
            }
            BackhandInnerNode::NamedPipe => Kind::Fifo,
            BackhandInnerNode::Socket => Kind::Socket,
            BackhandInnerNode::File(f) => {
                let declared = f.file_len() as u64;
                if declared > ctx.remaining_bytes() {
                    // Skip this one file (a sparse 4 GiB file must not stop the walk):
                    // later, smaller files may still fit.
                    skipped = Some(format!(
                        "declares {declared} bytes, more than the {} left of the output budget; skipped",
                        ctx.remaining_bytes()
                    ));
                    Kind::File(Data::from_vec(Vec::new()))
                } else {
                    match read_file(fs.as_ref(), f) {
                        Ok(v) => {
                            if let Err(l) = ctx.charge_bytes(v.len() as u64) {
                                problems.push(l.problem(None, ctx.limits));
                                break;
                            }
                            Kind::File(Data::from_vec(v))
                        }
                        Err(e) => {
                            errors += 1;
                            skipped = Some(format!("cannot be decoded: {e}"));
                            Kind::File(Data::from_vec(Vec::new()))
                        }
                    }
                }
            }
        };
        if let Err(l) = add_entry(ctx, &mut tree, &mut problems, &path, kind, meta, 0) {
            problems.push(l.problem(None, ctx.limits));
            break;
        }
        if let Some(why) = skipped.take() {
            tree.mark_incomplete(&path, why.clone());
            if errors <= 20 && problems.len() < 100 {
                problems.push(
                    Problem::new(ProblemKind::FileSkipped, None, format!("/{path}: {why}"))
                        .at(format!("/{path}")),
                );
            }
        }
    }
    if errors > 20 {
        problems.push(Problem::new(
            ProblemKind::Malformed,
            None,
            format!("{errors} files could not be decoded in total (first 20 listed)"),
        ));
    }
    let mut c = Chunk::new("squashfs", size, Output::Tree(tree));
    c.detail = Some(variant.to_owned());
    c.problems = problems;
    Ok(c)
}
