#![no_main]
//! Fuzzes the `arcadyan` parser alone (input is the container from offset 0).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = touchstone_firmware::fuzzing::parse("arcadyan", data);
});
