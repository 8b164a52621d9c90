//! The failing inputs of the hostile-input issue, kept in `tests/cases/<name>/`
//! (each with its `EXPECT.md`), copied into a temp folder before use so that no
//! test writes into the repository.

use super::run_in;
use std::path::{Path, PathBuf};
use std::process::Output;

/// `tests/cases/<name>`.
pub fn case_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(name)
}

/// A copy of the case `name` in a fresh temp folder: (guard, portal root).
pub fn copy_case(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join(name);
    copy_case_into(name, &root);
    (dir, root)
}

/// Copies the case folder `tests/cases/<name>` into `to` (created when
/// missing), without its `EXPECT.md`, which is not part of the portal.
pub fn copy_case_into(name: &str, to: &Path) {
    let from = case_dir(name);
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.expect("walk case");
        let relative = entry.path().strip_prefix(&from).expect("below case");
        let target = to.join(relative);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else if relative != Path::new("EXPECT.md") {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// `check --root ROOT --now NOW`.
pub fn check(root: &Path, now: &str) -> Output {
    run_in(
        root,
        &["check", "--root", &root.to_string_lossy(), "--now", now],
    )
}

/// `build --root ROOT --out OUT --now NOW [extra...]`.
pub fn build(root: &Path, out: &Path, now: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "build".to_string(),
        "--root".to_string(),
        root.to_string_lossy().into_owned(),
        "--out".to_string(),
        out.to_string_lossy().into_owned(),
        "--now".to_string(),
        now.to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_in(root, &args)
}

/// Every file below `dir` whose bytes contain `needle`, as paths relative to `dir`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    if !dir.exists() {
        return found;
    }
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.expect("walk output");
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).expect("read output");
            if bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
            {
                let relative = entry.path().strip_prefix(dir).expect("inside");
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}
