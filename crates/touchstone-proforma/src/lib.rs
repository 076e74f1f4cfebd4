//! Import and export of the ICS and IXIT pro-forma and of evidence records,
//! so a lab can send the pro-forma to a maker and read the answers back.
//!
//! This crate is an edge: it turns Markdown, CSV and XLSX into the project's
//! TOML files and back. The project model and the engine stay pure and know
//! nothing of these layouts.
//!
//! | layout | ICS | IXIT | evidence |
//! |---|---|---|---|
//! | Markdown | `Field: value` metadata lines and the Annex B table (clause, status, support, detail, IXIT, documents, attachments); condition and feature tables | one `##` heading per table, one `###` heading per entry (`### ID — title`) followed by `Field: value` lines, or one table per IXIT table | one table |
//! | CSV | the Annex B table | one row per value: table, ID, field, value | one table |
//! | XLSX | sheets `Metadata`, `Conditions`, `Features`, `ICS` | one sheet per IXIT table (single-record tables as field/value rows), `Notes` | sheet `Evidence` |
//!
//! Import is pure ([`import`]): it reads the input into sections
//! ([`book`]), maps them onto the catalogue, and returns the new TOML text of
//! one project file with an [`ImportLog`] listing everything mapped, renamed,
//! guessed, kept or dropped. Malformed input yields [`Problem`]s naming file,
//! sheet, row or line and column; nothing is returned then. [`project`]
//! validates the result together with the rest of the project and writes it
//! atomically.

pub mod book;
pub mod csvfmt;
mod evidence;
mod ics;
mod ixit;
pub mod markdown;
pub mod project;
pub mod xlsx;

use std::fmt;

use serde::Serialize;
use touchstone_catalog::{Catalog, Edition};
use touchstone_project::Project;

pub use book::At;

/// Which project file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `ics.toml`.
    Ics,
    /// `ixit.toml`.
    Ixit,
    /// `evidence.toml`.
    Evidence,
}

impl Kind {
    /// The project file this kind replaces.
    pub fn file(self) -> &'static str {
        match self {
            Kind::Ics => touchstone_project::ICS_FILE,
            Kind::Ixit => touchstone_project::IXIT_FILE,
            Kind::Evidence => touchstone_project::EVIDENCE_FILE,
        }
    }
}

/// Which layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Markdown.
    Md,
    /// Comma-separated values.
    Csv,
    /// Excel workbook.
    Xlsx,
}

impl Layout {
    /// The layout of a file name, by its extension.
    pub fn from_name(name: &str) -> Option<Layout> {
        let ext = std::path::Path::new(name)
            .extension()?
            .to_string_lossy()
            .to_ascii_lowercase();
        match ext.as_str() {
            "md" | "markdown" => Some(Layout::Md),
            "csv" => Some(Layout::Csv),
            "xlsx" => Some(Layout::Xlsx),
            _ => None,
        }
    }

    /// The usual extension.
    pub fn extension(self) -> &'static str {
        match self {
            Layout::Md => "md",
            Layout::Csv => "csv",
            Layout::Xlsx => "xlsx",
        }
    }
}

/// Something wrong with the input, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where.
    pub at: At,
    /// What was expected and found.
    pub message: String,
}

impl Problem {
    /// A problem at a place.
    pub fn new(at: At, message: String) -> Problem {
        Problem { at, message }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.at,
            touchstone_core::text::display_safe(&self.message)
        )
    }
}

/// What the importer did with one piece of input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Read as written.
    Mapped,
    /// Read under another name (an older field name, a table title, a feature letter).
    Renamed,
    /// Read by a best guess (a feature matched by its text, a non-standard field's key).
    Guessed,
    /// Taken from the existing project because the input does not carry it.
    Kept,
    /// Not imported (and why).
    Dropped,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Mapped => "mapped",
            Action::Renamed => "renamed",
            Action::Guessed => "guessed",
            Action::Kept => "kept",
            Action::Dropped => "dropped",
        }
    }
}

