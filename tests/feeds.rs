//! Feeds, read back with an independent parser (feed-rs): which items each
//! tier carries, in which order, with which guids and dates, as time passes.

mod common;

use common::{run_in, stderr, TempPortal};
use std::path::{Path, PathBuf};

const CONFIG: &str = r#"title: Feed Test
base_url: https://changes.feeds.example/
tiers:
  enterprise:
    title: Enterprise
    notice_days: 30
    types: [feature, maintenance, security]
  business:
    title: Business
    notice_days: 7
  standard:
    title: Standard
    notice_days: 0
  legacy:
    title: Legacy
    notice_days: 14
    types: [deprecation]
"#;

/// A record from its distinctive front matter lines (the rest is common).
fn record(id: &str, fields: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Title of {id}\nclass: standard\nsummary: Summary of {id}.\nauthor: Sam Writer\n{fields}\n---\nBody of {id}.\n\n<!-- internal -->\nInternal {id}.\n"
    )
}

/// The feed fixture (see each record's comment for what it tests).
fn fixture(config: &str) -> TempPortal {
    let portal = TempPortal::with_config(config);
    // Announced, scheduled, then deployed: a notice and a deployed item.
    portal.record(
        "a.md",
        &record("A-1", "type: feature\nstatus: deployed\nvisibility: public\ncreated: 2026-01-01\nscheduled: 2026-03-01T10:00:00Z\ndeployed: 2026-03-01T10:30:00Z"),
    );
    // A bug fix, never scheduled: deployed item only; enterprise filters bug fixes out.
    portal.record(
        "b.md",
        &record("B-1", "type: bugfix\nstatus: deployed\nvisibility: public\ncreated: 2026-03-20\ndeployed: 2026-04-01T09:00:00Z"),
    );
    // Scheduled maintenance told to enterprise customers later than the record was created.
    portal.record(
        "c.md",
        &record("C-1", "type: maintenance\nstatus: scheduled\nvisibility: public\ncreated: 2026-04-10\nscheduled: 2026-06-30T22:00:00Z\nnotified: { enterprise: 2026-05-01 }"),
    );
    // A security fix under embargo until 2026-04-25, for two tiers.
    portal.record(
        "d.md",
        &record("D-1", "type: security\nstatus: deployed\nvisibility: public\ncreated: 2026-04-05\ndeployed: 2026-04-05T12:00:00Z\nembargo_until: 2026-04-25T00:00:00Z\ntiers: [enterprise, standard]"),
    );
    // Rolled back, for the standard tier only.
    portal.record(
        "e.md",
        &record("E-1", "type: improvement\nstatus: rolled_back\nvisibility: public\ncreated: 2026-03-14\ndeployed: 2026-03-15T08:00:00Z\ntiers: [standard]"),
    );
    // Scheduled, announced on 04-01 but under embargo until 05-10: the notice
    // is dated when customers could first read it.
    portal.record(
        "i.md",
        &record("I-1", "type: feature\nstatus: scheduled\nvisibility: public\ncreated: 2026-04-01\nscheduled: 2026-08-01T09:00:00Z\nembargo_until: 2026-05-10T00:00:00Z\ntiers: [business]"),
    );
    // Never in any feed: internal, proposed, and cancelled before its embargo
    // lifted (never announced, so never published).
    portal.record(
        "f.md",
        &record("F-1", "type: feature\nstatus: deployed\nvisibility: internal\ncreated: 2026-01-01\ndeployed: 2026-02-01T00:00:00Z"),
    );
    portal.record(
        "g.md",
        &record("G-1", "type: feature\nstatus: proposed\nvisibility: public\ncreated: 2026-01-01\nscheduled: 2026-09-01T00:00:00Z"),
    );
    portal.record(
        "h.md",
        &record("H-1", "type: feature\nstatus: cancelled\nvisibility: public\ncreated: 2026-01-01\nscheduled: 2026-02-01T00:00:00Z\ncancelled: 2026-01-20T00:00:00Z\nembargo_until: 2026-03-01T00:00:00Z"),
    );
    portal
}

/// Builds `portal` at `now`; returns the output folder.
fn build(portal: &TempPortal, now: &str) -> PathBuf {
    let out = portal.root().join("out");
    let output = run_in(portal.root(), &["build", "--out", "out", "--now", now]);
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    out
}

/// A parsed feed.
fn parse(out: &Path, feed: &str) -> feed_rs::model::Feed {
    let bytes =
        std::fs::read(out.join("public").join(feed)).unwrap_or_else(|e| panic!("{feed}: {e}"));
    feed_rs::parser::parse(bytes.as_slice())
        .unwrap_or_else(|e| panic!("{feed} does not parse: {e}"))
}

/// The change pages' folder: every guid starts with it (SPEC section 5).
const CHANGES: &str = "https://changes.feeds.example/changes/";

