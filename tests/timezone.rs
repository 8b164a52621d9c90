//! The portal's time zone (SPEC section 3): pages show times in the IANA
//! zone of `timezone` with its abbreviation and file changes under the month
//! of the time they show, on the public and the internal site; machine forms
//! stay UTC; an unknown zone is a config error at the value. Case
//! `timezone`, then a table over zones, daylight saving and odd offsets.

mod common;

use common::checking::{build, check_json, copy_case, read};
use common::site::html_files;
use std::path::Path;

const RECORD_PATH: &str = "content/changes/CHG-0007.md";
const NOW: &str = "2027-02-01";

/// Replaces `from` by `to` in the file at `root`/`path`.
fn edit(root: &Path, path: &str, from: &str, to: &str) {
    let file = root.join(path);
    let text = read(&file);
    assert!(text.contains(from), "{from} not in {path}");
    std::fs::write(&file, text.replace(from, to)).expect("write");
}

/// The month heading the home page files the first change under: its
/// `YYYY-MM` id.
fn first_month(home: &str) -> &str {
    let start = home.find("id=\"month-").expect("a month heading") + "id=\"month-".len();
    &home[start..start + 7]
}

/// Builds the `timezone` case with `zone` and `deployed`, and checks that
/// the home page card, the public record page and the internal record
/// page show `shown` (with the UTC `datetime` attribute `iso`), that the
/// home page files the change under `month`, and the internal calendar has
/// the change in that month's page.
fn assert_shown(zone: &str, deployed: &str, iso: &str, shown: &str, month: &str) {
    let case = copy_case("timezone");
    edit(
        case.path(),
        "portal.yaml",
        "timezone: America/Los_Angeles",
        &format!("timezone: {zone}"),
    );
    edit(
        case.path(),
        RECORD_PATH,
        "deployed: 2026-11-01T03:30:00Z",
        &format!("deployed: {deployed}"),
    );
    let built = build(case.path(), NOW, false);
    assert_eq!(built.output.status.code(), Some(0), "{zone} {deployed}");
    let time = format!("<time datetime=\"{iso}\">{shown}</time>");
    let home = read(&built.out.join("public/index.html"));
    assert!(home.contains(&time), "{zone} {deployed}: {time} in\n{home}");
    assert_eq!(first_month(&home), month, "{zone} {deployed}");
    for page in [
        "public/changes/chg-0007/index.html",
        "internal/changes/chg-0007.html",
    ] {
        let html = read(&built.out.join(page));
        assert!(html.contains(&time), "{zone} {deployed}: {time} in {page}");
    }
    let calendar = read(
        &built
            .out
            .join(format!("internal/calendar/{month}/index.html")),
    );
    assert!(
        calendar.contains("CHG-0007"),
        "{zone} {deployed}: calendar {month}"
    );
    let footer = format!("Times are shown in the {zone} time zone.");
    assert!(home.contains(&footer), "{footer}");
    let internal_home = read(&built.out.join("internal/index.html"));
    assert!(internal_home.contains(&footer), "internal: {footer}");
}

#[test]
fn case_timezone_shows_pacific_time_on_both_sites() {
    let case = copy_case("timezone");
    let built = build(case.path(), "2026-11-24", false);
    assert_eq!(built.output.status.code(), Some(0));
    let shown = "<time datetime=\"2026-11-01T03:30:00Z\">2026-10-31 20:30 PDT</time>";
    let home = read(&built.out.join("public/index.html"));
    assert!(home.contains(shown), "{home}");
    assert!(home.contains("October 2026"));
    assert!(!home.contains("November 2026"), "{home}");
    assert_eq!(first_month(&home), "2026-10");
    for page in [
        "public/changes/chg-0007/index.html",
        "internal/changes/chg-0007.html",
    ] {
        assert!(read(&built.out.join(page)).contains(shown), "{page}");
    }
    assert!(built
        .out
        .join("internal/calendar/2026-10/index.html")
        .is_file());
    assert!(!built
        .out
        .join("internal/calendar/2026-11/index.html")
        .exists());
    for file in html_files(&built.out) {
        let html = read(&file);
        assert!(
            !html.contains("All times are UTC"),
            "{} claims UTC",
            file.display()
        );
        assert!(!html.contains("03:30 UTC"), "{} shows UTC", file.display());
    }
}

