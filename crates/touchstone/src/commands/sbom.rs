//! `firmware scan --sbom` / `--vex`: write the SBOM and VEX documents of
//! scanned images (the formats are `touchstone_report::{cyclonedx, spdx,
//! openvex, vex}`; this reads hashes, matches vulnerabilities offline and
//! writes files).

use std::path::Path;

use anyhow::{Context as _, Result};
use touchstone_fwchecks::image::ImageScan;
use touchstone_report::cyclonedx::{DocInfo, SbomImage, SpecVersion, render, render_vex};
use touchstone_report::vex::{BootFacts, LiveFacts, Match, statements};

use crate::cli::{InventoryArgs, SbomFormat, VexFormat};
use crate::output::Ui;

fn write_file(path: &Path, text: &str, what: &str, ui: &Ui) -> Result<()> {
    touchstone_project::write_atomically(path, text.as_bytes())
        .with_context(|| format!("cannot write {what} `{}`", path.display()))?;
    ui.err_line(&format!("wrote {}", path.display()));
    Ok(())
}

/// The product's name: `--name`, else the project's device, else the image's file name.
fn product_name(args: &InventoryArgs, project: Option<&str>, scans: &[ImageScan]) -> String {
    if let Some(n) = &args.name {
        return n.clone();
    }
    if let Some(p) = project {
        return p.to_owned();
    }
    match scans {
        [one] => Path::new(&one.image)
            .file_name()
            .map_or_else(|| one.image.clone(), |n| n.to_string_lossy().into_owned()),
        _ => "firmware".to_owned(),
    }
}

/// What the boot sequence of a scanned image starts, resolved to files
/// inside the image: a bare program name is looked up in the usual program
/// directories, and links (busybox applets) are followed.
fn boot_facts(scan: &ImageScan, live: Option<&LiveFacts>) -> BootFacts {
    const DIRS: [&str; 6] = [
        "/sbin/",
        "/usr/sbin/",
        "/bin/",
        "/usr/bin/",
        "/usr/local/sbin/",
        "/usr/local/bin/",
    ];
    let mut facts = BootFacts {
        started: Vec::new(),
        complete: true,
        daemons: touchstone_fwchecks::boot::NETWORK_DAEMONS
            .iter()
            .map(|d| (*d).to_owned())
            .collect(),
        live: live.cloned(),
        not_built: Vec::new(),
    };
    for f in scan
        .findings
        .iter()
        .filter(|f| f.check == "fw-boot-service")
    {
        let Some(program) = f
            .evidence
            .as_deref()
            .and_then(|e| e.split_whitespace().next())
        else {
            facts.complete = false;
            continue;
        };
        let candidates: Vec<String> = if program.starts_with('/') {
            vec![program.to_owned()]
        } else {
            DIRS.iter().map(|d| format!("{d}{program}")).collect()
        };
        let resolved = scan
            .unpacked
            .trees
            .iter()
            .find_map(|t| candidates.iter().find_map(|c| t.canonical(c).ok()));
        match resolved {
            Some(path) => facts.started.push((path, f.clone())),
            None => facts.complete = false,
        }
    }
    facts
}

/// Line and column of each firmware finding whose evidence is found in its
/// (text) file inside the image, for SARIF regions.
pub(crate) fn regions(scans: &[ImageScan]) -> touchstone_report::sarif::Regions {
    let mut out = touchstone_report::sarif::Regions::new();
    for scan in scans {
        for f in &scan.findings {
            let (Some(touchstone_core::Location::Firmware { path, .. }), Some(evidence)) =
                (&f.location, &f.evidence)
            else {
                continue;
            };
            let found = scan.unpacked.trees.iter().find_map(|t| {
                t.read(path)
                    .ok()
                    .and_then(|content| touchstone_report::sarif::locate(content, evidence))
            });
            if let Some(region) = found {
                out.insert(f.fingerprint(), region);
            }
        }
    }
    out
}

