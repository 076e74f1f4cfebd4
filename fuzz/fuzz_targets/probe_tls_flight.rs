//! A TLS server's first flight comes from the device under test: parsing it
//! (records, ServerHello, Certificate) and the certificates in it, and the
//! probe's own TLS 1.0-1.2 client reading handshake messages and
//! decrypting records, must never panic, whatever the peer sends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_probe::tls::{cert, hello};

fuzz_target!(|data: &[u8]| {
    let flight = hello::parse_server_flight(data);
    for der in &flight.certificates {
        let _ = cert::facts(der);
    }
    let _ = hello::parse_server_hello(data);
    let _ = cert::facts(data);
    touchstone_probe::tls::legacy::fuzz_peer_bytes(data);
});
