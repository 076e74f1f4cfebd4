#![no_main]
//! Fuzzes the `ext` parser alone (input is the filesystem from offset 0).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = touchstone_firmware::fuzzing::parse("ext", data);
});
