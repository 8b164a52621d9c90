//! The public site: nothing internal leaks, sanitized bodies, the pages SPEC
//! section 5 lists, deterministic and atomic builds.

mod common;

use common::{run_in, stderr, TempPortal};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file below `dir`, by relative path, as bytes.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(dir).unwrap();
            let key = relative.to_string_lossy().replace('\\', "/");
            files.insert(key, std::fs::read(entry.path()).unwrap());
        }
    }
    files
}

/// Builds `root` into `out` at `now`; panics with stderr when it fails.
fn build(root: &Path, out: &Path, now: &str) {
    let output = run_in(
        root,
        &[
            "build",
            "--root",
            &root.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--now",
            now,
        ],
    );
    assert!(output.status.success(), "build failed: {}", stderr(&output));
}

fn text(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(
        files
            .get(path)
            .unwrap_or_else(|| panic!("{path} missing"))
            .clone(),
    )
    .unwrap()
}

const LEAK_CONFIG: &str = r#"title: Leak Test Portal
base_url: https://changes.leak.example
internal_base_url: https://canary-internal-base-url.example
tiers:
  enterprise:
    title: Enterprise
    notice_days: 30
  standard:
    title: Standard
    notice_days: 0
systems:
  api: { title: Public Api Title, owner: canary-system-owner, description: canary-system-description }
policy:
  board:
    - { name: Canary Board Alpha, role: engineering }
    - { name: Canary Board Beta, role: operations }
  approvals:
    normal: { min: 1 }
  emergency:
    deciders: [Canary Decider]
"#;

/// A public emergency change whose every internal field holds a canary.
const PUBLIC_WITH_INTERNALS: &str = r#"---
id: PUB-1
title: Public title alpha
type: hotfix
class: emergency
status: deployed
risk: high
visibility: public
summary: Public summary alpha.
author: canary-author
created: 2026-01-10T08:00:00Z
deployed: 2026-01-10T09:00:00Z
systems: [api]
approvals:
  - { by: canary-approver, role: canary-approval-role, decision: approve, at: 2026-01-10T10:00:00Z, note: canary-approval-note }
testing: canary-testing-text
rollback: canary-rollback-text
emergency: { reason: canary-emergency-reason, declared_by: canary-declarer, declared_at: 2026-01-10T08:00:00Z }
review: { by: canary-reviewer, at: 2026-01-11T08:00:00Z, link: "https://canary-review-link.example/pr/1", note: canary-review-note }
timeline:
  - { at: 2026-01-10T08:05:00Z, by: canary-timeline-by, note: canary-timeline-note, link: "https://canary-timeline-link.example/x" }
post_incident:
  at: 2026-01-12T08:00:00Z
  lessons: canary-lessons
  improvements: canary-improvements
  policy_review: needed
  follow_ups: ["https://canary-follow-up.example/1"]
links: ["https://canary-links.example/ticket/1"]
---
Public body alpha.

<!-- canary-html-comment-in-public-part -->

<!-- internal -->
canary-internal-body-part
"#;

/// A public change whose marker is malformed: what follows must stay hidden.
const PUBLIC_MALFORMED_MARKER: &str = r#"---
id: PUB-2
title: Public title beta
type: feature
class: standard
status: deployed
visibility: public
summary: Public summary beta.
author: canary-author-two
created: 2026-02-01
deployed: 2026-02-02T10:00:00Z
---
Public body beta.

<!--internal-->
canary-malformed-marker-part
"#;

/// A record whose every field is a canary, with `extra` front matter lines.
fn all_canary_record(tag: &str, extra: &str) -> String {
    format!(
        r#"---
id: canary{tag}
title: canary-{tag}-title
type: feature
class: standard
status: deployed
{extra}
summary: canary-{tag}-summary
author: canary-{tag}-author
deployed: 2026-02-10T10:00:00Z
systems: [canary-{tag}-system]
testing: canary-{tag}-testing
links: ["https://canary-{tag}-link.example"]
---
canary-{tag}-public-looking-body

<!-- internal -->
canary-{tag}-internal-body
"#
    )
}

