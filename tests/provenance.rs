//! Git provenance (SPEC 3 Provenance, SPEC 4 git flags, issue 14): portals
//! made into git repositories with scripted commits at fixed author and
//! committer dates (the `git` command line), checked and built by the
//! binary; flags read back as JSON, pages as HTML.

mod common;

use common::checking::{build, check_json, with_code, Reported};
use common::git::git;
use common::TempPortal;

/// A portal that is a fresh git repository.
fn repo() -> TempPortal {
    let portal = TempPortal::new();
    common::git::init(portal.root());
    portal
}

/// Commits everything in the portal at `at` by `author`; returns the id.
fn commit(portal: &TempPortal, at: &str, author: &str) -> String {
    common::git::commit_all(portal.root(), at, author)
}

/// A deployed normal change with two approvals, `extra` front matter
/// appended.
fn deployed(id: &str, omar_at: &str, extra: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Faster search\ntype: improvement\nstatus: deployed\nrisk: low\n\
         author: Sam Writer\ncreated: 2026-02-01\nscheduled: 2026-03-05T10:00:00Z\n\
         deployed: 2026-03-05T10:30:00Z\nsystems: [api]\napprovals:\n\
         \x20 - {{ by: Alice Chen, role: engineering, decision: approve, at: 2026-02-20T09:00:00Z }}\n\
         \x20 - {{ by: Omar Haddad, role: operations, decision: approve, at: {omar_at} }}\n\
         testing: Load tested.\nrollback: Revert.\n{extra}---\nBody.\n"
    )
}

/// The same change before deploy, with Alice's approval only.
fn scheduled(id: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Faster search\ntype: improvement\nstatus: scheduled\nrisk: low\n\
         author: Sam Writer\ncreated: 2026-02-01\nscheduled: 2026-03-05T10:00:00Z\n\
         systems: [api]\napprovals:\n\
         \x20 - {{ by: Alice Chen, role: engineering, decision: approve, at: 2026-02-20T09:00:00Z }}\n\
         testing: Load tested.\nrollback: Revert.\n---\nBody.\n"
    )
}

/// The 1-based line of the first line of `file` that contains `needle`.
fn line_of(portal: &TempPortal, file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(portal.root().join(file)).expect("read record");
    text.lines()
        .position(|line| line.contains(needle))
        .map(|index| index + 1)
        .unwrap_or_else(|| panic!("{needle} not in {file}"))
}

const NOW: &str = "2026-04-01";
const PROVENANCE: [&str; 3] = [
    "backdated-evidence",
    "edited-after-deploy",
    "record-removed",
];

fn provenance_flags(flags: &[Reported]) -> Vec<&Reported> {
    flags
        .iter()
        .filter(|flag| PROVENANCE.contains(&flag.code.as_str()))
        .collect()
}

#[test]
fn an_approval_committed_25_hours_late_after_deploy_is_backdated_23_hours_is_not() {
    let portal = repo();
    portal.record("late.md", &scheduled("C-LATE"));
    portal.record("ontime.md", &scheduled("C-ONTIME"));
    commit(&portal, "2026-02-20T12:00:00Z", "Sam Writer");
    // Deployed at 10:30; both second approvals committed at 11:00 the next
    // day: one states 09:59 the day before (25 hours), one 12:00 (23 hours).
    portal.record("late.md", &deployed("C-LATE", "2026-03-05T09:59:00Z", ""));
    portal.record(
        "ontime.md",
        &deployed("C-ONTIME", "2026-03-05T12:00:00Z", ""),
    );
    let id = commit(&portal, "2026-03-06T11:00:00Z", "Mallory Late");
    let (flags, code) = check_json(portal.root(), NOW);
    let backdated = with_code(&flags, "backdated-evidence");
    assert_eq!(backdated.len(), 1, "{flags:#?}");
    let flag = backdated[0];
    assert_eq!(flag.level, "deny");
    assert_eq!(flag.file, "content/changes/late.md");
    assert_eq!(
        flag.line,
        line_of(&portal, "content/changes/late.md", "Omar Haddad")
    );
    assert!(flag.message.contains(&id[..10]), "{}", flag.message);
    assert!(flag.message.contains("Mallory Late"), "{}", flag.message);
    assert_eq!(code, 1);
}

