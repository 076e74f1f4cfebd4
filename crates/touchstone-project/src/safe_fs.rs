//! Safe reading and writing of every file the assessment touches.
//!
//! Inputs (project files, findings, vulnerability data, attachments) are
//! hostile: one may be a FIFO that never ends, a device like `/dev/zero`, a
//! directory, a symbolic link out of the project or simply huge. Everything
//! here therefore
//!
//! - opens without blocking (`O_NONBLOCK`, `O_NOCTTY`) and judges the *opened
//!   handle* (`fstat`): only regular files are read; anything else is an
//!   [`InputError::NotRegular`] naming what it is;
//! - inside a project, resolves symbolic links first and refuses a file whose
//!   real path leaves the project ([`InputError::OutsideRoot`], naming the
//!   target), then opens that real path with `O_NOFOLLOW`;
//! - enforces a size limit per [`InputKind`] on the size announced by `fstat`
//!   and again while reading, never reading more than the limit plus one
//!   byte;
//! - hashes by streaming (constant memory) and parses JSON from a bounded
//!   reader, without a second copy of the text.
//!
//! Outputs go through [`stage`] / [`Staged::commit`] (or [`write_atomically`]
//! for one file): a temporary file with a random name starting with
//! [`TEMP_PREFIX`] is created exclusively beside the target (never following
//! a symbolic link, mode 0600 until it is complete), written, flushed to disk
//! and renamed over the target, so a reader, or a `kill -9` at any moment,
//! sees the old file or the new one. Temporary files of dead processes are
//! removed by the next [`check_output`] or [`stage`] in the same directory.

use std::fmt;
use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, BufReader, Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// One mebibyte.
pub const MIB: u64 = 1 << 20;
/// One gibibyte.
pub const GIB: u64 = 1 << 30;

/// Temporary files written by Touchstone start with this (then the writer's
/// process id, a dash and random characters).
pub const TEMP_PREFIX: &str = ".touchstone-tmp-";

/// At most this many directory entries are examined when looking for stale
/// temporary files.
const MAX_STALE_SCAN: usize = 65_536;

/// The kinds of input, each with its own size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// `touchstone.toml`, `ics.toml`, `ixit.toml`, `evidence.toml`.
    ProjectFile,
    /// A findings file (`touchstone.findings/v1` JSON).
    Findings,
    /// OSV files given to `vulndb import`, and the imported data.
    VulnData,
    /// An evidence attachment (hashed, never held in memory).
    Attachment,
}

impl InputKind {
    /// The default size limit.
    pub fn default_limit(self) -> u64 {
        match self {
            InputKind::ProjectFile => 8 * MIB,
            InputKind::Findings => 512 * MIB,
            InputKind::VulnData => 512 * MIB,
            InputKind::Attachment => 16 * GIB,
        }
    }

    /// What the file is, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            InputKind::ProjectFile => "a project file",
            InputKind::Findings => "a findings file",
            InputKind::VulnData => "vulnerability data",
            InputKind::Attachment => "an attachment",
        }
    }

    /// The option that raises the limit, where there is one.
    pub fn option(self) -> Option<&'static str> {
        match self {
            InputKind::Findings => Some("--max-findings-size"),
            InputKind::VulnData => Some("--max-vulndb-size"),
            InputKind::ProjectFile | InputKind::Attachment => None,
        }
    }
}

/// Why an input was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Nothing at that path.
    #[error("`{}` does not exist", .path.display())]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// A FIFO, device, socket or directory.
    #[error("`{}` is {what}, not a regular file: not read", .path.display())]
    NotRegular {
        /// The path as given.
        path: PathBuf,
        /// `a FIFO (named pipe)`, `a directory`, ...
        what: &'static str,
    },
    /// Larger than the limit for its kind.
    #[error("`{}` is {}, over the limit of {} for {}", .path.display(), Size::describe(*.size, *.at_least), Size(*.limit), .kind.noun())]
    TooLarge {
        /// The path as given.
        path: PathBuf,
        /// Its size (or, when it grew while read, how much was seen).
        size: u64,
        /// True when `size` is only a lower bound.
        at_least: bool,
        /// The limit.
        limit: u64,
        /// What kind of input it is.
        kind: InputKind,
    },
    /// A symbolic link whose target is outside the project directory.
    #[error("`{}` is a symbolic link to `{}`, outside the project: not read", .path.display(), .target.display())]
    OutsideRoot {
        /// The path as given.
        path: PathBuf,
        /// Where it resolves to.
        target: PathBuf,
    },
    /// A symbolic link to nothing (not the same as an absent file).
    #[error("`{}` is a symbolic link to `{}`, which does not exist", .path.display(), .target.display())]
    DanglingLink {
        /// The path as given.
        path: PathBuf,
        /// What the link says.
        target: PathBuf,
    },
    /// Text that is not UTF-8.
    #[error("`{}` is not valid UTF-8 text: invalid byte 0x{byte:02x} at line {line}, column {column}", .path.display())]
    NotUtf8 {
        /// The path as given.
        path: PathBuf,
        /// The first invalid byte.
        byte: u8,
        /// 1-based line of it.
        line: usize,
        /// 1-based column (in characters) of it.
        column: usize,
    },
    /// Any other failure to open or read.
    #[error("cannot read `{}`: {source}", .path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
}

