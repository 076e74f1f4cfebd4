//! Collects the documentation of the probe's checks (`What it checks`, `Why it
//! matters`, `How to fix`, written beside each check in
//! `touchstone-probe/src/checks/`) into a table the reports use as fix advice.
//! The probe's `CheckInfo` carries only a summary; this keeps the check file
//! the one place the text lives. A test ties the table to `CHECKS`.

use std::fmt::Write as _;
use std::path::Path;

fn section(doc: &str, heading: &str) -> String {
    let mut out = Vec::new();
    let mut inside = false;
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("# ") {
            inside = h.trim() == heading;
            continue;
        }
        if inside {
            out.push(line.trim());
        }
    }
    out.join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let dir = Path::new("../touchstone-probe/src/checks");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut rows = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            println!("cargo:rerun-if-changed={}", path.display());
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let doc: String = text
                .lines()
                .take_while(|l| l.starts_with("//!"))
                .map(|l| l.trim_start_matches("//!").trim_start_matches(' '))
                .collect::<Vec<_>>()
                .join("\n");
            let Some(first) = doc.lines().next() else {
                continue;
            };
            let Some(id) = first
                .strip_prefix('`')
                .and_then(|r| r.split_once('`'))
                .map(|(id, _)| id.to_owned())
            else {
                continue;
            };
            rows.push((
                id,
                section(&doc, "What it checks"),
                section(&doc, "Why it matters"),
                section(&doc, "How to fix"),
            ));
        }
    }
    rows.sort();
    let mut out = String::from(
        "/// (check id, what, why, fix) of every probe check.\npub(crate) const PROBE_ADVICE: &[(&str, &str, &str, &str)] = &[\n",
    );
    for (id, what, why, fix) in rows {
        let _ = writeln!(out, "    ({id:?}, {what:?}, {why:?}, {fix:?}),");
    }
    out.push_str("];\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("probe_advice.rs");
    if let Err(e) = std::fs::write(&target, out) {
        println!("cargo:warning=cannot write {}: {e}", target.display());
    }
}
