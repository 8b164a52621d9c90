//! Strict YAML at every depth (SPEC section 2): duplicate keys, `null` where
//! text is expected and YAML tags are errors at file:line:col, in records
//! (`invalid-record`, exit 1) and in portal.yaml (config error, exit 2).
//! Cases `duplicate-keys` and `yaml-null`, then the families around them.

mod common;

use common::checking::{build, check_json, copy_case, read, with_code, Reported};
use common::TempPortal;

/// A clean public standard change: every field kind strictness applies to
/// (text, dates, lists, a map, a list of mappings). Line numbers matter to
/// the tables below: line 3 is `title`, 12-17 the approval, 18-19
/// `notified`, 20 `systems`, 21-22 `links`.
const RECORD: &str = "---
id: CHG-0001
title: Fixed the export
type: feature
class: standard
status: deployed
visibility: public
summary: Fixed the export.
author: Sam Writer
created: 2025-11-01
deployed: 2026-01-02T00:00:00Z
approvals:
  - by: Alice Chen
    role: engineering
    decision: approve
    at: 2025-12-01T10:00:00Z
    note: Looks good.
notified:
  standard: 2025-11-02
systems: [web-app]
links:
  - https://example.com/pr/1
testing: Tested.
---
Body.
";

/// A valid portal.yaml with a map at every depth: tiers, systems, policy
/// (board list, approvals), lints. Line 5 is the `standard` tier, 7 the
/// system, 10 the board member, 12 the normal rule, 14 the lint.
const CONFIG: &str = "title: RT Portal
base_url: https://changes.example.com
tiers:
  enterprise: { title: Enterprise, notice_days: 30 }
  standard: { title: Standard, notice_days: 0 }
systems:
  web-app: { title: Web App, owner: platform }
policy:
  board:
    - { name: Alice Chen, role: engineering }
  approvals:
    normal: { min: 0 }
lints:
  missing-approval: deny
";

const NOW: &str = "2026-06-01";

/// `text` with `line` (1-based) replaced by `replacement` (which may hold
/// several lines).
fn replace_line(text: &str, line: usize, replacement: &str) -> String {
    let mut lines: Vec<&str> = text.split('\n').collect();
    lines[line - 1] = replacement;
    lines.join("\n")
}

/// `text` with `inserted` placed after `line` (1-based).
fn insert_after(text: &str, line: usize, inserted: &str) -> String {
    let mut lines: Vec<&str> = text.split('\n').collect();
    lines.insert(line, inserted);
    lines.join("\n")
}

/// 1-based column of the second `needle` on `line` of `text`.
fn second_column(text: &str, line: usize, needle: &str) -> usize {
    let row = text.split('\n').nth(line - 1).expect("line");
    let first = row.find(needle).expect("first");
    let second = first + needle.len() + row[first + needle.len()..].find(needle).expect("second");
    row[..second].chars().count() + 1
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// A portal with [`CONFIG`] (or `config`) and one record `text`.
fn portal_of(config: &str, record: &str) -> TempPortal {
    let portal = TempPortal::with_config(config);
    portal.record("CHG-0001.md", record);
    portal
}

/// Asserts exactly one `invalid-record` deny flag, at `file` `line:column`,
/// whose message holds `words`, and exit code `code`.
fn assert_one_error(
    (flags, code): &(Vec<Reported>, i32),
    file: &str,
    (line, column): (usize, usize),
    words: &str,
    expected_code: i32,
) {
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
        ("invalid-record", "deny", file, line, column),
        "{flag:#?}"
    );
    assert!(flag.message.contains(words), "{words}: {flag:#?}");
    assert_eq!(*code, expected_code);
}

#[test]
fn base_portal_is_clean() {
    let portal = portal_of(CONFIG, RECORD);
    let (flags, code) = check_json(portal.root(), NOW);
    assert!(flags.iter().all(|f| f.level != "deny"), "{flags:#?}");
    assert_eq!(code, 0);
}

#[test]
fn case_duplicate_keys_is_a_config_error_at_the_repeat() {
    let case = copy_case("duplicate-keys");
    let result = check_json(case.path(), NOW);
    assert_one_error(
        &result,
        "portal.yaml",
        (11, 3),
        "duplicate key `missing-approval`",
        2,
    );
    let built = build(case.path(), NOW, false);
    assert_eq!(built.output.status.code(), Some(2));
    assert!(!built.out.exists(), "a config error writes nothing");
}

