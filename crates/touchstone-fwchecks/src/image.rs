//! Running the checks on an unpacked image.
//!
//! The firmware crate's virtual [`Tree`] is the [`Files`] the checks read:
//! paths are resolved inside the image root and links followed the way the
//! device would, so nothing here touches the host file system beyond
//! reading the image itself.

use std::borrow::Cow;
use std::path::Path;
use std::time::{Duration, Instant};

use touchstone_core::Finding;
use touchstone_firmware::{Kind, NodeId, Options, ProblemKind, Tree, Unpacked, unpack};

use crate::check::{AnalysisProblem, Context, run_all};
use crate::checks::{partial_analysis, unpack_problem};
use crate::components::Date;
use crate::files::{EntryMode, Files, MemFiles};
use crate::secrets::SecretMatch;
use crate::vulndb::VulnDb;

/// Path components (including those of link targets) one resolution may
/// walk: a link whose target has a million `./` components costs this much
/// once, not a million steps per command that goes through it.
const RESOLVE_STEPS: usize = 4096;
/// Symbolic links one resolution may follow.
const RESOLVE_HOPS: usize = 40;

/// Resolve `path` inside the tree as the device would (links followed,
/// absolute targets from the image root), within [`RESOLVE_STEPS`] and
/// [`RESOLVE_HOPS`]; `None` when it does not exist or costs more.
fn resolve_bounded(tree: &Tree, path: &str) -> Option<NodeId> {
    // Fast path: no link on the way.
    if let Some(id) = tree.lookup(path)
        && !matches!(tree.node(id).map(|n| &n.kind), Some(Kind::Symlink(_)))
    {
        let canonical = tree.path_of(id);
        if canonical == crate::files::normalize(path) {
            return Some(id);
        }
    }
    let mut steps = 0usize;
    let mut hops = 0usize;
    // Resolved components so far (never a link).
    let mut current: Vec<String> = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    for c in path.split('/').rev() {
        steps += 1;
        if steps > RESOLVE_STEPS {
            return None;
        }
        pending.push(c.to_owned());
    }
    while let Some(c) = pending.pop() {
        steps += 1;
        if steps > RESOLVE_STEPS {
            return None;
        }
        match c.as_str() {
            "" | "." => continue,
            ".." => {
                current.pop();
                continue;
            }
            _ => {}
        }
        current.push(c);
        let here = format!("/{}", current.join("/"));
        let id = tree.lookup(&here)?;
        if let Some(Kind::Symlink(target)) = tree.node(id).map(|n| &n.kind) {
            hops += 1;
            if hops > RESOLVE_HOPS {
                return None;
            }
            current.pop();
            if target.starts_with('/') {
                current.clear();
            }
            for t in target.split('/').rev() {
                steps += 1;
                if steps > RESOLVE_STEPS {
                    return None;
                }
                pending.push(t.to_owned());
            }
        }
    }
    tree.lookup(&format!("/{}", current.join("/")))
}

impl Files for Tree {
    fn read(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        let id = resolve_bounded(self, path)?;
        match self.node(id).map(|n| &n.kind) {
            Some(Kind::File(data)) => Some(Cow::Borrowed(data.as_slice())),
            _ => None,
        }
    }

    fn list(&self, dir: &str) -> Vec<String> {
        resolve_bounded(self, dir)
            .map(|id| self.children(id).map(|(name, _)| name.to_owned()).collect())
            .unwrap_or_default()
    }

    fn paths(&self) -> Vec<String> {
        self.walk()
            .filter(|(_, _, node)| matches!(node.kind, Kind::File(_)))
            .map(|(path, _, _)| path)
            .collect()
    }

    fn modes(&self) -> Vec<EntryMode> {
        self.walk()
            .filter(|(_, _, node)| matches!(node.kind, Kind::File(_) | Kind::Dir))
            .map(|(path, _, node)| EntryMode {
                path,
                mode: node.meta.mode & 0o7777,
                uid: node.meta.uid,
                dir: matches!(node.kind, Kind::Dir),
            })
            .collect()
    }
}

/// The chain of layers that produced layer `index`, outermost first (`squashfs@0x40000`).
pub fn layer_chain(unpacked: &Unpacked, index: usize) -> Vec<String> {
    let mut chain = Vec::new();
    let mut current = Some(index);
    let mut guard = 0;
    while let Some(i) = current {
        guard += 1;
        if guard > 64 {
            break;
        }
        let Some(layer) = unpacked.layers.get(i) else {
            break;
        };
        if i != 0 || layer.parent.is_some() {
            chain.push(format!("{}@{:#x}", layer.format, layer.offset));
        }
        current = layer.parent;
    }
    chain.reverse();
    chain
}