/// The leak fixture, and the build of it at 2026-03-01.
fn leak_fixture() -> (TempPortal, PathBuf) {
    let portal = TempPortal::with_config(LEAK_CONFIG);
    portal.record("2026/pub-1.md", PUBLIC_WITH_INTERNALS);
    portal.record("2026/pub-2.md", PUBLIC_MALFORMED_MARKER);
    portal.record(
        "2026/canary-file-name-internal.md",
        &all_canary_record("internal", "visibility: internal\ncreated: 2026-01-01"),
    );
    portal.record(
        "2026/canary-file-name-embargo.md",
        &all_canary_record(
            "embargoed",
            "visibility: public\ncreated: 2026-01-01\nembargo_until: 2026-03-02T00:00:00Z",
        ),
    );
    portal.record(
        "2026/canary-file-name-future.md",
        &all_canary_record("future", "visibility: public\ncreated: 2026-03-05"),
    );
    portal.record(
        "2026/canary-file-name-rejected.md",
        &all_canary_record("rejected", "visibility: public\ncreated: 2026-01-01")
            .replace("status: deployed", "status: rejected")
            .replace("deployed: 2026-02-10T10:00:00Z\n", ""),
    );
    let out = portal.root().join("out");
    build(portal.root(), &out, "2026-03-01");
    (portal, out)
}

#[test]
fn no_internal_field_reaches_any_public_file() {
    let (_portal, out) = leak_fixture();
    let files = read_tree(&out.join("public"));
    assert!(
        files.len() > 10,
        "the public site was built: {:?}",
        files.keys()
    );
    for (path, bytes) in &files {
        let lower = String::from_utf8_lossy(bytes).to_lowercase();
        if let Some(at) = lower.find("canary") {
            let start = at.saturating_sub(80);
            panic!(
                "{path} leaks: …{}…",
                &lower[start..(at + 80).min(lower.len())]
            );
        }
        assert!(
            !path.contains("canary"),
            "a public file is named after a hidden record: {path}"
        );
    }
    let everything: String = files
        .values()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    for public in [
        "Public title alpha",
        "Public summary alpha.",
        "Public body alpha.",
        "Public title beta",
        "Public summary beta.",
        "Public body beta.",
        "Public Api Title",
    ] {
        assert!(
            everything.contains(public),
            "{public} is missing from the public site"
        );
    }
    let page = text(&files, "changes/pub-1/index.html");
    for public in [
        "Public title alpha",
        "Public summary alpha.",
        "Public body alpha.",
        "Public Api Title",
        "Enterprise",
        "Standard",
    ] {
        assert!(page.contains(public), "{public} missing from its page");
    }
}

#[test]
fn embargoed_and_unannounced_records_appear_once_their_time_comes() {
    let (portal, out) = leak_fixture();
    build(portal.root(), &out, "2026-03-10");
    let files = read_tree(&out.join("public"));
    assert!(files.contains_key("changes/canaryembargoed/index.html"));
    assert!(files.contains_key("changes/canaryfuture/index.html"));
    let sitemap = text(&files, "sitemap.xml");
    assert!(sitemap.contains("https://changes.leak.example/changes/canaryembargoed/"));
    for hidden in ["canaryinternal", "canaryrejected"] {
        assert!(
            files.keys().all(|path| !path.contains(hidden)),
            "{hidden} must never be published"
        );
    }
}

