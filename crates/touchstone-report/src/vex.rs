//! VEX statements from evidence: for each vulnerability matched against a
//! component of a firmware image, what Touchstone can show about it.
//!
//! - **not affected** only with a justification Touchstone can show:
//!   the component is a network daemon program in the image that no boot
//!   script, inittab, inetd or service manager starts (links followed),
//!   while the boot analysis did resolve every service that is started
//!   (`vulnerable_code_not_in_execute_path`, with the evidence as the impact
//!   statement); or the daemon is started but a live probe that swept every
//!   TCP port and identified every open service found none of it (the port
//!   is not reachable: `vulnerable_code_cannot_be_controlled_by_adversary`);
//!   a library or a multi-call binary (BusyBox is also init and the shell)
//!   is never declared not affected;
//!   or the vulnerable code is not built into the binary (the caller shows
//!   it, for instance from a BusyBox applet table: `vulnerable_code_not_present`);
//! - **affected** with the evidence: the component's program is started at
//!   boot (the boot line is quoted);
//! - **under investigation** otherwise (a library, or a program whose start
//!   the boot analysis cannot see).
//!
//! An assessor's disposition of a vulnerability's `fw-known-vulnerability`
//! finding overrides the evidence, with its reason ([`apply_overrides`]):
//! a false positive is not affected (CycloneDX `false_positive`), a
//! confirmed match is affected, a live accepted risk is affected with the
//! owner and expiry as the action; an expired acceptance is only noted, and
//! the evidence decides again.
//!
//! Pure: the caller matches vulnerabilities (offline data) and passes the
//! boot-service findings of the scan (`fw-boot-service`).

use touchstone_core::{Finding, Location};

use crate::cyclonedx::{SbomImage, component_ref, file_name};

/// A VEX status (OpenVEX vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The vulnerable code runs: the evidence is quoted.
    Affected,
    /// Justified by evidence Touchstone shows.
    NotAffected,
    /// Nothing settles it either way.
    UnderInvestigation,
}

impl Status {
    /// OpenVEX's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Affected => "affected",
            Status::NotAffected => "not_affected",
            Status::UnderInvestigation => "under_investigation",
        }
    }
}

/// A vulnerability matched against component `component` of image `image`.
#[derive(Debug, Clone)]
pub struct Match {
    /// Index of the image in the list given to [`statements`].
    pub image: usize,
    /// Index of the component in that image.
    pub component: usize,
    /// Vulnerability id (CVE, GHSA, OSV).
    pub vulnerability: String,
    /// Other ids.
    pub aliases: Vec<String>,
    /// One line.
    pub summary: String,
}

/// One VEX statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Vulnerability id.
    pub vulnerability: String,
    /// Other ids.
    pub aliases: Vec<String>,
    /// Summary of the vulnerability.
    pub description: String,
    /// The component's reference in the BOM ([`component_ref`]).
    pub component_ref: String,
    /// The component's package URL, when known.
    pub purl: Option<String>,
    /// The component as `name version`.
    pub component: String,
    /// The status.
    pub status: Status,
    /// OpenVEX justification (only for not affected).
    pub justification: Option<&'static str>,
    /// The evidence, in words.
    pub detail: String,
    /// Index of the image (as given to [`statements`]).
    pub image: usize,
    /// The component's path inside the image, when known.
    pub path: Option<String>,
    /// The assessor's decision that overrides the evidence, when one does.
    pub decided: Option<Override>,
}

/// An assessor's disposition of one matched vulnerability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Disposition id.
    pub id: String,
    /// `confirmed`, `false-positive` or `accepted-risk`.
    pub decision: String,
    /// Why.
    pub reason: String,
    /// Who decided.
    pub assessor: String,
    /// When.
    pub date: String,
    /// Owner of an accepted risk.
    pub owner: Option<String>,
    /// Expiry of an accepted risk.
    pub expires: Option<String>,
    /// An accepted risk past its expiry: noted, and the evidence decides.
    pub expired: bool,
}

impl Override {
    fn who(&self) -> String {
        format!(
            "{} on {}, disposition {}",
            self.assessor, self.date, self.id
        )
    }
}

/// Let the assessor's decision override the evidence of one statement.
pub fn apply_override(s: &mut Statement, o: Override) {
    if o.expired {
        s.detail.push_str(&format!(
            " (the accepted risk {} lapsed on {}; the evidence decides again)",
            o.id,
            o.expires.as_deref().unwrap_or("?")
        ));
        return;
    }
    let evidence = std::mem::take(&mut s.detail);
    match o.decision.as_str() {
        "false-positive" => {
            s.status = Status::NotAffected;
            s.justification = None;
            s.detail = format!(
                "The assessor ({}) rejected the match as a false positive: {}. The evidence said: {evidence}",
                o.who(),
                o.reason
            );
        }
        "confirmed" => {
            s.status = Status::Affected;
            s.justification = None;
            s.detail = format!(
                "Confirmed by the assessor ({}): {}. Evidence: {evidence}",
                o.who(),
                o.reason
            );
        }
        "accepted-risk" => {
            s.status = Status::Affected;
            s.justification = None;
            s.detail = format!(
                "Risk accepted by {} until {} ({}): {}. Evidence: {evidence}",
                o.owner.as_deref().unwrap_or("an owner not named"),
                o.expires.as_deref().unwrap_or("no expiry"),
                o.who(),
                o.reason
            );
        }
        _ => {
            s.detail = evidence;
            return;
        }
    }
    s.decided = Some(o);
}

