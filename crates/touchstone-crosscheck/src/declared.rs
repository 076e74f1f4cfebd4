//! What the project declares, in the form the checks compare: IXIT entries
//! by table number (so V1.1.1 and V2.1.1 names both work: `15-Intf` and
//! `15-PhyIntf`, `28-ExtAPI` and `28-LogIntf`) with their text lowercased
//! for whole-word matching, their declared status, and the ICS answers and
//! conditions that say a feature is absent.

use touchstone_project::{FieldValue, IxitEntry, Project, RefItem, Support};

use crate::kinds::{self, Kind};

/// IXIT table numbers.
pub mod table {
    /// 1-AuthMech.
    pub const AUTH_MECH: u32 = 1;
    /// 6-SoftComp.
    pub const SOFT_COMP: u32 = 6;
    /// 7-UpdMech.
    pub const UPD_MECH: u32 = 7;
    /// 11-ComMech / 11-SecComMech.
    pub const COM_MECH: u32 = 11;
    /// 13-SoftServ.
    pub const SOFT_SERV: u32 = 13;
    /// 15-Intf / 15-PhyIntf.
    pub const INTF: u32 = 15;
    /// 28-ExtAPI / 28-LogIntf.
    pub const LOG_INTF: u32 = 28;
}

/// Tables whose entries declare services and interfaces.
pub const SERVICE_TABLES: &[u32] = &[table::SOFT_SERV, table::INTF, table::LOG_INTF];

/// One IXIT entry, ready for matching.
#[derive(Debug, Clone)]
pub struct Declared<'a> {
    /// The entry.
    pub entry: &'a IxitEntry,
    /// Its table's number.
    pub number: u32,
    /// Id, title and every field and extension, lowercase, one per line.
    pub text: String,
}

impl Declared<'_> {
    /// `SoftServ-1 (13-SoftServ)`, or the table for a single-record table.
    pub fn label(&self) -> String {
        match &self.entry.id {
            Some(id) => format!("{id} ({})", self.entry.table),
            None => self.entry.table.clone(),
        }
    }

    /// The field's text, when present.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.entry.fields.get(key).map(String::as_str)
    }

    /// Whether the entry declares the service or interface switched off:
    /// its status says disabled, removed, off, absent or not present.
    pub fn disabled(&self) -> bool {
        let Some(status) = self.field("status") else {
            return false;
        };
        let s = status.to_lowercase();
        [
            "disabled",
            "removed",
            "off",
            "absent",
            "not present",
            "not available",
            "inactive",
        ]
        .iter()
        .any(|w| kinds::has_word(&s, w))
            && !kinds::has_word(&s, "enabled")
    }

    /// Whether the text names the kind (by its words) or one of `ports`.
    pub fn declares(&self, kind: Option<&Kind>, port: Option<u16>) -> bool {
        kind.is_some_and(|k| kinds::named(&self.text, k))
            || port.is_some_and(|p| kinds::ports_named(&self.text).contains(&p))
    }

    /// The entry ids a reference field lists.
    pub fn refs(&self, key: &str) -> Vec<&str> {
        match self.entry.values.get(key) {
            Some(FieldValue::Refs { items }) => items
                .iter()
                .filter_map(|i| match i {
                    RefItem::Entry { id, .. } => Some(id.as_str()),
                    RefItem::Nothing { .. } => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The yes/no answer of a field, when it is typed so.
    pub fn yes_no(&self, key: &str) -> Option<bool> {
        match self.entry.values.get(key) {
            Some(FieldValue::YesNo { value, .. }) => Some(*value),
            _ => None,
        }
    }
}

/// The project's declarations.
#[derive(Debug, Clone)]
pub struct Declarations<'a> {
    /// The project.
    pub project: &'a Project,
    /// Every IXIT entry.
    pub entries: Vec<Declared<'a>>,
}

/// The number a table name starts with (`15-PhyIntf` → 15).
fn number(table: &str) -> Option<u32> {
    table.split('-').next()?.trim().parse().ok()
}

impl<'a> Declarations<'a> {
    /// Read the project's IXIT.
    pub fn new(project: &'a Project) -> Declarations<'a> {
        let entries = project
            .ixit
            .iter()
            .filter_map(|entry| {
                let number = number(&entry.table)?;
                let mut text = String::new();
                for part in entry
                    .id
                    .iter()
                    .chain(entry.title.iter())
                    .chain(entry.fields.values())
                    .chain(entry.extensions.values())
                {
                    text.push_str(&part.to_lowercase());
                    text.push('\n');
                }
                Some(Declared {
                    entry,
                    number,
                    text,
                })
            })
            .collect();
        Declarations { project, entries }
    }

    /// The entries of one table.
    pub fn table(&self, number: u32) -> impl Iterator<Item = &Declared<'a>> {
        self.entries.iter().filter(move |d| d.number == number)
    }

    /// The entries of several tables.
    pub fn tables<'s>(&'s self, numbers: &'s [u32]) -> impl Iterator<Item = &'s Declared<'a>> {
        self.entries
            .iter()
            .filter(move |d| numbers.contains(&d.number))
    }

    /// An entry by id.
    pub fn by_id(&self, id: &str) -> Option<&Declared<'a>> {
        self.entries
            .iter()
            .find(|d| d.entry.id.as_deref() == Some(id))
    }

    /// The ICS support of a provision.
    pub fn support(&self, provision: &str) -> Option<Support> {
        self.project.ics.get(provision).map(|a| a.support)
    }

    /// A condition the project declares not to hold.
    pub fn condition_false(&self, number: u32) -> bool {
        self.project.conditions.get(&number) == Some(&false)
    }
}

/// Labels of entries, joined for evidence: `SoftServ-1 (13-SoftServ), Intf-1 (15-Intf)`.
pub fn labels<'a, 'b: 'a>(entries: impl IntoIterator<Item = &'a Declared<'b>>) -> String {
    let v: Vec<String> = entries.into_iter().map(Declared::label).collect();
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(", ")
    }
}
