//! `changeportal build`: load, check, render both sites, write atomically.

use super::{config_failure, resolve_now, Failure, Outcome};
use crate::cli::BuildArgs;
use crate::output;
use crate::pipeline::{analyze, Analysis};
use crate::render::{self, Theme};
use crate::report;
use std::path::Path;
use std::process::ExitCode;

/// Builds `out/public/` and `out/internal/`. `--out` is resolved and
/// checked before anything is read or created (SPEC 6), and the build
/// writes to the resolved folder; a record or source file that cannot be
/// used (SPEC 5) stops it before any folder is created.
pub fn run(args: &BuildArgs) -> Outcome {
    let root = &args.root.root;
    let out = output::resolve_out_dir(root, &args.out).map_err(|e| Failure::usage(e.0))?;
    let now = resolve_now(args.now.now)?;
    let analysis = analyze(root, now).map_err(|e| config_failure(e, args.format))?;
    report::print(&analysis.flags, &analysis.sources, args.format)
        .map_err(|e| Failure::failed(format!("cannot print flags: {e}")))?;
    refuse_if_unbuildable(&analysis, args.strict)?;
    let written = build_sites(&analysis, root, &out)?;
    if args.format == report::Format::Human {
        eprintln!(
            "built {} record(s): {} public file(s) in {}, {} internal file(s) in {}",
            analysis.portal.documents.len(),
            written.public,
            args.out.join("public").display(),
            written.internal,
            args.out.join("internal").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A build stops before writing when a record or source file could not be
/// used (a record would be missing from the sites, a file would come from
/// outside the portal or clash with another's output), or under `--strict`
/// when any flag is deny-level.
pub fn refuse_if_unbuildable(analysis: &Analysis, strict: bool) -> Result<(), Failure> {
    if analysis.has_unreadable_records() {
        return Err(Failure::failed(
            "some records or source files could not be used; nothing was written (fix the errors above)",
        ));
    }
    if strict && analysis.has_deny() {
        return Err(Failure::failed(
            "deny-level flags with --strict; nothing was written",
        ));
    }
    Ok(())
}

/// How many files each site got.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    /// Files of `out/public/`.
    pub public: usize,
    /// Files of `out/internal/`.
    pub internal: usize,
}

/// Renders both sites straight into a staging folder and swaps it into
/// `out` (already resolved by [`output::resolve_out_dir`]). The theme is
/// loaded first, so a `templates/` or `static/` file it refuses stops the
/// build before any folder is created.
pub fn build_sites(analysis: &Analysis, root: &Path, out: &Path) -> Result<Written, Failure> {
    let theme = Theme::load(root).map_err(|e| Failure::failed(e.0))?;
    let failed = |e: output::OutputError| Failure::failed(e.0);
    let staging = output::Staging::new(out).map_err(failed)?;
    let public = staging.site("public").map_err(failed)?;
    let internal = staging.site("internal").map_err(failed)?;
    render::render_into(analysis, &theme, &public, &internal).map_err(|e| Failure::failed(e.0))?;
    let written = Written {
        public: public.count(),
        internal: internal.count(),
    };
    staging.finish().map_err(failed)?;
    Ok(written)
}
