//! The catalogue's data model, one type per kind of record.
//!
//! Field names follow the TOML files under `catalog/` (see its README).
//! Every struct rejects unknown fields, so a typo in the data is a lint
//! error instead of silently missing data.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How sure we are of a record (the reference's [V]/[C]/[U] marks).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Checked against a primary-derived source.
    Verified,
    /// Two or more independent secondary sources agree.
    Corroborated,
    /// Own analysis or a single secondary source: check before relying on it.
    Unverified,
}

impl Confidence {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Verified => "verified",
            Confidence::Corroborated => "corroborated",
            Confidence::Unverified => "unverified",
        }
    }
}

/// An edition of EN 303 645 that Touchstone can assess against.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Edition {
    /// EN 303 645 V2.1.1 (2020-06), the edition UK PSTI pins.
    #[serde(rename = "2.1.1")]
    V2_1_1,
    /// EN 303 645 V3.1.3 (2024-09).
    #[serde(rename = "3.1.3")]
    V3_1_3,
}

impl Edition {
    /// Every edition, oldest first.
    pub const ALL: [Edition; 2] = [Edition::V2_1_1, Edition::V3_1_3];

    /// The version number, `2.1.1` or `3.1.3`.
    pub fn version(self) -> &'static str {
        match self {
            Edition::V2_1_1 => "2.1.1",
            Edition::V3_1_3 => "3.1.3",
        }
    }

    /// The catalogue id of the standard file, for instance `en303645-v2.1.1`.
    pub fn standard_id(self) -> &'static str {
        match self {
            Edition::V2_1_1 => "en303645-v2.1.1",
            Edition::V3_1_3 => "en303645-v3.1.3",
        }
    }

    /// The catalogue id of the TS 103 701 edition that assesses this edition.
    pub fn spec_id(self) -> &'static str {
        match self {
            Edition::V2_1_1 => "ts103701-v1.1.1",
            Edition::V3_1_3 => "ts103701-v2.1.1",
        }
    }

    /// Parse `2.1.1`, `V2.1.1`, `v3.1.3` or a standard id.
    pub fn parse(text: &str) -> Option<Edition> {
        let t = text.trim().trim_start_matches("en303645-");
        let t = t.trim_start_matches(['v', 'V']);
        Edition::ALL.into_iter().find(|e| e.version() == t)
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EN 303 645 V{}", self.version())
    }
}

/// The modal verb of a provision: shall (mandatory) or should (recommendation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Modal {
    /// Mandatory ("shall").
    M,
    /// Recommendation ("should").
    R,
}

/// How a provision can be assessed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Static analysis of firmware images.
    Firmware,
    /// Live network probing of the device.
    Network,
    /// Review of documents, publications or ICS/IXIT data.
    Document,
    /// Evidence of an organisational process.
    Process,
    /// Manual, physical or user-interface interaction.
    Manual,
}

/// How much of a provision's assessment automation can cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Automation {
    /// Can in principle be decided automatically.
    Full,
    /// Automation covers most of the test.
    Strong,
    /// Automation yields part of the evidence.
    Partial,
    /// Automation only supports a human judgement.
    Supporting,
    /// Nothing to automate.
    None,
}

/// A standard file: one edition of EN 303 645.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardFile {
    /// Identification of the edition.
    pub standard: StandardMeta,
    /// Categories (clauses).
    #[serde(default, rename = "category")]
    pub categories: Vec<Category>,
    /// Numbered conditions used in statuses.
    #[serde(default, rename = "condition")]
    pub conditions: Vec<Condition>,
    /// Lettered features used in statuses (V3.1.3).
    #[serde(default, rename = "feature")]
    pub features: Vec<Feature>,
    /// The provisions.
    #[serde(default, rename = "provision")]
    pub provisions: Vec<Provision>,
    /// Numbers kept but voided (V3.1.3).
    #[serde(default, rename = "void")]
    pub voids: Vec<Void>,
}