/// One line of the import log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// What happened.
    pub action: Action,
    /// Where in the input, when it came from there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<At>,
    /// What, in words.
    pub message: String,
}

impl fmt::Display for LogEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<8}", self.action.as_str())?;
        if let Some(at) = &self.at {
            write!(f, " {at}:")?;
        }
        write!(f, " {}", touchstone_core::text::display_safe(&self.message))
    }
}

/// Everything the importer did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportLog {
    /// In input order.
    pub entries: Vec<LogEntry>,
}

impl ImportLog {
    pub(crate) fn add(&mut self, action: Action, at: Option<&At>, message: String) {
        self.entries.push(LogEntry {
            action,
            at: at.cloned(),
            message,
        });
    }

    /// How many entries have this action.
    pub fn count(&self, action: Action) -> usize {
        self.entries.iter().filter(|e| e.action == action).count()
    }
}

/// The result of an import: the new file's text and what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The project file this replaces.
    pub file: &'static str,
    /// Its new TOML text.
    pub toml: String,
    /// The log.
    pub log: ImportLog,
}

/// Read a pro-forma file into the TOML text of one project file.
///
/// `name` names the input in messages (and gives CSV tables their name);
/// `base` is the project as it is, whose ICS metadata and rationales are kept
/// when the input does not carry them.
pub fn import(
    kind: Kind,
    layout: Layout,
    name: &str,
    bytes: &[u8],
    catalog: &Catalog,
    edition: Edition,
    base: Option<&Project>,
) -> Result<Imported, Vec<Problem>> {
    let book = match layout {
        Layout::Md => markdown::read(name, bytes)?,
        Layout::Csv => csvfmt::read(name, bytes)?,
        Layout::Xlsx => xlsx::read(name, bytes)?,
    };
    let mut log = ImportLog::default();
    let toml = match kind {
        Kind::Ics => ics::import(&book, catalog, edition, base, &mut log)?,
        Kind::Ixit => ixit::import(&book, layout, catalog, edition, &mut log)?,
        Kind::Evidence => evidence::import(&book, &mut log)?,
    };
    Ok(Imported {
        file: kind.file(),
        toml,
        log,
    })
}

/// Write one part of a project in a layout.
pub fn export(
    kind: Kind,
    layout: Layout,
    project: &Project,
    catalog: &Catalog,
) -> Result<Vec<u8>, String> {
    match kind {
        Kind::Ics => ics::export(layout, project, catalog),
        Kind::Ixit => ixit::export(layout, project, catalog),
        Kind::Evidence => evidence::export(layout, project),
    }
}

/// Quote a TOML string.
pub(crate) fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// Split a cell holding several values (one per line, or separated by `;`).
pub(crate) fn split_list(cell: &str, commas: bool) -> Vec<String> {
    cell.split(|c| c == '\n' || c == ';' || (commas && c == ','))
        .map(|s| touchstone_project::declared::clean_id(s).to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Attachments as one cell: `path sha256=HEX description`, one per line.
pub(crate) fn attachments_cell(list: &[touchstone_project::Attachment]) -> String {
    list.iter()
        .map(|a| {
            let mut s = format!("{} sha256={}", a.path, a.sha256);
            if let Some(d) = &a.description {
                s.push(' ');
                s.push_str(d);
            }
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Read an attachments cell back as TOML inline tables.
pub(crate) fn attachments_toml(cell: &str, at: &At) -> Result<Vec<String>, Problem> {
    let mut out = Vec::new();
    for line in cell.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (path, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let Some(after) = rest.strip_prefix("sha256=") else {
            return Err(Problem::new(
                at.clone(),
                format!(
                    "expected `path sha256=HEX [description]` for an attachment, found `{line}`"
                ),
            ));
        };
        let (hash, description) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        let mut t = format!("{{ path = {}, sha256 = {}", quote(path), quote(hash));
        if !description.trim().is_empty() {
            t.push_str(&format!(", description = {}", quote(description.trim())));
        }
        t.push_str(" }");
        out.push(t);
    }
    Ok(out)
}
