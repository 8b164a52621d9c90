//! Malformed records: one clear diagnostic each, at the right file:line:col,
//! without hiding the other records' flags; and bad input of every kind gives
//! a diagnostic (or is handled) instead of a panic or a hang.

mod common;

use common::{normal_record, stderr, TempPortal};
use serde::Deserialize;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// One line of `check --format json`.
#[derive(Debug, Deserialize)]
struct Reported {
    code: String,
    level: String,
    file: String,
    line: usize,
    column: usize,
    message: String,
    hint: Option<String>,
}

/// Generous limit after which a run counts as hung (a guard against endless
/// loops, not a speed goal: a healthy run takes well under a second).
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Runs the binary in `portal` with `args`, killing it if it hangs.
fn run_guarded(portal: &TempPortal, args: &[&str]) -> Output {
    let mut child = common::bin()
        .args(args)
        .current_dir(portal.root())
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn changeportal");
    let started = Instant::now();
    while child.try_wait().expect("poll child").is_none() {
        if started.elapsed() > HANG_GUARD {
            child.kill().expect("kill hung child");
            panic!("changeportal {args:?} hung for {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("collect output")
}

/// `check --format json` at a fixed now: the flags and the exit code.
fn check_json(portal: &TempPortal) -> (Vec<Reported>, Option<i32>) {
    let output = run_guarded(
        portal,
        &["check", "--format", "json", "--now", "2026-11-24"],
    );
    assert!(
        !stderr(&output).contains("panicked"),
        "panic: {}",
        stderr(&output)
    );
    let flags = String::from_utf8(output.stdout.clone())
        .expect("utf-8 stdout")
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    (flags, output.status.code())
}

/// The flags raised in `content/changes/<name>`.
fn flags_in<'a>(flags: &'a [Reported], name: &str) -> Vec<&'a Reported> {
    let path = format!("content/changes/{name}");
    flags.iter().filter(|flag| flag.file == path).collect()
}

/// Asserts that `name` got exactly one flag, with `code` at `line`:`column`,
/// and returns it.
fn only_flag<'a>(
    flags: &'a [Reported],
    name: &str,
    code: &str,
    (line, column): (usize, usize),
) -> &'a Reported {
    let found = flags_in(flags, name);
    assert_eq!(found.len(), 1, "{name}: {found:#?}");
    let flag = found[0];
    assert_eq!(flag.code, code, "{flag:#?}");
    assert_eq!((flag.line, flag.column), (line, column), "{flag:#?}");
    assert_eq!(flag.level, "deny", "{flag:#?}");
    assert!(
        flag.hint.as_deref().is_some_and(|h| !h.is_empty()),
        "{flag:#?}"
    );
    flag
}

/// Broken YAML: line 4 is indented as if it belonged to `title`.
const BROKEN_YAML: &str = "---
id: CHG-101
title: Retry webhooks
  type: improvement
status: proposed
author: Sam Writer
created: 2026-02-01
---
Body.
";

/// A wrong enum value on line 4, column 7.
const WRONG_ENUM: &str = "---
id: CHG-102
title: New export
type: fature
status: proposed
author: Sam Writer
created: 2026-02-01
---
Body.
";

/// A misspelled field on line 8.
const MISSPELLED_FIELD: &str = "---
id: CHG-103
title: Rotate keys
type: security
status: proposed
author: Sam Writer
created: 2026-02-01
aprovals:
  - { by: Alice Chen, role: engineering, decision: approve, at: 2026-02-02 }
---
Body.
";

/// An impossible date on line 7, column 10.
const BAD_DATE: &str = "---
id: CHG-104
title: Tune cache
type: improvement
status: proposed
author: Sam Writer
created: 2026-02-30
---
Body.
";

/// No front matter at all.
const NO_FRONT_MATTER: &str = "# Tune cache\n\nJust a note, no fields.\n";

/// A valid record whose risk is high and has no rollback plan (warn, line 6).
fn high_risk_record() -> String {
    normal_record("CHG-201")
        .replace("risk: low", "risk: high")
        .replace("rollback: Revert the deploy.\n", "")
}

/// A valid record approved by its own author (deny, line 15).
fn self_approved_record() -> String {
    normal_record("CHG-202").replace("author: Sam Writer", "author: Omar Haddad")
}

/// The portal of acceptance item 2: five malformed records and two valid
/// records with policy breaches.
fn mixed_portal() -> TempPortal {
    let portal = TempPortal::new();
    portal.record("a-broken-yaml.md", BROKEN_YAML);
    portal.record("b-wrong-enum.md", WRONG_ENUM);
    portal.record("c-misspelled.md", MISSPELLED_FIELD);
    portal.record("d-bad-date.md", BAD_DATE);
    portal.record("e-no-front-matter.md", NO_FRONT_MATTER);
    portal.record("f-high-risk.md", &high_risk_record());
    portal.record("2026/g-self-approved.md", &self_approved_record());
    portal
}