/// Identification of a standard edition.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardMeta {
    /// Catalogue id, for instance `en303645-v2.1.1`.
    pub id: String,
    /// Document name.
    pub name: String,
    /// Version number.
    pub version: String,
    /// Publication month.
    pub published: String,
    /// The provision that requires justifications for unmet recommendations.
    pub reporting_provision: String,
    /// Confidence of the edition's data as a whole.
    pub confidence: Confidence,
    /// Free remarks.
    #[serde(default)]
    pub note: Option<String>,
}

/// A category (clause) of provisions.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Clause number, for instance `5.1`.
    pub id: String,
    /// Short title.
    pub title: String,
}

/// A numbered condition of the status column.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Condition number.
    pub number: u32,
    /// When the condition holds.
    pub text: String,
    /// Confidence.
    pub confidence: Confidence,
    /// The condition that holds exactly when this one does not (declaring both
    /// alike is a contradiction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complement: Option<u32>,
    /// Conditions that necessarily hold when this one holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub implies: Vec<u32>,
}

/// A lettered feature of the status column (V3.1.3).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Feature {
    /// Feature letter(s), `a` to `aa`.
    pub letter: String,
    /// When the feature is present.
    pub text: String,
    /// Confidence.
    pub confidence: Confidence,
    /// Features necessarily present when this one is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub implies: Vec<String>,
}

/// One provision of EN 303 645.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provision {
    /// Provision id, for instance `5.1-1`.
    pub id: String,
    /// Category id.
    pub category: String,
    /// Short title in our words.
    pub title: String,
    /// Shall or should.
    pub modal: Modal,
    /// Conditions that must all hold for the provision to apply.
    #[serde(default)]
    pub conditions: Vec<u32>,
    /// Features that must all be present for the provision to apply.
    #[serde(default)]
    pub features: Vec<String>,
    /// One-sentence paraphrase.
    pub summary: String,
    /// How it can be assessed.
    pub assess: Vec<Method>,
    /// How much automation can cover.
    pub automation: Automation,
    /// Confidence.
    pub confidence: Confidence,
}

impl Provision {
    /// Whether the provision applies only under conditions or features.
    pub fn is_conditional(&self) -> bool {
        !self.conditions.is_empty() || !self.features.is_empty()
    }

    /// The status in Annex B notation: `M`, `R C (3, 4)`, `M C F (14, e)`.
    pub fn status(&self) -> String {
        let modal = match self.modal {
            Modal::M => "M",
            Modal::R => "R",
        };
        let mut status = modal.to_owned();
        let mut args: Vec<String> = self.conditions.iter().map(u32::to_string).collect();
        args.extend(self.features.iter().cloned());
        if !self.conditions.is_empty() {
            status.push_str(" C");
        }
        if !self.features.is_empty() {
            status.push_str(" F");
        }
        if !args.is_empty() {
            status.push_str(&format!(" ({})", args.join(", ")));
        }
        status
    }
}

/// A provision number kept in the standard but voided.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Void {
    /// The voided number.
    pub id: String,
    /// The provisions that replace it.
    pub replaced_by: Vec<String>,
    /// Confidence.
    pub confidence: Confidence,
}

/// The migration map between two editions.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MigrationFile {
    /// Which editions.
    pub migration: MigrationMeta,
    /// One entry per provision of the older edition.
    #[serde(default, rename = "map")]
    pub maps: Vec<MigrationMap>,
    /// Provisions of the newer edition without an ancestor.
    #[serde(default, rename = "new")]
    pub new: Vec<NewProvision>,
}

/// Which editions a migration map connects.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MigrationMeta {
    /// Older standard id.
    pub from: String,
    /// Newer standard id.
    pub to: String,
}

/// What became of one provision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Same id, same meaning.
    Unchanged,
    /// Same id, wording or scope changed.
    Reworded,
    /// New id, same meaning.
    Renumbered,
    /// Voided and replaced by several lettered provisions.
    Split,
    /// Status (modal verb, conditions, features) changed.
    StatusChanged,
}

