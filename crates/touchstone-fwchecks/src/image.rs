//! Running the checks on an unpacked image.
//!
//! The firmware crate's virtual [`Tree`] is the [`Files`] the checks read:
//! paths are resolved inside the image root and links followed the way the
//! device would, so nothing here touches the host file system beyond
//! reading the image itself.

use std::path::Path;

use touchstone_core::Finding;
use touchstone_firmware::{Kind, Options, Tree, Unpacked, unpack};

use crate::check::{Context, run_all};
use crate::files::{EntryMode, Files};
use crate::secrets::SecretMatch;

impl Files for Tree {
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        Tree::read(self, path).ok().map(<[u8]>::to_vec)
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
}

/// Unpack an image and run every check on each of its file trees;
/// `show_secrets` shows passwords and secrets in full in the findings.
pub fn scan_image(path: &Path, options: &Options, show_secrets: bool) -> ImageScan {
    let unpacked = unpack(path, options);
    let image = path.display().to_string();
    let mut findings = Vec::new();
    let mut secrets = Vec::new();
    for tree in &unpacked.trees {
        let layers = layer_chain(&unpacked, tree.layer);
        let mut ctx = Context::new(tree, &image, layers);
        ctx.show_secrets = show_secrets;
        findings.extend(run_all(&ctx));
        secrets.extend(ctx.secrets);
    }
    ImageScan {
        image,
        unpacked,
        findings,
        secrets,
    }
}
