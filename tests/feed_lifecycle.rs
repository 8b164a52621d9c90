//! One scheduled change walked through time with `--now` (SPEC section 5,
//! issue 13): absent before it is announced, a notice in advance-notice
//! tiers only, reminders, a reschedule (new notice guid, same calendar
//! UID), deployed items in every tier it concerns; a cancelled change's
//! item only where it had been announced; and an embargo that hides all of
//! it, from feeds, calendars, sitemap, counts and build dates, until it
//! lifts. Feeds are read back with feed-rs, calendars with Python's
//! `icalendar`.

mod common;

use common::{run_in, stderr, tools, TempPortal};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const CONFIG: &str = r#"title: Lifecycle
base_url: https://life.example
tiers:
  enterprise:
    title: Enterprise
    notice_days: 30
    reminders: [7, 1]
  business:
    title: Business
    notice_days: 7
  standard:
    title: Standard
    notice_days: 0
"#;

const PAGE: &str = "https://life.example/changes/l-1/";

/// The walked change: announced 03-01 (business told 03-20), window
/// `scheduled` to `window_end`, with extra lines.
fn walked(status: &str, scheduled: &str, end: &str, extra: &str) -> String {
    format!(
        "---\nid: L-1\ntitle: Database upgrade\ntype: maintenance\nclass: standard\nstatus: {status}\nvisibility: public\nsummary: Upgrade of the main database.\nauthor: Sam Writer\ncreated: 2026-03-01\nnotified: {{ business: 2026-03-20 }}\nscheduled: {scheduled}\nwindow_end: {end}\n{extra}---\nRead [the guide](guide/) first.\n"
    )
}

/// Builds `portal` at `now` into `out-<now>`; returns that folder.
fn build(portal: &TempPortal, now: &str) -> PathBuf {
    let name = format!("out-{}", now.replace(':', ""));
    let output = run_in(portal.root(), &["build", "--out", &name, "--now", now]);
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    portal.root().join(name)
}

/// The guids of a feed (any format feed-rs reads), in feed order.
fn guids(out: &Path, feed: &str) -> Vec<String> {
    let bytes =
        std::fs::read(out.join("public").join(feed)).unwrap_or_else(|e| panic!("{feed}: {e}"));
    let parsed = feed_rs::parser::parse(bytes.as_slice()).unwrap_or_else(|e| panic!("{feed}: {e}"));
    parsed.entries.into_iter().map(|entry| entry.id).collect()
}

/// The guids of the tier (or `""`: all-changes) feed, the same in RSS,
/// Atom and JSON Feed (asserted), as a set.
fn items(out: &Path, tier: &str) -> BTreeSet<String> {
    let files: Vec<String> = ["xml", "atom", "json"]
        .iter()
        .map(|ext| match tier {
            "" => format!("feed.{ext}"),
            key => format!("feeds/{key}.{ext}"),
        })
        .collect();
    let rss: Vec<String> = guids(out, &files[0]);
    for other in &files[1..] {
        assert_eq!(guids(out, other), rss, "{other} differs from {}", files[0]);
    }
    rss.into_iter().collect()
}

fn set(list: &[String]) -> BTreeSet<String> {
    list.iter().cloned().collect()
}

fn notice(scheduled: &str) -> String {
    format!("{PAGE}#notice-{scheduled}")
}

fn reminder(scheduled: &str, days: u32) -> String {
    format!("{PAGE}#reminder-{scheduled}-{days}d")
}

/// The events of a calendar (`calendar` or a tier key), or `None` when the
/// parser is not installed and external tools are skipped.
fn calendar(out: &Path, calendar: &str) -> Option<Vec<serde_json::Value>> {
    let file = match calendar {
        "calendar" => out.join("public/calendar.ics"),
        key => out.join(format!("public/feeds/{key}.ics")),
    };
    let reports = tools::ical_reports(&[file])?;
    Some(reports[0]["events"].as_array().cloned().unwrap_or_default())
}

fn uids(events: &[serde_json::Value]) -> Vec<&str> {
    events.iter().filter_map(|e| e["uid"].as_str()).collect()
}

