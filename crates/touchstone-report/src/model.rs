//! The report model: one versioned, serializable description of an
//! assessment from which every output format is rendered.
//!
//! These types are a compatibility boundary: they are what the JSON output
//! and its schema promise. Add fields freely; rename or remove only with a
//! new [`REPORT_SCHEMA`] version.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use touchstone_core::{Location, Severity, Verdict};

/// The schema identifier of the JSON report.
pub const REPORT_SCHEMA: &str = "touchstone.report/v1";

/// Shown with every score.
pub const DISCLAIMER: &str = "Touchstone supports a conformity assessment under ETSI TS 103 701; it does not replace one. Scores count only evaluated items and are not a certification.";

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Always `touchstone.report/v1` for this version.
    pub schema: String,
    /// The tool that produced the report.
    pub tool: ToolInfo,
    /// When the report was made (RFC 3339, UTC).
    pub generated_at: String,
    /// The project assessed (as given on the command line).
    pub project: String,
    /// The standard and test specification.
    pub standard: StandardInfo,
    /// The device under test.
    pub device: DeviceInfo,
    /// The headline.
    pub summary: Summary,
    /// Per category.
    pub categories: Vec<CategoryRow>,
    /// Per provision, with test cases, units and evidence.
    pub provisions: Vec<ProvisionRow>,
    /// Every finding considered.
    pub findings: Vec<FindingRow>,
    /// Every manual evidence record.
    pub records: Vec<RecordRow>,
    /// Validation warnings about the project.
    pub warnings: Vec<String>,
    /// Remarks about the inputs.
    pub notes: Vec<String>,
    /// The assessor's dispositions of findings, each with its reason and effect.
    #[serde(default)]
    pub dispositions: Vec<DispositionRow>,
    /// Test cases with an unsettled contradiction (manual PASS against a decisive FAIL).
    #[serde(default)]
    pub unsettled: Vec<String>,
    /// Laboratory, report identification, samples, inputs and sign-off.
    #[serde(default)]
    pub deliverable: Deliverable,
    /// Annex: the ICS as answered.
    #[serde(default)]
    pub ics: Vec<IcsAnnexRow>,
    /// Annex: the IXIT entries.
    #[serde(default)]
    pub ixit: Vec<IxitAnnexRow>,
    /// What / why / how to fix, for every check with a finding in the report.
    #[serde(default)]
    pub advice: Vec<AdviceRow>,
    /// Regulatory views: per scheme, each requirement with its provisions and status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regulatory: Option<Vec<crate::regulatory::SchemeSection>>,
}

/// One disposition with its effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DispositionRow {
    /// Id.
    pub id: String,
    /// `finding` (by fingerprint) or `check`.
    pub target_kind: String,
    /// The fingerprint or check id.
    pub target: String,
    /// Unit or test case it is limited to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `confirmed`, `false-positive` or `accepted-risk`.
    pub decision: String,
    /// Why.
    pub reason: String,
    /// Who decided.
    pub assessor: String,
    /// When.
    pub date: String,
    /// Owner of an accepted risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Expiry of an accepted risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// `applied`, `expired` (an accepted risk past its expiry: the findings count again) or `unmatched`.
    pub status: String,
    /// Report ids of the findings it matched.
    pub findings: Vec<String>,
    /// Units it was applied on.
    pub units: Vec<String>,
}

/// A signature block entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SignatureRow {
    /// Name.
    pub name: String,
    /// Role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Date.
    pub date: String,
}

/// A sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SampleRow {
    /// Lab sample id.
    pub id: String,
    /// Serial number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Hardware version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hardware_version: Option<String>,
    /// Firmware version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware_version: Option<String>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A tool input (firmware image, findings file, capture), named by file name and hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InputRow {
    /// File name, never a host path.
    pub name: String,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// `firmware`, `findings`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Sample id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
    /// `declared` (touchstone.toml), `used` (read by this run) or `declared-and-used`;
    /// `hash-mismatch` when a declared input of that name was read with another hash.
    pub status: String,
}

/// What a laboratory needs to issue the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Deliverable {
    /// `draft`, `reviewed` or `approved`.
    pub status: String,
    /// Laboratory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lab_name: Option<String>,
    /// Accreditation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lab_accreditation: Option<String>,
    /// Address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lab_address: Option<String>,
    /// Report id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_id: Option<String>,
    /// Revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// First day of testing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_start: Option<String>,
    /// Last day of testing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_end: Option<String>,
    /// Scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Deviations from the method.
    pub deviations: Vec<String>,
    /// Samples.
    pub samples: Vec<SampleRow>,
    /// Firmware images and tool inputs by hash.
    pub inputs: Vec<InputRow>,
    /// Assessors, with the test cases each assessed.
    pub assessors: Vec<AssessorRow>,
    /// Technical reviewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<SignatureRow>,
    /// Approver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approver: Option<SignatureRow>,
}

/// An assessor and the test cases they assessed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssessorRow {
    /// Name.
    pub name: String,
    /// Test cases.
    pub test_cases: Vec<String>,
}

