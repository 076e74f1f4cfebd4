//! CSV: one table per file, the first non-empty row is the header.

use crate::Problem;
use crate::book::{At, Book, Row, Section, limits};

/// Read a CSV file (UTF-8, optional BOM, comma or semicolon separated).
pub fn read(file: &str, bytes: &[u8]) -> Result<Book, Vec<Problem>> {
    let at = |row: usize| At {
        file: file.to_owned(),
        sheet: None,
        row,
        column: None,
        line: false,
    };
    if bytes.len() > limits::MAX_INPUT {
        return Err(vec![Problem::new(
            at(1),
            format!("the file is larger than {} MiB", limits::MAX_INPUT >> 20),
        )]);
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // Spreadsheet programs in many locales write semicolons.
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first.iter().filter(|b| **b == b';').count()
        > first.iter().filter(|b| **b == b',').count()
    {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let stem = std::path::Path::new(file)
        .file_stem()
        .map_or_else(|| file.to_owned(), |s| s.to_string_lossy().into_owned());
    let mut section: Option<Section> = None;
    let mut record = csv::StringRecord::new();
    let mut n = 0usize;
    // (byte offset, line ends before it)
    let mut counted = (0usize, 0usize);
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let row = e.position().map_or(line, |p| p.line() as usize);
                let why = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "expected UTF-8 text".to_owned(),
                    _ => format!("expected CSV: {e}"),
                };
                return Err(vec![Problem::new(at(row), why)]);
            }
        }
        // Count line ends ourselves: the csv crate's line numbers drift on CRLF files.
        // Counted incrementally from the last record, so reading stays linear.
        let line = record.position().map_or(line, |p| {
            // A record's position may point at the line end before it.
            let mut end = (p.byte() as usize).min(bytes.len());
            while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
                end += 1;
            }
            if end > counted.0 {
                counted.1 += bytes[counted.0..end]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                counted.0 = end;
            }
            counted.1 + 1
        });
        n += 1;
        if n > limits::MAX_ROWS {
            return Err(vec![Problem::new(
                at(line),
                format!("more than {} rows", limits::MAX_ROWS),
            )]);
        }
        if record.len() > limits::MAX_COLUMNS {
            return Err(vec![Problem::new(
                at(line),
                format!("more than {} columns", limits::MAX_COLUMNS),
            )]);
        }
        if let Some(i) = record.iter().position(|c| c.len() > limits::MAX_CELL) {
            return Err(vec![Problem::new(
                at(line).col(crate::book::letter(i)),
                format!("a cell longer than {} KiB", limits::MAX_CELL >> 10),
            )]);
        }
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        match section.as_mut() {
            None if cells.iter().all(|c| c.trim().is_empty()) => {}
            None => {
                section = Some(Section {
                    name: stem.clone(),
                    at: at(line),
                    header: cells.iter().map(|c| c.trim().to_owned()).collect(),
                    rows: Vec::new(),
                });
            }
            Some(s) => {
                if !cells.iter().all(|c| c.trim().is_empty()) {
                    s.rows.push(Row {
                        at: at(line),
                        cells,
                    });
                }
            }
        }
    }
    Ok(Book {
        sections: section.into_iter().collect(),
        lines: Vec::new(),
    })
}

/// Write one table as CSV.
pub fn write(header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(|e| e.to_string())?;
    for r in rows {
        w.write_record(r).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_are_numbered_from_one_with_crlf() {
        let book = super::read("x.csv", b"\xef\xbb\xbfa;b\r\n1;2\r\n3;4\r\n").expect("reads");
        let rows: Vec<usize> = book.sections[0].rows.iter().map(|r| r.at.row).collect();
        assert_eq!(book.sections[0].at.row, 1);
        assert_eq!(rows, [2, 3]);
    }
}
