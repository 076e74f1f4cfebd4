//! What makers declare beyond Y/N/N/A: typed IXIT values, references
//! between ICS rows and IXIT content, ICS metadata and rationales.
//!
//! Pure helpers: they normalise text as makers write it (Markdown backticks,
//! surrounding whitespace, `N/A` with a note, an id with a qualifier) into
//! values later checks can read without parsing text again.

use std::collections::BTreeMap;

use serde::Serialize;
use touchstone_catalog::{IxitField, ValueKind};

/// At most this many items are read from one reference field.
pub const MAX_REFERENCES: usize = 256;

/// An ICS row's pointer into the IXIT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IxitRef {
    /// One entry, by id.
    Entry {
        /// Entry id.
        id: String,
    },
    /// A whole table, by its name in the project's TS edition.
    Table {
        /// Table name.
        table: String,
    },
    /// One field of a single-record table.
    Field {
        /// Table name.
        table: String,
        /// Field key.
        field: String,
    },
}

impl IxitRef {
    /// As written in `ics.toml`.
    pub fn as_text(&self) -> String {
        match self {
            IxitRef::Entry { id } => id.clone(),
            IxitRef::Table { table } => table.clone(),
            IxitRef::Field { table, field } => format!("{table}.{field}"),
        }
    }
}

/// One item of a reference field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RefItem {
    /// An entry id, with what the maker added in brackets or after it.
    Entry {
        /// Entry id.
        id: String,
        /// For instance `only during setup`.
        #[serde(skip_serializing_if = "Option::is_none")]
        qualifier: Option<String>,
    },
    /// `N/A` or `None`: nothing is referenced, with the maker's note.
    Nothing {
        /// For instance `no update mechanism, see 9-ReplSup`.
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

/// A field value read according to the type the standard gives the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldValue {
    /// Free text (also a typed field whose text could not be read).
    Text {
        /// The text.
        text: String,
    },
    /// A yes/no answer.
    YesNo {
        /// The answer.
        value: bool,
        /// What followed the answer.
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// One of the values the standard lists.
    Choice {
        /// The value, lowercase.
        value: String,
        /// What followed it.
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A date.
    Date {
        /// `YYYY-MM-DD`.
        date: String,
        /// What followed it.
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// References to entries of another table.
    Refs {
        /// The items in order.
        items: Vec<RefItem>,
    },
}

/// The ICS document's metadata, as validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IcsMeta {
    /// TS 103 701 edition the maker used, normalised to `1.1.1` / `2.1.1`.
    pub ts_edition: Option<String>,
    /// The maker's document version.
    pub version: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// `draft`, `review` or `final`.
    pub state: Option<String>,
    /// Manufacturer.
    pub maker: Option<String>,
    /// Supplier who filled in the pro-forma.
    pub supplier: Option<String>,
}

/// The maker's reasons why conditions hold and features are present (or not).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rationales {
    /// By condition number.
    pub conditions: BTreeMap<u32, String>,
    /// By feature letter.
    pub features: BTreeMap<String, String>,
}

/// An id as makers write it: surrounding whitespace and Markdown backticks removed.
pub fn clean_id(s: &str) -> &str {
    s.trim().trim_matches('`').trim()
}

/// A field key or name as makers write it (`Authentication Factor`,
/// `` `brute_force_prevention` ``, `Review/Evaluation Method`) in the catalogue's
/// snake_case form.
pub fn normalize_key(s: &str) -> String {
    let mut out = String::new();
    for c in clean_id(s).chars().take(200) {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// The separators between a leading answer and its note.
fn split_head(text: &str) -> (&str, Option<String>) {
    let t = clean_id(text);
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '/'))
        .unwrap_or(t.len());
    let (head, rest) = t.split_at(end);
    let note = rest
        .trim_start_matches(|c: char| c.is_whitespace() || ",;:.-–—(".contains(c))
        .trim_end_matches(|c: char| c.is_whitespace() || c == ')')
        .trim();
    (head, (!note.is_empty()).then(|| note.to_owned()))
}

/// Read a yes/no answer: `yes`, `No.`, `true`, `Yes (since 2.3)`.
pub fn parse_yes_no(text: &str) -> Option<(bool, Option<String>)> {
    let (head, note) = split_head(text);
    match head.to_lowercase().as_str() {
        "yes" | "y" | "true" => Some((true, note)),
        "no" | "n" | "false" => Some((false, note)),
        _ => None,
    }
}

/// Read `YYYY-MM-DD` at the start of the text.
pub fn parse_date(text: &str) -> Option<(String, Option<String>)> {
    let t = clean_id(text);
    let head = t.get(..10)?;
    // TOML's local-date grammar is exactly YYYY-MM-DD, with days checked per month.
    let dt = head.parse::<toml::value::Datetime>().ok()?;
    if dt.date.is_none() || dt.time.is_some() {
        return None;
    }
    let rest = t[10..]
        .trim_start_matches(|c: char| c.is_whitespace() || ",;:(".contains(c))
        .trim_end_matches(|c: char| c.is_whitespace() || c == ')')
        .trim();
    Some((head.to_owned(), (!rest.is_empty()).then(|| rest.to_owned())))
}

/// Split at commas and semicolons outside brackets.
fn split_items(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            ',' | ';' | '\n' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
        if out.len() >= MAX_REFERENCES {
            return out;
        }
    }
    out.push(&text[start..]);
    out
}

