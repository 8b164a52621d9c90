//! The audit site's period pages, change metrics, CAB agenda, evidence
//! links and records table (issue 15), read back from a built fixture; and
//! a headless-Chromium run of tests/browser/audit.mjs over it.

mod common;

use changeportal::model::Timestamp;
use common::checking::read;
use common::{stderr, tools, TempPortal};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The fixture's "now".
const NOW: &str = "2026-06-01";

/// Approvals by Alice (engineering) and Omar (operations) on `day` (after
/// the record's `created`, before its deploy).
fn approved(day: &str) -> String {
    format!(
        "approvals:
  - {{ by: Alice Chen, role: engineering, decision: approve, at: {day}T09:00:00Z }}
  - {{ by: Omar Haddad, role: operations, decision: approve, at: {day}T10:00:00Z }}"
    )
}

/// A record: `id`, an internal normal improvement by Sam Writer, then
/// `extra` front matter.
fn record(id: &str, extra: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Change {id}\ntype: improvement\nauthor: Sam Writer\n{}\n---\nBody.\n",
        extra.trim()
    )
}

/// Deployed: D1 (2025-12-31 23:30 UTC, Q4 2025, evidence links), D2
/// (2026-01-01 00:00 UTC, Q1 2026, one approval: insufficient-approval,
/// named in D4's follow-ups: failed), D3 (rolled back 2026-02-15: failed),
/// D4 (standard, 2026-05-02). Awaiting approval: C2 (scheduled 06-20, one
/// approval), C1 (proposed, scheduled 07-10), C4 (proposed, unscheduled,
/// only the author's approval). Not on the agenda: C3 (fully approved),
/// C5 (cancelled).
fn fixture() -> TempPortal {
    let portal = TempPortal::new();
    let put = |id: &str, extra: &str| {
        portal.record(&format!("{id}.md"), &record(id, extra));
    };
    put(
        "D1",
        &format!(
            "status: deployed\ncreated: 2025-12-01\ndeployed: 2025-12-31T23:30:00Z\nsystems: [api]\n{}
review: {{ by: Priya Nair, at: 2026-01-02T10:00:00Z, link: 'https://review.example/r/1?a=1&b=2' }}
timeline:
  - {{ at: 2025-12-31T23:00:00Z, note: Started, link: 'https://grafana.example/d/1' }}
links: ['https://git.example/pr/9', 'javascript:alert(1)', 'OPS-12']",
            approved("2025-12-05")
        ),
    );
    put(
        "D2",
        "status: deployed\ncreated: 2025-12-15\ndeployed: 2026-01-01T00:00:00Z\nsystems: [api, web]
approvals:
  - { by: Alice Chen, role: engineering, decision: approve, at: 2025-12-20T09:00:00Z }",
    );
    put(
        "D3",
        &format!(
            "status: rolled_back\ncreated: 2026-02-01\ndeployed: 2026-02-15T10:00:00Z\nsystems: [web]\n{}
post_incident: {{ at: 2026-02-16T10:00:00Z, lessons: Learned., policy_review: none }}",
            approved("2026-02-05")
        ),
    );
    put(
        "D4",
        "class: standard\nstatus: deployed\ncreated: 2026-05-01\ndeployed: 2026-05-02T00:00:00Z\nsystems: [web]
post_incident: { at: 2026-05-03T10:00:00Z, lessons: Learned., policy_review: none, follow_ups: [d2, 'https://tickets.example/T-1'] }",
    );
    put(
        "C1",
        "status: proposed\ncreated: 2026-05-01\nscheduled: 2026-07-10T09:00:00Z",
    );
    put(
        "C2",
        "status: scheduled\ncreated: 2026-05-01\nscheduled: 2026-06-20T09:00:00Z
approvals:
  - { by: Alice Chen, role: engineering, decision: approve, at: 2026-05-02T09:00:00Z }",
    );
    put(
        "C3",
        "status: approved\ncreated: 2025-11-01
approvals:
  - { by: Alice Chen, role: engineering, decision: approve, at: 2025-11-20T09:00:00Z }
  - { by: Omar Haddad, role: operations, decision: approve, at: 2025-11-21T09:00:00Z }",
    );
    put(
        "C4",
        "status: proposed\ncreated: 2026-05-01
approvals:
  - { by: Sam Writer, role: engineering, decision: approve, at: 2026-05-02T09:00:00Z }",
    );
    put(
        "C5",
        "status: cancelled\ncreated: 2026-05-01\nscheduled: 2026-06-10T09:00:00Z",
    );
    portal
}