#[test]
fn case_yaml_null_title_is_an_invalid_record() {
    let case = copy_case("yaml-null");
    let (flags, code) = check_json(case.path(), NOW);
    assert_eq!(code, 1);
    let invalid = with_code(&flags, "invalid-record");
    assert_eq!(invalid.len(), 1, "{flags:#?}");
    assert_eq!(
        (
            invalid[0].file.as_str(),
            invalid[0].line,
            invalid[0].level.as_str()
        ),
        ("content/changes/CHG-0001.md", 3, "deny")
    );
    assert!(invalid[0].message.contains("null"), "{:#?}", invalid[0]);
    let built = build(case.path(), NOW, false);
    assert_eq!(built.output.status.code(), Some(1));
    assert!(!built.out.exists(), "an unreadable record writes nothing");
}

/// Repeated keys in records: top level, a quoted spelling of the same key,
/// a map (`notified`) in block and flow style, and inside a list item.
#[test]
fn duplicate_keys_in_records_at_every_depth() {
    let flow = replace_line(
        RECORD,
        18,
        "notified: {standard: 2025-11-02, standard: 2025-11-03}",
    );
    let flow = replace_line(&flow, 19, "# (flow map above)");
    let flow_column = second_column(&flow, 18, "standard");
    let variants: Vec<(String, (usize, usize), &str)> = vec![
        (insert_after(RECORD, 3, "title: Again"), (4, 1), "title"),
        (insert_after(RECORD, 3, "\"title\": Again"), (4, 1), "title"),
        (
            insert_after(RECORD, 19, "  standard: 2025-11-03"),
            (20, 3),
            "standard",
        ),
        (flow, (18, flow_column), "standard"),
        (
            insert_after(RECORD, 16, "    at: 2025-12-02T10:00:00Z"),
            (17, 5),
            "at",
        ),
        (
            insert_after(RECORD, 17, "    note: Again."),
            (18, 5),
            "note",
        ),
        (
            insert_after(RECORD, 23, "testing: Again."),
            (24, 1),
            "testing",
        ),
    ];
    for (text, position, key) in variants {
        for text in [text.clone(), crlf(&text)] {
            let portal = portal_of(CONFIG, &text);
            assert_one_error(
                &check_json(portal.root(), NOW),
                "content/changes/CHG-0001.md",
                position,
                &format!("duplicate key `{key}`"),
                1,
            );
        }
    }
}

/// Repeated keys in portal.yaml: a lint, a tier, a top-level field, a rule,
/// keys inside flow mappings; each a config error at the repeat, exit 2.
#[test]
fn duplicate_keys_in_portal_yaml_at_every_depth() {
    let board = "    - { name: Alice Chen, role: engineering, name: Bob Stone }";
    let system = "  web-app: { title: Web App, owner: platform, title: Other }";
    let variants: Vec<(String, (usize, usize), &str)> = vec![
        (
            insert_after(CONFIG, 14, "  missing-approval: allow"),
            (15, 3),
            "missing-approval",
        ),
        (
            insert_after(CONFIG, 5, "  standard: { title: Other, notice_days: 5 }"),
            (6, 3),
            "standard",
        ),
        (insert_after(CONFIG, 1, "title: Other"), (2, 1), "title"),
        (
            insert_after(CONFIG, 12, "    normal: { min: 2 }"),
            (13, 5),
            "normal",
        ),
        (
            replace_line(CONFIG, 10, board),
            (10, second_column(board, 1, "name")),
            "name",
        ),
        (
            replace_line(CONFIG, 7, system),
            (7, second_column(system, 1, "title")),
            "title",
        ),
    ];
    for (config, position, key) in variants {
        for config in [config.clone(), crlf(&config)] {
            let portal = portal_of(&config, RECORD);
            assert_one_error(
                &check_json(portal.root(), NOW),
                "portal.yaml",
                position,
                &format!("duplicate key `{key}`"),
                2,
            );
        }
    }
}

