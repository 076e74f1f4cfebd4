//! The one bundled list of default and weak credentials
//! (`data/credentials.toml`, format documented at its top).
//!
//! The firmware checks crack password hashes offline against it; the live
//! probe logs in with it. Both read it through [`Credentials::bundled`], so
//! a pair added to the file is tried by both.

use std::sync::OnceLock;

use serde::Deserialize;

/// The text of the bundled file.
pub const BUNDLED: &str = include_str!("../data/credentials.toml");

/// The network logins a list can name in `protocols`.
pub const PROTOCOLS: &[&str] = &["telnet", "ssh", "ftp", "mqtt", "http", "rtsp"];

/// One list of the data file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialList {
    /// Stable id.
    pub id: String,
    /// What the list is.
    pub title: String,
    /// Where its facts come from.
    pub source: String,
    /// User and password pairs.
    #[serde(default)]
    pub pairs: Vec<(String, String)>,
    /// Passwords tried for every user (offline only).
    #[serde(default)]
    pub passwords: Vec<String>,
    /// Network logins the probe tries the pairs on (see [`PROTOCOLS`]).
    #[serde(default)]
    pub protocols: Vec<String>,
    /// Whether offline cracking uses the list.
    #[serde(default = "yes")]
    pub firmware: bool,
}

fn yes() -> bool {
    true
}

/// All bundled credentials.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Format version (2).
    #[serde(default)]
    pub version: u32,
    /// Pairs the probe tries first, in order.
    #[serde(default)]
    pub probe_order: Vec<(String, String)>,
    /// The lists, most likely first.
    #[serde(rename = "list")]
    pub lists: Vec<CredentialList>,
}

/// The data file does not parse.
#[derive(Debug, thiserror::Error)]
#[error(
    "credential list: {0} (expected the format documented at the top of data/credentials.toml)"
)]
pub struct CredentialsError(String);

impl Credentials {
    /// Parse a credentials file.
    ///
    /// # Errors
    ///
    /// [`CredentialsError`] when the text is not TOML of the documented
    /// shape.
    pub fn parse(text: &str) -> Result<Credentials, CredentialsError> {
        toml::from_str(text).map_err(|e| CredentialsError(e.to_string()))
    }

