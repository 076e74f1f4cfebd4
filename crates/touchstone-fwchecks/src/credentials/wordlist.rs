//! The bundled credential lists (`data/credentials.toml`).

use std::sync::OnceLock;

use serde::Deserialize;

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
    /// Passwords tried for every user.
    #[serde(default)]
    pub passwords: Vec<String>,
}

/// All bundled credentials.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// The lists, most likely first.
    #[serde(rename = "list")]
    pub lists: Vec<CredentialList>,
}

impl Credentials {
    /// Parse a credentials file.
    pub fn parse(text: &str) -> Result<Credentials, toml::de::Error> {
        toml::from_str(text)
    }

    /// Candidate passwords for a user, most likely first, with repeats.
    pub fn candidates_for<'a>(&'a self, user: &'a str) -> impl Iterator<Item = &'a str> {
        let paired = self
            .lists
            .iter()
            .flat_map(|l| l.pairs.iter())
            .filter(move |(u, _)| u == user)
            .map(|(_, p)| p.as_str());
        let weak = self
            .lists
            .iter()
            .flat_map(|l| l.passwords.iter())
            .map(String::as_str);
        let others = self
            .lists
            .iter()
            .flat_map(|l| l.pairs.iter())
            .map(|(_, p)| p.as_str());
        paired.chain(weak).chain(others)
    }

    /// The list that pairs `user` with `password`, or that holds `password` alone.
    pub fn source_of(&self, user: &str, password: &str) -> Option<&CredentialList> {
        self.lists
            .iter()
            .find(|l| l.pairs.iter().any(|(u, p)| u == user && p == password))
            .or_else(|| {
                self.lists.iter().find(|l| {
                    l.passwords.iter().any(|p| p == password)
                        || l.pairs.iter().any(|(_, p)| p == password)
                })
            })
    }
}

/// The bundled credentials, parsed once. The data is tested, so a parse
/// failure here is a build defect; it yields an empty list rather than a panic.
pub fn credentials() -> &'static Credentials {
    static CREDENTIALS: OnceLock<Credentials> = OnceLock::new();
    CREDENTIALS.get_or_init(|| {
        Credentials::parse(include_str!("../../data/credentials.toml"))
            .unwrap_or(Credentials { lists: Vec::new() })
    })
}
