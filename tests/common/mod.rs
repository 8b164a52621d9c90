//! Shared helpers for integration tests: a temporary portal built from
//! strings, and the compiled binary.
#![allow(dead_code)]

pub mod cases;
pub mod checking;
pub mod git;
pub mod site;
pub mod tools;

use sha2::Digest;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The compiled `changeportal` binary, keeping `check`'s record store in
/// the target folder rather than in the user's cache folder.
pub fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_changeportal"));
    command.env(
        "CHANGEPORTAL_CACHE_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("record-store"),
    );
    command
}

/// Runs the binary with `args` inside `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run changeportal")
}

/// A copy of the example portal at the repository root (`portal.yaml`,
/// `deploys.csv` and `content/`).
pub fn example_portal() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["portal.yaml", "deploys.csv"] {
        std::fs::copy(repo.join(file), dir.path().join(file)).unwrap();
    }
    for entry in walkdir::WalkDir::new(repo.join("content")) {
        let entry = entry.unwrap();
        let target = dir.path().join(entry.path().strip_prefix(repo).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    dir
}

/// The shared test portal.yaml (`tests/fixtures/portal.yaml`, also used by
/// the fuzz targets): three tiers, a system catalogue and a board.
pub const PORTAL_YAML: &str = include_str!("../fixtures/portal.yaml");

/// A temporary portal folder.
pub struct TempPortal {
    dir: tempfile::TempDir,
}

impl TempPortal {
    /// An empty portal with [`PORTAL_YAML`].
    pub fn new() -> Self {
        Self::with_config(PORTAL_YAML)
    }

    /// An empty portal with the given portal.yaml.
    pub fn with_config(config: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("content/changes")).expect("mkdir");
        std::fs::write(dir.path().join("portal.yaml"), config).expect("write config");
        Self { dir }
    }

    /// The portal root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `content/changes/<name>` (creating sub-folders) and returns its path.
    pub fn record(&self, name: &str, text: &str) -> PathBuf {
        self.write(&format!("content/changes/{name}"), text.as_bytes())
    }

    /// Writes any file below the root.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, bytes).expect("write");
        path
    }

    /// Runs the binary with `args` in the portal root.
    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.root(), args)
    }
}

/// A valid deployed normal public change with two board approvals.
pub fn normal_record(id: &str) -> String {
    format!(
        r#"---
id: {id}
title: Faster invoice search
type: improvement
status: deployed
risk: low
visibility: public
summary: Invoice search is now faster.
author: Sam Writer
created: 2026-01-01
scheduled: 2026-03-01T10:00:00Z
deployed: 2026-03-01T10:30:00Z
systems: [api]
approvals:
  - {{ by: Alice Chen, role: engineering, decision: approve, at: 2026-01-10T09:00:00Z }}
  - {{ by: Omar Haddad, role: operations, decision: approve, at: 2026-01-11T09:00:00Z }}
testing: Load tested.
rollback: Revert the deploy.
---
Invoice search is now faster.

<!-- internal -->
Internal notes.
"#
    )
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `json` without the whitespace between tokens (what `jq -cj` prints).
pub fn minify(json: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
    for c in json.chars() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c.is_whitespace() {
            continue;
        } else {
            in_string = c == '"';
        }
        out.push(c);
    }
    out
}

/// The SHA-256 of `bytes`, lower-case hex (as `sha256sum` prints it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