impl InputError {
    /// A hint for the user, when there is a useful one.
    pub fn hint(&self) -> Option<String> {
        match self {
            InputError::TooLarge { kind, .. } => Some(match kind.option() {
                Some(option) => format!(
                    "if the file is genuine, raise the limit, for instance {option} {}",
                    Size::suggest(self)
                ),
                None => format!(
                    "{} may be at most {}; see \"Input limits\" in the README",
                    kind.noun(),
                    Size(kind.default_limit())
                ),
            }),
            InputError::NotRegular { .. } => {
                Some("give a regular file (not a pipe, device, socket or directory)".to_owned())
            }
            InputError::OutsideRoot { .. } => Some(
                "keep the file inside the project directory (copy it in rather than linking to it)"
                    .to_owned(),
            ),
            InputError::NotUtf8 { .. } => Some("save the file as UTF-8".to_owned()),
            InputError::NotFound { .. }
            | InputError::DanglingLink { .. }
            | InputError::Io { .. } => None,
        }
    }

    /// The message followed by its hint on a second line.
    pub fn with_hint(&self) -> String {
        match self.hint() {
            Some(h) => format!("{self}\n  hint: {h}"),
            None => self.to_string(),
        }
    }

    fn io(path: &Path, source: io::Error) -> InputError {
        if source.kind() == io::ErrorKind::NotFound {
            InputError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            InputError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// A byte count shown as `12.0 MiB (12582912 bytes)`.
#[derive(Debug, Clone, Copy)]
struct Size(u64);

impl Size {
    fn describe(size: u64, at_least: bool) -> String {
        if at_least {
            format!("more than {}", Size(size.saturating_sub(1)))
        } else {
            Size(size).to_string()
        }
    }

    /// A limit that would admit the file of a `TooLarge` error.
    fn suggest(err: &InputError) -> String {
        let InputError::TooLarge { size, limit, .. } = err else {
            return String::new();
        };
        let wanted = (*size).max(limit.saturating_mul(2));
        let mib = wanted.div_ceil(MIB);
        if mib >= 1024 && mib % 1024 == 0 {
            format!("{}G", mib / 1024)
        } else if mib >= 1024 {
            format!("{}G", mib.div_ceil(1024))
        } else {
            format!("{mib}M")
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n >= GIB {
            write!(f, "{:.1} GiB ({n} bytes)", n as f64 / GIB as f64)
        } else if n >= MIB {
            write!(f, "{:.1} MiB ({n} bytes)", n as f64 / MIB as f64)
        } else if n >= 1024 {
            write!(f, "{:.1} KiB ({n} bytes)", n as f64 / 1024.0)
        } else {
            write!(f, "{n} bytes")
        }
    }
}

/// Parse a size given on the command line: a number of bytes, optionally
/// followed by `K`, `M`, `G` or `T` (binary multiples; `KiB`, `MB` and the
/// like are accepted the same way).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("expected a size like 512M or 2G, found `{text}`"))?;
    let unit = unit.trim().to_ascii_uppercase();
    let unit = unit
        .strip_suffix("IB")
        .or_else(|| unit.strip_suffix('B'))
        .unwrap_or(&unit);
    let factor: u64 = match unit {
        "" => 1,
        "K" => 1 << 10,
        "M" => MIB,
        "G" => GIB,
        "T" => 1 << 40,
        _ => return Err(format!("expected a size like 512M or 2G, found `{text}`")),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("the size `{text}` is too large"))
}

/// What a non-regular file is.
fn describe_type(t: std::fs::FileType) -> Option<&'static str> {
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a directory")
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_symlink() {
        Some("a symbolic link")
    } else {
        Some("not a regular file")
    }
}

/// A regular file opened for reading, with its size checked.
#[derive(Debug)]
pub struct Input {
    /// The open file.
    pub file: File,
    /// The path as given, for messages.
    pub path: PathBuf,
    /// Its size when opened.
    pub len: u64,
    /// Its limit.
    pub limit: u64,
    /// What it is.
    pub kind: InputKind,
}

/// Open an input for reading: a regular file of at most `limit` bytes.
///
/// With `root`, the path must resolve (after symbolic links) to a file inside
/// `root`; otherwise it is [`InputError::OutsideRoot`]. Opening never blocks:
/// FIFOs, devices, sockets and directories are refused from the path's
/// metadata before opening, and again from the opened handle's.
pub fn open_input(
    path: &Path,
    kind: InputKind,
    limit: u64,
    root: Option<&Path>,
) -> Result<Input, InputError> {
    let not_regular = |what| InputError::NotRegular {
        path: path.to_path_buf(),
        what,
    };
    let mut flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
    let real = match root {
        Some(root) => {
            let root = root.canonicalize().map_err(|e| InputError::io(root, e))?;
            let real = path
                .canonicalize()
                .map_err(|e| match std::fs::symlink_metadata(path) {
                    Ok(m) if m.file_type().is_symlink() && e.kind() == io::ErrorKind::NotFound => {
                        InputError::DanglingLink {
                            path: path.to_path_buf(),
                            target: std::fs::read_link(path).unwrap_or_default(),
                        }
                    }
                    _ => InputError::io(path, e),
                })?;
            if !real.starts_with(&root) {
                return Err(InputError::OutsideRoot {
                    path: path.to_path_buf(),
                    target: real,
                });
            }
            // The real path has no symbolic link left: refuse one planted since.
            flags |= rustix::fs::OFlags::NOFOLLOW;
            real
        }
        None => path.to_path_buf(),
    };
    // Refuse what is not a regular file before opening it (opening some
    // devices has effects, sockets cannot be opened); the opened handle is
    // checked again below, in case the path changed in between.
    let meta = std::fs::metadata(&real).map_err(|e| InputError::io(path, e))?;
    if let Some(what) = describe_type(meta.file_type()) {
        return Err(not_regular(what));
    }
    let mut options = OpenOptions::new();
    options.read(true);
    // OFlags bits are the platform's O_* values, which fit in an i32.
    options.custom_flags(i32::try_from(flags.bits()).unwrap_or(0));
    let file = options.open(&real).map_err(|e| InputError::io(path, e))?;
    let meta = file.metadata().map_err(|e| InputError::io(path, e))?;
    if let Some(what) = describe_type(meta.file_type()) {
        return Err(not_regular(what));
    }
    if meta.len() > limit {
        return Err(InputError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            at_least: false,
            limit,
            kind,
        });
    }
    Ok(Input {
        file,
        path: path.to_path_buf(),
        len: meta.len(),
        limit,
        kind,
    })
}

impl Input {
    fn too_large(&self, seen: u64) -> InputError {
        InputError::TooLarge {
            path: self.path.clone(),
            size: seen,
            at_least: true,
            limit: self.limit,
            kind: self.kind,
        }
    }

