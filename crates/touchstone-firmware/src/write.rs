//! Writing trees to disk, safely.
//!
//! Invariant: nothing is created outside the output directory, whatever the names or
//! links in the image. It holds because (1) every entry is created relative to an open
//! handle of its parent directory (`openat`, `mkdirat`, `symlinkat`, `linkat`) with a
//! name that [`crate::vfs`] guarantees is a single normal component (no `/`, `.`, `..`,
//! NUL); (2) directories are entered with `O_NOFOLLOW | O_DIRECTORY` and files created
//! with `O_CREAT | O_EXCL | O_NOFOLLOW`, so no existing link is ever followed; (3) each
//! link target is rewritten to a relative path that climbs at most to the tree's own
//! directory, so even a chain of links can only lead to places inside it. Device nodes
//! and FIFOs are not created; setuid, setgid and sticky bits are not applied.
//!
//! Because every call is relative to a directory handle, path length is no limit: a
//! tree 100,000 directories deep is written with one open directory at a time (the
//! walk climbs back with `..`, which in directories this writer created is the parent).
//! Files that share one content in the tree (hard links) become hard links on disk.
//! Nested layers (a `.tar.gz` found inside a root filesystem) are written beside their
//! file, in `<file>.extracted/<layer>-<format>-<offset>/`.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags};

use crate::model::{Limits, Problem, ProblemKind, Unpacked};
use crate::vfs::{Kind, NodeId, ROOT, Tree, normalise};

/// Most problems listed one by one in a [`WriteReport`]; the rest are counted.
const MAX_LISTED: usize = 200;

/// What [`write_to_dir`] did.
#[derive(Debug, Default, Clone)]
#[non_exhaustive]
pub struct WriteReport {
    /// Regular files written.
    pub files: u64,
    /// Directories created (tree directories included, roots excluded).
    pub directories: u64,
    /// Symbolic links created (targets rewritten to stay inside the output).
    pub links: u64,
    /// Hard links created for files that share one content in the tree.
    pub hard_links: u64,
    /// Devices, FIFOs and sockets skipped (metadata only).
    pub skipped_special: u64,
    /// Bytes of file content written.
    pub bytes: u64,
    /// Entries not written completely (each also a problem, the first
    /// [`MAX_LISTED`](self) listed one by one): files whose content was skipped or cut
    /// by a limit or is incomplete in the tree, entries the host refused, directories
    /// that could not be entered with everything below them.
    pub incomplete: u64,
    /// Links whose target was rewritten to stay inside the output: path in the tree,
    /// literal target in the image, target written.
    pub rewritten_links: Vec<(String, String, String)>,
    /// Problems met; writing goes on after each.
    pub problems: Vec<Problem>,
}

impl WriteReport {
    fn incomplete(&mut self, kind: ProblemKind, path: String, message: String) {
        self.incomplete += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems
                .push(Problem::new(kind, None, message).at(path));
        } else if self.problems.len() == MAX_LISTED {
            self.problems.push(Problem::new(
                kind,
                None,
                "further incomplete entries not listed; see the count",
            ));
        }
    }
}

/// Why writing could not start or had to stop.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The output directory exists and is not empty.
    #[error("output directory `{0}` exists and is not empty")]
    NotEmpty(PathBuf),
    /// An I/O error on a path inside the output directory.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The directory name of a tree: `<layer>-<format>-<offset>` with safe characters only.
