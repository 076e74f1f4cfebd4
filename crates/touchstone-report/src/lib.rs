//! The versioned report model and its renderers.
//!
//! [`build`] turns an assessment into a [`Report`]; every output format is
//! rendered from that one model, so totals agree across formats:
//!
//! | format | function |
//! |---|---|
//! | terminal summary | [`terminal::render`] |
//! | JSON (`touchstone.report/v1`) | [`json::render`], schema [`json::schema`] |
//! | Markdown | [`markdown::render`] |
//! | self-contained HTML | [`html::render`] |
//! | SARIF 2.1.0 (code scanning) | [`sarif::render`] |
//! | JUnit XML (CI test summaries) | [`junit::render`] |
//! | PDF deliverable (cover, page x of y, sign-off, annexes, embedded attachments) | [`pdf::render`] |
//!
//! [`cyclonedx::render`] writes CycloneDX 1.5 SBOMs of firmware images.
//!
//! Renderers are pure functions from the model to text; the text formats
//! escape every piece of report text with the helper of their syntax in
//! [`escape`].

mod build;
pub mod cyclonedx;
pub mod escape;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod pdf;
pub mod sarif;
pub mod terminal;

pub use build::{Extras, ReportInputs, build, build_with};
pub use model::{REPORT_SCHEMA, Report};
