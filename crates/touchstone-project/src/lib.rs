//! Assessment projects on disk.
//!
//! A project is a directory meant to live in git and be reviewed like code:
//!
//! | file | content |
//! |---|---|
//! | `touchstone.toml` | device identification, edition, conditions and features that hold, findings files |
//! | `ics.toml` | the ICS: Support `Y`/`N`/`N/A` and a detail for every provision |
//! | `ixit.toml` | IXIT entries per table |
//! | `evidence.toml` | manual evidence records with hashed attachments |
//!
//! [`parse`] is pure: it validates texts against the catalogue and returns
//! the [`Project`] plus [`Diagnostic`]s with file, line and column.
//! [`load`] reads a directory and hashes attachments; with [`safe_fs`]
//! (regular files only, size limits, links kept inside the project, atomic
//! writes) it is the only IO here.
//! [`scaffold`] writes the template files `touchstone init` creates.

pub mod declared;
mod diag;
pub mod files;
mod fs;
pub mod safe_fs;
pub mod scaffold;
pub mod schema;
mod validate;

use std::collections::BTreeMap;

use serde::Serialize;
use touchstone_catalog::{Catalog, Edition, Provision};

pub use declared::{FieldValue, IcsMeta, IxitRef, Rationales, RefItem};
pub use diag::{Diagnostic, IO_CODE, Level};
pub use files::{Decision, Device, PROJECT_SCHEMA, RecordVerdict, Support, valid_ymd};
pub use fs::{hash_file, load};
pub use safe_fs::write_atomically;
pub use validate::{AttachmentHasher, Sources, parse};

/// File names inside a project directory.
pub const PROJECT_FILE: &str = "touchstone.toml";
/// The ICS file.
pub const ICS_FILE: &str = "ics.toml";
/// The IXIT file.
pub const IXIT_FILE: &str = "ixit.toml";
/// The manual evidence file.
pub const EVIDENCE_FILE: &str = "evidence.toml";

/// A validated assessment project.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// The edition assessed against.
    pub edition: Edition,
    /// The device under test.
    pub device: Device,
    /// Numbered conditions and whether they hold.
    pub conditions: BTreeMap<u32, bool>,
    /// Lettered features and whether they are present.
    pub features: BTreeMap<String, bool>,
    /// ICS answers by provision id.
    pub ics: BTreeMap<String, IcsAnswer>,
    /// IXIT entries.
    pub ixit: Vec<IxitEntry>,
    /// Manual evidence records.
    pub records: Vec<Record>,
    /// Findings files named by the project, relative to it.
    pub findings_files: Vec<String>,
    /// The assessor's dispositions of automated findings.
    pub dispositions: Vec<Disposition>,
    /// Laboratory, report identification, samples and sign-off.
    pub deliverable: Deliverable,
    /// The ICS document's metadata (`[metadata]` of `ics.toml`).
    pub ics_meta: IcsMeta,
    /// The maker's rationales for conditions and features (`ics.toml`).
    pub rationales: Rationales,
    /// Notes on whole IXIT tables, by table name.
    pub ixit_notes: BTreeMap<String, String>,
}

/// What a disposition is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum DispositionTarget {
    /// One finding, by its fingerprint (`Finding::fingerprint`).
    Finding(String),
    /// Every finding of a check (on `unit`).
    Check(String),
}

/// An assessor's decision about automated findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disposition {
    /// Id, unique in the project.
    pub id: String,
    /// The finding or check.
    pub target: DispositionTarget,
    /// Unit or test case id it is limited to (`None`: every unit the finding applies to).
    pub unit: Option<String>,
    /// Confirmed, false positive or accepted risk.
    pub decision: Decision,
    /// Why.
    pub reason: String,
    /// Who decided.
    pub assessor: String,
    /// When (`YYYY-MM-DD`).
    pub date: String,
    /// Owner of an accepted risk.
    pub owner: Option<String>,
    /// Expiry of an accepted risk (`YYYY-MM-DD`).
    pub expires: Option<String>,
}

/// A signature of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    /// Name.
    pub name: String,
    /// Role.
    pub role: Option<String>,
    /// Date (`YYYY-MM-DD`).
    pub date: String,
}

/// A sample of the product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// Lab sample id.
    pub id: String,
    /// Serial number.
    pub serial: Option<String>,
    /// Hardware version, when it differs from the device's.
    pub hardware_version: Option<String>,
    /// Firmware version, when it differs from the device's.
    pub firmware_version: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// A tool input named by hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Input {
    /// File name.
    pub name: String,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Kind (`firmware`, `findings`, ...).
    pub kind: Option<String>,
    /// Sample it came from.
    pub sample: Option<String>,
}

