//! security.txt (RFC 9116): parse and validate a vulnerability disclosure
//! file, from text or fetched over HTTP or HTTPS ([`fetch`]).
//!
//! The validator reports every problem it finds, each with a stable code,
//! instead of stopping at the first one.

use serde::Serialize;

pub mod fetch;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Violates a MUST of RFC 9116.
    Error,
    /// Violates a SHOULD or a recommendation.
    Recommendation,
}

/// One problem of a security.txt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityTxtProblem {
    /// Stable code, for instance `no_contact`.
    pub code: &'static str,
    /// Error or recommendation.
    pub level: Level,
    /// What is wrong, with the line where it applies.
    pub message: String,
}

/// A parsed and validated security.txt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityTxt {
    /// Where it came from (URL or file name).
    pub source: String,
    /// The content is an OpenPGP cleartext-signed message (the signature is
    /// not verified).
    pub signed: bool,
    /// Fields in order: name as written, value.
    pub fields: Vec<(String, String)>,
    /// Every problem found.
    pub problems: Vec<SecurityTxtProblem>,
}

impl SecurityTxt {
    /// Values of a field, case-insensitive.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

const MAX_LINES: usize = 2000;

/// Parse and validate `text`. `source` is the URL it was fetched from (its
/// scheme and the `Canonical` fields are checked against it) or a file
/// name; `now` is the current time in seconds since the Unix epoch.
pub fn validate(text: &str, source: &str, now: i64) -> SecurityTxt {
    let mut problems = Vec::new();
    let mut problem = |code, level, message: String| {
        problems.push(SecurityTxtProblem {
            code,
            level,
            message,
        });
    };
    let signed = text
        .trim_start()
        .starts_with("-----BEGIN PGP SIGNED MESSAGE-----");
    let mut fields = Vec::new();
    let mut in_header = signed;
    let mut in_signature = false;
    for (n, raw) in text.lines().take(MAX_LINES).enumerate() {
        let line_no = n + 1;
        let line = raw.trim_end_matches('\r');
        if signed {
            if line.starts_with("-----BEGIN PGP SIGNED MESSAGE-----") {
                continue;
            }
            if in_header {
                if line.is_empty() {
                    in_header = false;
                }
                continue;
            }
            if line.starts_with("-----BEGIN PGP SIGNATURE-----") {
                in_signature = true;
            }
            if in_signature {
                continue;
            }
        }
        let line = line.strip_prefix("- ").unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((name, value))
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
            {
                fields.push((name.to_owned(), value.trim().to_owned()));
            }
            _ => problem(
                "invalid_line",
                Level::Error,
                format!("line {line_no} is neither a field, a comment nor empty"),
            ),
        }
    }
    if text.lines().count() > MAX_LINES {
        problem(
            "too_long",
            Level::Error,
            format!("more than {MAX_LINES} lines; the rest was not read"),
        );
    }
    let doc = SecurityTxt {
        source: source.to_owned(),
        signed,
        fields,
        problems: Vec::new(),
    };
    let contacts = doc.values("Contact");
    if contacts.is_empty() {
        problem(
            "no_contact",
            Level::Error,
            "no Contact field: RFC 9116 requires at least one".into(),
        );
    }
    for c in &contacts {
        let lower = c.to_ascii_lowercase();
        if lower.starts_with("http:") {
            problem(
                "contact_not_https",
                Level::Error,
                format!("Contact `{c}` is a web URI without https"),
            );
        } else if !(lower.starts_with("mailto:")
            || lower.starts_with("https:")
            || lower.starts_with("tel:"))
        {
            problem(
                "contact_not_uri",
                Level::Error,
                format!("Contact `{c}` is not a mailto:, https: or tel: URI"),
            );
        }
    }
    let expires = doc.values("Expires");
    match expires.as_slice() {
        [] => problem(
            "no_expires",
            Level::Error,
            "no Expires field: RFC 9116 requires exactly one".into(),
        ),
        [one] => match parse_rfc3339(one) {
            None => problem(
                "invalid_expires",
                Level::Error,
                format!("Expires `{one}` is not an RFC 3339 date-time"),
            ),
            Some(t) if t <= now => problem(
                "expired",
                Level::Error,
                format!("Expires `{one}` is in the past"),
            ),
            Some(t) if t - now > 366 * 86_400 => problem(
                "long_expiry",
                Level::Recommendation,
                format!("Expires `{one}` is more than a year ahead; RFC 9116 recommends less"),
            ),
            Some(_) => {}
        },
        _ => problem(
            "multi_expires",
            Level::Error,
            format!("{} Expires fields: exactly one is allowed", expires.len()),
        ),
    }
    if doc.values("Preferred-Languages").len() > 1 {
        problem(
            "multi_lang",
            Level::Error,
            "more than one Preferred-Languages field".into(),
        );
    }
    let canonical = doc.values("Canonical");
    let from_url = source.starts_with("http://") || source.starts_with("https://");
    if from_url {
        if source.starts_with("http://") {
            problem(
                "not_https",
                Level::Error,
                format!("fetched over plain HTTP from {source}: RFC 9116 requires HTTPS"),
            );
        }
        if !canonical.is_empty() && !canonical.iter().any(|c| same_url(c, source)) {
            problem(
                "canonical_mismatch",
                Level::Error,
                format!("no Canonical field matches the URL it was fetched from ({source})"),
            );
        }
    }
    if canonical.is_empty() {
        problem(
            "no_canonical",
            Level::Recommendation,
            "no Canonical field: RFC 9116 recommends one, especially in signed files".into(),
        );
    }
    if !signed {
        problem(
            "no_signature",
            Level::Recommendation,
            "not signed: RFC 9116 recommends an OpenPGP cleartext signature".into(),
        );
    }
    SecurityTxt { problems, ..doc }
}

