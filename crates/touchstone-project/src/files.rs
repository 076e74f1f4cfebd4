//! The project files as written on disk (TOML), with source spans.
//!
//! These are the serialization boundary: the JSON Schemas for editors are
//! generated from them ([`crate::schema`]). Validation turns them into the
//! plain [`crate::Project`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The schema identifier of `touchstone.toml`.
pub const PROJECT_SCHEMA: &str = "touchstone.project/v1";

/// `touchstone.toml`: the device and what holds for it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    /// Always `touchstone.project/v1`.
    #[schemars(with = "String")]
    pub schema: Spanned<String>,
    /// The EN 303 645 edition assessed against: `2.1.1` or `3.1.3`.
    #[schemars(with = "String")]
    pub standard: Spanned<String>,
    /// Identification of the device under test.
    pub device: Device,
    /// Which numbered conditions hold (`1 = true`). Every condition of the edition should be listed.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, bool>")]
    pub conditions: BTreeMap<Spanned<String>, bool>,
    /// Which lettered features are present (`a = true`, V3.1.3 only).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, bool>")]
    pub features: BTreeMap<Spanned<String>, bool>,
    /// Findings files (paths relative to the project) fed into every assessment.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub findings: Vec<Spanned<String>>,
}

/// Identification of the device under test (DUT).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// Manufacturer.
    pub maker: String,
    /// Model designation as marked on the device.
    pub model: String,
    /// Hardware version.
    pub hardware_version: String,
    /// Firmware version under assessment.
    pub firmware_version: String,
    /// One line saying what the product is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Public product page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_page: Option<String>,
}

/// The support column of the ICS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
pub enum Support {
    /// Supported.
    Y,
    /// Not supported.
    N,
    /// Not applicable (only for conditional provisions whose condition does not hold).
    #[serde(rename = "N/A", alias = "NA", alias = "n/a")]
    NA,
}

impl Support {
    /// As written in the ICS.
    pub fn as_str(self) -> &'static str {
        match self {
            Support::Y => "Y",
            Support::N => "N",
            Support::NA => "N/A",
        }
    }
}

/// One row of the ICS (`ics.toml`), keyed by provision id.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IcsRow {
    /// `Y`, `N` or `N/A`.
    #[schemars(with = "Support")]
    pub support: Spanned<Support>,
    /// Measures taken (Y), the reason (N) or the rationale (N/A).
    #[serde(default)]
    pub detail: String,
    /// IXIT entry ids that describe the implementation.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub ixit: Vec<Spanned<String>>,
}

/// `ics.toml`: one table per provision.
pub type IcsFile = BTreeMap<Spanned<String>, Spanned<IcsRow>>;

/// Schema-only view of `ics.toml`.
#[derive(Debug, JsonSchema)]
#[allow(dead_code)]
pub struct IcsFileSchema(BTreeMap<String, IcsRow>);

/// `ixit.toml`: IXIT tables by name; each holds an array of entries or one record.
pub type IxitFile = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// Schema-only view of `ixit.toml`.
#[derive(Debug, JsonSchema)]
#[allow(dead_code)]
pub struct IxitFileSchema(BTreeMap<String, IxitTableSchema>);

/// Schema-only view of one IXIT table: many entries or one record of text fields.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum IxitTableSchema {
    /// Entries with an `id`.
    Many(Vec<BTreeMap<String, String>>),
    /// A single record.
    Single(BTreeMap<String, String>),
}

/// `evidence.toml`: manual evidence records.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceFile {
    /// The records.
    #[serde(default, rename = "record")]
    #[schemars(with = "Vec<RecordRow>")]
    pub records: Vec<Spanned<RecordRow>>,
}

/// The verdict an assessor records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
pub enum RecordVerdict {
    /// Every criterion in scope holds.
    #[serde(rename = "PASS", alias = "pass")]
    Pass,
    /// A criterion in scope does not hold.
    #[serde(rename = "FAIL", alias = "fail")]
    Fail,
    /// The assessor could not decide yet.
    #[serde(rename = "INCONCLUSIVE", alias = "inconclusive")]
    Inconclusive,
}

impl RecordVerdict {
    /// As written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordVerdict::Pass => "PASS",
            RecordVerdict::Fail => "FAIL",
            RecordVerdict::Inconclusive => "INCONCLUSIVE",
        }
    }
}

/// One manual evidence record.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRow {
    /// Record id, unique in the project (for instance `EV-001`).
    pub id: String,
    /// The test case the record is about.
    #[schemars(with = "String")]
    pub test_case: Spanned<String>,
    /// Unit letters or ids the record covers; absent means the whole test case.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub units: Vec<Spanned<String>>,
    /// PASS, FAIL or INCONCLUSIVE.
    pub verdict: RecordVerdict,
    /// Who assessed.
    pub assessor: String,
    /// When (a TOML date, `2026-11-20`).
    #[schemars(with = "String")]
    pub date: Spanned<toml::value::Datetime>,
    /// What was done and observed.
    #[serde(default)]
    pub notes: String,
    /// Files supporting the record, hashed.
    #[serde(default, rename = "attachment")]
    #[schemars(with = "Vec<AttachmentRow>")]
    pub attachments: Vec<Spanned<AttachmentRow>>,
}

/// A file attached to a record.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRow {
    /// Path relative to the project directory.
    pub path: String,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: String,
    /// What the file shows.
    #[serde(default)]
    pub description: Option<String>,
}
