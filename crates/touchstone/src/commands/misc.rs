//! `touchstone schema` and `touchstone hash`.

use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::cli::{Format, HashArgs, SchemaArgs, SchemaKind};
use crate::output::Ui;

pub(crate) fn schema(args: &SchemaArgs, ui: &Ui) -> Result<ExitCode> {
    let text = match args.kind {
        SchemaKind::Report => touchstone_report::json::schema(),
        kind => {
            let name = match kind {
                SchemaKind::Project => "project",
                SchemaKind::Ics => "ics",
                SchemaKind::Ixit => "ixit",
                SchemaKind::Evidence => "evidence",
                SchemaKind::Findings | SchemaKind::Report => "findings",
            };
            let mut s = touchstone_project::schema::schemas()
                .into_iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| s)
                .context("unknown schema")?;
            s.push('\n');
            s
        }
    };
    ui.out(&text)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn hash(args: &HashArgs, ui: &Ui) -> Result<ExitCode> {
    let mut hashes = Vec::new();
    for f in &args.files {
        let h = touchstone_project::hash_file(f)
            .with_context(|| format!("cannot read `{}`", f.display()))?;
        hashes.push((f.display().to_string(), h));
    }
    match args.format {
        Format::Human => {
            let mut out = String::new();
            for (path, h) in &hashes {
                out.push_str(&format!(
                    "{h}  {}\n",
                    touchstone_core::text::display_safe(path)
                ));
            }
            ui.out(&out)?;
        }
        Format::Json => {
            let files: Vec<serde_json::Value> = hashes
                .iter()
                .map(|(path, h)| serde_json::json!({"path": path, "sha256": h}))
                .collect();
            ui.out(&super::to_json(&serde_json::json!({ "files": files }))?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `touchstone completions SHELL`.
pub(crate) fn completions(shell: clap_complete::Shell, ui: &Ui) -> Result<ExitCode> {
    let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "touchstone", &mut out);
    ui.out(&String::from_utf8_lossy(&out))?;
    Ok(ExitCode::SUCCESS)
}

/// The man page, generated from the clap definition.
pub(crate) fn man_page() -> Result<String> {
    let command = <crate::cli::Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(command).render(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `touchstone man`.
pub(crate) fn man(ui: &Ui) -> Result<ExitCode> {
    ui.out(&man_page()?)?;
    Ok(ExitCode::SUCCESS)
}
