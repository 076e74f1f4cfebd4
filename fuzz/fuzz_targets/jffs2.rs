#![no_main]
//! Fuzzes the `jffs2` parser alone (input is the image from offset 0; the first node needs
//! a valid header CRC, so seed with a real image for depth).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = touchstone_firmware::fuzzing::parse("jffs2", data);
});