#[test]
fn evidence_edits_after_deploy_are_fine_but_title_and_systems_are_flagged() {
    let portal = repo();
    let okay = "2026-03-04T12:00:00Z";
    portal.record("evidence.md", &deployed("C-EVIDENCE", okay, ""));
    portal.record("rewritten.md", &deployed("C-REWRITTEN", okay, ""));
    // Committed half an hour before the deploy it records: no edit after it.
    commit(&portal, "2026-03-05T10:00:00Z", "Sam Writer");
    let evidence = "review: { by: Priya Nair, at: 2026-03-06T09:00:00Z }\n\
                    post_incident: { at: 2026-03-06T09:30:00Z, lessons: None, policy_review: none }\n\
                    timeline:\n  - { at: 2026-03-05T10:30:00Z, note: Deployed }\n";
    portal.record("evidence.md", &deployed("C-EVIDENCE", okay, evidence));
    let rewritten = deployed("C-REWRITTEN", okay, "")
        .replace("title: Faster search", "title: Much faster search")
        .replace("systems: [api]", "systems: [api, web]");
    portal.record("rewritten.md", &rewritten);
    let id = commit(&portal, "2026-03-06T10:00:00Z", "Eve Editor");
    let (flags, _) = check_json(portal.root(), NOW);
    let edited = with_code(&flags, "edited-after-deploy");
    assert_eq!(edited.len(), 1, "{flags:#?}");
    assert_eq!(edited[0].level, "warn");
    assert_eq!(edited[0].file, "content/changes/rewritten.md");
    assert_eq!(
        edited[0].line,
        line_of(&portal, "content/changes/rewritten.md", "title:")
    );
    for needle in ["`title`", "`systems`", &id[..10], "Eve Editor"] {
        assert!(edited[0].message.contains(needle), "{}", edited[0].message);
    }
    assert!(
        with_code(&flags, "backdated-evidence").is_empty(),
        "{flags:#?}"
    );
}

#[test]
fn a_moved_record_is_a_rename_and_a_cancelled_one_is_retired_not_removed() {
    let portal = repo();
    portal.record("2026/moved.md", &scheduled("C-MOVED"));
    portal.record("2026/edited-move.md", &scheduled("C-EDITMOVE"));
    portal.record("2026/retired.md", &scheduled("C-RETIRED"));
    commit(&portal, "2026-02-20T12:00:00Z", "Sam Writer");
    git(
        portal.root(),
        "2026-02-21T12:00:00Z",
        "Sam Writer",
        &[
            "mv",
            "content/changes/2026/moved.md",
            "content/changes/archive.md",
        ],
    );
    std::fs::remove_file(portal.root().join("content/changes/2026/edited-move.md")).expect("rm");
    portal.record(
        "archive/other-name.md",
        &scheduled("C-EDITMOVE").replace("Faster search", "Faster search, moved"),
    );
    portal.record(
        "2026/retired.md",
        &scheduled("C-RETIRED").replace("status: scheduled", "status: cancelled"),
    );
    commit(&portal, "2026-02-21T12:00:00Z", "Sam Writer");
    let (flags, _) = check_json(portal.root(), NOW);
    assert!(provenance_flags(&flags).is_empty(), "{flags:#?}");
    let built = build(portal.root(), NOW, false);
    assert!(built.output.status.success());
    let page = std::fs::read_to_string(built.out.join("internal/changes/c-editmove.html"))
        .expect("record page");
    assert!(
        page.contains("moved from content/changes/2026/edited-move.md"),
        "history shows the move"
    );
}

