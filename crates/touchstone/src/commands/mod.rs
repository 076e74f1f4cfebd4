//! One module per subcommand.

mod assess;
mod catalog;
mod diff;
mod firmware;
mod gates;
mod init;
mod misc;
mod mitm;
mod passwords;
mod probe;
mod proforma;
mod sbom;
mod security_txt;
mod serve;
mod store;
mod validate;
mod vulndb;

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use touchstone_catalog::{Catalog, Edition};

use crate::cli::{Cli, Command};
use crate::output::Ui;

pub(crate) fn run(cli: Cli, ui: &Ui) -> Result<ExitCode> {
    match cli.command {
        Command::Init(args) => init::run(&args, ui),
        Command::Validate(args) => validate::run(&args, ui),
        Command::Assess(args) => assess::run(&args, ui),
        Command::Catalog(args) => catalog::run(&args, ui),
        Command::Import(args) => proforma::import(&args, ui),
        Command::Export(args) => proforma::export(&args, ui),
        Command::Schema(args) => misc::schema(&args, ui),
        Command::Hash(args) => misc::hash(&args, ui),
        Command::Firmware(cmd) => firmware::run(&cmd, ui),
        Command::Vulndb(cmd) => vulndb::run(&cmd, ui),
        Command::Store(cmd) => store::run(&cmd, ui),
        Command::Serve(args) => serve::run(&args, ui),
        Command::Probe(args) => probe::run(&args, ui),
        Command::Mitm(args) => mitm::run(&args, ui),
        Command::SecurityTxt(args) => security_txt::run(&args, ui),
        Command::Passwords(cmd) => passwords::run(&cmd, ui),
        Command::Diff(args) => diff::run(&args, ui),
        Command::Completions { shell } => misc::completions(shell, ui),
        Command::Man => misc::man(ui),
    }
}

/// The embedded catalogue; a failure here is a bug in the build.
pub(crate) fn catalog() -> Result<&'static Catalog> {
    Catalog::embedded().context("the embedded catalogue is damaged (a bug: please report it)")
}

/// Parse an edition argument with a helpful error.
pub(crate) fn edition(text: &str) -> Result<Edition> {
    Edition::parse(text).with_context(|| {
        format!("expected the EN 303 645 edition `2.1.1` or `3.1.3`, found `{text}`\n  hint: UK PSTI pins 2.1.1; 3.1.3 is the current edition")
    })
}

/// Serialize to pretty JSON with a trailing newline.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}

/// The findings of a live test as a table for the terminal: severity, check
/// id, message (`probe` and `mitm`).
pub(crate) fn write_findings_table(out: &mut String, findings: &[touchstone_core::Finding]) {
    use std::fmt::Write as _;
    for f in findings {
        let _ = writeln!(
            out,
            "{:<8} {:<28} {}",
            f.severity.as_str(),
            touchstone_core::text::display_safe(&f.check),
            touchstone_core::text::display_safe(&f.message)
        );
    }
}
