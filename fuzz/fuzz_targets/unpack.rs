#![no_main]
//! Fuzzes the whole layer walk (scan, every parser, recursion) with small limits.

use libfuzzer_sys::fuzz_target;
use touchstone_firmware::{Options, fuzzing, unpack_bytes};

fuzz_target!(|data: &[u8]| {
    let u = unpack_bytes(data.to_vec(), &Options::with_limits(fuzzing::limits()));
    let _ = serde_json::to_string(&u);
});