#[test]
fn a_deleted_record_is_removed_at_line_1_of_its_last_path_naming_the_commit() {
    let portal = repo();
    portal.record("kept.md", &scheduled("C-KEPT"));
    portal.record("gone.md", &scheduled("C-GONE"));
    commit(&portal, "2026-02-20T12:00:00Z", "Sam Writer");
    std::fs::remove_file(portal.root().join("content/changes/gone.md")).expect("rm");
    let id = commit(&portal, "2026-02-22T12:00:00Z", "Rita Remover");
    let (flags, code) = check_json(portal.root(), NOW);
    let removed = provenance_flags(&flags);
    assert_eq!(removed.len(), 1, "{flags:#?}");
    let flag = removed[0];
    assert_eq!(
        (
            flag.code.as_str(),
            flag.level.as_str(),
            flag.file.as_str(),
            flag.line
        ),
        ("record-removed", "deny", "content/changes/gone.md", 1)
    );
    assert!(flag.message.contains(&id[..10]), "{}", flag.message);
    assert!(flag.message.contains("C-GONE"), "{}", flag.message);
    assert_eq!(code, 1);
}

#[test]
fn a_portal_outside_git_has_no_provenance_flags_and_says_so() {
    let portal = TempPortal::new();
    portal.record("gone.md", &deployed("C-1", "2026-03-04T12:00:00Z", ""));
    let (flags, _) = check_json(portal.root(), NOW);
    assert!(provenance_flags(&flags).is_empty(), "{flags:#?}");
    let built = build(portal.root(), NOW, false);
    assert!(built.output.status.success());
    let dashboard =
        std::fs::read_to_string(built.out.join("internal/index.html")).expect("dashboard");
    assert!(
        dashboard.contains("No git history was available"),
        "{dashboard}"
    );
    let page = std::fs::read_to_string(built.out.join("internal/changes/c-1.html")).expect("page");
    assert!(page.contains("No git history was available for this build"));
}

#[test]
fn uncommitted_edits_raise_nothing_and_are_shown_as_uncommitted() {
    let portal = repo();
    let okay = "2026-03-04T12:00:00Z";
    portal.record("a.md", &deployed("C-A", okay, ""));
    let id = commit(&portal, "2026-03-05T10:00:00Z", "Sam Writer");
    // After deploy, not committed: a rewritten title and a backdated approval.
    let edited = deployed("C-A", "2026-02-01T12:00:00Z", "").replace("Faster search", "Renamed");
    portal.record("a.md", &edited);
    let (flags, _) = check_json(portal.root(), NOW);
    assert!(provenance_flags(&flags).is_empty(), "{flags:#?}");
    let built = build(portal.root(), NOW, false);
    let dashboard =
        std::fs::read_to_string(built.out.join("internal/index.html")).expect("dashboard");
    assert!(dashboard.contains(&id[..10]), "dashboard names HEAD");
    assert!(dashboard.contains("+ uncommitted changes"));
    let page = std::fs::read_to_string(built.out.join("internal/changes/c-a.html")).expect("page");
    assert!(page.contains("uncommitted changes"));
    assert!(page.contains(&id[..10]) && page.contains("Sam Writer"));
}

#[test]
fn the_record_page_highlights_the_commit_that_raised_a_flag() {
    let portal = repo();
    let okay = "2026-03-04T12:00:00Z";
    portal.record("a.md", &deployed("C-A", okay, ""));
    commit(&portal, "2026-03-05T10:00:00Z", "Sam Writer");
    portal.record(
        "a.md",
        &deployed("C-A", okay, "").replace("Faster search", "Renamed"),
    );
    let id = commit(&portal, "2026-03-07T11:00:00Z", "Eve Editor");
    let built = build(portal.root(), NOW, false);
    let page = std::fs::read_to_string(built.out.join("internal/changes/c-a.html")).expect("page");
    let row = page
        .split("<tr")
        .find(|row| row.contains(&id[..10]))
        .expect("a history row for the commit");
    assert!(row.contains("class=\"flagged"), "{row}");
    assert!(
        row.contains("edited-after-deploy") && row.contains("<code>title</code>"),
        "{row}"
    );
}

