//! `touchstone mitm --listen ADDR`: certificate validation by the device's
//! own TLS client.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};
use touchstone_core::findings_to_json;
use touchstone_core::text::display_safe;
use touchstone_probe::mitm::{MitmOptions, run_blocking};

use crate::cli::{Format, MitmArgs};
use crate::output::Ui;

pub(crate) fn run(args: &MitmArgs, ui: &Ui) -> Result<ExitCode> {
    if let Some(path) = &args.details {
        // Before listening for a minute: can the details be written?
        touchstone_project::safe_fs::check_output(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut options = MitmOptions::new(args.listen);
    options.allow_any_address = args.allow_any_address;
    if let Some(name) = &args.name {
        options.name.clone_from(name);
    }
    options.duration = Duration::from_secs(args.duration);
    options.max_connections = args.max_connections;
    ui.err_line(&format!(
        "listening on {} for {} s (at most {} connections), certificate for `{}` signed by no trusted CA",
        args.listen, args.duration, args.max_connections, options.name
    ));
    let report = run_blocking(options).context("cannot run the MITM test")?;
    ui.err_line(&format!(
        "{} connection(s), {} finding(s)",
        report.connections.len(),
        report.findings.len()
    ));
    if let Some(path) = &args.details {
        touchstone_project::write_atomically(path, super::to_json(&report)?.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    match args.format {
        // Exactly a touchstone.findings/v1 file, for `assess --findings`.
        Format::Json => ui.out(&findings_to_json(&report.finding_set()))?,
        Format::Human => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "certificate sha256 {} for `{}`",
                report.certificate_sha256, report.certificate_name
            );
            for c in &report.connections {
                let _ = writeln!(
                    out,
                    "{:<22} {:<24} sni={} {}",
                    c.client,
                    c.outcome.as_str(),
                    display_safe(
                        c.hello
                            .as_ref()
                            .and_then(|h| h.sni.as_deref())
                            .unwrap_or("-")
                    ),
                    display_safe(
                        c.application_data
                            .as_deref()
                            .or(c.alert.as_deref())
                            .unwrap_or("")
                    )
                );
            }
            super::write_findings_table(&mut out, &report.findings);
            ui.out(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
