//! Malformed CoAP (RFC 7252) messages.

use super::Rng;

/// Mutation kinds, in the order the generator cycles through them.
pub const KINDS: [&str; 12] = [
    "bad_version",
    "reserved_token_length",
    "option_delta_15",
    "option_length_15",
    "truncated_header",
    "extended_option_overflow",
    "payload_marker_without_payload",
    "unknown_critical_option",
    "many_options",
    "reserved_code_class",
    "token_longer_than_message",
    "random_bytes",
];

/// The valid request of the liveness check: confirmable GET
/// `/.well-known/core`.
pub fn valid() -> Vec<u8> {
    let mut p = vec![0x41, 0x01, 0x7a, 0x12, 0x7b];
    p.push(0xbb);
    p.extend_from_slice(b".well-known");
    p.push(0x04);
    p.extend_from_slice(b"core");
    p
}

/// Whether `reply` is a CoAP message (version 1, a sane token length).
pub fn is_reply(reply: &[u8]) -> bool {
    match reply {
        [head, _code, _, _, ..] => head >> 6 == 1 && head & 0x0f <= 8,
        _ => false,
    }
}

fn header(rng: &mut Rng, version: u8, token_len: u8, code: u8) -> Vec<u8> {
    let kind = rng.below(2) as u8; // CON or NON
    let mid = (rng.next_u64() & 0xffff) as u16;
    let mut p = vec![(version << 6) | (kind << 4) | (token_len & 0x0f), code];
    p.extend_from_slice(&mid.to_be_bytes());
    p
}

/// Case number `index`: `(kind, bytes)`.
pub fn generate(index: usize, rng: &mut Rng) -> (&'static str, Vec<u8>) {
    let kind = KINDS
        .get(index % KINDS.len())
        .copied()
        .unwrap_or("random_bytes");
    let bytes = match kind {
        "bad_version" => {
            let v = rng.pick(&[0u8, 2, 3], 0);
            let mut p = header(rng, v, 0, 0x01);
            p.push(0xb4);
            p.extend_from_slice(b"time");
            p
        }
        "reserved_token_length" => {
            let tkl = 9 + rng.below(7) as u8;
            let mut p = header(rng, 1, tkl, 0x01);
            p.extend(rng.bytes(usize::from(tkl)));
            p
        }
        // Delta nibble 15 is reserved for the payload marker.
        "option_delta_15" => {
            let mut p = header(rng, 1, 0, 0x01);
            p.push(0xf3);
            p.extend_from_slice(b"abc");
            p
        }
        "option_length_15" => {
            let mut p = header(rng, 1, 0, 0x01);
            p.push(0xbf);
            p.extend_from_slice(b"abcdefgh");
            p
        }
        "truncated_header" => {
            let n = 1 + rng.below(3);
            valid().get(..n).unwrap_or_default().to_vec()
        }
        // Delta 14 (two extension bytes) pushing the option number past
        // 65535, and a length that runs past the message.
        "extended_option_overflow" => {
            let mut p = header(rng, 1, 0, 0x01);
            p.extend_from_slice(&[0xee, 0xff, 0xff, 0xff, 0xff]);
            p.extend_from_slice(b"xy");
            p
        }
        "payload_marker_without_payload" => {
            let mut p = valid();
            p.push(0xff);
            p
        }
        // Option 9999 is odd, so critical, and unknown: must be rejected
        // with 4.02, not crash.
        "unknown_critical_option" => {
            let mut p = header(rng, 1, 0, 0x01);
            let delta = 9999u16 - 269;
            p.push(0xe1);
            p.extend_from_slice(&delta.to_be_bytes());
            p.push(b'x');
            p
        }
        "many_options" => {
            let n = 100 + rng.below(300);
            let mut p = header(rng, 1, 0, 0x01);
            p.push(0xb1);
            p.push(b'a');
            for _ in 1..n {
                p.push(0x01);
                p.push(b'a');
            }
            p
        }
        "reserved_code_class" => {
            let code = rng.pick(&[0x20u8, 0x3f, 0xe0, 0xff, 0x1f], 0xe0);
            let mut p = header(rng, 1, 0, code);
            p.push(0xb4);
            p.extend_from_slice(b"time");
            p
        }
        "token_longer_than_message" => {
            let mut p = header(rng, 1, 8, 0x01);
            p.extend_from_slice(&[1, 2, 3]);
            p
        }
        _ => {
            let n = 1 + rng.below(128);
            rng.bytes(n)
        }
    };
    (kind, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_request_and_replies() {
        assert!(valid().ends_with(b"\x04core"));
        assert!(is_reply(&[0x61, 0x45, 0x7a, 0x12, 0x7b]));
        assert!(!is_reply(&[0xa1, 0x45, 0, 0]));
        assert!(!is_reply(&[0x4f, 0x45, 0, 0]));
    }
}
