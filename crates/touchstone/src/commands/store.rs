//! `touchstone store import|export|list`: the assessment store
//! (`touchstone-store`) from the command line. Data on stdout (the new id,
//! the list), progress and diagnostics on stderr.

use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow};
use touchstone_core::text::display_safe;
use touchstone_store::{Location, Store, StoreError, default_location};

use crate::cli::{DbArg, Format, StoreCommand};
use crate::output::Ui;

pub(crate) fn location(arg: &DbArg) -> Result<Location> {
    let text = arg.db.clone().or_else(|| {
        std::env::var("TOUCHSTONE_DB")
            .ok()
            .filter(|s| !s.is_empty())
    });
    Ok(match text {
        Some(t) => Location::parse(&t)?,
        None => default_location()?,
    })
}

/// Who acts, for the audit log: `--user`, else the login of the session.
fn actor(user: Option<&str>) -> String {
    user.map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "local".to_owned())
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

pub(crate) fn run(cmd: &StoreCommand, ui: &Ui) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run_async(cmd, ui))
}

async fn open(db: &DbArg, ui: &Ui) -> Result<Store> {
    let location = location(db)?;
    ui.err_line(&display_safe(&format!("store: {location}")));
    Ok(Store::open(&location).await?)
}

async fn run_async(cmd: &StoreCommand, ui: &Ui) -> Result<ExitCode> {
    match cmd {
        StoreCommand::Import {
            dir,
            db,
            user,
            format,
        } => {
            let store = open(db, ui).await?;
            let imported = match store.import_project(dir, &actor(user.as_deref())).await {
                Ok(i) => i,
                Err(StoreError::InvalidProject(diags)) => {
                    for d in &diags {
                        ui.err_line(&ui.diagnostic(d));
                    }
                    ui.err_line(&format!(
                        "{} is not a valid project: nothing stored\n  hint: `touchstone validate {}` lists the problems",
                        dir.display(),
                        dir.display()
                    ));
                    store.close().await;
                    return Ok(ExitCode::from(2));
                }
                Err(e) => return Err(anyhow!(e)),
            };
            store.close().await;
            for d in &imported.warnings {
                ui.err_line(&ui.diagnostic(d));
            }
            ui.err_line(&display_safe(&format!(
                "imported {} as {}: {} files ({} new, {}), {} records, {} findings, {} test cases",
                imported.name,
                imported.id,
                imported.files,
                imported.new_blobs,
                human_size(imported.bytes),
                imported.records,
                imported.findings,
                imported.test_cases
            )));
            match format {
                Format::Human => ui.out(&format!("{}\n", imported.id))?,
                Format::Json => ui.out(&super::to_json(&imported)?)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        StoreCommand::Export { id, dir, db } => {
            let store = open(db, ui).await?;
            let exported = store.export_project(id, dir).await;
            store.close().await;
            let exported = exported?;
            ui.err_line(&display_safe(&format!(
                "exported {} to {}: {} files, {}",
                exported.id,
                dir.display(),
                exported.files,
                human_size(exported.bytes)
            )));
            Ok(ExitCode::SUCCESS)
        }
        StoreCommand::List { db, format } => {
            let store = open(db, ui).await?;
            let rows = store.list_assessments().await;
            store.close().await;
            let rows = rows?;
            match format {
                Format::Json => ui.out(&super::to_json(&rows)?)?,
                Format::Human => {
                    if rows.is_empty() {
                        ui.err_line("no assessments stored yet\n  hint: `touchstone store import DIR` imports a project");
                    }
                    let mut out = String::new();
                    for r in &rows {
                        let coverage = r
                            .coverage
                            .map_or_else(|| "-".to_owned(), |c| format!("{c:.0}%"));
                        out.push_str(&display_safe(&format!(
                            "{}  {} {} {}  EN 303 645 V{}  {}  coverage {}  {}  {}  {}",
                            r.id,
                            r.maker,
                            r.model,
                            r.firmware_version,
                            r.edition,
                            r.overall,
                            coverage,
                            r.state,
                            r.updated_at,
                            r.name
                        )));
                        out.push('\n');
                    }
                    ui.out(&out)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
