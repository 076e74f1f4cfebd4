//! Findings files come from external tools: parsing must never panic, the
//! streaming and the text parser must agree, and whatever parses must
//! serialize and parse back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The streaming parser (what `assess --findings` uses) reads any bytes
    // and agrees with the text parser whenever they are UTF-8.
    let streamed = touchstone_core::parse_findings_reader(data, "fuzz.json");
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = touchstone_core::parse_findings(text, "fuzz.json");
    assert_eq!(streamed.as_ref().ok(), parsed.as_ref().ok());
    if let Ok(set) = parsed {
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
