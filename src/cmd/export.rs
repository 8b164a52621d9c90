//! `changeportal export`: the population of a period (SPEC 6) as CSV or
//! JSON on stdout, byte for byte as the internal site's `export/changes.csv`
//! and `export/changes.json` for the same period and "now" (both come from
//! [`crate::render::export::Export`]); `--manifest FILE` also writes the
//! population's manifest (SPEC 5) to FILE.

use super::{config_failure, resolve_now, Failure, Outcome};
use crate::build::{Analysis, Blocked, Build};
use crate::cli::{ExportArgs, ExportFormat, NowArg, PeriodArgs, RootArg};
use crate::render::export::{Export, FlagIndex, Period};
use crate::report::{self, Format};
use std::io::Write;
use std::process::ExitCode;

/// Prints the population of the period, and writes its manifest when asked.
/// Exit 2 for a `--from` after `--to` or a config error; 1 when a record is
/// unreadable or a file cannot be written.
pub fn run(args: &ExportArgs) -> Outcome {
    let period = period(&args.period)?;
    let analysis = load_population(&args.root, &args.now)?;
    let flags = FlagIndex::new(&analysis);
    let export = Export::new(&analysis, &flags, period);
    let pieces = match args.format {
        ExportFormat::Csv => export.csv(),
        ExportFormat::Json => export.json(),
    }
    .map_err(|e| Failure::failed(format!("cannot write the export: {e}")))?;
    if let Some(path) = &args.manifest {
        let manifest = export
            .manifest_json()
            .map_err(|e| Failure::failed(format!("cannot write the manifest: {e}")))?;
        let written = std::fs::File::create(path).and_then(|mut file| manifest.write_to(&mut file));
        written.map_err(|e| {
            Failure::failed(format!("cannot write the manifest {}: {e}", path.display()))
        })?;
    }
    write_stdout_with(|out| pieces.write_to(out))?;
    Ok(ExitCode::SUCCESS)
}

/// The period `--from`..`--to` of `export` and `sample` (SPEC 6: whole days
/// in UTC, both included). Errors: a `--from` after `--to` (exit 2).
pub fn period(args: &PeriodArgs) -> Result<Period, Failure> {
    Period::new(args.from, args.to).map_err(|e| Failure::usage(e.to_string()))
}

/// Loads and checks the portal for `export` and `sample`. A record that could
/// not be read would be missing from the population without a trace, so then
/// its diagnostics are printed and the command fails (exit 1); a bad `--now`
/// or `SOURCE_DATE_EPOCH`, or an unusable `portal.yaml`, is exit 2.
pub fn load_population(root: &RootArg, now: &NowArg) -> Result<Analysis, Failure> {
    analyze(&Build::new(&root.root, resolve_now(now.now)?))
}

/// [`load_population`] of the portal at `root`, evaluated at `now`.
pub fn analyze(build: &Build) -> Result<Analysis, Failure> {
    let analysis = build
        .analyze()
        .map_err(|e| config_failure(e, Format::Human))?;
    match analysis.buildable(false) {
        Ok(_) => {}
        Err(Blocked::Unreadable(blocking)) => {
            let _ = report::print(&blocking, &analysis.sources, Format::Human);
            return Err(Failure::failed(
                "some records could not be read, so the population would be incomplete (fix the errors above)",
            ));
        }
        Err(blocked) => return Err(Failure::failed(blocked.to_string())),
    }
    Ok(analysis)
}

/// Writes `bytes` to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    write_stdout_with(|out| out.write_all(bytes))
}

/// Writes to stdout with `write`, then flushes; a closed pipe (`| head`)
/// is not an error.
fn write_stdout_with(
    write: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>,
) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Failure::failed(format!("cannot write to stdout: {error}"))),
    }
}
