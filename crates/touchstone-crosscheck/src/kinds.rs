//! Service kinds (`data/services.toml`): how an observation is named and
//! how an IXIT text declares it, with the whole-word matching every
//! declaration check shares.

use std::sync::OnceLock;

use serde::Deserialize;

/// One kind of service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    /// Stable id (`ssh`, `https`, `serial-console` ...).
    pub id: String,
    /// Name in messages.
    pub title: String,
    /// Daemons started at boot (basenames).
    #[serde(default)]
    pub programs: Vec<String>,
    /// Service names of the probe's inventory.
    #[serde(default)]
    pub services: Vec<String>,
    /// Ports on which the probe's `tls` service is this kind.
    #[serde(default)]
    pub tls_ports: Vec<u16>,
    /// Well-known ports.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// Words and phrases that declare it in IXIT text, lowercase.
    pub words: Vec<String>,
    /// The probe's login mechanisms of the kind.
    #[serde(default)]
    pub logins: Vec<String>,
    /// A debug or diagnostic service.
    #[serde(default)]
    pub debug: bool,
    /// Listens on the network.
    #[serde(default = "yes")]
    pub network: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KindFile {
    kind: Vec<Kind>,
}

/// The bundled kinds (empty if the bundled file were broken; a test guards it).
pub fn kinds() -> &'static [Kind] {
    static KINDS: OnceLock<Vec<Kind>> = OnceLock::new();
    KINDS.get_or_init(|| parse(include_str!("../data/services.toml")).unwrap_or_default())
}

/// Parse a kinds file.
pub fn parse(text: &str) -> Result<Vec<Kind>, toml::de::Error> {
    toml::from_str::<KindFile>(text).map(|f| f.kind)
}

/// A kind by id.
pub fn kind(id: &str) -> Option<&'static Kind> {
    kinds().iter().find(|k| k.id == id)
}

/// The kinds of a program started at boot.
pub fn of_program(program: &str) -> Vec<&'static Kind> {
    kinds()
        .iter()
        .filter(|k| k.programs.iter().any(|p| p == program))
        .collect()
}

/// The kind of a service the probe found: by its name, or for `tls`, by
/// the port (HTTPS on 443, MQTT over TLS on 8883) before the generic kind.
pub fn of_service(service: &str, port: u16) -> Option<&'static Kind> {
    if service == "tls"
        && let Some(k) = kinds().iter().find(|k| k.tls_ports.contains(&port))
    {
        return Some(k);
    }
    kinds()
        .iter()
        .find(|k| k.services.iter().any(|s| s == service))
}

/// Whether `needle` occurs in `haystack` as a whole word or phrase (the
/// characters around it are not letters or digits). Both lowercase.
pub fn has_word(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(pos) = haystack.get(from..).and_then(|h| h.find(needle)) {
        let start = from + pos;
        let end = start + needle.len();
        let before = haystack.get(..start).and_then(|h| h.chars().next_back());
        let after = haystack.get(end..).and_then(|h| h.chars().next());
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        if !word(before) && !word(after) {
            return true;
        }
        from = start + needle.chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Whether a text (lowercase) names the kind by one of its words.
pub fn named(text: &str, kind: &Kind) -> bool {
    kind.words.iter().any(|w| has_word(text, w))
}

/// The ports a text names: a number after `port`/`ports` (with `s`, `:`,
/// `#`, `no.` between), or before `/tcp` or `/udp`, or after a `:` of
/// an address (`:8443`). Lowercase text.
pub fn ports_named(text: &str) -> Vec<u16> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    // End of the last port read: a list (`ports 80, 443 and 8080`) goes on
    // while only separators stand between the numbers.
    let mut last_end: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i < bytes.len() && (bytes[i].is_ascii_alphabetic() || bytes[i] == b'.') {
            continue;
        }
        let Some(n) = text
            .get(start..i)
            .and_then(|d| d.parse::<u32>().ok())
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| *n > 0)
        else {
            continue;
        };
        let before = text.get(..start).unwrap_or_default();
        let trimmed = before.trim_end_matches([' ', ':', '#', '=']);
        let port_word = ["port", "ports", "port no", "tcp", "udp"]
            .iter()
            .any(|w| trimmed.ends_with(w) && has_word(&trimmed[trimmed.len() - w.len()..], w));
        let listed = last_end.is_some_and(|end| {
            text.get(end..start).is_some_and(|between| {
                between
                    .split(|c: char| c == ',' || c == '/' || c.is_whitespace())
                    .all(|t| t.is_empty() || t == "and" || t == "or")
            })
        });
        let address = start > 0
            && bytes[start - 1] == b':'
            && start > 1
            && (bytes[start - 2].is_ascii_alphanumeric() || bytes[start - 2] == b']');
        let after = text.get(i..).unwrap_or_default();
        let suffix = after.starts_with("/tcp") || after.starts_with("/udp");
        if port_word || listed || address || suffix {
            out.push(n);
            last_end = Some(i);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_kinds_are_consistent() {
        let ks = parse(include_str!("../data/services.toml")).expect("services.toml");
        assert_eq!(ks.len(), kinds().len());
        let mut ids: Vec<&str> = ks.iter().map(|k| k.id.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate kind ids");
        for k in &ks {
            assert!(!k.words.is_empty(), "{}", k.id);
            for w in &k.words {
                assert_eq!(w, &w.to_lowercase(), "{}: `{w}` is not lowercase", k.id);
            }
            let mut p = k.programs.clone();
            p.sort();
            p.dedup();
            assert_eq!(p.len(), k.programs.len(), "{}: duplicate program", k.id);
        }
        // Every daemon the boot analysis calls a network daemon is one kind
        // or a launcher/WAN program that is no service of its own.
        for d in touchstone_fwchecks::boot::NETWORK_DAEMONS {
            assert!(
                !of_program(d).is_empty() || ["inetd", "xinetd", "pppd", "radvd"].contains(d),
                "{d} has no kind in data/services.toml"
            );
        }
    }

    #[test]
    fn words_match_whole() {
        assert!(has_word("local https api", "https"));
        assert!(!has_word("local https api", "http"));
        assert!(has_word("http and https", "http"));
        assert!(has_word("ssh/telnet", "telnet"));
        assert!(!has_word("sshd", "ssh"));
        assert!(has_word("a (ssh)", "ssh"));
        assert!(has_word("mqtt over tls", "mqtt over tls"));
    }

    #[test]
    fn ports_are_read_where_text_names_them() {
        assert_eq!(ports_named("local https api on port 443"), [443]);
        assert_eq!(ports_named("ports 80, 443 and 8080"), [80, 443, 8080]);
        assert_eq!(
            ports_named("listens on 0.0.0.0:8443 and 5683/udp"),
            [5683, 8443]
        );
        assert_eq!(
            ports_named("tls 1.2/1.3, 2.4 ghz wi-fi, 100k iterations, 15 minutes"),
            Vec::<u16>::new()
        );
        assert_eq!(ports_named("port: 1883"), [1883]);
        assert_eq!(ports_named("port 99999"), Vec::<u16>::new());
    }
}
