//! Running `check` and `build` on a copy of a case under `tests/cases/` or on
//! a portal made from strings, and reading the diagnostics back.

use super::run_in;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Output;

/// One line of `check --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Reported {
    /// Flag code.
    pub code: String,
    /// `deny`, `warn`.
    pub level: String,
    /// File relative to the portal root.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The diagnostic's sentence.
    pub message: String,
}

/// A copy of `tests/cases/<name>` in a temporary folder, which is the
/// portal root ([`super::cases::copy_case_into`]).
pub fn copy_case(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    super::cases::copy_case_into(name, dir.path());
    dir
}

/// `check --format json --now <now>` in `root`: the flags and the exit code.
pub fn check_json(root: &Path, now: &str) -> (Vec<Reported>, i32) {
    let output = run_in(root, &["check", "--format", "json", "--now", now]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("panicked"),
        "panic: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let flags = text
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).expect("a JSON flag"))
        .collect();
    (flags, output.status.code().unwrap_or(-1))
}

/// A build's output: `<dir>/out` in a temporary folder outside the portal
/// (the build refuses an `--out` inside it), and the process output.
pub struct Built {
    /// Holds the output folder.
    pub dir: tempfile::TempDir,
    /// `<dir>/out`, which the build creates.
    pub out: PathBuf,
    /// Exit status and printed text.
    pub output: Output,
}

/// `build --now <now>` of the portal at `root` (with `--strict` when asked).
pub fn build(root: &Path, now: &str, strict: bool) -> Built {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let out_text = out.to_string_lossy().into_owned();
    let mut args = vec!["build", "--out", &out_text, "--now", now];
    if strict {
        args.push("--strict");
    }
    let output = run_in(root, &args);
    Built { dir, out, output }
}

/// The flags of `code` among `flags`.
pub fn with_code<'a>(flags: &'a [Reported], code: &str) -> Vec<&'a Reported> {
    flags.iter().filter(|flag| flag.code == code).collect()
}

/// Reads a file of a built site.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}
