//! `touchstone passwords analyze CSV`: are device passwords derived from
//! their MAC addresses or serial numbers (EN 303 645 5.1-2)?

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use serde_json::json;
use touchstone_core::{FindingSet, Supports, Tool, findings_to_json};
use touchstone_probe::checks::password_generation;
use touchstone_probe::passwords::{analyse, parse_csv};

use crate::cli::{Format, PasswordsCommand};
use crate::output::Ui;

/// Largest CSV read.
const MAX_FILE: u64 = 64 * 1024 * 1024;

pub(crate) fn run(cmd: &PasswordsCommand, ui: &Ui) -> Result<ExitCode> {
    match cmd {
        PasswordsCommand::Analyze { csv, format } => analyze(csv, *format, ui),
    }
}

fn analyze(path: &Path, format: Format, ui: &Ui) -> Result<ExitCode> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    anyhow::ensure!(
        size <= MAX_FILE,
        "{} is {size} bytes; analyse a sample of at most {MAX_FILE} bytes",
        path.display()
    );
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes).with_context(|| {
        format!(
            "{} is not UTF-8 text\n  hint: save the sheet as CSV UTF-8",
            path.display()
        )
    })?;
    let samples = parse_csv(&text).with_context(|| format!("{}", path.display()))?;
    let analysis = analyse(&samples);
    let source = path.display().to_string();
    let findings = password_generation::run(&analysis, &source);
    let failed = findings.iter().any(|f| f.supports == Supports::Fail);
    match format {
        Format::Json => {
            let mut set = FindingSet::new(Some(Tool {
                name: "touchstone-passwords".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }));
            set.findings = findings;
            let mut value: serde_json::Value = serde_json::from_str(&findings_to_json(&set))?;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("analysis".into(), json!(analysis));
            }
            ui.out(&super::to_json(&value)?)?;
        }
        Format::Human => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{} samples ({} with MAC, {} with serial), {} explained by a derivation",
                analysis.samples, analysis.with_mac, analysis.with_serial, analysis.derived_rows
            );
            for f in &findings {
                let _ = writeln!(
                    out,
                    "{:<8} {:<5} {}",
                    f.severity.as_str(),
                    f.supports.as_str(),
                    touchstone_core::text::display_safe(&f.message)
                );
                if let Some(e) = &f.evidence {
                    let _ = writeln!(
                        out,
                        "         e.g. {}",
                        touchstone_core::text::display_safe(e)
                    );
                }
            }
            ui.out(&out)?;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
