//! `changeportal completions SHELL` and `changeportal man`: a shell
//! completion script (clap_complete) and the man page (clap_mangen), both
//! generated from the command-line definition so they cannot drift from it.

use super::{Failure, Outcome};
use crate::cli::{Cli, CompletionsArgs, ManArgs};
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

/// Prints a man page (roff, section 1) on stdout: the main page (options
/// and every subcommand with its one-line description), or with a command
/// name the page `changeportal-COMMAND(1)` the main page refers to. Errors:
/// an unknown command (exit 2).
pub fn man(args: &ManArgs) -> Outcome {
    let main = Cli::command();
    let command = match &args.command {
        None => main,
        Some(name) => {
            let sub = main
                .find_subcommand(name)
                .ok_or_else(|| Failure::usage(format!("no subcommand `{name}`")))?;
            let full = format!("changeportal-{}", sub.get_name());
            sub.clone()
                .name(full)
                .bin_name(format!("changeportal {}", sub.get_name()))
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|e| Failure::failed(format!("cannot render the man page: {e}")))?;
    super::export::write_stdout(&page)?;
    Ok(ExitCode::SUCCESS)
}
