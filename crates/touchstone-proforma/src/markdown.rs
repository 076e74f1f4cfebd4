//! Markdown: tables (GitHub style) under headings, and `Field: value` lines.
//!
//! Read with pulldown-cmark; cells keep line breaks written as `<br>`, and a
//! `|` inside a cell is written `\|`.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::Problem;
use crate::book::{At, Book, Line, Row, Section, limits};

/// Stands for `<br>` inside a text block until the block is split into lines.
const VALUE_BREAK: char = '\u{2028}';

/// Read a Markdown document.
pub fn read(file: &str, bytes: &[u8]) -> Result<Book, Vec<Problem>> {
    let at0 = At {
        file: file.to_owned(),
        sheet: None,
        row: 1,
        column: None,
        line: true,
    };
    if bytes.len() > limits::MAX_INPUT {
        return Err(vec![Problem::new(
            at0,
            format!("the file is larger than {} MiB", limits::MAX_INPUT >> 20),
        )]);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.strip_prefix('\u{feff}').unwrap_or(t),
        Err(e) => {
            let (line, _) = touchstone_core::text::line_col(
                &String::from_utf8_lossy(&bytes[..e.valid_up_to()]),
                e.valid_up_to(),
            );
            return Err(vec![Problem::new(
                At { row: line, ..at0 },
                "expected UTF-8 text".to_owned(),
            )]);
        }
    };
    // Line starts once, then a binary search per event: linear in the input.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| starts.partition_point(|s| *s <= offset).max(1);
    let at = |offset: usize| At {
        file: file.to_owned(),
        sheet: None,
        row: line_of(offset),
        column: None,
        line: true,
    };
    let mut book = Book::default();
    let mut heading: Option<(u8, usize, String)> = None;
    let mut last_heading = String::new();
    let mut table: Option<Section> = None;
    let mut cells: Vec<String> = Vec::new();
    let mut cell: Option<String> = None;
    let mut row_at: Option<At> = None;
    let mut block: Option<(usize, String)> = None;
    let mut rows = 0usize;
    let mut problems = Vec::new();
    for (event, range) in Parser::new_ext(text, Options::ENABLE_TABLES).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, range.start, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, start, t)) = heading.take() {
                    last_heading = t.trim().to_owned();
                    book.lines.push((
                        book.sections.len(),
                        Line {
                            at: at(start),
                            heading: level,
                            text: last_heading.clone(),
                        },
                    ));
                }
            }
            Event::Start(Tag::Table(_)) => {
                table = Some(Section {
                    name: last_heading.clone(),
                    at: at(range.start),
                    header: Vec::new(),
                    rows: Vec::new(),
                });
            }
            Event::End(TagEnd::Table) => {
                if let Some(t) = table.take() {
                    if book.sections.len() >= limits::MAX_SECTIONS {
                        problems.push(Problem::new(
                            t.at.clone(),
                            format!("more than {} tables", limits::MAX_SECTIONS),
                        ));
                        break;
                    }
                    book.sections.push(t);
                }
            }
            Event::Start(Tag::TableHead) => cells.clear(),
            Event::End(TagEnd::TableHead) => {
                if let Some(t) = table.as_mut() {
                    t.header = std::mem::take(&mut cells);
                }
            }
            Event::Start(Tag::TableRow) => {
                cells.clear();
                row_at = Some(at(range.start));
            }
            Event::End(TagEnd::TableRow) => {
                rows += 1;
                if rows > limits::MAX_ROWS {
                    problems.push(Problem::new(
                        at(range.start),
                        format!("more than {} table rows", limits::MAX_ROWS),
                    ));
                    break;
                }
                if let (Some(t), Some(a)) = (table.as_mut(), row_at.take()) {
                    t.rows.push(Row {
                        at: a,
                        cells: std::mem::take(&mut cells),
                    });
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                if let Some(c) = cell.take()
                    && cells.len() < limits::MAX_COLUMNS
                {
                    cells.push(c.trim().to_owned());
                }
            }
            Event::Start(Tag::Paragraph | Tag::Item) if table.is_none() && block.is_none() => {
                block = Some((range.start, String::new()));
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item) if table.is_none() => {
                if let Some((start, t)) = block.take() {
                    for (n, l) in t.lines().enumerate() {
                        if l.trim().is_empty() {
                            continue;
                        }
                        let mut a = at(start);
                        a.row += n;
                        book.lines.push((
                            book.sections.len(),
                            Line {
                                at: a,
                                heading: 0,
                                text: l.trim().replace(VALUE_BREAK, "\n"),
                            },
                        ));
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                let t = t.as_ref();
                if let Some(c) = cell.as_mut() {
                    c.push_str(t);
                } else if let Some((_, h)) = heading.as_mut().map(|(_, s, h)| (s, h)) {
                    h.push_str(t);
                } else if let Some((_, b)) = block.as_mut() {
                    b.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(c) = cell.as_mut() {
                    c.push('\n');
                } else if let Some((_, b)) = block.as_mut() {
                    b.push('\n');
                }
            }
            Event::InlineHtml(h) | Event::Html(h) => {
                let br = h.trim().to_ascii_lowercase();
                if br.starts_with("<br") {
                    if let Some(c) = cell.as_mut() {
                        c.push('\n');
                    } else if let Some((_, b)) = block.as_mut() {
                        // A break inside a value, unlike the line ends between `Field: value` lines.
                        b.push(VALUE_BREAK);
                    }
                }
            }
            _ => {}
        }
        if cell.as_ref().is_some_and(|c| c.len() > limits::MAX_CELL) {
            problems.push(Problem::new(
                at(range.start),
                format!("a cell longer than {} KiB", limits::MAX_CELL >> 10),
            ));
            break;
        }
    }
    if problems.is_empty() {
        Ok(book)
    } else {
        Err(problems)
    }
}

/// Escape a value for a table cell or a `Field: value` line: Markdown
/// punctuation is backslash-escaped and line breaks become `<br>`.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.replace("\r\n", "\n").chars() {
        match c {
            '\n' => out.push_str("<br>"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Write a table.
pub fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    out.push('|');
    for h in header {
        out.push_str(&format!(" {} |", cell(h)));
    }
    out.push_str("\n|");
    for _ in header {
        out.push_str("---|");
    }
    out.push('\n');
    for r in rows {
        out.push('|');
        for c in r {
            let c = cell(c);
            if c.is_empty() {
                out.push_str(" |");
            } else {
                out.push_str(&format!(" {c} |"));
            }
        }
        out.push('\n');
    }
}
