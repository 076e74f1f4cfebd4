//! One module per check; each holds a `CHECK` constant with its documentation.

pub mod baked_key_served;
pub mod banner_version_mismatch;
pub mod crypto_mismatch;
pub mod firmware_credential_login;
pub mod ics_contradicted;
pub mod password_hash_mismatch;
pub mod service_not_found;
pub mod undeclared_account;
pub mod undeclared_boot_service;
pub mod undeclared_login;
pub mod undeclared_service;
pub mod update_mismatch;

use touchstone_core::Finding;

/// Narrow a finding to some of its check's provisions and units.
pub(crate) fn narrow(mut f: Finding, provisions: &[&str], units: &[&str]) -> Finding {
    f.provisions = provisions.iter().map(|s| (*s).to_owned()).collect();
    f.test_units = units.iter().map(|s| (*s).to_owned()).collect();
    f
}

/// Text from a device or an image, cut to `max` characters for evidence.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// The first line of what a live service sent, without bytes that are not
/// text (a KEXINIT's random cookie, telnet negotiation): the same device
/// gives the same evidence, so the finding keeps its fingerprint.
pub(crate) fn banner(evidence: Option<&str>) -> Option<String> {
    let first = evidence?.split(['\r', '\n']).next()?;
    let clean: String = first
        .chars()
        .filter(|c| *c != '\u{fffd}' && !touchstone_core::text::is_unsafe_for_display(*c))
        .collect();
    let clean = clean.trim();
    (!clean.is_empty()).then(|| excerpt(clean, 160))
}

/// Words by which a 1-AuthMech entry describes a login mechanism of the
/// probe (besides the words of the service's kind).
pub(crate) fn mechanism_words(mechanism: &str) -> &'static [&'static str] {
    match mechanism {
        "telnet" => &["telnet", "console login", "remote shell"],
        "ssh" => &[
            "ssh",
            "secure shell",
            "public key",
            "publickey",
            "dropbear",
            "openssh",
        ],
        "ftp" => &["ftp"],
        "mqtt" => &["mqtt", "broker"],
        "rtsp" => &["rtsp", "stream", "video"],
        "http-basic" => &[
            "http basic",
            "basic auth",
            "basic authentication",
            "basic access authentication",
            "http authentication",
        ],
        "http-digest" => &[
            "http digest",
            "digest auth",
            "digest authentication",
            "digest access authentication",
            "http authentication",
        ],
        "http-form" => &[
            "login form",
            "login page",
            "web login",
            "sign-in page",
            "sign in page",
            "session cookie",
        ],
        _ => &[],
    }
}

/// Words by which a 1-AuthMech entry describes logins to the system's
/// accounts (passwd and shadow).
pub(crate) const SYSTEM_LOGIN_WORDS: &[&str] = &[
    "shell",
    "console",
    "system account",
    "system accounts",
    "linux account",
    "unix account",
    "root",
    "operating system",
    "os account",
    "local login",
    "ssh",
    "telnet",
    "serial",
    "uart",
    "passwd",
    "shadow",
    "crypt",
];

/// Words by which a 1-AuthMech entry describes a web server's password file.
pub(crate) const WEB_LOGIN_WORDS: &[&str] = &[
    "http",
    "https",
    "web",
    "web server",
    "web interface",
    "web ui",
    "basic auth",
    "http basic",
    "digest",
    "htpasswd",
];

/// Whether a lowercase text names any of `words` whole.
pub(crate) fn names_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| crate::kinds::has_word(text, w))
}
