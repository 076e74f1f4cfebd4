//! Software components and their versions, identified from file paths and
//! byte contents (EN 303 645 5.2-3, 5.3-8 and 5.5-1; the CRA's SBOM), with
//! whether each found version is end-of-life on a given date.
//!
//! The rules live in `data/components.toml`: regular expressions over bytes
//! with the version in capture group 1, each with examples that must match
//! and examples that must not, and an end-of-life table per component.
//! Scanning is bounded: at most [`Limits::max_bytes`] of a file are read and
//! at most [`Limits::max_matches`] matches are kept. The caller passes the
//! date; nothing here reads a clock.

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// Parse `YYYY-MM-DD`. Returns None for anything else or an impossible day.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !(all_digits(y) && all_digits(m) && all_digits(d)) {
            return None;
        }
        let (year, month, day): (u16, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a pattern is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The file's bytes.
    Content,
    /// The file's path inside the image.
    Path,
}

/// What a captured version means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionKind {
    /// A release version (`1.0.2k`).
    #[default]
    Release,
    /// A shared-library ABI version from a file name (`libssl.so.1.0.0`).
    Soname,
}

/// One example of the data file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Text the pattern must match.
    pub text: String,
    /// The version it must capture, for patterns with a group.
    pub version: Option<String>,
}

/// One pattern of the data file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternDef {
    /// Stable id.
    pub id: String,
    /// Content or path.
    pub on: Target,
    /// The regular expression over bytes (ASCII classes).
    pub regex: String,
    /// What the captured version means.
    #[serde(default)]
    pub version: VersionKind,
    /// Texts that must match.
    pub examples: Vec<Example>,
    /// Texts that must not match.
    #[serde(default)]
    pub counterexamples: Vec<String>,
}

/// One end-of-life rule.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EolRule {
    /// Versions whose leading numbers are these (`1.0.2` covers `1.0.2k`).
    pub branch: Option<String>,
    /// Versions numerically lower than this.
    pub below: Option<String>,
    /// The day support ended or ends, `YYYY-MM-DD`.
    pub date: String,
    /// Whether the rule also holds for shared-library ABI versions.
    #[serde(default)]
    pub soname: bool,
    /// A qualification ("no later than: ...").
    pub note: Option<String>,
}

impl EolRule {
    fn covers(&self, version: &[u64], kind: VersionKind) -> bool {
        if kind == VersionKind::Soname && !self.soname {
            return false;
        }
        if let Some(branch) = &self.branch {
            let branch = numbers(branch);
            return !branch.is_empty() && version.starts_with(&branch);
        }
        if let Some(below) = &self.below {
            return compare(version, &numbers(below)) == Ordering::Less;
        }
        false
    }

    fn describe(&self) -> String {
        match (&self.branch, &self.below) {
            (Some(b), _) => format!("branch {b}"),
            (None, Some(b)) => format!("versions below {b}"),
            (None, None) => "no versions".to_owned(),
        }
    }
}

/// One component of the data file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentDef {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// CPE 2.3 template with `{version}`.
    pub cpe: Option<String>,
    /// Package URL template with `{version}`.
    pub purl: Option<String>,
    /// The end-of-life policy encoded, in words.
    pub eol_policy: String,
    /// Where that policy comes from.
    pub eol_source: String,
    /// End-of-life rules, first match wins.
    #[serde(default)]
    pub eol: Vec<EolRule>,
    /// Patterns.
    #[serde(default, rename = "pattern")]
    pub patterns: Vec<PatternDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentsFile {
    #[serde(rename = "component")]
    components: Vec<ComponentDef>,
}

/// Whether a version is end-of-life on a date, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Eol {
    /// True when support ended before the date asked about (`date` is the
    /// last supported day).
    pub end_of_life: bool,
    /// The day support ended or ends.
    pub date: Date,
    /// The rule that applied (`branch 1.0.2`, `versions below 4.4`).
    pub rule: String,
    /// The rule's qualification, if any.
    pub note: Option<String>,
    /// Where the policy comes from.
    pub source: String,
}

/// A component found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// Component id from the data file (`openssl`).
    pub id: String,
    /// Display name (`OpenSSL`).
    pub name: String,
    /// The version, when the evidence carries one.
    pub version: Option<String>,
    /// What the version means.
    pub version_kind: VersionKind,
    /// The matched bytes, printable (other bytes shown as `.`).
    pub evidence: String,
    /// Where the evidence was: the path or the content.
    pub found_in: Target,
    /// Byte offset of the evidence in the content (None for path matches).
    pub offset: Option<usize>,
    /// The pattern that matched.
    pub pattern: String,
    /// CPE 2.3 name, for release versions.
    pub cpe: Option<String>,
    /// Package URL, for release versions.
    pub purl: Option<String>,
    /// End-of-life status on the date scanned for; None when unknown.
    pub eol: Option<Eol>,
}

