//! `check FILE...` reports only the given files' flags with the exit code
//! from them (the whole portal is still loaded: a duplicate id is caught
//! against every record); `--quiet` prints only the summary line; the human
//! summary groups flags by code (SPEC section 6).

mod common;

use common::{normal_record, TempPortal};

fn portal_with_two_records() -> TempPortal {
    let portal = TempPortal::new();
    portal.record("2026/CHG-0001.md", &normal_record("CHG-0001"));
    let self_approved = normal_record("CHG-0002").replace("by: Omar Haddad", "by: Sam Writer");
    portal.record("2026/CHG-0002.md", &self_approved);
    portal
}

#[test]
fn only_the_given_files_flags_count() {
    let portal = portal_with_two_records();
    let clean = portal.run(&[
        "check",
        "--now",
        "2026-06-01",
        "content/changes/2026/CHG-0001.md",
    ]);
    assert_eq!(clean.status.code(), Some(0), "{}", common::stderr(&clean));
    assert!(common::stderr(&clean).contains("checked 1 file(s): no deny-level flags"));
    let flagged = portal.run(&[
        "check",
        "--now",
        "2026-06-01",
        "--format",
        "json",
        "content/changes/2026/CHG-0002.md",
    ]);
    assert_eq!(flagged.status.code(), Some(1));
    let files: Vec<String> = common::stdout(&flagged)
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["file"].to_string())
        .collect();
    assert!(!files.is_empty());
    assert!(
        files.iter().all(|file| file.contains("CHG-0002.md")),
        "{files:?}"
    );
}

#[test]
fn files_resolve_against_the_current_folder_and_duplicates_see_the_whole_portal() {
    let portal = portal_with_two_records();
    let copy = portal.record("2026/CHG-0003.md", &normal_record("CHG-0001"));
    let outside = tempfile::tempdir().unwrap();
    let root = portal.root().to_string_lossy().to_string();
    let output = common::run_in(
        outside.path(),
        &[
            "check",
            "--root",
            &root,
            "--now",
            "2026-06-01",
            &copy.to_string_lossy(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(common::stderr(&output).contains("[duplicate-id]"));
}

#[test]
fn a_file_that_is_not_a_portal_source_is_a_usage_error() {
    let portal = portal_with_two_records();
    portal.write("notes.txt", b"hello");
    for file in [
        "notes.txt",
        "content/changes/2026/missing.md",
        "/etc/hostname",
    ] {
        let output = portal.run(&["check", file]);
        assert_eq!(output.status.code(), Some(2), "{file}");
    }
}

#[test]
fn quiet_prints_only_the_summary_line_and_the_summary_groups_by_code() {
    let portal = portal_with_two_records();
    let quiet = portal.run(&["check", "--now", "2026-06-01", "--quiet"]);
    assert_eq!(quiet.status.code(), Some(1));
    let text = common::stderr(&quiet);
    assert_eq!(text.lines().count(), 1, "{text}");
    let totals = text
        .trim_end()
        .strip_prefix("checked 2 record(s): ")
        .expect("summary line")
        .to_string();
    assert!(totals.contains("error(s)"), "{text}");
    let loud = portal.run(&["check", "--now", "2026-06-01"]);
    let text = common::stderr(&loud);
    let grouped = text
        .lines()
        .skip_while(|line| !line.starts_with("flags by code:"))
        .collect::<Vec<_>>();
    assert_eq!(
        grouped.first().copied(),
        Some(format!("flags by code: {totals}").as_str())
    );
    let self_approval = grouped
        .iter()
        .find(|line| line.contains("self-approval"))
        .expect("a line for self-approval");
    assert!(
        self_approval
            .split_whitespace()
            .eq(["error", "self-approval", "1"]),
        "{text}"
    );
    assert_eq!(
        grouped.last().copied(),
        Some(format!("checked 2 record(s): {totals}").as_str())
    );
    let built = portal.run(&["build", "--now", "2026-06-01", "--quiet", "--out", "out"]);
    assert_eq!(built.status.code(), Some(0));
    let text = common::stderr(&built);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with("built 2 record(s)") && text.contains(&totals),
        "{text}"
    );
}
