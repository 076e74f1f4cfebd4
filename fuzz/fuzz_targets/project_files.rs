//! Project files are edited by hand: validation must never panic, whatever
//! the four files contain. The input is split into touchstone.toml, ics.toml,
//! ixit.toml and evidence.toml at 0xFF bytes (which never occur in UTF-8).
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_catalog::Catalog;
use touchstone_project::{Sources, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(catalog) = Catalog::embedded() else {
        return;
    };
    let parts: Vec<&[u8]> = data.split(|b| *b == 0xff).collect();
    let text = |i: usize| parts.get(i).and_then(|p| std::str::from_utf8(p).ok());
    let Some(project) = text(0) else {
        return;
    };
    let sources = Sources {
        project,
        ics: text(1),
        ixit: text(2),
        evidence: text(3),
    };
    let mut hasher = |path: &str| {
        if path.len() % 2 == 0 {
            Ok("0".repeat(64))
        } else {
            Err("missing".to_owned())
        }
    };
    let (project, diags) = parse(&sources, catalog, &mut hasher);
    if project.is_some() {
        assert!(diags.iter().all(|d| !d.is_error()));
    }
    for d in &diags {
        let _ = d.to_string();
    }
});
