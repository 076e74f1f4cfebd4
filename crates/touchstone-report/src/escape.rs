//! One escaping helper per text output syntax. Report text comes from
//! findings files, devices, firmware images and hand-edited project files:
//! it is hostile. Every renderer of a text format passes every piece of
//! report text through the helper of its syntax:
//!
//! | syntax | helper |
//! |---|---|
//! | terminal summary and `.txt` | [`text`] |
//! | Markdown inline text (headings, table cells, list items) | [`markdown`] |
//! | Markdown code span | [`markdown_code`] |
//! | XML 1.0 text and attribute values (JUnit) | [`xml`] |
//!
//! All of them first make control characters visible with
//! [`touchstone_core::text::display_safe`] (`\x1b`, `\n`, `\u{202e}`), so
//! nothing can move the cursor, recolour a terminal, forge a line or a table
//! row, or reorder text; then they escape what is special in their syntax.
//! JSON, SARIF and HTML keep the exact text and escape it their own way.

use std::borrow::Cow;
use std::fmt::Write as _;

use touchstone_core::text::display_safe;

/// One line of text for a terminal or a `.txt` report.
pub fn text(s: &str) -> Cow<'_, str> {
    display_safe(s)
}

/// Inline Markdown text: line breaks as spaces and visible escapes for other
/// control characters (so nothing can end a table row), then `\\` and `|` escaped and `<` as an
/// entity (no HTML reaches the rendered page).
pub fn markdown(s: &str) -> String {
    // A line break inside a cell or a line is a space; other controls stay visible.
    let flat;
    let s = if s.contains('\n') {
        flat = s.replace("\r\n", " ").replace('\n', " ");
        flat.as_str()
    } else {
        s
    };
    let safe = display_safe(s);
    let mut out = String::with_capacity(safe.len() + 8);
    for c in safe.chars() {
        match c {
            '\\' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            c => out.push(c),
        }
    }
    out
}

/// The content of a Markdown code span inside a table: as [`markdown`]
/// (tables split on pipes even inside code), with backticks replaced since
/// they would end the span.
pub fn markdown_code(s: &str) -> String {
    markdown(s).replace('`', "'")
}

/// XML 1.0 character data or attribute value: control characters and the
/// characters XML 1.0 does not allow at all (C0 controls, U+FFFE, U+FFFF;
/// not even as character references) made visible, then `& < > " '` as
/// entities. The result is always well-formed.
pub fn xml(s: &str) -> String {
    let safe = display_safe(s);
    let mut out = String::with_capacity(safe.len() + 8);
    for c in safe.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if !allowed_in_xml(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// XML 1.0's `Char` production.
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "a\x1b[2J\x07b\r\nc|d<e>&\"'`*_[x]\u{9b}\u{202e}\u{fffe}\u{ffff}\0";

    #[test]
    fn text_leaves_no_control_character() {
        let t = text(HOSTILE);
        assert!(!t.chars().any(char::is_control), "{t}");
        assert!(t.contains("\\x1b[2J"), "{t}");
        assert!(t.contains("\\u{202e}"), "{t}");
    }

    #[test]
    fn markdown_cannot_break_a_table_row() {
        let m = markdown(HOSTILE);
        assert!(!m.chars().any(char::is_control), "{m}");
        assert!(!m.contains('\n'));
        assert!(!m.replace("\\|", "").contains('|'), "{m}");
        assert!(!m.contains('<'), "{m}");
        assert_eq!(markdown("a\\b"), "a\\\\b");
        let c = markdown_code(HOSTILE);
        assert!(!c.contains('`') && !c.chars().any(char::is_control), "{c}");
    }

    #[test]
    fn xml_is_always_allowed_text() {
        let x = xml(HOSTILE);
        assert!(
            x.chars().all(|c| allowed_in_xml(c) && !c.is_control()),
            "{x}"
        );
        assert!(!x.contains(['<', '>', '"', '\'']), "{x}");
        assert!(x.contains("\\u{fffe}") && x.contains("\\x00"), "{x}");
        assert_eq!(xml("R&D <b>"), "R&amp;D &lt;b&gt;");
    }
}