/// Every spelling of YAML null, in every kind of field that expects text or
/// a date: an `invalid-record` at that line.
#[test]
fn null_where_text_is_expected_is_refused() {
    let fields: [(usize, &str, &str); 7] = [
        (3, "title", ""),
        (9, "author", ""),
        (10, "created", ""),
        (13, "by", "  - "),
        (14, "role", "    "),
        (16, "at", "    "),
        (19, "standard", "  "),
    ];
    for (line, key, prefix) in fields {
        for null in ["null", "Null", "NULL", "~", ""] {
            let text = replace_line(RECORD, line, &format!("{prefix}{key}: {null}"));
            let portal = portal_of(CONFIG, &text);
            let (flags, code) = check_json(portal.root(), NOW);
            let invalid = with_code(&flags, "invalid-record");
            assert_eq!(invalid.len(), 1, "{key}: {null:?} {flags:#?}");
            assert_eq!(invalid[0].line, line, "{key}: {null:?} {flags:#?}");
            assert!(invalid[0].message.contains("null"), "{:#?}", invalid[0]);
            if !null.is_empty() {
                let column = prefix.len() + key.len() + 3;
                assert_eq!(invalid[0].column, column, "{key}: {null:?}");
            }
            assert_eq!(code, 1);
        }
    }
}

/// Null as a list item (`systems`, `links`) is refused at the item.
#[test]
fn null_list_items_are_refused() {
    for (line, replacement, column) in [
        (20, "systems: [web-app, ~]", 20),
        (22, "  - null", 5),
        (22, "  -", 4),
    ] {
        let text = replace_line(RECORD, line, replacement);
        let portal = portal_of(CONFIG, &text);
        let (flags, code) = check_json(portal.root(), NOW);
        let invalid = with_code(&flags, "invalid-record");
        assert_eq!(invalid.len(), 1, "{replacement}: {flags:#?}");
        assert_eq!(invalid[0].line, line, "{replacement}");
        if !replacement.ends_with('-') {
            assert_eq!(invalid[0].column, column, "{replacement}");
        }
        assert_eq!(code, 1);
    }
}

/// Null in portal.yaml text fields is a config error at the value.
#[test]
fn null_in_portal_yaml_is_a_config_error() {
    for (line, replacement, column) in [
        (1, "title: ~", 8),
        (7, "  web-app: { title: null, owner: platform }", 21),
        (10, "    - { name: ~, role: engineering }", 15),
    ] {
        let config = replace_line(CONFIG, line, replacement);
        let portal = portal_of(&config, RECORD);
        assert_one_error(
            &check_json(portal.root(), NOW),
            "portal.yaml",
            (line, column),
            "null",
            2,
        );
    }
}

/// Optional fields written as null are absent, like YAML's own reading of
/// an optional value: `testing: ~`, an approval `note: ~`. Quoted `"null"`
/// and `'~'` are the texts they spell.
#[test]
fn null_optional_fields_are_absent_and_quoted_nulls_are_text() {
    for (line, replacement) in [
        (23, "testing: ~"),
        (17, "    note: null"),
        (17, "    note:"),
        (3, "title: \"null\""),
        (3, "title: '~'"),
    ] {
        let text = replace_line(RECORD, line, replacement);
        let portal = portal_of(CONFIG, &text);
        let (flags, code) = check_json(portal.root(), NOW);
        assert!(
            flags.iter().all(|f| f.level != "deny"),
            "{replacement}: {flags:#?}"
        );
        assert_eq!(code, 0, "{replacement}");
    }
    let text = replace_line(RECORD, 3, "title: \"null\"");
    let portal = portal_of(CONFIG, &text);
    let loaded = changeportal::load::load(portal.root()).expect("config loads");
    assert_eq!(loaded.portal.documents[0].record.title, "null");
}

