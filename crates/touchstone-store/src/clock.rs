//! Timestamps: RFC 3339 in UTC with milliseconds, so that text order is
//! time order on both backends.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_millis(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Today's date (`YYYY-MM-DD`, UTC).
pub(crate) fn today() -> String {
    now()[..10].to_owned()
}

fn format_millis(ms: i64) -> String {
    touchstone_core::date::rfc3339_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(1_795_000_000_123), "2026-11-18T11:06:40.123Z");
        assert_eq!(format_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(today().len(), 10);
    }
}
