//! An sshd_config (and the files every check reads) comes from the image:
//! deriving the facts and running every firmware check must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_fwchecks::check::{Context, run_all};
use touchstone_fwchecks::components::Date;
use touchstone_fwchecks::files::MemFiles;

fuzz_target!(|data: &[u8]| {
    let Some(today) = Date::parse("2026-12-01") else {
        return;
    };
    let files = MemFiles::new()
        .with("/etc/ssh/sshd_config", data)
        .with("/etc/inittab", "::respawn:/usr/sbin/sshd -D\n");
    let ctx = Context::new(&files, "fuzz.bin", Vec::new(), today);
    let _ = run_all(&ctx);
});
