//! Certificate chains come from the device: judging arbitrary bytes as a
//! chain must never panic and always explain a refusal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_probe::tls::{LabAnchors, chain::judge};

fuzz_target!(|data: &[u8]| {
    // Split the input into up to three "certificates" at 0xff 0x00 markers.
    let chain: Vec<Vec<u8>> = data
        .split(|b| *b == 0xff)
        .take(3)
        .map(<[u8]>::to_vec)
        .collect();
    let lab = LabAnchors::from_pem_or_der(data).unwrap_or_default();
    let report = judge(&chain, "device.example", &lab, 1_795_910_400);
    if !report.trusted() {
        assert!(!report.problems.is_empty());
    }
    let _ = touchstone_probe::security_txt::fetch::Attempt {
        url: String::new(),
        status: None,
        note: String::new(),
    }
    .describe();
});
