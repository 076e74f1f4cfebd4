//! JSON Schemas of the project files, for editors (taplo, VS Code Even Better TOML).

use schemars::schema_for;

use crate::files::{EvidenceFile, IcsFileSchema, IxitFileSchema, ProjectFile};

/// Every schema this crate defines, as `(name, pretty JSON)`.
pub fn schemas() -> Vec<(&'static str, String)> {
    let pretty = |v: schemars::Schema| {
        serde_json::to_string_pretty(&v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    };
    vec![
        ("project", pretty(schema_for!(ProjectFile))),
        ("ics", pretty(schema_for!(IcsFileSchema))),
        ("ixit", pretty(schema_for!(IxitFileSchema))),
        ("evidence", pretty(schema_for!(EvidenceFile))),
        ("findings", pretty(schema_for!(touchstone_core::FindingSet))),
    ]
}
