//! A BusyBox binary comes from the image: finding and reading its applet
//! table must never panic, and what it returns is bounded and sorted.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(applets) = touchstone_fwchecks::busybox::applets(data) {
        assert!(applets.len() <= touchstone_fwchecks::busybox::MAX_APPLETS);
        assert!(applets.windows(2).all(|w| w[0] < w[1]));
        assert!(applets.iter().all(|a| !a.is_empty() && a.len() <= 32));
    }
});