    /// Read the whole file (it may have grown since it was opened: never more
    /// than the limit plus one byte is read).
    pub fn read_bytes(self) -> Result<Vec<u8>, InputError> {
        let cap = usize::try_from(self.len.saturating_add(1)).unwrap_or(usize::MAX);
        let mut buf = Vec::with_capacity(cap);
        (&self.file)
            .take(self.limit.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| InputError::io(&self.path, e))?;
        if buf.len() as u64 > self.limit {
            return Err(self.too_large(buf.len() as u64));
        }
        Ok(buf)
    }

    /// Read the whole file as UTF-8 text.
    pub fn read_text(self) -> Result<String, InputError> {
        let path = self.path.clone();
        let bytes = self.read_bytes()?;
        String::from_utf8(bytes).map_err(|e| {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            not_utf8(&path, bytes, at)
        })
    }

    /// Lowercase hex SHA-256 of the content, read in chunks (constant memory).
    pub fn sha256(self) -> Result<String, InputError> {
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut seen: u64 = 0;
        let mut reader = (&self.file).take(self.limit.saturating_add(1));
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(InputError::io(&self.path, e)),
            };
            seen += n as u64;
            if seen > self.limit {
                return Err(self.too_large(seen));
            }
            hasher.update(&buf[..n]);
        }
        Ok(hex::encode(hasher.finalize()))
    }

    /// Parse the content as JSON without holding the text: the parser reads
    /// through a buffer, at most the limit plus one byte. `parse` gets the
    /// reader; its error is returned as is unless the file turned out too large.
    pub fn parse_json<T, E>(
        self,
        parse: impl FnOnce(&mut dyn Read) -> Result<T, E>,
    ) -> Result<T, JsonInputError<E>> {
        let mut counted = Counted {
            inner: BufReader::with_capacity(
                256 * 1024,
                (&self.file).take(self.limit.saturating_add(1)),
            ),
            seen: 0,
            error: None,
        };
        let result = parse(&mut counted);
        if counted.seen > self.limit {
            return Err(JsonInputError::Input(self.too_large(counted.seen)));
        }
        if let Some(e) = counted.error.take() {
            return Err(JsonInputError::Input(InputError::io(&self.path, e)));
        }
        result.map_err(JsonInputError::Parse)
    }
}