/// A guid without [`CHANGES`] and the page's `/`: `c-1#notice-...`, `b-1`.
fn short(guid: &str) -> String {
    let rest = guid
        .strip_prefix(CHANGES)
        .unwrap_or_else(|| panic!("guid {guid} is not under {CHANGES}"));
    rest.replacen('/', "", 1)
}

/// `(short guid, pubDate as RFC 3339)` of every item, in feed order.
fn items(out: &Path, feed: &str) -> Vec<(String, String)> {
    parse(out, feed)
        .entries
        .iter()
        .map(|entry| {
            let published = entry
                .published
                .unwrap_or_else(|| panic!("{feed}: {} has no date", entry.id));
            (short(&entry.id), published.to_rfc3339())
        })
        .collect()
}

fn expect(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(guid, date)| (guid.to_string(), date.to_string()))
        .collect()
}

#[test]
fn each_tier_carries_its_items_before_the_embargo_lifts() {
    let portal = fixture(CONFIG);
    let out = build(&portal, "2026-04-20");
    assert_eq!(
        items(&out, "feed.xml"),
        expect(&[
            ("c-1#notice-20260630T220000Z", "2026-04-10T00:00:00+00:00"),
            ("b-1", "2026-04-01T09:00:00+00:00"),
            ("e-1", "2026-03-15T08:00:00+00:00"),
            ("e-1#rolled-back", "2026-03-15T08:00:00+00:00"),
            ("a-1", "2026-03-01T10:30:00+00:00"),
            ("a-1#notice-20260301T100000Z", "2026-01-01T00:00:00+00:00"),
        ])
    );
    // Enterprise heard of C-1 only on 2026-05-01; bug fixes are filtered out.
    assert_eq!(
        items(&out, "feeds/enterprise.xml"),
        expect(&[
            ("a-1", "2026-03-01T10:30:00+00:00"),
            ("a-1#notice-20260301T100000Z", "2026-01-01T00:00:00+00:00"),
        ])
    );
    assert_eq!(
        items(&out, "feeds/business.xml"),
        expect(&[
            ("c-1#notice-20260630T220000Z", "2026-04-10T00:00:00+00:00"),
            ("b-1", "2026-04-01T09:00:00+00:00"),
            ("a-1", "2026-03-01T10:30:00+00:00"),
            ("a-1#notice-20260301T100000Z", "2026-01-01T00:00:00+00:00"),
        ])
    );
    // Real time: deployed (and rolled back) items only, no notices.
    assert_eq!(
        items(&out, "feeds/standard.xml"),
        expect(&[
            ("b-1", "2026-04-01T09:00:00+00:00"),
            ("e-1", "2026-03-15T08:00:00+00:00"),
            ("e-1#rolled-back", "2026-03-15T08:00:00+00:00"),
            ("a-1", "2026-03-01T10:30:00+00:00"),
        ])
    );
    assert_eq!(
        items(&out, "feeds/legacy.xml"),
        expect(&[]),
        "a tier without matching changes"
    );
    // The embargoed record is nowhere yet: no page, no sitemap entry, no feed item.
    let public = out.join("public");
    assert!(!public.join("changes/d-1").exists());
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(!sitemap.contains("d-1"));
    for feed in [
        "feed.xml",
        "feeds/enterprise.xml",
        "feeds/business.xml",
        "feeds/standard.xml",
        "feeds/legacy.xml",
    ] {
        let xml = std::fs::read_to_string(public.join(feed)).unwrap();
        for hidden in ["D-1", "F-1", "G-1", "H-1", "I-1"] {
            assert!(
                !xml.contains(hidden) && !xml.contains(&hidden.to_lowercase()),
                "{hidden} in {feed}"
            );
        }
    }
}

#[test]
fn notice_window_and_embargo_lift_change_the_feeds() {
    let portal = fixture(CONFIG);
    let out = build(&portal, "2026-05-02");
    // Enterprise was told about C-1 on 2026-05-01; D-1's embargo lifted on 04-25
    // and its item keeps its real deployment date.
    assert_eq!(
        items(&out, "feeds/enterprise.xml"),
        expect(&[
            ("c-1#notice-20260630T220000Z", "2026-05-01T00:00:00+00:00"),
            ("d-1", "2026-04-05T12:00:00+00:00"),
            ("a-1", "2026-03-01T10:30:00+00:00"),
            ("a-1#notice-20260301T100000Z", "2026-01-01T00:00:00+00:00"),
        ])
    );
    assert_eq!(
        items(&out, "feeds/standard.xml"),
        expect(&[
            ("d-1", "2026-04-05T12:00:00+00:00"),
            ("b-1", "2026-04-01T09:00:00+00:00"),
            ("e-1", "2026-03-15T08:00:00+00:00"),
            ("e-1#rolled-back", "2026-03-15T08:00:00+00:00"),
            ("a-1", "2026-03-01T10:30:00+00:00"),
        ])
    );
    let business: Vec<String> = items(&out, "feeds/business.xml")
        .into_iter()
        .map(|(guid, _)| guid)
        .collect();
    assert!(
        !business.contains(&"d-1".to_string()),
        "D-1 does not concern business"
    );
    assert!(out.join("public/changes/d-1/index.html").exists());

    // Once C-1 is deployed, the advance-notice tier gets the deployed item too.
    portal.record(
        "c.md",
        &record("C-1", "type: maintenance\nstatus: deployed\nvisibility: public\ncreated: 2026-04-10\nscheduled: 2026-06-30T22:00:00Z\ndeployed: 2026-06-30T22:40:00Z\nnotified: { enterprise: 2026-05-01 }"),
    );
    let out = build(&portal, "2026-07-01");
    let enterprise = items(&out, "feeds/enterprise.xml");
    assert_eq!(
        enterprise[0],
        ("c-1".to_string(), "2026-06-30T22:40:00+00:00".to_string())
    );
    assert_eq!(
        enterprise[1],
        (
            "c-1#notice-20260630T220000Z".to_string(),
            "2026-05-01T00:00:00+00:00".to_string()
        )
    );
    assert!(items(&out, "feeds/business.xml").contains(&(
        "i-1#notice-20260801T090000Z".to_string(),
        "2026-05-10T00:00:00+00:00".to_string()
    )));
    let standard = items(&out, "feeds/standard.xml");
    assert_eq!(
        standard[0].0, "c-1",
        "real-time tiers learn of it when live"
    );
    assert!(standard.iter().all(|(guid, _)| !guid.contains("#notice")));
}

