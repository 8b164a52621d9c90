//! `changeportal completions SHELL` and `changeportal man`: a shell
//! completion script (clap_complete) and the man page (clap_mangen), both
//! generated from the command-line definition so they cannot drift from it.

use super::{Failure, Outcome};
use crate::cli::{Cli, CompletionsArgs};
use clap::CommandFactory;
use std::process::ExitCode;

/// Prints the completion script for `args.shell` on stdout.
pub fn run(args: &CompletionsArgs) -> Outcome {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "changeportal", &mut script);
    super::export::write_stdout(&script)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the man page (roff, section 1) on stdout: synopsis, options,
/// and every subcommand with its one-line description (`changeportal
/// help COMMAND` and docs/cli.md give each one's options).
pub fn man() -> Outcome {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Failure::failed(format!("cannot render the man page: {e}")))?;
    super::export::write_stdout(&page)?;
    Ok(ExitCode::SUCCESS)
}
