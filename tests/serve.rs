//! `changeportal serve` end to end: a child process on a temporary portal,
//! talked to over loopback with a minimal HTTP/1.1 client
//! ([`serve_client`]). Every wait is bounded; the server is stopped even
//! when an assertion fails.

mod common;

mod serve_client;

use common::{normal_record, tools, TempPortal};
use serve_client::{get_with_host, EventStream, Server};
use std::time::Duration;

/// The promise: an edit is served within this long.
const PROMISED: Duration = Duration::from_secs(2);

/// A portal with one public record titled `title`, at `content/changes/2026/chg-0001.md`.
fn portal_with(title: &str) -> TempPortal {
    let portal = TempPortal::new();
    portal.record("2026/chg-0001.md", &record_titled(title));
    portal.record("2026/chg-0002.md", &normal_record("CHG-0002"));
    portal
}

fn record_titled(title: &str) -> String {
    normal_record("CHG-0001").replace("title: Faster invoice search", &format!("title: {title}"))
}

const PAGE: &str = "/changes/chg-0001/";
const OVERLAY: &str = "id=\"changeportal-overlay\"";

#[test]
fn edits_are_served_broken_edits_keep_the_last_good_build_and_fixes_recover() {
    let portal = portal_with("Original zebra title");
    let server = Server::start(portal.root());
    let first = server.get(PAGE);
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.body.contains("Original zebra title"));
    assert!(first.body.contains("/__changeportal/reload.js"));
    assert!(!first.body.contains(OVERLAY));

    portal.record("2026/chg-0001.md", &record_titled("Edited giraffe title"));
    let (_, took) = server.poll(PAGE, "the edited title", |r| {
        r.body.contains("Edited giraffe title")
    });
    assert!(
        took <= PROMISED,
        "the edit took {took:?} to be served (promised {PROMISED:?})"
    );

    let broken = "---\nid: CHG-0001\ntitle: [unclosed\ntype: improvement\n---\nBody\n";
    portal.record("2026/chg-0001.md", broken);
    let (reply, _) = server.poll(PAGE, "the error overlay", |r| r.body.contains(OVERLAY));
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.contains("Edited giraffe title"),
        "the last good build is not served"
    );
    let overlay = &reply.body[reply.body.find(OVERLAY).unwrap()..];
    assert!(
        overlay.contains("content/changes/2026/chg-0001.md"),
        "{overlay}"
    );
    assert!(overlay.contains("invalid-record"), "{overlay}");
    let other = server.get("/changes/chg-0002/");
    assert!(
        other.body.contains(OVERLAY),
        "the overlay is not on every page"
    );

    portal.record("2026/chg-0001.md", &record_titled("Recovered okapi title"));
    let (reply, _) = server.poll(PAGE, "recovery", |r| {
        r.body.contains("Recovered okapi title") && !r.body.contains(OVERLAY)
    });
    assert_eq!(reply.status, 200);
    server.stop();
}

#[test]
fn the_event_stream_announces_each_rebuild() {
    let portal = portal_with("Stream test");
    let server = Server::start(portal.root());
    let mut events = EventStream::open(&server.address);
    let hello = events.next("hello");
    assert_eq!(
        hello,
        generation_of(&server.get("/").body),
        "hello is not the served generation"
    );

    portal.record("2026/chg-0001.md", &record_titled("Stream test edited"));
    let announced = events.next("reload");
    assert_ne!(announced, hello);
    let page = server.get(PAGE);
    assert!(
        page.body.contains("Stream test edited"),
        "reload announced before the new site was served"
    );
    assert_eq!(announced, generation_of(&page.body));
    server.stop();
}

/// The `data-generation` of the injected reload script.
fn generation_of(html: &str) -> String {
    let at = html.find("data-generation=\"").expect("reload script") + "data-generation=\"".len();
    html[at..].split('"').next().unwrap().to_string()
}

#[test]
fn path_traversal_never_reaches_the_portal_files() {
    let portal = portal_with("Traversal test");
    let server = Server::start(portal.root());
    for path in [
        "/../portal.yaml",
        "/%2e%2e/portal.yaml",
        "/%2e%2e%2fportal.yaml",
        "/..%5cportal.yaml",
        "/internal/../../portal.yaml",
        "/internal/%2e%2e/%2e%2e/portal.yaml",
        "/portal.yaml",
        "/content/changes/2026/chg-0001.md",
        "//portal.yaml",
        "/%00portal.yaml",
    ] {
        let reply = server.get(path);
        assert!(
            matches!(reply.status, 400 | 404),
            "{path} got {}",
            reply.status
        );
        assert!(
            !reply.body.contains("base_url"),
            "{path} leaked portal.yaml"
        );
        assert!(
            !reply.body.contains("Internal notes."),
            "{path} leaked a record"
        );
    }
    server.stop();
}

#[test]
fn folders_mounts_content_types_and_the_theme_404() {
    let portal = portal_with("Routing test");
    let server = Server::start(portal.root());
    let redirect = server.get("/changes/chg-0001");
    assert_eq!(redirect.status, 302);
    assert_eq!(redirect.header("Location"), Some("/changes/chg-0001/"));
    assert_eq!(
        server.get("/internal").header("Location"),
        Some("/internal/")
    );
    let internal = server.get("/internal/");
    assert_eq!(internal.status, 200);
    assert!(internal.body.contains("/__changeportal/reload.js"));
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/feed.xml", "application/rss+xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        (
            "/__changeportal/reload.js",
            "text/javascript; charset=utf-8",
        ),
        ("/__changeportal/overlay.css", "text/css; charset=utf-8"),
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("Content-Type"), Some(content_type), "{path}");
    }
    let rebound = get_with_host(&server.address, "/internal/", "attacker.example");
    assert_eq!(rebound.status, 403, "a foreign Host name was answered");
    assert!(!rebound.body.contains("<html"), "{}", rebound.body);
    assert_eq!(get_with_host(&server.address, "/", "localhost").status, 200);
    let feed = server.get("/feed.xml");
    assert!(
        !feed.body.contains("__changeportal"),
        "the reload script reached a feed"
    );
    let missing = server.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    let theme_404 = String::from_utf8(portal_file_after_build(&portal, "public/404.html")).unwrap();
    let title = theme_404
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap();
    assert!(missing.body.contains(title), "not the theme's 404 page");
    server.stop();
}

