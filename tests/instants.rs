//! Instants compared as instants (SPEC section 2): `YYYY-MM-DD` is midnight
//! UTC in every comparison, every RFC 3339 spelling of one instant is that
//! instant, and a second of 60 or any out-of-range part is an
//! `invalid-record` at the value. Cases `date-only-instant` and
//! `leap-second`, then the families around them.

mod common;

use changeportal::model::Timestamp;
use common::checking::{build, check_json, copy_case, read, Reported};
use proptest::prelude::*;
use std::path::Path;

const RECORD_PATH: &str = "content/changes/CHG-0001.md";

/// Replaces `from` by `to` in the file at `root`/`path`.
fn edit(root: &Path, path: &str, from: &str, to: &str) {
    let file = root.join(path);
    let text = read(&file);
    assert!(text.contains(from), "{from} not in {path}");
    std::fs::write(&file, text.replace(from, to)).expect("write");
}

/// The flags as (code, line, column): what must not change between two
/// spellings of the same instant.
fn shape(flags: &[Reported]) -> Vec<(String, usize, usize)> {
    let mut shape: Vec<_> = flags
        .iter()
        .map(|f| (f.code.clone(), f.line, f.column))
        .collect();
    shape.sort();
    shape
}

#[test]
fn case_date_only_approval_at_the_deploy_instant_is_in_time() {
    let case = copy_case("date-only-instant");
    let (flags, code) = check_json(case.path(), "2026-06-01");
    assert!(flags.is_empty(), "{flags:#?}");
    assert_eq!(code, 0);
    let built = build(case.path(), "2026-06-01", true);
    assert_eq!(built.output.status.code(), Some(0));
    assert!(built
        .out
        .join("public/changes/chg-0001/index.html")
        .is_file());
    assert!(built.out.join("internal/changes/chg-0001.html").is_file());
}

#[test]
fn case_leap_second_is_an_invalid_record_at_the_value() {
    let case = copy_case("leap-second");
    let (flags, code) = check_json(case.path(), "2027-01-05");
    assert_eq!(flags.len(), 1, "{flags:#?}");
    let flag = &flags[0];
    assert_eq!(
        (
            flag.code.as_str(),
            flag.level.as_str(),
            flag.file.as_str(),
            flag.line,
            flag.column
        ),
        (
            "invalid-record",
            "deny",
            "content/changes/CHG-0013.md",
            11,
            11
        )
    );
    assert!(flag.message.contains("second of 60"), "{flag:#?}");
    assert_eq!(code, 1);
    let built = build(case.path(), "2027-01-05", false);
    assert_eq!(built.output.status.code(), Some(1));
    assert!(!built.out.exists(), "an unreadable record writes nothing");
}

/// Spellings of midnight UTC, 2026-01-02: the date alone, `Z` and `z`,
/// `+00:00` and `-00:00`, offsets on both sides, fractions, a space or a
/// lower-case `t`, quotes.
const SAME_INSTANT: [&str; 12] = [
    "2026-01-02",
    "2026-01-02T00:00:00Z",
    "2026-01-02t00:00:00z",
    "2026-01-02 00:00:00Z",
    "2026-01-02T00:00:00+00:00",
    "2026-01-02T00:00:00-00:00",
    "2026-01-01T19:00:00-05:00",
    "2026-01-02T05:30:00+05:30",
    "2026-01-01T00:01:00-23:59",
    "2026-01-02T00:00:00.000Z",
    "2026-01-02T00:00:00.000000000+00:00",
    "\"2026-01-02\"",
];

/// Whatever the spellings of the approval and of the deploy, an approval at
/// the deploy instant is in time; one second later it is after deploy.
#[test]
fn every_spelling_of_the_deploy_instant_flags_alike() {
    let case = copy_case("date-only-instant");
    let line = "at: 2026-01-02 }";
    let deployed = "deployed: 2026-01-02T00:00:00Z";
    for approval in SAME_INSTANT {
        for deploy in [SAME_INSTANT[0], SAME_INSTANT[6], SAME_INSTANT[9]] {
            let case = copy_case("date-only-instant");
            edit(
                case.path(),
                RECORD_PATH,
                line,
                &format!("at: {approval} }}"),
            );
            edit(
                case.path(),
                RECORD_PATH,
                deployed,
                &format!("deployed: {deploy}"),
            );
            let (flags, code) = check_json(case.path(), "2026-06-01");
            assert!(flags.is_empty(), "{approval} / {deploy}: {flags:#?}");
            assert_eq!(code, 0);
        }
    }
    edit(
        case.path(),
        RECORD_PATH,
        line,
        "at: 2026-01-01T19:00:01-05:00 }",
    );
    let (flags, code) = check_json(case.path(), "2026-06-01");
    assert_eq!(
        shape(&flags),
        [("approval-after-deploy".to_string(), 12, 3)],
        "{flags:#?}"
    );
    assert_eq!(code, 1);
}

