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
    /// The testing laboratory (for the deliverable report).
    #[serde(default)]
    pub lab: Option<LabFile>,
    /// Identification, scope and sign-off of the deliverable report.
    #[serde(default)]
    pub report: Option<ReportMetaFile>,
    /// The samples (units of the product) tested.
    #[serde(default, rename = "sample")]
    pub samples: Vec<SampleFile>,
    /// Inputs given to tools (firmware images, captures, findings files), by hash.
    #[serde(default, rename = "input")]
    pub inputs: Vec<InputFile>,
}

/// A date: a TOML local date (`2026-12-01`) or the same as a string (`"2026-12-01"`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum DateField {
    /// Written as a TOML date.
    Date(toml::value::Datetime),
    /// Written as a string.
    Text(String),
}

impl DateField {
    /// The date as `YYYY-MM-DD`, or `None` when it is not a plain calendar date.
    pub fn ymd(&self) -> Option<String> {
        let text = match self {
            DateField::Date(d) if d.date.is_some() && d.time.is_none() && d.offset.is_none() => {
                d.to_string()
            }
            DateField::Date(_) => return None,
            DateField::Text(t) => t.trim().to_owned(),
        };
        valid_ymd(&text).then_some(text)
    }

    /// As written, for messages.
    pub fn raw(&self) -> String {
        match self {
            DateField::Date(d) => d.to_string(),
            DateField::Text(t) => t.clone(),
        }
    }
}

/// Whether `s` is a calendar date `YYYY-MM-DD` (month 1-12, day valid for the month).
pub fn valid_ymd(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

fn date_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "format": "date",
        "description": "A date, YYYY-MM-DD: a TOML local date (2026-12-01) or the same in quotes."
    })
}

/// The testing laboratory.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LabFile {
    /// Name of the laboratory.
    pub name: String,
    /// Accreditation (body, number, standard), for instance `UKAS 0000 (ISO/IEC 17025:2017)`.
    #[serde(default)]
    pub accreditation: Option<String>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<String>,
}

/// A person signing the report, with the date.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// Name.
    pub name: String,
    /// Role or title, for instance `Technical reviewer`.
    #[serde(default)]
    pub role: Option<String>,
    /// When they signed.
    #[schemars(schema_with = "date_schema")]
    pub date: Spanned<DateField>,
}

/// Identification, scope and sign-off of the report.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportMetaFile {
    /// The report's identifier, for instance `LAB-2026-0142`.
    pub id: String,
    /// Revision of the report, for instance `1` or `1.1`.
    #[serde(default)]
    pub revision: Option<String>,
    /// The client (usually the manufacturer).
    #[serde(default)]
    pub client: Option<String>,
    /// First day of testing.
    #[serde(default)]
    #[schemars(schema_with = "opt_date_schema")]
    pub test_start: Option<Spanned<DateField>>,
    /// Last day of testing.
    #[serde(default)]
    #[schemars(schema_with = "opt_date_schema")]
    pub test_end: Option<Spanned<DateField>>,
    /// What the assessment covers.
    #[serde(default)]
    pub scope: Option<String>,
    /// Deviations from the test specification or the method, one per item.
    #[serde(default)]
    pub deviations: Vec<String>,
    /// Assessor per test case (`"5.1-1-1" = "R. Okafor"`); records name their own assessor too.
    #[serde(default)]
    pub assessors: std::collections::BTreeMap<String, String>,
    /// The technical reviewer.
    #[serde(default)]
    pub reviewer: Option<SignatureFile>,
    /// Who approves the report for release.
    #[serde(default)]
    pub approver: Option<SignatureFile>,
}

fn opt_date_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    date_schema(g)
}

/// One sample of the product.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleFile {
    /// Sample id used in the lab, for instance `S1`.
    pub id: String,
    /// Serial number.
    #[serde(default)]
    pub serial: Option<String>,
    /// Hardware version of this sample, if it differs from the device's.
    #[serde(default)]
    pub hardware_version: Option<String>,
    /// Firmware version on this sample, if it differs from the device's.
    #[serde(default)]
    pub firmware_version: Option<String>,
    /// Anything else (received on, condition).
    #[serde(default)]
    pub notes: Option<String>,
}