/// Why JSON could not be read from an input.
#[derive(Debug, thiserror::Error)]
pub enum JsonInputError<E> {
    /// Reading failed or the file is too large.
    #[error(transparent)]
    Input(InputError),
    /// The content did not parse.
    #[error(transparent)]
    Parse(E),
}

/// A reader that counts bytes and remembers the first IO error.
struct Counted<R> {
    inner: R,
    seen: u64,
    error: Option<io::Error>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.seen += n as u64;
                Ok(n)
            }
            Err(e) => {
                let copy = io::Error::new(e.kind(), e.to_string());
                if self.error.is_none() {
                    self.error = Some(e);
                }
                Err(copy)
            }
        }
    }
}

/// An [`InputError::NotUtf8`] for `bytes` whose first invalid byte is at `at`.
pub fn not_utf8(path: &Path, bytes: &[u8], at: usize) -> InputError {
    let valid = std::str::from_utf8(&bytes[..at.min(bytes.len())]).unwrap_or_default();
    let (line, column) = touchstone_core::text::line_col(valid, valid.len());
    InputError::NotUtf8 {
        path: path.to_path_buf(),
        byte: bytes.get(at).copied().unwrap_or(0),
        line,
        column,
    }
}

/// Read a text input of a kind (see [`open_input`]).
pub fn read_text(
    path: &Path,
    kind: InputKind,
    limit: u64,
    root: Option<&Path>,
) -> Result<String, InputError> {
    open_input(path, kind, limit, root)?.read_text()
}

/// Lowercase hex SHA-256 of a regular file, streamed, at most `limit` bytes.
pub fn sha256_file(path: &Path, limit: u64, root: Option<&Path>) -> Result<String, InputError> {
    open_input(path, InputKind::Attachment, limit, root)?.sha256()
}

