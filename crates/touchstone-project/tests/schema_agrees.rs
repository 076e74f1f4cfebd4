//! The JSON Schemas editors use and the loader agree: documents generated
//! from each schema (every property, optional ones included; dates both as
//! TOML dates and as strings) load without a syntax or type error, and
//! values the schema forbids are rejected.

use serde_json::Value;
use touchstone_catalog::Catalog;
use touchstone_project::{Sources, parse, schema::schemas};

/// Generate a value for a schema node. `date_as_string` picks the spelling of dates.
fn generate(node: &Value, root: &Value, date_as_string: bool, depth: usize) -> Option<toml::Value> {
    assert!(depth < 32, "schema too deep");
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        let target = root
            .get("$defs")
            .and_then(|d| d.get(name))
            .expect("ref resolves");
        return generate(target, root, date_as_string, depth + 1);
    }
    if let Some(any) = node
        .get("anyOf")
        .or(node.get("oneOf"))
        .and_then(Value::as_array)
    {
        return any
            .iter()
            .find(|x| x.get("type").and_then(Value::as_str) != Some("null"))
            .and_then(|x| generate(x, root, date_as_string, depth + 1));
    }
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        return values
            .first()
            .and_then(Value::as_str)
            .map(|s| toml::Value::String(s.to_owned()));
    }
    if let Some(c) = node.get("const").and_then(Value::as_str) {
        return Some(toml::Value::String(c.to_owned()));
    }
    let ty = match node.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_owned(),
        _ => "object".to_owned(),
    };
    Some(match ty.as_str() {
        "string" if node.get("format").and_then(Value::as_str) == Some("date") => {
            if date_as_string {
                toml::Value::String("2026-12-01".into())
            } else {
                toml::Value::Datetime("2026-12-01".parse().expect("date"))
            }
        }
        "string" => toml::Value::String("x".into()),
        "boolean" => toml::Value::Boolean(true),
        "integer" | "number" => toml::Value::Integer(1),
        "array" => {
            let item = node
                .get("items")
                .map_or(Some(toml::Value::String("x".into())), |i| {
                    generate(i, root, date_as_string, depth + 1)
                });
            toml::Value::Array(item.into_iter().collect())
        }
        "object" => {
            let mut table = toml::map::Map::new();
            if let Some(props) = node.get("properties").and_then(Value::as_object) {
                for (k, v) in props {
                    if let Some(x) = generate(v, root, date_as_string, depth + 1) {
                        table.insert(k.clone(), x);
                    }
                }
            }
            if let Some(extra) = node.get("additionalProperties").filter(|v| v.is_object())
                && let Some(x) = generate(extra, root, date_as_string, depth + 1)
            {
                table.insert("1".into(), x);
            }
            toml::Value::Table(table)
        }
        _ => return None,
    })
}

fn schema(name: &str) -> Value {
    let (_, text) = schemas()
        .into_iter()
        .find(|(n, _)| *n == name)
        .expect("schema");
    serde_json::from_str(&text).expect("schema json")
}

fn document(name: &str, date_as_string: bool) -> String {
    let s = schema(name);
    let v = generate(&s, &s, date_as_string, 0).expect("a document");
    toml::to_string(&v).expect("toml")
}

const SYNTAX: [&str; 5] = ["TS0100", "TS0101", "TS0102", "TS0103", "TS0104"];

fn load(project: &str, ics: &str, evidence: &str) -> Vec<touchstone_project::Diagnostic> {
    let catalog = Catalog::embedded().expect("catalogue");
    let ixit = document("ixit", false);
    let sources = Sources {
        project,
        ics: Some(ics),
        ixit: Some(&ixit),
        evidence: Some(evidence),
    };
    parse(&sources, catalog, &mut |_| Err("none".into())).1
}

#[test]
fn documents_generated_from_the_schemas_load() {
    for date_as_string in [false, true] {
        let project = document("project", date_as_string);
        let ics = document("ics", date_as_string);
        let evidence = document("evidence", date_as_string);
        for needle in ["lab", "report", "sample", "input", "reviewer"] {
            assert!(project.contains(needle), "{project}");
        }
        assert!(evidence.contains("[[disposition]]"), "{evidence}");
        let diags = load(&project, &ics, &evidence);
        let syntax: Vec<_> = diags
            .iter()
            .filter(|d| SYNTAX.contains(&d.code.as_str()))
            .collect();
        assert!(
            syntax.is_empty(),
            "schema and loader disagree:\n{project}\n{ics}\n{evidence}\n{syntax:?}"
        );
    }
}

#[test]
fn what_the_schema_forbids_the_loader_rejects() {
    let evidence_schema = schema("evidence");
    let verdicts = &evidence_schema["$defs"]["RecordVerdict"];
    let allowed: Vec<String> = verdicts["enum"]
        .as_array()
        .or(verdicts["oneOf"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().or(v["const"].as_str()).or(v["enum"][0].as_str()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    assert!(allowed.contains(&"PASS".to_owned()), "{verdicts}");
    assert!(!allowed.contains(&"pass".to_owned()));
    let project = document("project", false);
    let ics = document("ics", false);
    let mut evidence = document("evidence", false);
    evidence = evidence.replacen("verdict = \"PASS\"", "verdict = \"pass\"", 1);
    assert!(evidence.contains("verdict = \"pass\""), "{evidence}");
    let diags = load(&project, &ics, &evidence);
    assert!(diags.iter().any(|d| d.code == "TS0102"), "{diags:?}");
}
