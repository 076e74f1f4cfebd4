//! The view of an unpacked image that analysers need.
//!
//! Checks never touch the host file system: they read through this trait,
//! which the firmware crate's virtual tree implements (following symbolic
//! links inside the image root the way the device would). [`MemFiles`] is a
//! small in-memory implementation for tests.

use std::borrow::Cow;
use std::collections::BTreeMap;

/// Read-only access to an image's files by absolute path inside the image.
pub trait Files {
    /// The bytes of a regular file, following links; `None` when absent.
    /// Borrowed where the implementation holds the bytes, so that checks
    /// reading every file do not copy the image again and again.
    fn read(&self, path: &str) -> Option<Cow<'_, [u8]>>;
    /// The names in a directory, sorted; empty when it is not a directory.
    fn list(&self, dir: &str) -> Vec<String>;
    /// Every regular file path in the image, sorted.
    fn paths(&self) -> Vec<String>;
    /// Owner and permission bits of every entry that has them (files and
    /// directories), for checks on setuid and writable files.
    fn modes(&self) -> Vec<EntryMode> {
        Vec::new()
    }
}

/// Owner and mode of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMode {
    /// Absolute path inside the image.
    pub path: String,
    /// Permission bits including setuid (0o4000), setgid and sticky.
    pub mode: u32,
    /// Owner user id.
    pub uid: u32,
    /// Whether it is a directory.
    pub dir: bool,
}

/// An in-memory image: paths to contents.
#[derive(Debug, Clone, Default)]
pub struct MemFiles {
    files: BTreeMap<String, Vec<u8>>,
    modes: Vec<EntryMode>,
}

impl MemFiles {
    /// An empty image.
    pub fn new() -> MemFiles {
        MemFiles::default()
    }

    /// Add a file (paths are absolute, `/etc/inittab`).
    #[must_use]
    pub fn with(mut self, path: &str, content: impl Into<Vec<u8>>) -> MemFiles {
        self.files.insert(normalize(path), content.into());
        self
    }

    /// Set the owner and mode of a path.
    #[must_use]
    pub fn with_mode(mut self, path: &str, mode: u32, uid: u32) -> MemFiles {
        self.modes.push(EntryMode {
            path: normalize(path),
            mode,
            uid,
            dir: false,
        });
        self
    }
}

/// Normalise an absolute path inside an image: collapse `//`, `.` and `..`
/// (never above the root).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

impl Files for MemFiles {
    fn read(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        self.files
            .get(&normalize(path))
            .map(|v| Cow::Borrowed(v.as_slice()))
    }

    fn list(&self, dir: &str) -> Vec<String> {
        let dir = normalize(dir);
        let prefix = if dir == "/" {
            "/".to_owned()
        } else {
            format!("{dir}/")
        };
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or(rest).to_owned())
            .collect();
        names.dedup();
        names
    }

    fn paths(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    fn modes(&self) -> Vec<EntryMode> {
        // Paths with a mode but no content are directories.
        self.modes
            .iter()
            .map(|m| EntryMode {
                dir: !self.files.contains_key(&m.path),
                ..m.clone()
            })
            .collect()
    }
}
