//! `touchstone vulndb import` / `show`, and loading the data for scans.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use touchstone_fwchecks::vulndb::{VulnDb, parse_osv};

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

fn read_db(path: &Path) -> Result<VulnDb> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read vulnerability data `{}`", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "`{}` is not vulnerability data written by `touchstone vulndb import`\n  hint: import OSV files again",
            path.display()
        )
    })
}

/// The data scans match against: the file given, else the default one when it exists.
pub(crate) fn load(explicit: Option<&Path>, ui: &Ui) -> Result<Option<VulnDb>> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match default_path().filter(|p| p.exists()) {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let db = read_db(&path)?;
    ui.err_line(&format!(
        "matching components against {} vulnerabilities imported {} ({})",
        db.entries.len(),
        db.imported_at,
        path.display()
    ));
    Ok(Some(db))
}

pub(crate) fn run(cmd: &VulndbCommand, ui: &Ui) -> Result<ExitCode> {
    match cmd {
        VulndbCommand::Import { files, db, format } => {
            let path = db
                .clone()
                .or_else(default_path)
                .context("no place to keep the data: set --db, TOUCHSTONE_VULNDB or HOME")?;
            let mut data = VulnDb {
                imported_at: timestamp(),
                ..VulnDb::default()
            };
            for f in files {
                let text = std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read OSV file `{}`", f.display()))?;
                let entries = parse_osv(&text, &f.display().to_string())?;
                let hash = touchstone_project::hash_file(f)?;
                data.sources.push(format!(
                    "{} sha256:{hash} ({} entries)",
                    f.display(),
                    entries.len()
                ));
                data.entries.extend(entries);
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create `{}`", dir.display()))?;
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
        VulndbCommand::Show { db, format } => {
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
            let data = read_db(&path)?;
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
                    data.imported_at,
                    data.sources.join("\n")
                ))?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
