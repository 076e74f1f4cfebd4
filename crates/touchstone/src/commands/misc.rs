//! `touchstone schema` and `touchstone hash`.

use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::cli::{HashArgs, SchemaArgs, SchemaKind};
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
    let mut out = String::new();
    for f in &args.files {
        let h = touchstone_project::hash_file(f)
            .with_context(|| format!("cannot read `{}`", f.display()))?;
        out.push_str(&format!("{h}  {}\n", f.display()));
    }
    ui.out(&out)?;
    Ok(ExitCode::SUCCESS)
}
