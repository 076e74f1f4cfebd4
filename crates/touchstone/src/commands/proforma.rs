//! `touchstone import` and `touchstone export`: the pro-forma edge.

use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use touchstone_proforma::project::{Refused, export_from, import_into};
use touchstone_proforma::{Kind, Layout};

use crate::cli::{ExportArgs, Format, ImportArgs, ProformaKind, ProformaLayout};
use crate::output::Ui;

fn kind(k: ProformaKind) -> Kind {
    match k {
        ProformaKind::Ics => Kind::Ics,
        ProformaKind::Ixit => Kind::Ixit,
        ProformaKind::Evidence => Kind::Evidence,
    }
}

fn layout(l: ProformaLayout) -> Layout {
    match l {
        ProformaLayout::Md => Layout::Md,
        ProformaLayout::Csv => Layout::Csv,
        ProformaLayout::Xlsx => Layout::Xlsx,
    }
}

pub(crate) fn import(args: &ImportArgs, ui: &Ui) -> Result<ExitCode> {
    let catalog = super::catalog()?;
    let k = kind(args.kind);
    let result = import_into(
        &args.project,
        k,
        &args.file,
        args.layout.map(layout),
        catalog,
    );
    let json = args.format == Format::Json;
    match result {
        Ok(w) => {
            if json {
                ui.out(&super::to_json(&serde_json::json!({
                    "schema": "touchstone.import/v1",
                    "written": w.imported.file,
                    "log": w.imported.log.entries,
                    "diagnostics": w.diagnostics,
                }))?)?;
            } else {
                for e in &w.imported.log.entries {
                    ui.out(&format!("{e}\n"))?;
                }
                for d in &w.diagnostics {
                    ui.err_line(&ui.diagnostic(d));
                }
                ui.err_line(&format!(
                    "wrote {} ({} log entries, {} warning(s))",
                    args.project.join(w.imported.file).display(),
                    w.imported.log.entries.len(),
                    w.diagnostics.len()
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Refused::Input(problems)) => {
            if json {
                ui.out(&super::to_json(&serde_json::json!({
                    "schema": "touchstone.import/v1",
                    "written": null,
                    "problems": problems,
                }))?)?;
            }
            for p in &problems {
                ui.err_line(&format!("error: {p}"));
            }
            ui.err_line(&format!(
                "nothing imported: {} problem(s) in {}",
                problems.len(),
                args.file.display()
            ));
            Ok(ExitCode::from(2))
        }
        Err(Refused::Invalid {
            imported,
            diagnostics,
        }) => {
            if json {
                ui.out(&super::to_json(&serde_json::json!({
                    "schema": "touchstone.import/v1",
                    "written": null,
                    "log": imported.log.entries,
                    "diagnostics": diagnostics,
                }))?)?;
            } else {
                for e in &imported.log.entries {
                    ui.out(&format!("{e}\n"))?;
                }
            }
            for d in &diagnostics {
                ui.err_line(&ui.diagnostic(d));
            }
            ui.err_line(&format!(
                "nothing written: the project would not be valid with the imported {} (diagnostics above refer to it)",
                imported.file
            ));
            Ok(ExitCode::from(2))
        }
        Err(Refused::Io(e)) => bail!("{e}"),
    }
}

pub(crate) fn export(args: &ExportArgs, ui: &Ui) -> Result<ExitCode> {
    let catalog = super::catalog()?;
    let l = layout(args.format);
    if l == Layout::Xlsx && args.output.is_none() {
        bail!("an XLSX workbook is binary: pass --output FILE.xlsx");
    }
    let bytes = match export_from(&args.project, kind(args.kind), l, catalog) {
        Ok(b) => b,
        Err((why, diags)) => {
            for d in &diags {
                ui.err_line(&ui.diagnostic(d));
            }
            ui.err_line(&format!("error: {why}"));
            return Ok(ExitCode::from(2));
        }
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            ui.err_line(&format!("wrote {}", path.display()));
        }
        None => ui.out(&String::from_utf8_lossy(&bytes))?,
    }
    Ok(ExitCode::SUCCESS)
}
