//! Small text helpers shared by the parsers: positions, suggestions and
//! display-safe escaping of text that comes from devices and images.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Convert a byte offset into a 1-based (line, column) pair.
///
/// Offsets past the end map to the position just after the last character.
/// Columns count characters, not bytes.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut line = 1;
    let mut line_start = 0;
    for (i, b) in text.bytes().enumerate() {
        if i >= offset {
            break;
        }
        if b == b'\n' {
            line += 1;
            line_start = i + 1;
        }
    }
    let col = text
        .get(line_start..offset)
        .map_or(offset - line_start, |s| s.chars().count())
        + 1;
    (line, col)
}

/// Levenshtein edit distance between two strings (by characters).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate nearest to `wanted`, if one is close enough to be a likely typo.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 2).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&wanted.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Text from a device, an image or a findings file, made safe for a terminal
/// or a one-line text report: every control character (C0, DEL, C1), every
/// bidirectional override and every line or paragraph separator is written
/// as a visible escape (`\x1b`, `\n`, `\u{202e}`). Text without any of them
/// is returned as it is. JSON and HTML keep the exact text and escape it in
/// their own way; this is for terminals, `.txt`, Markdown and XML text.
pub fn display_safe(s: &str) -> Cow<'_, str> {
    escape_where(s, |_| true)
}

/// Like [`display_safe`], but keeps line feeds and tabs: for multi-line
/// evidence shown in a terminal or a text report.
pub fn display_safe_multiline(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && c != '\t')
}

/// Whether a character is escaped by [`display_safe`].
pub fn is_unsafe_for_display(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

fn escape_where(s: &str, escape_this: impl Fn(char) -> bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_unsafe_for_display(c) && escape_this(c);
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !unsafe_char(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// Bytes that should be text (a file name, a banner) shown safely: invalid
/// UTF-8 bytes are written as `\xNN` so two names that differ only there
/// stay distinct, and control characters are escaped as by [`display_safe`].
pub fn display_safe_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(&display_safe(chunk.valid()));
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 1), (1, 2));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 8), (3, 1));
        assert_eq!(line_col(text, 9), (3, 2));
        assert_eq!(line_col(text, 999), (3, 2));
    }

    #[test]
    fn display_safe_escapes_controls_only() {
        assert!(matches!(display_safe("plain text é"), Cow::Borrowed(_)));
        assert_eq!(display_safe("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(display_safe("x\ny\t\r"), "x\\ny\\t\\r");
        assert_eq!(display_safe("\u{9b}31m"), "\\x9b31m");
        assert_eq!(display_safe("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(display_safe_multiline("l1\nl2\x07"), "l1\nl2\\x07");
        assert_eq!(display_safe_bytes(b"ab\xffc\x1b"), "ab\\xffc\\x1b");
        assert_ne!(display_safe_bytes(b"n\xfe"), display_safe_bytes(b"n\xff"));
    }

    #[test]
    fn nearest_finds_typos_only() {
        let ids = ["5.1-1", "5.1-2", "5.3-13", "6-1"];
        assert_eq!(nearest("5.1-l", ids), Some("5.1-1"));
        assert_eq!(nearest("5.3-133", ids), Some("5.3-13"));
        assert_eq!(nearest("completely-else", ids), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