/// Invalid dates and times of every kind are `invalid-record` at the value
/// of `deployed` (line 11, column 11), never accepted nor moved.
#[test]
fn out_of_range_parts_are_invalid_at_the_value() {
    for bad in [
        "2026-12-31T23:59:60Z",
        "2026-12-31T23:59:60.5Z",
        "2026-06-30T23:59:60+00:00",
        "2026-12-31T18:59:60-05:00",
        "2026-12-31T24:00:00Z",
        "2026-12-31T23:60:00Z",
        "2026-12-32T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-02-29T00:00:00Z",
        "2026-02-30",
        "2026-04-31",
        "2026-12-00",
        "2026-12-31T00:00:00+24:00",
        "2026-12-31T00:00:00-24:00",
        "2026-12-31T00:00:00+23:60",
        "2026-12-31T00:00:00+0000",
        "2026-12-31T00:00Z",
        "9999-12-31T23:00:00-05:00",
    ] {
        let case = copy_case("leap-second");
        edit(
            case.path(),
            "content/changes/CHG-0013.md",
            "deployed: 2026-12-31T23:59:60Z",
            &format!("deployed: {bad}"),
        );
        let (flags, code) = check_json(case.path(), "2027-01-05");
        assert_eq!(
            shape(&flags),
            [("invalid-record".to_string(), 11, 11)],
            "{bad}: {flags:#?}"
        );
        assert_eq!(code, 1, "{bad}");
    }
}

/// An RFC 3339 spelling of `seconds` after the epoch at `offset` minutes
/// east of UTC, with `fraction` (`""` or `.000`) and `Z` written as `zulu`
/// when the offset is zero.
fn spell(seconds: i64, offset: i32, fraction: &str, zulu: &str) -> String {
    let zone = chrono::FixedOffset::east_opt(offset * 60).expect("offset in range");
    let local = chrono::DateTime::from_timestamp(seconds, 0)
        .expect("in range")
        .with_timezone(&zone);
    let suffix = if offset == 0 && !zulu.is_empty() {
        zulu.to_string()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", offset.abs() / 60, offset.abs() % 60)
    };
    format!("{}{fraction}{suffix}", local.format("%Y-%m-%dT%H:%M:%S"))
}

proptest! {
    /// Every spelling of one instant parses to an equal timestamp (same
    /// hash, same order against any other instant), and a date-only value
    /// equals its midnight datetime.
    #[test]
    fn spellings_of_one_instant_are_equal(
        seconds in 0i64..4_000_000_000,
        other in 0i64..4_000_000_000,
        offsets in proptest::collection::vec(-1439i32..=1439, 1..4),
        fraction in prop::sample::select(vec!["", ".000", ".000000"]),
        zulu in prop::sample::select(vec!["Z", "z", ""]),
    ) {
        let reference = Timestamp::parse(&spell(seconds, 0, "", "Z")).expect("valid");
        let other = Timestamp::parse(&spell(other, 0, "", "Z")).expect("valid");
        for offset in offsets {
            let text = spell(seconds, offset, fraction, zulu);
            let parsed = Timestamp::parse(&text).expect("valid spelling");
            prop_assert_eq!(parsed, reference, "{}", text);
            prop_assert_eq!(parsed.cmp(&other), reference.cmp(&other));
            prop_assert_eq!(hash(&parsed), hash(&reference));
        }
        let midnight = seconds - seconds.rem_euclid(86_400);
        let date = Timestamp::parse(&spell(midnight, 0, "", "Z")[..10]).expect("a date");
        prop_assert!(date.is_date_only());
        prop_assert_eq!(date, Timestamp::parse(&spell(midnight, 0, "", "Z")).expect("valid"));
        prop_assert_eq!(hash(&date), hash(&Timestamp::parse(&spell(midnight, 0, ".000", "Z")).expect("valid")));
    }

    /// A second of 60 is refused whatever the date, fraction and offset.
    #[test]
    fn leap_seconds_are_refused(
        seconds in 0i64..4_000_000_000,
        offset in -1439i32..=1439,
        fraction in prop::sample::select(vec!["", ".0", ".999"]),
    ) {
        let text = spell(seconds - seconds.rem_euclid(60), offset, "", "Z");
        let leap = format!("{}60{fraction}{}", &text[..17], &text[19..]);
        prop_assert!(Timestamp::parse(&leap).is_err(), "{}", leap);
    }
}

fn hash(timestamp: &Timestamp) -> u64 {
    use std::hash::{BuildHasher, RandomState};
    thread_local!(static STATE: RandomState = RandomState::new());
    STATE.with(|state| state.hash_one(timestamp))
}
