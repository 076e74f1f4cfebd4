//! Malformed HTTP/1.x requests.

use std::net::IpAddr;

use super::Rng;

/// Mutation kinds, in the order the generator cycles through them.
pub const KINDS: [&str; 14] = [
    "overlong_request_line",
    "overlong_header",
    "many_headers",
    "bad_content_length",
    "bad_chunk_size",
    "invalid_utf8_path",
    "bad_percent_encoding",
    "header_without_colon",
    "bad_method_or_version",
    "control_bytes_in_header",
    "conflicting_lengths",
    "truncated_request",
    "bit_flips",
    "random_bytes",
];

fn host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// The valid request of the liveness check.
pub fn valid(ip: IpAddr) -> Vec<u8> {
    format!(
        "GET / HTTP/1.1\r\nHost: {}\r\nUser-Agent: Touchstone\r\nConnection: close\r\n\r\n",
        host(ip)
    )
    .into_bytes()
}

/// Case number `index`: `(kind, bytes)`.
pub fn generate(index: usize, rng: &mut Rng, ip: IpAddr) -> (&'static str, Vec<u8>) {
    let kind = KINDS
        .get(index % KINDS.len())
        .copied()
        .unwrap_or("random_bytes");
    let h = host(ip);
    let bytes = match kind {
        "overlong_request_line" => {
            let n = rng.pick(&[1_100, 4_097, 8_193, 65_537], 4_097);
            let mut b = b"GET /".to_vec();
            b.extend(std::iter::repeat_n(b'A', n));
            b.extend_from_slice(format!(" HTTP/1.1\r\nHost: {h}\r\n\r\n").as_bytes());
            b
        }
        "overlong_header" => {
            let n = rng.pick(&[1_100, 4_097, 8_193, 65_537], 8_193);
            let name = rng.pick(&["X-Fuzz", "Cookie", "User-Agent", "Authorization"], "X-Fuzz");
            let mut b = format!("GET / HTTP/1.1\r\nHost: {h}\r\n{name}: ").into_bytes();
            b.extend(std::iter::repeat_n(b'B', n));
            b.extend_from_slice(b"\r\n\r\n");
            b
        }
        "many_headers" => {
            let n = rng.pick(&[200, 1_000, 3_000], 1_000);
            let mut b = format!("GET / HTTP/1.1\r\nHost: {h}\r\n").into_bytes();
            for i in 0..n {
                b.extend_from_slice(format!("X-{i}: {i}\r\n").as_bytes());
            }
            b.extend_from_slice(b"\r\n");
            b
        }
        "bad_content_length" => {
            let value = rng.pick(
                &[
                    "-1",
                    "abc",
                    "99999999999999999999999",
                    "4294967296",
                    "18446744073709551616",
                    "1,2",
                    " 0x10",
                    "",
                ],
                "-1",
            );
            format!("POST / HTTP/1.1\r\nHost: {h}\r\nContent-Length: {value}\r\n\r\nabc").into_bytes()
        }
        "bad_chunk_size" => {
            let size = rng.pick(
                &["FFFFFFFFFFFFFFFF", "-1", "0x10", "1ffffffffffffffff0", "zz", "8000000000000000"],
                "-1",
            );
            format!(
                "POST / HTTP/1.1\r\nHost: {h}\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nabc\r\n0\r\n\r\n"
            )
            .into_bytes()
        }
        "invalid_utf8_path" => {
            let bad: &[u8] = rng.pick(
                &[
                    &[0xc0, 0xaf][..],
                    &[0xff, 0xfe, 0xfd][..],
                    &[0xed, 0xa0, 0x80][..],
                    &[0xf8, 0x88, 0x80, 0x80, 0x80][..],
                    &[0xe0, 0x80][..],
                ],
                &[0xff],
            );
            let mut b = b"GET /".to_vec();
            b.extend_from_slice(bad);
            b.extend_from_slice(format!("x HTTP/1.1\r\nHost: {h}\r\n\r\n").as_bytes());
            b
        }
        "bad_percent_encoding" => {
            let path = rng.pick(
                &[
                    "/%",
                    "/%zz",
                    "/%00",
                    "/%%41",
                    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                    "/%c0%af",
                    "/%u0041",
                    "/a?%=%&=%",
                ],
                "/%",
            );
            format!("GET {path} HTTP/1.1\r\nHost: {h}\r\n\r\n").into_bytes()
        }
        "header_without_colon" => {
            let line = rng.pick(&["NoColonHere", ":", ": empty-name", "Bad Name: x", "\t: x"], ":");
            format!("GET / HTTP/1.1\r\nHost: {h}\r\n{line}\r\n\r\n").into_bytes()
        }
        "bad_method_or_version" => {
            let line = rng.pick(
                &[
                    "GET / HTTP/9.9",
                    "GET / HTTP/1.11111111111",
                    "G\0T / HTTP/1.1",
                    "GET  HTTP/1.1",
                    "GET / / / HTTP/1.1",
                    "FUZZFUZZFUZZFUZZFUZZFUZZFUZZFUZZFUZZFUZZ / HTTP/1.1",
                    "GET / HTTP/",
                    "GET /",
                ],
                "GET / HTTP/9.9",
            );
            format!("{line}\r\nHost: {h}\r\n\r\n").into_bytes()
        }
        "control_bytes_in_header" => {
            let value: &[u8] = rng.pick(
                &[&b"a\0b"[..], &b"\x1b[2J"[..], &b"a\rb"[..], &b"\x7f\x7f"[..], &b"a\nb"[..]],
                b"\0",
            );
            let mut b = format!("GET / HTTP/1.1\r\nHost: {h}\r\nX-Fuzz: ").into_bytes();
            b.extend_from_slice(value);
            b.extend_from_slice(b"\r\n\r\n");
            b
        }
        "conflicting_lengths" => format!(
            "POST / HTTP/1.1\r\nHost: {h}\r\nContent-Length: 4\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )
        .into_bytes(),
        "truncated_request" => {
            let full = valid(ip);
            let cut = 1 + rng.below(full.len().saturating_sub(5).max(1));
            full.get(..cut).unwrap_or_default().to_vec()
        }
        "bit_flips" => {
            let mut b = valid(ip);
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(b.len());
                if let Some(byte) = b.get_mut(at) {
                    *byte ^= 1 << rng.below(8);
                }
            }
            b
        }
        _ => {
            let n = 1 + rng.below(512);
            rng.bytes(n)
        }
    };
    (kind, bytes)
}