/// Parse an RFC 3339 date-time (`2026-12-31T23:59:59Z`, with optional
/// fraction and numeric offset) to seconds since the Unix epoch, with the
/// `time` crate's RFC 3339 parser.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(s.trim(), &Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

/// Whether two URLs are the same after RFC 3986 normalisation (scheme and
/// host case, default port, percent-encoding case, dot segments, an empty
/// path as `/`), as the `url` crate's WHATWG parser applies it; text that
/// does not parse compares as text.
fn same_url(a: &str, b: &str) -> bool {
    match (url::Url::parse(a.trim()), url::Url::parse(b.trim())) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_910_400; // 2026-11-29T00:00:00Z

    fn codes(t: &SecurityTxt) -> Vec<&'static str> {
        t.problems.iter().map(|p| p.code).collect()
    }

    #[test]
    fn dates() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-11-29T00:00:00Z"), Some(NOW));
        assert_eq!(parse_rfc3339("2026-11-29T01:00:00.123+01:00"), Some(NOW));
        assert_eq!(parse_rfc3339("2026-11-29"), None);
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-11-29T00:00:00"), None);
        assert_eq!(parse_rfc3339("２０２６-11-29T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-02-30T00:00:00Z"), None);
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00-00:30"),
            Some(1_709_166_600)
        );
    }

    #[test]
    fn a_good_file_has_only_recommendations() {
        let t = validate(
            "# Acme\nContact: mailto:security@acme.example\nExpires: 2027-06-01T00:00:00Z\nPreferred-Languages: en, de\n",
            "security.txt",
            NOW,
        );
        assert_eq!(codes(&t), ["no_canonical", "no_signature"]);
        assert_eq!(t.values("contact"), ["mailto:security@acme.example"]);
    }

    #[test]
    fn every_error_is_reported() {
        let t = validate(
            "Contact: security@acme.example\nContact: http://acme.example/report\nExpires: 2020-01-01T00:00:00Z\n\
             Expires: 2027-01-01T00:00:00Z\nthis is not a field\nPreferred-Languages: en\nPreferred-Languages: de\n\
             Canonical: https://acme.example/.well-known/security.txt\n",
            "http://acme.example/.well-known/security.txt",
            NOW,
        );
        assert_eq!(
            codes(&t),
            [
                "invalid_line",
                "contact_not_uri",
                "contact_not_https",
                "multi_expires",
                "multi_lang",
                "not_https",
                "canonical_mismatch",
                "no_signature"
            ]
        );
        let t = validate("", "empty.txt", NOW);
        assert_eq!(
            codes(&t),
            ["no_contact", "no_expires", "no_canonical", "no_signature"]
        );
        let t = validate(
            "Contact: tel:+1-201-555-0123\nExpires: 2026-01-01T00:00:00Z\n",
            "f",
            NOW,
        );
        assert_eq!(codes(&t), ["expired", "no_canonical", "no_signature"]);
        let t = validate("Contact: mailto:a@b.example\nExpires: soon\n", "f", NOW);
        assert_eq!(
            codes(&t),
            ["invalid_expires", "no_canonical", "no_signature"]
        );
        let t = validate(
            "Contact: mailto:a@b.example\nExpires: 2029-01-01T00:00:00Z\n",
            "f",
            NOW,
        );
        assert_eq!(codes(&t), ["long_expiry", "no_canonical", "no_signature"]);
    }

    #[test]
    fn signed_files_are_read_inside_the_signature() {
        let text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: mailto:a@b.example\n\
                    Expires: 2027-01-01T00:00:00Z\nCanonical: https://b.example/.well-known/security.txt\n\
                    -----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n";
        let t = validate(text, "https://b.example/.well-known/security.txt", NOW);
        assert!(t.signed);
        assert_eq!(codes(&t), Vec::<&str>::new());
        assert_eq!(t.fields.len(), 3);
    }

    #[test]
    fn canonical_urls_compare_after_normalisation() {
        for (a, b) in [
            (
                "https://Example.com/.well-known/security.txt",
                "https://example.com/.well-known/security.txt",
            ),
            (
                "https://example.com:443/.well-known/security.txt",
                "https://example.com/.well-known/security.txt",
            ),
            (
                "HTTPS://example.com/.well-known/./security.txt",
                "https://example.com/.well-known/security.txt",
            ),
            ("https://example.com", "https://example.com/"),
        ] {
            assert!(same_url(a, b), "{a} vs {b}");
        }
        assert!(!same_url(
            "https://example.com:8443/.well-known/security.txt",
            "https://example.com/.well-known/security.txt"
        ));
        assert!(!same_url("http://example.com/", "https://example.com/"));
    }
}
