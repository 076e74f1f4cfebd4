//! The PDF report: the deliverable a laboratory signs, made without a browser.
//!
//! Written with `pdf-writer` (a small, dependency-light PDF object writer)
//! and the standard Helvetica and Courier fonts, which every PDF reader has,
//! so nothing is embedded but the attachments. Layout is a simple flow of
//! wrapped lines on A4 pages: a cover page (laboratory, report id and
//! revision, device, test period, scope, deviations, samples, inputs by
//! SHA-256), the summary, every provision with its test cases and units,
//! findings, dispositions, records, fix advice, the signature block, and the
//! ICS and IXIT as annexes. Every page carries the report id and "Page x of
//! y". Attachments of the evidence records are embedded as PDF file
//! attachments (the document's `EmbeddedFiles`), named by their project path.
//!
//! Pure: the caller reads the attachments and passes their bytes.

use pdf_writer::types::AssociationKind;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use touchstone_core::Verdict;

use crate::awaiting;
use crate::model::{Counts, Report};

/// A file to embed, read by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfAttachment {
    /// Path relative to the project (the name shown in the reader).
    pub name: String,
    /// What it shows.
    pub description: Option<String>,
    /// The content.
    pub bytes: Vec<u8>,
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const TOP: f32 = PAGE_H - 60.0;
const BOTTOM: f32 = 60.0;
/// Most lines one report may have before the rest is cut (with a note): a budget.
const MAX_LINES: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
    Mono,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Mono => Name(b"F3"),
        }
    }
}

/// Advance widths of Helvetica for ASCII 32..=126, in 1/1000 em (the font's
/// published metrics).
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

fn char_width(c: char, font: Font, size: f32) -> f32 {
    let em = match font {
        Font::Mono => 600.0,
        _ => {
            let base = match c as u32 {
                32..=126 => f32::from(HELVETICA[(c as usize) - 32]),
                _ => 600.0,
            };
            // Bold glyphs are a little wider: stay on the safe side.
            if font == Font::Bold {
                base * 1.08
            } else {
                base
            }
        }
    };
    em * size / 1000.0
}

fn text_width(s: &str, font: Font, size: f32) -> f32 {
    s.chars().map(|c| char_width(c, font, size)).sum()
}

/// A character's byte in WinAnsiEncoding, the encoding of the standard
/// fonts here, when it has one.
fn ansi_byte(c: char) -> Option<u8> {
    Some(match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '…' => 0x85,
        '†' => 0x86,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '\t' | '\n' | '\r' => b' ',
        _ => return None,
    })
}

/// Text in WinAnsiEncoding; a character it lacks is shown as `?` (the
/// cover says how many, and the full report is attached as JSON).
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars().map(|c| ansi_byte(c).unwrap_or(b'?')).collect()
}

/// How many characters of the report the standard fonts cannot show.
fn unshowable(json: &str) -> usize {
    json.chars()
        .filter(|c| !c.is_control() && ansi_byte(*c).is_none())
        .count()
}

/// Name of the attached JSON report when some text cannot be shown.
pub const FULL_REPORT_NAME: &str = "touchstone-report.json";

