//! Offline vulnerability matching against an OSV data set the user imports.
//!
//! `touchstone vulndb import FILE` reads OSV entries (one object, an array,
//! or JSON Lines) and keeps those that name a package; scans then match the
//! components they identify by name and version range. Nothing here goes on
//! the network: the data set is whatever the user imported, and reports say
//! when it was imported.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// An imported data set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VulnDb {
    /// When it was imported (RFC 3339).
    pub imported_at: String,
    /// The files it was imported from, with their SHA-256.
    pub sources: Vec<String>,
    /// The entries.
    pub entries: Vec<Entry>,
}

/// One vulnerability, reduced to what matching needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// OSV id (`CVE-2014-0160`, `OSV-…`).
    pub id: String,
    /// Aliases.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// One line.
    #[serde(default)]
    pub summary: String,
    /// CVSS vector or score, when given.
    #[serde(default)]
    pub severity: Option<String>,
    /// Affected packages.
    pub affected: Vec<Affected>,
}

/// An affected package with its version ranges and listed versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// Package name, lower case.
    pub name: String,
    /// Version ranges.
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    pub versions: Vec<String>,
}

/// A range of affected versions: from `introduced` up to `fixed`
/// (exclusive) or `last_affected` (inclusive); neither means still affected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// First affected version (`0` for all earlier ones).
    pub introduced: String,
    /// First fixed version.
    pub fixed: Option<String>,
    /// Last affected version.
    pub last_affected: Option<String>,
}

impl Range {
    fn contains(&self, version: &str) -> bool {
        let after =
            self.introduced == "0" || compare_versions(version, &self.introduced) != Ordering::Less;
        let before_fix = self
            .fixed
            .as_deref()
            .is_none_or(|f| compare_versions(version, f) == Ordering::Less);
        let within_last = self
            .last_affected
            .as_deref()
            .is_none_or(|l| compare_versions(version, l) != Ordering::Greater);
        after && before_fix && within_last
    }
}

/// Why an OSV file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError(pub String);

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ImportError {}

#[derive(Deserialize)]
struct OsvEntry {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    affected: Vec<OsvAffected>,
}

#[derive(Deserialize)]
struct OsvSeverity {
    score: String,
}

#[derive(Deserialize)]
struct OsvAffected {
    package: Option<OsvPackage>,
    #[serde(default)]
    ranges: Vec<OsvRange>,
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Deserialize)]
struct OsvPackage {
    name: String,
}

#[derive(Deserialize)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<serde_json::Value>,
}

fn convert(e: OsvEntry) -> Option<Entry> {
    let affected: Vec<Affected> = e
        .affected
        .into_iter()
        .filter_map(|a| {
            let name = a.package?.name.to_ascii_lowercase();
            let mut ranges = Vec::new();
            for r in a.ranges.iter().filter(|r| r.kind != "GIT") {
                let mut introduced: Option<String> = None;
                for ev in &r.events {
                    if let Some(v) = ev.get("introduced").and_then(|v| v.as_str()) {
                        introduced = Some(v.to_owned());
                    } else if let Some(v) = ev.get("fixed").and_then(|v| v.as_str()) {
                        ranges.push(Range {
                            introduced: introduced.take().unwrap_or_else(|| "0".to_owned()),
                            fixed: Some(v.to_owned()),
                            last_affected: None,
                        });
                    } else if let Some(v) = ev.get("last_affected").and_then(|v| v.as_str()) {
                        ranges.push(Range {
                            introduced: introduced.take().unwrap_or_else(|| "0".to_owned()),
                            fixed: None,
                            last_affected: Some(v.to_owned()),
                        });
                    }
                }
                if let Some(start) = introduced {
                    ranges.push(Range {
                        introduced: start,
                        fixed: None,
                        last_affected: None,
                    });
                }
            }
            Some(Affected {
                name,
                ranges,
                versions: a.versions,
            })
        })
        .collect();
    if affected.is_empty() {
        return None;
    }
    let summary = if e.summary.is_empty() {
        e.details
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect()
    } else {
        e.summary
    };
    Some(Entry {
        id: e.id,
        aliases: e.aliases,
        summary,
        severity: e.severity.into_iter().next().map(|s| s.score),
        affected,
    })
}

/// Parse OSV JSON: one entry, an array of entries, or one entry per line.
pub fn parse_osv(text: &str, source: &str) -> Result<Vec<Entry>, ImportError> {
    let trimmed = text.trim_start();
    let raw: Vec<OsvEntry> = if trimmed.starts_with('[') {
        serde_json::from_str(text)
            .map_err(|e| ImportError(format!("{source}:{}:{}: {e}", e.line(), e.column())))?
    } else {
        let mut out = Vec::new();
        match serde_json::from_str::<OsvEntry>(text) {
            Ok(one) => out.push(one),
            Err(_) => {
                for (n, line) in text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| !l.trim().is_empty())
                {
                    out.push(serde_json::from_str(line).map_err(|e| {
                        ImportError(format!(
                            "{source}:{}:{}: expected an OSV entry (JSON object with `id` and `affected`): {e}",
                            n + 1,
                            e.column()
                        ))
                    })?);
                }
            }
        }
        out
    };
    Ok(raw.into_iter().filter_map(convert).collect())
}

/// Compare versions the way release numbers sort: numeric runs as numbers,
/// letter runs as text (`0.9.8g` < `0.9.8h` < `1.0.0`, `2.6.9` < `2.6.33`).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn chunks(v: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in v.chars() {
            if c == '.' || c == '-' || c == '_' || c == '+' {
                out.push((true, String::new()));
                continue;
            }
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, s)) if s.is_empty() || *d == digit => {
                    *d = digit;
                    s.push(c);
                }
                _ => out.push((digit, c.to_string())),
            }
        }
        out.retain(|(_, s)| !s.is_empty());
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for i in 0..ca.len().max(cb.len()) {
        let ord = match (ca.get(i), cb.get(i)) {
            (Some((true, x)), Some((true, y))) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (Some((_, x)), Some((_, y))) => x.cmp(y),
            // 1.0 < 1.0.1, but 1.0 > 1.0rc1 is out of scope: a longer version sorts later.
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

impl VulnDb {
    /// Entries that affect `name` at `version`.
    pub fn matches(&self, name: &str, version: &str) -> Vec<&Entry> {
        let name = name.to_ascii_lowercase();
        self.entries
            .iter()
            .filter(|e| {
                e.affected.iter().any(|a| {
                    a.name == name
                        && (a.versions.iter().any(|v| v == version)
                            || a.ranges.iter().any(|r| r.contains(version)))
                })
            })
            .collect()
    }
}
