//! The virtual filesystem tree.
//!
//! Every archive or filesystem layer becomes one [`Tree`]. Paths are normalised inside the
//! tree's root when entries are inserted: `..` never climbs above the root and absolute
//! names are taken relative to it. Symbolic links are stored as data (their target text) and
//! are only ever followed by [`Tree::resolve`], relative to the tree root with a hop limit,
//! the way the device would see them. Device nodes and FIFOs are metadata only.

use std::collections::BTreeMap;

use crate::data::Data;

/// Index of a node within its [`Tree`].
pub type NodeId = usize;

/// The root directory of every tree.
pub const ROOT: NodeId = 0;

/// Ownership, permission and time metadata, as recorded in the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Meta {
    /// Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000).
    pub mode: u32,
    /// Owner user id.
    pub uid: u32,
    /// Owner group id.
    pub gid: u32,
    /// Modification time, seconds since the epoch.
    pub mtime: u64,
}

impl Meta {
    /// Whether the setuid bit is set.
    #[must_use]
    pub fn is_setuid(&self) -> bool {
        self.mode & 0o4000 != 0
    }

    /// Whether the setgid bit is set.
    #[must_use]
    pub fn is_setgid(&self) -> bool {
        self.mode & 0o2000 != 0
    }

    /// Whether others may write.
    #[must_use]
    pub fn is_world_writable(&self) -> bool {
        self.mode & 0o002 != 0
    }
}

/// What a node is.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A directory; children are kept in the node.
    Dir,
    /// A regular file and its content.
    File(Data),
    /// A symbolic link and its target text, unresolved.
    Symlink(String),
    /// A character device (metadata only).
    CharDevice {
        /// Major number.
        major: u32,
        /// Minor number.
        minor: u32,
    },
    /// A block device (metadata only).
    BlockDevice {
        /// Major number.
        major: u32,
        /// Minor number.
        minor: u32,
    },
    /// A named pipe (metadata only).
    Fifo,
    /// A socket (metadata only).
    Socket,
}

/// One node of a [`Tree`].
#[derive(Debug, Clone)]
pub struct Node {
    name: String,
    parent: NodeId,
    children: BTreeMap<String, NodeId>,
    /// What the node is.
    pub kind: Kind,
    /// Ownership and permissions.
    pub meta: Meta,
    incomplete: Option<String>,
    /// For a symbolic link: its target's components without `.` and empty ones,
    /// computed once, so that resolving through it costs its real length.
    link: Option<Box<[Box<str>]>>,
}

/// Most path components one [`Tree::resolve`] walks (its own and those of every link it
/// follows): a link with a million `./` components must not cost hours.
pub const MAX_RESOLVE_STEPS: usize = 1 << 16;

fn link_comps(kind: &Kind) -> Option<Box<[Box<str>]>> {
    match kind {
        Kind::Symlink(t) => Some(
            t.split('/')
                .filter(|c| !c.is_empty() && *c != ".")
                .map(Box::from)
                .collect(),
        ),
        _ => None,
    }
}

impl Node {
    /// The last path component (empty for the root).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Why this node's content is incomplete (skipped, truncated, unreadable), if it is.
    /// A regular file marked so may be empty or short; a problem of its layer says more.
    #[must_use]
    pub fn incomplete(&self) -> Option<&str> {
        self.incomplete.as_deref()
    }
}

/// Counts over one tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Regular files.
    pub files: u64,
    /// Directories, root excluded.
    pub directories: u64,
    /// Symbolic links.
    pub links: u64,
    /// Devices, FIFOs, sockets.
    pub special: u64,
    /// Bytes of regular-file content.
    pub bytes: u64,
}

/// Why a path could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VfsError {
    /// No such entry.
    #[error("no such entry: {0}")]
    NotFound(String),
    /// A path component is not a directory.
    #[error("not a directory: {0}")]
    NotADirectory(String),
    /// Too many symbolic links were followed (a loop, or a chain longer than the limit).
    #[error("too many levels of symbolic links: {0}")]
    TooManyLinks(String),
    /// The entry is not a regular file.
    #[error("not a regular file: {0}")]
    NotAFile(String),
    /// Resolving took more than [`MAX_RESOLVE_STEPS`] components.
    #[error("path too complex to resolve: {0}")]
    TooComplex(String),
}