fn tree_dir_name(unpacked: &Unpacked, tree: &Tree) -> String {
    let (format, offset) = unpacked
        .layers
        .get(tree.layer)
        .map_or(("layer", 0), |l| (l.format.as_str(), l.offset));
    let format: String = format
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{:03}-{format}-{offset:#x}", tree.layer)
}

/// Rewrites a link target (as stored in the image) to a relative path from the link's
/// directory that never climbs above the tree root.
#[must_use]
pub fn contained_link_target(link_path: &str, target: &str) -> String {
    let (link_comps, _) = normalise(link_path);
    let parent = link_comps
        .get(..link_comps.len().saturating_sub(1))
        .unwrap_or(&[]);
    let joined = if target.starts_with('/') {
        target.to_owned()
    } else {
        format!("{}/{target}", parent.join("/"))
    };
    let (resolved, _) = normalise(&joined);
    let mut parts: Vec<String> = parent.iter().map(|_| "..".to_owned()).collect();
    parts.extend(resolved);
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

/// The contained target of the link `id`, computed without building the link's path
/// when the target only goes down (the common case, and cheap in deep trees).
fn link_target(tree: &Tree, id: NodeId, target: &str) -> String {
    let goes_up = target.starts_with('/') || target.split('/').any(|c| c == "..");
    if goes_up {
        contained_link_target(&tree.path_of(id), target)
    } else {
        let (comps, _) = normalise(target);
        if comps.is_empty() {
            ".".to_owned()
        } else {
            comps.join("/")
        }
    }
}

const DIR_FLAGS: OFlags = OFlags::DIRECTORY
    .union(OFlags::NOFOLLOW)
    .union(OFlags::RDONLY)
    .union(OFlags::CLOEXEC);

fn open_dir(at: impl AsFd, name: &str) -> std::io::Result<OwnedFd> {
    let name = crate::vfs::name_bytes(name);
    Ok(rustix::fs::openat(at, &*name, DIR_FLAGS, Mode::empty())?)
}

/// Creates (if missing) and opens `name` below `at`.
fn make_dir(at: impl AsFd + Copy, name: &str) -> std::io::Result<(OwnedFd, bool)> {
    let created = match rustix::fs::mkdirat(
        at,
        &*crate::vfs::name_bytes(name),
        Mode::from_raw_mode(0o755),
    ) {
        Ok(()) => true,
        Err(rustix::io::Errno::EXIST) => false,
        Err(e) => return Err(e.into()),
    };
    Ok((open_dir(at, name)?, created))
}

/// Where each tree goes: the components below the output directory.
fn tree_location(
    unpacked: &Unpacked,
    tree: &Tree,
    placed: &HashMap<usize, Vec<String>>,
) -> Vec<String> {
    let own = tree_dir_name(unpacked, tree);
    // The nearest `file` layer above this tree's layer, and the tree that holds the file.
    let mut current = unpacked.layers.get(tree.layer).and_then(|l| l.parent);
    let mut guard = 0usize;
    while let Some(i) = current {
        guard += 1;
        if guard > unpacked.layers.len() {
            break;
        }
        let Some(layer) = unpacked.layers.get(i) else {
            break;
        };
        if layer.format == "file"
            && let Some(holder) = layer.parent
            && let Some(t) = unpacked.layers.get(holder).and_then(|l| l.tree)
            && let Some(base) = placed.get(&t)
            && let Some(path) = layer.detail.as_deref()
        {
            let (mut comps, _) = normalise(path);
            if let Some(last) = comps.last_mut() {
                last.push_str(".extracted");
                let mut out = base.clone();
                out.append(&mut comps);
                out.push(own);
                return out;
            }
        }
        current = layer.parent;
    }
    vec![own]
}

/// Writes every tree of `unpacked` below `dir`, one sub-directory per tree; trees of
/// nested layers go beside the file they were found in (`payload.tar.gz.extracted/`).
///
/// `dir` must not exist or must be empty. Stops writing file content once
/// `limits.max_output_bytes` have been written; every file left short or empty (by that
/// limit, by the host, or because the tree marks it incomplete) is counted in
/// [`WriteReport::incomplete`] and named in a problem.
///
/// # Errors
/// [`WriteError`] when `dir` is unusable or an I/O operation fails.
pub fn write_to_dir(
    unpacked: &Unpacked,
    dir: &Path,
    limits: &Limits,
) -> Result<WriteReport, WriteError> {
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(WriteError::NotEmpty(dir.to_owned()));
        }
    } else {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let top = rustix::fs::openat(rustix::fs::CWD, dir, DIR_FLAGS, Mode::empty()).map_err(|e| {
        WriteError::Io {
            path: dir.to_owned(),
            source: e.into(),
        }
    })?;
    let mut report = WriteReport::default();
    let mut placed: HashMap<usize, Vec<String>> = HashMap::new();
    for (t, tree) in unpacked.trees.iter().enumerate() {
        let location = tree_location(unpacked, tree, &placed);
        let shown = location.join("/");
        // Open (creating) each component: path length is no limit.
        let mut cur: Option<OwnedFd> = None;
        let mut failed = None;
        for c in &location {
            let opened = match &cur {
                None => make_dir(top.as_fd(), c),
                Some(fd) => make_dir(fd.as_fd(), c),
            };
            match opened {
                Ok((fd, _)) => cur = Some(fd),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let root = match (cur, failed) {
            (Some(fd), None) => fd,
            (_, e) => {
                let e = e.map_or_else(|| "no location".to_owned(), |e| e.to_string());
                report.incomplete(
                    ProblemKind::Io,
                    shown.clone(),
                    format!("{shown}: cannot create the tree directory: {e}; tree not written"),
                );
                continue;
            }
        };
        placed.insert(t, location);
        write_tree(tree, root, limits, &mut report);
    }
    Ok(report)
}

struct Frame {
    kids: Vec<NodeId>,
    next: usize,
}

/// Writes one tree into the open directory `root`, depth first, holding one directory
/// handle at a time.
fn write_tree(tree: &Tree, root: OwnedFd, limits: &Limits, report: &mut WriteReport) {
    let kids_of = |id: NodeId| -> Vec<NodeId> { tree.children(id).map(|(_, c)| c).collect() };
    let mut cur = root;
    let mut stack = vec![Frame {
        kids: kids_of(ROOT),
        next: 0,
    }];
    // The first node written for each shared content, for hard links.
    let mut first: HashMap<(usize, usize, usize), NodeId> = HashMap::new();
    let root_path: Option<OwnedFd> = rustix::fs::openat(&cur, ".", DIR_FLAGS, Mode::empty()).ok();
    while let Some(top) = stack.last_mut() {
        let Some(&id) = top.kids.get(top.next) else {
            stack.pop();
            if !stack.is_empty() {
                match open_dir(&cur, "..") {
                    Ok(fd) => cur = fd,
                    Err(e) => {
                        report.incomplete(
                            ProblemKind::Io,
                            String::new(),
                            format!(
                                "cannot climb back to a parent directory: {e}; tree write stopped"
                            ),
                        );
                        return;
                    }
                }
            }
            continue;
        };
        top.next += 1;
        let Some(node) = tree.node(id) else { continue };
        let name = node.name();
        match &node.kind {
            Kind::Dir => match make_dir(&cur, name) {
                Ok((fd, created)) => {
                    if created {
                        report.directories += 1;
                    }
                    cur = fd;
                    stack.push(Frame {
                        kids: kids_of(id),
                        next: 0,
                    });
                }
                Err(e) => {
                    let path = tree.path_of(id);
                    report.incomplete(
                        ProblemKind::Io,
                        path.clone(),
                        format!("{path}: directory not written, nor anything below it: {e}"),
                    );
                }
            },
            Kind::File(data) => {
                write_file(
                    tree,
                    id,
                    data,
                    &cur,
                    root_path.as_ref(),
                    &mut first,
                    limits,
                    report,
                );
            }
            Kind::Symlink(target) => {
                let rel = link_target(tree, id, target);
                match rustix::fs::symlinkat(rel.as_str(), &cur, &*crate::vfs::name_bytes(name)) {
                    Ok(()) => {
                        report.links += 1;
                        if rel != *target && report.rewritten_links.len() < 10_000 {
                            report
                                .rewritten_links
                                .push((tree.path_of(id), target.clone(), rel));
                        }
                    }
                    Err(e) => {
                        let path = tree.path_of(id);
                        report.incomplete(
                            ProblemKind::Io,
                            path.clone(),
                            format!("link {path}: {e}"),
                        );
                    }
                }
            }
            _ => report.skipped_special += 1,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn write_file(
    tree: &Tree,
    id: NodeId,
    data: &crate::data::Data,
    dir: &OwnedFd,
    root: Option<&OwnedFd>,
    first: &mut HashMap<(usize, usize, usize), NodeId>,
    limits: &Limits,
    report: &mut WriteReport,
) {
    let Some(node) = tree.node(id) else { return };
    let name = node.name();
    // A second name for content already written: a hard link, no new bytes.
    if !data.is_empty()
        && let Some(&other) = first.get(&data.identity())
        && let Some(root) = root
    {
        let rel = tree.path_of(other);
        let rel = rel.trim_start_matches('/');
        let rel = crate::vfs::path_bytes(rel);
        if rustix::fs::linkat(
            root,
            &*rel,
            dir,
            &*crate::vfs::name_bytes(name),
            AtFlags::empty(),
        )
        .is_ok()
        {
            report.hard_links += 1;
            report.files += 1;
            return;
        }
    }
    let len = data.len() as u64;
    let over = report.bytes.saturating_add(len) > limits.max_output_bytes;
    let content: &[u8] = if over { &[] } else { data.as_slice() };
    let flags = OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::WRONLY | OFlags::CLOEXEC;
    let opened = rustix::fs::openat(
        dir,
        &*crate::vfs::name_bytes(name),
        flags,
        Mode::from_raw_mode(0o600),
    );
    let written = opened.map_err(std::io::Error::from).and_then(|fd| {
        let mut f = fs::File::from(fd);
        f.write_all(content)?;
        let _ = rustix::fs::fchmod(&f, Mode::from_raw_mode(node.meta.mode & 0o755 | 0o600));
        Ok(())
    });
    match written {
        Ok(()) => {
            report.bytes += content.len() as u64;
            report.files += 1;
            if !data.is_empty() && !over {
                first.entry(data.identity()).or_insert(id);
            }
            if over {
                let path = tree.path_of(id);
                report.incomplete(
                    ProblemKind::LimitOutput,
                    path.clone(),
                    format!(
                        "{path}: written empty, its {len} bytes would pass the output limit of {} bytes",
                        limits.max_output_bytes
                    ),
                );
            } else if let Some(why) = node.incomplete() {
                let path = tree.path_of(id);
                report.incomplete(
                    ProblemKind::FileSkipped,
                    path.clone(),
                    format!("{path}: incomplete in the image: {why}"),
                );
            }
        }
        Err(e) => {
            let path = tree.path_of(id);
            report.incomplete(ProblemKind::Io, path.clone(), format!("{path}: {e}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::contained_link_target;

    #[test]
    fn link_targets_stay_inside() {
        assert_eq!(contained_link_target("/bar", "/etc/passwd"), "etc/passwd");
        assert_eq!(contained_link_target("/foo", "../../"), ".");
        assert_eq!(contained_link_target("/subdir/foo2", "../../../../"), "..");
        assert_eq!(
            contained_link_target("/subdir/bar2", "/etc/shadow"),
            "../etc/shadow"
        );
        assert_eq!(contained_link_target("/a/b/c", "../x"), "../../a/x");
    }
}
