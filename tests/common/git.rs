//! Scripted git repositories for the provenance tests: the `git` command
//! line with a fixed identity and fixed author and committer dates, and no
//! user or system configuration.

use std::path::Path;
use std::process::Command;

/// Runs `git args` in `root` as `author` with both dates at `at` (RFC
/// 3339); returns its trimmed stdout. Panics when git fails.
pub fn git(root: &Path, at: &str, author: &str, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", "someone@example.com")
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", "someone@example.com")
        .env("GIT_AUTHOR_DATE", at)
        .env("GIT_COMMITTER_DATE", at)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", root)
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `git init` of `root` on branch `main`.
pub fn init(root: &Path) {
    git(
        root,
        "2026-01-01T00:00:00Z",
        "Setup",
        &["init", "-q", "-b", "main"],
    );
}

/// Commits everything in `root` at `at` by `author` (an empty commit when
/// nothing changed); returns the commit's full id.
pub fn commit_all(root: &Path, at: &str, author: &str) -> String {
    git(root, at, author, &["add", "-A"]);
    git(
        root,
        at,
        author,
        &["commit", "-q", "-m", "change", "--allow-empty"],
    );
    git(root, at, author, &["rev-parse", "HEAD"])
}
