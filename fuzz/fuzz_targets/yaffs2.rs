#![no_main]
//! Fuzzes the `yaffs2` parser alone (input is the image from offset 0).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = touchstone_firmware::fuzzing::parse("yaffs2", data);
});
