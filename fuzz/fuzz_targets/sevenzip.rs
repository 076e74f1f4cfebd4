#![no_main]
//! Fuzzes the `7z` parser alone (the magic is prepended by the harness).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = touchstone_firmware::fuzzing::parse("7z", data);
});
