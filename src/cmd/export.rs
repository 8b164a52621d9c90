//! `changeportal export`: the record population as CSV or JSON on stdout,
//! exactly as the internal site's `export/changes.csv` and
//! `export/changes.json` (both come from [`crate::render::export::rows`]).
//!
//! `--from` / `--to` keep the records whose period date (`deployed`, else
//! `scheduled`, else `created`) falls in `[from, to]`; a bare-date `--to`
//! includes that whole day.

use super::{config_failure, resolve_now, Failure, Outcome};
use crate::build::{Analysis, Blocked, Build};
use crate::cli::{ExportArgs, ExportFormat, NowArg, RootArg};
use crate::model::Timestamp;
use crate::render::export::{self, FlagIndex, Period};
use crate::report::{self, Format};
use std::io::Write;
use std::process::ExitCode;

/// Prints the population of the period.
pub fn run(args: &ExportArgs) -> Outcome {
    let period = period(args.from, args.to)?;
    let analysis = load_population(&args.root, &args.now)?;
    let flags = FlagIndex::new(&analysis);
    let rows = export::rows(&analysis, &flags, &period);
    let bytes = match args.format {
        ExportFormat::Csv => export::to_csv(&rows).map_err(|e| e.to_string()),
        ExportFormat::Json => export::to_json(&rows).map_err(|e| e.to_string()),
    }
    .map_err(|e| Failure::failed(format!("cannot write the export: {e}")))?;
    write_stdout(&bytes)?;
    Ok(ExitCode::SUCCESS)
}

/// The period `--from`..`--to` of `export` and `sample` (SPEC section 6:
/// whole days in UTC, both included); a `--from` after `--to` is a usage
/// error (exit 2).
pub fn period(from: Option<Timestamp>, to: Option<Timestamp>) -> Result<Period, Failure> {
    match (from, to) {
        (Some(from), Some(to)) if from.date() > to.date() || (from > to && !to.is_date_only()) => {
            Err(Failure::usage(format!(
                "--from {from} is after --to {to}: the period would be empty"
            )))
        }
        _ => Ok(Period::new(from, to)),
    }
}

/// Loads and checks the portal for `export` and `sample`. A record that could
/// not be read would be missing from the population without a trace, so then
/// its diagnostics are printed and the command fails (exit 1); a bad `--now`
/// or `SOURCE_DATE_EPOCH`, or an unusable `portal.yaml`, is exit 2.
pub fn load_population(root: &RootArg, now: &NowArg) -> Result<Analysis, Failure> {
    let now = resolve_now(now.now)?;
    let analysis = Build::new(&root.root, now)
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
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Failure::failed(format!("cannot write to stdout: {error}"))),
    }
}
