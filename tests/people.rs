//! People compared as people read names (SPEC section 2): after NFC
//! normalisation, case folding and collapsing whitespace, in every
//! comparison of people: author and approver (self-approval), distinct
//! approvers counted toward `min`, board membership and emergency deciders.
//! Case `nfd-self-approval`, then the family around it.

mod common;

use changeportal::model::person::{person_key, same_person};
use common::checking::{check_json, copy_case, with_code, Reported};
use common::TempPortal;

/// `Zoë Quinn` with a precomposed `ë` (U+00EB).
const ZOE_NFC: &str = "Zo\u{eb} Quinn";
/// `Zoë Quinn` with `e` and a combining diaeresis (U+0308).
const ZOE_NFD: &str = "Zoe\u{308} Quinn";

/// Spellings a reader takes for [`ZOE_NFC`]: other normalisation, case,
/// runs of spaces, tabs and no-break spaces, surrounding spaces.
const SAME_AS_ZOE: [&str; 8] = [
    ZOE_NFD,
    "zo\u{eb} quinn",
    "ZO\u{cb} QUINN",
    "ZOE\u{308} QUINN",
    "Zo\u{eb}  Quinn",
    "Zo\u{eb}\tQuinn",
    "Zo\u{eb}\u{a0}Quinn",
    "Zoe\u{308}\u{a0}\u{a0} quinn",
];

/// Names a reader tells apart from [`ZOE_NFC`].
const NOT_ZOE: [&str; 4] = [
    "Zoe Quinn",
    "Zo\u{eb} Quinne",
    "Zo\u{eb}Quinn",
    "Zo\u{eb} Q.",
];

const CONFIG: &str = "title: People
base_url: https://changes.example.com
tiers:
  standard: { title: Standard, notice_days: 0 }
policy:
  board:
    - { name: Zo\u{eb} Quinn, role: engineering }
    - { name: Omar Haddad, role: operations }
    - { name: Priya Nair, role: operations }
  approvals:
    normal: { min: 2 }
  emergency:
    deciders: [Zo\u{eb} Quinn]
";

const NOW: &str = "2026-11-24";

/// A deployed normal change by `author` with one approval per name in
/// `approvers` (role from the board roster). The first approval's `by` is
/// on line 14.
fn record(author: &str, approvers: &[(&str, &str)]) -> String {
    let approvals: String = approvers
        .iter()
        .map(|(by, role)| {
            format!(
                "  - by: \"{by}\"\n    role: {role}\n    decision: approve\n    at: 2026-11-10T09:00:00Z\n"
            )
        })
        .collect();
    format!(
        "---
id: CHG-0001
title: Raise upload limit
type: improvement
class: normal
status: deployed
visibility: public
summary: Uploads can now be 200 MB.
author: \"{author}\"
created: 2026-11-01
deployed: 2026-11-20T10:00:00Z
rollback: Revert.
approvals:
{approvals}---
Uploads can now be up to 200 MB.
"
    )
}

/// `check` of one record under [`CONFIG`].
fn check_record(text: &str) -> (Vec<Reported>, i32) {
    let portal = TempPortal::with_config(CONFIG);
    portal.record("CHG-0001.md", text);
    check_json(portal.root(), NOW)
}

#[test]
fn case_nfd_self_approval_is_caught() {
    let case = copy_case("nfd-self-approval");
    let (flags, code) = check_json(case.path(), NOW);
    let find = |code: &str| -> (usize, usize, String) {
        let found = with_code(&flags, code);
        assert_eq!(found.len(), 1, "{code}: {flags:#?}");
        (found[0].line, found[0].column, found[0].level.clone())
    };
    assert_eq!(find("self-approval"), (13, 3, "deny".to_string()));
    assert_eq!(find("insufficient-approval"), (12, 1, "deny".to_string()));
    assert_eq!(code, 1);
}

/// The author approving under any spelling of their name is self-approval,
/// and that approval does not count toward `min`; another person's name
/// never is.
#[test]
fn self_approval_for_every_spelling_and_only_for_the_author() {
    for (author, approver) in SAME_AS_ZOE
        .iter()
        .map(|s| (ZOE_NFC, *s))
        .chain(SAME_AS_ZOE.iter().map(|s| (*s, ZOE_NFC)))
    {
        let text = record(
            author,
            &[(approver, "engineering"), ("Omar Haddad", "operations")],
        );
        let (flags, code) = check_record(&text);
        let own = with_code(&flags, "self-approval");
        assert_eq!(own.len(), 1, "{author:?} / {approver:?}: {flags:#?}");
        assert_eq!(own[0].line, 14);
        assert_eq!(
            with_code(&flags, "insufficient-approval").len(),
            1,
            "{approver:?}: only one approval counts: {flags:#?}"
        );
        assert_eq!(code, 1);
    }
    for other in NOT_ZOE {
        let text = record(
            other,
            &[(ZOE_NFC, "engineering"), ("Omar Haddad", "operations")],
        );
        let (flags, _) = check_record(&text);
        assert!(
            with_code(&flags, "self-approval").is_empty(),
            "{other:?}: {flags:#?}"
        );
        assert!(
            with_code(&flags, "insufficient-approval").is_empty(),
            "{flags:#?}"
        );
    }
}

