//! `touchstone mitm` reads the first bytes of every client that connects:
//! the ClientHello parser and the redacted description of application data
//! must never panic, whatever the client sends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_probe::mitm::{describe_application_data, parse_client_hello};

fuzz_target!(|data: &[u8]| {
    let _ = parse_client_hello(data);
    let _ = describe_application_data(data);
});