#[test]
fn a_scheduled_change_through_its_life() {
    const FIRST: &str = "20260410T090000Z";
    const SECOND: &str = "20260417T090000Z";
    let portal = TempPortal::with_config(CONFIG);
    let record = |status: &str, scheduled: &str, end: &str, extra: &str| {
        portal.record("l.md", &walked(status, scheduled, end, extra));
    };
    record(
        "scheduled",
        "2026-04-10T09:00:00Z",
        "2026-04-10T11:00:00Z",
        "",
    );

    // Before the announcement: nowhere.
    let out = build(&portal, "2026-02-20T00:00:00Z");
    for tier in ["", "enterprise", "business", "standard"] {
        assert!(items(&out, tier).is_empty(), "{tier}");
    }
    assert!(!out.join("public/changes/l-1").exists());
    if let Some(events) = calendar(&out, "calendar") {
        assert!(events.is_empty());
    }

    // Announced: a notice in advance-notice tiers that were told, none in
    // the real-time tier; the calendars of told and real-time tiers.
    let out = build(&portal, "2026-03-05T00:00:00Z");
    assert_eq!(items(&out, "enterprise"), set(&[notice(FIRST)]));
    assert!(
        items(&out, "business").is_empty(),
        "business is told on 03-20"
    );
    assert!(
        items(&out, "standard").is_empty(),
        "real time: nothing before deploy"
    );
    assert_eq!(items(&out, ""), set(&[notice(FIRST)]));
    assert!(out.join("public/changes/l-1/event.ics").is_file());
    if let Some(events) = calendar(&out, "enterprise") {
        assert_eq!(uids(&events), ["l-1@life.example"]);
        assert_eq!(events[0]["start"], "2026-04-10T09:00:00Z");
        assert_eq!(events[0]["end"], "2026-04-10T11:00:00Z");
        assert_eq!(events[0]["sequence"], 0);
        assert!(calendar(&out, "business").unwrap().is_empty());
        assert_eq!(
            uids(&calendar(&out, "standard").unwrap()),
            ["l-1@life.example"]
        );
    }

    // The 7-day reminder's instant passed; the 1-day one not yet.
    let out = build(&portal, "2026-04-03T10:00:00Z");
    assert_eq!(
        items(&out, "enterprise"),
        set(&[notice(FIRST), reminder(FIRST, 7)])
    );
    assert_eq!(
        items(&out, "business"),
        set(&[notice(FIRST)]),
        "no reminders configured"
    );
    let out = build(&portal, "2026-04-09T10:00:00Z");
    assert_eq!(
        items(&out, "enterprise"),
        set(&[notice(FIRST), reminder(FIRST, 7), reminder(FIRST, 1)])
    );

    // Rescheduled by a week: a new notice, the old one and its reminders gone;
    // the calendar keeps the event's UID and moves it.
    record(
        "scheduled",
        "2026-04-17T09:00:00Z",
        "2026-04-17T11:00:00Z",
        "",
    );
    let out = build(&portal, "2026-04-09T10:00:00Z");
    assert_eq!(items(&out, "enterprise"), set(&[notice(SECOND)]));
    assert_eq!(items(&out, "business"), set(&[notice(SECOND)]));
    if let Some(events) = calendar(&out, "enterprise") {
        assert_eq!(uids(&events), ["l-1@life.example"]);
        assert_eq!(events[0]["start"], "2026-04-17T09:00:00Z");
    }

    // Deployed: the deployed item in every tier it concerns, the notices stay.
    record(
        "deployed",
        "2026-04-17T09:00:00Z",
        "2026-04-17T11:00:00Z",
        "deployed: 2026-04-17T09:30:00Z\n",
    );
    let out = build(&portal, "2026-04-18T00:00:00Z");
    let deployed = PAGE.to_string();
    assert_eq!(
        items(&out, "enterprise"),
        set(&[notice(SECOND), deployed.clone()])
    );
    assert_eq!(
        items(&out, "business"),
        set(&[notice(SECOND), deployed.clone()])
    );
    assert_eq!(
        items(&out, "standard"),
        set(std::slice::from_ref(&deployed))
    );
    assert_eq!(items(&out, ""), set(&[notice(SECOND), deployed]));
    assert!(
        !out.join("public/changes/l-1/event.ics").exists(),
        "no longer upcoming"
    );
}

#[test]
fn a_cancellation_reaches_only_the_tiers_that_were_told() {
    let portal = TempPortal::with_config(CONFIG);
    // Enterprise heard on 03-01; business would have heard on 04-20, after the
    // change was called off on 04-05.
    portal.record(
        "k.md",
        "---\nid: K-1\ntitle: Old API removal\ntype: deprecation\nclass: standard\nstatus: cancelled\nvisibility: public\nsummary: Removal of the v1 API.\nauthor: Sam Writer\ncreated: 2026-03-01\nnotified: { business: 2026-04-20 }\nscheduled: 2026-05-01T09:00:00Z\ncancelled: 2026-04-05T12:00:00Z\n---\n",
    );
    let out = build(&portal, "2026-04-25T00:00:00Z");
    let page = "https://life.example/changes/k-1/";
    let told = set(&[
        format!("{page}#notice-20260501T090000Z"),
        format!("{page}#cancelled"),
    ]);
    assert_eq!(items(&out, "enterprise"), told);
    assert_eq!(items(&out, ""), told);
    assert!(items(&out, "business").is_empty());
    assert!(items(&out, "standard").is_empty());
    let atom = std::fs::read_to_string(out.join("public/feeds/enterprise.atom")).unwrap();
    assert!(atom.contains("Cancelled: Old API removal"), "{atom}");
    if let Some(events) = calendar(&out, "enterprise") {
        assert_eq!(uids(&events), ["k-1@life.example"]);
        assert_eq!(events[0]["status"], "CANCELLED");
        assert!(calendar(&out, "business").unwrap().is_empty());
    }
}

