//! The public site through a change's life (SPEC sections 2, 3, 5; issue
//! 13): built with `--now` at several instants and read back. Times show in
//! the portal's zone with its abbreviation and a UTC `datetime`; a change
//! window shows its end; a past-due change reads "Overdue", not "Upcoming";
//! "Add to calendar" is offered for upcoming changes only; the home page
//! shows at most `per_page` upcoming changes and links to the paginated
//! `upcoming/` pages; nothing of an embargoed change appears in any public
//! file (pages, search index, feeds, sitemap, counts) until it lifts.

mod common;

use common::{normal_record, run_in, stderr, TempPortal};
use std::collections::BTreeMap;
use std::path::Path;

const CONFIG: &str = r#"title: Lifecycle Portal
base_url: https://status.lifecycle.example
timezone: Europe/Berlin
per_page: 25
tiers:
  enterprise: { title: Enterprise, notice_days: 14 }
  standard: { title: Standard, notice_days: 0 }
systems:
  api: { title: Public API, owner: platform }
policy:
  approvals:
    normal: { min: 0 }
    standard: { min: 0 }
"#;

/// A public standard change with `status` and the extra front matter
/// `extra` (scheduling fields).
fn change(id: &str, title: &str, status: &str, extra: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: {title}\ntype: maintenance\nclass: standard\nstatus: {status}\nvisibility: public\nsummary: Summary of {title}.\nauthor: Sam Writer\ncreated: 2026-10-01\nsystems: [api]\n{extra}---\nCustomer note for {title}.\n"
    )
}

/// The lifecycle portal: a change with a two-hour window in December, a
/// cancelled one, a deployed one and an embargoed one.
fn lifecycle_portal() -> TempPortal {
    let portal = TempPortal::with_config(CONFIG);
    portal.record(
        "up-1.md",
        &change(
            "UP-1",
            "Database failover drill",
            "scheduled",
            "scheduled: 2026-12-03T13:00:00Z\nwindow_end: 2026-12-03T15:00:00Z\n",
        ),
    );
    portal.record(
        "can-1.md",
        &change(
            "CAN-1",
            "Queue migration",
            "cancelled",
            "scheduled: 2026-12-04T10:00:00Z\ncancelled: 2026-11-20T08:00:00Z\n",
        ),
    );
    portal.record(
        "dep-1.md",
        &normal_record("DEP-1").replace("systems: [api]", "systems: [api]\nclass: standard"),
    );
    portal.record(
        "emb-1.md",
        &change(
            "EMB-1",
            "Zephyrine acquisition cutover",
            "scheduled",
            "scheduled: 2026-12-10T09:17:00Z\nwindow_end: 2026-12-10T11:43:00Z\nembargo_until: 2026-12-05T00:00:00Z\n",
        ),
    );
    portal
}

/// Builds `portal` at `now`; returns every public file by path (relative,
/// `/`-separated) with its text.
fn build_public(portal: &TempPortal, now: &str) -> BTreeMap<String, String> {
    let out = portal.root().join(format!("out-{}", now.replace(':', "")));
    let output = run_in(
        portal.root(),
        &[
            "build",
            "--root",
            &portal.root().to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--now",
            now,
        ],
    );
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    read_tree(&out.join("public"))
}

/// Every file below `dir` as text.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.expect("walk"))
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let path = entry.path().strip_prefix(dir).expect("inside");
            let bytes = std::fs::read(entry.path()).expect("read");
            let text = String::from_utf8_lossy(&bytes).into_owned();
            (path.to_string_lossy().replace('\\', "/"), text)
        })
        .collect()
}

/// The file at `path`, which must exist.
fn file<'a>(files: &'a BTreeMap<String, String>, path: &str) -> &'a str {
    files.get(path).unwrap_or_else(|| panic!("{path} missing"))
}

