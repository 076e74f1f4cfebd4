//! ELF files come from the image: the hardening analysis must never panic
//! on truncated or corrupted headers, sections or dynamic segments.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = touchstone_fwchecks::elf::analyse(data);
});