/// Every file of a tree, relative path -> bytes.
fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|entry| entry.expect("walk").into_path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).expect("read");
            (
                path.strip_prefix(root).expect("inside").to_path_buf(),
                bytes,
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn an_embargo_hides_everything_until_it_lifts() {
    let base = TempPortal::with_config(CONFIG);
    base.record(
        "l.md",
        &walked(
            "scheduled",
            "2026-04-10T09:00:00Z",
            "2026-04-10T11:00:00Z",
            "",
        ),
    );
    let with = TempPortal::with_config(CONFIG);
    with.record(
        "l.md",
        &walked(
            "scheduled",
            "2026-04-10T09:00:00Z",
            "2026-04-10T11:00:00Z",
            "",
        ),
    );
    with.record(
        "s.md",
        "---\nid: S-1\ntitle: Secret fix\ntype: security\nclass: standard\nstatus: scheduled\nvisibility: public\nsummary: A fix.\nauthor: Sam Writer\ncreated: 2026-03-02\nscheduled: 2026-04-12T09:00:00Z\nembargo_until: 2026-04-11T00:00:00Z\n---\n",
    );
    // Under embargo the public tree is byte for byte the one without the
    // record: feeds, calendars, lastBuildDate/updated, sitemap, counts.
    let now = "2026-04-09T10:00:00Z";
    let hidden = tree(&build(&with, now).join("public"));
    let without = tree(&build(&base, now).join("public"));
    let names =
        |files: &[(PathBuf, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&hidden), names(&without));
    for ((path, a), (_, b)) in hidden.iter().zip(&without) {
        assert!(a == b, "{} reveals the embargoed change", path.display());
    }
    // Staff see when it lifts; the public tree has no schedule.
    let out = with.root().join(format!("out-{}", now.replace(':', "")));
    let schedule: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("internal/schedule.json")).expect("schedule.json"),
    )
    .expect("json");
    assert_eq!(schedule["next_rebuild_at"], "2026-04-10T09:00:00Z");
    assert!(schedule["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["id"] == "S-1"
            && e["kind"] == "embargo-lifts"
            && e["at"] == "2026-04-11T00:00:00Z"));
    assert!(!out.join("public/schedule.json").exists());

    // Once lifted: the notice, dated when it lifted, and the calendar event.
    let out = build(&with, "2026-04-11T00:00:00Z");
    let notice = "https://life.example/changes/s-1/#notice-20260412T090000Z".to_string();
    assert!(items(&out, "enterprise").contains(&notice));
    let feed = std::fs::read_to_string(out.join("public/feeds/enterprise.xml")).unwrap();
    assert!(
        feed.contains("<lastBuildDate>Sat, 11 Apr 2026 00:00:00 +0000</lastBuildDate>"),
        "{feed}"
    );
    if let Some(events) = calendar(&out, "calendar") {
        assert!(uids(&events).contains(&"s-1@life.example"));
    }
}

#[test]
fn the_build_says_when_the_next_rebuild_is_due() {
    let portal = TempPortal::with_config(CONFIG);
    portal.record(
        "l.md",
        &walked(
            "scheduled",
            "2026-04-10T09:00:00Z",
            "2026-04-10T11:00:00Z",
            "",
        ),
    );
    let output = run_in(
        portal.root(),
        &["build", "--out", "out", "--now", "2026-04-03T10:00:00Z"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    // The 1-day reminder (04-09T09:00) comes before the window (04-10T09:00).
    assert!(
        stderr(&output).contains("next rebuild due at 2026-04-09T09:00:00Z"),
        "{}",
        stderr(&output)
    );
    let output = run_in(
        portal.root(),
        &["build", "--out", "out", "--now", "2026-05-01T00:00:00Z"],
    );
    assert!(
        stderr(&output).contains("no rebuild due"),
        "{}",
        stderr(&output)
    );
}