/// `html` without the theme's one script tag (`static/search.js`, loaded
/// from the site itself, on the home page), so that any other script is
/// found. Input and output lower-cased.
fn without_search_script(html: &str) -> String {
    let tag = regex::Regex::new(r#"<script src="(\.\./)*static/search\.js" defer></script>"#)
        .expect("a valid pattern");
    tag.replace_all(html, "").into_owned()
}

#[test]
fn scripts_handlers_and_javascript_urls_do_not_survive_into_the_site() {
    let portal = TempPortal::new();
    portal.record(
        "xss.md",
        &common::normal_record("XSS-1").replace(
            "Invoice search is now faster.\n\n<!-- internal -->",
            "Visible text.\n\n<script>alert('xss')</script>\n\n<img src=\"x.png\" onerror=\"alert(2)\" alt=\"x\">\n\n[click](javascript:alert(3)) <a href=\"JaVaScRiPt:alert(4)\">link</a> <a href=\"https://ok.example/\" onclick=\"alert(5)\">ok</a>\n\n<!-- internal -->",
        ),
    );
    let out = portal.root().join("out");
    build(portal.root(), &out, "2026-06-01");
    let files = read_tree(&out.join("public"));
    let page = text(&files, "changes/xss-1/index.html");
    assert!(page.contains("Visible text."));
    assert!(page.contains("https://ok.example/"));
    // The theme's own script is not portal content.
    for (path, bytes) in files.iter().filter(|(path, _)| *path != "static/search.js") {
        let lower = without_search_script(&String::from_utf8_lossy(bytes).to_lowercase());
        for bad in ["<script", "onerror", "onclick", "javascript:", "alert("] {
            assert!(!lower.contains(bad), "{bad} survived in {path}");
        }
    }
}

#[test]
fn public_site_has_every_page_feed_and_link_tag() {
    let (_portal, out) = leak_fixture();
    let files = read_tree(&out.join("public"));
    for path in [
        "index.html",
        "404.html",
        "feed.xml",
        "feeds/enterprise.xml",
        "feeds/standard.xml",
        "sitemap.xml",
        "robots.txt",
        "subscribe/index.html",
        "types/index.html",
        "types/hotfix/index.html",
        "types/deprecation/index.html",
        "changes/pub-1/index.html",
        "changes/pub-2/index.html",
        "static/style.css",
    ] {
        assert!(files.contains_key(path), "{path} missing");
    }
    for (path, bytes) in files.iter().filter(|(path, _)| path.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        assert!(
            html.contains("http-equiv=\"Content-Security-Policy\""),
            "{path}: no CSP"
        );
        assert!(
            !without_search_script(&html.to_lowercase()).contains("<script"),
            "{path}: the public site has no script but the theme's own search script"
        );
        assert!(
            !html.contains(" style=\""),
            "{path}: inline style blocked by the CSP"
        );
        assert!(
            html.contains("type=\"application/rss+xml\""),
            "{path}: no feed autodiscovery"
        );
        assert!(
            html.contains("feed.xml\""),
            "{path}: no autodiscovery link to the all-changes feed"
        );
        // Only the home and subscribe pages announce every tier's feed.
        let every_feed = matches!(path.as_str(), "index.html" | "subscribe/index.html");
        let head = html.split("</head>").next().unwrap_or_default();
        for feed in ["feeds/enterprise.xml\"", "feeds/standard.xml\""] {
            assert_eq!(
                head.contains(feed),
                every_feed,
                "{path}: autodiscovery link to {feed} in the head"
            );
        }
        if path != "404.html" {
            let canonical = format!(
                "<link rel=\"canonical\" href=\"https://changes.leak.example/{}\">",
                path.trim_end_matches("index.html")
            );
            assert!(html.contains(&canonical), "{path}: expected {canonical}");
        }
    }
    let not_found = text(&files, "404.html");
    assert!(
        not_found.contains("href=\"/static/style.css\""),
        "404 links start at the root"
    );
    let home = text(&files, "changes/pub-1/index.html");
    assert!(
        home.contains("href=\"../../static/style.css\""),
        "relative links on a record page"
    );
    let subscribe = text(&files, "subscribe/index.html");
    assert!(subscribe.contains("At least 30 days"));
    assert!(subscribe.contains("https://changes.leak.example/feeds/standard.xml"));
    let sitemap = text(&files, "sitemap.xml");
    assert!(sitemap.contains("<loc>https://changes.leak.example/changes/pub-1/</loc>"));
    assert!(sitemap.contains("<loc>https://changes.leak.example/</loc>"));
    assert!(!sitemap.contains("404"));
}

#[test]
fn home_pages_group_by_month_paginate_and_show_upcoming() {
    let portal = TempPortal::with_config(&format!("{}per_page: 2\n", common::PORTAL_YAML));
    for (index, month) in ["01", "02", "03", "04", "05"].iter().enumerate() {
        let id = format!("M-{index}");
        portal.record(
            &format!("{id}.md"),
            &common::normal_record(&id)
                .replace(
                    "deployed: 2026-03-01T10:30:00Z",
                    &format!("deployed: 2026-{month}-15T10:30:00Z"),
                )
                .replace("Faster invoice search", &format!("Change of month {month}")),
        );
    }
    portal.record(
        "up.md",
        &common::normal_record("UP-1")
            .replace("status: deployed", "status: scheduled")
            .replace(
                "scheduled: 2026-03-01T10:00:00Z",
                "scheduled: 2026-08-01T10:00:00Z",
            )
            .replace("deployed: 2026-03-01T10:30:00Z\n", "")
            .replace("Faster invoice search", "Upcoming thing"),
    );
    portal.record(
        "cancelled.md",
        &common::normal_record("CAN-1")
            .replace("status: deployed", "status: cancelled")
            .replace("deployed: 2026-03-01T10:30:00Z\n", "")
            .replace("Faster invoice search", "Called off thing"),
    );
    let out = portal.root().join("out");
    build(portal.root(), &out, "2026-07-01");
    let files = read_tree(&out.join("public"));
    let first = text(&files, "index.html");
    let upcoming_at = first.find("Upcoming thing").expect("upcoming listed");
    let may_at = first.find("Change of month 05").expect("newest first");
    assert!(upcoming_at < may_at, "Upcoming section comes first");
    assert!(first.contains("May 2026"));
    assert!(first.contains("href=\"page/2/index.html\""));
    assert!(
        !first.contains("Change of month 03"),
        "two changes per page"
    );
    let second = text(&files, "page/2/index.html");
    assert!(second.contains("Change of month 03") && second.contains("Called off thing"));
    assert!(!second.contains("Upcoming thing"));
    assert!(second.contains("href=\"../../index.html\""));
    let third = text(&files, "page/3/index.html");
    assert!(third.contains("Change of month 01"));
    let cancelled = text(&files, "changes/can-1/index.html");
    assert!(cancelled.contains("Cancelled"));
    // The type's pages are paginated the same way, every change on one page.
    let type_page = |number: usize| match number {
        1 => "types/improvement/index.html".to_string(),
        n => format!("types/improvement/page/{n}/index.html"),
    };
    let type_pages: Vec<String> = (1..=4).map(|n| text(&files, &type_page(n))).collect();
    assert!(!files.contains_key(&type_page(5)), "7 changes, 2 per page");
    assert!(type_pages[0].contains("href=\"../../types/improvement/page/2/index.html\""));
    assert!(
        type_pages[1].contains("href=\"../../../../types/improvement/index.html\"")
            && type_pages[1].contains("page 2 of 4")
    );
    for title in [
        "Change of month 05",
        "Change of month 01",
        "Called off thing",
        "Upcoming thing",
    ] {
        let pages = type_pages
            .iter()
            .filter(|page| page.contains(title))
            .count();
        assert_eq!(pages, 1, "{title} is on exactly one type page");
    }
    let feeds: String = [
        "feed.xml",
        "feeds/enterprise.xml",
        "feeds/business.xml",
        "feeds/standard.xml",
    ]
    .iter()
    .map(|path| text(&files, path))
    .collect();
    assert!(!feeds.contains("CAN-1"), "cancelled changes are in no feed");
}

#[test]
fn extra_pages_are_rendered_and_linked() {
    let portal = TempPortal::new();
    portal.record("a.md", &common::normal_record("A-1"));
    portal.write(
        "content/pages/about.md",
        b"---\ntitle: About us\n---\nWe ship **carefully**.\n",
    );
    let out = portal.root().join("out");
    build(portal.root(), &out, "2026-06-01");
    let files = read_tree(&out.join("public"));
    let about = text(&files, "about/index.html");
    assert!(about.contains("<strong>carefully</strong>") && about.contains("<h1>About us</h1>"));
    assert!(text(&files, "index.html").contains("href=\"about/index.html\""));
    assert!(text(&files, "sitemap.xml").contains("https://changes.test.example/about/"));
}

#[test]
fn two_builds_of_the_example_portal_are_identical() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("one"), dir.path().join("two"));
    build(root, &first, "2026-11-24");
    build(root, &second, "2026-11-24");
    let (a, b) = (read_tree(&first), read_tree(&second));
    assert!(a.keys().any(|path| path.starts_with("public/changes/")));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{path} differs between two builds");
    }
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let portal = common::example_portal();
    let root = portal.path();
    let out = root.join("out");
    build(root, &out, "2026-11-24");
    let before = read_tree(&out);
    let args = ["build", "--out", "out", "--now", "2026-11-24"];

    std::fs::write(
        root.join("content/changes/broken.md"),
        "---\nid: [unclosed\n---\nbody\n",
    )
    .unwrap();
    let output = run_in(root, &args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(read_tree(&out) == before, "broken record: output changed");
    std::fs::remove_file(root.join("content/changes/broken.md")).unwrap();

    std::fs::create_dir_all(root.join("templates/public")).unwrap();
    std::fs::write(
        root.join("templates/public/base.html"),
        "<html>{% block content %}{% if %}</html>",
    )
    .unwrap();
    let output = run_in(root, &args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(read_tree(&out) == before, "broken template: output changed");

    std::fs::write(
        root.join("templates/public/base.html"),
        "<html>{{ no_such_variable }}</html>",
    )
    .unwrap();
    let output = run_in(root, &args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        read_tree(&out) == before,
        "template failing at render time: output changed"
    );
    let leftovers: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".changeportal-build"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging folders left behind: {leftovers:?}"
    );
}

#[test]
fn an_extra_page_may_not_take_a_folder_of_the_site() {
    let portal = TempPortal::new();
    portal.record("a.md", &common::normal_record("A-1"));
    portal.write(
        "content/pages/changes.md",
        b"---\ntitle: Changes\n---\nHi.\n",
    );
    let output = portal.run(&["build", "--out", "out", "--now", "2026-06-01"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("content/pages/changes.md"),
        "{}",
        stderr(&output)
    );
    assert!(!portal.root().join("out").exists());
}