/// YAML tags on scalars, sequences and mappings, global (`!!`), local
/// (`!`) and verbatim (`!<...>`): refused at the tag.
#[test]
fn tags_are_refused_at_the_tag() {
    let variants: [(usize, &str, usize); 7] = [
        (3, "title: !!binary RXhwb3J0", 8),
        (3, "title: !foo Fixed", 8),
        (3, "title: !!str Fixed", 8),
        (3, "title: !<tag:yaml.org,2002:str> Fixed", 8),
        (20, "systems: !!seq [web-app]", 10),
        (20, "systems: [!x web-app]", 11),
        (19, "  standard: !!timestamp 2025-11-02", 13),
    ];
    for (line, replacement, column) in variants {
        let text = replace_line(RECORD, line, replacement);
        let tag = replacement[column - 1..]
            .split_whitespace()
            .next()
            .expect("tag");
        for text in [text.clone(), crlf(&text)] {
            let portal = portal_of(CONFIG, &text);
            assert_one_error(
                &check_json(portal.root(), NOW),
                "content/changes/CHG-0001.md",
                (line, column),
                &format!("YAML tag `{tag}`"),
                1,
            );
        }
    }
    let config = replace_line(CONFIG, 1, "title: !!str RT Portal");
    let portal = portal_of(&config, RECORD);
    assert_one_error(
        &check_json(portal.root(), NOW),
        "portal.yaml",
        (1, 8),
        "YAML tag `!!str`",
        2,
    );
    let config = replace_line(CONFIG, 8, "policy: !policy");
    let portal = portal_of(&config, RECORD);
    assert_one_error(
        &check_json(portal.root(), NOW),
        "portal.yaml",
        (8, 9),
        "YAML tag `!policy`",
        2,
    );
}

/// A `!` that is not a tag (inside text, quoted, in a block scalar, in a
/// comment, continuing a plain scalar) is just a character.
#[test]
fn exclamation_marks_in_text_are_not_tags() {
    for (line, replacement, title) in [
        (3, "title: Fixed! Really", "Fixed! Really"),
        (3, "title: \"!important\"", "!important"),
        (3, "title: '!!binary'", "!!binary"),
        (3, "title: |-\n  !important\n  second", "!important\nsecond"),
        (3, "title: Fixed # !comment", "Fixed"),
        (3, "title: Fixed\n  !continued", "Fixed !continued"),
    ] {
        let text = replace_line(RECORD, line, replacement);
        let portal = portal_of(CONFIG, &text);
        let (flags, code) = check_json(portal.root(), NOW);
        assert!(
            flags.iter().all(|f| f.level != "deny"),
            "{replacement}: {flags:#?}"
        );
        assert_eq!(code, 0);
        let loaded = changeportal::load::load(portal.root()).expect("config loads");
        assert_eq!(loaded.portal.documents[0].record.title, title);
    }
}

/// Plain numbers and booleans in text fields keep the text as written
/// (strictness must not turn `1.50` into `1.5`).
#[test]
fn numbers_and_booleans_in_text_fields_keep_their_spelling() {
    for written in [
        "1.50", "0x1F", "+5", "1e3", "TRUE", "no", ".inf", "0042", "12",
    ] {
        let text = replace_line(RECORD, 3, &format!("title: {written}"));
        let text = replace_line(&text, 9, &format!("author: {written}"));
        let portal = portal_of(CONFIG, &text);
        let loaded = changeportal::load::load(portal.root()).expect("config loads");
        // The title then holds the author's name, which customers must not
        // read: that warning is expected, nothing else is.
        let others: Vec<_> = loaded
            .flags
            .iter()
            .filter(|f| f.code != changeportal::checks::Code::InternalDetailInPublic)
            .collect();
        assert!(others.is_empty(), "{written}: {others:#?}");
        let record = &loaded.portal.documents[0].record;
        assert_eq!(
            (record.title.as_str(), record.author.as_str()),
            (written, written)
        );
    }
}

/// The record of the `yaml-null` case never reaches an output as `null`:
/// with the title fixed, the build writes it under its real title.
#[test]
fn fixed_null_title_builds_with_the_title() {
    let case = copy_case("yaml-null");
    let path = case.path().join("content/changes/CHG-0001.md");
    let text = read(&path).replace("title: null", "title: Export fixed");
    std::fs::write(&path, text).expect("write");
    let built = build(case.path(), NOW, false);
    assert_eq!(built.output.status.code(), Some(0));
    let page = read(&built.out.join("public/changes/chg-0001/index.html"));
    assert!(page.contains("<h1>Export fixed"), "{page}");
}