/// A virtual filesystem tree produced by one layer.
#[derive(Debug, Clone)]
pub struct Tree {
    nodes: Vec<Node>,
    /// Index of the layer that produced the tree, in [`crate::Unpacked::layers`].
    pub layer: usize,
    max_hops: u32,
}

/// How an insertion went, for the caller's problem list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// Added or replaced cleanly.
    Ok,
    /// Added, but the name was absolute or climbed above the root.
    Normalised,
    /// A parent component existed as a non-directory: the entry was dropped.
    Conflict,
    /// The name normalised to the root itself: only its metadata was taken.
    Root,
    /// The entry would have replaced a directory that has children: the directory was
    /// kept and the entry stored beside it at this path, so both stay visible.
    KeptBoth(String),
}

/// Name bytes from an image as text, reversibly ([`name_bytes`] gives the exact bytes
/// back, which is what `write_to_dir` puts on disk): valid UTF-8 without the sequence
/// `\x` as it is; otherwise each invalid byte as the four characters `\xNN` and each
/// backslash doubled. So two names that differ only in invalid bytes stay distinct (a
/// lossy conversion would merge them into one `U+FFFD` name), and a name that really
/// holds `\xff` is not confused with the byte 0xff.
pub(crate) fn name_text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    use std::fmt::Write;
    match std::str::from_utf8(b) {
        Ok(s) if !s.contains("\\x") => std::borrow::Cow::Borrowed(s),
        _ => {
            let mut out = String::with_capacity(b.len() + 8);
            for chunk in b.utf8_chunks() {
                out.push_str(&chunk.valid().replace('\\', "\\\\"));
                for x in chunk.invalid() {
                    let _ = write!(out, "\\x{x:02x}");
                }
            }
            std::borrow::Cow::Owned(out)
        }
    }
}

/// The exact bytes of one name component written by [`name_text`].
pub(crate) fn name_bytes(t: &str) -> std::borrow::Cow<'_, [u8]> {
    if !t.contains("\\x") {
        return std::borrow::Cow::Borrowed(t.as_bytes());
    }
    let b = t.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'\\', Some(b'\\')) => {
                out.push(b'\\');
                i += 2;
            }
            (b'\\', Some(b'x')) => {
                let hex = b
                    .get(i + 2..i + 4)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 4;
                    }
                    None => {
                        out.push(b'\\');
                        i += 1;
                    }
                }
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The exact bytes of a `/`-separated path of [`name_text`] components.
pub(crate) fn path_bytes(t: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.len());
    for (i, c) in t.split('/').enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(&name_bytes(c));
    }
    out
}

/// Splits a raw entry name into normal components; reports whether it had to be changed
/// (leading `/`, `..` above the root).
pub(crate) fn normalise(raw: &str) -> (Vec<String>, bool) {
    let mut out: Vec<String> = Vec::new();
    let mut changed = raw.starts_with('/');
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if out.pop().is_none() {
                    changed = true;
                }
            }
            other => out.push(other.replace('\0', "")),
        }
    }
    out.retain(|c| !c.is_empty());
    (out, changed)
}

impl Tree {
    /// An empty tree with a root directory.
    #[must_use]
    pub fn new(layer: usize, max_hops: u32) -> Self {
        let root = Node {
            name: String::new(),
            parent: ROOT,
            children: BTreeMap::new(),
            kind: Kind::Dir,
            meta: Meta {
                mode: 0o755,
                ..Meta::default()
            },
            incomplete: None,
            link: None,
        };
        Self {
            nodes: vec![root],
            layer,
            max_hops,
        }
    }

