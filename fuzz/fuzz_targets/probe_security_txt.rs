//! security.txt files come from the Internet: validating one must never
//! panic, and every problem carries a code.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let doc = touchstone_probe::security_txt::validate(
        &text,
        "https://fuzz.example/.well-known/security.txt",
        1_795_910_400,
    );
    for p in &doc.problems {
        assert!(!p.code.is_empty());
    }
    let _ = touchstone_probe::security_txt::parse_rfc3339(&text);
});
