#![no_main]
//! Fuzzes path normalisation, symlink resolution and link-target rewriting.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    touchstone_firmware::fuzzing::vfs(data);
});