/// Read a reference field: ids with optional qualifiers, or `N/A` / `None`
/// with a note. Empty items are skipped.
pub fn parse_refs(text: &str) -> Vec<RefItem> {
    let t = clean_id(text);
    if let Some(note) = nothing(t) {
        return vec![RefItem::Nothing { note }];
    }
    split_items(t)
        .into_iter()
        .map(clean_id)
        .filter(|s| !s.is_empty())
        .map(|item| {
            if let Some(note) = nothing(item) {
                return RefItem::Nothing { note };
            }
            let end = item
                .find(|c: char| c.is_whitespace() || c == '(' || c == ':')
                .unwrap_or(item.len());
            let (id, rest) = item.split_at(end);
            let q = rest
                .trim()
                .trim_start_matches([':', '-', '–'])
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim();
            RefItem::Entry {
                id: clean_id(id).to_owned(),
                qualifier: (!q.is_empty()).then(|| q.to_owned()),
            }
        })
        .collect()
}

/// `N/A`, `NA`, `None`, `not applicable`, `-`, each optionally followed by a note.
fn nothing(t: &str) -> Option<Option<String>> {
    let lower = t.to_lowercase();
    let prefix = ["not applicable", "n/a", "none", "na", "-", "—"]
        .into_iter()
        .find(|p| {
            lower.starts_with(p)
                && lower[p.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric())
        })?;
    let rest = t[prefix.len()..]
        .trim_start_matches(|c: char| c.is_whitespace() || ",;:.-–—(".contains(c))
        .trim_end_matches(|c: char| c.is_whitespace() || c == ')')
        .trim();
    Some((!rest.is_empty()).then(|| rest.to_owned()))
}

/// Whether a field's text says the field does not apply (`N/A`, `NA`,
/// `not applicable`, each optionally followed by a note), as opposed to a
/// real answer such as `None` (for instance nothing disclosed).
pub fn says_not_applicable(text: &str) -> bool {
    let t = clean_id(text).to_lowercase();
    ["not applicable", "n/a", "na"].into_iter().any(|p| {
        t.starts_with(p)
            && t[p.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric())
    })
}

/// Read a field's text according to the catalogue's type for it. `None`
/// means the text does not fit the type (the caller warns and keeps the text).
pub fn typed(field: &IxitField, text: &str) -> Option<FieldValue> {
    if field.refs.is_some() {
        return Some(FieldValue::Refs {
            items: parse_refs(text),
        });
    }
    match field.value {
        None => Some(FieldValue::Text {
            text: text.to_owned(),
        }),
        Some(ValueKind::YesNo) => {
            parse_yes_no(text).map(|(value, note)| FieldValue::YesNo { value, note })
        }
        Some(ValueKind::Date) => {
            parse_date(text).map(|(date, note)| FieldValue::Date { date, note })
        }
        Some(ValueKind::Enum) => {
            let (head, note) = split_head(text);
            let head = head.to_lowercase();
            field
                .values
                .iter()
                .find(|v| **v == head)
                .map(|v| FieldValue::Choice {
                    value: v.clone(),
                    note,
                })
        }
    }
}

/// Normalise a status as written (`R C (12)`, `m c(1,2)`) for comparison.
pub fn normalize_status(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Normalise a TS 103 701 edition as written (`V2.1.1`, `TS 103 701 v1.1.1`, `2.1.1`).
pub fn normalize_ts_edition(s: &str) -> Option<String> {
    let t = s.trim();
    let start = t
        .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(0, |i| i + 1);
    let v = &t[start..];
    let parts: Vec<&str> = v.split('.').collect();
    (parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
    .then(|| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_lose_backticks_and_whitespace() {
        assert_eq!(clean_id("  `AuthMech-1` "), "AuthMech-1");
        assert_eq!(
            normalize_key("Review/Evaluation Method"),
            "review_evaluation_method"
        );
        assert_eq!(
            normalize_key(" `brute_force_prevention` "),
            "brute_force_prevention"
        );
    }

    #[test]
    fn references_read_nothing_and_qualifiers() {
        assert_eq!(
            parse_refs("N/A: no update mechanism"),
            [RefItem::Nothing {
                note: Some("no update mechanism".into())
            }]
        );
        assert_eq!(parse_refs("None"), [RefItem::Nothing { note: None }]);
        assert_eq!(
            parse_refs("`ComMech-1` (cloud, local), ComMech-2"),
            [
                RefItem::Entry {
                    id: "ComMech-1".into(),
                    qualifier: Some("cloud, local".into())
                },
                RefItem::Entry {
                    id: "ComMech-2".into(),
                    qualifier: None
                }
            ]
        );
        // An id that merely starts like "none" stays an id.
        assert_eq!(
            parse_refs("Nonce-1"),
            [RefItem::Entry {
                id: "Nonce-1".into(),
                qualifier: None
            }]
        );
    }

    #[test]
    fn not_applicable_is_not_none() {
        assert!(says_not_applicable("N/A: no update mechanism"));
        assert!(says_not_applicable(" `Not applicable` "));
        assert!(says_not_applicable("na"));
        assert!(!says_not_applicable("None"));
        assert!(!says_not_applicable("Nagle's algorithm disabled"));
        assert!(!says_not_applicable("National lab"));
    }

    #[test]
    fn typed_answers() {
        assert_eq!(
            parse_yes_no("Yes (since 2.3)"),
            Some((true, Some("since 2.3".into())))
        );
        assert_eq!(parse_yes_no("no."), Some((false, None)));
        assert_eq!(parse_yes_no("maybe"), None);
        assert_eq!(
            parse_date("2031-12-31 end of support"),
            Some(("2031-12-31".into(), Some("end of support".into())))
        );
        assert_eq!(parse_date("2031-02-30"), None);
        assert_eq!(
            normalize_ts_edition("TS 103 701 V2.1.1").as_deref(),
            Some("2.1.1")
        );
        assert_eq!(normalize_ts_edition("draft"), None);
        assert_eq!(
            normalize_status("m c (1, 2)"),
            normalize_status("M C (1,2)")
        );
    }
}
