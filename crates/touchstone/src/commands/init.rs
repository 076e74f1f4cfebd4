//! `touchstone init DIR`.

use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use touchstone_project::{Device, scaffold::scaffold, write_atomically};

use crate::cli::{Format, InitArgs};
use crate::output::Ui;

pub(crate) fn run(args: &InitArgs, ui: &Ui) -> Result<ExitCode> {
    let catalog = super::catalog()?;
    let edition = super::edition(&args.standard)?;
    let dir = &args.dir;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .with_context(|| format!("`{}` exists and cannot be read", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "`{}` already exists and is not empty\n  hint: choose a new directory; init never overwrites files",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir.join("evidence"))
        .with_context(|| format!("cannot create `{}`", dir.display()))?;
    let device = Device {
        maker: args.maker.clone(),
        model: args.model.clone(),
        hardware_version: args.hardware_version.clone(),
        firmware_version: args.firmware_version.clone(),
        description: None,
        product_page: None,
    };
    let files = scaffold(catalog, edition, &device);
    for (name, text) in &files {
        let path = dir.join(name);
        write_atomically(&path, text.as_bytes())
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    match args.format {
        Format::Json => ui.out(&super::to_json(&serde_json::json!({
            "project": dir.display().to_string(),
            "standard": edition.version(),
            "files": names,
        }))?)?,
        Format::Human => {
            ui.out(&format!(
                "Created {} for {edition}: {}\nNext: answer every provision in ics.toml, describe the implementation in ixit.toml,\nthen run `touchstone validate {}`.\n",
                dir.display(),
                names.join(", "),
                dir.display()
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