/// One ICS row (annex).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IcsAnnexRow {
    /// Provision.
    pub provision: String,
    /// Status.
    pub status: String,
    /// Support, when answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support: Option<String>,
    /// Detail.
    pub detail: String,
    /// IXIT entry ids.
    pub ixit: Vec<String>,
}

/// One IXIT entry (annex).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IxitAnnexRow {
    /// Table.
    pub table: String,
    /// Entry id (absent for single-record tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Fields as `(key, value)` in key order.
    pub fields: Vec<(String, String)>,
}

/// What a check looks at, why it matters and how to fix what it finds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AdviceRow {
    /// Check id.
    pub check: String,
    /// Title.
    pub title: String,
    /// What it checks.
    pub what: String,
    /// Why it matters.
    pub why: String,
    /// How to fix.
    pub fix: String,
}

/// Tool name and versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolInfo {
    /// `touchstone`.
    pub name: String,
    /// Tool version.
    pub version: String,
    /// Catalogue version.
    pub catalog_version: String,
}

/// The standard assessed against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StandardInfo {
    /// Edition number, `2.1.1` or `3.1.3`.
    pub edition: String,
    /// For instance `ETSI EN 303 645 V2.1.1 (2020-06)`.
    pub title: String,
    /// For instance `ETSI TS 103 701 V1.1.1 (2021-08)`.
    pub test_specification: String,
    /// False when some test cases are carried over from an older TS edition.
    pub test_specification_complete: bool,
}

/// Device identification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceInfo {
    /// Manufacturer.
    pub maker: String,
    /// Model.
    pub model: String,
    /// Hardware version.
    pub hardware_version: String,
    /// Firmware version.
    pub firmware_version: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Counts of verdicts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Counts {
    /// PASS.
    pub pass: usize,
    /// FAIL.
    pub fail: usize,
    /// Not applicable.
    pub not_applicable: usize,
    /// Recommendations declared not implemented (counted apart from not applicable).
    #[serde(default)]
    pub not_implemented: usize,
    /// Not run.
    pub not_run: usize,
    /// Needs manual assessment.
    pub needs_manual: usize,
    /// Inconclusive.
    pub inconclusive: usize,
    /// Error.
    pub error: usize,
    /// Applicable items (all but not applicable).
    pub applicable: usize,
    /// Items with a normative verdict (PASS or FAIL).
    pub evaluated: usize,
    /// PASS over evaluated, percent, one decimal; absent when nothing was evaluated.
    pub score: Option<f64>,
    /// Evaluated over applicable, percent, one decimal; absent when nothing applies.
    pub coverage: Option<f64>,
    /// Items without PASS or FAIL that carry a proposed PASS (not counted as PASS).
    #[serde(default)]
    pub proposed_pass: usize,
    /// Items without PASS or FAIL that carry a proposed FAIL (not counted as FAIL).
    #[serde(default)]
    pub proposed_fail: usize,
    /// Evaluated or proposed over applicable, percent, one decimal: reported
    /// beside `coverage`, never used by a gate.
    #[serde(default)]
    pub coverage_with_proposed: Option<f64>,
}

/// The headline of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// The overall verdict or tool state.
    pub verdict: Verdict,
    /// `CONFORMANT`, `NON-CONFORMANT` or `INCOMPLETE`.
    pub conclusion: String,
    /// One sentence explaining the conclusion.
    pub explanation: String,
    /// Highest severity among failures.
    pub worst_severity: Option<Severity>,
    /// All provisions.
    pub provisions: Counts,
    /// Mandatory provisions.
    pub mandatory: Counts,
    /// Recommendations.
    pub recommendations: Counts,
    /// Test cases.
    pub test_cases: Counts,
    /// Shown with every score.
    pub disclaimer: String,
}

/// One category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CategoryRow {
    /// Category id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Combined verdict.
    pub verdict: Verdict,
    /// Provision counts.
    pub provisions: Counts,
    /// Test case counts.
    pub test_cases: Counts,
}

/// A link to another scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MappingRow {
    /// Scheme id.
    pub scheme: String,
    /// Requirement id.
    pub requirement: String,
    /// Requirement title.
    pub title: String,
    /// `official` or `indicative`.
    pub basis: String,
}

/// One provision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProvisionRow {
    /// Provision id.
    pub id: String,
    /// Category id.
    pub category: String,
    /// Title.
    pub title: String,
    /// Paraphrase.
    pub summary: String,
    /// `M` or `R`.
    pub modal: String,
    /// Status, for instance `M C (1)`.
    pub status: String,
    /// ICS support: `Y`, `N`, `N/A`.
    pub support: Option<String>,
    /// ICS detail.
    pub detail: String,
    /// How it entered the plan: tested, not-applicable, declared-non-conformity, declared-not-implemented, unanswered.
    pub plan: String,
    /// Verdict.
    pub verdict: Verdict,
    /// The verdict as shown to people; says when it follows from a declaration in the ICS.
    pub label: String,
    /// Severity when failed.
    pub severity: Option<Severity>,
    /// Why.
    pub reason: String,
    /// Requirements of other schemes.
    pub mappings: Vec<MappingRow>,
    /// Test cases.
    pub test_cases: Vec<CaseRow>,
    /// Findings bearing on the provision but on none of its cases.
    pub findings: Vec<String>,
}

