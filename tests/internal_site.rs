//! The internal audit site, built from a fixture portal with known breaches:
//! page contents, offline and noindex guarantees, compliance figures against
//! hand-computed values, and a real-browser test of the records table.

mod common;

use changeportal::model::Timestamp;
use changeportal::render::internal::compliance::{self, Ratio, Tally};
use common::checking::read;
use common::{stderr, tools, TempPortal};
use std::path::{Path, PathBuf};

/// The fixture's "now".
const NOW: &str = "2026-06-01";

/// A record of `extra` front-matter lines, with defaults for the keys they
/// leave out (an internal normal improvement by Sam Writer, created
/// 2026-01-01, titled `Change <id>`).
fn record(id: &str, extra: &str, body: &str) -> String {
    let title = format!("Change {id}");
    let defaults = [
        ("title", title.as_str()),
        ("type", "improvement"),
        ("author", "Sam Writer"),
        ("created", "2026-01-01"),
    ];
    let mut text = format!("---\nid: {id}\n");
    for (key, value) in defaults {
        if !extra
            .lines()
            .any(|line| line.starts_with(&format!("{key}:")))
        {
            text.push_str(&format!("{key}: {value}\n"));
        }
    }
    text.push_str(extra.trim());
    text.push_str("\n---\n");
    text.push_str(body);
    text.push('\n');
    text
}

const ALICE_OMAR_BEFORE: &str = "approvals:
  - { by: Alice Chen, role: engineering, decision: approve, at: 2026-02-01T09:00:00Z }
  - { by: Omar Haddad, role: operations, decision: approve, at: 2026-02-02T09:00:00Z }";