/// Vulnerable code shown absent: a BusyBox vulnerability in applets that the
/// binary's own applet table does not list.
fn not_built(scans: &[ImageScan], images: &[SbomImage], matches: &[Match], boot: &mut [BootFacts]) {
    use touchstone_core::Location;
    let mut tables: std::collections::HashMap<(usize, String), Option<Vec<String>>> =
        std::collections::HashMap::new();
    for m in matches {
        let Some(c) = images
            .get(m.image)
            .and_then(|i| i.components.get(m.component))
        else {
            continue;
        };
        let is_busybox = c.name.eq_ignore_ascii_case("busybox")
            || c.purl.as_deref().is_some_and(|p| p.contains("/busybox@"));
        let Some(Location::Firmware { path, .. }) = &c.location else {
            continue;
        };
        if !is_busybox {
            continue;
        }
        let built = tables.entry((m.image, path.clone())).or_insert_with(|| {
            scans.get(m.image).and_then(|s| {
                s.unpacked
                    .trees
                    .iter()
                    .find_map(|t| t.read(path).ok())
                    .and_then(touchstone_fwchecks::busybox::applets)
            })
        });
        let Some(built) = built else { continue };
        let ids = std::iter::once(&m.vulnerability).chain(m.aliases.iter());
        if let Some(detail) = ids
            .filter_map(|id| touchstone_fwchecks::busybox::not_built(id, built))
            .next()
            && let Some(facts) = boot.get_mut(m.image)
        {
            facts.not_built.push(touchstone_report::vex::NotBuilt {
                path: path.clone(),
                vulnerability: m.vulnerability.clone(),
                detail,
            });
        }
    }
}

/// What an assessment project adds to the SBOM and VEX: the device
/// (`maker model`), its firmware version, and the assessor's dispositions
/// (which override the evidence of a vulnerability's finding) as of `today`.
pub(crate) struct ProjectInfo<'a> {
    pub device: &'a str,
    pub firmware_version: &'a str,
    pub dispositions: &'a [touchstone_project::Disposition],
    pub today: &'a str,
}

/// The disposition that decides one VEX statement: of the statement's
/// `fw-known-vulnerability` finding, by fingerprint and for every unit (one
/// limited to a test unit, as every disposition of a whole check is, is
/// about that unit, not about the vulnerability).
fn override_for(
    st: &touchstone_report::vex::Statement,
    scans: &[ImageScan],
    project: &ProjectInfo<'_>,
) -> Option<touchstone_report::vex::Override> {
    use touchstone_core::Location;
    use touchstone_project::DispositionTarget;
    let line = format!("vulnerability: {}", st.vulnerability);
    let finding = scans.get(st.image)?.findings.iter().find(|f| {
        f.check == "fw-known-vulnerability"
            && matches!(&f.location, Some(Location::Firmware { path, .. }) if Some(path) == st.path.as_ref())
            && f.evidence.as_deref().is_some_and(|e| e.lines().any(|l| l == line))
    })?;
    let target = DispositionTarget::Finding(finding.fingerprint());
    let d = project
        .dispositions
        .iter()
        .find(|d| d.unit.is_none() && d.target == target)?;
    let expired = d.expires.as_deref().is_some_and(|e| e < project.today);
    Some(touchstone_report::vex::Override {
        id: d.id.clone(),
        decision: d.decision.as_str().to_owned(),
        reason: d.reason.clone(),
        assessor: d.assessor.clone(),
        date: d.date.clone(),
        owner: d.owner.clone(),
        expires: d.expires.clone(),
        expired,
    })
}

