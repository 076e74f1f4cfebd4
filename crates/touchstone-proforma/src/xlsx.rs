//! XLSX workbooks: one sheet per table, the first non-empty row is the header.
//! Read with calamine after checking the archive's declared sizes; written
//! with rust_xlsxwriter.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, FormatAlign, Workbook};

use crate::Problem;
use crate::book::{At, Book, Row, Section, letter, limits};

/// Read every sheet of a workbook.
pub fn read(file: &str, bytes: &[u8]) -> Result<Book, Vec<Problem>> {
    let at = |sheet: Option<&str>, row: usize| At {
        file: file.to_owned(),
        sheet: sheet.map(str::to_owned),
        row,
        column: None,
        line: false,
    };
    let fail =
        |sheet: Option<&str>, row: usize, why: String| Err(vec![Problem::new(at(sheet, row), why)]);
    if bytes.len() > limits::MAX_INPUT {
        return fail(
            None,
            1,
            format!("the file is larger than {} MiB", limits::MAX_INPUT >> 20),
        );
    }
    // A workbook is a zip archive: refuse one whose parts would expand beyond
    // the budget before anything is decompressed.
    match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(mut archive) => {
            let mut total = 0u64;
            for i in 0..archive.len() {
                match archive.by_index_raw(i) {
                    Ok(f) => total = total.saturating_add(f.size()),
                    Err(e) => return fail(None, 1, format!("expected an XLSX workbook: {e}")),
                }
            }
            if total > limits::MAX_UNZIPPED {
                return fail(
                    None,
                    1,
                    format!(
                        "the workbook expands to more than {} MiB",
                        limits::MAX_UNZIPPED >> 20
                    ),
                );
            }
        }
        Err(e) => return fail(None, 1, format!("expected an XLSX workbook: {e}")),
    }
    let mut wb: Xlsx<_> = match Xlsx::new(Cursor::new(bytes)) {
        Ok(w) => w,
        Err(e) => return fail(None, 1, format!("expected an XLSX workbook: {e}")),
    };
    let names = wb.sheet_names();
    if names.len() > limits::MAX_SECTIONS {
        return fail(
            None,
            1,
            format!("more than {} sheets", limits::MAX_SECTIONS),
        );
    }
    let mut book = Book::default();
    let mut total_rows = 0usize;
    for name in names {
        let range = match wb.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => return fail(Some(&name), 1, format!("expected a readable sheet: {e}")),
        };
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut section: Option<Section> = None;
        for (i, r) in range.rows().enumerate() {
            total_rows += 1;
            let row_no = row0 as usize + i + 1;
            if total_rows > limits::MAX_ROWS {
                return fail(
                    Some(&name),
                    row_no,
                    format!("more than {} rows", limits::MAX_ROWS),
                );
            }
            let mut cells: Vec<String> = vec![String::new(); col0 as usize];
            for (j, c) in r.iter().enumerate().take(limits::MAX_COLUMNS) {
                let text = text_of(c);
                if text.len() > limits::MAX_CELL {
                    return Err(vec![Problem::new(
                        at(Some(&name), row_no).col(letter(col0 as usize + j)),
                        format!("a cell longer than {} KiB", limits::MAX_CELL >> 10),
                    )]);
                }
                cells.push(text);
            }
            cells.truncate(limits::MAX_COLUMNS);
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            match section.as_mut() {
                None => {
                    section = Some(Section {
                        name: name.clone(),
                        at: at(Some(&name), row_no),
                        header: cells.iter().map(|c| c.trim().to_owned()).collect(),
                        rows: Vec::new(),
                    });
                }
                Some(s) => s.rows.push(Row {
                    at: at(Some(&name), row_no),
                    cells,
                }),
            }
        }
        if let Some(s) = section {
            book.sections.push(s);
        }
    }
    Ok(book)
}

/// A cell as text: numbers without a spurious `.0`, booleans as yes/no, dates as `YYYY-MM-DD`.
fn text_of(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        Data::DateTime(d) => excel_date(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel serial day number (1900 system) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> String {
    if !(1.0..3_000_000.0).contains(&serial) {
        return serial.to_string();
    }
    // Days since 1970-01-01; Excel's day 25569 is that date.
    touchstone_core::date::date(serial.floor() as i64 - 25569)
}

/// One sheet to write.
#[derive(Debug)]
pub struct Sheet<'a> {
    /// Sheet name (at most 31 characters).
    pub name: &'a str,
    /// Header cells.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

/// Write a workbook.
pub fn write(sheets: &[Sheet<'_>]) -> Result<Vec<u8>, String> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(s.name).map_err(|e| e.to_string())?;
        for (c, h) in s.header.iter().enumerate() {
            let c = u16::try_from(c).map_err(|e| e.to_string())?;
            ws.write_string_with_format(0, c, h, &bold)
                .map_err(|e| e.to_string())?;
            ws.set_column_width(c, if c == 0 { 16 } else { 40 })
                .map_err(|e| e.to_string())?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|e| e.to_string())?;
            for (c, v) in row.iter().enumerate() {
                let c = u16::try_from(c).map_err(|e| e.to_string())?;
                if !v.is_empty() {
                    ws.write_string_with_format(r, c, v, &wrap)
                        .map_err(|e| e.to_string())?;
                }
            }
        }
    }
    wb.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn excel_serials() {
        assert_eq!(super::excel_date(45_000.0), "2023-03-15");
        assert_eq!(super::excel_date(25_569.0), "1970-01-01");
    }
}
