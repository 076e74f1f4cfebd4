//! Boot scripts come from the image: the static boot analysis must never
//! panic and must stay within its work budget on any inittab and scripts.
//! The input is split at NUL bytes into `/etc/inittab`, `/etc/init.d/rcS`
//! and `/etc/init.d/S50svc`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_fwchecks::boot::{analyse, split_words};
use touchstone_fwchecks::files::MemFiles;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let inittab = parts.next().unwrap_or_default();
    let rcs = parts.next().unwrap_or_default();
    let svc = parts.next().unwrap_or_default();
    let files = MemFiles::new()
        .with("/etc/inittab", inittab)
        .with("/etc/init.d/rcS", rcs)
        .with("/etc/init.d/S50svc", svc)
        .with("/d/a", "x")
        .with("/d/b", "x");
    let boot = analyse(&files);
    for s in &boot.started {
        assert!(!s.paths.is_empty());
    }
    let _ = split_words(&String::from_utf8_lossy(data));
});