/// Write what `--sbom` and `--vex` ask for; `project` when an assessment
/// project is at hand.
pub(crate) fn write(
    scans: &[ImageScan],
    args: &InventoryArgs,
    project: Option<&ProjectInfo<'_>>,
    vulndb: Option<&Path>,
    vulndb_limit: u64,
    live: Option<&LiveFacts>,
    ui: &Ui,
) -> Result<()> {
    if args.sbom.is_none() && args.vex.is_none() {
        return Ok(());
    }
    let images = scans
        .iter()
        .map(|s| {
            if s.sha256.is_empty() {
                anyhow::bail!("cannot hash `{}`", s.image);
            }
            Ok(SbomImage {
                name: s.image.clone(),
                sha256: s.sha256.clone(),
                components: s.components.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let product = product_name(args, project.map(|p| p.device), scans);
    let product_version = if args.name.is_none() {
        project.map(|p| p.firmware_version)
    } else {
        None
    };
    let timestamp = crate::output::timestamp();
    if let Some(path) = &args.sbom {
        let serial = uuid::Uuid::new_v4().to_string();
        let doc = DocInfo {
            product: &product,
            product_version,
            serial: &serial,
            tool_version: env!("CARGO_PKG_VERSION"),
            timestamp: &timestamp,
        };
        let text = match args.sbom_format {
            SbomFormat::Cyclonedx => render(&images, &doc, SpecVersion::V1_6),
            SbomFormat::Cyclonedx15 => render(&images, &doc, SpecVersion::V1_5),
            SbomFormat::Spdx => touchstone_report::spdx::render(&images, &doc),
        };
        write_file(path, &text, "SBOM", ui)?;
    }
    if let Some(path) = &args.vex {
        let db = super::vulndb::load(vulndb, vulndb_limit, ui)?;
        if db.is_none() {
            ui.err_line(
                "warning: no vulnerability data: the VEX document has no statements\n  hint: `touchstone vulndb import FILE...` or --vulndb FILE",
            );
        }
        let mut matches = Vec::new();
        if let Some(db) = &db {
            for (i, image) in images.iter().enumerate() {
                for (j, c) in image.components.iter().enumerate() {
                    let Some(version) = &c.version else { continue };
                    // The package name of the purl is the component id the vulnerability data uses.
                    let id = c
                        .purl
                        .as_deref()
                        .and_then(|p| p.rsplit('/').next())
                        .and_then(|p| p.split('@').next())
                        .unwrap_or(&c.name);
                    let mut entries = db.matches(id, version);
                    if entries.is_empty() {
                        entries = db.matches(&c.name, version);
                    }
                    for e in entries {
                        matches.push(Match {
                            image: i,
                            component: j,
                            vulnerability: e.id.clone(),
                            aliases: e.aliases.clone(),
                            summary: e.summary.clone(),
                        });
                    }
                }
            }
        }
        let mut boot: Vec<BootFacts> = scans.iter().map(|s| boot_facts(s, live)).collect();
        not_built(scans, &images, &matches, &mut boot);
        let mut list = statements(&images, &matches, &boot);
        if let Some(project) = project {
            for st in &mut list {
                if let Some(o) = override_for(st, scans, project) {
                    touchstone_report::vex::apply_override(st, o);
                }
            }
        }
        let serial = uuid::Uuid::new_v4().to_string();
        let doc = DocInfo {
            product: &product,
            product_version,
            serial: &serial,
            tool_version: env!("CARGO_PKG_VERSION"),
            timestamp: &timestamp,
        };
        let text = match args.vex_format {
            VexFormat::Openvex => touchstone_report::openvex::render(
                &list,
                &doc,
                "touchstone (automated, from evidence)",
            ),
            VexFormat::Cyclonedx => render_vex(&images, &list, &doc, SpecVersion::V1_6),
        };
        write_file(path, &text, "VEX document", ui)?;
    }
    Ok(())
}

/// What a probe showed, for VEX: complete only when every TCP port was
/// swept (no `--ports`) and every open service was identified.
pub(crate) fn live_facts(
    target: &str,
    report: &touchstone_probe::ProbeReport,
    swept_all: bool,
) -> LiveFacts {
    let products: Vec<String> = report
        .services
        .iter()
        .map(|s| {
            s.product
                .clone()
                .unwrap_or_else(|| s.service.clone())
                .to_ascii_lowercase()
        })
        .collect();
    let identified = report
        .services
        .iter()
        .all(|s| s.product.is_some() && s.service != "unknown");
    LiveFacts {
        target: target.to_owned(),
        products,
        complete: swept_all && identified && !report.plan.iter().any(|_| true),
    }
}