/// The firing case of the git codes that `tests/flags.rs`'s
/// `every_code_fires_in_one_run` leaves out: each fires, at its default level.
#[test]
fn every_git_code_fires_in_one_repository() {
    let portal = repo();
    portal.record("late.md", &scheduled("C-LATE"));
    portal.record("gone.md", &scheduled("C-GONE"));
    commit(&portal, "2026-02-20T12:00:00Z", "Sam Writer");
    portal.record("late.md", &deployed("C-LATE", "2026-03-01T09:00:00Z", ""));
    std::fs::remove_file(portal.root().join("content/changes/gone.md")).expect("rm");
    commit(&portal, "2026-03-09T11:00:00Z", "Mallory Late");
    let (flags, _) = check_json(portal.root(), NOW);
    let mut raised: Vec<(&str, &str)> = provenance_flags(&flags)
        .iter()
        .map(|flag| (flag.code.as_str(), flag.level.as_str()))
        .collect();
    raised.sort();
    raised.dedup();
    assert_eq!(
        raised,
        [
            ("backdated-evidence", "deny"),
            ("edited-after-deploy", "warn"),
            ("record-removed", "deny")
        ]
    );
}

/// Runs the binary in `portal` and returns (exit code, stdout, stderr).
fn run(portal: &TempPortal, args: &[&str]) -> (Option<i32>, String, String) {
    let output = portal.run(args);
    (
        output.status.code(),
        common::stdout(&output),
        common::stderr(&output),
    )
}

/// `export --manifest` of all dates at [`NOW`] into a folder outside the
/// portal; returns the manifest's path and its parsed JSON.
fn export_manifest(
    portal: &TempPortal,
    folder: &tempfile::TempDir,
) -> (std::path::PathBuf, serde_json::Value) {
    let path = folder.path().join("manifest.json");
    let target = path.to_str().expect("utf-8 path");
    let (code, _, err) = run(portal, &["export", "--now", NOW, "--manifest", target]);
    assert_eq!(code, Some(0), "{err}");
    let json = serde_json::from_str(&std::fs::read_to_string(&path).expect("manifest"))
        .expect("manifest JSON");
    (path, json)
}

#[test]
fn verify_recomputes_at_the_manifests_commit_after_the_working_tree_changed() {
    let portal = repo();
    let okay = "2026-03-04T12:00:00Z";
    portal.record("a.md", &deployed("C-A", okay, ""));
    portal.record("b.md", &deployed("C-B", okay, ""));
    commit(&portal, "2026-03-05T10:00:00Z", "Sam Writer");
    // An edit after deploy: its warning is part of the exported population,
    // so recomputing without the commit's history would not match.
    portal.record(
        "b.md",
        &deployed("C-B", okay, "").replace("Faster", "Quicker"),
    );
    let id = commit(&portal, "2026-03-07T10:00:00Z", "Eve Editor");
    let folder = tempfile::tempdir().expect("tempdir");
    let (manifest, json) = export_manifest(&portal, &folder);
    assert_eq!(json["source"], id.as_str(), "source is HEAD's id");
    let target = manifest.to_str().expect("utf-8 path");

    // The working tree moves on: a record edited, one added, one deleted.
    portal.record(
        "a.md",
        &deployed("C-A", okay, "").replace("Faster", "Slower"),
    );
    portal.record("c.md", &deployed("C-C", okay, ""));
    std::fs::remove_file(portal.root().join("content/changes/b.md")).expect("rm");
    let (code, out, err) = run(&portal, &["verify", target]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains(&format!("at commit {id}")), "{out}");

    // Committed too: still the manifest's commit that is checked.
    commit(&portal, "2026-03-08T10:00:00Z", "Sam Writer");
    let (code, out, err) = run(&portal, &["verify", target]);
    assert_eq!(code, Some(0), "{out}{err}");

    // A commit the repository does not have: the working tree, with a note,
    // and its differences.
    let unknown = std::fs::read_to_string(&manifest)
        .expect("manifest")
        .replace(&id, &"0".repeat(40));
    std::fs::write(&manifest, unknown).expect("write manifest");
    let (code, out, err) = run(&portal, &["verify", target]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("note: verifying the working tree"), "{err}");
    for line in ["changed C-A", "added C-C", "removed C-B"] {
        assert!(out.contains(line), "{line}: {out}");
    }
}