/// What one file tree of an image shows beyond its findings: the facts the
/// cross-checks compare with the maker's declarations and with a live
/// device (services started at boot, accounts and cracked passwords,
/// update evidence, keys and certificates).
#[derive(Debug, Clone, Default)]
pub struct TreeFacts {
    /// The chain of layers of the tree.
    pub layers: Vec<String>,
    /// What starts at boot.
    pub boot: crate::boot::Boot,
    /// Accounts of passwd, shadow and htpasswd files.
    pub accounts: Vec<crate::check::SourcedAccount>,
    /// Passwords cracked from the accounts' hashes (cleartext: redact
    /// before showing unless asked to show secrets).
    pub cracked: Vec<crate::check::Cracked>,
    /// Evidence about the update mechanism.
    pub updates: Vec<crate::checks::update_evidence::UpdateFact>,
    /// Keys and certificates, with their public fingerprints.
    pub keys: Vec<crate::keys::KeyFact>,
}

impl TreeFacts {
    /// The facts of the tree a context reads.
    pub fn of(ctx: &Context<'_>) -> TreeFacts {
        TreeFacts {
            layers: ctx.layers.clone(),
            boot: ctx.boot.clone(),
            accounts: ctx.accounts.clone(),
            cracked: ctx.cracked().to_vec(),
            updates: crate::checks::update_evidence::collect(ctx),
            keys: crate::keys::collect(ctx),
        }
    }
}

/// The findings for one image.
#[derive(Debug)]
pub struct ImageScan {
    /// The image's file name (never its host path).
    pub image: String,
    /// SHA-256 of the image file, hex (empty when it could not be read).
    pub sha256: String,
    /// The unpacking result (layers, trees, problems).
    pub unpacked: Unpacked,
    /// Findings of every check on every tree.
    pub findings: Vec<Finding>,
    /// Secrets found, with their path, for comparisons across images.
    pub secrets: Vec<(String, SecretMatch)>,
    /// Software components, one entry per name and version (first place seen).
    pub components: Vec<touchstone_core::Component>,
    /// Problems of the unpacking and of the checks (budgets), with their layer.
    pub problems: Vec<AnalysisProblem>,
    /// Every cleartext secret the checks know (for redaction tests and comparisons).
    pub known_secrets: Vec<String>,
    /// Facts per file tree, for the cross-checks.
    pub facts: Vec<TreeFacts>,
}

impl ImageScan {
    /// Whether part of the image was not analysed (a limit, a truncation,
    /// an unreadable layer, a budget of the checks): the findings are then
    /// not the whole story, and `fw-partial-analysis` says what is missing.
    pub fn incomplete(&self) -> bool {
        self.problems.iter().any(|p| p.incomplete)
    }
}

/// Whether an unpacking problem means that something was not analysed.
/// Checksum mismatches and normalised names are remarks on data that was read.
pub fn loses_data(kind: ProblemKind) -> bool {
    !matches!(kind, ProblemKind::Checksum | ProblemKind::PathNormalised)
}

/// The machine name of a problem kind, as in the unpacker's JSON (`limit-output`).
fn kind_name(kind: ProblemKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{kind:?}"))
}

/// Every unpacking problem with the chain of layers it belongs to.
pub fn unpack_problems(unpacked: &Unpacked) -> Vec<AnalysisProblem> {
    let mut out: Vec<AnalysisProblem> = unpacked
        .problems
        .iter()
        .map(|p| AnalysisProblem {
            layers: Vec::new(),
            kind: kind_name(p.kind),
            offset: p.offset,
            message: p.message.clone(),
            incomplete: loses_data(p.kind),
        })
        .collect();
    for (i, layer) in unpacked.layers.iter().enumerate() {
        let chain = layer_chain(unpacked, i);
        out.extend(layer.problems.iter().map(|p| AnalysisProblem {
            layers: chain.clone(),
            kind: kind_name(p.kind),
            offset: p.offset,
            message: p.message.clone(),
            incomplete: loses_data(p.kind),
        }));
    }
    out
}

