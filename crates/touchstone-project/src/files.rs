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
    /// The status the maker wrote in the pro-forma (`M`, `R C (12)`, `M F (m)`);
    /// compared with the catalogue, a mismatch is a warning.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub status: Option<Spanned<String>>,
    /// Measures taken (Y), the reason (N) or the rationale (N/A).
    #[serde(default)]
    pub detail: String,
    /// What describes the implementation in the IXIT: entry ids (`AuthMech-1`),
    /// whole tables (`1-AuthMech`) or fields of single-record tables
    /// (`2-UserInfo.support_period`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub ixit: Vec<Spanned<String>>,
    /// Supporting documents the maker cites (titles, sections, URLs).
    #[serde(default)]
    pub documents: Vec<String>,
    /// Files supporting the answer, hashed like evidence attachments.
    #[serde(default, rename = "attachment")]
    #[schemars(with = "Vec<AttachmentRow>")]
    pub attachments: Vec<Spanned<AttachmentRow>>,
}

/// Where an ICS stands in the maker's document workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum IcsState {
    /// Being written.
    Draft,
    /// Submitted for review.
    Review,
    /// Released by the maker.
    #[serde(alias = "released", alias = "approved")]
    Final,
}

impl IcsState {
    /// As written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            IcsState::Draft => "draft",
            IcsState::Review => "review",
            IcsState::Final => "final",
        }
    }
}

/// `[metadata]` of `ics.toml`: which document this ICS is.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IcsMetadata {
    /// The TS 103 701 edition whose pro-forma the maker filled in (`1.1.1`, `V2.1.1`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub ts_edition: Option<Spanned<String>>,
    /// The maker's version of the ICS document.
    #[serde(default)]
    pub version: Option<String>,
    /// Date of that version (a TOML date, `2026-11-20`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub date: Option<Spanned<toml::value::Datetime>>,
    /// `draft`, `review` or `final`.
    #[serde(default)]
    pub state: Option<IcsState>,
    /// The manufacturer who declares.
    #[serde(default)]
    pub maker: Option<String>,
    /// The supplier who filled in the pro-forma, when not the maker.
    #[serde(default)]
    pub supplier: Option<String>,
}

/// `ics.toml`: `[metadata]`, `[conditions]` and `[features]` rationales and
/// one table per provision.
#[derive(Debug, Clone, Default)]
pub struct IcsFile {
    /// The document's metadata.
    pub metadata: Option<Spanned<IcsMetadata>>,
    /// Why each numbered condition holds or not, by number.
    pub conditions: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Why each lettered feature is present or not, by letter.
    pub features: BTreeMap<Spanned<String>, Spanned<String>>,
    /// The rows by provision id.
    pub rows: BTreeMap<Spanned<String>, Spanned<IcsRow>>,
}

/// The keys of `ics.toml` that are not provision ids.
pub const ICS_RESERVED: [&str; 3] = ["metadata", "conditions", "features"];

impl<'de> Deserialize<'de> for IcsFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = IcsFile;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table of ICS rows keyed by provision id")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<IcsFile, A::Error> {
                let mut file = IcsFile::default();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    match key.get_ref().as_str() {
                        "metadata" => file.metadata = Some(map.next_value()?),
                        "conditions" => file.conditions = map.next_value()?,
                        "features" => file.features = map.next_value()?,
                        _ => {
                            let row = map.next_value()?;
                            file.rows.insert(key, row);
                        }
                    }
                }
                Ok(file)
            }
        }
        d.deserialize_map(V)
    }
}

/// Schema-only view of `ics.toml`.
#[derive(Debug, JsonSchema)]
#[allow(dead_code)]
pub struct IcsFileSchema {
    /// The document's metadata.
    metadata: Option<IcsMetadata>,
    /// Why each numbered condition holds or not (`1 = "..."`).
    conditions: Option<BTreeMap<String, String>>,
    /// Why each lettered feature is present or not (`g = "..."`).
    features: Option<BTreeMap<String, String>>,
    /// One table per provision id.
    #[serde(flatten)]
    rows: BTreeMap<String, IcsRow>,
}

/// `ixit.toml`: IXIT tables by name; each holds an array of entries or one
/// record. The key `notes` holds table-level notes by table name.
pub type IxitFile = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// The key of `ixit.toml` that holds table-level notes.
pub const IXIT_NOTES: &str = "notes";

/// Schema-only view of `ixit.toml`.
#[derive(Debug, JsonSchema)]
#[allow(dead_code)]
pub struct IxitFileSchema {
    /// Notes on whole tables, by table name (`"1-AuthMech" = "..."`).
    notes: Option<BTreeMap<String, String>>,
    /// The tables by name.
    #[serde(flatten)]
    tables: BTreeMap<String, IxitTableSchema>,
}

/// Schema-only view of one IXIT table: many entries or one record.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum IxitTableSchema {
    /// Entries with an `id` and an optional `title`.
    Many(Vec<BTreeMap<String, IxitValueSchema>>),
    /// A single record.
    Single(BTreeMap<String, IxitValueSchema>),
}

/// Schema-only view of a field value: text, a yes/no boolean, a number or a list.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum IxitValueSchema {
    /// Text (references: comma-separated ids, `N/A` or `None` with a note).
    Text(String),
    /// Yes or no.
    Bool(bool),
    /// A number.
    Number(i64),
    /// Several values (references).
    List(Vec<String>),
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
