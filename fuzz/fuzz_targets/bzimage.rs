#![no_main]
//! Fuzzes the `bzimage` parser alone (input is the image from offset 0).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = touchstone_firmware::fuzzing::parse("bzimage", data);
});
