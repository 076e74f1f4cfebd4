//! `touchstone diff OLD NEW`.

use std::process::ExitCode;

use anyhow::Result;
use touchstone_report::diff::{diff, render_human, render_json, render_markdown, render_sarif};
use touchstone_report::gate::check_findings;
use touchstone_report::sarif::RuleHelp;

use crate::cli::{DiffArgs, DiffFormat};
use crate::output::Ui;

/// Help of every built-in check (firmware checks and probe checks), for SARIF rules.
pub(crate) fn rule_help() -> Vec<RuleHelp> {
    let mut help: Vec<RuleHelp> = touchstone_fwchecks::check::registry()
        .iter()
        .map(|c| RuleHelp {
            id: c.info.id.to_owned(),
            title: c.info.title.to_owned(),
            what: c.info.what.to_owned(),
            why: c.info.why.to_owned(),
            fix: c.info.fix.to_owned(),
        })
        .collect();
    // Probe checks: what / why / fix from their own documentation (the same
    // rows the reports' fix advice uses).
    let known: Vec<String> = help.iter().map(|h| h.id.clone()).collect();
    help.extend(
        super::assess::advice()
            .into_iter()
            .filter(|a| !known.contains(&a.check))
            .map(|a| RuleHelp {
                id: a.check,
                title: a.title,
                what: a.what,
                why: a.why,
                fix: a.fix,
            }),
    );
    help
}

pub(crate) fn run(args: &DiffArgs, ui: &Ui) -> Result<ExitCode> {
    let old = super::gates::read_snapshot(&args.old)?;
    let new = super::gates::read_snapshot(&args.new)?;
    let d = diff(&old, &new);
    ui.err_line(&format!(
        "{} new, {} fixed, {} unchanged finding(s)",
        d.new.len(),
        d.fixed.len(),
        d.unchanged.len()
    ));
    let text = match args.format {
        DiffFormat::Human => render_human(&d),
        DiffFormat::Json => render_json(&d),
        DiffFormat::Markdown => render_markdown(&d),
        DiffFormat::Sarif => render_sarif(&d, &rule_help(), env!("CARGO_PKG_VERSION")),
    };
    ui.out(&text)?;
    Ok(super::gates::exit(
        &check_findings(&d.new, args.fail_on.severity()),
        ui,
    ))
}
