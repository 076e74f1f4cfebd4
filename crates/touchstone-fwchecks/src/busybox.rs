//! What a BusyBox binary was built with: its applet list, read from the
//! binary itself, and which applet each known BusyBox vulnerability lives in
//! (`data/busybox-vulnerabilities.toml`). Together they show "vulnerable code
//! not built" for a VEX statement: a vulnerability in an applet this BusyBox
//! does not contain cannot be reached, whatever starts BusyBox at boot.
//!
//! BusyBox keeps every applet name in one table (`applet_names`), sorted and
//! separated by NUL bytes, starting with the test applets `[` and `[[` when
//! they are built. [`applets`] finds that table and reads it with bounds (at
//! most [`MAX_APPLETS`] names of at most 32 bytes, sorted); a binary without
//! a recognisable table gives `None`, and nothing can then be shown.

use std::sync::OnceLock;

use serde::Deserialize;

/// Most applet names read from one table.
pub const MAX_APPLETS: usize = 1024;

/// The applets compiled into a BusyBox binary, or `None` when its table
/// cannot be found.
pub fn applets(binary: &[u8]) -> Option<Vec<String>> {
    // The table starts with `[` and `[[` when both test applets are built
    // (whatever byte precedes it), else with `[` after a NUL.
    let anchors: [(&[u8], usize); 2] = [(b"[\0[[\0", 0), (b"\0[\0", 1)];
    for (anchor, skip) in anchors {
        let mut from = 0;
        while let Some(at) = find(&binary[from..], anchor) {
            let start = from + at + skip;
            if let Some(list) = read_table(&binary[start..]) {
                return Some(list);
            }
            from = start + 1;
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn read_table(b: &[u8]) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for token in b.split(|&c| c == 0) {
        let plausible = !token.is_empty()
            && token.len() <= 32
            && token
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"_.-[".contains(c));
        if !plausible || out.len() >= MAX_APPLETS {
            break;
        }
        let name = String::from_utf8_lossy(token).into_owned();
        if out.last().is_some_and(|last| last.as_bytes() >= token) {
            break;
        }
        out.push(name);
    }
    (out.len() >= 3).then_some(out)
}

/// A known BusyBox vulnerability and the applets its code is in.
#[derive(Debug, Clone, Deserialize)]
pub struct AppletVulnerability {
    /// CVE id.
    pub id: String,
    /// Applets whose code holds the flaw (any of them built: reachable).
    pub applets: Vec<String>,
    /// Where the attribution comes from.
    pub source: String,
}

#[derive(Deserialize)]
struct File {
    vulnerability: Vec<AppletVulnerability>,
}

/// The embedded table of BusyBox vulnerabilities by applet.
pub fn vulnerabilities() -> &'static [AppletVulnerability] {
    static DATA: OnceLock<Vec<AppletVulnerability>> = OnceLock::new();
    DATA.get_or_init(|| {
        toml::from_str::<File>(include_str!("../data/busybox-vulnerabilities.toml"))
            .map(|f| f.vulnerability)
            .unwrap_or_default()
    })
}

/// Why vulnerability `id` cannot be reached in a BusyBox built with
/// `built`: the applets it lives in, none of which is compiled in. `None`
/// when the vulnerability is not attributed to applets, or one is built.
pub fn not_built(id: &str, built: &[String]) -> Option<String> {
    let v = vulnerabilities()
        .iter()
        .find(|v| v.id.eq_ignore_ascii_case(id))?;
    if v.applets.iter().any(|a| built.iter().any(|b| b == a)) {
        return None;
    }
    Some(format!(
        "{} is in the BusyBox applet(s) {} ({}), and this BusyBox's applet table ({} applets, read from the binary) has none of them",
        v.id,
        v.applets.join(", "),
        v.source,
        built.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_read_and_bounded() {
        let mut b = b"junk\0[\0[[\0arp\0cat\0udhcpc\0\x01\x02more".to_vec();
        b.splice(0..0, vec![0u8; 8]);
        assert_eq!(
            applets(&b).expect("table"),
            ["[", "[[", "arp", "cat", "udhcpc"]
        );
        // Not sorted, or too short: not a table.
        assert_eq!(applets(b"\0[\0cat\0arp\0"), None);
        assert_eq!(applets(b"no table here"), None);
    }

    #[test]
    fn the_data_loads_and_decides() {
        assert!(vulnerabilities().len() >= 5);
        let built = vec!["ash".to_owned(), "cat".to_owned()];
        assert!(not_built("CVE-2011-2716", &built).is_some_and(|d| d.contains("udhcpc")));
        assert!(
            not_built("CVE-2017-16544", &built).is_none(),
            "ash is built"
        );
        assert!(
            not_built("CVE-0000-0000", &built).is_none(),
            "unknown: nothing shown"
        );
    }
}