/// Break text into lines no wider than `width`; words longer than a line are cut.
fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, font, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line: cut it.
            let mut piece = String::new();
            for c in word.chars() {
                if text_width(&piece, font, size) + char_width(c, font, size) > width
                    && !piece.is_empty()
                {
                    lines.push(std::mem::take(&mut piece));
                }
                piece.push(c);
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

enum Op {
    Text {
        x: f32,
        y: f32,
        font: Font,
        size: f32,
        text: String,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
    },
}

/// The flow of text onto pages.
struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
    lines: usize,
    cut: bool,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: TOP,
            lines: 0,
            cut: false,
        }
    }

    fn page_break(&mut self) {
        if self.pages.last().is_some_and(|p| !p.is_empty()) {
            self.pages.push(Vec::new());
        }
        self.y = TOP;
    }

    fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.page_break();
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(p) = self.pages.last_mut() {
            p.push(op);
        }
    }

    /// A wrapped paragraph at an indent.
    fn para(&mut self, text: &str, font: Font, size: f32, indent: f32) {
        if self.cut {
            return;
        }
        let width = PAGE_W - 2.0 * MARGIN - indent;
        for line in wrap(text, font, size, width) {
            self.lines += 1;
            if self.lines > MAX_LINES {
                self.cut = true;
                return;
            }
            let lead = size * 1.3;
            self.ensure(lead);
            self.y -= lead;
            self.push(Op::Text {
                x: MARGIN + indent,
                y: self.y,
                font,
                size,
                text: line,
            });
        }
    }

    fn gap(&mut self, h: f32) {
        self.y -= h;
    }

    fn heading(&mut self, text: &str, size: f32) {
        self.ensure(size * 4.0);
        self.gap(size * 0.6);
        self.para(text, Font::Bold, size, 0.0);
        if size >= 14.0 {
            self.rule();
        }
        self.gap(2.0);
    }

    /// `key: value` with the key in bold in a fixed column.
    fn field(&mut self, key: &str, value: &str) {
        let col = 130.0;
        let size = 10.0;
        let lines = wrap(value, Font::Regular, size, PAGE_W - 2.0 * MARGIN - col);
        let lead = size * 1.3;
        self.ensure(lead);
        self.y -= lead;
        self.push(Op::Text {
            x: MARGIN,
            y: self.y,
            font: Font::Bold,
            size,
            text: key.to_owned(),
        });
        for (i, line) in lines.into_iter().enumerate() {
            if i > 0 {
                self.ensure(lead);
                self.y -= lead;
            }
            self.lines += 1;
            self.push(Op::Text {
                x: MARGIN + col,
                y: self.y,
                font: Font::Regular,
                size,
                text: line,
            });
        }
    }

    /// A row of fixed-width columns (no wrapping: cells are cut to fit).
    fn row(&mut self, cells: &[(&str, f32)], font: Font, size: f32) {
        let lead = size * 1.35;
        self.ensure(lead);
        self.y -= lead;
        let mut x = MARGIN;
        for (text, w) in cells {
            let mut t = String::new();
            for c in text.chars() {
                if text_width(&t, font, size) + char_width(c, font, size) > w - 4.0 {
                    t.push('…');
                    break;
                }
                t.push(c);
            }
            self.push(Op::Text {
                x,
                y: self.y,
                font,
                size,
                text: t,
            });
            x += w;
        }
        self.lines += 1;
    }

    fn rule(&mut self) {
        self.ensure(6.0);
        self.y -= 4.0;
        self.push(Op::Rule {
            x1: MARGIN,
            x2: PAGE_W - MARGIN,
            y: self.y,
        });
    }

    fn signature(&mut self, role: &str, name: &str, date: &str) {
        self.ensure(70.0);
        self.gap(36.0);
        self.push(Op::Rule {
            x1: MARGIN,
            x2: MARGIN + 220.0,
            y: self.y,
        });
        self.push(Op::Rule {
            x1: MARGIN + 260.0,
            x2: MARGIN + 400.0,
            y: self.y,
        });
        self.y -= 12.0;
        self.push(Op::Text {
            x: MARGIN,
            y: self.y,
            font: Font::Bold,
            size: 9.0,
            text: format!("{role}: {name}"),
        });
        self.push(Op::Text {
            x: MARGIN + 260.0,
            y: self.y,
            font: Font::Regular,
            size: 9.0,
            text: format!("Date: {date}"),
        });
    }
}

fn opt(x: &Option<String>) -> &str {
    x.as_deref().unwrap_or("–")
}