/// Builds the portal with `build` and reads one output file back.
fn portal_file_after_build(portal: &TempPortal, relative: &str) -> Vec<u8> {
    let out = tempfile::tempdir().unwrap();
    let output = portal.run(&[
        "build",
        "--now",
        "2026-11-24",
        "--out",
        out.path().join("site").to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    std::fs::read(out.path().join("site").join(relative)).unwrap()
}

#[test]
fn build_output_never_carries_the_reload_script() {
    let portal = portal_with("Build test");
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let output = portal.run(&[
        "build",
        "--now",
        "2026-11-24",
        "--out",
        site.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    for entry in walkdir::WalkDir::new(&site).into_iter().map(Result::unwrap) {
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("__changeportal"),
                "{} carries serve's script",
                entry.path().display()
            );
        }
    }
}

#[test]
fn a_first_build_that_fails_serves_an_error_page_until_fixed() {
    let portal = TempPortal::new();
    portal.record(
        "2026/chg-0001.md",
        "---\nid: CHG-0001\ntitle: x\nstatus: shipped\n---\n",
    );
    let server = Server::start(portal.root());
    for path in ["/", "/changes/chg-0001/", "/internal/anything"] {
        let reply = server.get(path);
        assert_eq!(reply.status, 500, "{path}");
        assert!(
            reply.body.contains("content/changes/2026/chg-0001.md"),
            "{}",
            reply.body
        );
        assert!(reply.body.contains("/__changeportal/reload.js"));
    }
    portal.record("2026/chg-0001.md", &record_titled("Fixed first build"));
    let (reply, _) = server.poll(PAGE, "the first good build", |r| r.status == 200);
    assert!(reply.body.contains("Fixed first build"));
    assert!(!reply.body.contains(OVERLAY));
    server.stop();
}

#[test]
fn open_pages_reload_by_themselves_in_a_real_browser() {
    if tools::skip_external("live reload in headless Chromium") {
        return;
    }
    let portal = portal_with("Browser original title");
    let server = Server::start(portal.root());
    let screenshot = portal.root().join("overlay.png");
    let url = format!("http://{}", server.address);
    let record = portal.root().join("content/changes/2026/chg-0001.md");
    tools::run_browser_script(
        "live_reload.mjs",
        &["playwright-core"],
        &[url.as_ref(), record.as_os_str(), screenshot.as_os_str()],
    );
    assert!(
        screenshot.metadata().is_ok_and(|m| m.len() > 5_000),
        "no screenshot"
    );
    if let Ok(keep) = std::env::var("CHANGEPORTAL_KEEP_SCREENSHOT") {
        std::fs::copy(&screenshot, keep).unwrap();
    }
    server.stop();
}

#[test]
fn a_broken_template_override_shows_the_overlay_until_removed() {
    let portal = portal_with("Template test");
    let server = Server::start(portal.root());
    assert!(!server.get("/").body.contains(OVERLAY));
    let broken = portal.write("templates/public/broken.html", b"{% if %}never closed");
    let (reply, _) = server.poll("/", "the template error overlay", |r| {
        r.body.contains(OVERLAY)
    });
    assert!(reply.body.contains("broken.html"), "{}", reply.body);
    assert!(
        reply.body.contains("Template test"),
        "the last good build is not served"
    );
    std::fs::remove_file(broken).unwrap();
    server.poll("/", "recovery from the template error", |r| {
        !r.body.contains(OVERLAY)
    });
    server.stop();
}

const FLAGS_PANEL: &str = "id=\"changeportal-flags\"";

#[test]
fn record_pages_of_the_internal_site_list_their_flags_while_the_build_succeeds() {
    let portal = portal_with("Flag panel test");
    let risky = normal_record("CHG-0002")
        .replace("risk: low", "risk: high")
        .replace("rollback: Revert the deploy.\n", "");
    portal.record("2026/chg-0002.md", &risky);
    let server = Server::start(portal.root());
    let page = server.get("/internal/changes/chg-0002.html");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains(OVERLAY), "the build did not fail");
    let panel = &page.body[page.body.find(FLAGS_PANEL).expect("a flags panel")..];
    let panel = &panel[..panel.find("</details>").unwrap()];
    assert!(panel.contains("warning[missing-rollback-plan]"), "{panel}");
    assert!(
        panel.contains(">content/changes/2026/chg-0002.md:6:1</a>"),
        "{panel}"
    );
    assert!(panel.contains("href=\"vscode://file/"), "{panel}");
    assert!(page.body.contains("/__changeportal/overlay.css"));
    let clean = server.get("/internal/changes/chg-0001.html");
    assert!(
        !clean.body.contains(FLAGS_PANEL),
        "a clean record has no panel"
    );
    let public = server.get("/changes/chg-0002/");
    assert!(
        !public.body.contains(FLAGS_PANEL),
        "never on the public site"
    );
    server.stop();
}