/// Builds the fixture into `<root>/out` and returns the internal site.
fn build(portal: &TempPortal) -> PathBuf {
    let output = portal.run(&["build", "--now", NOW, "--out", "out"]);
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    portal.root().join("out/internal")
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
    let rest = &text[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// Every `<a ...>` start tag of `html`.
fn anchors(html: &str) -> Vec<&str> {
    html.match_indices("<a ")
        .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap_or(0) + 1])
        .collect()
}

#[test]
fn period_pages_exist_for_each_year_and_quarter_and_agree_with_the_flags() {
    let portal = fixture();
    let site = build(&portal);
    let mut pages: Vec<String> = std::fs::read_dir(site.join("period"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    // D1 is deployed at 23:30 UTC on New Year's Eve: Q4 2025, not 2026.
    assert_eq!(pages, ["2025", "2025-q4", "2026", "2026-q1", "2026-q2"]);

    let now = Timestamp::parse(NOW).unwrap();
    let analysis = changeportal::build::Build::new(portal.root(), now)
        .analyze()
        .unwrap();
    let periods = [
        ("2025", "2025-01-01", "2025-12-31"),
        ("2025-q4", "2025-10-01", "2025-12-31"),
        ("2026", "2026-01-01", "2026-12-31"),
        ("2026-q1", "2026-01-01", "2026-03-31"),
        ("2026-q2", "2026-04-01", "2026-06-30"),
    ];
    for (key, first, last) in periods {
        // Deployed (or rolled back) with `deployed` in the period's UTC days.
        let ids: BTreeSet<&str> = analysis
            .portal
            .documents
            .iter()
            .map(|d| &d.record)
            .filter(|r| r.is_live())
            .filter(|r| {
                r.deployed.is_some_and(|at| {
                    let day = at.instant().date_naive().to_string();
                    day.as_str() >= first && day.as_str() <= last
                })
            })
            .map(|r| r.id.as_str())
            .collect();
        let flags: Vec<_> = analysis
            .flags
            .iter()
            .filter(|f| f.record.as_deref().is_some_and(|id| ids.contains(id)))
            .collect();
        let deny = flags.iter().filter(|f| f.level.as_str() == "deny").count();
        let html = read(&site.join(format!("period/{key}/index.html")));
        let lead = between(&html, "<p class=\"lead\">", "</p>");
        assert!(
            lead.starts_with(&format!("{} change(s) deployed from", ids.len())),
            "{key}: {lead}"
        );
        assert!(
            lead.contains(&format!("{} open flag(s)", flags.len()))
                && lead.contains(&format!("{deny} deny</strong>"))
                && lead.contains(&format!("{} warn</strong>", flags.len() - deny)),
            "{key}: {lead} (expected {} flags, {deny} deny)",
            flags.len()
        );
        assert!(
            lead.contains(&format!("export --from {first} --to {last}")),
            "{key}"
        );
        assert!(
            html.contains(&format!(
                "href=\"../../records/index.html#from={first}&amp;to={last}\""
            )),
            "{key} links its population"
        );
        assert!(html.contains("aria-current=\"page\">"), "{key} selector");
    }
    let q1 = read(&site.join("period/2026-q1/index.html"));
    assert!(q1.contains("<h1>Change management dashboard: Q1 2026</h1>"));
    assert!(
        !q1.contains("id=\"upcoming\""),
        "periods have no upcoming list"
    );
    let dashboard = read(&site.join("index.html"));
    for key in ["2025", "2025-q4", "2026", "2026-q1", "2026-q2"] {
        assert!(
            dashboard.contains(&format!("href=\"period/{key}/index.html\"")),
            "the dashboard's selector links {key}"
        );
    }
}

#[test]
fn change_metrics_count_failures_lead_time_and_compliance() {
    let portal = fixture();
    let site = build(&portal);
    let dashboard = read(&site.join("index.html"));
    let figures = between(&dashboard, "<h2 id=\"metrics\">", "<figure");
    // D1..D4 deployed: D3 rolled back and D2 named in D4's follow-ups fail;
    // leads 31.0, 17.0, 14.4, 1.0 days (median 15.7); D2 has a deny flag.
    for shown in [
        "<p class=\"value\">4</p><p class=\"note\">1 standard, 3 normal, 0 emergency (0%)",
        "<p class=\"value\">50%</p><p class=\"note\">2 of 4 failed",
        "<p class=\"value\">15.7 days</p>",
        "<p class=\"value\">75%</p><p class=\"note\">3 of 4 without a deny-level flag",
    ] {
        assert!(figures.contains(shown), "metrics lack {shown}: {figures}");
    }
    let quarters = between(
        &dashboard,
        "<caption>Change metrics per quarter</caption>",
        "</table>",
    );
    assert!(quarters.contains(
        "<a href=\"period/2026-q1/index.html\">Q1 2026</a></th><td class=\"num\">2</td><td class=\"num\">0</td><td class=\"num\">2</td><td class=\"num\">0</td><td class=\"num\">0%</td><td class=\"num\">2</td><td class=\"num\">100%</td>"
    ), "{quarters}");
    let systems = between(
        &dashboard,
        "<caption>Change metrics per system</caption>",
        "</table>",
    );
    assert!(
        systems.contains(
            "<a href=\"systems/api/index.html\">Public API</a></th><td class=\"num\">2</td>"
        ),
        "{systems}"
    );
    assert!(
        systems.contains(
            "<a href=\"systems/web/index.html\">Web App</a></th><td class=\"num\">3</td>"
        ),
        "{systems}"
    );
    assert!(
        dashboard.contains("<svg class=\"chart\"")
            && dashboard.contains("id=\"chart-volume-title\"")
    );
    let q2 = read(&site.join("period/2026-q2/index.html"));
    assert!(q2.contains(
        "<p class=\"value\">1</p><p class=\"note\">1 standard, 0 normal, 0 emergency (0%)"
    ));
}

#[test]
fn cab_agenda_lists_what_awaits_approval_earliest_first() {
    let portal = fixture();
    let site = build(&portal);
    let cab = read(&site.join("cab/index.html"));
    let ids: Vec<&str> = cab
        .split("<tr data-id=\"")
        .skip(1)
        .map(|row| row.split('"').next().unwrap())
        .collect();
    assert_eq!(ids, ["C2", "C1", "C4"], "scheduled first, earliest first");
    let row = |id: &str| between(&cab, &format!("<tr data-id=\"{id}\">"), "</tr>").to_string();
    let c2 = row("C2");
    assert!(c2.contains("1 of 2") && c2.contains("<li>1 more approval(s) by board members</li><li>an approval from the operations role</li>"), "{c2}");
    assert!(
        !c2.contains("engineering role"),
        "C2 has its engineering approval"
    );
    let c4 = row("C4");
    assert!(
        c4.contains("0 of 2") && c4.contains("(1 not counted)"),
        "{c4}"
    );
    assert!(
        c4.contains("<li>2 more approval(s) by board members</li>"),
        "{c4}"
    );
    assert!(row("C1").contains("href=\"../changes/c1.html\""));
    for nav in [
        read(&site.join("index.html")),
        read(&site.join("changes/d1.html")),
    ] {
        assert!(nav.contains(">CAB agenda</a>"), "the nav links the agenda");
    }
}

#[test]
fn evidence_urls_are_external_links_and_other_text_is_not() {
    let portal = fixture();
    let site = build(&portal);
    let d1 = read(&site.join("changes/d1.html"));
    for url in [
        "https://git.example/pr/9",
        "https://review.example/r/1?a=1&amp;b=2",
        "https://grafana.example/d/1",
    ] {
        let tag = format!("<a class=\"url external\" href=\"{url}\" rel=\"noopener noreferrer\">");
        assert!(d1.contains(&tag), "D1 lacks {tag}");
        assert!(d1.contains(&format!(
            "{tag}{url} <span class=\"leaves\">(external)</span></a>"
        )));
    }
    assert!(d1.contains("<code class=\"url\">javascript:alert(1)</code>"));
    assert!(d1.contains("<code class=\"url\">OPS-12</code>"));
    assert!(!d1.contains("href=\"javascript"));
    let d4 = read(&site.join("changes/d4.html"));
    assert!(
        d4.contains("<a href=\"../changes/d2.html\">d2</a>"),
        "a follow-up id links its record"
    );
    assert!(d4.contains("href=\"https://tickets.example/T-1\" rel=\"noopener noreferrer\""));
    // Every link off the site, on every page, is marked and has the rel.
    for page in common::site::html_files(&site) {
        let html = read(&page);
        for tag in anchors(&html) {
            if tag.contains("href=\"http") || tag.contains("href=\"//") {
                assert!(
                    tag.contains("class=\"url external\"")
                        && tag.contains("rel=\"noopener noreferrer\""),
                    "{}: {tag}",
                    page.display()
                );
            }
        }
    }
}

#[test]
fn records_table_has_approvers_sort_headers_and_missed_marks() {
    let portal = fixture();
    let site = build(&portal);
    let html = read(&site.join("records/index.html"));
    assert!(html.contains("<th scope=\"col\" data-sort=\"date\">Deployed</th>"));
    assert!(html.contains("<th scope=\"col\" data-sort=\"text\">Approvers</th>"));
    let d1 = between(&html, "<tr data-id=\"D1\"", "</tr>");
    assert!(d1.contains("<td>Alice Chen, Omar Haddad</td>"), "{d1}");
    let index = common::site::records_index(&site);
    let missed = |id: &str| {
        index
            .iter()
            .find(|row| row[0] == id)
            .map(|row| row[11].clone())
            .unwrap_or_else(|| panic!("{id} is not in the records index"))
    };
    assert_eq!(missed("D1"), "", "D1 missed no figure");
    assert_eq!(missed("D2"), "|normal-approvals|");
    assert!(html.contains("<input id=\"f-from\" name=\"from\" type=\"date\">"));
    assert_eq!(
        html.matches("<tr data-id=").count(),
        9,
        "every record, without JavaScript"
    );
}

#[test]
fn audit_site_in_a_real_browser() {
    if tools::skip_external("audit site in headless Chromium") {
        return;
    }
    let portal = fixture();
    let port = common::site::serve_dir(build(&portal));
    let url = format!("http://127.0.0.1:{port}/");
    let shots = std::env::var("CHANGEPORTAL_KEEP_SCREENSHOT").unwrap_or_default();
    let mut args: Vec<&std::ffi::OsStr> = [
        url.as_str(),
        "2026-01-01",
        "2026-03-31",
        "D2,D3",
        "C2",
        "2026-q1",
    ]
    .into_iter()
    .map(|a| a.as_ref())
    .collect();
    if !shots.is_empty() {
        args.push(shots.as_ref());
    }
    tools::run_browser_script("audit.mjs", &["playwright-core", "axe-core"], &args);
}

/// More missed records than the dashboard lists (12) give an "and N more"
/// link to the records table filtered by that figure.
#[test]
fn a_long_missed_list_links_to_the_filtered_table() {
    let portal = TempPortal::new();
    for n in 0..15 {
        let id = format!("U{n:02}");
        portal.record(
            &format!("{id}.md"),
            &record(
                &id,
                "status: deployed\ncreated: 2026-01-01\ndeployed: 2026-01-10T00:00:00Z\nsystems: [api]",
            ),
        );
    }
    let dashboard = read(&build(&portal).join("index.html"));
    assert!(
        dashboard.contains("href=\"records/index.html#missed=normal-approvals\">3 more</a>"),
        "{dashboard}"
    );
}
