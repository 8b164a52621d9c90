//! The example portal as a git repository (issue 14's acceptance): the
//! example's files (portal.yaml without `provenance.baseline`, content/,
//! deploys.csv) copied into a temp folder and committed with scripted
//! dates, each record at its own `created` instant, then one approval
//! committed three days after its change's deploy and one record deleted.
//! Exactly those two tamperings raise provenance flags.

mod common;

use common::checking::{check_json, Reported};
use common::git::{commit_all, git};
use std::path::{Path, PathBuf};

/// The example portal: the repository root.
fn example_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The check's "now", the one the README uses for the example.
const NOW: &str = "2026-11-30";

/// The record whose approval is added late, and that approval's line.
const LATE_RECORD: &str = "content/changes/2026/CHG-0042-pdf-renderer-ssrf-fix.md";
const LATE_APPROVAL: &str = "{ by: Tomas Rivera, role: operations";
/// CHG-0042 was deployed 2026-11-17T02:31:00Z; the approval (stated
/// 2026-11-03T15:45:00Z) is committed three days later.
const LATE_AT: &str = "2026-11-20T02:31:00Z";

/// The record deleted after everything was committed; nothing refers to it.
const REMOVED_RECORD: &str = "content/changes/2025/CHG-0009-reporting-sftp-exports.md";
const REMOVED_AT: &str = "2026-11-25T10:00:00Z";

/// Copies the example's portal files into `to`: portal.yaml without its
/// `provenance:` line (so every commit is judged), content/ and deploys.csv.
fn copy_example(to: &Path) {
    let config = std::fs::read_to_string(example_root().join("portal.yaml")).expect("portal.yaml");
    assert!(
        config.contains("\nprovenance:"),
        "the example sets a baseline"
    );
    let judged: String = config
        .lines()
        .filter(|line| !line.starts_with("provenance:"))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(to.join("portal.yaml"), judged).expect("write portal.yaml");
    std::fs::copy(example_root().join("deploys.csv"), to.join("deploys.csv")).expect("copy");
    let from = example_root().join("content");
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.expect("walk content");
        let target = to
            .join("content")
            .join(entry.path().strip_prefix(&from).expect("below"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The record files under `root`'s content/changes, portal-relative, with
/// their `created` instant as an RFC 3339 datetime (a date is its midnight
/// UTC), oldest first.
fn records_by_created(root: &Path) -> Vec<(String, PathBuf)> {
    let mut records: Vec<(String, PathBuf)> = walkdir::WalkDir::new(root.join("content/changes"))
        .into_iter()
        .map(|entry| entry.expect("walk").into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("record");
            let created = text
                .lines()
                .find_map(|line| line.strip_prefix("created: "))
                .unwrap_or_else(|| panic!("no created in {}", path.display()))
                .trim()
                .to_string();
            let at = if created.len() == 10 {
                format!("{created}T00:00:00Z")
            } else {
                created
            };
            (at, path.strip_prefix(root).expect("below").to_path_buf())
        })
        .collect();
    records.sort();
    records
}

/// Builds the scripted repository in `root` (a copy of the example):
/// portal.yaml, pages and the deploy log first, then each record in a
/// commit at its `created` instant (CHG-0042 without Tomas Rivera's
/// approval), the approval at [`LATE_AT`], the deletion at [`REMOVED_AT`].
/// Returns the ids of the approval's and the deletion's commits.
fn script_history(root: &Path) -> (String, String) {
    let late = root.join(LATE_RECORD);
    let final_text = std::fs::read_to_string(&late).expect("CHG-0042");
    let without: String = final_text
        .lines()
        .filter(|line| !line.contains(LATE_APPROVAL))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_ne!(without, final_text, "the approval is in the example");
    let records = records_by_created(root);
    let staged = tempfile::tempdir().expect("tempdir");
    for (_, path) in &records {
        let keep = staged.path().join(path);
        std::fs::create_dir_all(keep.parent().expect("parent")).expect("mkdir");
        std::fs::rename(root.join(path), keep).expect("set aside");
    }
    git(
        root,
        "2025-01-01T00:00:00Z",
        "Setup",
        &["init", "-q", "-b", "main"],
    );
    commit_all(root, "2025-01-01T00:00:00Z", "Sofia Lindqvist");
    for (at, path) in &records {
        std::fs::rename(staged.path().join(path), root.join(path)).expect("restore");
        if root.join(path) == late {
            std::fs::write(&late, &without).expect("write");
        }
        git(root, at, "Sofia Lindqvist", &["add", "-A"]);
        git(
            root,
            at,
            "Sofia Lindqvist",
            &["commit", "-q", "-m", "record"],
        );
    }
    std::fs::write(&late, &final_text).expect("write");
    let approval = commit_all(root, LATE_AT, "Sam Okafor");
    std::fs::remove_file(root.join(REMOVED_RECORD)).expect("rm");
    let removal = commit_all(root, REMOVED_AT, "Chloe Martin");
    (approval, removal)
}

/// The 1-based line of `file` (portal-relative) holding `needle`.
fn line_of(root: &Path, file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(root.join(file)).expect("record");
    text.lines()
        .position(|line| line.contains(needle))
        .map(|index| index + 1)
        .unwrap_or_else(|| panic!("{needle} not in {file}"))
}

fn is_provenance(flag: &Reported) -> bool {
    [
        "backdated-evidence",
        "edited-after-deploy",
        "record-removed",
    ]
    .contains(&flag.code.as_str())
}

#[test]
fn the_example_as_a_repository_flags_exactly_its_backdated_approval_and_removed_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    copy_example(root);
    let (approval, removal) = script_history(root);
    let (flags, code) = check_json(root, NOW);
    let mut raised: Vec<(&str, &str, &str, usize)> = flags
        .iter()
        .filter(|flag| is_provenance(flag))
        .map(|flag| {
            (
                flag.code.as_str(),
                flag.level.as_str(),
                flag.file.as_str(),
                flag.line,
            )
        })
        .collect();
    raised.sort();
    assert_eq!(
        raised,
        [
            (
                "backdated-evidence",
                "deny",
                LATE_RECORD,
                line_of(root, LATE_RECORD, LATE_APPROVAL)
            ),
            // Adding an approval to a normal change after its deploy also
            // rewrites `approvals` after deploy: the same tampering.
            (
                "edited-after-deploy",
                "warn",
                LATE_RECORD,
                line_of(root, LATE_RECORD, "approvals:")
            ),
            ("record-removed", "deny", REMOVED_RECORD, 1),
        ],
        "{flags:#?}"
    );
    for flag in flags.iter().filter(|flag| is_provenance(flag)) {
        let commit = if flag.code == "record-removed" {
            &removal
        } else {
            &approval
        };
        assert!(flag.message.contains(&commit[..10]), "{}", flag.message);
    }
    assert_eq!(code, 1);
}
