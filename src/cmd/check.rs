//! `changeportal check`: load, check, print flags.

use super::{config_failure, resolve_now, Failure, Outcome};
use crate::build::Build;
use crate::cli::CheckArgs;
use crate::report;
use std::process::ExitCode;

/// Prints every flag; exit 1 when any is deny-level.
pub fn run(args: &CheckArgs) -> Outcome {
    let now = resolve_now(args.now.now)?;
    let analysis = Build::new(&args.root.root, now)
        .analyze()
        .map_err(|e| config_failure(e, args.format))?;
    report::print(&analysis.flags, &analysis.sources, args.format)
        .map_err(|e| Failure::failed(format!("cannot print flags: {e}")))?;
    if analysis.has_deny() {
        Ok(ExitCode::from(1))
    } else {
        if args.format == report::Format::Human {
            eprintln!(
                "checked {} record(s): no deny-level flags",
                analysis.portal.documents.len()
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}
