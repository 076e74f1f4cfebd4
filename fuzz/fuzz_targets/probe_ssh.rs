//! SSH identification lines, binary packets, KEXINIT and host key blobs
//! come from the device under test: parsing must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_probe::ssh;

fuzz_target!(|data: &[u8]| {
    if let Some((line, used)) = ssh::split_banner(data) {
        let _ = ssh::parse_banner(&line);
        assert!(used <= data.len());
        if let Some(rest) = data.get(used..)
            && let Some((payload, consumed)) = ssh::split_packet(rest)
        {
            assert!(consumed <= rest.len());
            let _ = ssh::parse_kexinit(payload);
        }
    }
    let _ = ssh::parse_kexinit(data);
    let _ = ssh::parse_host_key(data);
    let _ = ssh::parse_banner(&String::from_utf8_lossy(data));
});
