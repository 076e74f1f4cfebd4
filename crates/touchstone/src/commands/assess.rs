//! `touchstone assess DIR`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow, bail};
use touchstone_core::parse_findings_reader;
use touchstone_core::text::display_safe;
use touchstone_engine::{Inputs, SourcedFinding, assess};
use touchstone_project::safe_fs::{self, InputError, InputKind, JsonInputError};
use touchstone_report::model::{AdviceRow, InputRow};
use touchstone_report::pdf::{self, PdfAttachment};
use touchstone_report::terminal::Color;
use touchstone_report::{
    Extras, Report, ReportInputs, build_with, html, json, junit, markdown, sarif, terminal,
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
        "pdf" => Some(ReportFormat::Pdf),
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
            "cannot tell the report format of `{spec}`: expected a file ending in .html, .json, .md, .pdf, .sarif, .xml (JUnit) or .txt\n  hint: name the format explicitly, for instance --report html={spec}"
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
        // Binary: only written to files (see `run`); on stdout, the JSON report.
        ReportFormat::Pdf => json::render(report),
        ReportFormat::Oscal => touchstone_report::oscal::assessment_results(
            report,
            &format!("touchstone-catalog-{}.oscal.json", report.standard.edition),
        ),
    }
}

/// Largest attachment embedded in a PDF, and the most bytes embedded in all.
const ATTACHMENT_LIMIT: u64 = 64 << 20;
const ATTACHMENTS_TOTAL: u64 = 256 << 20;