/// A tool input named by its hash.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputFile {
    /// File name (no directories), for instance `sp20-fw-2.4.1.bin`.
    pub name: String,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// `firmware`, `capture`, `findings`, `document` or another word.
    #[serde(default)]
    pub kind: Option<String>,
    /// Sample id it was taken from, if any.
    #[serde(default)]
    pub sample: Option<String>,
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
    #[serde(rename = "N/A")]
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
    /// `Y`, `N` or `N/A`; absent while the row is still to be answered.
    #[serde(default)]
    #[schemars(with = "Option<Support>")]
    pub support: Option<Spanned<Support>>,
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
    /// Date of that version (a TOML date `2026-11-20`, or the same as a string).
    #[serde(default)]
    #[schemars(schema_with = "opt_date_schema")]
    pub date: Option<Spanned<DateField>>,
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

/// Schema-only view of one IXIT table: many entries or one record of fields.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum IxitTableSchema {
    /// Entries with an `id` and an optional `title`.
    Many(Vec<BTreeMap<String, IxitValueSchema>>),
    /// A single record.
    Single(BTreeMap<String, IxitValueSchema>),
}

/// Schema-only view of an IXIT field value, as the loader reads it: text, a
/// yes/no (shown as `yes`/`no`), a number, or a list of those (joined with commas).
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum IxitValueSchema {
    /// Text (references: comma-separated ids, `N/A` or `None` with a note).
    Text(String),
    /// Yes or no.
    Flag(bool),
    /// A whole number.
    Number(i64),
    /// A list.
    List(Vec<IxitScalarSchema>),
}

/// Schema-only view of an item of an IXIT list.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum IxitScalarSchema {
    /// Text.
    Text(String),
    /// Yes or no.
    Flag(bool),
    /// A whole number.
    Number(i64),
}

/// `evidence.toml`: manual evidence records.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceFile {
    /// The records.
    #[serde(default, rename = "record")]
    #[schemars(with = "Vec<RecordRow>")]
    pub records: Vec<Spanned<RecordRow>>,
    /// The assessor's dispositions of automated findings.
    #[serde(default, rename = "disposition")]
    #[schemars(with = "Vec<DispositionRow>")]
    pub dispositions: Vec<Spanned<DispositionRow>>,
}

/// What an assessor decided about an automated finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// The finding is right: it counts as decisive evidence for the unit.
    Confirmed,
    /// The finding is wrong: it no longer counts.
    FalsePositive,
    /// The risk is accepted (waived) by an owner until an expiry date; then it counts again.
    AcceptedRisk,
}

impl Decision {
    /// As written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Confirmed => "confirmed",
            Decision::FalsePositive => "false-positive",
            Decision::AcceptedRisk => "accepted-risk",
        }
    }
}

/// One disposition: of one finding (by fingerprint) or of a whole check on a unit.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DispositionRow {
    /// Id, unique in the project (for instance `DSP-001`).
    pub id: String,
    /// The finding's fingerprint (`fp1:` and 32 hex digits, shown in every report); or use `check`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub finding: Option<Spanned<String>>,
    /// A check id: the disposition covers every finding of that check on `unit`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub check: Option<Spanned<String>>,
    /// A unit or test case id; required with `check`, optional with `finding` (all its units).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub unit: Option<Spanned<String>>,
    /// confirmed, false-positive or accepted-risk.
    pub decision: Decision,
    /// Why (required).
    pub reason: String,
    /// Who decided.
    pub assessor: String,
    /// When.
    #[schemars(schema_with = "date_schema")]
    pub date: Spanned<DateField>,
    /// Who owns an accepted risk (required for accepted-risk).
    #[serde(default)]
    pub owner: Option<String>,
    /// When an accepted risk lapses and the finding counts again (required for accepted-risk).
    #[serde(default)]
    #[schemars(schema_with = "opt_date_schema")]
    pub expires: Option<Spanned<DateField>>,
}

/// The verdict an assessor records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
pub enum RecordVerdict {
    /// Every criterion in scope holds.
    #[serde(rename = "PASS")]
    Pass,
    /// A criterion in scope does not hold.
    #[serde(rename = "FAIL")]
    Fail,
    /// The assessor could not decide yet.
    #[serde(rename = "INCONCLUSIVE")]
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
    #[schemars(schema_with = "date_schema")]
    pub date: Spanned<DateField>,
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