/// Why an output cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The directory it would go into does not exist or is not a directory.
    #[error("the directory `{}` {why}", .dir.display())]
    BadDirectory {
        /// The output path.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
        /// `does not exist`, `is not a directory`.
        why: &'static str,
    },
    /// The output path names a directory.
    #[error("`{}` is a directory", .path.display())]
    IsDirectory {
        /// The output path.
        path: PathBuf,
    },
    /// The output path is a FIFO, a device or a socket, or a link to one
    /// (`/dev/stdout`): replacing it would be wrong, writing through it is not atomic.
    #[error("`{}` is {what}: outputs are written to regular files", .path.display())]
    NotRegular {
        /// The output path.
        path: PathBuf,
        /// What it is.
        what: String,
    },
    /// A file cannot be created there.
    #[error("cannot create a file in `{}`: {source}", .dir.display())]
    NotWritable {
        /// The output path.
        path: PathBuf,
        /// Its directory.
        dir: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// Writing or renaming failed.
    #[error("{source}")]
    Io {
        /// The output path.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
}

/// The directory an output path goes into (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Check, before any work, that `path` can be written: its directory exists,
/// the path is not a directory, and a file can be created there (a temporary
/// file is created and removed). Stale temporary files of dead Touchstone
/// processes in that directory are removed on the way.
pub fn check_output(path: &Path) -> Result<(), OutputError> {
    let dir = parent_dir(path);
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(OutputError::BadDirectory {
                path: path.to_path_buf(),
                dir: dir.to_path_buf(),
                why: "is not a directory",
            });
        }
        Err(_) => {
            return Err(OutputError::BadDirectory {
                path: path.to_path_buf(),
                dir: dir.to_path_buf(),
                why: "does not exist",
            });
        }
    }
    check_target(path)?;
    remove_stale_temporaries(dir);
    let probe = temp_file_in(dir).map_err(|source| OutputError::NotWritable {
        path: path.to_path_buf(),
        dir: dir.to_path_buf(),
        source,
    })?;
    probe.close().map_err(|source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// An existing output path must be a regular file, or a symbolic link (which
/// is replaced, never followed) to a regular file or to nothing.
fn check_target(path: &Path) -> Result<(), OutputError> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    let ft = meta.file_type();
    if ft.is_dir() {
        return Err(OutputError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    let what = if ft.is_symlink() {
        std::fs::metadata(path)
            .ok()
            .and_then(|t| describe_type(t.file_type()))
            .map(|w| format!("a symbolic link to {w}"))
    } else {
        describe_type(ft).map(str::to_owned)
    };
    match what {
        Some(what) => Err(OutputError::NotRegular {
            path: path.to_path_buf(),
            what,
        }),
        None => Ok(()),
    }
}

/// A new temporary file in `dir`: random name, created exclusively
/// (`O_CREAT | O_EXCL`, so never through a symbolic link), mode 0600.
fn temp_file_in(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .rand_bytes(12)
        .tempfile_in(dir)
}

/// Remove temporary files of dead Touchstone processes from `dir`: names
/// `TEMP_PREFIX` + pid + `-...`, whose pid no longer runs. Failures are ignored
/// (the file may belong to someone else, or be gone already).
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.take(MAX_STALE_SCAN).flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<i32>().ok())
        else {
            continue;
        };
        if process_alive(pid) {
            continue;
        }
        let path = entry.path();
        let ours = std::fs::symlink_metadata(&path).is_ok_and(|m| {
            (m.file_type().is_file() || m.file_type().is_symlink())
                && m.uid() == rustix::process::geteuid().as_raw()
        });
        if ours {
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn process_alive(pid: i32) -> bool {
    if pid == i32::try_from(std::process::id()).unwrap_or(-1) {
        return true;
    }
    match rustix::process::Pid::from_raw(pid) {
        // EPERM: it exists but belongs to someone else.
        Some(pid) => !matches!(
            rustix::process::test_kill_process(pid),
            Err(rustix::io::Errno::SRCH)
        ),
        None => false,
    }
}

/// A file written completely to a temporary beside its target, waiting to be
/// renamed over it by [`Staged::commit`]. Dropped without commit, the
/// temporary file is removed.
#[derive(Debug)]
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

/// Write `bytes` to a new temporary file beside `path` (random name,
/// created exclusively, never through a symbolic link) and flush it to disk.
pub fn stage(path: &Path, bytes: &[u8]) -> Result<Staged, OutputError> {
    let dir = parent_dir(path);
    check_target(path)?;
    remove_stale_temporaries(dir);
    let io_err = |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = temp_file_in(dir).map_err(|source| OutputError::NotWritable {
        path: path.to_path_buf(),
        dir: dir.to_path_buf(),
        source,
    })?;
    // Keep the mode of a file being replaced; new files get rw-r--r--.
    let mode = std::fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map_or(0o644, |m| m.mode() & 0o777);
    tmp.as_file()
        .set_permissions(Permissions::from_mode(mode))
        .map_err(io_err)?;
    tmp.write_all(bytes).map_err(io_err)?;
    tmp.as_file().sync_all().map_err(io_err)?;
    Ok(Staged {
        tmp,
        path: path.to_path_buf(),
    })
}

impl Staged {
    /// Rename the temporary file over the target (atomic on one file system).
    pub fn commit(self) -> Result<(), OutputError> {
        let path = self.path;
        self.tmp.persist(&path).map_err(|e| OutputError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        // Make the rename itself durable; a failure here loses nothing written.
        if let Ok(dir) = File::open(parent_dir(&path)) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// Write a file so that readers see either the old content or the new, never
/// half of it (see [`stage`]).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    stage(path, bytes)
        .and_then(Staged::commit)
        .map_err(|e| match e {
            OutputError::Io { source, .. } | OutputError::NotWritable { source, .. } => source,
            other => io::Error::other(other.to_string()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("2K"), Ok(2048));
        assert_eq!(parse_size("512M"), Ok(512 * MIB));
        assert_eq!(parse_size("512MiB"), Ok(512 * MIB));
        assert_eq!(parse_size("1g"), Ok(GIB));
        assert_eq!(parse_size("3 GB"), Ok(3 * GIB));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5X").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn sizes_display_with_exact_bytes() {
        assert_eq!(Size(10).to_string(), "10 bytes");
        assert_eq!(Size(8 * MIB).to_string(), "8.0 MiB (8388608 bytes)");
        assert_eq!(Size(3 * GIB / 2).to_string(), "1.5 GiB (1610612736 bytes)");
    }

    #[test]
    fn regular_files_are_read_and_others_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let f = dir.path().join("a.toml");
        std::fs::write(&f, "x = 1\n").expect("write");
        let text = read_text(&f, InputKind::ProjectFile, 100, Some(dir.path())).expect("read");
        assert_eq!(text, "x = 1\n");
        let err = read_text(dir.path(), InputKind::ProjectFile, 100, None).expect_err("dir");
        assert!(err.to_string().contains("is a directory"), "{err}");
        let err = read_text(Path::new("/dev/zero"), InputKind::ProjectFile, 100, None)
            .expect_err("device");
        assert!(err.to_string().contains("character device"), "{err}");
        let err = read_text(&f, InputKind::Findings, 3, None).expect_err("large");
        assert!(
            err.to_string().contains("over the limit of 3 bytes"),
            "{err}"
        );
        assert!(
            err.with_hint().contains("--max-findings-size"),
            "{}",
            err.with_hint()
        );
    }

    #[test]
    fn invalid_utf8_is_located() {
        let dir = tempfile::tempdir().expect("dir");
        let f = dir.path().join("a.toml");
        std::fs::write(&f, b"a = 1\nb = \"\xff\"\n").expect("write");
        let err = read_text(&f, InputKind::ProjectFile, 100, None).expect_err("utf8");
        assert_eq!(
            err.to_string(),
            format!(
                "`{}` is not valid UTF-8 text: invalid byte 0xff at line 2, column 6",
                f.display()
            )
        );
    }

    #[test]
    fn symlinks_may_not_leave_the_root() {
        let outside = tempfile::tempdir().expect("dir");
        let root = tempfile::tempdir().expect("dir");
        let secret = outside.path().join("secret");
        std::fs::write(&secret, "s").expect("write");
        std::fs::write(root.path().join("real"), "r").expect("write");
        std::os::unix::fs::symlink(&secret, root.path().join("out")).expect("link");
        std::os::unix::fs::symlink("real", root.path().join("in")).expect("link");
        let err = sha256_file(&root.path().join("out"), 100, Some(root.path())).expect_err("out");
        assert!(matches!(err, InputError::OutsideRoot { .. }), "{err}");
        assert!(err.to_string().contains("secret"), "{err}");
        let inside = sha256_file(&root.path().join("in"), 100, Some(root.path())).expect("in");
        assert_eq!(inside.len(), 64);
        // A dangling link is not an absent file.
        std::os::unix::fs::symlink("nowhere", root.path().join("dangling")).expect("link");
        let err = sha256_file(&root.path().join("dangling"), 100, Some(root.path()))
            .expect_err("dangling");
        assert!(matches!(err, InputError::DanglingLink { .. }), "{err}");
        // Without a root the user named the file: links are followed.
        assert!(sha256_file(&root.path().join("out"), 100, None).is_ok());
    }

    #[test]
    fn staged_writes_replace_atomically_and_clean_up() {
        let dir = tempfile::tempdir().expect("dir");
        let target = dir.path().join("report.txt");
        std::fs::write(&target, "old").expect("write");
        let staged = stage(&target, b"new").expect("stage");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "old");
        drop(staged);
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
        write_atomically(&target, b"new").expect("write");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "new");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
        // Devices and links to them are not replaced; links to files are.
        let err = check_output(Path::new("/dev/null")).expect_err("not a regular file");
        assert!(
            err.to_string()
                .contains("outputs are written to regular files"),
            "{err}"
        );
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink("/dev/null", &link).expect("link");
        let err = check_output(&link).expect_err("a link to a device");
        assert!(
            err.to_string()
                .contains("a symbolic link to a character device"),
            "{err}"
        );
        // A stale temporary of a process that no longer runs is removed.
        let stale = dir.path().join(format!("{TEMP_PREFIX}2147483646-abc.tmp"));
        std::fs::write(&stale, "partial").expect("write");
        check_output(&target).expect("writable");
        assert!(!stale.exists());
        std::fs::remove_file(&link).expect("rm");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }
}