#[test]
fn feeds_are_well_formed_rss_with_absolute_links_and_a_self_link() {
    let portal = fixture(CONFIG);
    let out = build(&portal, "2026-05-02");
    for (feed, title) in [
        ("feed.xml", "Feed Test"),
        ("feeds/enterprise.xml", "Feed Test: Enterprise"),
        ("feeds/legacy.xml", "Feed Test: Legacy"),
    ] {
        let parsed = parse(&out, feed);
        assert_eq!(
            parsed.title.as_ref().map(|t| t.content.as_str()),
            Some(title)
        );
        let self_link = parsed
            .links
            .iter()
            .find(|link| link.rel.as_deref() == Some("self"))
            .unwrap_or_else(|| panic!("{feed}: no atom:link rel=self"));
        assert_eq!(
            self_link.href,
            format!("https://changes.feeds.example/{feed}")
        );
        for entry in &parsed.entries {
            let link = &entry.links.first().expect("item link").href;
            let page = entry.id.split('#').next().unwrap_or_default();
            assert_eq!(link, page, "a guid is its item's page plus a fragment");
        }
        let xml = std::fs::read_to_string(out.join("public").join(feed)).unwrap();
        assert!(xml.starts_with("<?xml") && xml.contains("<rss version=\"2.0\""));
        // Only the deployed item's guid (the page itself) is a permalink
        // (RSS 2.0: `isPermaLink` defaults to true, and the rss crate
        // writes only the `false` case).
        for item in xml.split("<item>").skip(1) {
            let guid = item
                .split("<guid")
                .nth(1)
                .and_then(|g| g.split("</guid>").next())
                .unwrap();
            assert_eq!(
                !guid.contains("isPermaLink=\"false\""),
                !guid.contains('#'),
                "{feed}: {guid}"
            );
        }
        assert!(!xml.contains("Internal "), "{feed}: internal body part");
    }
    let enterprise = parse(&out, "feeds/enterprise.xml");
    let notice = enterprise
        .entries
        .iter()
        .find(|e| short(&e.id) == "c-1#notice-20260630T220000Z")
        .unwrap();
    assert_eq!(
        notice.title.as_ref().unwrap().content,
        "Upcoming: Title of C-1"
    );
    let summary = notice.summary.as_ref().unwrap().content.clone();
    assert!(
        summary.contains("Summary of C-1.") && summary.contains("2026-06-30 22:00 UTC"),
        "{summary}"
    );
    let legacy = std::fs::read_to_string(out.join("public/feeds/legacy.xml")).unwrap();
    assert!(
        !legacy.contains("lastBuildDate"),
        "no clock-based build date"
    );
}

#[test]
fn item_count_is_capped_newest_first() {
    let portal = fixture(&format!("{CONFIG}feed_items: 2\n"));
    let out = build(&portal, "2026-04-20");
    assert_eq!(
        items(&out, "feed.xml"),
        expect(&[
            ("c-1#notice-20260630T220000Z", "2026-04-10T00:00:00+00:00"),
            ("b-1", "2026-04-01T09:00:00+00:00"),
        ])
    );
    assert_eq!(items(&out, "feeds/standard.xml").len(), 2);
}

#[test]
fn feeds_do_not_depend_on_the_clock() {
    let portal = fixture(CONFIG);
    let first =
        std::fs::read(build(&portal, "2026-05-02").join("public/feeds/enterprise.xml")).unwrap();
    let second =
        std::fs::read(build(&portal, "2026-05-03").join("public/feeds/enterprise.xml")).unwrap();
    assert_eq!(first, second, "nothing new happened between the two builds");
}
