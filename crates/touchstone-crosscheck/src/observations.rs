//! What the firmware and the live device showed, as the cross-checks read
//! it: the facts of each scanned image's trees (boot, accounts, cracked
//! passwords, update evidence, keys), its component inventory and its
//! findings, and the probe's report with the logins made with firmware
//! credentials.
//!
//! [`FirmwareImage::from_scan`] and [`Live::new`] build them from the scan
//! and the probe; [`candidates`] lists the firmware credentials the binary
//! asks the probe to confirm with one login each.

use touchstone_core::{Component, Finding, Location};
use touchstone_fwchecks::image::{ImageScan, TreeFacts};
use touchstone_probe::{LoginCandidate, LoginConfirmation, ProbeReport};

/// Everything observed, for one assessment.
#[derive(Debug, Clone, Default)]
pub struct Observations {
    /// Show passwords in full (`--show-secrets`); redacted otherwise.
    pub show_secrets: bool,
    /// The scanned firmware images (empty: no firmware was scanned).
    pub images: Vec<FirmwareImage>,
    /// The live device (absent: no probe ran).
    pub live: Option<Live>,
}

/// One scanned image.
#[derive(Debug, Clone)]
pub struct FirmwareImage {
    /// The image's file name.
    pub name: String,
    /// Facts per file tree.
    pub trees: Vec<TreeFacts>,
    /// Software components identified.
    pub components: Vec<Component>,
    /// The firmware checks' findings.
    pub findings: Vec<Finding>,
    /// Part of the image was not analysed: absence of evidence proves less.
    pub incomplete: bool,
    /// Every cleartext secret the scan knows (masked in the cross-checks'
    /// findings unless [`Observations::show_secrets`]).
    pub known_secrets: Vec<String>,
}

impl FirmwareImage {
    /// The observations of a scan.
    pub fn from_scan(scan: &ImageScan) -> FirmwareImage {
        FirmwareImage {
            name: scan.image.clone(),
            trees: scan.facts.clone(),
            components: scan.components.clone(),
            findings: scan.findings.clone(),
            incomplete: scan.incomplete(),
            known_secrets: scan.known_secrets.clone(),
        }
    }

    /// A location inside the image, in the tree with `layers`.
    pub fn place(&self, layers: &[String], path: &str) -> Location {
        Location::Firmware {
            image: self.name.clone(),
            path: path.to_owned(),
            layers: layers.to_vec(),
            offset: None,
        }
    }
}

/// The live device.
#[derive(Debug, Clone)]
pub struct Live {
    /// The probe's report.
    pub report: ProbeReport,
    /// Every TCP port was swept (no `--ports`): absence means something.
    pub swept_all: bool,
    /// Logins made with firmware credentials.
    pub confirmations: Vec<LoginConfirmation>,
}

impl Live {
    /// The observations of a probe, before any firmware credential is tried.
    pub fn new(report: ProbeReport, swept_all: bool) -> Live {
        Live {
            report,
            swept_all,
            confirmations: Vec::new(),
        }
    }
}

impl Observations {
    /// Every cleartext secret of the observations: what the scans know,
    /// the passwords recovered from the images and those tried live.
    pub fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for image in &self.images {
            out.extend(image.known_secrets.iter().cloned());
            for tree in &image.trees {
                out.extend(tree.cracked.iter().map(|c| c.password.clone()));
                out.extend(
                    touchstone_fwchecks::checks::cmdline_credentials::found(&tree.boot)
                        .into_iter()
                        .map(|(_, _, p)| p.to_owned()),
                );
            }
        }
        if let Some(live) = &self.live {
            out.extend(live.confirmations.iter().map(|c| c.password.clone()));
        }
        out.retain(|s| !s.is_empty());
        out.sort();
        out.dedup();
        out
    }
}

/// Login protocols a system account's password may open.
const SYSTEM_LOGINS: &[&str] = &["telnet", "ssh", "ftp"];

/// The credentials of the images that one live login may confirm:
/// passwords cracked from login accounts (system accounts on telnet, SSH
/// and FTP; web password files on HTTP), and credentials written on boot
/// command lines (telnet). Accounts without a login shell are left out.
pub fn candidates(images: &[FirmwareImage]) -> Vec<LoginCandidate> {
    let mut out: Vec<LoginCandidate> = Vec::new();
    for image in images {
        for tree in &image.trees {
            for c in &tree.cracked {
                if !c.web && !c.can_log_in {
                    continue;
                }
                let protocols: Vec<String> = if c.web {
                    vec!["http".to_owned()]
                } else {
                    SYSTEM_LOGINS.iter().map(|p| (*p).to_owned()).collect()
                };
                out.push(LoginCandidate {
                    user: c.user.clone(),
                    password: c.password.clone(),
                    source: format!(
                        "{}: {} line {} ({} hash cracked offline)",
                        image.name, c.file, c.line, c.scheme
                    ),
                    protocols,
                });
            }
            for (s, user, password) in
                touchstone_fwchecks::checks::cmdline_credentials::found(&tree.boot)
            {
                out.push(LoginCandidate {
                    user: user.to_owned(),
                    password: password.to_owned(),
                    source: format!(
                        "{}: {} line {} (`{}` started with `-u`)",
                        image.name, s.origin.file, s.origin.line, s.program
                    ),
                    protocols: vec!["telnet".to_owned()],
                });
            }
        }
    }
    out
}
