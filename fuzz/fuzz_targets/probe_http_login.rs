//! Answers to HTTP login forms come from the device under test: the
//! cookies and success markers read from them must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_probe::creds::forms;

fuzz_target!(|data: &[u8]| {
    if let Some(answer) = touchstone_probe::creds::parse_http_answer(data) {
        let _ = forms::session_cookies(&answer);
        for form in forms::bundled_forms() {
            let _ = forms::login_accepted(&form, &answer);
        }
    }
    let _ = forms::form_encode(&String::from_utf8_lossy(data));
});
