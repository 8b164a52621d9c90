//! Every feed of the example portal in every format (SPEC section 5), read
//! back with real parsers: feed-rs (RSS, Atom, JSON Feed), Python's
//! feedparser (RSS, Atom) and Python's `icalendar` (iCalendar). The same
//! items, by guid, in the RSS, Atom and JSON Feed of a feed, and the same
//! changes in its calendar as in its notices; two portals with different
//! base URLs share no guid.

mod common;

use common::{run_in, site, stderr, tools};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The stems of every feed of the example portal, with whether it has a
/// calendar: `feed` (all changes), `feeds/<tier>`, `feeds/systems/<key>`.
fn stems(public: &Path) -> Vec<(String, bool)> {
    let mut stems = vec![("feed".to_string(), true)];
    for (folder, calendar) in [("feeds", true), ("feeds/systems", false)] {
        let mut found: Vec<(String, bool)> = std::fs::read_dir(public.join(folder))
            .expect("feeds folder")
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let stem = name.strip_suffix(".xml")?;
                Some((format!("{folder}/{stem}"), calendar))
            })
            .collect();
        found.sort();
        stems.extend(found);
    }
    stems
}

/// The guids of a feed file, in order (feed-rs).
fn guids(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let feed = feed_rs::parser::parse(bytes.as_slice())
        .unwrap_or_else(|e| panic!("feed-rs cannot parse {}: {e}", path.display()));
    feed.entries.into_iter().map(|entry| entry.id).collect()
}

/// The change page a guid belongs to (the part before `#`).
fn page_of(guid: &str) -> &str {
    guid.split('#').next().unwrap_or_default()
}

#[test]
fn every_feed_of_the_example_portal_parses_in_every_format_with_the_same_items() {
    let (_dir, out) = site::build_example();
    let public = out.join("public");
    let stems = stems(&public);
    assert!(stems.len() >= 1 + 3 + 10, "all, tiers, systems: {stems:?}");
    let mut syndication: Vec<PathBuf> = Vec::new();
    let mut counts: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let mut calendars: Vec<(PathBuf, BTreeSet<String>, bool)> = Vec::new();
    let mut nonempty = 0;
    for (stem, has_calendar) in &stems {
        let rss = public.join(format!("{stem}.xml"));
        let expected = guids(&rss);
        for ext in ["atom", "json"] {
            let other = public.join(format!("{stem}.{ext}"));
            assert_eq!(guids(&other), expected, "{stem}.{ext} differs from RSS");
        }
        for ext in ["xml", "atom"] {
            let path = public.join(format!("{stem}.{ext}"));
            counts.insert(path.clone(), expected.len());
            syndication.push(path);
        }
        nonempty += usize::from(!expected.is_empty());
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(public.join(format!("{stem}.json"))).unwrap())
                .expect("JSON Feed is JSON");
        assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
        let ics = match stem.as_str() {
            "feed" => public.join("calendar.ics"),
            _ => public.join(format!("{stem}.ics")),
        };
        assert_eq!(ics.is_file(), *has_calendar, "{}", ics.display());
        if *has_calendar {
            // The changes of the feed's notices are the calendar's events.
            let noticed: BTreeSet<String> = expected
                .iter()
                .filter(|guid| guid.contains("#notice-"))
                .map(|guid| page_of(guid).to_string())
                .collect();
            // calendar.ics and real-time tiers' calendars hold every
            // published scheduled change; a capped feed lost older notices.
            let exact = stem != "feed" && stem != "feeds/standard" && expected.len() < 50;
            calendars.push((ics, noticed, exact));
        }
    }
    assert!(nonempty >= 10, "only {nonempty} feeds have items");
    tools::assert_feedparser_parses(&syndication, |path| counts.get(path).copied());

    let events: Vec<PathBuf> = walkdir::WalkDir::new(public.join("changes"))
        .into_iter()
        .map(|entry| entry.expect("walk").into_path())
        .filter(|path| path.ends_with("event.ics"))
        .collect();
    assert!(!events.is_empty(), "no upcoming change has an event.ics");
    let files: Vec<PathBuf> = calendars
        .iter()
        .map(|(path, _, _)| path.clone())
        .chain(events.iter().cloned())
        .collect();
    let Some(reports) = tools::ical_reports(&files) else {
        return;
    };
    for ((path, noticed, exact), report) in calendars.iter().zip(&reports) {
        let ids: BTreeSet<String> = report["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|event| {
                let uid = event["uid"].as_str().unwrap();
                let (slug, host) = uid.split_once('@').expect("uid@host");
                assert_eq!(host, "changes.ledgerline.example");
                format!("https://changes.ledgerline.example/changes/{slug}/")
            })
            .collect();
        if *exact {
            assert_eq!(&ids, noticed, "{}", path.display());
        } else {
            assert!(ids.is_superset(noticed), "{}", path.display());
        }
    }
    for report in &reports[calendars.len()..] {
        assert_eq!(report["events"].as_array().unwrap().len(), 1, "{report}");
    }
}

/// Copies the example portal (portal.yaml, its deploy log and content/)
/// into `to` with `base_url` replaced.
fn copy_example(to: &Path, base_url: &str) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = std::fs::read_to_string(repo.join("portal.yaml")).unwrap();
    let config = config.replace("https://changes.ledgerline.example", base_url);
    std::fs::write(to.join("portal.yaml"), config).unwrap();
    std::fs::copy(repo.join("deploys.csv"), to.join("deploys.csv")).unwrap();
    for entry in walkdir::WalkDir::new(repo.join("content")) {
        let path = entry.unwrap().into_path();
        let target = to.join(path.strip_prefix(repo).unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Every guid and calendar UID of a built public site.
fn ids_of(public: &Path) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for entry in walkdir::WalkDir::new(public) {
        let path = entry.unwrap().into_path();
        match path.extension().and_then(|ext| ext.to_str()) {
            Some("atom") => ids.extend(guids(&path)),
            Some("ics") => {
                let text = std::fs::read_to_string(&path).unwrap();
                ids.extend(
                    text.lines()
                        .filter_map(|line| line.strip_prefix("UID:"))
                        .map(str::to_string),
                );
            }
            _ => {}
        }
    }
    ids
}

#[test]
fn two_portals_side_by_side_share_no_guid() {
    let dir = tempfile::tempdir().unwrap();
    let mut sets = Vec::new();
    for (name, base) in [
        ("one", "https://changes.one.example"),
        ("two", "https://status.two.example/changes"),
    ] {
        let root = dir.path().join(name);
        std::fs::create_dir_all(&root).unwrap();
        copy_example(&root, base);
        let output = run_in(&root, &["build", "--out", "out", "--now", "2026-11-24"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let ids = ids_of(&root.join("out/public"));
        assert!(ids.len() > 20, "{name}: {ids:?}");
        sets.push(ids);
    }
    let shared: Vec<&String> = sets[0].intersection(&sets[1]).collect();
    assert!(shared.is_empty(), "shared guids: {shared:?}");
}
