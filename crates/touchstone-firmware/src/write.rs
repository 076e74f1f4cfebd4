//! Writing trees to disk, safely.
//!
//! Invariant: nothing is created outside the output directory, whatever the names or
//! links in the image. It holds because (1) host paths are built only from tree node
//! names, which [`crate::vfs`] guarantees are single normal components (no `/`, `.`, `..`,
//! NUL); (2) a symlink node never has children, so every parent on a host path is a real
//! directory this writer created; (3) files are opened with `create_new`, which refuses to
//! follow an existing link; (4) links are created last, and each target is rewritten to
//! a relative path that climbs at most to the tree's own directory, so even a chain of
//! links can only lead to places inside it. Device nodes and FIFOs are not created;
//! setuid, setgid and sticky bits are not applied.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::model::{Limits, Problem, ProblemKind, Unpacked};
use crate::vfs::{Kind, Tree, normalise};

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
    /// Devices, FIFOs and sockets skipped (metadata only).
    pub skipped_special: u64,
    /// Bytes of file content written.
    pub bytes: u64,
    /// Problems met; writing goes on after each.
    pub problems: Vec<Problem>,
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

/// Writes every tree of `unpacked` below `dir`, one sub-directory per tree.
///
/// `dir` must not exist or must be empty. Stops writing file content once
/// `limits.max_output_bytes` have been written (recorded as a problem).
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
    let mut report = WriteReport::default();
    for tree in &unpacked.trees {
        let root = dir.join(tree_dir_name(unpacked, tree));
        fs::create_dir(&root).map_err(io(&root))?;
        let mut links = Vec::new();
        for (path, _, node) in tree.walk() {
            let (comps, _) = normalise(&path);
            let host = comps.iter().fold(root.clone(), |p, c| p.join(c));
            // An entry the host cannot hold (a name too long, a full disk) is a problem,
            // not the end of the whole write.
            let result = match &node.kind {
                Kind::Dir => fs::create_dir(&host).map(|()| report.directories += 1),
                Kind::File(data) => {
                    let len = data.len() as u64;
                    let content: &[u8] =
                        if report.bytes.saturating_add(len) > limits.max_output_bytes {
                            if report
                                .problems
                                .iter()
                                .all(|p| p.kind != ProblemKind::LimitOutput)
                            {
                                report.problems.push(Problem::new(
                                ProblemKind::LimitOutput,
                                None,
                                format!(
                                    "output limit of {} bytes reached; further files written empty",
                                    limits.max_output_bytes
                                ),
                            ));
                            }
                            &[]
                        } else {
                            data.as_slice()
                        };
                    fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&host)
                        .and_then(|mut f| f.write_all(content))
                        .map(|()| {
                            report.bytes += content.len() as u64;
                            report.files += 1;
                            set_mode(&host, node.meta.mode & 0o755 | 0o600);
                        })
                }
                Kind::Symlink(target) => {
                    links.push((path.clone(), host, target.clone()));
                    Ok(())
                }
                _ => {
                    report.skipped_special += 1;
                    Ok(())
                }
            };
            if let Err(e) = result
                && report.problems.len() < 100
            {
                report
                    .problems
                    .push(Problem::new(ProblemKind::Io, None, format!("{path}: {e}")));
            }
        }
        for (path, host, target) in links {
            let rel = contained_link_target(&path, &target);
            match symlink(&rel, &host) {
                Ok(()) => report.links += 1,
                Err(e) => report.problems.push(Problem::new(
                    ProblemKind::Io,
                    None,
                    format!("link {path}: {e}"),
                )),
            }
        }
    }
    Ok(report)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

#[cfg(unix)]
fn symlink(target: &str, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, at)
}

#[cfg(not(unix))]
fn symlink(_: &str, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "symbolic links are only written on Unix",
    ))
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
