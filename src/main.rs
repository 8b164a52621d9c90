use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    changeportal::cmd::run(changeportal::cli::Cli::parse())
}