/// What the boot sequence of one image starts, as the caller resolved it
/// inside the image (links followed, bare names looked up in the usual
/// program directories).
#[derive(Debug, Clone, Default)]
pub struct BootFacts {
    /// Each started service: the file it runs (canonical path inside the
    /// image) and the boot-service finding that shows it.
    pub started: Vec<(String, Finding)>,
    /// Whether every started program could be resolved to a file; when not,
    /// nothing is declared not affected.
    pub complete: bool,
    /// Program names of network daemons (what the boot analysis reports
    /// when started); only such a program can be shown not to run as a
    /// service.
    pub daemons: Vec<String>,
    /// What a live probe of the device found, when one ran.
    pub live: Option<LiveFacts>,
    /// Vulnerabilities whose code the caller showed is not built into the
    /// component at a path (for instance a BusyBox applet missing from the
    /// binary's own applet table).
    pub not_built: Vec<NotBuilt>,
}

/// Vulnerable code shown absent from one component's binary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotBuilt {
    /// The component's path inside the image.
    pub path: String,
    /// Vulnerability id.
    pub vulnerability: String,
    /// The evidence, in words.
    pub detail: String,
}

/// What a live probe of the running device showed.
#[derive(Debug, Clone, Default)]
pub struct LiveFacts {
    /// The probe's target, for the statement.
    pub target: String,
    /// Identified products of every open service (lowercase).
    pub products: Vec<String>,
    /// Whether the probe swept every TCP port and identified every open
    /// service; only then can it show a daemon is not reachable.
    pub complete: bool,
}

fn is_program(path: &str) -> bool {
    let dirs = [
        "/bin/",
        "/sbin/",
        "/usr/bin/",
        "/usr/sbin/",
        "/usr/local/bin/",
        "/usr/local/sbin/",
    ];
    dirs.iter().any(|d| path.starts_with(d)) && !path.contains(".so")
}

/// Derive the statements. `boot` holds what the boot sequence of each image
/// starts (same order as `images`).
pub fn statements(images: &[SbomImage], matches: &[Match], boot: &[BootFacts]) -> Vec<Statement> {
    let mut out = Vec::new();
    for m in matches {
        let (Some(image), Some(services)) = (images.get(m.image), boot.get(m.image)) else {
            continue;
        };
        let Some(c) = image.components.get(m.component) else {
            continue;
        };
        let path = match &c.location {
            Some(Location::Firmware { path, .. }) => Some(path.as_str()),
            _ => None,
        };
        let program = path
            .filter(|p| is_program(p))
            .filter(|p| services.daemons.iter().any(|d| d == file_name(p)));
        let started: Vec<&Finding> = services
            .started
            .iter()
            .filter(|(p, _)| Some(p.as_str()) == path)
            .map(|(_, f)| f)
            .collect();
        let unreachable = services.live.as_ref().filter(|l| {
            l.complete && {
                let name = c.name.to_ascii_lowercase();
                !l.products
                    .iter()
                    .any(|p| p.contains(&name) || name.contains(p.as_str()))
            }
        });
        let absent = services
            .not_built
            .iter()
            .find(|n| Some(n.path.as_str()) == path && n.vulnerability == m.vulnerability);
        let (status, justification, detail) = match (program.map(file_name), started.first()) {
            _ if absent.is_some() => (
                Status::NotAffected,
                Some("vulnerable_code_not_present"),
                absent.map(|n| n.detail.clone()).unwrap_or_default(),
            ),
            (Some(p), Some(f)) if unreachable.is_some() => (
                Status::NotAffected,
                Some("vulnerable_code_cannot_be_controlled_by_adversary"),
                format!(
                    "`{p}` is started during boot ({}), but the live probe of {} swept every TCP port and identified every open service, and none is {}",
                    f.evidence.as_deref().unwrap_or(""),
                    unreachable.map_or("", |l| l.target.as_str()),
                    c.name
                ),
            ),
            (_, Some(f)) => (
                Status::Affected,
                None,
                format!(
                    "`{}` is started during boot: {} ({})",
                    path.unwrap_or(""),
                    f.evidence.as_deref().unwrap_or(""),
                    f.message
                ),
            ),
            (Some(p), None) if !services.started.is_empty() && services.complete => (
                Status::NotAffected,
                Some("vulnerable_code_not_in_execute_path"),
                format!(
                    "`{p}` is in the image at {} but nothing in the boot sequence starts it (links followed); the boot analysis found {} service(s) that are started",
                    path.unwrap_or(""),
                    services.started.len()
                ),
            ),
            _ => (
                Status::UnderInvestigation,
                None,
                format!(
                    "{} {} is in the image{}; Touchstone cannot show whether the vulnerable code runs",
                    c.name,
                    c.version.as_deref().unwrap_or(""),
                    path.map(|p| format!(" at {p}")).unwrap_or_default()
                ),
            ),
        };
        out.push(Statement {
            vulnerability: m.vulnerability.clone(),
            aliases: m.aliases.clone(),
            description: m.summary.clone(),
            component_ref: component_ref(image, m.component),
            purl: c.purl.clone(),
            component: format!("{} {}", c.name, c.version.as_deref().unwrap_or(""))
                .trim()
                .to_owned(),
            status,
            justification,
            detail,
            image: m.image,
            path: path.map(str::to_owned),
            decided: None,
        });
    }
    out
}
