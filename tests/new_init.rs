//! `changeportal new` and `changeportal init`, run as a writer would, then
//! checked and built with the real commands.

mod common;

use common::{normal_record, run_in, stderr, stdout, TempPortal};
use std::path::{Path, PathBuf};

const NOW: &str = "2026-11-24";

/// Runs `new` in `portal` and returns the path it printed.
fn new_record(portal: &TempPortal, args: &[&str]) -> PathBuf {
    let mut all = vec!["new", "--now", NOW];
    all.extend_from_slice(args);
    let output = portal.run(&all);
    assert!(output.status.success(), "new failed: {}", stderr(&output));
    let printed = PathBuf::from(stdout(&output).trim());
    let path = if printed.is_absolute() {
        printed
    } else {
        portal.root().join(printed)
    };
    assert!(path.is_file(), "{} was not written", path.display());
    path
}

/// The codes `check --format json` reports, one per flag.
fn flag_codes(root: &Path) -> Vec<(String, String)> {
    let output = run_in(root, &["check", "--now", NOW, "--format", "json"]);
    stdout(&output)
        .lines()
        .map(|line| {
            let flag: serde_json::Value = serde_json::from_str(line).expect("JSON flag");
            (
                flag["code"].as_str().unwrap().to_string(),
                flag["file"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn front_matter_value(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{key}: ")))
        .map(|value| value.split(" #").next().unwrap().trim().to_string())
        .unwrap_or_else(|| panic!("no {key} in {text}"))
}

#[test]
fn every_class_gives_a_record_that_parses_cleanly() {
    for class in ["standard", "normal", "emergency"] {
        let portal = TempPortal::new();
        let path = new_record(
            &portal,
            &[
                "--title",
                "Rotate: the \"signing\" keys # now",
                "--type",
                "security",
                "--class",
                class,
            ],
        );
        assert_eq!(
            path,
            portal
                .root()
                .join("content/changes/2026/CHG-0001-rotate-the-signing-keys-now.md")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(front_matter_value(&text, "class"), class);
        assert_eq!(front_matter_value(&text, "type"), "security");
        assert_eq!(front_matter_value(&text, "status"), "proposed");
        assert_eq!(front_matter_value(&text, "visibility"), "internal");
        assert_eq!(front_matter_value(&text, "created"), NOW);
        let broken: Vec<_> = flag_codes(portal.root())
            .into_iter()
            .filter(|(code, _)| code == "invalid-record" || code == "unknown-field")
            .collect();
        assert!(broken.is_empty(), "{class}: {broken:?}\n{text}");
        let yaml = text.split("---\n").nth(1).unwrap();
        let matter: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(
            matter["title"].as_str(),
            Some("Rotate: the \"signing\" keys # now")
        );
    }
}

#[test]
fn the_emergency_placeholders_fill_the_emergency_block() {
    let portal = TempPortal::new();
    let path = new_record(
        &portal,
        &["--title", "Block abusive traffic", "--class", "emergency"],
    );
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains("\nemergency:\n  reason: \"TODO"), "{text}");
    assert!(text.contains("  declared_by: \"TODO"), "{text}");
    assert!(text.contains("  declared_at: 2026-11-24\n"), "{text}");
    for commented in ["# review:", "# timeline:", "# post_incident:"] {
        assert!(text.contains(commented), "{commented} missing:\n{text}");
    }
    let codes: Vec<String> = flag_codes(portal.root())
        .into_iter()
        .map(|(code, _)| code)
        .collect();
    assert!(
        !codes.iter().any(|code| code == "missing-emergency-reason"),
        "{codes:?}"
    );
}

#[test]
fn consecutive_records_get_consecutive_ids_in_the_portal_pattern() {
    let portal = TempPortal::new();
    portal.record("2025/chg-0049.md", &normal_record("CHG-0049"));
    portal.record("2025/chg-0050.md", &normal_record("CHG-0050"));
    portal.record(
        "2025/broken.md",
        "---\nid: CHG-0007\ntitle: [unclosed\n---\n",
    );
    let first = new_record(&portal, &["--title", "First"]);
    let second = new_record(&portal, &["--title", "Second"]);
    assert_eq!(first.file_name().unwrap(), "CHG-0051-first.md");
    assert_eq!(second.file_name().unwrap(), "CHG-0052-second.md");
    let ids: Vec<String> = [first, second]
        .iter()
        .map(|path| front_matter_value(&std::fs::read_to_string(path).unwrap(), "id"))
        .collect();
    assert_eq!(ids, ["CHG-0051", "CHG-0052"]);
    let duplicates = flag_codes(portal.root())
        .into_iter()
        .filter(|(code, _)| code == "duplicate-id")
        .count();
    assert_eq!(duplicates, 0);
}

#[test]
fn new_refuses_to_overwrite_an_existing_file() {
    let portal = TempPortal::new();
    let taken = portal.record(
        "2026/CHG-0001-same-title.md",
        "notes without front matter\n",
    );
    let output = portal.run(&["new", "--now", NOW, "--title", "Same title"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("refusing to overwrite"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(taken).unwrap(),
        "notes without front matter\n"
    );
}

#[test]
fn new_rejects_bad_values_and_folders_that_are_not_portals() {
    let portal = TempPortal::new();
    for args in [
        ["--type", "wizardry"],
        ["--class", "urgent"],
        ["--title", "  "],
    ] {
        let mut all = vec!["new", "--now", NOW, "--title", "Fine"];
        all.extend_from_slice(&args);
        let output = portal.run(&all);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert!(
        stderr(&portal.run(&["new", "--title", "x", "--type", "wizardry"])).contains("feature")
    );
    assert!(
        !portal.root().join("content/changes/2026").exists(),
        "a record was written"
    );
    let empty = tempfile::tempdir().unwrap();
    let output = run_in(empty.path(), &["new", "--title", "Nowhere"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn init_creates_a_portal_that_checks_clean_and_builds() {
    let parent = tempfile::tempdir().unwrap();
    let output = run_in(parent.path(), &["init", "portal"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let root = parent.path().join("portal");
    for file in [
        "portal.yaml",
        "content/pages/about.md",
        "templates",
        "static",
    ] {
        assert!(root.join(file).exists(), "{file} missing");
    }

    let check = run_in(&root, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert!(!stderr(&check).contains("warning"), "{}", stderr(&check));
    let json = run_in(&root, &["check", "--format", "json"]);
    assert_eq!(stdout(&json).trim(), "", "flags on a fresh portal");

    let build = run_in(&root, &["build"]);
    assert!(build.status.success(), "{}", stderr(&build));
    let record =
        std::fs::read_to_string(root.join("out/public/changes/chg-0001/index.html")).unwrap();
    assert!(record.contains("Dark mode for the web app"));
    assert!(root.join("out/internal/index.html").is_file());

    let next = run_in(&root, &["new", "--title", "Second change"]);
    assert!(
        stdout(&next).contains("CHG-0002-second-change.md"),
        "{}",
        stdout(&next)
    );
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let parent = tempfile::tempdir().unwrap();
    std::fs::write(parent.path().join("notes.txt"), "mine").unwrap();
    let output = run_in(parent.path(), &["init", "."]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!parent.path().join("portal.yaml").exists());
    assert_eq!(
        std::fs::read_to_string(parent.path().join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn new_offers_the_lifecycle_fields_and_help_lists_the_allowed_values() {
    for class in ["standard", "normal", "emergency"] {
        let portal = TempPortal::new();
        let path = new_record(&portal, &["--title", "Offer fields", "--class", class]);
        let text = std::fs::read_to_string(&path).unwrap();
        for field in [
            "window_end",
            "deployed_by",
            "cancelled",
            "scheduled",
            "deployed",
        ] {
            // Each is offered as a commented line, ready to uncomment.
            let offered = text
                .lines()
                .find(|line| line.starts_with(&format!("# {field}: ")))
                .unwrap_or_else(|| panic!("{class}: no `# {field}:` line in\n{text}"));
            let uncommented = text.replace(offered, offered.trim_start_matches("# "));
            std::fs::write(&path, uncommented).unwrap();
            let codes = flag_codes(portal.root());
            assert!(
                !codes
                    .iter()
                    .any(|(code, _)| code == "unknown-field" || code == "invalid-record"),
                "{class}: uncommenting `{field}` gives {codes:?}"
            );
            std::fs::write(&path, &text).unwrap();
        }
    }
    let help = common::bin().args(["new", "--help"]).output().unwrap();
    let help = stdout(&help);
    assert!(help.contains("[possible values: feature, improvement, bugfix, hotfix, security, maintenance, deprecation, infrastructure]"));
    assert!(help.contains("[possible values: standard, normal, emergency]"));
}
