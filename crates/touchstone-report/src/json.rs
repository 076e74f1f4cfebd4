//! The JSON report and its schema.

use crate::Report;

/// The report as pretty JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize report: {e}\"}}"));
    s.push('\n');
    s
}

/// The JSON Schema of the report, pretty-printed.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Report);
    let mut s = serde_json::to_string_pretty(&schema)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize schema: {e}\"}}"));
    s.push('\n');
    s
}
