//! `touchstone probe TARGET`: live testing of one device.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use touchstone_core::findings_to_json;
use touchstone_core::text::display_safe;
use touchstone_probe::{Options, Ports, ProbeReport, probe_blocking};

use crate::cli::{Format, ProbeArgs, ProbeOptions};
use crate::output::Ui;

pub(crate) fn options(o: &ProbeOptions) -> Result<Options> {
    let mut options = Options {
        dry_run: o.dry_run,
        allow_range: o.allow_range,
        credentials: !o.no_credentials,
        ..Options::default()
    };
    if !o.ports.is_empty() {
        options.ports = Ports::List(o.ports.clone());
    }
    if let Some(n) = o.max_connections {
        options.max_connections = n;
    }
    if let Some(r) = o.rate {
        options.max_connections_per_second = r;
    }
    if let Some(n) = o.brute_force_attempts {
        options.brute_force_attempts = n;
    }
    if o.robustness {
        let mut settings = touchstone_probe::robust::Settings {
            cases: o.robustness_cases,
            ..touchstone_probe::robust::Settings::default()
        };
        if let Some(seed) = o.seed {
            settings.seed = seed;
        }
        options.robustness = Some(settings);
    }
    if let Some(path) = &o.ca {
        options.lab_anchors = lab_anchors(path)?;
    }
    if let Some(secs) = o.max_time {
        options.budget = std::time::Duration::from_secs(secs);
    }
    Ok(options)
}

/// Read a lab CA file for `--ca`.
pub(crate) fn lab_anchors(path: &std::path::Path) -> Result<touchstone_probe::tls::LabAnchors> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the CA file {}", path.display()))?;
    touchstone_probe::tls::LabAnchors::from_pem_or_der(&bytes)
        .with_context(|| format!("--ca {}", path.display()))
}

/// Probe a target with progress on stderr.
pub(crate) fn probe(target: &str, o: &ProbeOptions, ui: &Ui) -> Result<ProbeReport> {
    ui.err_line(&format!("probing {target}"));
    let report =
        probe_blocking(target, &options(o)?).with_context(|| format!("cannot probe `{target}`"))?;
    ui.err_line(&format!(
        "{} service(s), {} finding(s)",
        report.services.len(),
        report.findings.len()
    ));
    Ok(report)
}

pub(crate) fn run(args: &ProbeArgs, ui: &Ui) -> Result<ExitCode> {
    let mut report = probe(&args.target, &args.options, ui)?;
    report.findings = super::gates::new_findings(report.findings, &args.gate, ui)?;
    match args.format {
        Format::Json => {
            let mut value = serde_json::to_value(&report)?;
            // The findings part is exactly a touchstone.findings/v1 file.
            let set: serde_json::Value =
                serde_json::from_str(&findings_to_json(&report.finding_set()))?;
            if let (Some(obj), Some(schema)) = (value.as_object_mut(), set.get("schema")) {
                obj.insert("schema".to_owned(), schema.clone());
            }
            ui.out(&super::to_json(&value)?)?;
        }
        Format::Human => {
            let mut out = String::new();
            for p in &report.plan {
                let _ = writeln!(out, "would send: {}", serde_json::to_string(p)?);
            }
            for s in &report.services {
                let _ = writeln!(
                    out,
                    "{}/{:<4} {:<10} {} {}",
                    s.port,
                    s.transport.as_str(),
                    s.service,
                    display_safe(s.product.as_deref().unwrap_or("")),
                    display_safe(s.version.as_deref().unwrap_or(""))
                );
            }
            super::write_findings_table(&mut out, &report.findings);
            for p in &report.problems {
                let _ = writeln!(out, "problem  {} {}", p.host, display_safe(&p.message));
            }
            ui.out(&out)?;
        }
    }
    Ok(super::gates::findings_exit(
        &report.findings,
        &args.gate,
        ui,
    ))
}
