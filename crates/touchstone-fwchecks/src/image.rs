//! Running the checks on an unpacked image.
//!
//! The firmware crate's virtual [`Tree`] is the [`Files`] the checks read:
//! paths are resolved inside the image root and links followed the way the
//! device would, so nothing here touches the host file system beyond
//! reading the image itself.

use std::borrow::Cow;
use std::path::Path;

use touchstone_core::Finding;
use touchstone_firmware::{Kind, Options, Tree, Unpacked, unpack};

use crate::check::{Context, run_all};
use crate::components::Date;
use crate::files::{EntryMode, Files};
use crate::secrets::SecretMatch;
use crate::vulndb::VulnDb;

impl Files for Tree {
    fn read(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        Tree::read(self, path).ok().map(Cow::Borrowed)
    }

    fn list(&self, dir: &str) -> Vec<String> {
        self.resolve(dir)
            .ok()
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

/// The findings for one image.
#[derive(Debug)]
pub struct ImageScan {
    /// The image as named.
    pub image: String,
    /// The unpacking result (layers, trees, problems).
    pub unpacked: Unpacked,
    /// Findings of every check on every tree.
    pub findings: Vec<Finding>,
    /// Secrets found, with their path, for comparisons across images.
    pub secrets: Vec<(String, SecretMatch)>,
    /// Software components, one entry per name and version (first place seen).
    pub components: Vec<touchstone_core::Component>,
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
}

/// Unpack an image and run every check on each of its file trees.
pub fn scan_image(path: &Path, options: &ScanOptions) -> ImageScan {
    let unpacked = unpack(path, &options.unpack);
    let image = path.display().to_string();
    let mut findings = Vec::new();
    let mut secrets = Vec::new();
    let mut components = Vec::new();
    for tree in &unpacked.trees {
        let layers = layer_chain(&unpacked, tree.layer);
        let mut ctx = Context::new(tree, &image, layers.clone(), options.today);
        ctx.show_secrets = options.show_secrets;
        ctx.vulndb = options.vulndb.as_ref();
        findings.extend(run_all(&ctx));
        components.extend(inventory(&ctx.components, &image, &layers));
        secrets.extend(ctx.secrets);
    }
    ImageScan {
        image,
        unpacked,
        findings,
        secrets,
        components,
    }
}
