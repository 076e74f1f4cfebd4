//! Service banners, HTTP answers, telnet negotiation, FTP replies, MQTT
//! CONNACKs, DNS messages and UDP answers come from the device under test: parsing them
//! must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = touchstone_probe::classify_banner(data);
    let _ = touchstone_probe::classify_http(data);
    let _ = touchstone_probe::parse_connack(data);
    let mut replies = Vec::new();
    let _ = touchstone_probe::creds::telnet_filter(data, &mut replies);
    let _ = touchstone_probe::creds::ftp_code(data);
    let _ = touchstone_probe::creds::parse_http_answer(data);
    if let Some(challenge) =
        touchstone_probe::creds::parse_digest_challenge(&String::from_utf8_lossy(data))
    {
        let cred = touchstone_probe::creds::Credential {
            user: "admin".into(),
            password: "admin".into(),
        };
        let _ = touchstone_probe::creds::digest_authorization(&challenge, &cred, "GET", "/", "c");
    }
    let _ = touchstone_probe::mdns::parse_records(data);
    let text = String::from_utf8_lossy(data);
    let _ = touchstone_probe::upnp::parse_description(&text);
    let _ = touchstone_probe::upnp::split_http_url(&text);
    for probe in touchstone_probe::UDP_PROBES {
        let _ = touchstone_probe::is_valid_udp_reply(probe.service, data);
    }
});
