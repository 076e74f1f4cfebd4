//! The check interface: one file per check under `checks/`, each with its
//! documentation in [`CheckInfo`] and a function from an [`Input`] to
//! findings. Check ids are stable forever; [`registry`] lists every check
//! and is what [`run_all`] runs.

use touchstone_core::{Finding, Location, Severity, Supports};
use touchstone_project::Project;

use crate::declared::Declarations;
use crate::observations::{FirmwareImage, Live, Observations};

/// What a check needs to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// A scanned firmware image.
    Firmware,
    /// A probe of the live device.
    Live,
    /// Both.
    Both,
    /// Either (it reads whichever exists).
    Either,
}

/// What a check is, for people and for the report.
#[derive(Debug, Clone, Copy)]
pub struct CheckInfo {
    /// Stable id (`decl-…` for declarations against observations, `xc-…`
    /// for firmware against the live device). Never reused.
    pub id: &'static str,
    /// One line.
    pub title: &'static str,
    /// Severity of what it finds.
    pub severity: Severity,
    /// EN 303 645 provisions its findings bear on.
    pub provisions: &'static [&'static str],
    /// TS 103 701 test units its findings bear on (V1.1.1 ids).
    pub test_units: &'static [&'static str],
    /// What it checks.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix what it finds.
    pub fix: &'static str,
    /// What it needs.
    pub needs: Needs,
}

/// A check: its documentation and its logic.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Documentation and mapping.
    pub info: CheckInfo,
    /// The logic.
    pub run: fn(&Input<'_>) -> Vec<Finding>,
}

/// What checks read.
#[derive(Debug)]
pub struct Input<'a> {
    /// The declarations.
    pub declared: Declarations<'a>,
    /// The observations.
    pub observed: &'a Observations,
}

impl<'a> Input<'a> {
    /// The input of one assessment.
    pub fn new(project: &'a Project, observed: &'a Observations) -> Input<'a> {
        Input {
            declared: Declarations::new(project),
            observed,
        }
    }

    /// The live device, when probed.
    pub fn live(&self) -> Option<&'a Live> {
        self.observed.live.as_ref()
    }

    /// The scanned images.
    pub fn images(&self) -> &'a [FirmwareImage] {
        &self.observed.images
    }

    /// A password as findings show it: in full with `--show-secrets`,
    /// otherwise masked as the firmware checks mask secrets.
    pub fn secret(&self, password: &str) -> String {
        if self.observed.show_secrets {
            password.to_owned()
        } else if password.is_empty() {
            "(empty)".to_owned()
        } else {
            touchstone_fwchecks::check::redact(password)
        }
    }
}

/// A failing finding of `info`; the caller narrows provisions and units
/// when one finding bears on fewer than the check.
pub fn finding(
    info: &CheckInfo,
    location: Location,
    message: String,
    evidence: Option<String>,
) -> Finding {
    Finding {
        check: info.id.to_owned(),
        severity: info.severity,
        supports: Supports::Fail,
        provisions: info.provisions.iter().map(|s| (*s).to_owned()).collect(),
        test_units: info.test_units.iter().map(|s| (*s).to_owned()).collect(),
        location: Some(location),
        message,
        evidence,
    }
}

/// A location on the live device.
pub fn network(host: &str, port: u16, transport: &str, service: &str) -> Location {
    Location::Network {
        host: host.to_owned(),
        port: Some(port),
        transport: Some(transport.to_owned()),
        service: Some(service.to_owned()),
    }
}

/// Every check, in report order.
pub fn registry() -> &'static [Check] {
    use crate::checks::*;
    &[
        undeclared_service::CHECK,
        undeclared_boot_service::CHECK,
        service_not_found::CHECK,
        undeclared_login::CHECK,
        undeclared_account::CHECK,
        password_hash_mismatch::CHECK,
        crypto_mismatch::CHECK,
        update_mismatch::CHECK,
        ics_contradicted::CHECK,
        banner_version_mismatch::CHECK,
        baked_key_served::CHECK,
        firmware_credential_login::CHECK,
    ]
}

/// Run every check whose inputs exist: firmware checks when an image was
/// scanned, live checks when the device was probed, both-checks when both;
/// then mask every known password (unless `show_secrets`).
pub fn run_all(project: &Project, observed: &Observations) -> Vec<Finding> {
    let input = Input::new(project, observed);
    let firmware = !observed.images.is_empty();
    let live = observed.live.is_some();
    let mut findings: Vec<Finding> = registry()
        .iter()
        .filter(|c| match c.info.needs {
            Needs::Firmware => firmware,
            Needs::Live => live,
            Needs::Both => firmware && live,
            Needs::Either => firmware || live,
        })
        .flat_map(|c| (c.run)(&input))
        .collect();
    // One redaction over everything, as the firmware scan does: a password
    // quoted from a command line or shown by a check is masked wherever it
    // appears in evidence and in quoted message text.
    if !observed.show_secrets {
        let known = observed.secrets();
        for f in &mut findings {
            touchstone_fwchecks::check::redact_finding(f, &known);
        }
    }
    findings
}
