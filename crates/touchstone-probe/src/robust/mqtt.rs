//! Malformed MQTT 3.1.1 packets.

use super::Rng;

/// Mutation kinds, in the order the generator cycles through them.
pub const KINDS: [&str; 12] = [
    "overlong_remaining_length",
    "huge_remaining_length",
    "wrong_first_packet_type",
    "truncated_connect",
    "bad_protocol_name_or_level",
    "reserved_connect_flag",
    "bad_will_qos",
    "invalid_utf8_client_id",
    "oversize_topic_length",
    "length_mismatch",
    "double_connect",
    "random_bytes",
];

/// Encode a remaining length (1–4 bytes, values up to 268,435,455).
pub fn varint(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..4 {
        let mut b = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            b |= 0x80;
        }
        out.push(b);
        if n == 0 {
            break;
        }
    }
    out
}

fn string(s: &[u8]) -> Vec<u8> {
    let n = u16::try_from(s.len()).unwrap_or(u16::MAX);
    let mut out = n.to_be_bytes().to_vec();
    out.extend_from_slice(s.get(..usize::from(n)).unwrap_or_default());
    out
}

/// A CONNECT with the given protocol name, level, flags and client id.
fn connect(name: &[u8], level: u8, flags: u8, client_id: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut body = string(name);
    body.push(level);
    body.push(flags);
    body.extend_from_slice(&[0, 30]);
    body.extend_from_slice(&string(client_id));
    body.extend_from_slice(extra);
    let mut out = vec![0x10];
    out.extend_from_slice(&varint(body.len()));
    out.extend_from_slice(&body);
    out
}

/// The valid CONNECT of the liveness check (clean session, no credentials).
pub fn valid() -> Vec<u8> {
    connect(b"MQTT", 4, 0x02, b"touchstone-live", &[])
}

/// Case number `index`: `(kind, bytes)`.
pub fn generate(index: usize, rng: &mut Rng) -> (&'static str, Vec<u8>) {
    let kind = KINDS
        .get(index % KINDS.len())
        .copied()
        .unwrap_or("random_bytes");
    let bytes = match kind {
        // Five or more length bytes with the continuation bit: not a varint.
        "overlong_remaining_length" => {
            let n = 5 + rng.below(4);
            let mut b = vec![0x10];
            b.extend(std::iter::repeat_n(0xff, n - 1));
            b.push(0x7f);
            b.extend_from_slice(&[0, 4]);
            b
        }
        // A legal varint announcing far more than is sent (2 MiB and up).
        "huge_remaining_length" => {
            let n = rng.pick(&[2_097_152, 2_097_153, 16_777_216, 268_435_455], 2_097_153);
            let mut b = vec![0x10];
            b.extend_from_slice(&varint(n));
            b.extend_from_slice(b"\x00\x04MQTT\x04\x02\x00\x1e\x00\x01x");
            b
        }
        "wrong_first_packet_type" => {
            let head = rng.pick(&[0x00u8, 0xf0, 0x30, 0x20, 0x82, 0xe0, 0xc0, 0x62], 0x00);
            vec![head, 2, 0, 1]
        }
        "truncated_connect" => {
            let full = connect(b"MQTT", 4, 0xc2, b"fuzz", &[0, 1, b'u', 0, 1, b'p']);
            let cut = 1 + rng.below(full.len() - 1);
            full.get(..cut).unwrap_or_default().to_vec()
        }
        "bad_protocol_name_or_level" => {
            let (name, level): (&[u8], u8) = rng.pick(
                &[
                    (&b"MQTX"[..], 4),
                    (&b"MQTT"[..], 0),
                    (&b"MQTT"[..], 255),
                    (&b""[..], 4),
                    (&b"MQIsdp"[..], 4),
                    (&b"MQTT\0"[..], 4),
                ],
                (&b"MQTX"[..], 4),
            );
            connect(name, level, 0x02, b"fuzz", &[])
        }
        "reserved_connect_flag" => connect(b"MQTT", 4, 0x03, b"fuzz", &[]),
        "bad_will_qos" => {
            // Will flag with QoS 3, will topic and message present.
            connect(b"MQTT", 4, 0x1e, b"fuzz", &[0, 1, b't', 0, 1, b'm'])
        }
        "invalid_utf8_client_id" => {
            let id: &[u8] = rng.pick(
                &[
                    &[0xc0, 0x80][..],
                    &[0xed, 0xa0, 0x80][..],
                    &[0xff, 0xfe][..],
                    &[0x00][..],
                    &[0xef, 0xbf, 0xbf][..],
                ],
                &[0xff],
            );
            connect(b"MQTT", 4, 0x02, id, &[])
        }
        "oversize_topic_length" => {
            // A valid CONNECT, then a PUBLISH whose topic length runs past
            // the packet.
            let mut b = valid();
            let topic_len = rng.pick(&[0xffffu16, 0x8000, 0x0100], 0xffff);
            let mut publish = topic_len.to_be_bytes().to_vec();
            publish.extend_from_slice(b"a/b");
            b.push(0x30);
            b.extend_from_slice(&varint(publish.len()));
            b.extend_from_slice(&publish);
            b
        }
        "length_mismatch" => {
            // The client id's length says more than the packet holds.
            let mut b = connect(b"MQTT", 4, 0x02, b"fuzz", &[]);
            let at = b.len() - 6;
            if let Some(byte) = b.get_mut(at) {
                *byte = 0x7f;
            }
            b
        }
        "double_connect" => {
            let mut b = valid();
            b.extend_from_slice(&valid());
            b
        }
        _ => {
            let n = 1 + rng.below(256);
            rng.bytes(n)
        }
    };
    (kind, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        assert_eq!(varint(0), [0]);
        assert_eq!(varint(127), [0x7f]);
        assert_eq!(varint(128), [0x80, 0x01]);
        assert_eq!(varint(2_097_152), [0x80, 0x80, 0x80, 0x01]);
        assert_eq!(varint(268_435_455), [0xff, 0xff, 0xff, 0x7f]);
        assert_eq!(valid().get(..2), Some(&[0x10u8, 27][..]));
    }
}