/// The fixture portal. Hand-computed figures (policy of `PORTAL_YAML`:
/// normal min 2 with engineering and operations; review 3 days,
/// post-incident 7 days; enterprise 30 days for feature/deprecation/
/// maintenance/security/infrastructure, business 7 days; now 2026-06-01):
///
/// Normal changes approved before deploy, 3 of 6:
/// N1 met; N2 operations approved after deploy (missed); N3 one approver
/// (missed); N4 the author's own approval does not count (missed); N5 rolled
/// back, met; N6 scheduled (not live, not counted); N7 rejected then
/// approved, met.
///
/// Emergency review and post-incident in time, 1 of 3, 2 pending:
/// E1 both in time; E2 review late; E3 neither (overdue); E4 deployed two
/// days ago, nothing yet (pending); E5 reviewed, post-incident not yet due
/// (pending). Review alone: 2 of 4 (E4 pending); post-incident alone: 2 of 3
/// (E4, E5 pending).
///
/// Notice kept, enterprise 2 of 3: P1 kept, P2 12 days (short), P3 bugfix
/// (not for enterprise), P4 standard tier only, P5 notified early (kept),
/// P6 cancelled. Business 3 of 4: P1, P2 kept, P3 4 days (short), P5
/// exactly 7 days (kept).
fn fixture() -> TempPortal {
    let portal = TempPortal::new();
    let normal = |id: &str, extra: &str, body: &str| {
        portal.record(
            &format!("n/{id}.md"),
            &record(
                id,
                &format!("status: deployed\ndeployed: 2026-03-01T10:00:00Z\n{extra}"),
                body,
            ),
        );
    };
    normal(
        "N1",
        &format!("systems: [api]\n{ALICE_OMAR_BEFORE}"),
        "Rolled out behind a flag.\n\n<!-- internal -->\nNorthbridge acquirer config untouched.",
    );
    normal(
        "N2",
        "approvals:
  - { by: Alice Chen, role: engineering, decision: approve, at: 2026-02-01T09:00:00Z }
  - { by: Omar Haddad, role: operations, decision: approve, at: 2026-03-01T11:00:00Z }",
        "Body.",
    );
    normal("N3", "approvals:\n  - { by: Alice Chen, role: engineering, decision: approve, at: 2026-02-01T09:00:00Z }", "Body.");
    portal.record("n/N4.md", &record("N4", &format!("title: Self-approved change\nauthor: Alice Chen\nstatus: deployed\ndeployed: 2026-03-01T10:00:00Z\n{ALICE_OMAR_BEFORE}"), "Body."));
    portal.record("n/N5.md", &record("N5", &format!("status: rolled_back\ndeployed: 2026-03-01T10:00:00Z\npost_incident: {{ at: 2026-03-03, lessons: Test first., policy_review: none }}\n{ALICE_OMAR_BEFORE}"), "Body."));
    portal.record(
        "n/N6.md",
        &record(
            "N6",
            &format!("status: scheduled\nscheduled: 2026-07-01T10:00:00Z\n{ALICE_OMAR_BEFORE}"),
            "Body.",
        ),
    );
    normal("N7", "approvals:
  - { by: Omar Haddad, role: operations, decision: reject, at: 2026-01-20T09:00:00Z, note: Needs a rollback plan }
  - { by: Omar Haddad, role: operations, decision: approve, at: 2026-02-02T09:00:00Z }
  - { by: Alice Chen, role: engineering, decision: approve, at: 2026-02-03T09:00:00Z }", "Body.");

    let emergency = |id: &str, title: &str, deployed: &str, extra: &str, body: &str| {
        let front = format!(
            "title: \"{title}\"\ntype: hotfix\nclass: emergency\nstatus: deployed\ncreated: {deployed}\ndeployed: {deployed}\nsystems: [gateway]
emergency: {{ reason: Card payments failing, declared_by: Dana Lee, declared_at: {deployed} }}
approvals:\n  - {{ by: Alice Chen, role: engineering, decision: approve, at: {deployed} }}\n{extra}"
        );
        portal.record(&format!("e/{id}.md"), &record(id, &front, body));
    };
    emergency("E1", "Emergency: restore card authorizations", "2026-05-01T08:00:00Z",
        "visibility: public\nsummary: Some card payments failed for an hour.\nreview: { by: Omar Haddad, at: 2026-05-02T08:00:00Z, link: \"https://git.example/pr/1\" }
post_incident: { at: 2026-05-05T08:00:00Z, lessons: Pin roots not intermediates., policy_review: needed, follow_ups: [N1, \"https://tickets.example/LL-1\"] }
timeline:
  - { at: 2026-05-01T07:40:00Z, by: PagerDuty, note: Authorization error rate 36%., link: \"https://grafana.example/d/1\" }
  - { at: 2026-05-01T07:55:00Z, by: Aisha Rahman, note: Trust bundle updated on canary. }",
        "Payments failed for an hour.\n\n<!-- internal -->\nThe Northbridge chain changed; see [the PR](https://git.example/pr/1).");
    emergency("E2", "Emergency: rotate leaked credential", "2026-05-01T08:00:00Z",
        "review: { by: Omar Haddad, at: 2026-05-10T08:00:00Z }\npost_incident: { at: 2026-05-05T08:00:00Z, lessons: Scan artifacts., policy_review: none }",
        "Rotated the processor credential.");
    emergency(
        "E3",
        "Emergency: fail over the database",
        "2026-05-01T08:00:00Z",
        "",
        "Storage controller failed.",
    );
    emergency(
        "E4",
        "Emergency: block abusive traffic",
        "2026-05-30T00:00:00Z",
        "",
        "Rate limits.",
    );
    emergency(
        "E5",
        "Emergency: disable broken cache",
        "2026-05-29T00:00:00Z",
        "review: { by: Omar Haddad, at: 2026-05-30T00:00:00Z }",
        "Cache disabled.",
    );

    let notice = |id: &str, extra: &str| {
        portal.record(&format!("p/{id}.md"), &record(id, &format!("class: standard\nstatus: scheduled\nvisibility: public\nsummary: Public change {id}.\nscheduled: 2026-04-01T00:00:00Z\n{extra}"), "Public note."));
    };
    notice("P1", "type: feature");
    notice("P2", "type: feature\ncreated: 2026-03-20");
    notice("P3", "type: bugfix\ncreated: 2026-03-28");
    notice(
        "P4",
        "type: feature\ncreated: 2026-03-31\ntiers: [standard]",
    );
    notice(
        "P5",
        "type: feature\ncreated: 2026-03-25\nnotified: { enterprise: 2026-02-01 }",
    );
    portal.record("p/P6.md", &record("P6", "class: standard\nstatus: cancelled\nvisibility: public\nsummary: Cancelled.\ntype: feature\ncreated: 2026-03-31\nscheduled: 2026-04-01T00:00:00Z", "Public note."));
    // A proposal with no dates but `created`: its month has no calendar page.
    portal.record(
        "x/X1.md",
        &record("X1", "status: proposed\ncreated: 2025-06-01", "Idea."),
    );
    portal
}

/// Builds the fixture into `<root>/out` and returns the internal site's path.
fn build(portal: &TempPortal) -> PathBuf {
    let output = portal.run(&["build", "--now", NOW, "--out", "out"]);
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    portal.root().join("out/internal")
}

/// A file's text.
fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "html") {
            files.push(entry.path().to_path_buf());
        }
    }
    files
}

#[test]
fn compliance_figures_match_hand_computed_values() {
    let portal = fixture();
    let now = Timestamp::parse(NOW).unwrap();
    let analysis = changeportal::build::Build::new(portal.root(), now)
        .analyze()
        .unwrap();
    let figures = compliance::compute(&analysis.portal, &analysis.facts);
    let check = |tally: &Tally, met: usize, total: usize, missed: &[&str]| {
        assert_eq!(tally.ratio, Ratio { met, total });
        assert_eq!(tally.missed, missed);
    };
    check(&figures.normal_approvals, 3, 6, &["N2", "N3", "N4"]);
    check(&figures.emergency.both, 1, 3, &["E2", "E3"]);
    check(&figures.emergency.review, 2, 4, &["E2", "E3"]);
    check(&figures.emergency.post_incident, 2, 3, &["E3"]);
    assert_eq!(figures.emergency.pending, 2);
    let tiers: Vec<&str> = figures.notice.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(tiers, ["enterprise", "business"]);
    check(&figures.notice[0].tally, 2, 3, &["P2"]);
    check(&figures.notice[1].tally, 3, 4, &["P3"]);
    // The notice figure and the notice-too-short flag apply one rule.
    let short = analysis
        .flags
        .iter()
        .filter(|f| f.code.as_str() == "notice-too-short")
        .count();
    assert_eq!(short, 2);

    let dashboard = read(&build(&portal).join("index.html"));
    for shown in [
        "3 of 6 (50%)",
        "1 of 3 (33%)",
        "2 of 4 (50%)",
        "2 of 3 (67%)",
        "3 of 4 (75%)",
        "2 change(s) still inside their window",
        "Missed: <a href=\"changes/n2.html\">N2</a>, <a href=\"changes/n3.html\">N3</a>, <a href=\"changes/n4.html\">N4</a>",
    ] {
        assert!(dashboard.contains(shown), "dashboard lacks {shown}");
    }
}

#[test]
fn every_page_is_noindex_offline_and_under_csp() {
    let portal = fixture();
    let site = build(&portal);
    let pages = html_files(&site);
    assert!(pages.len() > 20, "only {} pages", pages.len());
    for page in &pages {
        let html = read(page);
        assert!(
            html.contains(r#"<meta name="robots" content="noindex,nofollow">"#),
            "{} lacks noindex",
            page.display()
        );
        assert!(
            html.contains("Content-Security-Policy") && html.contains("script-src 'self'"),
            "{} lacks the CSP",
            page.display()
        );
        // Only evidence URLs leave the site, marked and without referrer
        // (tests/audit_site.rs checks each such link).
        let evidence = html
            .matches(r#"<a class="url external" href="http"#)
            .count();
        assert_eq!(
            html.matches("href=\"http").count(),
            evidence,
            "{} links off-site outside evidence links",
            page.display()
        );
        for offsite in ["href=\"//", "src=\"http", "src=\"//"] {
            assert!(
                !html.contains(offsite),
                "{} links off-site ({offsite})",
                page.display()
            );
        }
        assert!(
            !html.contains("<script>") && !html.contains(" style=\""),
            "{} has inline script or style",
            page.display()
        );
    }
    let robots = read(&site.join("robots.txt"));
    assert!(
        robots.contains("Disallow: /"),
        "robots.txt keeps crawlers out"
    );
    // Record evidence URLs are links leaving the site.
    let e1 = read(&site.join("changes/e1.html"));
    assert!(e1.contains(
        r#"<a class="url external" href="https://git.example/pr/1" rel="noopener noreferrer">"#
    ));
    assert!(e1.contains(
        r#"<a class="url external" href="https://grafana.example/d/1" rel="noopener noreferrer">"#
    ));
}

#[test]
fn records_table_lists_everything_without_javascript() {
    let portal = fixture();
    let site = build(&portal);
    let html = read(&site.join("records/index.html"));
    assert_eq!(
        html.matches("<tr data-id=").count(),
        19,
        "one row per record"
    );
    assert!(html.contains(r#"<form id="filters" class="filters" role="search" aria-label="Filter records" data-search-index="search-index.js" hidden>"#), "the form waits for JavaScript");
    assert!(html
        .contains(r#"<tr data-id="E1"><td class="id"><a href="../changes/e1.html">E1</a></td>"#));
    assert!(html.contains(r#"<script src="../records.js" defer></script>"#));
    assert!(
        !html.contains("search-index.js\" defer"),
        "the index is loaded by records.js"
    );
    assert!(!html.contains("id=\"pager\""), "one page: no pager");
    let index = common::site::records_index(&site);
    let e1 = index
        .iter()
        .find(|row| row[0] == "E1")
        .expect("E1 in the index");
    let fields = [
        "E1",
        "changes/e1.html",
        "Emergency: restore card authorizations",
        "hotfix",
        "emergency",
        "deployed",
        "deployed",
    ];
    assert_eq!(&e1[..7], fields.map(serde_json::Value::from), "{e1:?}");
    assert_eq!(e1[8], serde_json::json!(["gateway"]));
    let words = e1[17].as_str().unwrap_or_default();
    assert!(
        words.starts_with("e1 emergency: restore card authorizations"),
        "{words}"
    );
    assert!(
        words.contains("northbridge"),
        "the internal body is searchable"
    );
    assert!(site.join("records.js").is_file() && site.join("style.css").is_file());
}

/// 1,001 records: the table without JavaScript is three pages (500, 500,
/// 1 rows) that together list every record once, in id order, each page
/// linking every page; the index holds every record exactly once.
#[test]
fn records_table_pages_list_every_record_and_the_index_holds_each_once() {
    let portal = TempPortal::new();
    let ids: Vec<String> = (0..1001).map(|n| format!("R{n:04}")).collect();
    for id in &ids {
        portal.record(&format!("r/{id}.md"), &common::normal_record(id));
    }
    let site = build(&portal);
    let pages = common::site::records_pages(&site);
    assert_eq!(pages.len(), 3, "1,001 records make three pages of 500");
    let listed: Vec<String> = pages
        .iter()
        .flat_map(|page| common::site::attribute_values(page, &["data-id"]))
        .collect();
    assert_eq!(
        listed, ids,
        "every record once, in id order, across the pages"
    );
    assert_eq!(
        pages
            .iter()
            .map(|page| page.matches("<tr data-id=").count())
            .collect::<Vec<_>>(),
        [500, 500, 1]
    );
    for (number, page) in pages.iter().enumerate() {
        assert!(page.contains("<nav id=\"pager\""), "page {}", number + 1);
        for link in [
            "href=\"index.html\"",
            "href=\"page-2.html\"",
            "href=\"page-3.html\"",
        ] {
            assert!(page.contains(link), "page {} links {link}", number + 1);
        }
        let first = number * 500 + 1;
        let last = (first + 499).min(1001);
        assert!(
            page.contains(&format!("Records {first} to {last} of 1001.")),
            "page {}",
            number + 1
        );
    }
    let indexed: Vec<String> = common::site::records_index(&site)
        .iter()
        .map(|row| row[0].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(indexed, ids, "the index holds every record exactly once");
}

#[test]
fn record_page_shows_evidence_flags_and_links() {
    let portal = fixture();
    let site = build(&portal);
    let e1 = read(&site.join("changes/e1.html"));
    for part in [
        "Emergency declaration",
        "Card payments failing",
        "Met:</span> At least 1 approval(s) by board members other than the author within 2 day(s) after deploy: 1 given",
        "In time:</span> Code review due by",
        "<ol class=\"timeline\">",
        "Authorization error rate 36%.",
        "+15 min",
        "Public part",
        "Internal part",
        "The Northbridge chain changed",
        "<span class=\"offsite\">the PR</span>",
        "<a href=\"../changes/n1.html\">N1</a>",
        "<a class=\"url external\" href=\"https://tickets.example/LL-1\" rel=\"noopener noreferrer\">",
        "unknown-reference",
        "A follow-up id, tier or system that does not exist.",
        "content/changes/e/E1.md",
        "<code class=\"url\">https://changes.test.example/changes/e1/</code>",
    ] {
        assert!(e1.contains(part), "E1 page lacks {part}");
    }
    let n2 = read(&site.join("changes/n2.html"));
    assert!(n2.contains("Not met:</span> An approval from the operations role before deploy"));
    assert!(n2.contains("approval-after-deploy") && n2.contains("content/changes/n/N2.md:"));
    let e3 = read(&site.join("changes/e3.html"));
    assert!(e3.contains("Missed:</span> Code review due by") && e3.contains("missing-review"));
    assert!(
        e3.contains("A change that needs a post-incident review is past its window without one.")
    );
    let n7 = read(&site.join("changes/n7.html"));
    assert!(n7.contains("Met:</span> Every rejection was followed by a later approval"));
}

#[test]
fn flags_calendar_and_system_pages() {
    let portal = fixture();
    let site = build(&portal);
    let flags = read(&site.join("flags/index.html"));
    assert!(
        flags.contains("<h2 id=\"missing-review\">")
            && flags.contains("<h2 id=\"notice-too-short\">")
    );
    assert!(flags.contains("Rules with no open flag") && flags.contains("duplicate-id"));
    let dashboard = read(&site.join("index.html"));
    assert!(
        dashboard.contains("<th scope=\"row\">June 2025</th>"),
        "X1's month is listed, unlinked"
    );
    for link in dashboard.split("href=\"calendar/").skip(1) {
        let target = link.split('"').next().unwrap();
        assert!(
            site.join("calendar").join(target).is_file(),
            "dashboard links to a missing calendar/{target}"
        );
    }
    let may = read(&site.join("calendar/2026-05/index.html"));
    assert!(may.contains(
        "<li class=\"event deployed emergency\"><a href=\"../../changes/e1.html\">E1</a>"
    ));
    assert!(
        site.join("calendar/2026-07/index.html").is_file(),
        "N6 is scheduled in July"
    );
    assert!(read(&site.join("calendar/index.html")).contains("href=\"2026-05/index.html\""));
    let gateway = read(&site.join("systems/gateway/index.html"));
    assert!(gateway.contains("not in the catalogue") && gateway.contains("E5"));
    let systems = read(&site.join("systems/index.html"));
    assert!(systems.contains("Public API") && systems.contains("../systems/web/index.html"));
}

#[test]
fn records_table_filters_in_a_real_browser() {
    if tools::skip_external("records table in headless Chromium") {
        return;
    }
    let portal = fixture();
    let port = common::site::serve_dir(build(&portal));
    let screenshot = portal.root().join("records.png");
    let url = format!("http://127.0.0.1:{port}/records/index.html");
    tools::run_browser_script(
        "records.mjs",
        &["playwright-core", "axe-core"],
        &[
            url.as_ref(),
            screenshot.as_os_str(),
            "northbridge".as_ref(),
            "E1".as_ref(),
        ],
    );
    assert!(
        screenshot
            .metadata()
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "no screenshot"
    );
    if let Ok(keep) = std::env::var("CHANGEPORTAL_KEEP_SCREENSHOT") {
        std::fs::copy(&screenshot, keep).unwrap();
    }
}
