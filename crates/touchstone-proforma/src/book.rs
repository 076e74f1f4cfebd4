//! The layout-neutral shape of a pro-forma: named sections of rows with a
//! header, each cell knowing where it came from.

use std::fmt;

use serde::Serialize;

/// Where a value was read: file, sheet (spreadsheets), row or line, column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct At {
    /// The file name as given.
    pub file: String,
    /// The sheet of a workbook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Row (spreadsheets, CSV; 1-based, header included) or line (Markdown).
    pub row: usize,
    /// Column name or letter, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Whether `row` is a Markdown line.
    #[serde(skip)]
    pub line: bool,
}

impl At {
    /// The same place, naming a column.
    pub fn col(&self, column: impl Into<String>) -> At {
        At {
            column: Some(column.into()),
            ..self.clone()
        }
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", touchstone_core::text::display_safe(&self.file))?;
        if let Some(s) = &self.sheet {
            write!(f, ", sheet {}", touchstone_core::text::display_safe(s))?;
        }
        if self.line {
            write!(f, ", line {}", self.row)?;
        } else {
            write!(f, ", row {}", self.row)?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {}", touchstone_core::text::display_safe(c))?;
        }
        Ok(())
    }
}

/// One row of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Where the row starts.
    pub at: At,
    /// The cells, in header order (missing cells are empty).
    pub cells: Vec<String>,
}

impl Row {
    /// The cell under header column `i`, trimmed.
    pub fn get(&self, i: Option<usize>) -> &str {
        i.and_then(|i| self.cells.get(i)).map_or("", |s| s.trim())
    }
}

/// A named table: a sheet, a CSV file, a Markdown table under a heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Sheet name, heading text or file stem.
    pub name: String,
    /// Where the header is.
    pub at: At,
    /// Column names as written.
    pub header: Vec<String>,
    /// The rows below the header.
    pub rows: Vec<Row>,
}

impl Section {
    /// The index of the first header matching one of `names` (compared as keys).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.header.iter().position(|h| {
            let k = touchstone_project::declared::normalize_key(h);
            names.contains(&k.as_str())
        })
    }

    /// The column name (as written) of index `i`, or its spreadsheet letter.
    pub fn column_name(&self, i: usize) -> String {
        self.header
            .get(i)
            .filter(|h| !h.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| letter(i))
    }
}

/// Spreadsheet column letter of a 0-based index (`A`, `Z`, `AA`).
pub fn letter(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Free text that precedes or follows tables: `Field: value` lines and
/// headings, with their places (Markdown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Where the line is.
    pub at: At,
    /// Heading level (1–6) or 0 for text.
    pub heading: u8,
    /// The text.
    pub text: String,
}

/// Everything read from one input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Book {
    /// Tables in input order.
    pub sections: Vec<Section>,
    /// Headings and text lines in input order (Markdown only), with the index
    /// of the next section at that point.
    pub lines: Vec<(usize, Line)>,
}

/// Limits every reader applies.
pub mod limits {
    /// Largest input read, in bytes.
    pub const MAX_INPUT: usize = 32 * 1024 * 1024;
    /// Most rows read from all sections together.
    pub const MAX_ROWS: usize = 200_000;
    /// Most columns per row.
    pub const MAX_COLUMNS: usize = 512;
    /// Longest cell kept, in bytes (longer cells are an error).
    pub const MAX_CELL: usize = 256 * 1024;
    /// Most sheets or sections.
    pub const MAX_SECTIONS: usize = 256;
    /// Largest total uncompressed size of a workbook's parts.
    pub const MAX_UNZIPPED: u64 = 256 * 1024 * 1024;
}

#[cfg(test)]
mod tests {
    #[test]
    fn letters() {
        assert_eq!(super::letter(0), "A");
        assert_eq!(super::letter(25), "Z");
        assert_eq!(super::letter(26), "AA");
        assert_eq!(super::letter(27), "AB");
    }
}