/// Scan bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes of one file scanned (from its start).
    pub max_bytes: usize,
    /// Most matches kept from one file.
    pub max_matches: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 16 << 20,
            max_matches: 64,
        }
    }
}

/// Why the rules could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesError(pub String);

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RulesError {}

#[derive(Debug)]
struct Compiled {
    component: usize,
    pattern: usize,
    regex: Regex,
    has_version: bool,
}

/// The compiled rules.
#[derive(Debug)]
pub struct Rules {
    components: Vec<ComponentDef>,
    content: Vec<Compiled>,
    content_set: RegexSet,
    path: Vec<Compiled>,
    path_set: RegexSet,
}

/// Longest evidence excerpt kept.
const MAX_EVIDENCE: usize = 160;
/// Compiled-program size limit for one pattern.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn build(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

impl Rules {
    /// Parse and compile a components file; every regex, date and version
    /// group is checked.
    pub fn parse(text: &str) -> Result<Rules, RulesError> {
        let file: ComponentsFile =
            toml::from_str(text).map_err(|e| RulesError(format!("components data: {e}")))?;
        let mut content = Vec::new();
        let mut path = Vec::new();
        for (ci, c) in file.components.iter().enumerate() {
            for rule in &c.eol {
                if Date::parse(&rule.date).is_none() {
                    return Err(RulesError(format!("{}: bad date {:?}", c.id, rule.date)));
                }
                if rule.branch.is_some() == rule.below.is_some() {
                    return Err(RulesError(format!(
                        "{}: an eol rule needs exactly one of branch and below",
                        c.id
                    )));
                }
            }
            for (pi, p) in c.patterns.iter().enumerate() {
                let regex = build(&p.regex).map_err(|e| RulesError(format!("{}: {e}", p.id)))?;
                let groups = regex.captures_len().saturating_sub(1);
                if groups > 1 {
                    return Err(RulesError(format!("{}: more than one capture group", p.id)));
                }
                let compiled = Compiled {
                    component: ci,
                    pattern: pi,
                    regex,
                    has_version: groups == 1,
                };
                match p.on {
                    Target::Content => content.push(compiled),
                    Target::Path => path.push(compiled),
                }
            }
        }
        let set = |list: &[Compiled]| {
            RegexSetBuilder::new(list.iter().map(|c| c.regex.as_str()))
                .unicode(false)
                .size_limit(REGEX_SIZE_LIMIT * 8)
                .build()
                .map_err(|e| RulesError(format!("pattern set: {e}")))
        };
        Ok(Rules {
            content_set: set(&content)?,
            path_set: set(&path)?,
            components: file.components,
            content,
            path,
        })
    }

    /// The component definitions.
    pub fn components(&self) -> &[ComponentDef] {
        &self.components
    }

    /// Components named by a file's path and found in its bytes, with their
    /// end-of-life status on `on`. Each (component, version) is reported once
    /// per file; a versionless hit is dropped when the same file also gives a
    /// version for that component.
    pub fn scan(&self, path: &str, bytes: &[u8], on: Date, limits: Limits) -> Vec<Component> {
        let mut found = self.scan_target(Target::Path, path.as_bytes(), on, limits);
        let hay = bytes.get(..limits.max_bytes).unwrap_or(bytes);
        let remaining = Limits {
            max_matches: limits.max_matches.saturating_sub(found.len()),
            ..limits
        };
        found.extend(self.scan_target(Target::Content, hay, on, remaining));
        dedup(found)
    }

    /// Components found in bytes alone.
    pub fn scan_bytes(&self, bytes: &[u8], on: Date, limits: Limits) -> Vec<Component> {
        let hay = bytes.get(..limits.max_bytes).unwrap_or(bytes);
        dedup(self.scan_target(Target::Content, hay, on, limits))
    }

    /// Components named by a path alone.
    pub fn scan_path(&self, path: &str, on: Date) -> Vec<Component> {
        dedup(self.scan_target(Target::Path, path.as_bytes(), on, Limits::default()))
    }

