//! Policy depth (SPEC 3 and 4, issue 15): `date-out-of-order`,
//! `future-evidence`, `change-in-blackout`, `change-collision`,
//! `deployer-approved`, board membership dates and approvals that do not
//! count. For each flag a case where it fires (code, level, file, line, read
//! from `check --format json`) and a close case where it does not, plus
//! table tests over date spellings, offsets and blackout scopes.

mod common;

use common::checking::{build, check_json, read, with_code, Reported};
use common::{normal_record, TempPortal, PORTAL_YAML};

/// [`normal_record`] with the one line starting with `prefix` replaced by
/// `lines` (which may be several lines, or empty to delete it).
fn edit(record: &str, prefix: &str, lines: &str) -> String {
    let hits = record.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(hits, 1, "`{prefix}` must start one line of\n{record}");
    record
        .lines()
        .filter_map(|line| match line.starts_with(prefix) {
            true if lines.is_empty() => None,
            true => Some(lines.to_string()),
            false => Some(line.to_string()),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// 1-based line of the one line of `record` starting with `prefix`.
fn line_of(record: &str, prefix: &str) -> usize {
    record
        .lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starts with `{prefix}`"))
        + 1
}

/// A not-yet-deployed normal change on `systems`, scheduled at `scheduled`,
/// with `window_end` when given.
fn planned(id: &str, systems: &str, scheduled: &str, window_end: Option<&str>) -> String {
    let window = window_end.map_or(String::new(), |end| format!("\nwindow_end: {end}"));
    let record = edit(&normal_record(id), "status:", "status: scheduled");
    let record = edit(&record, "deployed:", "");
    let record = edit(&record, "systems:", &format!("systems: [{systems}]"));
    edit(
        &record,
        "scheduled:",
        &format!("scheduled: {scheduled}{window}"),
    )
}

/// `check` of a portal with `config` holding `(file, text)` records at `now`.
fn check(config: &str, records: &[(&str, String)], now: &str) -> Vec<Reported> {
    let portal = TempPortal::with_config(config);
    for (name, text) in records {
        portal.record(name, text);
    }
    let (flags, code) = check_json(portal.root(), now);
    assert!(code == 0 || code == 1, "check exit {code}: {flags:#?}");
    flags
}

/// The flags of `code` on `content/changes/<file>`.
fn on<'a>(flags: &'a [Reported], code: &str, file: &str) -> Vec<&'a Reported> {
    let path = format!("content/changes/{file}");
    with_code(flags, code)
        .into_iter()
        .filter(|f| f.file == path)
        .collect()
}

/// Asserts exactly one `code` flag on `file`, at `level` and `line`.
fn assert_one(flags: &[Reported], code: &str, level: &str, file: &str, line: usize) {
    let found = on(flags, code, file);
    assert_eq!(found.len(), 1, "{code} on {file}: {flags:#?}");
    assert_eq!(
        (found[0].level.as_str(), found[0].line),
        (level, line),
        "{found:#?}"
    );
}

const LATER: &str = "2026-11-24";

/// The fixture's policy plus two blackouts: a year-end freeze of every
/// system (date-only ends) and Black Friday on the API (datetime ends).
fn with_blackouts() -> String {
    PORTAL_YAML.replace(
        "  blackouts:\n",
        "  blackouts:\n    - { from: 2026-12-20, to: 2027-01-04, reason: Year-end freeze }\n    - { from: 2026-11-27T00:00:00Z, to: 2026-11-30T23:59:59Z, systems: [api], reason: Black Friday }\n",
    )
}

#[test]
fn date_out_of_order_fires_before_created_and_not_at_it() {
    let base = normal_record("CHG-1");
    let before = edit(&base, "created:", "created: 2026-01-10T09:00:01Z");
    let exactly = edit(&base, "created:", "created: 2026-01-10T09:00:00Z");
    let window = edit(
        &base,
        "scheduled:",
        "scheduled: 2026-03-01T10:00:00Z\nwindow_end: 2026-03-01T10:00:00Z",
    );
    let window_ok = edit(
        &base,
        "scheduled:",
        "scheduled: 2026-03-01T10:00:00Z\nwindow_end: 2026-03-01T10:00:01Z",
    );
    let review = edit(
        &base,
        "testing:",
        "review: { by: Priya Nair, at: 2026-03-01T10:29:59Z }\ntesting: Load tested.",
    );
    let review_ok = edit(
        &base,
        "testing:",
        "review: { by: Priya Nair, at: 2026-03-01T10:30:00Z }\ntesting: Load tested.",
    );
    let records = [
        ("before.md", before.clone()),
        ("exactly.md", exactly),
        ("window.md", window.clone()),
        ("window-ok.md", window_ok),
        ("review.md", review.clone()),
        ("review-ok.md", review_ok),
    ];
    let flags = check(PORTAL_YAML, &records, LATER);
    let alice = line_of(&before, "  - { by: Alice");
    assert_one(&flags, "date-out-of-order", "deny", "before.md", alice);
    assert_one(
        &flags,
        "date-out-of-order",
        "deny",
        "window.md",
        line_of(&window, "window_end:"),
    );
    assert_one(
        &flags,
        "date-out-of-order",
        "deny",
        "review.md",
        line_of(&review, "review:"),
    );
    assert_eq!(
        with_code(&flags, "date-out-of-order").len(),
        3,
        "{flags:#?}"
    );
}

#[test]
fn date_out_of_order_compares_instants_whatever_the_spelling() {
    // (created, approval `at`, out of order)
    let table = [
        ("2026-01-10", "2026-01-10T00:00:00Z", false),
        ("2026-01-10", "2026-01-09T23:59:59Z", true),
        ("2026-01-10", "2026-01-10T01:00:00+01:00", false),
        ("2026-01-10", "2026-01-10T00:59:59+01:00", true),
        ("2026-01-10", "2026-01-09T19:00:00-05:00", false),
        ("2026-01-10", "2026-01-09", true),
        ("2026-01-10T09:00:00+02:00", "2026-01-10T07:00:00Z", false),
        ("2026-01-10T09:00:00+02:00", "2026-01-10T06:59:59Z", true),
        ("2026-01-10T09:00:00Z", "2026-01-10", true),
    ];
    let records: Vec<(String, String)> = table
        .iter()
        .enumerate()
        .map(|(index, (created, at, _))| {
            let record = edit(
                &normal_record(&format!("CHG-{index}")),
                "created:",
                &format!("created: {created}"),
            );
            let record = edit(
                &record,
                "  - { by: Alice",
                &format!(
                    "  - {{ by: Alice Chen, role: engineering, decision: approve, at: {at} }}"
                ),
            );
            (format!("r{index}.md"), record)
        })
        .collect();
    let named: Vec<(&str, String)> = records
        .iter()
        .map(|(n, r)| (n.as_str(), r.clone()))
        .collect();
    let flags = check(PORTAL_YAML, &named, LATER);
    for (index, (created, at, fires)) in table.iter().enumerate() {
        let found = on(&flags, "date-out-of-order", &format!("r{index}.md"));
        assert_eq!(
            !found.is_empty(),
            *fires,
            "created {created}, approved {at}: {found:#?}"
        );
    }
}

#[test]
fn future_evidence_fires_after_now_and_not_at_now() {
    let base = normal_record("CHG-1");
    let with_timeline = edit(
        &base,
        "testing:",
        "timeline:\n  - { at: 2026-03-01T10:00:00+02:00, note: Canary started. }\n  - { at: 2026-03-01T10:31:00Z, note: Done. }\ntesting: Load tested.",
    );
    let records = [("a.md", base.clone()), ("b.md", with_timeline.clone())];
    let at_deploy = check(PORTAL_YAML, &records, "2026-03-01T10:30:00Z");
    assert_one(
        &at_deploy,
        "future-evidence",
        "deny",
        "b.md",
        line_of(&with_timeline, "  - { at: 2026-03-01T10:31"),
    );
    assert!(
        on(&at_deploy, "future-evidence", "a.md").is_empty(),
        "deployed == now is not future"
    );
    let before_deploy = check(PORTAL_YAML, &records, "2026-03-01T10:29:59Z");
    assert_one(
        &before_deploy,
        "future-evidence",
        "deny",
        "a.md",
        line_of(&base, "deployed:"),
    );
    let after = check(PORTAL_YAML, &records, "2026-03-01T10:31:00Z");
    assert!(
        with_code(&after, "future-evidence").is_empty(),
        "{after:#?}"
    );
}

#[test]
fn change_in_blackout_table_over_ends_offsets_and_scopes() {
    // (systems, scheduled, window_end, class/status edit, in a blackout)
    let table: &[(&str, &str, Option<&str>, &str, bool)] = &[
        // Year-end freeze, all systems, 2026-12-20T00:00Z up to 2027-01-05T00:00Z.
        ("web", "2026-12-19T22:00:00Z", Some("2026-12-20"), "", false),
        (
            "web",
            "2026-12-19T22:00:00Z",
            Some("2026-12-20T00:00:01Z"),
            "",
            true,
        ),
        (
            "web",
            "2026-12-19T23:30:00-01:00",
            Some("2026-12-20T03:00:00+02:00"),
            "",
            true,
        ),
        (
            "web",
            "2026-12-20T00:30:00+01:00",
            Some("2026-12-20T01:00:00+01:00"),
            "",
            false,
        ),
        (
            "api",
            "2027-01-04T23:00:00Z",
            Some("2027-01-05T01:00:00Z"),
            "",
            true,
        ),
        ("api", "2027-01-05", Some("2027-01-05T02:00:00Z"), "", false),
        ("api", "2026-12-20", None, "", true),
        ("api", "2026-12-19T23:59:59Z", None, "", false),
        ("", "2026-12-24T10:00:00Z", None, "", true),
        (
            "api",
            "2026-12-24T10:00:00Z",
            None,
            "class: emergency",
            false,
        ),
        (
            "api",
            "2026-12-24T10:00:00Z",
            None,
            "status: cancelled",
            false,
        ),
        ("api", "2026-12-24T10:00:00Z", None, "class: standard", true),
        // Black Friday, API only, 2026-11-27T00:00Z up to 2026-11-30T23:59:59Z.
        ("web", "2026-11-28T10:00:00Z", None, "", false),
        ("api", "2026-11-28T10:00:00Z", None, "", true),
        ("web, api", "2026-11-28T10:00:00Z", None, "", true),
        ("api", "2026-11-26T23:30:00-01:00", None, "", true),
        ("api", "2026-11-27T00:59:59+01:00", None, "", false),
        ("api", "2026-11-30T23:59:58Z", None, "", true),
        ("api", "2026-11-30T23:59:59Z", None, "", false),
    ];
    let records: Vec<(String, String)> = table
        .iter()
        .enumerate()
        .map(|(index, (systems, scheduled, end, extra, _))| {
            let mut record = planned(&format!("CHG-{index}"), systems, scheduled, *end);
            if let Some(class) = extra.strip_prefix("class: ") {
                record = edit(
                    &record,
                    "type:",
                    &format!("type: improvement\nclass: {class}"),
                );
                if class == "emergency" {
                    record = edit(
                        &record,
                        "risk:",
                        "risk: low\nemergency: { reason: Outage, declared_by: Dana Lee }",
                    );
                }
            } else if !extra.is_empty() {
                record = edit(&record, "status:", extra);
            }
            (format!("r{index}.md"), record)
        })
        .collect();
    let named: Vec<(&str, String)> = records
        .iter()
        .map(|(n, r)| (n.as_str(), r.clone()))
        .collect();
    let flags = check(&with_blackouts(), &named, "2026-11-01");
    for (index, (systems, scheduled, end, extra, fires)) in table.iter().enumerate() {
        let file = format!("r{index}.md");
        let found = on(&flags, "change-in-blackout", &file);
        assert_eq!(
            !found.is_empty(),
            *fires,
            "[{systems}] {scheduled}..{end:?} {extra}: {found:#?}"
        );
        if *fires {
            let line = line_of(&records[index].1, "scheduled:");
            assert_one(&flags, "change-in-blackout", "deny", &file, line);
        }
    }
}

#[test]
fn change_in_blackout_counts_a_deploy_inside_a_freeze() {
    let deployed_in_freeze = edit(
        &edit(
            &normal_record("CHG-1"),
            "deployed:",
            "deployed: 2026-12-21T10:30:00Z",
        ),
        "systems:",
        "systems: [web]",
    );
    let deployed_before = edit(&normal_record("CHG-2"), "systems:", "systems: [web]");
    let records = [
        ("in.md", deployed_in_freeze.clone()),
        ("before.md", deployed_before),
    ];
    let flags = check(&with_blackouts(), &records, "2027-02-01");
    let line = line_of(&deployed_in_freeze, "deployed:");
    assert_one(&flags, "change-in-blackout", "deny", "in.md", line);
    assert!(on(&flags, "change-in-blackout", "before.md").is_empty());
}

#[test]
fn a_blackout_that_ends_before_it_starts_is_a_config_error() {
    let config = PORTAL_YAML.replace(
        "  blackouts:\n",
        "  blackouts:\n    - { from: 2026-12-21, to: 2026-12-20, reason: Backwards }\n",
    );
    let line = config
        .lines()
        .position(|l| l.contains("Backwards"))
        .map(|i| i + 1)
        .unwrap_or_default();
    let portal = TempPortal::with_config(&config);
    let output = portal.run(&["check", "--now", LATER]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = common::stderr(&output);
    assert!(stderr.contains(&format!("portal.yaml:{line}:")), "{stderr}");
    assert!(stderr.contains("Backwards"), "{stderr}");
}

#[test]
fn change_collision_fires_on_both_and_not_on_adjacent_windows() {
    let window =
        |id: &str, systems: &str, start: &str, end: &str| planned(id, systems, start, Some(end));
    let records = [
        (
            "a.md",
            window(
                "CHG-A",
                "api",
                "2026-12-01T10:00:00Z",
                "2026-12-01T11:00:00Z",
            ),
        ),
        (
            "b.md",
            window(
                "CHG-B",
                "api",
                "2026-12-01T11:00:00Z",
                "2026-12-01T12:00:00Z",
            ),
        ),
        (
            "c.md",
            window(
                "CHG-C",
                "web, api",
                "2026-12-01T11:59:59Z",
                "2026-12-01T13:00:00Z",
            ),
        ),
        (
            "d.md",
            window(
                "CHG-D",
                "web",
                "2026-12-01T10:00:00Z",
                "2026-12-01T11:00:00Z",
            ),
        ),
        (
            "e.md",
            edit(
                &window(
                    "CHG-E",
                    "web",
                    "2026-12-01T12:30:00Z",
                    "2026-12-01T13:30:00Z",
                ),
                "status:",
                "status: cancelled",
            ),
        ),
    ];
    let flags = check(PORTAL_YAML, &records, LATER);
    for file in ["b.md", "c.md"] {
        let line = line_of(
            &records.iter().find(|(n, _)| *n == file).unwrap().1,
            "scheduled:",
        );
        assert_one(&flags, "change-collision", "warn", file, line);
    }
    let on_b = on(&flags, "change-collision", "b.md");
    assert!(on_b[0].message.contains("CHG-C"), "{on_b:#?}");
    for quiet in ["a.md", "d.md", "e.md"] {
        assert!(
            on(&flags, "change-collision", quiet).is_empty(),
            "{quiet}: {flags:#?}"
        );
    }
}

#[test]
fn a_deploy_inside_another_window_collides_but_two_bare_deploys_do_not() {
    let window = planned(
        "CHG-W",
        "api",
        "2026-03-01T10:00:00Z",
        Some("2026-03-01T11:00:00Z"),
    );
    let records = [
        ("w.md", window),
        ("x.md", normal_record("CHG-X")),
        ("y.md", normal_record("CHG-Y")),
    ];
    let flags = check(PORTAL_YAML, &records, LATER);
    let on_w = on(&flags, "change-collision", "w.md");
    assert_eq!(on_w.len(), 1, "{flags:#?}");
    assert!(on_w[0].message.contains("CHG-X") && on_w[0].message.contains("CHG-Y"));
    for file in ["x.md", "y.md"] {
        let found = on(&flags, "change-collision", file);
        assert_eq!(found.len(), 1, "{file}: {flags:#?}");
        assert!(found[0].message.contains("CHG-W") && !found[0].message.contains("CHG-X, CHG-Y"));
    }
}

#[test]
fn deployer_approved_fires_and_the_approval_does_not_count() {
    let base = normal_record("CHG-1");
    let deployer = edit(
        &base,
        "deployed:",
        "deployed: 2026-03-01T10:30:00Z\ndeployed_by: \" omar  HADDAD\"",
    );
    let other = edit(
        &base,
        "deployed:",
        "deployed: 2026-03-01T10:30:00Z\ndeployed_by: Priya Nair",
    );
    let records = [("a.md", deployer.clone()), ("b.md", other)];
    let flags = check(PORTAL_YAML, &records, LATER);
    let omar = line_of(&deployer, "  - { by: Omar");
    assert_one(&flags, "deployer-approved", "warn", "a.md", omar);
    assert!(
        !on(&flags, "insufficient-approval", "a.md").is_empty(),
        "Omar's approval no longer counts: {flags:#?}"
    );
    assert!(on(&flags, "deployer-approved", "b.md").is_empty());
    assert!(on(&flags, "insufficient-approval", "b.md").is_empty());
}

/// The fixture's board with Omar Haddad's membership limited by `dates`.
fn omar_member(dates: &str) -> String {
    PORTAL_YAML.replace(
        "{ name: Omar Haddad, role: operations }",
        &format!("{{ name: Omar Haddad, role: operations, {dates} }}"),
    )
}

#[test]
fn a_member_may_approve_on_the_last_day_of_membership_but_not_after() {
    // Omar approves at 2026-01-11T09:00:00Z.
    let record = normal_record("CHG-1");
    let omar = line_of(&record, "  - { by: Omar");
    let records = [("a.md", record)];
    for (dates, counts) in [
        ("to: 2026-01-11", true),
        ("to: 2026-01-10", false),
        ("to: 2026-01-11T09:00:00Z", false),
        ("to: 2026-01-11T10:00:00+01:00", false),
        ("to: 2026-01-11T10:00:01+01:00", true),
        ("from: 2026-01-11", true),
        ("from: 2026-01-11T09:00:01Z", false),
        ("from: 2025-06-01, to: 2026-12-31", true),
    ] {
        let flags = check(&omar_member(dates), &records, LATER);
        if counts {
            assert!(flags.is_empty(), "{dates}: {flags:#?}");
        } else {
            assert_one(&flags, "approver-not-on-board", "warn", "a.md", omar);
            assert!(
                !on(&flags, "insufficient-approval", "a.md").is_empty(),
                "{dates}: the approval outside membership does not count: {flags:#?}"
            );
        }
    }
}

#[test]
fn the_record_page_shows_which_approvals_count_and_why_not() {
    let record = edit(
        &normal_record("CHG-1"),
        "deployed:",
        "deployed: 2026-03-01T10:30:00Z\ndeployed_by: Omar Haddad\nwindow_end: 2026-03-01T11:00:00Z",
    );
    let portal = TempPortal::new();
    portal.record("a.md", &record);
    let built = build(portal.root(), LATER, false);
    assert!(
        built.output.status.success(),
        "{}",
        common::stderr(&built.output)
    );
    let page = read(&built.out.join("internal/changes/chg-1.html"));
    let rows: Vec<&str> = page
        .split("<tr>")
        .filter(|r| r.contains("class=\"counts\""))
        .collect();
    assert_eq!(rows.len(), 2, "{page}");
    assert!(
        rows[0].contains("Alice Chen") && rows[0].contains(">counted<"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("Omar Haddad")
            && rows[1].contains("not counted")
            && rows[1].contains("deployed the change"),
        "{}",
        rows[1]
    );
    assert!(
        page.contains("<dt>Deployed by</dt><dd>Omar Haddad</dd>"),
        "{page}"
    );
    assert!(page.contains("<dt>Window ends</dt>"), "{page}");
}