#[test]
fn an_export_with_uncommitted_changes_names_head_plus_dirty() {
    let portal = repo();
    portal.record("a.md", &deployed("C-A", "2026-03-04T12:00:00Z", ""));
    let id = commit(&portal, "2026-03-05T10:00:00Z", "Sam Writer");
    let folder = tempfile::tempdir().expect("tempdir");
    let config = std::fs::read_to_string(portal.root().join("portal.yaml")).expect("config");
    portal.write("portal.yaml", format!("{config}\n# edited\n").as_bytes());
    let (manifest, json) = export_manifest(&portal, &folder);
    assert_eq!(json["source"], format!("{id}+dirty"));
    let (code, out, err) = run(&portal, &["verify", manifest.to_str().expect("utf-8")]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        err.contains("uncommitted changes on top of commit"),
        "{err}"
    );

    let outside = TempPortal::new();
    outside.record("a.md", &deployed("C-A", "2026-03-04T12:00:00Z", ""));
    let (_, json) = export_manifest(&outside, &folder);
    assert!(json["source"].is_null(), "{json}");
}

/// A public standard change on a real-time tier, scheduled at `at`.
fn upcoming(at: &str) -> String {
    format!(
        "---\nid: UP-1\ntitle: Database upgrade\ntype: maintenance\nclass: standard\n\
         status: scheduled\nvisibility: public\nsummary: Upgrade of the database.\n\
         author: Sam Writer\ncreated: 2026-03-01\nscheduled: {at}\n---\nBody.\n"
    )
}

/// The `SEQUENCE` of the change's `event.ics` built at `now`, parsed with
/// `icalendar` when it is installed, else read from the text.
fn event_sequence(portal: &TempPortal, now: &str) -> u64 {
    let built = build(portal.root(), now, false);
    assert!(built.output.status.success());
    let file = built.out.join("public/changes/up-1/event.ics");
    let text = std::fs::read_to_string(&file).expect("event.ics");
    let sequences: Vec<u64> = text
        .lines()
        .filter_map(|line| line.strip_prefix("SEQUENCE:"))
        .map(|value| value.parse().expect("a number"))
        .collect();
    assert_eq!(sequences.len(), 1, "{text}");
    if let Some(reports) = common::tools::ical_reports(&[file]) {
        assert_eq!(reports[0]["events"][0]["sequence"], sequences[0]);
    }
    sequences[0]
}

#[test]
fn the_calendar_sequence_counts_the_committed_reschedules() {
    let portal = TempPortal::with_config(
        "title: Calendar\nbase_url: https://cal.example\ntiers:\n  standard:\n    title: Standard\n    notice_days: 0\n",
    );
    git(
        portal.root(),
        "2026-03-01T00:00:00Z",
        "Setup",
        &["init", "-q", "-b", "main"],
    );
    let now = "2026-04-05T00:00:00Z";
    portal.record("up.md", &upcoming("2026-04-10T09:00:00Z"));
    commit(&portal, "2026-03-01T10:00:00Z", "Sam Writer");
    assert_eq!(event_sequence(&portal, now), 0);
    portal.record("up.md", &upcoming("2026-04-17T09:00:00Z"));
    commit(&portal, "2026-03-02T10:00:00Z", "Sam Writer");
    assert_eq!(event_sequence(&portal, now), 1, "after one reschedule");
    portal.record("up.md", &upcoming("2026-04-24T09:00:00Z"));
    commit(&portal, "2026-03-03T10:00:00Z", "Sam Writer");
    assert_eq!(event_sequence(&portal, now), 2, "after two reschedules");
    // A commit that changes something else does not move the event.
    portal.record(
        "up.md",
        &upcoming("2026-04-24T09:00:00Z").replace("Body.", "More body."),
    );
    commit(&portal, "2026-03-04T10:00:00Z", "Sam Writer");
    assert_eq!(event_sequence(&portal, now), 2);
}

