#![no_main]
//! Fuzzes `touchstone diff` and `--baseline`: two snapshots (findings files
//! or JSON reports) separated by a NUL byte are parsed, compared and
//! rendered in every diff format.

use libfuzzer_sys::fuzz_target;
use touchstone_report::diff::{diff, render_human, render_json, render_markdown, render_sarif};
use touchstone_report::snapshot::Snapshot;

fuzz_target!(|data: &[u8]| {
    let (a, b) = match data.iter().position(|&c| c == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, data),
    };
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else {
        return;
    };
    let (Ok(old), Ok(new)) = (Snapshot::parse(a, "old"), Snapshot::parse(b, "new")) else {
        return;
    };
    let d = diff(&old, &new);
    let _ = render_human(&d);
    let _ = render_json(&d);
    let _ = render_markdown(&d);
    let _ = render_sarif(&d, &[], "0");
    let _ = touchstone_report::snapshot::only_new(new.findings(), &old);
});
