//! `touchstone assess DIR`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use touchstone_core::parse_findings;
use touchstone_engine::{Inputs, SourcedFinding, assess};
use touchstone_report::terminal::Color;
use touchstone_report::{
    Report, ReportInputs, build, html, json, junit, markdown, sarif, terminal,
};

use crate::cli::{AssessArgs, ReportFormat};
use crate::output::{Ui, timestamp};

/// A report file to write.
#[derive(Debug)]
struct Target {
    format: ReportFormat,
    path: PathBuf,
}

fn parse_target(spec: &str) -> Result<Target> {
    let named = |name: &str| match name.to_ascii_lowercase().as_str() {
        "html" | "htm" => Some(ReportFormat::Html),
        "json" => Some(ReportFormat::Json),
        "md" | "markdown" => Some(ReportFormat::Markdown),
        "txt" | "text" | "human" => Some(ReportFormat::Human),
        "sarif" => Some(ReportFormat::Sarif),
        "xml" | "junit" => Some(ReportFormat::Junit),
        "oscal" => Some(ReportFormat::Oscal),
        _ => None,
    };
    if let Some((format, path)) = spec.split_once('=')
        && let Some(format) = named(format)
    {
        return Ok(Target {
            format,
            path: PathBuf::from(path),
        });
    }
    let path = PathBuf::from(spec);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    match named(&ext) {
        Some(format) => Ok(Target { format, path }),
        None => bail!(
            "cannot tell the report format of `{spec}`: expected a file ending in .html, .json, .md, .sarif, .xml (JUnit) or .txt\n  hint: name the format explicitly, for instance --report html={spec}"
        ),
    }
}

fn render(report: &Report, format: ReportFormat, color: bool, regions: &sarif::Regions) -> String {
    match format {
        ReportFormat::Human => {
            terminal::render(report, if color { Color::Always } else { Color::Never })
        }
        ReportFormat::Json => json::render(report),
        ReportFormat::Markdown => markdown::render(report),
        ReportFormat::Html => html::render(report),
        ReportFormat::Sarif => sarif::render_with_help(report, &super::diff::rule_help(), regions),
        ReportFormat::Junit => junit::render(report),
        ReportFormat::Oscal => touchstone_report::oscal::assessment_results(
            report,
            &format!("touchstone-catalog-{}.oscal.json", report.standard.edition),
        ),
    }
}

fn read_findings(path: &Path, label: &str) -> Result<Vec<SourcedFinding>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read findings file `{}`", path.display()))?;
    let set = parse_findings(&text, label)?;
    Ok(set
        .findings
        .into_iter()
        .map(|finding| SourcedFinding {
            source: label.to_owned(),
            finding,
        })
        .collect())
}

pub(crate) fn run(args: &AssessArgs, ui: &Ui) -> Result<ExitCode> {
    let catalog = super::catalog()?;
    // Check every argument before doing any work or writing anything.
    let targets = args
        .reports
        .iter()
        .map(|s| parse_target(s))
        .collect::<Result<Vec<_>>>()?;
    if args.probe.is_none() {
        let used = args.probe_options.used();
        if !used.is_empty() {
            bail!(
                "{} only appl{} to a live probe\n  hint: add --probe TARGET, or leave {} out",
                used.join(", "),
                if used.len() == 1 { "ies" } else { "y" },
                if used.len() == 1 { "it" } else { "them" }
            );
        }
    }
    if args.firmware.is_empty() && (args.inventory.sbom.is_some() || args.inventory.vex.is_some()) {
        bail!(
            "--sbom and --vex describe firmware images\n  hint: add --firmware IMAGE, or use `touchstone firmware scan IMAGE --sbom FILE`"
        );
    }
    let baseline = args
        .baseline
        .as_deref()
        .map(super::gates::read_snapshot)
        .transpose()?;
    let (project, diags) = super::validate::load_reporting(&args.dir, ui, true)?;
    let Some(project) = project else {
        ui.err_line(&format!(
            "{} is not a valid project: nothing assessed\n  hint: `touchstone validate {}` lists the problems",
            args.dir.display(),
            args.dir.display()
        ));
        return Ok(ExitCode::from(2));
    };
    let mut findings = Vec::new();
    let mut regions = sarif::Regions::new();
    for rel in &project.findings_files {
        findings.extend(read_findings(&args.dir.join(rel), rel)?);
    }
    for path in &args.findings {
        findings.extend(read_findings(path, &path.display().to_string())?);
    }
    let mut live = None;
    if let Some(target) = &args.probe {
        let report = super::probe::probe(target, &args.probe_options, ui)?;
        live = Some(super::sbom::live_facts(
            target,
            &report,
            args.probe_options.ports.is_empty(),
        ));
        findings.extend(
            report
                .finding_set()
                .findings
                .into_iter()
                .map(|finding| SourcedFinding {
                    source: format!("probe of {target}"),
                    finding,
                }),
        );
    }
    if !args.firmware.is_empty() {
        let scans = super::firmware::scan_images(
            &args.firmware,
            args.show_secrets,
            args.vulndb.as_deref(),
            ui,
        )?;
        findings.extend(super::firmware::sourced(&scans));
        regions = super::sbom::regions(&scans);
        let device = format!("{} {}", project.device.maker, project.device.model);
        super::sbom::write(
            &scans,
            &args.inventory,
            Some((&device, &project.device.firmware_version)),
            args.vulndb.as_deref(),
            live.as_ref(),
            ui,
        )?;
    }

    let assessment = assess(Inputs {
        catalog,
        project: &project,
        findings: &findings,
    });
    let project_name = args.dir.display().to_string();
    let generated_at = timestamp();
    let mut report = build(&ReportInputs {
        catalog,
        project: &project,
        project_name: &project_name,
        assessment: &assessment,
        diagnostics: &diags,
        tool_version: env!("CARGO_PKG_VERSION"),
        generated_at: &generated_at,
    });

    if let Some(view) = &args.view {
        report.regulatory = report
            .regulatory
            .take()
            .and_then(|r| touchstone_report::regulatory::select(r, view));
    }
    for t in &targets {
        let text = render(&report, t.format, false, &regions);
        touchstone_project::write_atomically(&t.path, text.as_bytes())
            .with_context(|| format!("cannot write report `{}`", t.path.display()))?;
        ui.err_line(&format!("wrote {}", t.path.display()));
    }
    ui.out(&render(&report, args.format, ui.color_out, &regions))?;

    let gates = touchstone_report::gate::ReportGates {
        fail_on: args.fail_on.severity(),
        min_coverage: args.min_coverage,
        fail_on_unsettled: args.fail_on_unsettled,
    };
    let outcome = touchstone_report::gate::check_report(&report, &gates, baseline.as_ref());
    Ok(super::gates::exit(&outcome, ui))
}