#[test]
fn each_malformed_record_gives_one_diagnostic_and_the_rest_are_checked() {
    let portal = mixed_portal();
    let (flags, code) = check_json(&portal);
    assert_eq!(code, Some(1));

    let broken = only_flag(&flags, "a-broken-yaml.md", "invalid-record", (4, 7));
    assert!(broken.message.contains("mapping values"), "{broken:#?}");
    assert!(
        !broken.message.contains(" at line "),
        "front-matter lines leak: {broken:#?}"
    );

    let wrong_enum = only_flag(&flags, "b-wrong-enum.md", "invalid-record", (4, 7));
    assert!(
        wrong_enum.message.contains("unknown variant `fature`"),
        "{wrong_enum:#?}"
    );
    assert_eq!(wrong_enum.hint.as_deref(), Some("did you mean `feature`?"));

    let misspelled = only_flag(&flags, "c-misspelled.md", "unknown-field", (8, 1));
    assert_eq!(misspelled.message, "unknown field `aprovals`");
    assert_eq!(
        misspelled.hint.as_deref(),
        Some("did you mean `approvals`?")
    );

    let bad_date = only_flag(&flags, "d-bad-date.md", "invalid-record", (7, 10));
    assert!(bad_date.message.contains("2026-02-30"), "{bad_date:#?}");

    let no_front_matter = only_flag(&flags, "e-no-front-matter.md", "invalid-record", (1, 1));
    assert!(
        no_front_matter.message.contains("no front matter"),
        "{no_front_matter:#?}"
    );

    let high_risk = flags_in(&flags, "f-high-risk.md");
    assert_eq!(high_risk.len(), 1, "{high_risk:#?}");
    assert_eq!(high_risk[0].code, "missing-rollback-plan");
    assert_eq!((high_risk[0].line, high_risk[0].column), (6, 1));
    assert_eq!(high_risk[0].level, "warn");

    let self_approved = flags_in(&flags, "2026/g-self-approved.md");
    let codes: Vec<&str> = self_approved.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.contains(&"self-approval"), "{self_approved:#?}");
    let self_approval = self_approved
        .iter()
        .find(|f| f.code == "self-approval")
        .unwrap();
    assert_eq!((self_approval.line, self_approval.column), (16, 3));

    let order: Vec<(&str, usize, usize)> = flags
        .iter()
        .map(|f| (f.file.as_str(), f.line, f.column))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "flags are sorted by file then line");
    assert_eq!(flags.len(), 5 + 1 + self_approved.len());
}

