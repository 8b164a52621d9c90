//! `changeportal build`: load, check, render both sites, write atomically.

use super::{config_failure, resolve_now, Failure, Outcome};
use crate::build::Build;
use crate::cli::BuildArgs;
use crate::output;
use crate::report;
use std::process::ExitCode;

/// Builds `out/public/` and `out/internal/`. `--out` is resolved and
/// checked before anything is read or created (SPEC 6), and the build
/// writes to the resolved folder; a record or source file that cannot be
/// used (SPEC 5) stops it before any folder is created.
pub fn run(args: &BuildArgs) -> Outcome {
    let root = &args.root.root;
    let out = output::resolve_out_dir(root, &args.out).map_err(|e| Failure::usage(e.0))?;
    let now = resolve_now(args.now.now)?;
    let build = Build::new(root, now);
    let analysis = build
        .analyze()
        .map_err(|e| config_failure(e, args.format))?;
    report::print(&analysis.flags, &analysis.sources, args.format)
        .map_err(|e| Failure::failed(format!("cannot print flags: {e}")))?;
    let buildable = analysis
        .buildable(args.strict)
        .map_err(|blocked| Failure::failed(blocked.to_string()))?;
    let written = build
        .write(buildable, &out)
        .map_err(|e| Failure::failed(e.to_string()))?;
    if args.format == report::Format::Human {
        eprintln!(
            "built {} record(s): {} public file(s) in {}, {} internal file(s) in {}",
            analysis.portal.documents.len(),
            written.public,
            args.out.join("public").display(),
            written.internal,
            args.out.join("internal").display()
        );
        match crate::render::schedule::schedule(&analysis).next_rebuild_at {
            Some(at) => eprintln!("next rebuild due at {at}"),
            None => eprintln!("no rebuild due"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
