//! `changeportal verify MANIFEST`: recomputes the population a manifest
//! describes (SPEC 5, 6) and compares it with the manifest.
//!
//! The population is recomputed for the manifest's `period`, with "now" set
//! to its `generated_at` (time-dependent flags are part of the records), from
//! the portal at `--root` as the manifest's `source` commit holds it, with
//! that commit's history ([`history::checkout`]); from the working tree, with
//! a note, when there is no `source`, when it ends in `+dirty` (uncommitted
//! changes no commit holds), or when the portal is not in a git repository
//! that has the commit. Exit 0 when every record file's SHA-256 and the
//! `population_sha256` match; exit 1 listing on stdout each record `added`,
//! `removed` or `changed` (by id and path; a record whose file moved is
//! `changed`), or the population when only the export differs (a changed
//! `portal.yaml` can change flags without touching a record); exit 2 when the
//! manifest cannot be read or parsed, or for a config error.

use super::export::{analyze, write_stdout};
use super::{Failure, Outcome};
use crate::build::Build;
use crate::cli::VerifyArgs;
use crate::history::{self, Origin};
use crate::model::Timestamp;
use crate::render::export::{Export, FlagIndex, Manifest, ManifestEntry};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

/// Verifies the manifest named on the command line.
pub fn run(args: &VerifyArgs) -> Outcome {
    let expected = read_manifest(&args.manifest)?;
    let now = Timestamp::parse(&expected.metadata.generated_at).map_err(|e| {
        Failure::usage(format!(
            "{}: bad generated_at: {e}",
            args.manifest.display()
        ))
    })?;
    let source = portal_at(&args.root.root, expected.metadata.source.as_deref());
    let analysis = analyze(
        &Build::new(source.folder(&args.root.root), now).with_origin(source.origin.clone()),
    )?;
    let flags = FlagIndex::new(&analysis);
    let actual = Export::new(&analysis, &flags, expected.metadata.period)
        .manifest()
        .map_err(|e| Failure::failed(format!("cannot recompute the manifest: {e}")))?;
    let differences = compare(&expected, &actual);
    if differences.is_empty() {
        println!(
            "verified: {} record(s) deployed in {}, population sha256 {}{}",
            actual.metadata.count,
            actual.metadata.period.describe(),
            actual.population_sha256,
            source.describe()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    for difference in &differences {
        text.push_str(difference);
        text.push('\n');
    }
    write_stdout(text.as_bytes())?;
    Err(Failure::failed(format!(
        "the portal does not match {} ({} difference(s))",
        args.manifest.display(),
        differences.len()
    )))
}

/// The manifest at `path`. Errors (exit 2): it cannot be read or is not a
/// manifest.
fn read_manifest(path: &Path) -> Result<Manifest, Failure> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::usage(format!("cannot read the manifest {}: {e}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Failure::usage(format!("{} is not a manifest: {e}", path.display())))
}

/// The portal to recompute from: a checkout of a commit, or the working
/// tree.
struct Source {
    /// The checkout (deleted when dropped); `None` for the working tree.
    checkout: Option<tempfile::TempDir>,
    /// The history the recomputation reads.
    origin: Origin,
}

impl Source {
    /// ` at commit ID` for a checkout, else nothing.
    fn describe(&self) -> String {
        match &self.origin {
            Origin::Commit { commit, .. } => format!(" at commit {commit}"),
            Origin::Head => String::new(),
        }
    }

    /// The portal folder: the checkout's, else `root`.
    fn folder<'a>(&'a self, root: &'a Path) -> &'a Path {
        self.checkout
            .as_ref()
            .map_or(root, |checkout| checkout.path())
    }
}

/// The portal at `root` as the commit `source` (a manifest's `source`)
/// holds it, with that commit's history; the working tree at `root`, with
/// a note on stderr, when `source` is absent, is a `+dirty` one (no commit
/// holds what was exported), or cannot be checked out (not in a git
/// repository, no such commit).
fn portal_at(root: &Path, source: Option<&str>) -> Source {
    let working_tree = Source {
        checkout: None,
        origin: Origin::Head,
    };
    let Some(commit) = source else {
        return working_tree;
    };
    if let Some(base) = commit.strip_suffix("+dirty") {
        eprintln!(
            "note: the manifest was exported from uncommitted changes on top of commit {base}; verifying the working tree at {}",
            root.display()
        );
        return working_tree;
    }
    match history::checkout(root, commit) {
        Ok(checkout) => Source {
            checkout: Some(checkout),
            origin: Origin::Commit {
                portal: root.to_path_buf(),
                commit: commit.to_string(),
            },
        },
        Err(error) => {
            eprintln!(
                "note: verifying the working tree at {}, not commit {commit}: {error}",
                root.display()
            );
            working_tree
        }
    }
}

/// One line per difference between `expected` and `actual`: `added`,
/// `removed` and `changed` records in id order, then `population` when the
/// records match but the population hash does not.
pub fn compare(expected: &Manifest, actual: &Manifest) -> Vec<String> {
    let by_id = |manifest: &'_ Manifest| -> BTreeMap<String, ManifestEntry> {
        manifest
            .records
            .iter()
            .map(|entry| (entry.id.clone(), entry.clone()))
            .collect()
    };
    let (before, after) = (by_id(expected), by_id(actual));
    let mut differences = Vec::new();
    let ids: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for id in ids {
        match (before.get(id), after.get(id)) {
            (Some(old), None) => differences.push(format!("removed {id} {}", old.path)),
            (None, Some(new)) => differences.push(format!("added {id} {}", new.path)),
            (Some(old), Some(new)) if old.path != new.path => {
                differences.push(format!("changed {id} {} (was {})", new.path, old.path));
            }
            (Some(old), Some(new)) if old.sha256 != new.sha256 => {
                differences.push(format!("changed {id} {}", new.path));
            }
            _ => {}
        }
    }
    if differences.is_empty() && expected.population_sha256 != actual.population_sha256 {
        differences.push(format!(
            "population {} (was {}): the record files match but their export differs",
            actual.population_sha256, expected.population_sha256
        ));
    }
    differences
}