    /// Number of nodes, root included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree holds only its root.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    /// The node with this id.
    #[must_use]
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id)
    }

    /// Children of a directory, sorted by name.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = (&str, NodeId)> {
        self.nodes
            .get(id)
            .into_iter()
            .flat_map(|n| n.children.iter().map(|(k, v)| (k.as_str(), *v)))
    }

    /// The absolute path of a node inside the tree (`/` for the root).
    #[must_use]
    pub fn path_of(&self, id: NodeId) -> String {
        let mut parts = Vec::new();
        let mut cur = id;
        let mut guard = 0usize;
        while cur != ROOT && guard <= self.nodes.len() {
            let Some(n) = self.nodes.get(cur) else { break };
            parts.push(n.name.as_str());
            cur = n.parent;
            guard += 1;
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }

    /// Every node but the root in insertion order, without building paths (cheap in deep
    /// trees; use [`Tree::path_of`] for the few that need one).
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.nodes.iter().enumerate().skip(1)
    }

    /// Every node but the root, depth first in name order, with its absolute path.
    pub fn walk(&self) -> impl Iterator<Item = (String, NodeId, &Node)> {
        let mut stack: Vec<(String, NodeId)> = self
            .children(ROOT)
            .map(|(name, id)| (format!("/{name}"), id))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        std::iter::from_fn(move || {
            let (path, id) = stack.pop()?;
            let node = self.nodes.get(id)?;
            let kids: Vec<_> = node
                .children
                .iter()
                .rev()
                .map(|(n, c)| (format!("{path}/{n}"), *c))
                .collect();
            stack.extend(kids);
            Some((path, id, node))
        })
    }

    /// Counts of files, directories, links, special nodes and bytes.
    #[must_use]
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for (i, n) in self.nodes.iter().enumerate() {
            match &n.kind {
                Kind::Dir if i == ROOT => {}
                Kind::Dir => c.directories += 1,
                Kind::File(d) => {
                    c.files += 1;
                    c.bytes += d.len() as u64;
                }
                Kind::Symlink(_) => c.links += 1,
                _ => c.special += 1,
            }
        }
        c
    }

    /// Looks a path up without following any symbolic link (`..` is lexical).
    #[must_use]
    pub fn lookup(&self, path: &str) -> Option<NodeId> {
        let (comps, _) = normalise(path);
        let mut cur = ROOT;
        for c in &comps {
            cur = *self.nodes.get(cur)?.children.get(c)?;
        }
        Some(cur)
    }

    /// Resolves a path the way the device would: absolute link targets are taken relative
    /// to the tree root, every symbolic link on the way (the last one included) is followed,
    /// at most the configured number of hops.
    ///
    /// # Errors
    /// [`VfsError`] when the path does not exist, goes through a non-directory, or loops.
    pub fn resolve(&self, path: &str) -> Result<NodeId, VfsError> {
        let mut pending: Vec<&str> = path
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .rev()
            .collect();
        let mut cur = ROOT;
        let mut hops = 0u32;
        let mut steps = 0usize;
        while let Some(c) = pending.pop() {
            steps += 1;
            if steps > MAX_RESOLVE_STEPS {
                return Err(VfsError::TooComplex(path.to_owned()));
            }
            if c == ".." {
                cur = self.nodes.get(cur).map_or(ROOT, |n| n.parent);
                continue;
            }
            let node = self
                .nodes
                .get(cur)
                .ok_or_else(|| VfsError::NotFound(path.to_owned()))?;
            if !matches!(node.kind, Kind::Dir) {
                return Err(VfsError::NotADirectory(path.to_owned()));
            }
            let next = *node
                .children
                .get(c)
                .ok_or_else(|| VfsError::NotFound(path.to_owned()))?;
            let next_node = self
                .nodes
                .get(next)
                .ok_or_else(|| VfsError::NotFound(path.to_owned()))?;
            if let Kind::Symlink(target) = &next_node.kind {
                hops += 1;
                if hops > self.max_hops {
                    return Err(VfsError::TooManyLinks(path.to_owned()));
                }
                if target.starts_with('/') {
                    cur = ROOT;
                }
                let comps = next_node.link.as_deref().unwrap_or(&[]);
                if steps
                    .saturating_add(pending.len())
                    .saturating_add(comps.len())
                    > MAX_RESOLVE_STEPS
                {
                    return Err(VfsError::TooComplex(path.to_owned()));
                }
                pending.extend(comps.iter().rev().map(|c| &**c));
            } else {
                cur = next;
            }
        }
        Ok(cur)
    }

    /// The resolved absolute path of `path` (links followed), as in `realpath`.
    ///
    /// # Errors
    /// As [`Tree::resolve`].
    pub fn canonical(&self, path: &str) -> Result<String, VfsError> {
        self.resolve(path).map(|id| self.path_of(id))
    }

    /// The content of the regular file at `path`, following links.
    ///
    /// # Errors
    /// As [`Tree::resolve`], or [`VfsError::NotAFile`].
    pub fn read(&self, path: &str) -> Result<&[u8], VfsError> {
        let id = self.resolve(path)?;
        match self.nodes.get(id).map(|n| &n.kind) {
            Some(Kind::File(d)) => Ok(d.as_slice()),
            _ => Err(VfsError::NotAFile(path.to_owned())),
        }
    }

    /// Inserts an entry at a raw archive name. Missing parent directories are created;
    /// an existing entry at the same path is replaced (archive semantics: the last wins),
    /// except that an existing directory keeps its children.
    pub(crate) fn insert(&mut self, raw: &str, kind: Kind, meta: Meta) -> Inserted {
        let (comps, changed) = normalise(raw);
        let Some((last, dirs)) = comps.split_last() else {
            if matches!(kind, Kind::Dir)
                && let Some(root) = self.nodes.get_mut(ROOT)
            {
                root.meta = meta;
            }
            return Inserted::Root;
        };
        let mut cur = ROOT;
        for d in dirs {
            let existing = self.nodes.get(cur).and_then(|n| n.children.get(d).copied());
            cur = match existing {
                Some(id) => {
                    if !matches!(self.nodes.get(id).map(|n| &n.kind), Some(Kind::Dir)) {
                        return Inserted::Conflict;
                    }
                    id
                }
                None => self.add_child(
                    cur,
                    d,
                    Kind::Dir,
                    Meta {
                        mode: 0o755,
                        ..Meta::default()
                    },
                ),
            };
        }
        let existing = self
            .nodes
            .get(cur)
            .and_then(|n| n.children.get(last).copied());
        match existing {
            Some(id) => {
                let populated_dir = self
                    .nodes
                    .get(id)
                    .is_some_and(|n| matches!(n.kind, Kind::Dir) && !n.children.is_empty());
                if populated_dir && !matches!(kind, Kind::Dir) {
                    let mut n = 1u32;
                    let free = loop {
                        let candidate = format!("{last}~{n}");
                        let taken = self
                            .nodes
                            .get(cur)
                            .is_some_and(|p| p.children.contains_key(&candidate));
                        if !taken || n == u32::MAX {
                            break candidate;
                        }
                        n += 1;
                    };
                    let id = self.add_child(cur, &free, kind, meta);
                    return Inserted::KeptBoth(self.path_of(id));
                }
                if let Some(n) = self.nodes.get_mut(id) {
                    let both_dirs = matches!(n.kind, Kind::Dir) && matches!(kind, Kind::Dir);
                    if !both_dirs {
                        n.children.clear();
                        n.link = link_comps(&kind);
                        n.kind = kind;
                        n.incomplete = None;
                    }
                    n.meta = meta;
                }
            }
            None => {
                self.add_child(cur, last, kind, meta);
            }
        }
        if changed {
            Inserted::Normalised
        } else {
            Inserted::Ok
        }
    }

    fn add_child(&mut self, parent: NodeId, name: &str, kind: Kind, meta: Meta) -> NodeId {
        let id = self.nodes.len();
        self.nodes.push(Node {
            name: name.to_owned(),
            parent,
            children: BTreeMap::new(),
            link: link_comps(&kind),
            kind,
            meta,
            incomplete: None,
        });
        if let Some(p) = self.nodes.get_mut(parent) {
            p.children.insert(name.to_owned(), id);
        }
        id
    }

    /// Marks the entry at the raw name `raw` (not following links) as incomplete.
    pub(crate) fn mark_incomplete(&mut self, raw: &str, why: impl Into<String>) {
        if let Some(id) = self.lookup(raw)
            && let Some(n) = self.nodes.get_mut(id)
        {
            n.incomplete = Some(why.into());
        }
    }

    /// Every node marked incomplete, with its path and the reason.
    pub fn incomplete_nodes(&self) -> impl Iterator<Item = (String, NodeId, &str)> {
        self.nodes.iter().enumerate().filter_map(|(id, n)| {
            n.incomplete
                .as_deref()
                .map(|why| (self.path_of(id), id, why))
        })
    }

    /// The content of a regular file looked up without following links (for hard links).
    pub(crate) fn file_data_nofollow(&self, raw: &str) -> Option<Data> {
        let id = self.lookup(raw)?;
        match &self.nodes.get(id)?.kind {
            Kind::File(d) => Some(d.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(s: &str) -> Kind {
        Kind::File(Data::from_vec(s.as_bytes().to_vec()))
    }

    #[test]
    fn normalises_hostile_names() {
        let mut t = Tree::new(0, 40);
        assert_eq!(
            t.insert("../../etc/passwd", file("x"), Meta::default()),
            Inserted::Normalised
        );
        assert_eq!(
            t.insert("/abs/name", file("y"), Meta::default()),
            Inserted::Normalised
        );
        assert_eq!(
            t.insert("a/./b/../c", file("z"), Meta::default()),
            Inserted::Ok
        );
        let paths: Vec<String> = t.walk().map(|(p, _, _)| p).collect();
        assert_eq!(
            paths,
            ["/a", "/a/c", "/abs", "/abs/name", "/etc", "/etc/passwd"]
        );
    }

    #[test]
    fn resolves_absolute_links_inside_the_root() {
        let mut t = Tree::new(0, 8);
        t.insert("var/passwd", file("root:x:0:0"), Meta::default());
        t.insert(
            "etc/passwd",
            Kind::Symlink("/var/passwd".into()),
            Meta::default(),
        );
        t.insert(
            "bin/up",
            Kind::Symlink("../../../../etc".into()),
            Meta::default(),
        );
        t.insert("loop/a", Kind::Symlink("b".into()), Meta::default());
        t.insert("loop/b", Kind::Symlink("a".into()), Meta::default());
        assert_eq!(t.read("/etc/passwd"), Ok(&b"root:x:0:0"[..]));
        assert_eq!(t.read("bin/up/passwd"), Ok(&b"root:x:0:0"[..]));
        assert_eq!(t.canonical("/bin/up/passwd").as_deref(), Ok("/var/passwd"));
        assert!(matches!(
            t.resolve("/loop/a"),
            Err(VfsError::TooManyLinks(_))
        ));
        assert!(matches!(
            t.resolve("/var/passwd/x"),
            Err(VfsError::NotADirectory(_))
        ));
    }

    #[test]
    fn conflicts_do_not_replace_parents() {
        let mut t = Tree::new(0, 8);
        t.insert("a", file("x"), Meta::default());
        assert_eq!(
            t.insert("a/b", file("y"), Meta::default()),
            Inserted::Conflict
        );
        assert_eq!(t.read("a"), Ok(&b"x"[..]));
    }
}

#[cfg(test)]
mod name_tests {
    use super::{name_bytes, name_text};

    #[test]
    fn names_round_trip_to_their_exact_bytes_and_stay_distinct() {
        let names: [&[u8]; 9] = [
            b"plain",
            b"caf\xc3\xa9",
            b"a\xff",
            b"a\\xff",
            b"a\\\\xff",
            b"back\\slash",
            b"\\x",
            b"\xfe\\x4",
            b"",
        ];
        let texts: Vec<String> = names.iter().map(|n| name_text(n).into_owned()).collect();
        for (n, t) in names.iter().zip(&texts) {
            assert_eq!(&*name_bytes(t), *n, "{t}");
        }
        let mut distinct = texts.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), texts.len(), "{texts:?}");
        // Plain names are shown as they are.
        assert_eq!(texts[0], "plain");
        assert_eq!(texts[1], "café");
        assert_eq!(texts[5], "back\\slash");
    }
}
