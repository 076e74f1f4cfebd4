//! RTSP answers come from the device under test: parsing them (status,
//! CSeq, challenges, Content-Length body) must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(answer) = touchstone_probe::creds::rtsp::parse_rtsp_answer(data) {
        let _ = answer.has_sdp();
        if let Some(challenge) = &answer.digest {
            let cred = touchstone_probe::creds::Credential {
                user: "admin".into(),
                password: "12345".into(),
            };
            let _ = touchstone_probe::creds::digest_authorization(
                challenge,
                &cred,
                "DESCRIBE",
                "rtsp://127.0.0.1:554/",
                "c",
            );
        }
    }
});
