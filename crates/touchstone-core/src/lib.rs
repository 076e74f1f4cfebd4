//! Domain types shared by every Touchstone crate.
//!
//! This crate does no IO. It defines the vocabulary the rest of the
//! workspace speaks: [`Severity`], the normative and tool verdicts
//! ([`Verdict`]), and [`Finding`], the interface through which automated
//! checks (built in or external) feed evidence into the verdict engine.

pub mod credentials;
pub mod date;
pub mod findings;
pub mod text;
pub mod verdict;

pub use findings::{
    Component, FINDINGS_SCHEMA, Finding, FindingSet, FindingsError, Location, Supports, Tool,
    findings_to_json, parse_findings, parse_findings_reader,
};
pub use verdict::{Severity, Verdict};
