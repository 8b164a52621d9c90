//! One thin file per command: parse nothing, decide little, call the pipeline.

pub mod build;
pub mod check;
pub mod completions;
pub mod export;
pub mod gate;
pub mod init;
pub mod new;
pub mod sample;
pub mod schema;
pub mod serve;
pub mod verify;

use crate::cli::{Cli, Command};
use crate::load::{ConfigError, Sources};
use crate::model::{time, Timestamp};
use crate::report::{self, Format};
use std::process::ExitCode;

/// A command that could not do its job, with the exit code to report.
#[derive(Debug)]
pub struct Failure {
    /// 1 for a failed build or deny-level flags, 2 for usage or config errors.
    pub code: u8,
    /// What to tell the user (already printed diagnostics are not repeated).
    pub message: String,
}

impl Failure {
    /// Exit code 2: the user asked for something impossible.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    /// Exit code 1: the command ran and failed.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

/// What a command returns.
pub type Outcome = Result<ExitCode, Failure>;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        Command::Build(args) => build::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::New(args) => new::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Sample(args) => sample::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Gate(args) => gate::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => completions::man(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("error: {}", failure.message);
            }
            ExitCode::from(failure.code)
        }
    }
}

/// The build's "now" ([`crate::model::time::resolve_now`]); a bad
/// `SOURCE_DATE_EPOCH` is a usage error (exit 2).
pub fn resolve_now(now: Option<Timestamp>) -> Result<Timestamp, Failure> {
    time::resolve_now(now).map_err(|e| Failure::usage(e.to_string()))
}

/// Prints a config error as diagnostics and turns it into exit code 2.
pub fn config_failure(error: ConfigError, format: Format) -> Failure {
    if error.file.is_none() {
        // portal.yaml could not be read at all: one sentence, no source to quote.
        let message = error.problems.into_iter().map(|problem| problem.message);
        return Failure::usage(message.collect::<Vec<_>>().join("; "));
    }
    let summary = error.to_string();
    let mut sources = Sources::default();
    if let Some(source) = error.file {
        sources.insert(source);
    }
    let _ = report::print(&error.problems, &sources, format);
    Failure::usage(summary)
}