fn counts_rows(l: &mut Layout, rows: &[(&str, &Counts)]) {
    let w = [120.0, 45.0, 45.0, 40.0, 55.0, 55.0, 60.0, 75.0];
    let head = [
        "",
        "PASS",
        "FAIL",
        "N/A",
        "not impl.",
        "pending",
        "score",
        "coverage",
    ];
    let cells: Vec<(&str, f32)> = head.iter().copied().zip(w).collect();
    l.row(&cells, Font::Bold, 9.0);
    for (label, c) in rows {
        let pct = |x: Option<f64>| x.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}%"));
        let values = [
            (*label).to_owned(),
            c.pass.to_string(),
            c.fail.to_string(),
            c.not_applicable.to_string(),
            c.not_implemented.to_string(),
            (c.not_run + c.needs_manual + c.inconclusive + c.error).to_string(),
            pct(c.score),
            pct(c.coverage),
        ];
        let cells: Vec<(&str, f32)> = values.iter().map(String::as_str).zip(w).collect();
        l.row(&cells, Font::Regular, 9.0);
    }
}

fn layout(report: &Report, attachments: &[PdfAttachment], lost: usize) -> Layout {
    let mut l = Layout::new();
    let d = &report.deliverable;
    let dev = &report.device;
    let s = &report.summary;

    // Cover page.
    l.para(opt(&d.lab_name), Font::Bold, 12.0, 0.0);
    if let Some(a) = &d.lab_accreditation {
        l.para(a, Font::Regular, 9.0, 0.0);
    }
    l.gap(60.0);
    l.para("Test report", Font::Bold, 24.0, 0.0);
    l.para(
        &format!(
            "{} conformity assessment of {} {}",
            report.standard.title, dev.maker, dev.model
        ),
        Font::Regular,
        13.0,
        0.0,
    );
    l.gap(24.0);
    l.field("Report", opt(&d.report_id));
    l.field("Revision", opt(&d.revision));
    l.field("Status", &d.status);
    l.field("Client", opt(&d.client));
    l.field(
        "Device under test",
        &format!(
            "{} {}, hardware {}, firmware {}",
            dev.maker, dev.model, dev.hardware_version, dev.firmware_version
        ),
    );
    l.field("Standard", &report.standard.title);
    l.field("Test specification", &report.standard.test_specification);
    l.field(
        "Test period",
        &format!("{} to {}", opt(&d.test_start), opt(&d.test_end)),
    );
    l.field("Scope", opt(&d.scope));
    l.field(
        "Deviations",
        &if d.deviations.is_empty() {
            "none".to_owned()
        } else {
            d.deviations.join("; ")
        },
    );
    l.field("Result", &format!("{}: {}", s.conclusion, s.explanation));
    l.field("Issued", &report.generated_at);
    if lost > 0 {
        l.field(
            "Text",
            &format!(
                "{lost} character(s) outside the fonts of this PDF are shown as ?; the complete text is in the attached {FULL_REPORT_NAME} and the HTML report"
            ),
        );
    }
    if !d.samples.is_empty() {
        l.heading("Samples", 11.0);
        for x in &d.samples {
            l.para(
                &format!(
                    "{}: serial {}{}{}{}",
                    x.id,
                    opt(&x.serial),
                    x.hardware_version
                        .as_deref()
                        .map(|h| format!(", hardware {h}"))
                        .unwrap_or_default(),
                    x.firmware_version
                        .as_deref()
                        .map(|h| format!(", firmware {h}"))
                        .unwrap_or_default(),
                    x.notes
                        .as_deref()
                        .map(|h| format!(" ({h})"))
                        .unwrap_or_default()
                ),
                Font::Regular,
                9.0,
                0.0,
            );
        }
    }
    if !d.inputs.is_empty() {
        l.heading("Firmware images and tool inputs (SHA-256)", 11.0);
        for x in &d.inputs {
            l.para(
                &format!(
                    "{} ({}{}; {})",
                    x.name,
                    opt(&x.kind),
                    x.sample
                        .as_deref()
                        .map(|s| format!(", sample {s}"))
                        .unwrap_or_default(),
                    x.status
                ),
                Font::Regular,
                9.0,
                0.0,
            );
            l.para(&x.sha256, Font::Mono, 8.0, 12.0);
        }
    }
    l.page_break();

    // Summary.
    l.heading("Summary", 14.0);
    l.para(
        &format!("{}: {}.", s.conclusion, s.explanation),
        Font::Bold,
        10.0,
        0.0,
    );
    l.gap(4.0);
    counts_rows(
        &mut l,
        &[
            ("Provisions", &s.provisions),
            ("Mandatory", &s.mandatory),
            ("Recommendations", &s.recommendations),
            ("Test cases", &s.test_cases),
        ],
    );
    let t = &s.test_cases;
    if t.proposed_pass + t.proposed_fail > 0 {
        l.gap(2.0);
        l.para(
            &format!(
                "Proposed verdicts (not counted above): {} proposed PASS, {} proposed FAIL among the test cases without a verdict; coverage counting them {} (without them {}).",
                t.proposed_pass,
                t.proposed_fail,
                t.coverage_with_proposed
                    .map_or_else(|| "–".to_owned(), |v| format!("{v:.1}%")),
                t.coverage.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}%"))
            ),
            Font::Regular,
            8.5,
            0.0,
        );
    }
    l.gap(4.0);
    l.para(&s.disclaimer, Font::Regular, 8.0, 0.0);
    if !report.unsettled.is_empty() {
        l.para(
            &format!(
                "Unsettled contradictions (a manual PASS against a decisive FAIL, no disposition): {}.",
                report.unsettled.join(", ")
            ),
            Font::Bold,
            9.0,
            0.0,
        );
    }

    // Provisions, cases, units.
    l.heading("Results per provision", 14.0);
    for p in &report.provisions {
        l.ensure(40.0);
        l.gap(4.0);
        l.para(
            &format!(
                "{} {} [{}] — {}{}",
                p.id,
                p.title,
                p.status,
                p.label,
                p.severity.map(|x| format!(" ({x})")).unwrap_or_default()
            ),
            Font::Bold,
            10.0,
            0.0,
        );
        l.para(
            &format!(
                "ICS {}{}. {}",
                p.support.as_deref().unwrap_or("–"),
                if p.detail.is_empty() {
                    String::new()
                } else {
                    format!(": {}", p.detail)
                },
                p.reason
            ),
            Font::Regular,
            8.5,
            10.0,
        );
        for c in &p.test_cases {
            if matches!(c.verdict, Verdict::NotApplicable | Verdict::NotImplemented)
                && p.test_cases.len() > 1
            {
                continue;
            }
            l.para(
                &format!(
                    "{} ({}) — {}{}: {}{}",
                    c.id,
                    c.kind,
                    c.verdict.label(),
                    if c.unsettled { ", unsettled" } else { "" },
                    c.reason,
                    if c.assessors.is_empty() {
                        String::new()
                    } else {
                        format!(" Assessor: {}.", c.assessors.join(", "))
                    }
                ),
                Font::Regular,
                8.5,
                20.0,
            );
            for u in &c.units {
                let mut ev: Vec<String> = u.records.clone();
                for a in &u.applied {
                    ev.push(match &a.disposition {
                        Some(d) => format!("{} {} → {} ({d})", a.finding, a.weight, a.effect),
                        None => format!("{} {}", a.finding, a.weight),
                    });
                }
                if ev.is_empty() && u.verdict == c.verdict {
                    continue;
                }
                l.para(
                    &format!(
                        "{}: {}{}",
                        u.id,
                        u.verdict.label(),
                        if ev.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", ev.join("; "))
                        }
                    ),
                    Font::Regular,
                    8.0,
                    34.0,
                );
            }
            if let Some(x) = &c.proposed {
                l.para(
                    &format!(
                        "{} ({}): {}.{}",
                        x.label,
                        awaiting::PROPOSED_NOTE,
                        x.rationale,
                        if x.sources.is_empty() {
                            String::new()
                        } else {
                            format!(" Sources: {}.", x.sources.join(", "))
                        }
                    ),
                    Font::Regular,
                    8.0,
                    34.0,
                );
            }
            if awaiting::has_work(c) {
                for (letter, note) in awaiting::unit_notes(c) {
                    l.para(&format!("{letter}: {note}"), Font::Regular, 8.0, 34.0);
                }
                for (letters, list) in awaiting::checklists(c) {
                    l.para(
                        &format!("Checklist for {}:", awaiting::units_label(&letters)),
                        Font::Bold,
                        8.0,
                        34.0,
                    );
                    for (i, item) in list.iter().enumerate() {
                        l.para(&format!("{}. {item}", i + 1), Font::Regular, 8.0, 44.0);
                    }
                }
            }
        }
    }

    if !report.findings.is_empty() {
        l.heading("Findings", 14.0);
        for f in &report.findings {
            l.para(
                &format!(
                    "{} {} — {} / supports {} — {}",
                    f.id, f.check, f.severity, f.supports, f.message
                ),
                Font::Bold,
                8.5,
                0.0,
            );
            let mut bears = f.provisions.clone();
            bears.extend(f.test_units.iter().cloned());
            l.para(
                &format!(
                    "Bears on {}. Location: {}. From {}.",
                    bears.join(", "),
                    f.location
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| "–".to_owned()),
                    f.source
                ),
                Font::Regular,
                8.0,
                10.0,
            );
            if let Some(e) = &f.evidence {
                l.para(e, Font::Mono, 7.5, 10.0);
            }
            l.para(&f.fingerprint, Font::Mono, 7.5, 10.0);
        }
    }

    if !report.dispositions.is_empty() {
        l.heading("Dispositions of findings", 14.0);
        for x in &report.dispositions {
            l.para(
                &format!(
                    "{} — {} on {} {}{} ({}): {}",
                    x.id,
                    x.decision,
                    x.target_kind,
                    x.target,
                    x.unit
                        .as_deref()
                        .map(|u| format!(", unit {u}"))
                        .unwrap_or_default(),
                    x.status,
                    x.findings.join(", ")
                ),
                Font::Bold,
                8.5,
                0.0,
            );
            l.para(
                &format!(
                    "Reason: {} — {}, {}{}",
                    x.reason,
                    x.assessor,
                    x.date,
                    match (&x.owner, &x.expires) {
                        (None, None) => String::new(),
                        (o, e) => format!("; risk owner {}, expires {}", opt(o), opt(e)),
                    }
                ),
                Font::Regular,
                8.5,
                10.0,
            );
        }
    }

    if !report.records.is_empty() {
        l.heading("Manual evidence records", 14.0);
        for r in &report.records {
            l.para(
                &format!(
                    "{} — {} {} — {} — {}, {}",
                    r.id,
                    r.test_case,
                    if r.units.is_empty() {
                        "(all units)".to_owned()
                    } else {
                        r.units.join(", ")
                    },
                    r.verdict,
                    r.assessor,
                    r.date
                ),
                Font::Bold,
                8.5,
                0.0,
            );
            l.para(&r.notes, Font::Regular, 8.5, 10.0);
            for a in &r.attachments {
                let embedded = attachments.iter().any(|x| x.name == a.path);
                l.para(
                    &format!(
                        "Attachment {}{}: SHA-256 {}",
                        a.path,
                        if embedded {
                            " (embedded in this PDF)"
                        } else {
                            " (not embedded)"
                        },
                        a.sha256
                    ),
                    Font::Regular,
                    8.0,
                    10.0,
                );
            }
        }
    }

    let failing: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.supports == "fail")
        .map(|f| f.check.as_str())
        .collect();
    let advice: Vec<_> = report
        .advice
        .iter()
        .filter(|a| failing.contains(&a.check.as_str()))
        .collect();
    if !advice.is_empty() {
        l.heading("How to fix", 14.0);
        for a in advice {
            l.para(&format!("{} — {}", a.check, a.title), Font::Bold, 9.0, 0.0);
            for (k, v) in [("What", &a.what), ("Why", &a.why), ("Fix", &a.fix)] {
                if !v.is_empty() {
                    l.para(&format!("{k}: {v}"), Font::Regular, 8.5, 10.0);
                }
            }
        }
    }

    if !report.warnings.is_empty() || !report.notes.is_empty() {
        l.heading("Warnings and notes", 14.0);
        for w in report.warnings.iter().chain(report.notes.iter()) {
            l.para(&format!("• {w}"), Font::Regular, 8.0, 0.0);
        }
    }

    // Signature block.
    l.heading("Sign-off", 14.0);
    for a in &d.assessors {
        l.para(
            &format!("Assessor {}: {}", a.name, a.test_cases.join(", ")),
            Font::Regular,
            8.5,
            0.0,
        );
    }
    for (role, sig) in [
        ("Technical reviewer", &d.reviewer),
        ("Approved for release", &d.approver),
    ] {
        match sig {
            Some(x) => l.signature(x.role.as_deref().unwrap_or(role), &x.name, &x.date),
            None => l.signature(role, "(not signed)", ""),
        }
    }

    // Annexes.
    l.page_break();
    l.heading("Annex A: Implementation Conformance Statement (ICS)", 14.0);
    for r in &report.ics {
        l.para(
            &format!(
                "{} [{}] {}{}{}",
                r.provision,
                r.status,
                r.support.as_deref().unwrap_or("unanswered"),
                if r.detail.is_empty() {
                    String::new()
                } else {
                    format!(": {}", r.detail)
                },
                if r.ixit.is_empty() {
                    String::new()
                } else {
                    format!(" (IXIT {})", r.ixit.join(", "))
                }
            ),
            Font::Regular,
            8.0,
            0.0,
        );
    }
    l.page_break();
    l.heading(
        "Annex B: Implementation eXtra Information for Testing (IXIT)",
        14.0,
    );
    for e in &report.ixit {
        l.para(
            &format!("{} {}", e.table, e.id.as_deref().unwrap_or("")),
            Font::Bold,
            8.5,
            0.0,
        );
        for (k, v) in &e.fields {
            l.para(&format!("{k}: {v}"), Font::Regular, 8.0, 10.0);
        }
    }
    if l.cut {
        l.cut = false;
        l.lines = 0;
        l.para(
            "The report was cut here: it exceeds the line budget of the PDF writer. The JSON and HTML reports are complete.",
            Font::Bold,
            10.0,
            0.0,
        );
    }
    l
}

