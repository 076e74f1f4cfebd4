//! Regulatory views: for each scheme the catalogue maps EN 303 645 to (UK
//! PSTI, EN 18031-1/-2/-3, CRA Annex I, NISTIR 8259A), each requirement
//! with the provisions it maps to (official or indicative, as the
//! catalogue marks the link) and the resulting status.
//!
//! A requirement's status combines the verdicts of its provisions with
//! [`Verdict::combine`] (a FAIL wins; PASS only when every mapped provision
//! passes; otherwise the pending state); a requirement no provision of this
//! edition maps to is "not mapped", never a pass. The section is built from
//! the catalogue and the provision rows ([`build`]) and rendered into the
//! Markdown, HTML and terminal reports by the functions below; JSON carries
//! it as `regulatory`.

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use touchstone_catalog::{Basis, Catalog, Edition};
use touchstone_core::Verdict;

use crate::model::{ProvisionRow, Report};

/// One scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SchemeSection {
    /// Scheme id (`uk-psti`, `en18031`, `cra`, `nistir8259a`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Each requirement.
    pub requirements: Vec<RequirementStatus>,
}

/// One requirement of a scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequirementStatus {
    /// Requirement id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The provisions it maps to.
    pub provisions: Vec<ProvisionLink>,
    /// Combined verdict of those provisions; absent when none maps.
    pub verdict: Option<Verdict>,
    /// The status as shown to people.
    pub status: String,
}

/// A provision a requirement maps to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProvisionLink {
    /// Provision id.
    pub provision: String,
    /// `official` or `indicative`.
    pub basis: String,
    /// The provision's verdict in this assessment.
    pub verdict: Verdict,
}

/// The `--view` names and the scheme ids they select.
pub const VIEWS: [(&str, &str); 4] = [
    ("psti", "uk-psti"),
    ("en18031", "en18031"),
    ("cra", "cra"),
    ("nistir", "nistir8259a"),
];

fn basis(b: Basis) -> &'static str {
    match b {
        Basis::Official => "official",
        Basis::Indicative => "indicative",
    }
}

/// Build the section from the catalogue's mappings and the provision rows.
pub fn build(catalog: &Catalog, edition: Edition, rows: &[ProvisionRow]) -> Vec<SchemeSection> {
    let mut out = Vec::new();
    for file in catalog.mappings() {
        let mut requirements = Vec::new();
        for r in &file.requirements {
            let mut provisions: Vec<ProvisionLink> = Vec::new();
            for row in rows {
                for m in catalog.mappings_for(edition, &row.id) {
                    if m.scheme.id == file.scheme.id
                        && m.requirement.id == r.id
                        && !provisions.iter().any(|p| p.provision == row.id)
                    {
                        provisions.push(ProvisionLink {
                            provision: row.id.clone(),
                            basis: basis(m.link.basis).to_owned(),
                            verdict: row.verdict,
                        });
                    }
                }
            }
            let verdict = (!provisions.is_empty())
                .then(|| Verdict::combine(provisions.iter().map(|p| p.verdict)));
            requirements.push(RequirementStatus {
                id: r.id.clone(),
                title: r.title.clone(),
                status: verdict.map_or_else(|| "not mapped".to_owned(), |v| v.label().to_owned()),
                provisions,
                verdict,
            });
        }
        out.push(SchemeSection {
            id: file.scheme.id.clone(),
            name: file.scheme.name.clone(),
            requirements,
        });
    }
    out
}

/// Keep only the scheme a `--view` names; `None` when the name is unknown.
pub fn select(sections: Vec<SchemeSection>, view: &str) -> Option<Vec<SchemeSection>> {
    let id = VIEWS.iter().find(|(v, _)| *v == view).map(|(_, id)| *id)?;
    Some(sections.into_iter().filter(|s| s.id == id).collect())
}

fn links(r: &RequirementStatus) -> String {
    r.provisions
        .iter()
        .map(|p| {
            format!(
                "{} ({}{})",
                p.provision,
                p.verdict.label(),
                if p.basis == "official" {
                    ", official"
                } else {
                    ""
                }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn md_cell(s: &str) -> String {
    crate::escape::markdown(s)
}

/// The Markdown section (empty without regulatory data).
pub fn markdown(report: &Report) -> String {
    let Some(sections) = &report.regulatory else {
        return String::new();
    };
    let mut out = String::from(
        "## Regulatory views\n\nMappings marked official are published by the scheme's owner; the others are indicative (our analysis, not a legal statement).\n\n",
    );
    for s in sections {
        let _ = writeln!(
            out,
            "### {}\n\n| Requirement | Title | Provisions | Status |\n|---|---|---|---|",
            md_cell(&s.name)
        );
        for r in &s.requirements {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md_cell(&r.id),
                md_cell(&r.title),
                md_cell(&links(r)),
                md_cell(&r.status)
            );
        }
        out.push('\n');
    }
    out
}

/// The HTML section (empty without regulatory data).
pub fn html(report: &Report) -> String {
    use crate::html::escape;
    let Some(sections) = &report.regulatory else {
        return String::new();
    };
    let mut out = String::from(
        "\n<h2>Regulatory views</h2><p class=muted>Mappings marked official are published by the scheme's owner; the others are indicative (our analysis, not a legal statement).</p>",
    );
    for s in sections {
        let _ = write!(
            out,
            "<h3>{}</h3><table><thead><tr><th>Requirement</th><th>Title</th><th>Provisions</th><th>Status</th></tr></thead><tbody>",
            escape(&s.name)
        );
        for r in &s.requirements {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&r.id),
                escape(&r.title),
                escape(&links(r)),
                escape(&r.status)
            );
        }
        out.push_str("</tbody></table>");
    }
    out
}

/// The terminal lines: a count per scheme, or every requirement when the
/// report holds one scheme (`--view`).
pub fn terminal(report: &Report) -> String {
    let Some(sections) = &report.regulatory else {
        return String::new();
    };
    let mut out = String::new();
    for s in sections {
        let count = |v: Verdict| {
            s.requirements
                .iter()
                .filter(|r| r.verdict == Some(v))
                .count()
        };
        let unmapped = s
            .requirements
            .iter()
            .filter(|r| r.verdict.is_none())
            .count();
        let _ = writeln!(
            out,
            "{}: {} requirement(s): {} PASS, {} FAIL, {} pending, {} not mapped",
            crate::escape::text(&s.name),
            s.requirements.len(),
            count(Verdict::Pass),
            count(Verdict::Fail),
            s.requirements.len() - count(Verdict::Pass) - count(Verdict::Fail) - unmapped,
            unmapped
        );
        if sections.len() == 1 {
            for r in &s.requirements {
                let _ = writeln!(
                    out,
                    "  {:<12} {:<14} {}  [{}]",
                    crate::escape::text(&r.status),
                    crate::escape::text(&r.id),
                    crate::escape::text(&r.title),
                    crate::escape::text(&links(r))
                );
            }
        }
    }
    out
}
