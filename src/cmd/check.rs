//! `changeportal check [FILE...]`: load, check, print flags (SPEC section 6).

use super::{config_failure, resolve_now, Failure, Outcome};
use crate::build::Build;
use crate::cli::{CheckArgs, ReportArgs};
use crate::diagnostics::{Flag, Level};
use crate::report::{self, Format, Options};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Loads the whole portal and prints the flags of the given files (every
/// flag without files); exit 1 when any printed flag is deny-level, 2 when
/// a given file is not a source file of the portal.
pub fn run(args: &CheckArgs) -> Outcome {
    let root = &args.root.root;
    let only = files_of_portal(root, &args.files)?;
    let now = resolve_now(args.now.now)?;
    let options = report_options(&args.report, root);
    let build = Build::new(root, now);
    let store = (!args.no_cache)
        .then(crate::load::stored::default_folder)
        .flatten();
    let analysis = match &store {
        Some(folder) => build.analyze_stored(folder),
        None => build.analyze(),
    }
    .map_err(|e| config_failure(e, args.report.format))?;
    let flags: Vec<Flag> = match &only {
        Some(files) => analysis
            .flags
            .iter()
            .filter(|flag| files.contains(&flag.file))
            .cloned()
            .collect(),
        None => analysis.flags.clone(),
    };
    report::print_with(&flags, &analysis.sources, &options)
        .map_err(|e| Failure::failed(format!("cannot print flags: {e}")))?;
    let checked = only
        .as_ref()
        .map_or(analysis.portal.documents.len(), Vec::len);
    if args.report.format == Format::Human {
        eprintln!("{}", closing_line(checked, only.is_some(), &flags));
    }
    let denied = flags.iter().any(|flag| flag.level == Level::Deny);
    // The process ends here: freeing every record one by one (a fifth of the
    // serial time at 10,000 records) would only hand memory back to a
    // process about to exit.
    std::mem::forget(analysis);
    Ok(ExitCode::from(u8::from(denied)))
}

/// The one summary line `check` ends with (all that `--quiet` prints).
fn closing_line(checked: usize, files: bool, flags: &[Flag]) -> String {
    let what = if files { "file(s)" } else { "record(s)" };
    let denied = flags.iter().any(|flag| flag.level == Level::Deny);
    match (denied, flags.len()) {
        (false, 0) => format!("checked {checked} {what}: no deny-level flags"),
        (false, warnings) => {
            format!("checked {checked} {what}: no deny-level flags, {warnings} warning(s)")
        }
        (true, _) => format!("checked {checked} {what}: {}", report::totals(flags)),
    }
}

/// How `check` and `build` print flags: `--format`, `--quiet`, and
/// `--path-prefix` (default: the portal's place in its git repository,
/// [`report::repository_prefix`]).
pub fn report_options(args: &ReportArgs, root: &Path) -> Options {
    let path_prefix = match &args.path_prefix {
        Some(prefix) => report::normalize_prefix(prefix),
        None if args.format == Format::Sarif => report::repository_prefix(root),
        None => String::new(),
    };
    Options {
        format: args.format,
        quiet: args.quiet,
        path_prefix,
    }
}

/// The given files as portal-relative paths with `/` separators (as flags
/// name them), or `None` when no file was given. Each path is tried
/// relative to the current folder, then relative to `root`. Errors (exit
/// 2): a file that does not exist, lies outside the portal, or is not one
/// of its sources (`portal.yaml`, or a file under `content/`, `static/` or
/// `templates/`).
fn files_of_portal(root: &Path, files: &[PathBuf]) -> Result<Option<Vec<String>>, Failure> {
    if files.is_empty() {
        return Ok(None);
    }
    let canonical_root = root.canonicalize().map_err(|e| {
        Failure::usage(format!("cannot read the portal at {}: {e}", root.display()))
    })?;
    files
        .iter()
        .map(|file| portal_relative(&canonical_root, root, file))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn portal_relative(canonical_root: &Path, root: &Path, file: &Path) -> Result<String, Failure> {
    let found = [file.to_path_buf(), root.join(file)]
        .into_iter()
        .find_map(|candidate| candidate.canonicalize().ok())
        .filter(|path| path.is_file())
        .ok_or_else(|| Failure::usage(format!("{}: no such file", file.display())))?;
    let relative = found
        .strip_prefix(canonical_root)
        .map(|path| {
            path.components()
                .map(|part| part.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        })
        .map_err(|_| {
            Failure::usage(format!(
                "{} is not inside the portal at {}",
                file.display(),
                root.display()
            ))
        })?;
    let is_source = relative == "portal.yaml"
        || ["content/", "static/", "templates/"]
            .iter()
            .any(|folder| relative.starts_with(folder));
    if is_source {
        Ok(relative)
    } else {
        Err(Failure::usage(format!(
            "{} is not a source file of the portal at {} (portal.yaml, content/, static/ or templates/)",
            file.display(),
            root.display()
        )))
    }
}
