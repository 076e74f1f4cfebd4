//! Exporting an assessment back to a project directory: every stored file,
//! byte for byte, into a new directory.
//!
//! The files are written into a private staging directory beside the
//! target (streamed from the blobs, each checked against its SHA-256) and
//! the staging directory is renamed to the target only when all are
//! complete: a failure leaves no partial project. The target must not exist
//! or be an empty directory. Stored paths are checked again before use
//! (relative, no `..`): the database is an input like any other.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use serde::Serialize;
use touchstone_project::safe_fs::TEMP_PREFIX;

use crate::stored::{self, normalize};
use crate::{Result, Store, StoreError, blob};

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    /// The assessment's id.
    pub id: String,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

fn io(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(format!("cannot write `{}`: {e}", path.display()))
}

/// Removes the staging directory unless disarmed.
struct Staging(Option<PathBuf>);

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_dir_all(p);
        }
    }
}

impl Store {
    /// Write the project of assessment `id` (an id or a unique prefix) into
    /// `dir`, which must not exist or be empty.
    pub async fn export_project(&self, id: &str, dir: &Path) -> Result<Exported> {
        let id = self.resolve(id).await?;
        match fs::symlink_metadata(dir) {
            Ok(m) if m.is_dir() => {
                let mut entries = fs::read_dir(dir).map_err(|e| io(dir, e))?;
                if entries.next().is_some() {
                    return Err(StoreError::Refused(format!(
                        "`{}` is not empty: export into a new directory",
                        dir.display()
                    )));
                }
            }
            Ok(_) => {
                return Err(StoreError::Refused(format!(
                    "`{}` exists and is not a directory",
                    dir.display()
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(dir, e)),
        }
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(StoreError::Refused(format!(
                "the directory `{}` does not exist",
                parent.display()
            )));
        }
        let staging_path = parent.join(format!(
            "{TEMP_PREFIX}{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        fs::DirBuilder::new()
            .mode(0o755)
            .create(&staging_path)
            .map_err(|e| io(&staging_path, e))?;
        let mut staging = Staging(Some(staging_path.clone()));

        let mut conn = self.pool.acquire().await?;
        let files = stored::files_of(&mut conn, &id).await?;
        let mut bytes = 0u64;
        for (path, _, sha) in &files {
            if normalize(path).as_deref() != Some(path.as_str()) {
                return Err(StoreError::Corrupt(format!(
                    "stored path `{path}` is not a plain relative path"
                )));
            }
            let target = staging_path.join(path);
            if let Some(p) = target.parent() {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o755)
                    .create(p)
                    .map_err(|e| io(p, e))?;
            }
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o644)
                // O_NOFOLLOW: never write through a link planted in the staging directory.
                .custom_flags(i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).unwrap_or(0))
                .open(&target)
                .map_err(|e| io(&target, e))?;
            let mut out = std::io::BufWriter::new(&mut file);
            bytes += blob::write_to(&mut conn, sha, &mut out).await?;
            out.flush().map_err(|e| io(&target, e))?;
            drop(out);
            file.sync_all().map_err(|e| io(&target, e))?;
        }
        if dir.is_dir() {
            fs::remove_dir(dir).map_err(|e| io(dir, e))?;
        }
        fs::rename(&staging_path, dir).map_err(|e| io(dir, e))?;
        staging.0 = None;
        if let Ok(p) = fs::File::open(&parent) {
            let _ = p.sync_all();
        }
        Ok(Exported {
            id,
            files: files.len(),
            bytes,
        })
    }
}
