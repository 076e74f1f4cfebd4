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
//! [`cyclonedx::render`] writes CycloneDX 1.6 (or 1.5) SBOMs of firmware
//! images and [`spdx::render`] SPDX 2.3; [`vex`] derives VEX statements from
//! evidence, written by [`cyclonedx::render_vex`] and [`openvex::render`].
//! [`oscal`] writes the catalogue as an OSCAL catalog and an assessment as
//! OSCAL assessment-results.
//! [`diff`] compares two findings files or reports (`touchstone diff`,
//! `--baseline`, over [`snapshot::Snapshot`]); [`gate`] decides CI exit codes.
//!
//! A proposed verdict (`CaseRow::proposed`, `UnitRow::proposed`) is shown
//! as proposed in every format and never as PASS or FAIL: tallies, scores,
//! coverage and gates count only normative verdicts, JUnit skips the case,
//! SARIF reports a proposed FAIL as a note to review, OSCAL records it on
//! the observation only. Every text format also shows what waits for a
//! person: IXIT gaps and the checklists of open units.
//!
//! Renderers are pure functions from the model to text; the text formats
//! escape every piece of report text with the helper of their syntax in
//! [`escape`].

mod awaiting;
mod build;
pub mod cyclonedx;
pub mod diff;
pub mod escape;
pub mod gate;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod openvex;
pub mod oscal;
pub mod pdf;
pub mod regulatory;
pub mod sarif;
pub mod snapshot;
pub mod spdx;
pub mod terminal;
pub mod vex;

pub use build::{Extras, ReportInputs, build, build_with};
pub use model::{REPORT_SCHEMA, Report};
