//! The file-system edge of the crate: reading a project, hashing files,
//! writing files atomically.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use touchstone_catalog::Catalog;

use crate::validate::Sources;
use crate::{Diagnostic, EVIDENCE_FILE, ICS_FILE, IXIT_FILE, PROJECT_FILE, Project};

/// Lowercase hex SHA-256 of a file, read in chunks.
pub fn hash_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Write a file so that readers see either the old content or the new, never half of it:
/// write a temporary file beside it, flush it to disk, then rename it over the target.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn read_optional(dir: &Path, name: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    match std::fs::read_to_string(dir.join(name)) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => {
            diags.push(Diagnostic::error(
                name,
                None,
                format!("cannot read the file: {e}"),
            ));
            None
        }
    }
}

/// Read and validate the project in `dir`.
pub fn load(dir: &Path, catalog: &Catalog) -> (Option<Project>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if !dir.is_dir() {
        diags.push(
            Diagnostic::error(
                &dir.display().to_string(),
                None,
                "expected a project directory",
            )
            .with_hint("create one with `touchstone init DIR`"),
        );
        return (None, diags);
    }
    let Some(project) = read_optional(dir, PROJECT_FILE, &mut diags) else {
        if diags.is_empty() {
            diags.push(
                Diagnostic::error(
                    PROJECT_FILE,
                    None,
                    format!("expected {PROJECT_FILE} in {}", dir.display()),
                )
                .with_hint("is this an assessment project? `touchstone init DIR` creates one"),
            );
        }
        return (None, diags);
    };
    let ics = read_optional(dir, ICS_FILE, &mut diags);
    let ixit = read_optional(dir, IXIT_FILE, &mut diags);
    let evidence = read_optional(dir, EVIDENCE_FILE, &mut diags);
    let sources = Sources {
        project: &project,
        ics: ics.as_deref(),
        ixit: ixit.as_deref(),
        evidence: evidence.as_deref(),
    };
    let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut hasher = |rel: &str| -> Result<String, String> {
        let path = dir.join(rel);
        let real = path.canonicalize().map_err(|e| e.to_string())?;
        if !real.starts_with(&root) {
            return Err("it resolves to a file outside the project".to_owned());
        }
        hash_file(&real).map_err(|e| e.to_string())
    };
    let (project, more) = crate::parse(&sources, catalog, &mut hasher);
    diags.extend(more);
    (project, diags)
}