/// One person approving twice under two spellings counts once; a board
/// member found under any spelling is on the board.
#[test]
fn distinct_approvers_and_board_membership_compare_people() {
    for spelling in SAME_AS_ZOE {
        let text = record(
            "Sam Writer",
            &[(ZOE_NFC, "engineering"), (spelling, "engineering")],
        );
        let (flags, code) = check_record(&text);
        let short = with_code(&flags, "insufficient-approval");
        assert_eq!(short.len(), 1, "{spelling:?}: {flags:#?}");
        assert!(short[0].message.contains("1 approval"), "{:#?}", short[0]);
        assert!(
            with_code(&flags, "approver-not-on-board").is_empty(),
            "{spelling:?}: {flags:#?}"
        );
        assert_eq!(code, 1);
        let text = record(
            "Sam Writer",
            &[(spelling, "engineering"), ("Omar Haddad", "operations")],
        );
        let (flags, code) = check_record(&text);
        assert!(flags.is_empty(), "{spelling:?}: {flags:#?}");
        assert_eq!(code, 0);
    }
    for other in NOT_ZOE {
        let text = record(
            "Sam Writer",
            &[(other, "engineering"), ("Omar Haddad", "operations")],
        );
        let (flags, _) = check_record(&text);
        assert_eq!(
            with_code(&flags, "approver-not-on-board").len(),
            1,
            "{other:?}: {flags:#?}"
        );
    }
}

/// An emergency declared by a decider under any spelling is authorised.
#[test]
fn emergency_deciders_compare_people() {
    let emergency = |declared_by: &str| {
        record("Sam Writer", &[("Omar Haddad", "operations")]).replace(
            "class: normal",
            &format!(
                "class: emergency\nemergency: {{ reason: Outage, declared_by: \"{declared_by}\", declared_at: 2026-11-20T09:00:00Z }}"
            ),
        )
    };
    for spelling in SAME_AS_ZOE {
        let (flags, _) = check_record(&emergency(spelling));
        assert!(
            with_code(&flags, "unauthorized-emergency").is_empty(),
            "{spelling:?}: {flags:#?}"
        );
    }
    for other in NOT_ZOE {
        let (flags, _) = check_record(&emergency(other));
        assert_eq!(
            with_code(&flags, "unauthorized-emergency").len(),
            1,
            "{other:?}: {flags:#?}"
        );
    }
}

/// The comparison form itself: one key per person, whichever spelling;
/// full case folding (`ß` is `ss`), Turkish dotless `ı` kept apart from `i`.
#[test]
fn person_key_table() {
    let same: [(&str, &str); 8] = [
        (ZOE_NFC, ZOE_NFD),
        ("Stra\u{df}e", "STRASSE"),
        ("Stra\u{df}e", "strasse"),
        ("\u{212b}ngstr\u{f6}m", "\u{c5}ngstro\u{308}m"),
        ("  Alice \t Chen\n", "alice chen"),
        ("Alice\u{a0}Chen", "ALICE CHEN"),
        ("Alice\u{2003}Chen", "alice chen"),
        (
            "\u{3a3}\u{39f}\u{3a6}\u{399}\u{391}",
            "\u{3c3}\u{3bf}\u{3c6}\u{3b9}\u{3b1}",
        ),
    ];
    for (a, b) in same {
        assert_eq!(person_key(a), person_key(b), "{a:?} {b:?}");
        assert!(same_person(a, b), "{a:?} {b:?}");
    }
    let different: [(&str, &str); 4] = [
        ("Zoe Quinn", ZOE_NFC),
        ("\u{131}rmak", "irmak"),
        ("Al ice", "Alice"),
        ("Alice\u{200b}Chen", "Alice Chen"),
    ];
    for (a, b) in different {
        assert_ne!(person_key(a), person_key(b), "{a:?} {b:?}");
        assert!(!same_person(a, b), "{a:?} {b:?}");
    }
    assert_eq!(person_key("  Zoe\u{308}\u{a0}QUINN "), "zo\u{eb} quinn");
}