#[test]
fn human_output_names_file_line_col_with_source_line_and_hint() {
    let portal = mixed_portal();
    let output = run_guarded(&portal, &["check", "--now", "2026-11-24"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        !text.contains('\u{1b}'),
        "no colour when stderr is not a terminal:\n{text}"
    );
    assert!(output.stdout.is_empty(), "human diagnostics go to stderr");
    let expectations = [
        ("a-broken-yaml.md:4:7", "  type: improvement"),
        ("b-wrong-enum.md:4:7", "type: fature"),
        ("c-misspelled.md:8:1", "aprovals:"),
        ("d-bad-date.md:7:10", "created: 2026-02-30"),
        ("e-no-front-matter.md:1:1", "# Tune cache"),
        ("f-high-risk.md:6:1", "risk: high"),
    ];
    for (position, source_line) in expectations {
        let at = text
            .find(&format!("content/changes/{position}"))
            .unwrap_or_else(|| panic!("{position} missing:\n{text}"));
        let diagnostic = &text[at..];
        let end = diagnostic.find("\n\n").unwrap_or(diagnostic.len());
        let diagnostic = &diagnostic[..end];
        assert!(
            diagnostic.contains(source_line),
            "{position}: source line\n{diagnostic}"
        );
        assert!(
            diagnostic.contains("hint: "),
            "{position}: hint\n{diagnostic}"
        );
    }
    assert!(text.contains("did you mean `approvals`?"), "{text}");
    assert!(text.contains("error[unknown-field]"), "{text}");
    assert!(text.contains("warning[missing-rollback-plan]"), "{text}");
}

/// Runs `check` on a portal holding one record file with `bytes`, and returns
/// the flags of that file.
fn check_one(bytes: &[u8]) -> Vec<Reported> {
    let portal = TempPortal::new();
    portal.write("content/changes/x.md", bytes);
    let (flags, code) = check_json(&portal);
    assert!(matches!(code, Some(0 | 1)), "exit {code:?}: {flags:#?}");
    flags
        .into_iter()
        .filter(|f| f.file == "content/changes/x.md")
        .collect()
}

/// Asserts one invalid-record flag at `line`:`column` whose message contains `words`.
fn assert_one_invalid(flags: &[Reported], (line, column): (usize, usize), words: &str) {
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(flags[0].code, "invalid-record", "{flags:#?}");
    assert_eq!(
        (flags[0].line, flags[0].column),
        (line, column),
        "{flags:#?}"
    );
    assert!(flags[0].message.contains(words), "{flags:#?}");
}

#[test]
fn empty_file() {
    assert_one_invalid(&check_one(b""), (1, 1), "no front matter");
}

#[test]
fn binary_garbage() {
    let mut bytes = b"\x7fELF\x02\x01\x01\x00\n\x00\x01\xff\xfe".to_vec();
    bytes.extend((0..=255u8).cycle().take(4096));
    // The first invalid byte (0xff) is the third byte of line 2.
    assert_one_invalid(&check_one(&bytes), (2, 3), "not valid UTF-8");
}

#[test]
fn non_utf8_bytes_point_at_the_bad_byte() {
    let text = normal_record("CHG-1").replace("title: Faster", "title: Caf\u{e9}\u{1} faster");
    let bad: Vec<u8> = text
        .bytes()
        .map(|b| if b == 1 { 0xff } else { b })
        .collect();
    // Line 3 is `title: Café<0xff> faster`: the bad byte is the 12th character.
    assert_one_invalid(&check_one(&bad), (3, 12), "not valid UTF-8");
}

#[test]
fn byte_order_mark_is_ignored_and_positions_stay_right() {
    let clean = format!("\u{feff}{}", normal_record("CHG-1"));
    assert!(check_one(clean.as_bytes()).is_empty());
    let misspelled = format!("\u{feff}{MISSPELLED_FIELD}");
    let flags = check_one(misspelled.as_bytes());
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(
        (flags[0].code.as_str(), flags[0].line, flags[0].column),
        ("unknown-field", 8, 1)
    );
}

#[test]
fn crlf_line_endings_keep_positions_and_the_marker() {
    let crlf = |text: &str| text.replace('\n', "\r\n");
    let portal = TempPortal::new();
    portal.record("a.md", &crlf(&high_risk_record()));
    portal.record("b.md", &crlf(BAD_DATE));
    portal.record("c.md", &crlf(BROKEN_YAML));
    let (flags, _) = check_json(&portal);
    let position = |name: &str| {
        let found = flags_in(&flags, name);
        assert_eq!(found.len(), 1, "{name}: {found:#?}");
        (found[0].code.clone(), found[0].line, found[0].column)
    };
    assert_eq!(
        position("a.md"),
        ("missing-rollback-plan".to_string(), 6, 1)
    );
    assert_eq!(position("b.md"), ("invalid-record".to_string(), 7, 10));
    assert_eq!(position("c.md"), ("invalid-record".to_string(), 4, 7));

    let loaded = changeportal::load::load(portal.root()).expect("config loads");
    let document = &loaded.portal.documents[0];
    assert_eq!(
        document.public_body,
        "Invoice search is now faster.\r\n\r\n"
    );
    assert_eq!(document.internal_body, "Internal notes.\r\n");
}

#[test]
fn ten_megabyte_body_loads_and_checks() {
    let paragraph = "Load test evidence: p99 latency stayed under 80 ms at 3x peak. ".repeat(16);
    let mut text = normal_record("CHG-1").replace("risk: low", "risk: high");
    text = text.replace("rollback: Revert the deploy.\n", "");
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&paragraph);
        text.push_str("\n\n");
    }
    let portal = TempPortal::new();
    portal.record("big.md", &text);
    let (flags, code) = check_json(&portal);
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(
        (flags[0].code.as_str(), flags[0].line),
        ("missing-rollback-plan", 6)
    );
    assert_eq!(code, Some(0));
    let loaded = changeportal::load::load(portal.root()).expect("config loads");
    assert!(loaded.portal.documents[0].internal_body.len() > 10_000_000);
}

#[test]
fn symlink_loop_under_content_is_reported_not_followed() {
    let portal = TempPortal::new();
    portal.record("a.md", &normal_record("CHG-1"));
    std::fs::create_dir_all(portal.root().join("content/changes/loop")).unwrap();
    std::os::unix::fs::symlink("..", portal.root().join("content/changes/loop/up")).unwrap();
    let (flags, code) = check_json(&portal);
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(flags[0].code, "invalid-record");
    assert_eq!(flags[0].file, "content/changes/loop/up");
    assert_eq!((flags[0].line, flags[0].column), (1, 1));
    assert!(flags[0].message.contains("symlink loop"), "{flags:#?}");
    assert_eq!(code, Some(1));
    let loaded = changeportal::load::load(portal.root()).expect("config loads");
    assert_eq!(
        loaded.portal.documents.len(),
        1,
        "the real record is loaded once"
    );
}

