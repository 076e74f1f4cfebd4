//! `touchstone firmware unpack` and `touchstone firmware scan`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use touchstone_core::text::{display_safe, display_safe_multiline};
use touchstone_core::{FindingSet, Tool, findings_to_json};
use touchstone_engine::SourcedFinding;
use touchstone_firmware::{Options, Unpacked, unpack, write_to_dir};
use touchstone_fwchecks::checks::partial_analysis::line as problem_line;
use touchstone_fwchecks::checks::shared_key::across;
use touchstone_fwchecks::components::Date;
use touchstone_fwchecks::image::{CHECK_TIME, ImageScan, ScanOptions, scan_image};

use crate::cli::{FirmwareCommand, Format, ScanArgs, UnpackArgs};
use crate::output::Ui;

pub(crate) fn run(cmd: &FirmwareCommand, ui: &Ui) -> Result<ExitCode> {
    match cmd {
        FirmwareCommand::Unpack(args) => unpack_cmd(args, ui),
        FirmwareCommand::Scan(args) => scan_cmd(args, ui),
        FirmwareCommand::Checks { format } => checks_cmd(*format, ui),
    }
}

fn checks_cmd(format: Format, ui: &Ui) -> Result<ExitCode> {
    let checks = touchstone_fwchecks::check::registry();
    match format {
        Format::Json => {
            let list: Vec<serde_json::Value> = checks
                .iter()
                .map(|c| {
                    let i = &c.info;
                    serde_json::json!({
                        "id": i.id, "title": i.title, "severity": i.severity,
                        "provisions": i.provisions, "test_units": i.test_units,
                        "what": i.what, "why": i.why, "fix": i.fix,
                    })
                })
                .collect();
            ui.out(&super::to_json(&serde_json::json!({ "checks": list }))?)?;
        }
        Format::Human => {
            let mut out = String::new();
            for c in checks {
                let i = &c.info;
                let _ = writeln!(
                    out,
                    "{} [{}] {} ({})\n  What: {}\n  Why:  {}\n  Fix:  {}\n",
                    i.id,
                    i.severity,
                    i.title,
                    i.provisions.join(", "),
                    i.what,
                    i.why,
                    i.fix
                );
            }
            ui.out(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn ensure_readable(image: &Path) -> Result<()> {
    let meta = std::fs::metadata(image)
        .with_context(|| format!("cannot read firmware image `{}`", image.display()))?;
    if !meta.is_file() {
        anyhow::bail!(
            "`{}` is not a file\n  hint: pass the firmware image itself",
            image.display()
        );
    }
    Ok(())
}

fn human_unpack(image: &Path, u: &Unpacked) -> String {
    let mut out = format!(
        "{}: {} bytes, {} layer(s): {} files, {} directories, {} links, {} bytes extracted\n",
        display_safe(&image.display().to_string()),
        u.input_size,
        u.layers.len(),
        u.files,
        u.directories,
        u.links,
        u.bytes
    );
    for (i, l) in u.layers.iter().enumerate() {
        let indent = "  ".repeat(l.depth as usize + 1);
        let _ = writeln!(
            out,
            "{indent}#{i} {} at {:#x}, {} bytes{}{}",
            l.format,
            l.offset,
            l.size,
            l.detail
                .as_deref()
                .map(|d| format!(" ({})", display_safe(d)))
                .unwrap_or_default(),
            l.parent.map(|p| format!(", in #{p}")).unwrap_or_default()
        );
        for r in &l.unknown {
            let _ = writeln!(
                out,
                "{indent}  unknown region at {:#x}, {} bytes, entropy {:.2}{}",
                r.offset,
                r.size,
                r.entropy,
                if r.entropy > 7.9 {
                    " (compressed or encrypted)"
                } else {
                    ""
                }
            );
        }
        for p in &l.problems {
            let _ = writeln!(out, "{indent}  problem: {}", display_safe(&p.message));
        }
    }
    for p in &u.problems {
        let _ = writeln!(out, "problem: {}", display_safe(&p.message));
    }
    out
}

fn unpack_cmd(args: &UnpackArgs, ui: &Ui) -> Result<ExitCode> {
    ensure_readable(&args.image)?;
    let options = Options::default();
    ui.err_line(&format!("unpacking {}", args.image.display()));
    let unpacked = unpack(&args.image, &options);
    let mut written = None;
    if let Some(dir) = &args.output {
        let report = write_to_dir(&unpacked, dir, &options.limits)
            .with_context(|| format!("cannot extract into `{}`", dir.display()))?;
        // The JSON says what reached the disk: counts, every entry not
        // written completely, and each link's literal target in the image
        // beside the target written.
        written = Some(serde_json::json!({
            "files": report.files,
            "directories": report.directories,
            "links": report.links,
            "hard_links": report.hard_links,
            "skipped_special": report.skipped_special,
            "bytes": report.bytes,
            "incomplete": report.incomplete,
            "rewritten_links": report.rewritten_links.iter().map(|(path, target, wrote)| {
                serde_json::json!({"path": path, "target": target, "written": wrote})
            }).collect::<Vec<_>>(),
            "problems": report.problems,
        }));
        ui.err_line(&format!(
            "wrote {} files, {} directories, {} links into {} ({} special files kept as metadata only)",
            report.files,
            report.directories,
            report.links,
            dir.display(),
            report.skipped_special
        ));
        // Nothing is left empty or short without a word (escaped: names come from the image).
        if report.incomplete > 0 {
            ui.err_line(&format!(
                "{} entries not written completely:",
                report.incomplete
            ));
        }
        for p in &report.problems {
            ui.err_line(&format!(
                "write problem: {}",
                touchstone_core::text::display_safe(&p.message)
            ));
        }
    }
    match args.format {
        Format::Json => {
            let mut value = serde_json::to_value(&unpacked)?;
            if let (Some(w), Some(map)) = (written, value.as_object_mut()) {
                map.insert("written".into(), w);
            }
            ui.out(&super::to_json(&value)?)?;
        }
        Format::Human => ui.out(&human_unpack(&args.image, &unpacked))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Scan images, with progress on stderr.
pub(crate) fn scan_images(
    images: &[std::path::PathBuf],
    show_secrets: bool,
    vulndb: Option<&Path>,
    vulndb_limit: u64,
    ui: &Ui,
) -> Result<Vec<ImageScan>> {
    let today = crate::output::timestamp();
    let options = ScanOptions {
        unpack: Options::default(),
        show_secrets,
        today: Date::parse(today.get(..10).unwrap_or_default())
            .context("the scan date is not a valid date (check SOURCE_DATE_EPOCH)")?,
        vulndb: super::vulndb::load(vulndb, vulndb_limit, ui)?,
        check_time: CHECK_TIME,
    };
    let mut scans = Vec::new();
    for (i, image) in images.iter().enumerate() {
        ensure_readable(image)?;
        ui.err_line(&format!(
            "[{}/{}] scanning {}",
            i + 1,
            images.len(),
            image.display()
        ));
        scans.push(scan_image(image, &options));
    }
    Ok(scans)
}

/// The findings of scans, labelled with their image, plus secrets shared between images.
pub(crate) fn sourced(scans: &[ImageScan]) -> Vec<SourcedFinding> {
    let mut out: Vec<SourcedFinding> = scans
        .iter()
        .flat_map(|s| {
            s.findings.iter().map(|f| SourcedFinding {
                source: format!("firmware scan of {}", s.image),
                finding: f.clone(),
            })
        })
        .collect();
    out.extend(across(scans).into_iter().map(|finding| SourcedFinding {
        source: "firmware scan across images".to_owned(),
        finding,
    }));
    out
}

fn scan_cmd(args: &ScanArgs, ui: &Ui) -> Result<ExitCode> {
    for path in [&args.inventory.sbom, &args.inventory.vex]
        .into_iter()
        .flatten()
    {
        touchstone_project::safe_fs::check_output(path)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    let mut scans = scan_images(
        &args.images,
        args.show_secrets,
        args.vulndb.as_deref(),
        args.max_vulndb_size,
        ui,
    )?;
    super::sbom::write(
        &scans,
        &args.inventory,
        None,
        args.vulndb.as_deref(),
        args.max_vulndb_size,
        None,
        ui,
    )?;
    if args.gate.baseline.is_some() {
        for s in &mut scans {
            s.findings =
                super::gates::new_findings(std::mem::take(&mut s.findings), &args.gate, ui)?;
        }
    }
    let mut set = FindingSet::new(Some(Tool {
        name: "touchstone firmware scan".to_owned(),
        version: Some(env!("CARGO_PKG_VERSION").to_owned()),
    }));
    set.findings = sourced(&scans).into_iter().map(|s| s.finding).collect();
    set.components = scans
        .iter()
        .flat_map(|s| s.components.iter().cloned())
        .collect();
    let shared = across(&scans);
    match args.format {
        Format::Json => ui.out(&findings_to_json(&set))?,
        Format::Human => {
            let mut out = String::new();
            for s in &scans {
                let u = &s.unpacked;
                let _ = writeln!(
                    out,
                    "{} (sha256 {}): {} layer(s), {} files; {} finding(s){}",
                    display_safe(&s.image),
                    s.sha256,
                    u.layers.len(),
                    u.files,
                    s.findings.len(),
                    if s.incomplete() {
                        "; ONLY PARTLY ANALYSED (see fw-partial-analysis)"
                    } else {
                        ""
                    }
                );
                for p in &s.problems {
                    let layer = if p.layers.is_empty() {
                        "input".to_owned()
                    } else {
                        p.layers.join(" > ")
                    };
                    let _ = writeln!(
                        out,
                        "  problem  [{layer}] {}",
                        display_safe(&problem_line(p))
                    );
                }
                if !s.components.is_empty() {
                    let list: Vec<String> = s
                        .components
                        .iter()
                        .map(|c| {
                            let v = c.version.as_deref().unwrap_or("?");
                            match &c.end_of_life {
                                Some(d) => format!("{} {v} (end-of-life {d})", c.name),
                                None => format!("{} {v}", c.name),
                            }
                        })
                        .collect();
                    let _ = writeln!(out, "  components: {}", display_safe(&list.join(", ")));
                }
                for f in &s.findings {
                    let path = match &f.location {
                        Some(touchstone_core::Location::Firmware { path, .. }) => path.as_str(),
                        _ => "",
                    };
                    let _ = writeln!(
                        out,
                        "  {:<8} {:<26} {} ({})\n           {}",
                        f.severity.as_str(),
                        f.check,
                        display_safe(path),
                        f.provisions.join(", "),
                        display_safe(&f.message)
                    );
                }
            }
            for f in &shared {
                let _ = writeln!(
                    out,
                    "across images: {} {}\n  {}",
                    f.check,
                    display_safe(&f.message),
                    display_safe_multiline(f.evidence.as_deref().unwrap_or(""))
                        .replace('\n', "\n  ")
                );
            }
            ui.out(&out)?;
        }
    }
    let code = super::gates::findings_exit(&set.findings, &args.gate, ui);
    if code == ExitCode::SUCCESS && scans.iter().any(ImageScan::incomplete) {
        ui.err_line(
            "warning: part of the image was not analysed (see the fw-partial-analysis findings); exit code 3",
        );
        return Ok(ExitCode::from(3));
    }
    Ok(code)
}