/// One inventory entry per component and version, releases before file-name
/// (soname) hints, with the first place it was seen.
fn inventory(
    found: &[(String, crate::components::Component)],
    image: &str,
    layers: &[String],
) -> Vec<touchstone_core::Component> {
    use crate::components::VersionKind;
    let mut out: Vec<touchstone_core::Component> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let released: std::collections::BTreeSet<&str> = found
        .iter()
        .filter(|(_, c)| c.version.is_some() && c.version_kind == VersionKind::Release)
        .map(|(_, c)| c.id.as_str())
        .collect();
    for (path, c) in found {
        if c.version_kind == VersionKind::Soname && released.contains(c.id.as_str()) {
            continue;
        }
        if !seen.insert((c.name.clone(), c.version.clone())) {
            continue;
        }
        out.push(touchstone_core::Component {
            name: c.name.clone(),
            version: c.version.clone(),
            purl: c.purl.clone(),
            cpe: c.cpe.clone(),
            end_of_life: c
                .eol
                .as_ref()
                .filter(|e| e.end_of_life)
                .map(|e| e.date.to_string()),
            location: Some(touchstone_core::Location::Firmware {
                image: image.to_owned(),
                path: path.clone(),
                layers: layers.to_vec(),
                offset: c.offset.map(|o| o as u64),
            }),
            evidence: Some(c.evidence.clone()),
        });
    }
    // A versionless entry adds nothing when the same component has a version.
    let versioned: std::collections::BTreeSet<String> = out
        .iter()
        .filter(|c| c.version.is_some())
        .map(|c| c.name.clone())
        .collect();
    out.retain(|c| c.version.is_some() || !versioned.contains(&c.name));
    out
}

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Unpacking options and limits.
    pub unpack: Options,
    /// Show passwords and secrets in full in the findings (redacted otherwise).
    pub show_secrets: bool,
    /// The day the scan is for: decides which versions are end-of-life.
    pub today: Date,
    /// Imported vulnerability data to match components against.
    pub vulndb: Option<VulnDb>,
    /// Wall-clock budget of the checks on one image (all its trees); files
    /// not read by then are reported in a `check-time` problem.
    pub check_time: Duration,
}

/// The default budget of the checks on one image.
pub const CHECK_TIME: Duration = Duration::from_secs(120);

/// The name findings and the SBOM give an image: its file name, never the
/// directories of the host it was read from.
pub fn image_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Unpack an image and run every check on each of its file trees.
pub fn scan_image(path: &Path, options: &ScanOptions) -> ImageScan {
    let unpacked = unpack(path, &options.unpack);
    let mut scan = scan_unpacked(&image_name(path), unpacked, options);
    scan.sha256 = sha256_file(path).unwrap_or_default();
    scan
}

/// SHA-256 of a file, hex, read in blocks.
fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Run every check on an image already unpacked, named `image`.
pub fn scan_unpacked(image: &str, unpacked: Unpacked, options: &ScanOptions) -> ImageScan {
    let deadline = Instant::now() + options.check_time;
    let mut findings = Vec::new();
    let mut secrets = Vec::new();
    let mut components = Vec::new();
    let mut problems = unpack_problems(&unpacked);
    let mut known_secrets = Vec::new();
    let mut facts = Vec::new();
    for tree in &unpacked.trees {
        let layers = layer_chain(&unpacked, tree.layer);
        let mut ctx =
            Context::with_deadline(tree, image, layers.clone(), options.today, Some(deadline));
        ctx.show_secrets = options.show_secrets;
        ctx.vulndb = options.vulndb.as_ref();
        findings.extend(run_all(&ctx));
        facts.push(TreeFacts::of(&ctx));
        known_secrets.extend(ctx.known_secrets());
        components.extend(inventory(&ctx.components, image, &layers));
        problems.extend(ctx.problems.iter().cloned());
        secrets.extend(ctx.secrets);
    }
    // The unpacker's problems belong to the image, not to one tree.
    let empty = MemFiles::new();
    let mut ctx = Context::new(&empty, image, Vec::new(), options.today);
    ctx.problems = unpack_problems(&unpacked);
    ctx.show_secrets = options.show_secrets;
    findings.extend((partial_analysis::CHECK.run)(&ctx));
    findings.extend((unpack_problem::CHECK.run)(&ctx));
    // One redaction over everything: a secret one check showed is masked in
    // every other finding and in the inventory too.
    known_secrets.sort();
    known_secrets.dedup();
    if !options.show_secrets {
        for f in &mut findings {
            crate::check::redact_finding(f, &known_secrets);
        }
        for c in &mut components {
            if let Some(e) = &c.evidence {
                c.evidence = Some(crate::check::redact_known(e, &known_secrets));
            }
        }
    }
    ImageScan {
        image: image.to_owned(),
        sha256: String::new(),
        unpacked,
        findings,
        secrets,
        components,
        problems,
        known_secrets,
        facts,
    }
}