    fn scan_target(&self, target: Target, hay: &[u8], on: Date, limits: Limits) -> Vec<Component> {
        let (list, set) = match target {
            Target::Content => (&self.content, &self.content_set),
            Target::Path => (&self.path, &self.path_set),
        };
        let mut out = Vec::new();
        if limits.max_matches == 0 {
            return out;
        }
        for index in set.matches(hay).iter() {
            let Some(compiled) = list.get(index) else {
                continue;
            };
            let (Some(component), Some(pattern)) = (
                self.components.get(compiled.component),
                self.components
                    .get(compiled.component)
                    .and_then(|c| c.patterns.get(compiled.pattern)),
            ) else {
                continue;
            };
            for caps in compiled.regex.captures_iter(hay) {
                if out.len() >= limits.max_matches {
                    return out;
                }
                let Some(whole) = caps.get(0) else {
                    continue;
                };
                let version = if compiled.has_version {
                    match caps
                        .get(1)
                        .and_then(|m| std::str::from_utf8(m.as_bytes()).ok())
                    {
                        Some(v) if !v.is_empty() => Some(v.to_owned()),
                        _ => continue,
                    }
                } else {
                    None
                };
                let kind = pattern.version;
                let release = version.as_deref().filter(|_| kind == VersionKind::Release);
                out.push(Component {
                    id: component.id.clone(),
                    name: component.name.clone(),
                    eol: version
                        .as_deref()
                        .and_then(|v| eol_for(component, v, kind, on)),
                    cpe: release.and_then(|v| fill(component.cpe.as_deref(), v, true)),
                    purl: release.and_then(|v| fill(component.purl.as_deref(), v, false)),
                    version,
                    version_kind: kind,
                    evidence: printable(trim_separator(whole.as_bytes())),
                    found_in: target,
                    offset: (target == Target::Content).then_some(whole.start()),
                    pattern: pattern.id.clone(),
                });
            }
        }
        out
    }

    /// Whether `version` of component `id` is end-of-life on `on`. None when
    /// the component is unknown or no rule covers the version.
    pub fn eol(&self, id: &str, version: &str, kind: VersionKind, on: Date) -> Option<Eol> {
        let component = self.components.iter().find(|c| c.id == id)?;
        eol_for(component, version, kind, on)
    }
}

fn eol_for(component: &ComponentDef, version: &str, kind: VersionKind, on: Date) -> Option<Eol> {
    let numbers = numbers(version);
    if numbers.is_empty() {
        return None;
    }
    let rule = component.eol.iter().find(|r| r.covers(&numbers, kind))?;
    let date = Date::parse(&rule.date)?;
    Some(Eol {
        end_of_life: date < on,
        date,
        rule: rule.describe(),
        note: rule.note.clone(),
        source: component.eol_source.clone(),
    })
}

/// Leading dot-separated numbers of a version: `1.0.2k` gives [1, 0, 2].
fn numbers(version: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for part in version.split('.') {
        let digits: &str = part
            .find(|c: char| !c.is_ascii_digit())
            .map_or(part, |end| part.get(..end).unwrap_or(""));
        let Ok(n) = digits.parse() else {
            break;
        };
        out.push(n);
        if digits.len() != part.len() {
            break;
        }
    }
    out
}

/// Compare number lists, missing parts counting as zero.
fn compare(a: &[u64], b: &[u64]) -> Ordering {
    let len = a.len().max(b.len());
    for i in 0..len {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        match x.cmp(&y) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    Ordering::Equal
}

/// Fill a `{version}` template; CPE names only take versions of plain characters.
fn fill(template: Option<&str>, version: &str, cpe: bool) -> Option<String> {
    let template = template?;
    let plain = version
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if cpe && !plain {
        return None;
    }
    Some(template.replace("{version}", version))
}

/// Drop the separators a pattern consumed around the evidence (a leading
/// NUL or newline, a trailing NUL, space, comma or newline).
fn trim_separator(bytes: &[u8]) -> &[u8] {
    let bytes = match bytes.split_first() {
        Some((b'\0' | b' ' | b'\n', rest)) => rest,
        _ => bytes,
    };
    match bytes.split_last() {
        Some((b'\0' | b' ' | b',' | b'\n', rest)) => rest,
        _ => bytes,
    }
}

fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(MAX_EVIDENCE)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '.'
            }
        })
        .collect()
}

fn dedup(found: Vec<Component>) -> Vec<Component> {
    let mut out: Vec<Component> = Vec::new();
    for c in found {
        if out.iter().any(|o| o.id == c.id && o.version == c.version) {
            continue;
        }
        out.push(c);
    }
    let versioned: Vec<String> = out
        .iter()
        .filter(|c| c.version.is_some())
        .map(|c| c.id.clone())
        .collect();
    out.retain(|c| c.version.is_some() || !versioned.contains(&c.id));
    out
}

/// The bundled rules (`data/components.toml`), compiled once. The data is
/// tested, so a load failure is a build defect; it yields rules that find
/// nothing rather than a panic.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        Rules::parse(BUNDLED).unwrap_or_else(|_| Rules {
            components: Vec::new(),
            content: Vec::new(),
            content_set: RegexSet::empty(),
            path: Vec::new(),
            path_set: RegexSet::empty(),
        })
    })
}

/// The bundled data file's text.
pub const BUNDLED: &str = include_str!("../data/components.toml");
