//! Writing the sites: everything goes to a temporary folder beside `--out`,
//! which replaces `--out` only once the whole build is written, so a failed or
//! interrupted build leaves the previous output untouched.

use crate::render::OutputFile;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Marks a folder as changeportal output, so that a rebuild may replace it.
pub const MARKER_FILE: &str = ".changeportal-output";

/// Why the output could not be written.
#[derive(Debug)]
pub struct OutputError(pub String);

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Refuses an output folder that would overwrite or publish the portal's own
/// sources: the portal root, a parent of it, `content/` or anything inside it,
/// or an existing non-empty folder that is not a previous build. Symlinks are
/// resolved before comparing.
pub fn check_out_dir(root: &Path, out: &Path) -> Result<(), OutputError> {
    let root = resolve(root);
    let out_resolved = resolve(out);
    let content = root.join("content");
    let reason = if out_resolved == root {
        Some("it is the portal root")
    } else if root.starts_with(&out_resolved) {
        Some("it contains the portal")
    } else if out_resolved.starts_with(&content) {
        Some("it is inside content/")
    } else {
        None
    };
    if let Some(reason) = reason {
        return Err(OutputError(format!(
            "refusing to write to {}: {reason}; choose a separate folder such as `out`",
            out.display()
        )));
    }
    let is_foreign = out.is_dir()
        && !out.join(MARKER_FILE).exists()
        && std::fs::read_dir(out).map(|mut entries| entries.next().is_some()).unwrap_or(false);
    if is_foreign {
        return Err(OutputError(format!(
            "refusing to replace {}: it is not empty and was not written by changeportal",
            out.display()
        )));
    }
    Ok(())
}

/// Canonicalizes the longest existing prefix of `path` and appends the rest,
/// so that symlinks in existing parents are resolved even when `path` itself
/// does not exist yet.
fn resolve(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            return rest.iter().rev().fold(canonical, |acc: PathBuf, part| acc.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// Writes `trees` (site folder name -> files) into `out`, atomically.
pub fn write_sites(out: &Path, trees: &[(&str, &[OutputFile])]) -> Result<(), OutputError> {
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| OutputError(format!("cannot create {}: {e}", parent.display())))?;
    let staging = tempfile::Builder::new()
        .prefix(".changeportal-build-")
        .tempdir_in(&parent)
        .map_err(|e| OutputError(format!("cannot create a temporary folder in {}: {e}", parent.display())))?;
    for (site, files) in trees {
        write_tree(&staging.path().join(site), files)?;
    }
    std::fs::write(staging.path().join(MARKER_FILE), b"changeportal build output\n")
        .map_err(|e| OutputError(format!("cannot write output marker: {e}")))?;
    swap_into_place(staging, out)
}

/// Creates every folder once, then writes the files in parallel.
fn write_tree(dir: &Path, files: &[OutputFile]) -> Result<(), OutputError> {
    let folders: BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|file| dir.join(&file.path).parent().map(Path::to_path_buf))
        .chain(std::iter::once(dir.to_path_buf()))
        .collect();
    for folder in &folders {
        std::fs::create_dir_all(folder)
            .map_err(|e| OutputError(format!("cannot create {}: {e}", folder.display())))?;
    }
    files.par_iter().try_for_each(|file| {
        let path = dir.join(&file.path);
        let mut handle = std::fs::File::create(&path)
            .map_err(|e| OutputError(format!("cannot write {}: {e}", path.display())))?;
        handle
            .write_all(&file.contents)
            .map_err(|e| OutputError(format!("cannot write {}: {e}", path.display())))
    })
}

/// Replaces `out` with `staging`: an atomic exchange where the OS offers one,
/// else two renames.
fn swap_into_place(staging: tempfile::TempDir, out: &Path) -> Result<(), OutputError> {
    let staged = staging.keep();
    if !out.exists() {
        return std::fs::rename(&staged, out).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            OutputError(format!("cannot move the build into {}: {e}", out.display()))
        });
    }
    exchange(&staged, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        OutputError(format!("cannot replace {}: {e}", out.display()))
    })?;
    // `staged` now holds the previous output.
    std::fs::remove_dir_all(&staged)
        .map_err(|e| OutputError(format!("built, but cannot remove the previous output {}: {e}", staged.display())))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    let parked = a.with_extension("previous");
    std::fs::rename(b, &parked)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&parked, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_portal_root_parent_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("portal");
        std::fs::create_dir_all(root.join("content/changes")).unwrap();
        assert!(check_out_dir(&root, &root).is_err());
        assert!(check_out_dir(&root, dir.path()).is_err());
        assert!(check_out_dir(&root, &root.join("content")).is_err());
        assert!(check_out_dir(&root, &root.join("content/changes/out")).is_err());
        assert!(check_out_dir(&root, &root.join("out")).is_ok());
    }

    #[test]
    fn replaces_previous_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = [OutputFile::new("index.html", b"one".to_vec())];
        write_sites(&out, &[("public", &first)]).unwrap();
        let second = [OutputFile::new("a/b.html", b"two".to_vec())];
        write_sites(&out, &[("public", &second)]).unwrap();
        assert!(!out.join("public/index.html").exists());
        assert_eq!(std::fs::read(out.join("public/a/b.html")).unwrap(), b"two");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no staging folder left behind");
    }
}