/// What a lab needs to issue the report as a deliverable (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Deliverable {
    /// Laboratory name.
    pub lab_name: Option<String>,
    /// Accreditation.
    pub lab_accreditation: Option<String>,
    /// Laboratory address.
    pub lab_address: Option<String>,
    /// Report id.
    pub report_id: Option<String>,
    /// Report revision.
    pub revision: Option<String>,
    /// Client.
    pub client: Option<String>,
    /// First day of testing (`YYYY-MM-DD`).
    pub test_start: Option<String>,
    /// Last day of testing.
    pub test_end: Option<String>,
    /// Scope.
    pub scope: Option<String>,
    /// Deviations.
    pub deviations: Vec<String>,
    /// Assessor per test case.
    pub assessors: BTreeMap<String, String>,
    /// Technical reviewer.
    pub reviewer: Option<Signature>,
    /// Approver.
    pub approver: Option<Signature>,
    /// Samples.
    pub samples: Vec<Sample>,
    /// Declared tool inputs.
    pub inputs: Vec<Input>,
}

/// One ICS answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IcsAnswer {
    /// Y, N or N/A.
    pub support: Support,
    /// Measures, reason or rationale.
    pub detail: String,
    /// The IXIT references as written (ids cleaned of backticks and whitespace).
    pub ixit: Vec<String>,
    /// The same references, resolved: entries, whole tables, fields.
    pub references: Vec<IxitRef>,
    /// The status the maker claims, as written.
    pub claimed_status: Option<String>,
    /// Supporting documents the maker cites.
    pub documents: Vec<String>,
    /// Supporting files.
    pub attachments: Vec<Attachment>,
}

/// One IXIT entry (or the single record of a single-record table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IxitEntry {
    /// The table's name in the project's TS edition.
    pub table: String,
    /// Entry id (absent for single-record tables).
    pub id: Option<String>,
    /// The entry's title, when the maker gave one.
    pub title: Option<String>,
    /// Standard field values by key, as text.
    pub fields: BTreeMap<String, String>,
    /// The same fields read by their type (yes/no, choice, date, references, text).
    pub values: BTreeMap<String, FieldValue>,
    /// Fields the standard does not define, kept as written (key as written).
    pub extensions: BTreeMap<String, String>,
}

/// One manual evidence record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Record id.
    pub id: String,
    /// Test case id.
    pub test_case: String,
    /// Unit ids covered; empty means the whole test case.
    pub units: Vec<String>,
    /// The assessor's verdict.
    pub verdict: RecordVerdict,
    /// Who assessed.
    pub assessor: String,
    /// When (`YYYY-MM-DD`).
    pub date: String,
    /// What was done and observed.
    pub notes: String,
    /// Supporting files.
    pub attachments: Vec<Attachment>,
}

/// A file attached to a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// Path relative to the project.
    pub path: String,
    /// SHA-256 recorded in the project (verified on load).
    pub sha256: String,
    /// What it shows.
    pub description: Option<String>,
}

/// The conditions and features of a provision declared not to hold, as
/// `condition 3` / `feature g`; undeclared ones count as holding.
pub(crate) fn unmet(
    provision: &Provision,
    conditions: &BTreeMap<u32, bool>,
    features: &BTreeMap<String, bool>,
) -> Vec<String> {
    let conditions = provision
        .conditions
        .iter()
        .filter(|c| conditions.get(c) == Some(&false))
        .map(|c| format!("condition {c}"));
    let features = provision
        .features
        .iter()
        .filter(|f| features.get(*f) == Some(&false))
        .map(|f| format!("feature {f}"));
    conditions.chain(features).collect()
}

/// Why a provision does or does not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicability {
    /// True when every condition holds and every feature is present.
    pub applies: bool,
    /// Conditions and features that do not hold, as `condition 3` / `feature g`.
    pub unmet: Vec<String>,
}

impl Project {
    /// Whether a provision applies, given the declared conditions and features.
    ///
    /// Undeclared conditions and features count as holding: a provision is
    /// only excused by an explicit declaration.
    pub fn applicability(&self, provision: &Provision) -> Applicability {
        let unmet = unmet(provision, &self.conditions, &self.features);
        Applicability {
            applies: unmet.is_empty(),
            unmet,
        }
    }

    /// The ICS answer for a provision.
    pub fn answer(&self, provision: &str) -> Option<&IcsAnswer> {
        self.ics.get(provision)
    }

    /// Records about a test case.
    pub fn records_for<'a>(&'a self, test_case: &'a str) -> impl Iterator<Item = &'a Record> {
        self.records
            .iter()
            .filter(move |r| r.test_case == test_case)
    }

    /// An IXIT entry by id.
    pub fn ixit_entry(&self, id: &str) -> Option<&IxitEntry> {
        self.ixit.iter().find(|e| e.id.as_deref() == Some(id))
    }

    /// The entries of one IXIT table (by either edition's name).
    pub fn ixit_entries<'a>(
        &'a self,
        catalog: &'a Catalog,
        table: &'a str,
    ) -> impl Iterator<Item = &'a IxitEntry> {
        let canonical = catalog.ixit_name(self.edition, table);
        self.ixit.iter().filter(move |e| e.table == canonical)
    }
}