/// One entry of a migration map.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MigrationMap {
    /// Provision id in the older edition.
    pub from: String,
    /// Provision ids in the newer edition.
    pub to: Vec<String>,
    /// The kind of change.
    pub change: Change,
    /// What changed.
    #[serde(default)]
    pub note: Option<String>,
    /// Confidence.
    pub confidence: Confidence,
}

/// A provision new in the newer edition.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProvision {
    /// Provision id.
    pub id: String,
    /// Remarks.
    #[serde(default)]
    pub note: Option<String>,
    /// Confidence.
    pub confidence: Confidence,
}

/// A TS 103 701 edition: test groups, cases and units.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// Identification of the edition.
    pub spec: SpecMeta,
    /// Test groups.
    #[serde(default, rename = "group")]
    pub groups: Vec<TestGroup>,
    /// Test cases.
    #[serde(default, rename = "case")]
    pub cases: Vec<TestCase>,
    /// Test units.
    #[serde(default, rename = "unit")]
    pub units: Vec<TestUnit>,
    /// Groups carried over from the older edition that are known to differ here.
    #[serde(default, rename = "changed")]
    pub changes: Vec<GroupChange>,
}

/// What is known to differ in a group carried over from the older TS edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// The test cases or units are structured differently.
    Cases,
    /// The group reads other IXIT tables.
    Ixit,
}

impl ChangeKind {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Cases => "cases",
            ChangeKind::Ixit => "ixit",
        }
    }
}

/// A carried-over group known to differ in this (partly known) edition.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupChange {
    /// The group (provision) id.
    pub group: String,
    /// What differs.
    pub change: ChangeKind,
    /// What is known about the difference, in our words.
    pub note: String,
    /// Confidence.
    pub confidence: Confidence,
}

/// Identification of a TS 103 701 edition.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecMeta {
    /// Catalogue id, for instance `ts103701-v1.1.1`.
    pub id: String,
    /// Document name.
    pub name: String,
    /// Version number.
    pub version: String,
    /// Publication month.
    pub published: String,
    /// The standard id whose provisions it assesses.
    pub assesses: String,
    /// Whether every group is known.
    pub complete: bool,
    /// Confidence.
    pub confidence: Confidence,
    /// Remarks.
    #[serde(default)]
    pub note: Option<String>,
}

/// A test group: the tests of one provision.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestGroup {
    /// Group id (the provision id).
    pub id: String,
    /// The provision assessed.
    pub provision: String,
    /// Objective in our words.
    pub objective: String,
    /// IXIT tables used.
    #[serde(default)]
    pub ixit: Vec<String>,
    /// Confidence.
    pub confidence: Confidence,
}

/// Conceptual, functional or mixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CaseKind {
    /// Assesses the design documented in the IXIT.
    Conceptual,
    /// Assesses the behaviour of the device, services and processes.
    Functional,
    /// Both, in different units.
    Mixed,
}

impl CaseKind {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Conceptual => "conceptual",
            CaseKind::Functional => "functional",
            CaseKind::Mixed => "mixed",
        }
    }
}

/// A test case.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    /// Test case id, for instance `5.1-1-2`.
    pub id: String,
    /// Group id.
    pub group: String,
    /// Conceptual, functional or mixed.
    pub kind: CaseKind,
    /// Purpose in our words.
    pub purpose: String,
    /// What the units of this case read from the IXIT, for units that do not
    /// say it themselves (see [`IxitNeed`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// What a person examines, in our words, for units without their own checklist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<String>,
    /// Confidence.
    pub confidence: Confidence,
}

/// Conceptual or functional (a unit is never mixed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    /// Checks the documented design.
    Conceptual,
    /// Checks actual behaviour.
    Functional,
}

