//! Password-generation analysis (EN 303 645 5.1-2): do the pre-installed
//! passwords of sample devices follow from their public identifiers?
//!
//! Input is a CSV of sample devices (MAC address, serial number, password),
//! as a lab reads them off labels or out of the IXIT. For every row the
//! analysis computes candidate strings from the identifiers and looks for
//! the password among them:
//!
//! * the MAC in several canonical forms (12 hex digits, with `:`/`-`
//!   separators, dotted triples, lower and upper case, and the neighbours
//!   MAC−1/MAC+1 that devices often use for their other interface) and the
//!   serial (as written, lower/upper case, digits only);
//! * transforms of each: the string itself, reversed, MD5/SHA-1/SHA-256 in
//!   hex (also of the six raw MAC bytes), Base64, Base32 and CRC-32;
//! * relations: equal, a prefix, a suffix or a substring of a candidate
//!   (at least [`MIN_DERIVED_LEN`] characters), or containing a run of at
//!   least [`MIN_SHARED_RUN`] characters of an identifier.
//!
//! A rule ("the last 8 hex digits of MD5 of the MAC") that explains two or
//! more rows is the generation scheme. Across rows it also looks for one
//! password shared by several devices and for counters (the password minus
//! the identifier is constant, or the passwords step by a constant in
//! identifier order). Entropy is estimated from character classes and
//! length, and empirically from the samples.
//!
//! Pure: no IO; the CSV arrives as text. Every loop is bounded by the
//! input limits ([`MAX_ROWS`], [`MAX_FIELD`]).

use std::collections::{BTreeMap, BTreeSet};

use md5::{Digest, Md5};
use serde::Serialize;
use sha1::Sha1;
use sha2::Sha256;

/// Rows read at most.
pub const MAX_ROWS: usize = 100_000;
/// Characters of one field at most.
pub const MAX_FIELD: usize = 1024;
/// Shortest password part that counts as derived from a candidate.
pub const MIN_DERIVED_LEN: usize = 4;
/// Shortest run of identifier characters inside a password that counts.
pub const MIN_SHARED_RUN: usize = 6;
/// Samples needed before passwords that merely increase with the
/// identifiers (at varying steps) count as a counter.
pub const MIN_MONOTONIC: usize = 5;

/// One sample device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// Line of the CSV (1-based).
    pub line: usize,
    /// MAC as 12 lowercase hex digits, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// Serial as written, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// The password.
    pub password: String,
}

/// The CSV cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}\n  hint: {hint}")]
pub struct CsvError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (field number).
    pub column: usize,
    /// What was expected and found.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

fn csv_error(line: usize, column: usize, message: String, hint: &str) -> CsvError {
    CsvError {
        line,
        column,
        message,
        hint: hint.to_owned(),
    }
}

/// Split CSV text into records of fields with their starting line.
/// RFC 4180 quoting (`"a,b"`, `""` for a quote, newlines inside quotes);
/// a UTF-8 byte-order mark, `\r\n` and blank lines are tolerated.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut record_line = 1usize;
    let mut in_quotes = false;
    let mut quote_started = (0usize, 0usize);
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    let end_record = |fields: &mut Vec<String>,
                      field: &mut String,
                      out: &mut Vec<(usize, Vec<String>)>,
                      record_line: usize| {
        fields.push(std::mem::take(field));
        let record = std::mem::take(fields);
        let blank = record.iter().all(|f| f.trim().is_empty());
        if !blank {
            out.push((record_line, record));
        }
    };
    while let Some(c) = chars.next() {
        if field.len() > MAX_FIELD {
            return Err(csv_error(
                record_line,
                fields.len() + 1,
                format!("a field longer than {MAX_FIELD} characters"),
                "check for an unclosed quote earlier on the line",
            ));
        }
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() && !was_quoted => {
                field.clear();
                in_quotes = true;
                was_quoted = true;
                quote_started = (line, fields.len() + 1);
            }
            '"' => {
                return Err(csv_error(
                    line,
                    fields.len() + 1,
                    "a quote inside an unquoted field".into(),
                    "quote the whole field and double the quote inside it: \"a\"\"b\"",
                ));
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                end_record(&mut fields, &mut field, &mut out, record_line);
                was_quoted = false;
                line += 1;
                record_line = line;
                if out.len() > MAX_ROWS {
                    return Err(csv_error(
                        line,
                        1,
                        format!("more than {MAX_ROWS} rows"),
                        "analyse a sample of the devices, not the whole production",
                    ));
                }
            }
            _ if was_quoted && !c.is_whitespace() => {
                return Err(csv_error(
                    line,
                    fields.len() + 1,
                    format!("`{c}` after the closing quote of a field"),
                    "a quoted field ends at its closing quote; put a comma after it",
                ));
            }
            _ if was_quoted => {}
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(csv_error(
            quote_started.0,
            quote_started.1,
            "a quoted field is not closed".into(),
            "add the closing quote; a quote inside a quoted field is written twice",
        ));
    }
    end_record(&mut fields, &mut field, &mut out, record_line);
    Ok(out)
}