/// The `provenance` column of `sample --format workpaper` per record id.
fn provenance_verdicts(portal: &TempPortal) -> Vec<(String, String)> {
    let (code, out, err) = run(
        portal,
        &[
            "sample",
            "--format",
            "workpaper",
            "--seed",
            "1",
            "--now",
            NOW,
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header == name)
            .unwrap_or_else(|| panic!("no {name} column in {headers:?}"))
    };
    let (id, provenance) = (column("id"), column("provenance"));
    let mut verdicts: Vec<(String, String)> = reader
        .records()
        .map(|row| {
            let row = row.expect("row");
            (row[id].to_string(), row[provenance].to_string())
        })
        .collect();
    verdicts.sort();
    verdicts
}

#[test]
fn the_workpaper_provenance_attribute_follows_the_git_flags() {
    let portal = repo();
    let okay = "2026-03-04T12:00:00Z";
    portal.record("clean.md", &deployed("C-CLEAN", okay, ""));
    portal.record("edited.md", &deployed("C-EDITED", okay, ""));
    portal.record("late.md", &scheduled("C-LATE"));
    commit(&portal, "2026-03-05T10:00:00Z", "Sam Writer");
    portal.record(
        "edited.md",
        &deployed("C-EDITED", okay, "").replace("Faster", "Quicker"),
    );
    portal.record("late.md", &deployed("C-LATE", "2026-03-01T09:00:00Z", ""));
    commit(&portal, "2026-03-09T10:00:00Z", "Mallory Late");
    // Never committed: no history speaks for it.
    portal.record("new.md", &deployed("C-NEW", okay, ""));
    let expected = [
        ("C-CLEAN", "pass"),
        ("C-EDITED", "fail"),
        ("C-LATE", "fail"),
        ("C-NEW", "n/a"),
    ]
    .map(|(id, verdict)| (id.to_string(), verdict.to_string()));
    assert_eq!(provenance_verdicts(&portal), expected);

    let outside = TempPortal::new();
    outside.record("clean.md", &deployed("C-CLEAN", okay, ""));
    assert_eq!(
        provenance_verdicts(&outside),
        [("C-CLEAN".to_string(), "n/a".to_string())]
    );
}

/// A portal that is a fresh git repository whose portal.yaml sets
/// `provenance.baseline` to `baseline`.
fn repo_with_baseline(baseline: &str) -> TempPortal {
    let portal = TempPortal::with_config(&format!(
        "{}\nprovenance: {{ baseline: {baseline} }}\n",
        common::PORTAL_YAML
    ));
    common::git::init(portal.root());
    portal
}

#[test]
fn an_approval_imported_by_the_baseline_is_not_backdated_but_its_edit_after_it_is() {
    // Deployed 03-05 10:30; Omar's approval states 09:00 and is imported 25
    // hours later, at the baseline itself (at or before it: the import).
    let portal = repo_with_baseline("2026-03-06T10:00:00Z");
    portal.record("a.md", &deployed("C-A", "2026-03-05T09:00:00Z", ""));
    let import = commit(&portal, "2026-03-06T10:00:00Z", "Ivan Importer");
    let (flags, _) = check_json(portal.root(), NOW);
    assert!(provenance_flags(&flags).is_empty(), "{flags:#?}");
    // The control: without the baseline both imported approvals (Alice's
    // states 02-20) are backdated evidence.
    let config = std::fs::read_to_string(portal.root().join("portal.yaml")).expect("config");
    portal.write("portal.yaml", common::PORTAL_YAML.as_bytes());
    let (flags, _) = check_json(portal.root(), NOW);
    let backdated = with_code(&flags, "backdated-evidence");
    assert_eq!(backdated.len(), 2, "{flags:#?}");
    assert!(backdated
        .iter()
        .all(|flag| flag.message.contains(&import[..10])));
    portal.write("portal.yaml", config.as_bytes());

    // One minute after the baseline the approval is edited to state 09:01:
    // a new form, committed 25 hours after the instant it states.
    portal.record("a.md", &deployed("C-A", "2026-03-05T09:01:00Z", ""));
    let edit = commit(&portal, "2026-03-06T10:01:00Z", "Mallory Late");
    let (flags, code) = check_json(portal.root(), NOW);
    // Rewriting a normal change's approvals after deploy is also an edit
    // after deploy; both name the edit, not the import.
    let mut raised: Vec<(&str, &str, usize)> = provenance_flags(&flags)
        .iter()
        .map(|flag| (flag.code.as_str(), flag.file.as_str(), flag.line))
        .collect();
    raised.sort();
    let approvals = line_of(&portal, "content/changes/a.md", "approvals:");
    let omar = line_of(&portal, "content/changes/a.md", "Omar Haddad");
    assert_eq!(
        raised,
        [
            ("backdated-evidence", "content/changes/a.md", omar),
            ("edited-after-deploy", "content/changes/a.md", approvals)
        ],
        "{flags:#?}"
    );
    for flag in provenance_flags(&flags) {
        assert!(flag.message.contains(&edit[..10]), "{}", flag.message);
    }
    let backdated = with_code(&flags, "backdated-evidence");
    assert!(
        backdated[0].message.contains("Omar Haddad")
            && backdated[0].message.contains("25 hours later"),
        "{}",
        backdated[0].message
    );
    assert_eq!(code, 1);
}

