#![no_main]
//! Fuzzes the `arj` parser alone (the magic is prepended by the harness).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = touchstone_firmware::fuzzing::parse("arj", data);
});
