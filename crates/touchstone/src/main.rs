//! `touchstone`: EN 303 645 conformity assessment for consumer IoT.
//!
//! The binary is thin: it parses arguments, calls the library crates,
//! prints data to stdout and diagnostics to stderr, and maps outcomes to
//! exit codes (see [`cli::EXIT_CODES`]).

mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let ui = output::Ui::new(cli.color);
    match commands::run(cli, &ui) {
        Ok(code) => code,
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            ui.error(&err);
            ExitCode::from(2)
        }
    }
}
