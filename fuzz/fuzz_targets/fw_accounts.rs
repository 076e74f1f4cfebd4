//! passwd, shadow and htpasswd files come from the image: parsing must
//! never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_fwchecks::credentials::{parse_htpasswd, parse_passwd, parse_shadow};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for a in parse_passwd(&text)
        .into_iter()
        .chain(parse_shadow(&text))
        .chain(parse_htpasswd(&text))
    {
        let _ = a.can_log_in();
    }
});
