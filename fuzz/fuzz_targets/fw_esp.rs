//! ESP-IDF images come from the image: header and segment parsing must
//! never panic, and what it reports must lie inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(image) = touchstone_fwchecks::esp::parse(data) {
        assert!(image.size <= data.len());
    }
});
