//! ext2/ext3/ext4 through `ext4-view` (read-only, pure Rust). The superblock is checked
//! here first, since the 2-byte magic alone matches often.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ext4_view::{Ext4, Ext4Read, FileType};

use super::{Chunk, Ctx, FormatError, Limit, Output, add_entry, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};
use crate::vfs::{Kind, Meta, Tree};

/// Offset of the superblock magic from the start of the filesystem.
pub(crate) const MAGIC_AT: usize = 1024 + 56;

struct Reader(Data);

impl Ext4Read for Reader {
    fn read(
        &mut self,
        start: u64,
        dst: &mut [u8],
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        let b = self.0.as_slice();
        let s = usize::try_from(start)?;
        let src = b
            .get(s..s.saturating_add(dst.len()))
            .filter(|x| x.len() == dst.len())
            .ok_or("read beyond the image")?;
        dst.copy_from_slice(src);
        Ok(())
    }
}

/// Whether the superblock sets the 64-bit feature (block counts and group
/// descriptors then have high halves).
fn blocks_hi_feature(b: &[u8], rev: u32) -> bool {
    rev >= 1 && read::u32le(b, 1024 + 96).is_some_and(|incompat| incompat & 0x80 != 0)
}

/// ext2/3/4 starting at the beginning of `data`.
pub(crate) fn ext(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let sb = 1024usize;
    let t = || FormatError::Truncated("ext superblock");
    let inodes = read::u32le(b, sb).ok_or_else(t)?;
    let blocks = u64::from(read::u32le(b, sb + 4).ok_or_else(t)?);
    let first_data_block = read::u32le(b, sb + 20).ok_or_else(t)?;
    let log_block = read::u32le(b, sb + 24).ok_or_else(t)?;
    let blocks_per_group = read::u32le(b, sb + 32).ok_or_else(t)?;
    let state = read::u16le(b, sb + 58).ok_or_else(t)?;
    let rev = read::u32le(b, sb + 76).ok_or_else(t)?;
    if inodes == 0
        || blocks == 0
        || log_block > 6
        || first_data_block > 1
        || blocks_per_group == 0
        || state > 7
        || rev > 1
    {
        return Err(bad("ext superblock fields"));
    }
    let blocks_hi = if blocks_hi_feature(b, rev) {
        u64::from(read::u32le(b, sb + 0x150).unwrap_or(0))
    } else {
        0
    };
    let block_size = 1024u64 << log_block;
    // The reader allocates one descriptor per block group before it reads any
    // of them: a table that cannot be in the image is refused here, so a
    // forged block count cannot make it allocate gigabytes.
    // (The reader takes the high half of the block count whether or not the
    // 64-bit feature is set, so the bound does too.)
    let total_blocks = blocks | (blocks_hi << 32);
    let raw_hi = u64::from(read::u32le(b, sb + 0x150).unwrap_or(0));
    let groups = (blocks | (raw_hi << 32))
        .saturating_sub(u64::from(first_data_block))
        .div_ceil(u64::from(blocks_per_group));
    let desc_size = if blocks_hi_feature(b, rev) {
        u64::from(read::u16le(b, sb + 0xFE).unwrap_or(64).max(32))
    } else {
        32
    };
    if groups.saturating_mul(desc_size) > b.len() as u64 {
        return Err(FormatError::Refused(format!(
            "ext: {groups} block groups declared, their descriptor table cannot fit in {} bytes",
            b.len()
        )));
    }
    let size = usize::try_from(total_blocks.saturating_mul(block_size)).unwrap_or(usize::MAX);
    let mut problems = Vec::new();
    if size > b.len() {
        problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(4),
            format!("ext filesystem claims {size} bytes, {} present", b.len()),
        ));
    }
    let fs_data = data.slice(0..size.min(b.len()));
    let fs = match catch_unwind(AssertUnwindSafe(|| Ext4::load(Box::new(Reader(fs_data))))) {
        Ok(Ok(fs)) => fs,
        Ok(Err(e)) => return Err(FormatError::Refused(format!("ext: {e}"))),
        Err(_) => return Err(FormatError::Refused("ext reader panicked".into())),
    };
    let mut tree = Tree::new(0, ctx.limits.max_link_hops);
    let mut stack = vec![ext4_view::PathBuf::new("/")];
    let mut stopped: Option<Limit> = None;
    let mut errors = 0usize;
    let mut skipped: Option<String> = None;
    'outer: while let Some(dir) = stack.pop() {
        let entries = match fs.read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) => {
                problems.push(Problem::new(
                    ProblemKind::Malformed,
                    None,
                    format!("{}: {e}", dir.display()),
                ));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors += 1;
                    if errors <= 20 {
                        problems.push(Problem::new(
                            ProblemKind::Malformed,
                            None,
                            format!("{}: {e}", dir.display()),
                        ));
                    }
                    break;
                }
            };
            let name = entry.file_name();
            if name.as_ref() == b"." || name.as_ref() == b".." {
                continue;
            }
            let path = entry.path();
            let shown = crate::vfs::name_text(path.as_ref())
                .trim_start_matches('/')
                .to_owned();
            let Ok(md) = entry.metadata() else {
                errors += 1;
                continue;
            };
            let meta = Meta {
                mode: u32::from(md.mode() & 0o7777),
                uid: md.uid(),
                gid: md.gid(),
                mtime: u64::try_from(md.modified().seconds()).unwrap_or(0),
            };
            let kind = match md.file_type() {
                FileType::Directory => {
                    stack.push(path.clone());
                    Kind::Dir
                }
                FileType::Regular => {
                    if md.len() > ctx.remaining_bytes() {
                        // One oversized (often sparse) file is skipped; the walk goes on.
                        skipped = Some(format!(
                            "declares {} bytes, more than the {} left of the output budget; skipped",
                            md.len(),
                            ctx.remaining_bytes()
                        ));
                        Kind::File(Data::from_vec(Vec::new()))
                    } else {
                        match fs.read(&path) {
                            Ok(v) => {
                                if let Err(l) = ctx.charge_bytes(v.len() as u64) {
                                    stopped = Some(l);
                                    break 'outer;
                                }
                                Kind::File(Data::from_vec(v))
                            }
                            Err(e) => {
                                errors += 1;
                                skipped = Some(format!("cannot be read: {e}"));
                                Kind::File(Data::from_vec(Vec::new()))
                            }
                        }
                    }
                }
                FileType::Symlink => match fs.read_link(&path) {
                    Ok(t) => Kind::Symlink(crate::vfs::name_text(t.as_ref()).into_owned()),
                    Err(_) => Kind::Symlink(String::new()),
                },
                FileType::CharacterDevice => Kind::CharDevice { major: 0, minor: 0 },
                FileType::BlockDevice => Kind::BlockDevice { major: 0, minor: 0 },
                FileType::Fifo => Kind::Fifo,
                FileType::Socket => Kind::Socket,
            };
            if let Err(l) = add_entry(ctx, &mut tree, &mut problems, &shown, kind, meta, 0) {
                stopped = Some(l);
                break 'outer;
            }
            if let Some(why) = skipped.take() {
                tree.mark_incomplete(&shown, why.clone());
                if problems.len() < 100 {
                    problems.push(
                        Problem::new(ProblemKind::FileSkipped, None, format!("/{shown}: {why}"))
                            .at(format!("/{shown}")),
                    );
                }
            }
        }
    }
    if errors > 20 {
        problems.push(Problem::new(
            ProblemKind::Malformed,
            None,
            format!("{errors} entries could not be read in total"),
        ));
    }
    if let Some(l) = stopped {
        problems.push(l.problem(None, ctx.limits));
    }
    let mut c = Chunk::new("ext", size.min(b.len()), Output::Tree(tree));
    c.detail = Some(format!("rev {rev}, {block_size}-byte blocks"));
    c.problems = problems;
    Ok(c)
}
