//! `changeportal build`: load, check, render both sites, write atomically.

use super::{config_failure, resolve_now, Failure, Outcome};
use crate::cli::BuildArgs;
use crate::output;
use crate::pipeline::{analyze, Analysis};
use crate::render::{self, Sites, Theme};
use crate::report;
use std::path::Path;
use std::process::ExitCode;

/// Builds `out/public/` and `out/internal/`.
pub fn run(args: &BuildArgs) -> Outcome {
    let root = &args.root.root;
    output::check_out_dir(root, &args.out).map_err(|e| Failure::usage(e.0))?;
    let now = resolve_now(args.now.now)?;
    let analysis = analyze(root, now).map_err(|e| config_failure(e, args.format))?;
    report::print(&analysis.flags, &analysis.sources, args.format)
        .map_err(|e| Failure::failed(format!("cannot print flags: {e}")))?;
    refuse_if_unbuildable(&analysis, args.strict)?;
    let sites = build_sites(&analysis, root, &args.out)?;
    if args.format == report::Format::Human {
        eprintln!(
            "built {} record(s): {} public file(s) in {}, {} internal file(s) in {}",
            analysis.portal.documents.len(),
            sites.public.len(),
            args.out.join("public").display(),
            sites.internal.len(),
            args.out.join("internal").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A build stops before writing when a record could not be read (it would be
/// missing from the sites), or under `--strict` when any flag is deny-level.
pub fn refuse_if_unbuildable(analysis: &Analysis, strict: bool) -> Result<(), Failure> {
    if analysis.has_unreadable_records() {
        return Err(Failure::failed(
            "some records could not be read; nothing was written (fix the errors above)",
        ));
    }
    if strict && analysis.has_deny() {
        return Err(Failure::failed(
            "deny-level flags with --strict; nothing was written",
        ));
    }
    Ok(())
}

/// Renders both sites and swaps them into `out`.
pub fn build_sites(analysis: &Analysis, root: &Path, out: &Path) -> Result<Sites, Failure> {
    let theme = Theme::load(root).map_err(|e| Failure::failed(e.0))?;
    let sites = render::render_sites(analysis, &theme).map_err(|e| Failure::failed(e.0))?;
    output::write_sites(out, &[("public", &sites.public), ("internal", &sites.internal)])
        .map_err(|e| Failure::failed(e.0))?;
    Ok(sites)
}
