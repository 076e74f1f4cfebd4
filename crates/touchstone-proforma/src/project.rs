//! The file-system edge: import a pro-forma into a project directory.
//!
//! The imported file is validated together with the rest of the project
//! before anything is written; then it replaces the project file atomically
//! (a temporary file in the same directory, persisted over the old one).

use std::io::Write as _;
use std::path::Path;

use touchstone_catalog::{Catalog, Edition};
use touchstone_project::files::ProjectFile;
use touchstone_project::{Diagnostic, PROJECT_FILE, Project, Sources};

use crate::book::limits;
use crate::{Imported, Kind, Layout, Problem, import};

/// Why an import into a project wrote nothing.
#[derive(Debug)]
pub enum Refused {
    /// The input could not be read or is not a pro-forma.
    Input(Vec<Problem>),
    /// The project with the imported file would not be valid.
    Invalid {
        /// What was imported.
        imported: Box<Imported>,
        /// The project's diagnostics with the imported file in place.
        diagnostics: Vec<Diagnostic>,
    },
    /// Reading or writing failed.
    Io(String),
}

/// A successful import.
#[derive(Debug)]
pub struct Written {
    /// What was imported.
    pub imported: Imported,
    /// Warnings of the project with the imported file in place.
    pub diagnostics: Vec<Diagnostic>,
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if len > limits::MAX_INPUT as u64 {
        return Err(format!(
            "{}: larger than {} MiB",
            path.display(),
            limits::MAX_INPUT >> 20
        ));
    }
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_text(path: &Path) -> Result<Option<String>, String> {
    if !path.exists() {
        return Ok(None);
    }
    let bytes = read_bounded(path)?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| format!("{}: not UTF-8", path.display()))
}

/// The edition a project directory assesses against (from `touchstone.toml`).
pub fn edition_of(dir: &Path) -> Result<Edition, String> {
    let path = dir.join(PROJECT_FILE);
    let text = read_text(&path)?.ok_or_else(|| format!("{}: not found", path.display()))?;
    let file: ProjectFile =
        toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))?;
    Edition::parse(file.standard.get_ref()).ok_or_else(|| {
        format!(
            "{}: unknown standard `{}`",
            path.display(),
            file.standard.get_ref()
        )
    })
}

/// Import `input` (layout from its extension unless given) as the `kind`
/// file of the project in `dir`. Writes only when the whole project stays valid.
pub fn import_into(
    dir: &Path,
    kind: Kind,
    input: &Path,
    layout: Option<Layout>,
    catalog: &Catalog,
) -> Result<Written, Refused> {
    let name = input.display().to_string();
    let layout = layout.or_else(|| Layout::from_name(&name)).ok_or_else(|| {
        Refused::Io(format!(
            "{name}: unknown layout; name the file .md, .csv or .xlsx or pass --layout"
        ))
    })?;
    let bytes = read_bounded(input).map_err(Refused::Io)?;
    let edition = edition_of(dir).map_err(Refused::Io)?;
    let (base, _) = touchstone_project::load(dir, catalog);
    let imported = import(kind, layout, &name, &bytes, catalog, edition, base.as_ref())
        .map_err(Refused::Input)?;
    let diagnostics = check(dir, kind, &imported.toml, catalog).map_err(Refused::Io)?;
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Refused::Invalid {
            imported: Box::new(imported),
            diagnostics,
        });
    }
    write_atomically(&dir.join(kind.file()), imported.toml.as_bytes()).map_err(Refused::Io)?;
    Ok(Written {
        imported,
        diagnostics,
    })
}

/// Validate the project with `text` in place of its `kind` file.
fn check(dir: &Path, kind: Kind, text: &str, catalog: &Catalog) -> Result<Vec<Diagnostic>, String> {
    let read = |f: &str| read_text(&dir.join(f));
    let project = read(PROJECT_FILE)?.unwrap_or_default();
    let mut ics = read(touchstone_project::ICS_FILE)?;
    let mut ixit = read(touchstone_project::IXIT_FILE)?;
    let mut evidence = read(touchstone_project::EVIDENCE_FILE)?;
    let slot = match kind {
        Kind::Ics => &mut ics,
        Kind::Ixit => &mut ixit,
        Kind::Evidence => &mut evidence,
    };
    *slot = Some(text.to_owned());
    let sources = Sources {
        project: &project,
        ics: ics.as_deref(),
        ixit: ixit.as_deref(),
        evidence: evidence.as_deref(),
    };
    let mut hasher =
        |p: &str| touchstone_project::hash_file(&dir.join(p)).map_err(|e| e.to_string());
    let (_, diags) = touchstone_project::parse(&sources, catalog, &mut hasher);
    Ok(diags)
}

/// Replace `path` atomically: write a temporary file beside it, then rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("{}: {e}", tmp.path().display()))?;
    tmp.persist(path)
        .map_err(|e| format!("{}: {}", path.display(), e.error))?;
    Ok(())
}

/// Export one part of a valid project.
pub fn export_from(
    dir: &Path,
    kind: Kind,
    layout: Layout,
    catalog: &Catalog,
) -> Result<Vec<u8>, (String, Vec<Diagnostic>)> {
    let (project, diags): (Option<Project>, _) = touchstone_project::load(dir, catalog);
    let Some(project) = project else {
        return Err((format!("{} is not a valid project", dir.display()), diags));
    };
    crate::export(kind, layout, &project, catalog).map_err(|e| (e, Vec::new()))
}
