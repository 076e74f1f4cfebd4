//! What a unit reads from the IXIT, checked against the project: needs
//! (entries and fields that must be there) and typed answers that decide a
//! unit. See the catalogue README for the syntax of `needs` and `decides`.

use touchstone_catalog::{Catalog, EntryFilter, FilterOp, IxitNeed};
use touchstone_project::declared::says_not_applicable;
use touchstone_project::{FieldValue, IxitEntry, IxitRef, Project, RefItem, Support};

use crate::Source;

/// The outcome of checking a unit's needs.
#[derive(Debug, Default)]
pub(crate) struct NeedsCheck {
    /// What is missing, each naming the table, entry and field.
    pub missing: Vec<String>,
    /// What contradicts the ICS or is not of its type.
    pub conflicts: Vec<String>,
    /// Every table, entry and field looked at.
    pub sources: Vec<Source>,
}

impl NeedsCheck {
    fn source(&mut self, s: Source) {
        if !self.sources.contains(&s) {
            self.sources.push(s);
        }
    }
}

/// The entries of a table the provision's ICS row points at, or all of them.
fn relevant<'a>(
    catalog: &'a Catalog,
    project: &'a Project,
    provision: &str,
    table: &'a str,
) -> Vec<&'a IxitEntry> {
    let all: Vec<&IxitEntry> = project.ixit_entries(catalog, table).collect();
    let referenced: Vec<&IxitEntry> = project
        .answer(provision)
        .map(|a| {
            a.references
                .iter()
                .filter_map(|r| match r {
                    IxitRef::Entry { id } => all
                        .iter()
                        .find(|e| e.id.as_deref() == Some(id.as_str()))
                        .copied(),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if referenced.is_empty() {
        all
    } else {
        referenced
    }
}

fn passes(
    catalog: &Catalog,
    project: &Project,
    table: &str,
    f: &EntryFilter<'_>,
    e: &IxitEntry,
) -> bool {
    let key = catalog
        .ixit_field(project.edition, table, f.field)
        .map_or(f.field, |(_, x)| x.key.as_str());
    match f.op {
        FilterOp::Equals => match e.values.get(key) {
            Some(FieldValue::YesNo { value, .. }) => (if *value { "yes" } else { "no" }) == f.value,
            Some(FieldValue::Choice { value, .. }) => value == f.value,
            _ => false,
        },
        FilterOp::Contains => e
            .fields
            .get(key)
            .is_some_and(|t| t.to_lowercase().contains(&f.value.to_lowercase())),
    }
}

fn entry_name(table: &str, e: &IxitEntry) -> String {
    e.id.clone().unwrap_or_else(|| table.to_owned())
}

/// Check a unit's needs for a provision.
pub(crate) fn check_needs(
    catalog: &Catalog,
    project: &Project,
    provision: &str,
    needs: &[String],
) -> NeedsCheck {
    let edition = project.edition;
    let support = project.answer(provision).map(|a| a.support);
    let mut out = NeedsCheck::default();
    for text in needs {
        // The lint guarantees every need parses and names a known table.
        let Some(need) = IxitNeed::parse(text) else {
            continue;
        };
        let Some(table) = catalog.ixit_table(need.table) else {
            continue;
        };
        let name = table.name_for(edition);
        let entries: Vec<&IxitEntry> = relevant(catalog, project, provision, name)
            .into_iter()
            .filter(|e| {
                need.filter
                    .is_none_or(|f| passes(catalog, project, name, &f, e))
            })
            .collect();
        let filter_text = need.filter.map(|f| {
            let op = match f.op {
                FilterOp::Equals => "=",
                FilterOp::Contains => " containing ",
            };
            format!(" with {}{op}{}", f.field, f.value)
        });
        let Some(field) = need.field else {
            out.source(Source::Ixit {
                table: name.to_owned(),
                entry: None,
                field: None,
            });
            if entries.is_empty() {
                out.missing.push(format!(
                    "{name}: no entry{}",
                    filter_text.clone().unwrap_or_default()
                ));
            }
            continue;
        };
        let resolved = catalog.ixit_field(edition, name, field);
        let key = resolved.map_or(field, |(_, f)| f.key.as_str());
        let typed = resolved.is_some_and(|(_, f)| f.value.is_some() && f.refs.is_none());
        if entries.is_empty() {
            // A filter that selects nothing leaves nothing to read; without
            // one the table itself is missing.
            if need.filter.is_none() {
                out.source(Source::Ixit {
                    table: name.to_owned(),
                    entry: None,
                    field: None,
                });
                out.missing.push(format!("{name}: no entry"));
            }
            continue;
        }
        for e in entries {
            out.source(Source::Ixit {
                table: name.to_owned(),
                entry: e.id.clone(),
                field: Some(key.to_owned()),
            });
            let who = entry_name(name, e);
            let text = e.fields.get(key).map(|t| t.trim()).unwrap_or("");
            if text.is_empty() {
                out.missing.push(format!("{who}: {key}"));
                continue;
            }
            if typed && matches!(e.values.get(key), Some(FieldValue::Text { .. })) {
                out.conflicts.push(format!(
                    "{who}: {key} is `{}`, not one of the answers the standard expects",
                    shorten(text)
                ));
                continue;
            }
            let says_nothing = match e.values.get(key) {
                Some(FieldValue::Refs { items }) => {
                    items.iter().all(|i| matches!(i, RefItem::Nothing { .. }))
                }
                _ => says_not_applicable(text),
            };
            if says_nothing && support == Some(Support::Y) {
                out.conflicts.push(format!(
                    "{who}: {key} says `{}` although the ICS answers {provision} Y",
                    shorten(text)
                ));
            }
        }
    }
    out
}

/// A typed answer that decides a unit.
pub(crate) enum TypedAnswer {
    /// Answered yes or no.
    Answered {
        /// The answer.
        yes: bool,
        /// `4-Conf.confirmation_of_update_procedures = no`.
        text: String,
        /// Where.
        source: Source,
    },
    /// Not answered.
    Missing(String),
    /// Answered with something that is not yes or no.
    Unreadable(String),
}

/// Read the yes/no field that decides a unit.
pub(crate) fn decide(catalog: &Catalog, project: &Project, decides: &str) -> Option<TypedAnswer> {
    let need = IxitNeed::parse(decides)?;
    let field = need.field?;
    let table = catalog.ixit_table(need.table)?;
    let name = table.name_for(project.edition);
    let key = catalog
        .ixit_field(project.edition, name, field)
        .map_or(field, |(_, f)| f.key.as_str());
    let entry = project.ixit_entries(catalog, name).next();
    let Some(entry) = entry else {
        return Some(TypedAnswer::Missing(format!("{name}: not filled in")));
    };
    Some(match entry.values.get(key) {
        Some(FieldValue::YesNo { value, .. }) => TypedAnswer::Answered {
            yes: *value,
            text: format!("{name}.{key} = {}", if *value { "yes" } else { "no" }),
            source: Source::Ixit {
                table: name.to_owned(),
                entry: None,
                field: Some(key.to_owned()),
            },
        },
        Some(_) => TypedAnswer::Unreadable(format!(
            "{name}: {key} is `{}`, not a yes/no answer",
            shorten(entry.fields.get(key).map_or("", String::as_str))
        )),
        None => TypedAnswer::Missing(format!("{name}: {key}")),
    })
}

/// At most this many items of a list are spelled out in a message; the
/// full list stays in the unit's `ixit_missing` / `ixit_conflicts`.
const LISTED: usize = 8;

/// `a; b; c` for at most [`LISTED`] items, then how many more.
pub(crate) fn listed(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(LISTED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > LISTED {
        text.push_str(&format!(" and {} more", items.len() - LISTED));
    }
    text
}

/// At most 60 characters of a maker's text, for messages.
pub(crate) fn shorten(text: &str) -> String {
    let t = text.trim();
    if t.chars().count() <= 60 {
        t.to_owned()
    } else {
        t.chars().take(59).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::{listed, shorten};

    #[test]
    fn messages_stay_short_however_much_the_maker_wrote() {
        let items: Vec<String> = (0..1000)
            .map(|i| format!("Entry-{i}: description"))
            .collect();
        let text = listed(&items);
        assert!(text.ends_with(" and 992 more"), "{text}");
        assert_eq!(text.matches("Entry-").count(), 8);
        assert_eq!(
            listed(&items[..2]),
            "Entry-0: description; Entry-1: description"
        );
        let long = "x".repeat(10_000);
        assert_eq!(shorten(&long).chars().count(), 60);
    }
}