/// A test unit: one lettered item of a test case.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestUnit {
    /// Unit id, for instance `5.1-1-2c`.
    pub id: String,
    /// Test case id.
    pub case: String,
    /// Conceptual or functional.
    pub kind: UnitKind,
    /// IXIT tables used.
    #[serde(default)]
    pub ixit: Vec<String>,
    /// Units or cases this unit reuses.
    #[serde(default)]
    pub refs: Vec<String>,
    /// What the unit looks at, in our words.
    #[serde(default)]
    pub focus: Option<String>,
    /// The IXIT tables and fields the unit reads (see [`IxitNeed`]); empty:
    /// those of its case. A unit whose needs are missing cannot pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// A yes/no field of a single-record table (`4-Conf.confirmation_of_update_procedures`)
    /// whose answer decides the unit: yes passes it, no fails it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decides: Option<String>,
    /// What a person examines, in our words; empty: the checklist of its case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<String>,
    /// Units whose observation covers part of this one (our own analysis,
    /// unlike `refs`): a full port scan for the units that look for
    /// undocumented network services. Used only to propose a verdict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub informed_by: Vec<String>,
    /// Confidence.
    pub confidence: Confidence,
}

/// How an entry filter of an [`IxitNeed`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    /// `[field=value]`: the typed answer (yes/no, choice) equals the value.
    Equals,
    /// `[field~value]`: the text contains the value, ignoring case.
    Contains,
}

/// Which entries of a table a need applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryFilter<'a> {
    /// Field key.
    pub field: &'a str,
    /// Comparison.
    pub op: FilterOp,
    /// Value, lowercase for `=`.
    pub value: &'a str,
}

/// One item of a unit's `needs`, parsed: `TABLE` (at least one entry),
/// `TABLE.FIELD` (every relevant entry answers the field), optionally with
/// an entry filter, `TABLE[FIELD=VALUE].FIELD` or `TABLE[FIELD~TEXT]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IxitNeed<'a> {
    /// Table name as written (either edition's name).
    pub table: &'a str,
    /// Only entries passing this filter are relevant.
    pub filter: Option<EntryFilter<'a>>,
    /// The field every relevant entry must answer; `None`: the table needs an entry.
    pub field: Option<&'a str>,
}

impl<'a> IxitNeed<'a> {
    /// Parse a need; `None` when it does not follow the syntax.
    pub fn parse(text: &'a str) -> Option<IxitNeed<'a>> {
        let key_ok = |k: &str| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        let (head, field) = match text.find(']') {
            Some(end) => {
                let rest = &text[end + 1..];
                let field = match rest.strip_prefix('.') {
                    Some(f) => Some(f),
                    None if rest.is_empty() => None,
                    None => return None,
                };
                (&text[..=end], field)
            }
            None => match text.split_once('.') {
                Some((t, f)) => (t, Some(f)),
                None => (text, None),
            },
        };
        let (table, filter) = match head.split_once('[') {
            Some((t, f)) => {
                let f = f.strip_suffix(']')?;
                let (op, (k, v)) = if let Some(x) = f.split_once('=') {
                    (FilterOp::Equals, x)
                } else {
                    (FilterOp::Contains, f.split_once('~')?)
                };
                if !key_ok(k) || v.trim().is_empty() {
                    return None;
                }
                (
                    t,
                    Some(EntryFilter {
                        field: k,
                        op,
                        value: v,
                    }),
                )
            }
            None => (head, None),
        };
        let table_ok =
            !table.is_empty() && table.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !table_ok || field.is_some_and(|f| !key_ok(f)) {
            return None;
        }
        Some(IxitNeed {
            table,
            filter,
            field,
        })
    }
}

/// The IXIT tables file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IxitFile {
    /// Tables 1 to 29.
    #[serde(rename = "table")]
    pub tables: Vec<IxitTable>,
}

/// One entry or a single record per table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Records {
    /// Several entries, each with an `ID`.
    Many,
    /// Exactly one record.
    Single,
}

