//! Targets: always explicit, one host unless ranges are allowed.
//!
//! A target is an IP address, a host name that resolves to addresses (the
//! first one is used), or, only with [`crate::Options::allow_range`], a range
//! `10.0.0.1-10.0.0.8` or a CIDR block `10.0.0.0/29` of at most
//! [`MAX_RANGE_HOSTS`] addresses.

use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};

use crate::ProbeError;

/// The largest number of hosts one range may expand to.
pub const MAX_RANGE_HOSTS: u32 = 256;

/// Resolve a target string to the hosts to probe.
///
/// # Errors
///
/// [`ProbeError::Target`] when the string is empty, a range without
/// `allow_range`, a range larger than [`MAX_RANGE_HOSTS`], or a name that
/// does not resolve.
pub fn resolve_target(target: &str, allow_range: bool) -> Result<Vec<IpAddr>, ProbeError> {
    let target = target.trim();
    let err = |message: String| ProbeError::Target {
        target: target.to_owned(),
        message,
    };
    if target.is_empty() {
        return Err(err("the target is empty".into()));
    }
    if let Ok(ip) = target
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return Ok(vec![ip]);
    }
    let looks_like_range = target.contains('/')
        || target.contains(',')
        || target.contains('*')
        || (target.contains('-')
            && target
                .split('-')
                .all(|p| p.parse::<Ipv4Addr>().is_ok() || p.parse::<u8>().is_ok()));
    if looks_like_range {
        if !allow_range {
            return Err(err(
                "ranges are refused unless explicitly allowed (--allow-range); give one host or address".into(),
            ));
        }
        return expand_range(target).map_err(err);
    }
    let resolved: Vec<IpAddr> = (target, 0)
        .to_socket_addrs()
        .map_err(|e| err(format!("cannot resolve: {e}")))?
        .map(|a| a.ip())
        .collect();
    match resolved.first() {
        Some(ip) => Ok(vec![*ip]),
        None => Err(err("the name resolves to no address".into())),
    }
}

fn expand_range(text: &str) -> Result<Vec<IpAddr>, String> {
    let (first, last) = if let Some((base, bits)) = text.split_once('/') {
        let base: Ipv4Addr = base
            .parse()
            .map_err(|_| format!("`{base}` is not an IPv4 address"))?;
        let bits: u32 = bits
            .parse()
            .map_err(|_| format!("`{bits}` is not a prefix length"))?;
        if !(0..=32).contains(&bits) {
            return Err(format!("prefix length {bits} is out of range"));
        }
        let size = 1u64 << (32 - bits);
        if size > u64::from(MAX_RANGE_HOSTS) {
            return Err(format!(
                "/{bits} has {size} addresses, more than the limit of {MAX_RANGE_HOSTS}"
            ));
        }
        let mask = if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        };
        let start = u32::from(base) & mask;
        let end =
            u32::try_from(u64::from(start) + size - 1).map_err(|_| "range overflows".to_owned())?;
        (start, end)
    } else if let Some((a, b)) = text.split_once('-') {
        let a: Ipv4Addr = a
            .parse()
            .map_err(|_| format!("`{a}` is not an IPv4 address"))?;
        let b: Ipv4Addr = match b.parse::<u8>() {
            Ok(last) => {
                let [o1, o2, o3, _] = a.octets();
                Ipv4Addr::new(o1, o2, o3, last)
            }
            Err(_) => b
                .parse()
                .map_err(|_| format!("`{b}` is not an IPv4 address"))?,
        };
        (u32::from(a), u32::from(b))
    } else {
        return Err("unsupported range syntax; use A.B.C.D-A.B.C.E or A.B.C.D/N".into());
    };
    if last < first {
        return Err("the range ends before it starts".into());
    }
    if last - first >= MAX_RANGE_HOSTS {
        return Err(format!(
            "the range has more than {MAX_RANGE_HOSTS} addresses"
        ));
    }
    Ok((first..=last)
        .map(|n| IpAddr::V4(Ipv4Addr::from(n)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_addresses_and_names_are_accepted() {
        assert_eq!(
            resolve_target("10.1.2.3", false).ok(),
            Some(vec![
                "10.1.2.3"
                    .parse()
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
            ])
        );
        assert!(resolve_target("[::1]", false).is_ok());
        assert_eq!(
            resolve_target("localhost", false).map(|v| v.len()).ok(),
            Some(1)
        );
    }

    #[test]
    fn ranges_need_permission_and_are_bounded() {
        assert!(resolve_target("10.0.0.0/24", false).is_err());
        assert!(resolve_target("10.0.0.1-10.0.0.4", false).is_err());
        assert!(resolve_target("10.0.0.1-4", false).is_err());
        assert_eq!(
            resolve_target("10.0.0.1-4", true).map(|v| v.len()).ok(),
            Some(4)
        );
        assert_eq!(
            resolve_target("10.0.0.9/30", true).map(|v| v.len()).ok(),
            Some(4)
        );
        assert!(resolve_target("10.0.0.0/16", true).is_err());
        assert!(resolve_target("10.0.0.9-10.0.0.1", true).is_err());
        assert!(resolve_target("", true).is_err());
    }
}