/// Which column holds what.
fn column_of(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| {
        let h: String = h
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        names.contains(&h.as_str())
    })
}

/// Parse a MAC written with or without `:`, `-`, `.` or space separators
/// into 12 lowercase hex digits.
pub fn normalise_mac(text: &str) -> Option<String> {
    let hex: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.' | ' '))
        .collect();
    (hex.len() == 12 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// Read the sample CSV: a header row naming the columns (`mac`,
/// `serial`, `password`; also `mac address`, `serial number`, `sn`,
/// `pass`, `passwd`, `pwd`, in any order and case), then one row per
/// device. A password column and at least one of MAC and serial are
/// required; empty cells are allowed except the password.
///
/// # Errors
///
/// [`CsvError`] naming the line and column, with a hint.
pub fn parse_csv(text: &str) -> Result<Vec<Sample>, CsvError> {
    let rows = records(text)?;
    let Some((header_line, header)) = rows.first() else {
        return Err(csv_error(
            1,
            1,
            "the file is empty".into(),
            "the first line names the columns: mac,serial,password",
        ));
    };
    let mac_col = column_of(
        header,
        &["mac", "macaddress", "macaddr", "ethernetmac", "wifimac"],
    );
    let serial_col = column_of(header, &["serial", "serialnumber", "serialno", "sn"]);
    let password_col = column_of(
        header,
        &[
            "password",
            "pass",
            "passwd",
            "pwd",
            "defaultpassword",
            "wifipassword",
            "key",
        ],
    );
    let Some(password_col) = password_col else {
        return Err(csv_error(
            *header_line,
            header.len() + 1,
            format!("no password column in the header ({})", header.join(",")),
            "the first line names the columns, for instance mac,serial,password",
        ));
    };
    if mac_col.is_none() && serial_col.is_none() {
        return Err(csv_error(
            *header_line,
            header.len() + 1,
            format!(
                "neither a mac nor a serial column in the header ({})",
                header.join(",")
            ),
            "add a mac or serial column: the analysis compares passwords with them",
        ));
    }
    let mut samples = Vec::new();
    for (line, row) in rows.iter().skip(1) {
        let cell = |col: Option<usize>| -> Option<&str> {
            col.and_then(|c| row.get(c))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let mac = match cell(mac_col) {
            Some(m) => Some(normalise_mac(m).ok_or_else(|| {
                csv_error(
                    *line,
                    mac_col.map_or(1, |c| c + 1),
                    format!("`{m}` is not a MAC address"),
                    "write 12 hex digits, optionally separated by : - or . (aa:bb:cc:dd:ee:ff)",
                )
            })?),
            None => None,
        };
        let Some(password) = row.get(password_col).filter(|p| !p.is_empty()) else {
            return Err(csv_error(
                *line,
                password_col + 1,
                "the password is empty".into(),
                "every row needs the device's password; drop rows you do not have",
            ));
        };
        samples.push(Sample {
            line: *line,
            mac,
            serial: cell(serial_col).map(str::to_owned),
            password: password.clone(),
        });
    }
    if samples.is_empty() {
        return Err(csv_error(
            header_line + 1,
            1,
            "no device rows after the header".into(),
            "add one row per sample device",
        ));
    }
    Ok(samples)
}

// ---------------------------------------------------------------- encodings

fn hex(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u64, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u64::from(*b);
        bits += 8;
        while bits >= 5 {
            let idx = usize::try_from((buffer >> (bits - 5)) & 31).unwrap_or(0);
            out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
            bits -= 5;
        }
    }
    if bits > 0 {
        let idx = usize::try_from((buffer << (5 - bits)) & 31).unwrap_or(0);
        out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
    }
    while !out.len().is_multiple_of(8) {
        out.push('=');
    }
    out
}

fn mac_bytes(mac12: &str) -> Vec<u8> {
    (0..6)
        .filter_map(|i| {
            mac12
                .get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

fn mac_value(mac12: &str) -> Option<u64> {
    u64::from_str_radix(mac12, 16).ok()
}

fn with_separator(mac12: &str, sep: char, every: usize) -> String {
    let mut out = String::new();
    for (i, c) in mac12.chars().enumerate() {
        if i > 0 && i % every == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// An identifier in one written form: (description, text, raw bytes for
/// hashing when the form is binary).
struct Form {
    what: String,
    text: String,
    raw: Option<Vec<u8>>,
}

fn mac_forms(mac12: &str) -> Vec<Form> {
    let mut out = Vec::new();
    let mut add = |what: &str, text: String| {
        out.push(Form {
            what: what.to_owned(),
            text,
            raw: None,
        });
    };
    let upper = mac12.to_ascii_uppercase();
    add("MAC", mac12.to_owned());
    add("MAC (upper case)", upper.clone());
    add("MAC with :", with_separator(mac12, ':', 2));
    add("MAC with : (upper case)", with_separator(&upper, ':', 2));
    add("MAC with -", with_separator(mac12, '-', 2));
    add("MAC with - (upper case)", with_separator(&upper, '-', 2));
    add("MAC with .", with_separator(mac12, '.', 4));
    if let Some(v) = mac_value(mac12) {
        for (delta, name) in [(-1i64, "MAC-1"), (1, "MAC+1")] {
            if let Some(n) = v.checked_add_signed(delta).filter(|n| *n < (1 << 48)) {
                let s = format!("{n:012x}");
                add(name, s.clone());
                add(&format!("{name} (upper case)"), s.to_ascii_uppercase());
            }
        }
    }
    out.push(Form {
        what: "MAC bytes".into(),
        text: String::new(),
        raw: Some(mac_bytes(mac12)),
    });
    out
}

fn serial_forms(serial: &str) -> Vec<Form> {
    let mut out = vec![Form {
        what: "serial".into(),
        text: serial.to_owned(),
        raw: None,
    }];
    let mut add = |what: &str, text: String| {
        if !text.is_empty() && !out.iter().any(|f| f.text == text) {
            out.push(Form {
                what: what.to_owned(),
                text,
                raw: None,
            });
        }
    };
    add("serial (lower case)", serial.to_ascii_lowercase());
    add("serial (upper case)", serial.to_ascii_uppercase());
    add(
        "serial digits",
        serial.chars().filter(char::is_ascii_digit).collect(),
    );
    add(
        "serial letters and digits",
        serial.chars().filter(char::is_ascii_alphanumeric).collect(),
    );
    out
}

/// A candidate string: how it was made, and its text. `exact` candidates
/// compare case-sensitively (Base64), the others case-insensitively.
struct Candidate {
    how: String,
    text: String,
    exact: bool,
}

fn candidates(forms: &[Form]) -> Vec<Candidate> {
    let mut out = Vec::new();
    for f in forms {
        let bytes: &[u8] = f.raw.as_deref().unwrap_or(f.text.as_bytes());
        let of = &f.what;
        if f.raw.is_none() {
            out.push(Candidate {
                how: of.clone(),
                text: f.text.clone(),
                exact: false,
            });
            out.push(Candidate {
                how: format!("reversed {of}"),
                text: f.text.chars().rev().collect(),
                exact: false,
            });
        }
        out.push(Candidate {
            how: format!("hex MD5 of {of}"),
            text: hex(&Md5::digest(bytes)),
            exact: false,
        });
        out.push(Candidate {
            how: format!("hex SHA-1 of {of}"),
            text: hex(&Sha1::digest(bytes)),
            exact: false,
        });
        out.push(Candidate {
            how: format!("hex SHA-256 of {of}"),
            text: hex(&Sha256::digest(bytes)),
            exact: false,
        });
        let b64 = base64(bytes);
        out.push(Candidate {
            how: format!("Base64 of {of}"),
            text: b64,
            exact: true,
        });
        out.push(Candidate {
            how: format!("Base32 of {of}"),
            text: base32(bytes),
            exact: false,
        });
        let crc = crc32fast::hash(bytes);
        out.push(Candidate {
            how: format!("hex CRC-32 of {of}"),
            text: format!("{crc:08x}"),
            exact: false,
        });
        out.push(Candidate {
            how: format!("decimal CRC-32 of {of}"),
            text: crc.to_string(),
            exact: true,
        });
    }
    out
}

// ---------------------------------------------------------------- per row

/// How one password relates to one candidate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Derivation {
    /// The rule in words, the same for every row it explains, e.g.
    /// `last 8 characters of hex MD5 of MAC`.
    pub rule: String,
    /// `equal`, `prefix`, `suffix`, `substring` or `contains`.
    pub relation: &'static str,
}

fn relate(password: &str, c: &Candidate) -> Option<Derivation> {
    let (p, t) = if c.exact {
        (password.to_owned(), c.text.clone())
    } else {
        (password.to_ascii_lowercase(), c.text.to_ascii_lowercase())
    };
    let trimmed = t.trim_end_matches('=');
    if t.is_empty() || p.is_empty() {
        return None;
    }
    if p == t || p == trimmed {
        return Some(Derivation {
            rule: c.how.clone(),
            relation: "equal",
        });
    }
    let n = p.chars().count();
    if n >= MIN_DERIVED_LEN && t.len() > p.len() {
        if t.starts_with(&p) {
            return Some(Derivation {
                rule: format!("first {n} characters of {}", c.how),
                relation: "prefix",
            });
        }
        if trimmed.ends_with(&p) {
            return Some(Derivation {
                rule: format!("last {n} characters of {}", c.how),
                relation: "suffix",
            });
        }
        if let Some(at) = t.find(&p) {
            return Some(Derivation {
                rule: format!("{n} characters at offset {at} of {}", c.how),
                relation: "substring",
            });
        }
    }
    None
}

/// The longest run of characters the password shares with `id`
/// (case-insensitive), with its position in the password.
fn shared_run(password: &str, id: &str) -> Option<(usize, String)> {
    let p: Vec<char> = password.to_ascii_lowercase().chars().collect();
    let q: Vec<char> = id.to_ascii_lowercase().chars().collect();
    if p.len() > MAX_FIELD || q.len() > MAX_FIELD {
        return None;
    }
    let mut best = (0usize, 0usize);
    let mut prev = vec![0usize; q.len() + 1];
    for i in 1..=p.len() {
        let mut cur = vec![0usize; q.len() + 1];
        for j in 1..=q.len() {
            if p.get(i - 1) == q.get(j - 1) {
                let v = prev.get(j - 1).copied().unwrap_or(0) + 1;
                if let Some(slot) = cur.get_mut(j) {
                    *slot = v;
                }
                if v > best.0 {
                    best = (v, i);
                }
            }
        }
        prev = cur;
    }
    (best.0 >= MIN_SHARED_RUN).then(|| {
        let start = best.1 - best.0;
        (
            start,
            p.get(start..best.1).unwrap_or_default().iter().collect(),
        )
    })
}

/// Every derivation found for one sample, best first.
fn derive_row(s: &Sample) -> Vec<Derivation> {
    let mut forms = Vec::new();
    if let Some(m) = &s.mac {
        forms.extend(mac_forms(m));
    }
    if let Some(serial) = &s.serial {
        forms.extend(serial_forms(serial));
    }
    let mut found: Vec<Derivation> = candidates(&forms)
        .iter()
        .filter_map(|c| relate(&s.password, c))
        .collect();
    if found.is_empty() {
        let ids = [
            s.mac.as_deref().map(|m| ("MAC", m.to_owned())),
            s.serial.as_deref().map(|x| ("serial", x.to_owned())),
        ];
        for (name, id) in ids.into_iter().flatten() {
            if let Some((at, run)) = shared_run(&s.password, &id) {
                let n = run.chars().count();
                let in_id = id.to_ascii_lowercase().find(&run).unwrap_or(0);
                let where_in_id = if in_id + run.len() == id.len() {
                    format!("the last {n} characters of the {name}")
                } else if in_id == 0 {
                    format!("the first {n} characters of the {name}")
                } else {
                    format!("{n} characters of the {name}")
                };
                found.push(Derivation {
                    rule: format!("contains {where_in_id} at position {at}"),
                    relation: "contains",
                });
            }
        }
    }
    let rank = |d: &Derivation| match d.relation {
        "equal" => 0,
        "suffix" | "prefix" => 1,
        "substring" => 2,
        _ => 3,
    };
    found.sort_by_key(|d| (rank(d), d.rule.len()));
    found.dedup();
    found
}

// ---------------------------------------------------------------- across rows

/// A rule that explains several samples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scheme {
    /// The rule in words.
    pub rule: String,
    /// Rows it explains.
    pub matches: usize,
    /// Up to three examples: `line N: MAC/serial -> password`.
    pub examples: Vec<String>,
}

/// Passwords that step with the identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counter {
    /// The relation in words.
    pub rule: String,
    /// Up to three examples.
    pub examples: Vec<String>,
}

/// One password used by several devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shared {
    /// The password (the lab's own sample data).
    pub password: String,
    /// Lines of the devices that use it.
    pub lines: Vec<usize>,
}

/// Strength estimates in bits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entropy {
    /// Median over samples of length × log2(character pool), where the
    /// pool is the union of the classes used (hex digits count as 16).
    pub charset_bits: f64,
    /// Smallest per-sample value of the same estimate.
    pub charset_bits_min: f64,
    /// Sum over positions of the Shannon entropy of the characters seen
    /// there (passwords of the most common length only).
    pub empirical_bits: f64,
    /// What `empirical_bits` could show at most with this many samples:
    /// length × log2(samples); more samples are needed when the two meet.
    pub empirical_ceiling: f64,
    /// Distinct passwords among the samples.
    pub distinct: usize,
}

/// The whole analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// Samples read.
    pub samples: usize,
    /// Samples with a MAC.
    pub with_mac: usize,
    /// Samples with a serial.
    pub with_serial: usize,
    /// Rules that explain at least two samples, most samples first.
    pub schemes: Vec<Scheme>,
    /// Rows explained by some derivation (any rule).
    pub derived_rows: usize,
    /// Counters found.
    pub counters: Vec<Counter>,
    /// Passwords shared by several devices.
    pub shared: Vec<Shared>,
    /// Strength estimates.
    pub entropy: Entropy,
}

fn example(s: &Sample) -> String {
    let id = match (&s.mac, &s.serial) {
        (Some(m), Some(x)) => format!("{} / {x}", with_separator(m, ':', 2)),
        (Some(m), None) => with_separator(m, ':', 2),
        (None, Some(x)) => x.clone(),
        (None, None) => "-".into(),
    };
    format!("line {}: {id} -> {}", s.line, s.password)
}

fn pool(password: &str) -> f64 {
    let all_hex = password.chars().all(|c| c.is_ascii_hexdigit());
    let mixed_hex_case = password.chars().any(|c| c.is_ascii_lowercase())
        && password.chars().any(|c| c.is_ascii_uppercase());
    if all_hex && !mixed_hex_case && password.chars().any(|c| c.is_ascii_alphabetic()) {
        return 16.0;
    }
    let mut size = 0.0;
    if password.chars().any(|c| c.is_ascii_lowercase()) {
        size += 26.0;
    }
    if password.chars().any(|c| c.is_ascii_uppercase()) {
        size += 26.0;
    }
    if password.chars().any(|c| c.is_ascii_digit()) {
        size += 10.0;
    }
    if password
        .chars()
        .any(|c| c.is_ascii_punctuation() || c == ' ')
    {
        size += 33.0;
    }
    if !password.is_ascii() {
        size += 100.0;
    }
    size
}

fn entropy(samples: &[Sample]) -> Entropy {
    let mut per: Vec<f64> = samples
        .iter()
        .map(|s| {
            let len = s.password.chars().count() as f64;
            let p = pool(&s.password);
            if p <= 1.0 { 0.0 } else { len * p.log2() }
        })
        .collect();
    per.sort_by(f64::total_cmp);
    let median = per.get(per.len() / 2).copied().unwrap_or(0.0);
    let min = per.first().copied().unwrap_or(0.0);
    let mut lengths: BTreeMap<usize, usize> = BTreeMap::new();
    for s in samples {
        *lengths.entry(s.password.chars().count()).or_default() += 1;
    }
    let common = lengths
        .iter()
        .max_by_key(|(len, n)| (**n, **len))
        .map_or(0, |(len, _)| *len);
    let same: Vec<Vec<char>> = samples
        .iter()
        .map(|s| s.password.chars().collect::<Vec<char>>())
        .filter(|p| p.len() == common)
        .collect();
    let mut empirical = 0.0;
    for pos in 0..common {
        let mut counts: BTreeMap<char, usize> = BTreeMap::new();
        for p in &same {
            if let Some(c) = p.get(pos) {
                *counts.entry(*c).or_default() += 1;
            }
        }
        let total = same.len() as f64;
        for n in counts.values() {
            let q = *n as f64 / total;
            empirical -= q * q.log2();
        }
    }
    let ceiling = common as f64 * (same.len().max(1) as f64).log2();
    let distinct = samples
        .iter()
        .map(|s| s.password.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    Entropy {
        charset_bits: round1(median),
        charset_bits_min: round1(min),
        empirical_bits: round1(empirical),
        empirical_ceiling: round1(ceiling),
        distinct,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Parse the password as a number: decimal if all digits, else hex if all
/// hex digits.
fn password_number(p: &str) -> Option<i128> {
    if p.is_empty() || p.len() > 30 {
        return None;
    }
    if p.chars().all(|c| c.is_ascii_digit()) {
        return p.parse().ok();
    }
    if p.chars().all(|c| c.is_ascii_hexdigit()) {
        return i128::from_str_radix(p, 16).ok();
    }
    None
}

fn counters(samples: &[Sample]) -> Vec<Counter> {
    let mut out = Vec::new();
    if samples.len() < 3 {
        return out;
    }
    let numbers: Vec<Option<i128>> = samples
        .iter()
        .map(|s| password_number(&s.password))
        .collect();
    if numbers.iter().any(Option::is_none) {
        return out;
    }
    let numbers: Vec<i128> = numbers.into_iter().flatten().collect();
    type IdOf = fn(&Sample) -> Option<i128>;
    let ids: [(&str, IdOf); 2] = [
        ("serial", |s| {
            let digits: String = s
                .serial
                .as_deref()?
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            (!digits.is_empty() && digits.len() <= 30).then_some(())?;
            digits.parse().ok()
        }),
        ("MAC", |s| {
            s.mac.as_deref().and_then(mac_value).map(i128::from)
        }),
    ];
    for (name, id_of) in ids {
        let Some(ids) = samples.iter().map(id_of).collect::<Option<Vec<i128>>>() else {
            continue;
        };
        let offsets: BTreeSet<i128> = numbers.iter().zip(&ids).map(|(p, i)| p - i).collect();
        if offsets.len() == 1 {
            let c = offsets.first().copied().unwrap_or(0);
            out.push(Counter {
                rule: format!(
                    "password = {name} {} {}",
                    if c < 0 { '-' } else { '+' },
                    c.abs()
                ),
                examples: samples.iter().take(3).map(example).collect(),
            });
            continue;
        }
        let mut order: Vec<usize> = (0..samples.len()).collect();
        order.sort_by_key(|i| ids.get(*i).copied().unwrap_or(0));
        let steps: BTreeSet<i128> = order
            .windows(2)
            .filter_map(|w| {
                let (a, b) = (*w.first()?, *w.get(1)?);
                let dp = numbers.get(b)? - numbers.get(a)?;
                let di = ids.get(b)? - ids.get(a)?;
                (di != 0).then_some(dp)
            })
            .collect();
        let monotonic = order.windows(2).all(|w| {
            match (
                w.first().and_then(|a| numbers.get(*a)),
                w.get(1).and_then(|b| numbers.get(*b)),
            ) {
                (Some(x), Some(y)) => y > x,
                _ => false,
            }
        });
        let examples = || -> Vec<String> {
            order
                .iter()
                .take(3)
                .filter_map(|i| samples.get(*i))
                .map(example)
                .collect()
        };
        if monotonic && steps.len() == 1 {
            let step = steps.first().copied().unwrap_or(0);
            out.push(Counter {
                rule: format!("passwords step by {step} in {name} order (a counter)"),
                examples: examples(),
            });
        } else if monotonic && samples.len() >= MIN_MONOTONIC {
            // Random passwords come out in increasing order for one in n!
            // orderings of n devices.
            out.push(Counter {
                rule: format!(
                    "passwords increase with the {name} across all {n} samples (random ones would be in this order once in {n}! cases)",
                    n = samples.len()
                ),
                examples: examples(),
            });
        }
    }
    out
}

/// Analyse the samples. Pure.
pub fn analyse(samples: &[Sample]) -> Analysis {
    let mut by_rule: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut derived_rows = 0;
    for (i, s) in samples.iter().enumerate() {
        let found = derive_row(s);
        if !found.is_empty() {
            derived_rows += 1;
        }
        for d in found {
            by_rule.entry(d.rule).or_default().push(i);
        }
    }
    let mut schemes: Vec<Scheme> = by_rule
        .into_iter()
        .filter(|(_, rows)| rows.len() >= 2 || samples.len() == 1)
        .map(|(rule, rows)| Scheme {
            rule,
            matches: rows.len(),
            examples: rows
                .iter()
                .take(3)
                .filter_map(|i| samples.get(*i))
                .map(example)
                .collect(),
        })
        .collect();
    // Most rows first; among equals the simplest (shortest) rule.
    schemes.sort_by(|a, b| {
        b.matches
            .cmp(&a.matches)
            .then(a.rule.len().cmp(&b.rule.len()))
            .then(a.rule.cmp(&b.rule))
    });
    schemes.truncate(10);
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for s in samples {
        groups.entry(s.password.as_str()).or_default().push(s.line);
    }
    let mut shared: Vec<Shared> = groups
        .into_iter()
        .filter(|(_, lines)| lines.len() >= 2)
        .map(|(p, lines)| Shared {
            password: p.to_owned(),
            lines,
        })
        .collect();
    shared.sort_by(|a, b| {
        b.lines
            .len()
            .cmp(&a.lines.len())
            .then(a.password.cmp(&b.password))
    });
    Analysis {
        samples: samples.len(),
        with_mac: samples.iter().filter(|s| s.mac.is_some()).count(),
        with_serial: samples.iter().filter(|s| s.serial.is_some()).count(),
        schemes,
        derived_rows,
        counters: counters(samples),
        shared,
        entropy: entropy(samples),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_rfc_4648_vectors() {
        for (input, b64, b32) in [
            ("", "", ""),
            ("f", "Zg==", "MY======"),
            ("fo", "Zm8=", "MZXQ===="),
            ("foo", "Zm9v", "MZXW6==="),
            ("foob", "Zm9vYg==", "MZXW6YQ="),
            ("fooba", "Zm9vYmE=", "MZXW6YTB"),
            ("foobar", "Zm9vYmFy", "MZXW6YTBOI======"),
        ] {
            assert_eq!(base64(input.as_bytes()), b64, "{input}");
            assert_eq!(base32(input.as_bytes()), b32, "{input}");
        }
        assert_eq!(format!("{:08x}", crc32fast::hash(b"123456789")), "cbf43926");
    }

    #[test]
    fn csv_quirks_are_tolerated_and_errors_name_line_and_column() {
        let text = "\u{feff}Serial Number,\"Password\",MAC\r\n\r\nSN1,\"a,\"\"b\",AA-BB-CC-DD-EE-01\r\n\nSN2,x,\n";
        let got = parse_csv(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].password, "a,\"b");
        assert_eq!(got[0].mac.as_deref(), Some("aabbccddee01"));
        assert_eq!(got[0].line, 3);
        assert_eq!(got[1].mac, None);
        let cases = [
            ("", (1, 1), "empty"),
            ("mac,serial\n", (1, 3), "no password column"),
            (
                "password,model\nx,y\n",
                (1, 3),
                "neither a mac nor a serial",
            ),
            ("mac,password\nzz,pw\n", (2, 1), "not a MAC"),
            ("mac,password\naabbccddeeff,\n", (2, 2), "password is empty"),
            ("serial,password\n1,\"open\n2,x\n", (2, 2), "not closed"),
            ("serial,password\n1,ab\"c\n", (2, 2), "quote inside"),
            (
                "serial,password\n1,\"ab\"c\n",
                (2, 2),
                "after the closing quote",
            ),
            ("serial,password\n", (2, 1), "no device rows"),
        ];
        for (text, (line, column), what) in cases {
            let e = parse_csv(text)
                .err()
                .unwrap_or_else(|| panic!("{text:?} parsed"));
            assert_eq!((e.line, e.column), (line, column), "{text:?}: {e}");
            assert!(e.message.contains(what), "{text:?}: {e}");
            assert!(!e.hint.is_empty());
        }
    }

    #[test]
    fn shared_runs_need_six_characters() {
        assert_eq!(
            shared_run("xx3d4e5fyy", "001a2b3d4e5f").map(|r| r.1),
            Some("3d4e5f".into())
        );
        assert_eq!(shared_run("xx4e5fyy", "001a2b3d4e5f"), None);
    }
}