#[test]
fn edits_and_removals_up_to_a_date_baseline_are_the_import_later_ones_are_judged() {
    // A date-only baseline includes that whole day (UTC).
    let portal = repo_with_baseline("2026-03-10");
    let okay = "2026-03-04T12:00:00Z";
    portal.record("a.md", &deployed("C-A", okay, ""));
    portal.record("early-gone.md", &scheduled("C-EARLY"));
    portal.record("late-gone.md", &scheduled("C-LATE"));
    commit(&portal, "2026-03-05T10:00:00Z", "Ivan Importer");
    // After the deploy (10:30) but on the baseline's day: the import.
    let retitled = deployed("C-A", okay, "").replace("Faster search", "Quicker search");
    portal.record("a.md", &retitled);
    std::fs::remove_file(portal.root().join("content/changes/early-gone.md")).expect("rm");
    let imported = commit(&portal, "2026-03-10T23:59:00Z", "Ivan Importer");
    let (flags, _) = check_json(portal.root(), NOW);
    assert!(provenance_flags(&flags).is_empty(), "{flags:#?}");

    // The next minute is after the baseline: judged.
    portal.record("a.md", &retitled.replace("Quicker search", "Speedy search"));
    std::fs::remove_file(portal.root().join("content/changes/late-gone.md")).expect("rm");
    let judged = commit(&portal, "2026-03-11T00:00:00Z", "Eve Editor");
    let (flags, _) = check_json(portal.root(), NOW);
    let mut raised: Vec<(&str, &str, usize)> = provenance_flags(&flags)
        .iter()
        .map(|flag| (flag.code.as_str(), flag.file.as_str(), flag.line))
        .collect();
    raised.sort();
    assert_eq!(
        raised,
        [
            (
                "edited-after-deploy",
                "content/changes/a.md",
                line_of(&portal, "content/changes/a.md", "title:")
            ),
            ("record-removed", "content/changes/late-gone.md", 1)
        ],
        "{flags:#?}"
    );
    assert!(provenance_flags(&flags)
        .iter()
        .all(|flag| flag.message.contains(&judged[..10])));

    // The record page still shows every commit, the imported ones marked.
    let built = build(portal.root(), NOW, false);
    let page = std::fs::read_to_string(built.out.join("internal/changes/c-a.html")).expect("page");
    let row = |id: &str| {
        page.split("<tr")
            .find(|row| row.contains(&id[..10]))
            .unwrap_or_else(|| panic!("no history row for {id}"))
            .to_string()
    };
    let (imported_row, judged_row) = (row(&imported), row(&judged));
    assert!(imported_row.contains(">import<"), "{imported_row}");
    assert!(!imported_row.contains("class=\"flagged"), "{imported_row}");
    assert!(!judged_row.contains(">import<"), "{judged_row}");
    assert!(judged_row.contains("edited-after-deploy"), "{judged_row}");
    let dashboard =
        std::fs::read_to_string(built.out.join("internal/index.html")).expect("dashboard");
    assert!(
        dashboard.contains("Commits up to 2026-03-10"),
        "{dashboard}"
    );
}
