//! `changeportal verify MANIFEST`: recomputes the population a manifest
//! describes (SPEC 5, 6) and compares it with the manifest.
//!
//! The population is recomputed for the manifest's `period`, with "now" set
//! to its `generated_at` (time-dependent flags are part of the records), from
//! the portal at `--root`. Exit 0 when every record file's SHA-256 and the
//! `population_sha256` match; exit 1 listing on stdout each record `added`,
//! `removed` or `changed` (by id and path; a record whose file moved is
//! `changed`), or the population when only the export differs (a changed
//! `portal.yaml` can change flags without touching a record); exit 2 when the
//! manifest cannot be read or parsed, or for a config error.

use super::export::{analyze, write_stdout};
use super::{Failure, Outcome};
use crate::cli::VerifyArgs;
use crate::model::Timestamp;
use crate::render::export::{Export, FlagIndex, Manifest, ManifestEntry};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
    let root = portal_at(&args.root.root, expected.metadata.source.as_deref());
    let analysis = analyze(&root, now)?;
    let flags = FlagIndex::new(&analysis);
    let actual = Export::new(&analysis, &flags, expected.metadata.period)
        .manifest()
        .map_err(|e| Failure::failed(format!("cannot recompute the manifest: {e}")))?;
    let differences = compare(&expected, &actual);
    if differences.is_empty() {
        println!(
            "verified: {} record(s) deployed in {}, population sha256 {}",
            actual.metadata.count,
            actual.metadata.period.describe(),
            actual.population_sha256
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

/// The portal folder to recompute from. Seam for SPEC 6 "at the manifest's
/// commit": until the history module can materialise the portal at a commit,
/// this is the working tree at `root`, and a manifest with a `source` commit
/// gets a note saying so.
fn portal_at(root: &Path, source: Option<&str>) -> PathBuf {
    if let Some(commit) = source {
        eprintln!(
            "note: verifying the working tree at {}, not commit {commit}",
            root.display()
        );
    }
    root.to_path_buf()
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