/// Zones across daylight saving, half-hour and Lord Howe's half-hour
/// daylight shift, each at a month boundary.
#[test]
fn zones_table() {
    let rows: [(&str, &str, &str, &str); 9] = [
        (
            "UTC",
            "2026-11-01T03:30:00Z",
            "2026-11-01 03:30 UTC",
            "2026-11",
        ),
        (
            "America/Los_Angeles",
            "2026-11-01T03:30:00Z",
            "2026-10-31 20:30 PDT",
            "2026-10",
        ),
        (
            "America/Los_Angeles",
            "2026-11-01T09:30:00Z",
            "2026-11-01 01:30 PST",
            "2026-11",
        ),
        (
            "America/Los_Angeles",
            "2026-12-01T07:59:00Z",
            "2026-11-30 23:59 PST",
            "2026-11",
        ),
        (
            "Asia/Kolkata",
            "2026-10-31T18:30:00Z",
            "2026-11-01 00:00 IST",
            "2026-11",
        ),
        (
            "Asia/Kolkata",
            "2026-10-31T18:29:00Z",
            "2026-10-31 23:59 IST",
            "2026-10",
        ),
        (
            "Australia/Lord_Howe",
            "2026-06-30T13:30:00Z",
            "2026-07-01 00:00 +1030",
            "2026-07",
        ),
        (
            "Australia/Lord_Howe",
            "2026-12-31T13:00:00Z",
            "2027-01-01 00:00 +11",
            "2027-01",
        ),
        (
            "Europe/Berlin",
            "2026-10-31T23:30:00+01:00",
            "2026-10-31 23:30 CET",
            "2026-10",
        ),
    ];
    for (zone, deployed, shown, month) in rows {
        let iso = changeportal::model::Timestamp::parse(deployed)
            .expect("valid")
            .iso();
        assert_shown(zone, deployed, &iso, shown, month);
    }
}

/// A date-only value is shown and filed as written, whatever the zone.
#[test]
fn date_only_values_stay_as_written() {
    for zone in ["America/Los_Angeles", "Pacific/Kiritimati", "UTC"] {
        assert_shown(zone, "2026-11-01", "2026-11-01", "2026-11-01", "2026-11");
    }
}

/// An unknown or misspelt zone, or none at all, is a config error at the
/// value (portal.yaml line 3, column 11), exit 2, and nothing is built.
#[test]
fn unknown_zone_is_a_config_error_at_the_value() {
    for bad in [
        "America/Los_Angels",
        "PDT",
        "utc",
        "+05:30",
        "Europe/",
        "Mars/Olympus_Mons",
        "~",
        "\"\"",
    ] {
        let case = copy_case("timezone");
        edit(
            case.path(),
            "portal.yaml",
            "timezone: America/Los_Angeles",
            &format!("timezone: {bad}"),
        );
        let (flags, code) = check_json(case.path(), NOW);
        assert_eq!(flags.len(), 1, "{bad}: {flags:#?}");
        let flag = &flags[0];
        assert_eq!(
            (flag.file.as_str(), flag.line, flag.column),
            ("portal.yaml", 3, 11),
            "{bad}: {flag:#?}"
        );
        assert!(
            flag.message.contains("time zone") || flag.message.contains("null"),
            "{bad}: {flag:#?}"
        );
        assert_eq!(code, 2, "{bad}");
        let built = build(case.path(), NOW, false);
        assert_eq!(built.output.status.code(), Some(2), "{bad}");
        assert!(!built.out.exists(), "{bad}");
    }
}