/// One card of a list: its id, its stage label (none for a deployed
/// change) and its whole markup.
#[derive(Debug)]
struct Card<'a> {
    id: &'a str,
    stage: Option<&'a str>,
    html: &'a str,
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// The cards of `html` (a list page or a part of one), in order.
fn cards(html: &str) -> Vec<Card<'_>> {
    html.split("<li class=\"card\">")
        .skip(1)
        .map(|part| {
            let html = part.split("</li>").next().unwrap_or(part);
            Card {
                id: between(html, "<span class=\"card-id\">", "<").expect("card id"),
                stage: between(html, "badge status stage-", "</span>")
                    .and_then(|rest| rest.split_once("\">"))
                    .map(|(_, label)| label),
                html,
            }
        })
        .collect()
}

/// The home page's "Upcoming" section, if any.
fn upcoming_section(home: &str) -> Option<&str> {
    between(home, "id=\"upcoming-title\"", "</section>")
}

/// The card of `id` on `page`.
fn card<'a>(page: &'a str, id: &str) -> Card<'a> {
    cards(page)
        .into_iter()
        .find(|card| card.id == id)
        .unwrap_or_else(|| panic!("no card for {id}"))
}

#[test]
fn times_show_in_the_portal_zone_with_the_window_end_and_utc_datetimes() {
    let portal = lifecycle_portal();
    let files = build_public(&portal, "2026-11-01T00:00:00Z");
    let home = file(&files, "index.html");
    let up = card(upcoming_section(home).expect("an Upcoming section"), "UP-1");
    assert_eq!(up.stage, Some("Upcoming"));
    // 13:00Z is 14:00 in Berlin in December (CET, UTC+1).
    for (iso, shown) in [
        ("2026-12-03T13:00:00Z", "2026-12-03 14:00 CET"),
        ("2026-12-03T15:00:00Z", "2026-12-03 16:00 CET"),
    ] {
        let time = format!("<time datetime=\"{iso}\">{shown}</time>");
        assert!(up.html.contains(&time), "card lacks {time}: {}", up.html);
        let page = file(&files, "changes/up-1/index.html");
        assert!(page.contains(&time), "record page lacks {time}");
        let type_page = file(&files, "types/maintenance/index.html");
        assert!(type_page.contains(&time), "type page lacks {time}");
    }
    // Early March is still winter time in Berlin.
    let deployed = file(&files, "changes/dep-1/index.html");
    assert!(
        deployed.contains("<time datetime=\"2026-03-01T10:30:00Z\">2026-03-01 11:30 CET</time>"),
        "the deployed instant in CET"
    );
}

#[test]
fn a_change_is_upcoming_then_in_its_window_then_overdue() {
    let portal = lifecycle_portal();
    let stages = [
        ("2026-11-01T00:00:00Z", "Upcoming", true),
        ("2026-12-03T14:00:00Z", "Window open", true),
        ("2026-12-03T15:00:00Z", "Overdue", false),
        ("2026-12-20T00:00:00Z", "Overdue", false),
    ];
    for (now, label, upcoming) in stages {
        let files = build_public(&portal, now);
        let home = file(&files, "index.html");
        let in_upcoming = upcoming_section(home)
            .is_some_and(|section| cards(section).iter().any(|card| card.id == "UP-1"));
        assert_eq!(in_upcoming, upcoming, "{now}: UP-1 in Upcoming");
        assert_eq!(card(home, "UP-1").stage, Some(label), "{now}: home card");
        let type_page = file(&files, "types/maintenance/index.html");
        assert_eq!(
            card(type_page, "UP-1").stage,
            Some(label),
            "{now}: type card"
        );
        let page = file(&files, "changes/up-1/index.html");
        assert!(
            page.contains(&format!("\">{label}</span>")),
            "{now}: record page badge {label}"
        );
        let calendar = page.contains("href=\"../../changes/up-1/event.ics\"");
        assert_eq!(calendar, upcoming, "{now}: add-to-calendar link");
        if calendar {
            assert!(
                file(&files, "changes/up-1/event.ics").contains("BEGIN:VEVENT"),
                "{now}: the linked event exists"
            );
        }
        let listed = file(&files, "upcoming/index.html").contains("<span class=\"card-id\">UP-1<");
        assert_eq!(listed, upcoming, "{now}: on upcoming/");
    }
}

