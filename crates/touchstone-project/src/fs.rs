//! The file-system edge of the crate: reading a project and hashing its
//! attachments, through [`crate::safe_fs`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use touchstone_catalog::Catalog;

use crate::safe_fs::{self, InputError, InputKind};
use crate::validate::Sources;
use crate::{Diagnostic, EVIDENCE_FILE, ICS_FILE, IXIT_FILE, PROJECT_FILE, Project};

/// Lowercase hex SHA-256 of a regular file, streamed (constant memory), at
/// most the attachment size limit.
pub fn hash_file(path: &Path) -> Result<String, InputError> {
    safe_fs::sha256_file(path, InputKind::Attachment.default_limit(), None)
}

/// A diagnostic for a file that was not read; a link out of the project also
/// gets a warning naming its target.
fn unreadable(name: &str, err: &InputError, diags: &mut Vec<Diagnostic>) {
    if let InputError::OutsideRoot { target, .. } = err {
        diags.push(Diagnostic::warning(
            name,
            None,
            format!(
                "`{name}` is a symbolic link to `{}`, outside the project: not read",
                target.display()
            ),
        ));
    }
    let mut d = Diagnostic::error(name, None, format!("cannot read the file: {err}"));
    if let Some(h) = err.hint() {
        d = d.with_hint(h);
    }
    diags.push(d);
}

fn read_optional(dir: &Path, name: &str, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let kind = InputKind::ProjectFile;
    match safe_fs::read_text(&dir.join(name), kind, kind.default_limit(), Some(dir)) {
        Ok(t) => Some(t),
        Err(InputError::NotFound { .. }) => None,
        Err(e) => {
            unreadable(name, &e, diags);
            None
        }
    }
}

/// Read and validate the project in `dir`.
///
/// A project file or attachment that exists but cannot be read (not a
/// regular file, too large, not UTF-8, a link out of the project) is an
/// error: the project is not returned.
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
    let unreadable_files = diags.iter().any(Diagnostic::is_error);
    let sources = Sources {
        project: &project,
        ics: ics.as_deref(),
        ixit: ixit.as_deref(),
        evidence: evidence.as_deref(),
    };
    let mut attachments = Attachments::new(dir);
    let mut hasher = |rel: &str| attachments.hash(rel);
    let (project, more) = crate::parse(&sources, catalog, &mut hasher);
    diags.extend(attachments.warnings);
    diags.extend(more);
    let project = project.filter(|_| !unreadable_files);
    (project, diags)
}

/// Attachment hashes of one project: each file is hashed once (streamed),
/// however many records cite it.
struct Attachments<'a> {
    dir: &'a Path,
    hashes: HashMap<PathBuf, Result<String, String>>,
    warnings: Vec<Diagnostic>,
    /// Files actually read.
    hashed: usize,
}

impl<'a> Attachments<'a> {
    fn new(dir: &'a Path) -> Attachments<'a> {
        Attachments {
            dir,
            hashes: HashMap::new(),
            warnings: Vec::new(),
            hashed: 0,
        }
    }

    fn hash(&mut self, rel: &str) -> Result<String, String> {
        let path = self.dir.join(rel);
        let key = path.canonicalize().unwrap_or_else(|_| path.clone());
        if let Some(known) = self.hashes.get(&key) {
            return known.clone();
        }
        self.hashed += 1;
        let limit = InputKind::Attachment.default_limit();
        let result = safe_fs::sha256_file(&path, limit, Some(self.dir)).map_err(|e| {
            if let InputError::OutsideRoot { target, .. } = &e {
                self.warnings.push(Diagnostic::warning(
                    EVIDENCE_FILE,
                    None,
                    format!(
                        "attachment `{rel}` is a symbolic link to `{}`, outside the project: not read",
                        target.display()
                    ),
                ));
            }
            e.with_hint()
        });
        self.hashes.insert(key, result.clone());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attachment_cited_many_times_is_hashed_once() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir(dir.path().join("ev")).expect("mkdir");
        std::fs::write(dir.path().join("ev/a.txt"), "abc").expect("write");
        std::os::unix::fs::symlink("a.txt", dir.path().join("ev/b.txt")).expect("link");
        let mut a = Attachments::new(dir.path());
        let first = a.hash("ev/a.txt").expect("hash");
        assert_eq!(
            first,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        for _ in 0..21 {
            assert_eq!(a.hash("ev/a.txt").as_ref(), Ok(&first));
            assert_eq!(a.hash("./ev/a.txt").as_ref(), Ok(&first));
            assert_eq!(a.hash("ev/b.txt").as_ref(), Ok(&first));
        }
        assert_eq!(a.hashed, 1);
        assert!(a.hash("ev/missing.txt").is_err());
        assert!(a.warnings.is_empty());
    }
}
