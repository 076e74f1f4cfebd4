//! `touchstone assess DIR`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use touchstone_core::text::display_safe;
use touchstone_core::{Severity, parse_findings_reader};
use touchstone_engine::{Inputs, SourcedFinding, assess};
use touchstone_project::safe_fs::{self, InputError, InputKind, JsonInputError};
use touchstone_report::terminal::Color;
use touchstone_report::{
    Report, ReportInputs, build, html, json, junit, markdown, sarif, terminal,
};

use crate::cli::{AssessArgs, FailOn, ReportFormat};
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

fn render(report: &Report, format: ReportFormat, color: bool) -> String {
    match format {
        ReportFormat::Human => {
            terminal::render(report, if color { Color::Always } else { Color::Never })
        }
        ReportFormat::Json => json::render(report),
        ReportFormat::Markdown => markdown::render(report),
        ReportFormat::Html => html::render(report),
        ReportFormat::Sarif => sarif::render(report),
        ReportFormat::Junit => junit::render(report),
    }
}

/// Read a findings file: a regular file of at most `limit` bytes, parsed as
/// it is read (no copy of the text is held). With `root`, the file must stay
/// inside the project (a symbolic link out of it is refused with a warning).
fn read_findings(
    path: &Path,
    label: &str,
    limit: u64,
    root: Option<&Path>,
    ui: &Ui,
) -> Result<Vec<SourcedFinding>> {
    let refuse = |e: InputError| {
        if let InputError::OutsideRoot { target, .. } = &e {
            ui.err_line(&display_safe(&format!(
                "warning: findings file `{label}` is a symbolic link to `{}`, outside the project: not read",
                target.display()
            )));
        }
        anyhow!("cannot read findings file: {}", e.with_hint())
    };
    let input = safe_fs::open_input(path, InputKind::Findings, limit, root).map_err(refuse)?;
    let set = input
        .parse_json(|reader| parse_findings_reader(reader, label))
        .map_err(|e| match e {
            JsonInputError::Input(e) => refuse(e),
            JsonInputError::Parse(e) => anyhow!(e),
        })?;
    let mut out = Vec::with_capacity(set.findings.len());
    out.extend(set.findings.into_iter().map(|finding| SourcedFinding {
        source: label.to_owned(),
        finding,
    }));
    Ok(out)
}

fn threshold(fail_on: FailOn) -> Option<Severity> {
    match fail_on {
        FailOn::Never => None,
        FailOn::Info => Some(Severity::Info),
        FailOn::Low => Some(Severity::Low),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::High => Some(Severity::High),
        FailOn::Critical => Some(Severity::Critical),
    }
}

pub(crate) fn run(args: &AssessArgs, ui: &Ui) -> Result<ExitCode> {
    let catalog = super::catalog()?;
    // Check every argument before doing any work or writing anything.
    let targets = args
        .reports
        .iter()
        .map(|s| parse_target(s))
        .collect::<Result<Vec<_>>>()?;
    for t in &targets {
        safe_fs::check_output(&t.path)
            .with_context(|| format!("cannot write report `{}`", t.path.display()))?;
    }
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
    let limit = args.max_findings_size;
    for rel in &project.findings_files {
        let path = args.dir.join(rel);
        findings.extend(read_findings(&path, rel, limit, Some(&args.dir), ui)?);
    }
    for path in &args.findings {
        let label = path.display().to_string();
        findings.extend(read_findings(path, &label, limit, None, ui)?);
    }
    if let Some(target) = &args.probe {
        let report = super::probe::probe(target, &args.probe_options, ui)?;
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
            args.max_vulndb_size,
            ui,
        )?;
        findings.extend(super::firmware::sourced(&scans));
    }

    let assessment = assess(Inputs {
        catalog,
        project: &project,
        findings: &findings,
    });
    // The assessment keeps its own copy: free the input before the report is built.
    drop(findings);
    let project_name = args.dir.display().to_string();
    let generated_at = timestamp();
    let report = build(&ReportInputs {
        catalog,
        project: &project,
        project_name: &project_name,
        assessment: &assessment,
        diagnostics: &diags,
        tool_version: env!("CARGO_PKG_VERSION"),
        generated_at: &generated_at,
    });

    // Every report goes to a complete temporary file first; only when all are
    // written are they renamed into place, so a failure leaves no partial set.
    let mut staged = Vec::with_capacity(targets.len());
    for t in &targets {
        let text = render(&report, t.format, false);
        staged.push(
            safe_fs::stage(&t.path, text.as_bytes())
                .with_context(|| format!("cannot write report `{}`", t.path.display()))?,
        );
    }
    for (t, file) in targets.iter().zip(staged) {
        file.commit()
            .with_context(|| format!("cannot write report `{}`", t.path.display()))?;
        ui.err_line(&format!("wrote {}", t.path.display()));
    }
    ui.out(&render(&report, args.format, ui.color_out))?;

    let failed = threshold(args.fail_on).is_some_and(|t| assessment.fails_at(t));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