#[test]
fn cancelled_and_deployed_changes_offer_no_calendar_and_are_not_upcoming() {
    let portal = lifecycle_portal();
    let files = build_public(&portal, "2026-11-25T00:00:00Z");
    let home = file(&files, "index.html");
    let upcoming = upcoming_section(home).expect("UP-1 is upcoming");
    let ids: Vec<&str> = cards(upcoming).iter().map(|card| card.id).collect();
    assert_eq!(ids, ["UP-1"]);
    assert_eq!(card(home, "CAN-1").stage, Some("Cancelled"));
    assert_eq!(card(home, "DEP-1").stage, None, "deployed needs no badge");
    let cancelled = file(&files, "changes/can-1/index.html");
    assert!(cancelled.contains("<strong>Cancelled.</strong>"));
    for page in ["changes/can-1/index.html", "changes/dep-1/index.html"] {
        assert!(
            !file(&files, page).contains("event.ics"),
            "{page} offers a calendar event"
        );
    }
    let calendar_links = home.matches("event.ics\"").count();
    assert_eq!(calendar_links, 1, "only UP-1's card has a calendar link");
}

#[test]
fn nothing_of_an_embargoed_change_appears_until_it_lifts() {
    let portal = lifecycle_portal();
    let secrets = [
        "EMB-1",
        "emb-1",
        "Zephyrine",
        "2026-12-10T09:17",
        "2026-12-10 10:17",
        "2026-12-10T11:43",
        "2026-12-10 12:43",
    ];
    let counts = [
        ("2026-11-01T00:00:00Z", "One change is planned"),
        ("2026-12-04T23:59:59Z", "No changes are planned"),
    ];
    for (now, count) in counts {
        let files = build_public(&portal, now);
        for (path, text) in &files {
            for secret in secrets {
                assert!(!text.contains(secret), "{now}: {secret} in {path}");
            }
        }
        let upcoming = file(&files, "upcoming/index.html");
        assert!(upcoming.contains(count), "{now}: {count}");
        let index = file(&files, "search-index.js");
        assert_eq!(index.matches("\"i\":").count(), 3, "{now}: search index");
    }
    // The same build after the embargo lifted shows it: the check above
    // could fail.
    let files = build_public(&portal, "2026-12-05T00:00:00Z");
    let home = file(&files, "index.html");
    let emb = card(upcoming_section(home).expect("upcoming"), "EMB-1");
    assert!(emb.html.contains("2026-12-10 10:17 CET"));
    assert!(file(&files, "sitemap.xml").contains("/changes/emb-1/"));
    assert!(file(&files, "search-index.js").contains("Zephyrine"));
}

/// The ids of the cards on every page of the list whose first page is
/// `first` (`upcoming/`), following the `rel="next"` links; and the
/// number of pages.
fn follow_pages(files: &BTreeMap<String, String>, first: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut dir = first.to_string();
    let mut pages = 0;
    loop {
        let page = file(files, &format!("{dir}index.html"));
        pages += 1;
        ids.extend(cards(page).iter().map(|card| card.id.to_string()));
        let Some(next) = between(page, "<a rel=\"next\" href=\"", "\"") else {
            return (ids, pages);
        };
        let depth = dir.matches('/').count();
        let relative = next
            .strip_prefix(&"../".repeat(depth))
            .expect("from the root");
        dir = relative
            .strip_suffix("index.html")
            .expect("a folder")
            .to_string();
    }
}

