//! `touchstone vulndb import` / `show`, and loading the data for scans.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use sha2::{Digest as _, Sha256};
use touchstone_core::text::display_safe;
use touchstone_fwchecks::vulndb::{Entry, VulnDb, parse_osv};
use touchstone_project::safe_fs::{self, InputKind, JsonInputError};

use crate::cli::{Format, VulndbCommand};
use crate::output::{Ui, timestamp};

/// Where the imported data lives by default.
fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TOUCHSTONE_VULNDB") {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("touchstone/vulndb.json"))
}

fn read_db(path: &Path, limit: u64) -> Result<VulnDb> {
    let input = safe_fs::open_input(path, InputKind::VulnData, limit, None)
        .map_err(|e| anyhow!(e.with_hint()))?;
    input
        .parse_json(|reader| serde_json::from_reader::<_, VulnDb>(reader))
        .map_err(|e| match e {
            JsonInputError::Input(e) => anyhow!(e.with_hint()),
            JsonInputError::Parse(e) => anyhow!(
                "`{}` is not vulnerability data written by `touchstone vulndb import`: {e}\n  hint: import OSV files again",
                path.display()
            ),
        })
}

/// The data scans match against: the file given, else the default one when it
/// exists; files over `limit` bytes are refused.
pub(crate) fn load(explicit: Option<&Path>, limit: u64, ui: &Ui) -> Result<Option<VulnDb>> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match default_path().filter(|p| p.exists()) {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let db = read_db(&path, limit)?;
    ui.err_line(&format!(
        "matching components against {} vulnerabilities imported {} ({})",
        db.entries.len(),
        display_safe(&db.imported_at),
        path.display()
    ));
    Ok(Some(db))
}

/// Read an OSV file once: its entries and the SHA-256 of exactly the bytes parsed.
fn read_osv(path: &Path, limit: u64) -> Result<(Vec<Entry>, String)> {
    let input = safe_fs::open_input(path, InputKind::VulnData, limit, None)
        .map_err(|e| anyhow!(e.with_hint()))?;
    let bytes = input.read_bytes().map_err(|e| anyhow!(e.with_hint()))?;
    let hash = hex::encode(Sha256::digest(&bytes));
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => bail!(safe_fs::not_utf8(path, &bytes, e.valid_up_to()).with_hint()),
    };
    let entries = parse_osv(text, &path.display().to_string())?;
    Ok((entries, hash))
}

pub(crate) fn run(cmd: &VulndbCommand, ui: &Ui) -> Result<ExitCode> {
    match cmd {
        VulndbCommand::Import {
            files,
            db,
            max_vulndb_size,
            format,
        } => {
            let path = db
                .clone()
                .or_else(default_path)
                .context("no place to keep the data: set --db, TOUCHSTONE_VULNDB or HOME")?;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create `{}`", dir.display()))?;
            }
            // Before reading anything: can the result be written?
            safe_fs::check_output(&path)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            let mut data = VulnDb {
                imported_at: timestamp(),
                ..VulnDb::default()
            };
            for f in files {
                let (entries, hash) = read_osv(f, *max_vulndb_size)?;
                data.sources.push(format!(
                    "{} sha256:{hash} ({} entries)",
                    f.display(),
                    entries.len()
                ));
                data.entries.extend(entries);
            }
            touchstone_project::write_atomically(&path, serde_json::to_string(&data)?.as_bytes())
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            match format {
                Format::Json => ui.out(&super::to_json(&serde_json::json!({
                    "path": path.display().to_string(),
                    "imported_at": data.imported_at,
                    "sources": data.sources,
                    "entries": data.entries.len(),
                }))?)?,
                Format::Human => ui.out(&format!(
                    "imported {} vulnerabilities into {}\n",
                    data.entries.len(),
                    path.display()
                ))?,
            }
        }
        VulndbCommand::Show {
            db,
            max_vulndb_size,
            format,
        } => {
            let path = db
                .clone()
                .or_else(default_path)
                .context("no data location")?;
            if !path.exists() {
                let hint = "import OSV files with `touchstone vulndb import FILE...`";
                match format {
                    Format::Json => ui.out(&super::to_json(&serde_json::json!({
                        "path": path.display().to_string(),
                        "imported_at": null,
                        "sources": [],
                        "entries": 0,
                        "hint": hint,
                    }))?)?,
                    Format::Human => {
                        ui.out(&format!(
                            "{}: no vulnerability data imported\n",
                            path.display()
                        ))?;
                        ui.err_line(&format!("hint: {hint}"));
                    }
                }
                return Ok(ExitCode::SUCCESS);
            }
            let data = read_db(&path, *max_vulndb_size)?;
            match format {
                Format::Json => ui.out(&super::to_json(&serde_json::json!({
                    "path": path.display().to_string(),
                    "imported_at": data.imported_at,
                    "sources": data.sources,
                    "entries": data.entries.len(),
                }))?)?,
                Format::Human => ui.out(&format!(
                    "{}: {} vulnerabilities imported {}\n{}\n",
                    path.display(),
                    data.entries.len(),
                    display_safe(&data.imported_at),
                    data.sources
                        .iter()
                        .map(|s| display_safe(s))
                        .collect::<Vec<_>>()
                        .join("\n")
                ))?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
