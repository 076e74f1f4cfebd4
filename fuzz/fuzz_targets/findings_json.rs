//! Findings files come from external tools: parsing must never panic, and
//! whatever parses must serialize and parse back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(set) = touchstone_core::parse_findings(text, "fuzz.json") {
        let again = serde_json_roundtrip(&set);
        assert_eq!(again, set);
        for f in &set.findings {
            let _ = f.location.as_ref().map(ToString::to_string);
        }
    }
});

fn serde_json_roundtrip(set: &touchstone_core::FindingSet) -> touchstone_core::FindingSet {
    let text = touchstone_core::findings_to_json(set);
    match touchstone_core::parse_findings(&text, "again.json") {
        Ok(s) => s,
        Err(e) => panic!("serialized findings do not parse back: {e}\n{text}"),
    }
}