#[test]
fn editor_leftovers_are_ignored() {
    let portal = TempPortal::new();
    portal.record("CHG-1.md", &normal_record("CHG-1"));
    portal.record(".#CHG-1.md", "garbage that is not a record");
    portal.record("x.md~", "garbage that is not a record");
    portal.record(".hidden/CHG-9.md", "garbage that is not a record");
    let (flags, code) = check_json(&portal);
    assert!(flags.is_empty(), "{flags:#?}");
    assert_eq!(code, Some(0));
    let loaded = changeportal::load::load(portal.root()).expect("config loads");
    assert_eq!(loaded.portal.documents.len(), 1);
}

#[test]
fn unterminated_front_matter() {
    let flags = check_one(b"---\nid: CHG-1\ntitle: Never closed\n\nBody text.\n");
    assert_one_invalid(&flags, (1, 1), "not closed");
}

#[test]
fn empty_front_matter() {
    assert_one_invalid(
        &check_one(b"---\n---\nBody.\n"),
        (1, 1),
        "front matter is empty",
    );
}

#[test]
fn unclosed_quote_points_where_it_opens() {
    let text = BAD_DATE.replace("title: Tune cache", "title: \"Tune cache");
    assert_one_invalid(&check_one(text.as_bytes()), (3, 8), "end of stream");
}

#[test]
fn duplicate_key_points_at_the_repeat() {
    let text = BAD_DATE.replace("created: 2026-02-30", "created: 2026-02-01\ntitle: Again");
    assert_one_invalid(&check_one(text.as_bytes()), (8, 1), "duplicate key `title`");
}

#[test]
fn numeric_id_is_read_as_written() {
    let portal = TempPortal::new();
    portal.record("a.md", &normal_record("42"));
    portal.record("b.md", &normal_record("0042"));
    let (flags, code) = check_json(&portal);
    assert!(flags.is_empty(), "{flags:#?}");
    assert_eq!(code, Some(0));
    let loaded = changeportal::load::load(portal.root()).expect("config loads");
    let ids: Vec<&str> = loaded
        .portal
        .documents
        .iter()
        .map(|d| d.record.id.as_str())
        .collect();
    assert_eq!(ids, ["42", "0042"]);
}

#[test]
fn deeply_nested_yaml() {
    let depth = 20_000;
    let flow = format!("links: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let text = BAD_DATE.replace(
        "created: 2026-02-30\n",
        &format!("created: 2026-02-01\n{flow}"),
    );
    // The list itself opens at column 8; its first element, a list where a
    // text belongs, at column 9.
    assert_one_invalid(&check_one(text.as_bytes()), (8, 9), "invalid type");

    let block: String = (0..2_000)
        .map(|i| format!("{}k{i}:\n", "  ".repeat(i + 1)))
        .collect();
    let text = BAD_DATE.replace(
        "created: 2026-02-30\n",
        &format!("created: 2026-02-01\nreview:\n{block}"),
    );
    let flags = check_one(text.as_bytes());
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(
        (flags[0].line, flags[0].code.as_str()),
        (9, "unknown-field"),
        "{flags:#?}"
    );
}

#[test]
fn billion_laughs_alias_bomb() {
    let mut bomb = String::from("links:\n  - &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut previous = 'a';
    for name in 'b'..='j' {
        let refs = vec![format!("*{previous}"); 9].join(", ");
        bomb.push_str(&format!("  - &{name} [{refs}]\n"));
        previous = name;
    }
    let text = BAD_DATE.replace(
        "created: 2026-02-30\n",
        &format!("created: 2026-02-01\n{bomb}"),
    );
    let flags = check_one(text.as_bytes());
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(flags[0].code, "invalid-record");
    assert_eq!(flags[0].line, 9, "{flags:#?}");

    let config = format!(
        "{}x-bomb:\n{}",
        common::PORTAL_YAML,
        bomb.replace("links:\n", "")
    );
    let portal = TempPortal::with_config(&config);
    let output = run_guarded(&portal, &["check", "--now", "2026-11-24"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("portal.yaml:"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unreadable_page_and_garbage_page_do_not_stop_the_run() {
    let portal = TempPortal::new();
    portal.record("a.md", &normal_record("CHG-1"));
    portal.write("content/pages/about.md", b"\xff\xfe garbage");
    let (flags, code) = check_json(&portal);
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(flags[0].file, "content/pages/about.md");
    assert_eq!(code, Some(1));
}