/// An IXIT table.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IxitTable {
    /// Table number, 1 to 29.
    pub number: u32,
    /// TS 103 701 V1.1.1 name, for instance `11-ComMech`.
    pub id: String,
    /// TS 103 701 V2.1.1 name, for instance `11-SecComMech`.
    pub id_v2: String,
    /// Title.
    pub title: String,
    /// Title in V2.1.1, where it differs.
    #[serde(default)]
    pub title_v2: Option<String>,
    /// One record or many entries.
    pub records: Records,
    /// What the table describes.
    pub describes: String,
    /// Confidence of the V1.1.1 data.
    pub confidence: Confidence,
    /// Confidence of the V2.1.1 data, where it differs.
    #[serde(default)]
    pub v2_confidence: Option<Confidence>,
    /// Fields.
    #[serde(rename = "field")]
    pub fields: Vec<IxitField>,
}

impl IxitTable {
    /// The table's name in the TS edition that assesses `edition`.
    pub fn name_for(&self, edition: Edition) -> &str {
        match edition {
            Edition::V2_1_1 => &self.id,
            Edition::V3_1_3 => &self.id_v2,
        }
    }

    /// Whether `name` is one of this table's names (either edition).
    pub fn is_named(&self, name: &str) -> bool {
        self.id == name || self.id_v2 == name
    }

    /// The fields present in the TS edition that assesses `edition`.
    pub fn fields_for(&self, edition: Edition) -> impl Iterator<Item = &IxitField> {
        let tag = match edition {
            Edition::V2_1_1 => "v1.1.1",
            Edition::V3_1_3 => "v2.1.1",
        };
        self.fields
            .iter()
            .filter(move |f| f.editions.iter().any(|e| e == tag))
    }
}

/// A field of an IXIT table.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IxitField {
    /// Exact field name.
    pub name: String,
    /// snake_case key used in project files.
    pub key: String,
    /// TS editions with the field: `v1.1.1`, `v2.1.1`.
    pub editions: Vec<String>,
    /// The table whose entry ids the field holds.
    #[serde(default)]
    pub refs: Option<String>,
    /// Other keys makers write for this field (earlier or later names of it).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The kind of value the standard expects; free text when absent.
    #[serde(default)]
    pub value: Option<ValueKind>,
    /// The allowed answers of an enumeration (`value = "enum"`), lowercase.
    #[serde(default)]
    pub values: Vec<String>,
    /// Confidence.
    pub confidence: Confidence,
}

/// The kind of value an IXIT field holds, where the standard types it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ValueKind {
    /// Yes or no.
    YesNo,
    /// One of the listed `values`.
    Enum,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
}

/// A mapping file: EN 303 645 to another scheme.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// The scheme.
    pub scheme: Scheme,
    /// Its requirements.
    #[serde(rename = "requirement")]
    pub requirements: Vec<Requirement>,
    /// Links between requirements and provisions.
    #[serde(rename = "link")]
    pub links: Vec<Link>,
}

/// Official or analyst-made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Published by the scheme's owner (for instance a deemed-compliance route).
    Official,
    /// Our analysis: a guide, not a legal statement.
    Indicative,
}

/// A scheme EN 303 645 is mapped to.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// Scheme id, for instance `uk-psti`.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Standard id the provision ids refer to, or `any`.
    pub standard: String,
    /// Default basis of the links.
    pub basis: Basis,
    /// Remarks.
    #[serde(default)]
    pub note: Option<String>,
    /// Confidence.
    pub confidence: Confidence,
}

/// A requirement of a mapped scheme.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Requirement id, for instance `AUM-5-1`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Paraphrase.
    #[serde(default)]
    pub summary: Option<String>,
    /// Part of the scheme, for instance `EN 18031-2`.
    #[serde(default)]
    pub part: Option<String>,
}

/// A many-to-many link between requirements and provisions.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// Requirement ids.
    pub requirements: Vec<String>,
    /// Provision ids.
    pub provisions: Vec<String>,
    /// Official or indicative.
    pub basis: Basis,
    /// Remarks.
    #[serde(default)]
    pub note: Option<String>,
    /// Confidence.
    pub confidence: Confidence,
}
