//! Every case of `tests/cases/` (the hostile-input issue's failing inputs),
//! built at the instant its `EXPECT.md` uses: a build either fails and writes
//! nothing, or both sites pass the Nu HTML Checker and every public feed
//! parses with feed-rs and with Python's feedparser, with the same entries.

mod common;

use common::cases::{build, case_dir, copy_case};
use common::site::html_files;
use common::{stderr, tools};
use std::path::{Path, PathBuf};

/// The case names, sorted.
fn case_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(case_dir(""))
        .expect("tests/cases")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// The `--now` value of the case's first command in its EXPECT.md.
fn now_of(case: &str) -> String {
    let expect = std::fs::read_to_string(case_dir(case).join("EXPECT.md")).expect("EXPECT.md");
    expect
        .split("--now ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("2026-06-01")
        .trim_end_matches(';')
        .to_string()
}

/// The portal folder of a copied case (some keep it in `portal/`).
fn portal_root(copy: &Path) -> PathBuf {
    if copy.join("portal.yaml").is_file() {
        copy.to_path_buf()
    } else {
        copy.join("portal")
    }
}

/// Every public feed file: `feed.*` at the root and everything under `feeds/`
/// in a syndication format (iCalendar files are checked elsewhere).
fn feed_files(public: &Path) -> Vec<PathBuf> {
    let mut feeds: Vec<PathBuf> = walkdir::WalkDir::new(public)
        .into_iter()
        .map(|entry| entry.expect("walk").into_path())
        .filter(|path| {
            let relative = path.strip_prefix(public).expect("inside");
            let in_feeds =
                relative.starts_with("feeds") || relative.to_string_lossy().starts_with("feed.");
            let syndication = path
                .extension()
                .is_some_and(|ext| ext == "xml" || ext == "atom" || ext == "json");
            in_feeds && syndication && path.is_file()
        })
        .collect();
    feeds.sort();
    feeds
}

#[test]
fn every_case_builds_valid_sites_and_feeds_or_writes_nothing() {
    let all = tempfile::tempdir().expect("tempdir");
    let mut built_sites = 0;
    let mut feeds_checked = Vec::new();
    let mut entries = std::collections::HashMap::new();
    for case in case_names() {
        let (_guard, copy) = copy_case(&case);
        let root = portal_root(&copy);
        let out = all.path().join(&case);
        let output = build(&root, &out, &now_of(&case), &[]);
        if !output.status.success() {
            assert!(
                !out.exists(),
                "{case}: a failed build wrote {}",
                out.display()
            );
            continue;
        }
        built_sites += 1;
        assert!(
            !html_files(&out.join("internal")).is_empty(),
            "{case}: {}",
            stderr(&output)
        );
        for feed in feed_files(&out.join("public")) {
            let bytes = std::fs::read(&feed).expect("read feed");
            let parsed = feed_rs::parser::parse(bytes.as_slice())
                .unwrap_or_else(|e| panic!("{case}: feed-rs cannot parse {}: {e}", feed.display()));
            entries.insert(feed.clone(), parsed.entries.len());
            feeds_checked.push(feed);
        }
    }
    assert!(built_sites >= 10, "only {built_sites} cases built");
    assert!(
        feeds_checked.len() >= 20,
        "only {} feeds",
        feeds_checked.len()
    );
    // feedparser reads RSS and Atom; JSON Feeds are checked by feed-rs above.
    let xml_feeds: Vec<PathBuf> = feeds_checked
        .iter()
        .filter(|path| path.extension().is_some_and(|ext| ext != "json"))
        .cloned()
        .collect();
    tools::assert_feedparser_parses(&xml_feeds, |path| entries.get(path).copied());
    tools::assert_nu_html_valid(all.path());
}
