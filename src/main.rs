use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc malloc: rendering allocates and frees many small
/// strings and JSON values from two threads; see docs/performance.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    changeportal::cmd::run(changeportal::cli::Cli::parse())
}
