//! Keys and certificates come from the image: reading their public halves
//! (PEM, DER, OpenSSH, Dropbear, `.pub` lines) must never panic. The first
//! byte picks the file name (a `.pub` file or not) and an offset for the
//! embedded-DER reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_fwchecks::keys::{analyse, analyse_der_at};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let path = if first & 1 == 1 {
        "/etc/dropbear/dropbear_rsa_host_key.pub"
    } else {
        "/etc/ssl/private/server.key"
    };
    for f in analyse(path, rest) {
        let _ = (f.ssh_fingerprint, f.spki_sha256, f.cert_sha256);
    }
    let _ = analyse_der_at(path, rest, usize::from(first >> 1) % rest.len().max(1));
});
