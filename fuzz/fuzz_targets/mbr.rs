#![no_main]
//! Fuzzes the `mbr` parser alone (input is the disk image from offset 0).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = touchstone_firmware::fuzzing::parse("mbr", data);
});