    /// The bundled credentials, parsed once. The data is tested, so a parse
    /// failure here is a build defect; it yields empty lists rather than a
    /// panic.
    pub fn bundled() -> &'static Credentials {
        static CREDENTIALS: OnceLock<Credentials> = OnceLock::new();
        CREDENTIALS.get_or_init(|| {
            Credentials::parse(BUNDLED).unwrap_or(Credentials {
                version: 0,
                probe_order: Vec::new(),
                lists: Vec::new(),
            })
        })
    }

    fn offline(&self) -> impl Iterator<Item = &CredentialList> {
        self.lists.iter().filter(|l| l.firmware)
    }

    /// Candidate passwords for a user in offline cracking, most likely
    /// first, with repeats.
    pub fn candidates_for<'a>(&'a self, user: &'a str) -> impl Iterator<Item = &'a str> {
        let paired = self
            .offline()
            .flat_map(|l| l.pairs.iter())
            .filter(move |(u, _)| u == user)
            .map(|(_, p)| p.as_str());
        let weak = self
            .offline()
            .flat_map(|l| l.passwords.iter())
            .map(String::as_str);
        let others = self
            .offline()
            .flat_map(|l| l.pairs.iter())
            .map(|(_, p)| p.as_str());
        paired.chain(weak).chain(others)
    }

    /// The list that pairs `user` with `password`, or that holds `password`
    /// alone (offline lists only).
    pub fn source_of(&self, user: &str, password: &str) -> Option<&CredentialList> {
        self.offline()
            .find(|l| l.pairs.iter().any(|(u, p)| u == user && p == password))
            .or_else(|| {
                self.offline().find(|l| {
                    l.passwords.iter().any(|p| p == password)
                        || l.pairs.iter().any(|(_, p)| p == password)
                })
            })
    }

    /// The pairs the probe tries on `protocol`, in order: the `probe_order`
    /// pairs that a list for the protocol holds, then the other pairs of
    /// those lists in file order, without repeats.
    pub fn for_protocol(&self, protocol: &str) -> Vec<(String, String)> {
        let lists: Vec<&CredentialList> = self
            .lists
            .iter()
            .filter(|l| l.protocols.iter().any(|p| p == protocol))
            .collect();
        let held = |pair: &(String, String)| lists.iter().any(|l| l.pairs.contains(pair));
        let mut out: Vec<(String, String)> = Vec::new();
        let first = self.probe_order.iter().filter(|p| held(p));
        let rest = lists.iter().flat_map(|l| l.pairs.iter());
        for pair in first.chain(rest) {
            if !out.contains(pair) {
                out.push(pair.clone());
            }
        }
        out
    }

    /// Problems of the data: `probe_order` pairs in no list, unknown
    /// protocols, empty lists, repeated ids.
    pub fn lint(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for pair in &self.probe_order {
            if !self.lists.iter().any(|l| l.pairs.contains(pair)) {
                problems.push(format!(
                    "probe_order pair {}:{} is in no list (add it to the list it comes from)",
                    pair.0, pair.1
                ));
            }
        }
        for (i, l) in self.lists.iter().enumerate() {
            if self.lists.iter().take(i).any(|o| o.id == l.id) {
                problems.push(format!("list id `{}` is used twice", l.id));
            }
            if l.pairs.is_empty() && l.passwords.is_empty() {
                problems.push(format!("list `{}` has no pairs and no passwords", l.id));
            }
            if l.title.is_empty() || l.source.is_empty() {
                problems.push(format!("list `{}` needs a title and a source", l.id));
            }
            for p in &l.protocols {
                if !PROTOCOLS.contains(&p.as_str()) {
                    problems.push(format!(
                        "list `{}` names protocol `{p}`; expected one of {}",
                        l.id,
                        PROTOCOLS.join(", ")
                    ));
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_data_parses_and_is_consistent() {
        let c = Credentials::parse(BUNDLED).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.version, 2);
        assert_eq!(c.lint(), Vec::<String>::new());
        assert!(Credentials::bundled().lists.len() >= 3);
    }

    #[test]
    fn probe_order_comes_first_and_protocols_filter() {
        let c = Credentials::bundled();
        let telnet = c.for_protocol("telnet");
        assert_eq!(
            telnet.first().map(|(u, p)| (u.as_str(), p.as_str())),
            Some(("admin", "admin"))
        );
        assert!(telnet.iter().all(|(u, _)| u != "anonymous"));
        assert!(telnet.contains(&("root".into(), "xc3511".into())));
        let ftp = c.for_protocol("ftp");
        assert!(ftp.contains(&("anonymous".into(), "touchstone@example.invalid".into())));
        assert!(c.for_protocol("gopher").is_empty());
        // No repeats.
        let mut dedup = telnet.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), telnet.len());
        // The offline side does not see probe-only lists.
        assert!(
            c.source_of("anonymous", "touchstone@example.invalid")
                .is_none()
        );
        assert_eq!(
            c.source_of("root", "xc3511").map(|l| l.id.as_str()),
            Some("mirai")
        );
    }

    #[test]
    fn lint_names_each_problem() {
        let c = Credentials::parse(
            "probe_order = [[\"a\", \"b\"]]\n[[list]]\nid = \"x\"\ntitle = \"t\"\nsource = \"s\"\nprotocols = [\"gopher\"]\npairs = [[\"c\", \"d\"]]\n[[list]]\nid = \"x\"\ntitle = \"\"\nsource = \"s\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let problems = c.lint();
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(Credentials::parse("[[list]]\nid = 1\n").is_err());
        assert!(
            Credentials::parse(
                "[[list]]\nid = \"x\"\ntitle = \"t\"\nsource = \"s\"\nunknown = 1\n"
            )
            .is_err()
        );
    }
}
