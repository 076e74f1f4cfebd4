//! CI gates and baselines of the commands that produce findings (the logic
//! is `touchstone_report::gate`; this maps it to stderr and exit codes).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use touchstone_core::Finding;
use touchstone_report::gate::{GateOutcome, check_findings};
use touchstone_report::snapshot::{Snapshot, only_new};

use crate::cli::FindingsGate;
use crate::output::Ui;

/// Read a findings file or JSON report given as `--baseline` or to `diff`.
pub(crate) fn read_snapshot(path: &Path) -> Result<Snapshot> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    Snapshot::parse(&text, &path.display().to_string()).map_err(anyhow::Error::msg)
}

/// The findings not in the baseline, when one is given.
pub(crate) fn new_findings(
    findings: Vec<Finding>,
    gate: &FindingsGate,
    ui: &Ui,
) -> Result<Vec<Finding>> {
    let Some(path) = &gate.baseline else {
        return Ok(findings);
    };
    let baseline = read_snapshot(path)?;
    let before = findings.len();
    let kept = only_new(findings, &baseline);
    ui.err_line(&format!(
        "baseline {}: {} finding(s) already known, {} new",
        path.display(),
        before - kept.len(),
        kept.len()
    ));
    Ok(kept)
}

/// Print the reasons of a gate on stderr and return its exit code.
pub(crate) fn exit(outcome: &GateOutcome, ui: &Ui) -> ExitCode {
    for r in &outcome.failures {
        ui.err_line(&format!("gate: {r}"));
    }
    for r in &outcome.incomplete {
        ui.err_line(&format!("gate: {r}"));
    }
    ExitCode::from(outcome.exit_code())
}

/// The exit code of `--fail-on` over findings.
pub(crate) fn findings_exit(findings: &[Finding], gate: &FindingsGate, ui: &Ui) -> ExitCode {
    exit(&check_findings(findings, gate.fail_on.severity()), ui)
}