/// Read the records' attachments (each once) for the PDF, within budgets.
fn pdf_attachments(
    dir: &Path,
    project: &touchstone_project::Project,
    ui: &Ui,
) -> Vec<PdfAttachment> {
    let mut out: Vec<PdfAttachment> = Vec::new();
    let mut total = 0u64;
    for a in project.records.iter().flat_map(|r| r.attachments.iter()) {
        if out.iter().any(|x| x.name == a.path) {
            continue;
        }
        let path = dir.join(&a.path);
        let budget = ATTACHMENT_LIMIT.min(ATTACHMENTS_TOTAL.saturating_sub(total));
        let read = safe_fs::open_input(&path, InputKind::Attachment, budget, Some(dir))
            .and_then(|input| input.read_bytes());
        match read {
            Ok(bytes) => {
                total += bytes.len() as u64;
                out.push(PdfAttachment {
                    name: a.path.clone(),
                    description: a.description.clone(),
                    bytes,
                });
            }
            Err(InputError::TooLarge { .. }) => ui.err_line(&display_safe(&format!(
                "not embedding `{}` in the PDF: over the attachment budget (64 MiB each, 256 MiB in all); it stays named with its SHA-256",
                a.path
            ))),
            Err(e) => ui.err_line(&display_safe(&format!(
                "not embedding `{}` in the PDF: {}",
                a.path,
                e.with_hint()
            ))),
        }
    }
    out
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

/// A tool input named by file name and SHA-256 (never by host path).
fn input_row(path: &Path, kind: &str) -> Result<InputRow> {
    let sha256 = touchstone_project::hash_file(path)
        .with_context(|| format!("cannot hash `{}`", path.display()))?;
    Ok(InputRow {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256,
        kind: Some(kind.to_owned()),
        sample: None,
        status: "used".to_owned(),
    })
}

/// What / why / how to fix of every built-in check, from the checks' own
/// registries (the report crate cannot depend on them).
pub(crate) fn advice() -> Vec<AdviceRow> {
    let mut rows: Vec<AdviceRow> = touchstone_fwchecks::check::registry()
        .iter()
        .map(|c| AdviceRow {
            check: c.info.id.to_owned(),
            title: c.info.title.to_owned(),
            what: c.info.what.to_owned(),
            why: c.info.why.to_owned(),
            fix: c.info.fix.to_owned(),
        })
        .collect();
    rows.extend(touchstone_crosscheck::registry().iter().map(|c| AdviceRow {
        check: c.info.id.to_owned(),
        title: c.info.title.to_owned(),
        what: c.info.what.to_owned(),
        why: c.info.why.to_owned(),
        fix: c.info.fix.to_owned(),
    }));
    rows.extend(touchstone_probe::checks::CHECKS.iter().map(|c| {
        let doc = PROBE_ADVICE.iter().find(|x| x.0 == c.info.id);
        AdviceRow {
            check: c.info.id.to_owned(),
            title: c.info.summary.to_owned(),
            what: doc.map_or(c.info.summary, |d| d.1).to_owned(),
            why: doc.map(|d| d.2).unwrap_or_default().to_owned(),
            fix: doc.map(|d| d.3).unwrap_or_default().to_owned(),
        }
    }));
    rows
}

/// The declarations checked against what the firmware and the live device
/// showed, after one live login with each credential recovered from the
/// firmware (when both were given and credential tests are on).
fn cross_checks(
    project: &touchstone_project::Project,
    mut observed: touchstone_crosscheck::Observations,
    args: &AssessArgs,
    ui: &Ui,
) -> Result<Vec<SourcedFinding>> {
    if observed.images.is_empty() && observed.live.is_none() {
        return Ok(Vec::new());
    }
    let candidates = touchstone_crosscheck::candidates(&observed.images);
    if let (Some(live), Some(target)) = (observed.live.as_mut(), &args.probe)
        && !candidates.is_empty()
        && !args.probe_options.no_credentials
    {
        ui.err_line(&format!(
            "trying {} credential(s) found in the firmware on {target} (one login each per service)",
            candidates.len()
        ));
        let options = super::probe::options(&args.probe_options)?;
        live.confirmations = touchstone_probe::confirm_logins(&live.report, &candidates, &options)
            .with_context(|| format!("cannot confirm firmware credentials on `{target}`"))?;
    }
    let findings = touchstone_crosscheck::run_all(project, &observed);
    ui.err_line(&format!(
        "cross-checks: {} finding(s) comparing the declarations with the observations",
        findings.len()
    ));
    Ok(findings
        .into_iter()
        .map(|finding| SourcedFinding {
            source: "cross-checks".to_owned(),
            finding,
        })
        .collect())
}

// The probe checks' own documentation, collected by build.rs.
include!(concat!(env!("OUT_DIR"), "/probe_advice.rs"));

pub(crate) fn run(args: &AssessArgs, ui: &Ui) -> Result<ExitCode> {
    let catalog = super::catalog()?;
    // Check every argument before doing any work or writing anything.
    if args.format == ReportFormat::Pdf {
        bail!(
            "a PDF is binary and is not written to the terminal\n  hint: write it to a file with --report report.pdf"
        );
    }
    let targets = args
        .reports
        .iter()
        .map(|s| parse_target(s))
        .collect::<Result<Vec<_>>>()?;
    for t in &targets {
        safe_fs::check_output(&t.path)
            .with_context(|| format!("cannot write report `{}`", t.path.display()))?;
    }
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
    let limit = args.max_findings_size;
    let mut inputs = Vec::new();
    let mut regions = sarif::Regions::new();
    for rel in &project.findings_files {
        let path = args.dir.join(rel);
        findings.extend(read_findings(&path, rel, limit, Some(&args.dir), ui)?);
        inputs.push(input_row(&path, "findings")?);
    }
    for path in &args.findings {
        // Named by file name (its hash is in the report's inputs), never by host path.
        let label = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        findings.extend(read_findings(path, &label, limit, None, ui)?);
        inputs.push(input_row(path, "findings")?);
    }
    for path in &args.firmware {
        inputs.push(input_row(path, "firmware")?);
    }
    let mut live = None;
    let mut observed = touchstone_crosscheck::Observations {
        show_secrets: args.show_secrets,
        ..touchstone_crosscheck::Observations::default()
    };
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
        observed.live = Some(touchstone_crosscheck::Live::new(
            report,
            args.probe_options.ports.is_empty(),
        ));
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
        regions = super::sbom::regions(&scans);
        let device = format!("{} {}", project.device.maker, project.device.model);
        let today = timestamp();
        let info = super::sbom::ProjectInfo {
            device: &device,
            firmware_version: &project.device.firmware_version,
            dispositions: &project.dispositions,
            today: today.get(..10).unwrap_or(""),
        };
        super::sbom::write(
            &scans,
            &args.inventory,
            Some(&info),
            args.vulndb.as_deref(),
            args.max_vulndb_size,
            live.as_ref(),
            ui,
        )?;
        observed.images = scans
            .iter()
            .map(touchstone_crosscheck::FirmwareImage::from_scan)
            .collect();
    }
    findings.extend(cross_checks(&project, observed, args, ui)?);

    let generated_at = timestamp();
    let today = generated_at.get(..10).unwrap_or("");
    let assessment = assess(Inputs {
        catalog,
        project: &project,
        findings: &findings,
        today: Some(today),
    });
    // The assessment keeps its own copy: free the input before the report is built.
    drop(findings);
    let project_name = args.dir.display().to_string();
    let mut report = build_with(
        &ReportInputs {
            catalog,
            project: &project,
            project_name: &project_name,
            assessment: &assessment,
            diagnostics: &diags,
            tool_version: env!("CARGO_PKG_VERSION"),
            generated_at: &generated_at,
        },
        &Extras {
            advice: advice(),
            inputs,
        },
    );

    if let Some(view) = &args.view {
        report.regulatory = report
            .regulatory
            .take()
            .and_then(|r| touchstone_report::regulatory::select(r, view));
    }

    // Every report goes to a complete temporary file first; only when all are
    // written are they renamed into place, so a failure leaves no partial set.
    let mut staged = Vec::with_capacity(targets.len());
    for t in &targets {
        let bytes = if t.format == ReportFormat::Pdf {
            pdf::render(&report, &pdf_attachments(&args.dir, &project, ui))
        } else {
            render(&report, t.format, false, &regions).into_bytes()
        };
        staged.push(
            safe_fs::stage(&t.path, &bytes)
                .with_context(|| format!("cannot write report `{}`", t.path.display()))?,
        );
    }
    for (t, file) in targets.iter().zip(staged) {
        file.commit()
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

#[cfg(test)]
mod advice_tests {
    use super::*;

    #[test]
    fn every_built_in_check_has_what_why_and_fix() {
        let rows = advice();
        assert!(rows.len() >= 40);
        for r in &rows {
            assert!(
                !r.what.is_empty() && !r.why.is_empty() && !r.fix.is_empty(),
                "{} lacks advice",
                r.check
            );
        }
    }
}