#[test]
fn many_upcoming_changes_are_paginated_and_embargoed_ones_never_count() {
    let portal = TempPortal::with_config(CONFIG);
    let mut expected = Vec::new();
    for n in 0..300 {
        // Starts spread over 300 hours, written out of order.
        let hour = (n * 7) % 300;
        let at = chrono::DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z").unwrap()
            + chrono::Duration::hours(hour);
        let id = format!("U-{n:03}");
        let extra = format!("scheduled: {}\n", at.format("%Y-%m-%dT%H:%M:%SZ"));
        portal.record(
            &format!("{id}.md"),
            &change(&id, &format!("Window {n}"), "scheduled", &extra),
        );
        expected.push((hour, id));
    }
    for n in 0..5 {
        let extra = "scheduled: 2027-01-01T06:30:00Z\nembargo_until: 2027-06-01\n";
        portal.record(
            &format!("x-{n}.md"),
            &change(&format!("HIDDEN-{n}"), "Hidden", "scheduled", extra),
        );
    }
    for n in 0..20 {
        portal.record(
            &format!("d-{n}.md"),
            &normal_record(&format!("DONE-{n:02}")),
        );
    }
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    let files = build_public(&portal, "2026-12-01T00:00:00Z");

    let home = file(&files, "index.html");
    let section = upcoming_section(home).expect("an Upcoming section");
    let shown: Vec<String> = cards(section)
        .iter()
        .map(|card| card.id.to_string())
        .collect();
    assert_eq!(shown, expected[..25], "the 25 soonest, in order");
    assert!(
        home.contains("<a href=\"upcoming/index.html\">All 300 upcoming changes</a>"),
        "the home page links to every upcoming change"
    );
    let (ids, pages) = follow_pages(&files, "upcoming/");
    assert_eq!(ids, expected, "every upcoming change once, soonest first");
    assert_eq!(pages, 12, "300 changes, 25 a page");
    assert!(files.contains_key("upcoming/page/12/index.html"));
    assert!(!files.contains_key("upcoming/page/13/index.html"));
    assert!(file(&files, "upcoming/page/12/index.html").contains("Page 12 of 12"));
    assert!(file(&files, "upcoming/index.html").contains("300 changes are planned"));
    for (path, text) in &files {
        assert!(!text.contains("HIDDEN-"), "an embargoed id in {path}");
        for count in ["All 305", "305 changes"] {
            assert!(
                !text.contains(count),
                "a count with embargoed changes in {path}"
            );
        }
    }
    let sitemap = file(&files, "sitemap.xml");
    assert!(sitemap.contains("/upcoming/page/12/</loc>"));
}

#[test]
fn a_few_upcoming_changes_need_no_link_to_more() {
    let portal = lifecycle_portal();
    let files = build_public(&portal, "2026-11-01T00:00:00Z");
    let home = file(&files, "index.html");
    assert!(!home.contains("upcoming changes</a>"), "no 'All N' link");
    let upcoming = file(&files, "upcoming/index.html");
    assert!(!upcoming.contains("rel=\"next\""));
}

#[test]
fn search_filters_the_home_page_in_a_real_browser() {
    if common::tools::skip_external("public search in headless Chromium") {
        return;
    }
    let portal = lifecycle_portal();
    let out = portal.root().join("out");
    let output = portal.run(&[
        "build",
        "--out",
        &out.to_string_lossy(),
        "--now",
        "2026-11-25T00:00:00Z",
    ]);
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    let home = out.join("public/index.html");
    let url = format!("file://{}", home.display());
    let screenshot = portal.root().join("search.png");
    common::tools::run_browser_script(
        "public_search.mjs",
        &["playwright-core", "axe-core"],
        &[
            url.as_ref(),
            screenshot.as_os_str(),
            "migration".as_ref(),
            "CAN-1".as_ref(),
            "improvement".as_ref(),
            "DEP-1".as_ref(),
        ],
    );
    let size = screenshot.metadata().map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "no screenshot ({size} bytes)");
    if let Ok(keep) = std::env::var("CHANGEPORTAL_KEEP_SCREENSHOT") {
        std::fs::copy(&screenshot, keep).expect("copy the screenshot");
    }
}