/// One test case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CaseRow {
    /// Test case id.
    pub id: String,
    /// `conceptual`, `functional` or `mixed`.
    pub kind: String,
    /// Purpose.
    pub purpose: String,
    /// Taken from an older TS edition.
    pub carried_over: bool,
    /// Verdict.
    pub verdict: Verdict,
    /// Severity when failed.
    pub severity: Option<Severity>,
    /// Why.
    pub reason: String,
    /// Units.
    pub units: Vec<UnitRow>,
    /// Record ids.
    pub records: Vec<String>,
    /// Finding ids.
    pub findings: Vec<String>,
    /// A manual PASS contradicts a decisive FAIL and no disposition settles it.
    #[serde(default)]
    pub unsettled: bool,
    /// Who assessed it (records and `report.assessors`).
    #[serde(default)]
    pub assessors: Vec<String>,
    /// A verdict the engine proposes while the case has no PASS or FAIL;
    /// never a verdict until an assessor records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed: Option<ProposalRow>,
}

/// A proposed verdict: what the engine suggests where only a person can decide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProposalRow {
    /// `pass` or `fail`: proposed, not a verdict.
    pub verdict: Verdict,
    /// `proposed PASS` or `proposed FAIL`, as shown to people.
    pub label: String,
    /// What it rests on: `ixit-gap`, `indication`, `reused`, `related`, `documented` or `units`.
    pub basis: String,
    /// Why.
    pub rationale: String,
    /// What was looked at: `ICS 5.1-2`, `IXIT AuthMech-1 password_generation_mechanism`, `finding F3`, `unit 5.5-1-2a: PASS`.
    pub sources: Vec<String>,
}

/// How one finding counts on one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AppliedRow {
    /// Finding id.
    pub finding: String,
    /// `decisive` or `indication` (from the check's weights, before dispositions).
    pub weight: String,
    /// `counts`, `confirmed`, `false-positive`, `waived` or `waiver-expired`.
    pub effect: String,
    /// Disposition id, if one decided the effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposition: Option<String>,
}

/// One test unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UnitRow {
    /// Unit id.
    pub id: String,
    /// `conceptual` or `functional`.
    pub kind: String,
    /// IXIT tables.
    pub ixit: Vec<String>,
    /// Reused units or cases.
    pub refs: Vec<String>,
    /// Focus.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<String>,
    /// Verdict on this unit's evidence.
    pub verdict: Verdict,
    /// Record ids.
    pub records: Vec<String>,
    /// Finding ids.
    pub findings: Vec<String>,
    /// How each finding counts on this unit (decisive or indication, and dispositions).
    #[serde(default)]
    pub applied: Vec<AppliedRow>,
    /// A manual PASS contradicts a decisive FAIL on this unit.
    #[serde(default)]
    pub unsettled: bool,
    /// Whether a person must decide the unit (all but units the ICS or a typed IXIT answer decides).
    #[serde(default)]
    pub needs_person: bool,
    /// What the person examines, in the catalogue's words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<String>,
    /// What the unit reads from the IXIT and the IXIT lacks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ixit_missing: Vec<String>,
    /// Where the IXIT contradicts the ICS or is not of the expected type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ixit_conflicts: Vec<String>,
    /// The typed IXIT answer that decided the unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// Units whose observation covers part of this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub informed_by: Vec<String>,
    /// Why the unit is where it is, when its verdict does not say it all.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// A proposed verdict while a person has not decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed: Option<ProposalRow>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FindingRow {
    /// Report-local id, `F1`, `F2`, ...
    pub id: String,
    /// Check id.
    pub check: String,
    /// Severity.
    pub severity: Severity,
    /// `pass`, `fail`, `info` or `error`.
    pub supports: String,
    /// Provisions.
    pub provisions: Vec<String>,
    /// Test units.
    pub test_units: Vec<String>,
    /// Where.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Message.
    pub message: String,
    /// Evidence excerpt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// The file or run it came from.
    pub source: String,
    /// The stable fingerprint (`fp1:...`) dispositions refer to.
    #[serde(default)]
    pub fingerprint: String,
}

/// One manual evidence record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordRow {
    /// Record id.
    pub id: String,
    /// Test case.
    pub test_case: String,
    /// Units covered (empty: all).
    pub units: Vec<String>,
    /// PASS, FAIL or INCONCLUSIVE.
    pub verdict: String,
    /// Assessor.
    pub assessor: String,
    /// Date.
    pub date: String,
    /// Notes.
    pub notes: String,
    /// Attachments.
    pub attachments: Vec<AttachmentRow>,
}

/// A hashed attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AttachmentRow {
    /// Path relative to the project.
    pub path: String,
    /// SHA-256.
    pub sha256: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
