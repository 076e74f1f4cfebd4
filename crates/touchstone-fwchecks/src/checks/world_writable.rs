//! `fw-world-writable`: files and directories every user may change.

use touchstone_core::{Finding, Severity};

use crate::check::{Check, CheckInfo, Context};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "fw-world-writable",
        title: "World-writable files",
        severity: Severity::Low,
        provisions: &["5.6-7"],
        test_units: &["5.6-7-1"],
        what: "Counts the files, and directories without the sticky bit, that every user may write according to the image's file system, and reports them in one finding per image with the first examples.",
        why: "Least privilege (5.6-7): a world-writable file lets any process change what privileged code reads or runs. On a read-only root file system the bits only bite when the files are copied to writable storage, which boot scripts often do; they also show a careless build.",
        fix: "Build the image with owner-only write permissions (for instance 0755 for directories and 0644 for files) and set permissions explicitly where files are copied at boot.",
    },
    run,
};

/// Paths shown as examples.
const EXAMPLES: usize = 10;

fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let writable: Vec<String> = ctx
        .files
        .modes()
        .into_iter()
        .filter(|e| e.mode & 0o002 != 0 && !(e.dir && e.mode & 0o1000 != 0))
        .map(|e| format!("{} {:04o}{}", e.path, e.mode, if e.dir { "/" } else { "" }))
        .collect();
    let Some(first) = writable.first() else {
        return Vec::new();
    };
    let path = first.split(' ').next().unwrap_or("/").to_owned();
    vec![
        ctx.finding(
            &CHECK.info,
            &path,
            if writable.len() == 1 {
                "1 entry is writable by every user".to_owned()
            } else {
                format!("{} entries are writable by every user", writable.len())
            },
            Some(
                writable
                    .iter()
                    .take(EXAMPLES)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        ),
    ]
}