/// Render the report as a PDF, embedding the given attachments.
pub fn render(report: &Report, attachments: &[PdfAttachment]) -> Vec<u8> {
    // Text the standard fonts cannot show (names in other scripts) is never
    // lost silently: the cover says how much, and the full report travels
    // inside the PDF as JSON.
    let json = crate::json::render(report);
    let lost = unshowable(&json);
    let owned: Vec<PdfAttachment>;
    let attachments = if lost > 0 {
        let mut all = attachments.to_vec();
        all.push(PdfAttachment {
            name: FULL_REPORT_NAME.into(),
            description: Some(format!(
                "The full report (UTF-8 JSON): {lost} character(s) outside the PDF's fonts are shown as ? in the pages"
            )),
            bytes: json.into_bytes(),
        });
        owned = all;
        owned.as_slice()
    } else {
        attachments
    };
    let l = layout(report, attachments, lost);
    let total = l.pages.len();
    let mut alloc = Ref::new(1);
    let catalog_id = alloc.bump();
    let tree_id = alloc.bump();
    let info_id = alloc.bump();
    let fonts = [alloc.bump(), alloc.bump(), alloc.bump()];
    let page_ids: Vec<(Ref, Ref)> = (0..total).map(|_| (alloc.bump(), alloc.bump())).collect();
    let files: Vec<(Ref, Ref)> = attachments
        .iter()
        .map(|_| (alloc.bump(), alloc.bump()))
        .collect();

    let mut pdf = Pdf::new();
    {
        let mut cat = pdf.catalog(catalog_id);
        cat.pages(tree_id);
        if !attachments.is_empty() {
            let mut names = cat.names();
            let mut tree = names.embedded_files();
            let mut entries = tree.names();
            // Name trees are sorted by key.
            let mut order: Vec<usize> = (0..attachments.len()).collect();
            order.sort_by(|a, b| attachments[*a].name.cmp(&attachments[*b].name));
            for i in order {
                entries.insert(Str(attachments[i].name.as_bytes()), files[i].0);
            }
        }
    }
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|p| p.0))
        .count(total as i32);
    let rid = report.deliverable.report_id.as_deref().unwrap_or("draft");
    {
        let title = format!(
            "Test report {rid}: {} {}",
            report.device.maker, report.device.model
        );
        let mut info = pdf.document_info(info_id);
        info.title(TextStr(&title));
        info.producer(TextStr(&format!("touchstone {}", report.tool.version)));
        if let Some(lab) = &report.deliverable.lab_name {
            info.author(TextStr(lab));
        }
    }
    for (id, base) in fonts
        .iter()
        .zip([b"Helvetica".as_slice(), b"Helvetica-Bold", b"Courier"])
    {
        pdf.type1_font(*id)
            .base_font(Name(base))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let header = format!(
        "{rid} rev. {} — {} {}",
        report.deliverable.revision.as_deref().unwrap_or("-"),
        report.device.maker,
        report.device.model
    );
    for (n, ops) in l.pages.iter().enumerate() {
        let (page_id, content_id) = page_ids[n];
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree_id)
            .contents(content_id);
        {
            let mut res = page.resources();
            let mut f = res.fonts();
            f.pair(Font::Regular.name(), fonts[0]);
            f.pair(Font::Bold.name(), fonts[1]);
            f.pair(Font::Mono.name(), fonts[2]);
        }
        page.finish();
        let mut c = Content::new();
        let text = |c: &mut Content, x: f32, y: f32, font: Font, size: f32, s: &str| {
            c.begin_text();
            c.set_font(font.name(), size);
            c.next_line(x, y);
            c.show(Str(&win_ansi(s)));
            c.end_text();
        };
        if n > 0 {
            text(&mut c, MARGIN, PAGE_H - 35.0, Font::Regular, 8.0, &header);
        }
        let footer = format!("Page {} of {total}", n + 1);
        let fw = text_width(&footer, Font::Regular, 8.0);
        text(
            &mut c,
            PAGE_W - MARGIN - fw,
            30.0,
            Font::Regular,
            8.0,
            &footer,
        );
        text(&mut c, MARGIN, 30.0, Font::Regular, 8.0, rid);
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    font,
                    size,
                    text: s,
                } => text(&mut c, *x, *y, *font, *size, s),
                Op::Rule { x1, x2, y } => {
                    c.set_line_width(0.6);
                    c.move_to(*x1, *y);
                    c.line_to(*x2, *y);
                    c.stroke();
                }
            }
        }
        pdf.stream(content_id, &c.finish());
    }
    for (a, (spec_id, file_id)) in attachments.iter().zip(&files) {
        {
            let mut spec = pdf.file_spec(*spec_id);
            spec.path(Str(a.name.as_bytes()));
            spec.unic_file(TextStr(&a.name));
            spec.embedded_file_with_unicode(*file_id);
            spec.association_kind(AssociationKind::Supplement);
            if let Some(d) = &a.description {
                spec.description(TextStr(d));
            }
        }
        let mut ef = pdf.embedded_file(*file_id, &a.bytes);
        ef.subtype(Name(b"application/octet-stream"));
        ef.params()
            .size(i32::try_from(a.bytes.len()).unwrap_or(i32::MAX));
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_lines_inside_the_width() {
        let text = "a ".repeat(400) + &"x".repeat(300);
        for line in wrap(&text, Font::Regular, 10.0, 200.0) {
            assert!(
                text_width(&line, Font::Regular, 10.0) <= 200.0 + 0.01,
                "{line}"
            );
        }
    }

    #[test]
    fn text_outside_win_ansi_becomes_a_question_mark() {
        assert_eq!(win_ansi("a–é✓\u{1b}"), b"a\x96\xe9??");
    }
}
