//! Config and command-line hygiene (issue "nothing internal reaches a
//! customer", kinds 9 and 11): `base_url` is a real URL or a config error;
//! no character from a record steers the terminal; usage errors are exit 2.

mod common;

use common::cases::{build, check, copy_case};
use common::{normal_record, run_in, stderr, stdout, TempPortal, PORTAL_YAML};

fn with_base_url(base_url: &str) -> String {
    let mut quoted = String::from("\"");
    for c in base_url.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    PORTAL_YAML.replacen(
        "base_url: https://changes.test.example",
        &format!("base_url: {quoted}"),
        1,
    )
}

#[test]
fn case_base_url_quote() {
    let (_guard, root) = copy_case("base-url-quote");
    let checked = check(&root, "2026-06-01");
    assert_eq!(checked.status.code(), Some(2), "{}", stderr(&checked));
    assert!(
        stderr(&checked).contains("portal.yaml:2:"),
        "{}",
        stderr(&checked)
    );
    let out = root.join("out");
    let built = build(&root, &out, "2026-06-01", &[]);
    assert_eq!(built.status.code(), Some(2), "{}", stderr(&built));
    assert!(!out.exists(), "a refused build writes nothing");
}

#[test]
fn a_base_url_that_is_not_a_plain_absolute_http_url_is_a_config_error() {
    let bad = [
        "https://x.example/a\"><meta http-equiv=\"refresh\" content=\"0\">",
        "https://x.example/a b",
        "https://x.example/<script>",
        "https://x.example/`x`",
        "https://x.example/{x}",
        "https://x.example/\u{1b}[2J",
        "javascript:alert(1)",
        "ftp://x.example",
        "//x.example",
        "x.example",
        "https://",
        "https:///path",
        "https://x.example/?q=1",
        "https://x.example/#top",
        "https://user:secret@x.example",
        "https://x.example/a%zz",
        "https://x.example/a%2",
        "https://x.example/a/../..",
        "https://x.example/./log",
        "https://x.example\\log",
        "https://x.example/\tlog",
        "",
    ];
    for base_url in bad {
        let portal = TempPortal::with_config(&with_base_url(base_url));
        portal.record("a.md", &normal_record("CHG-1"));
        let out = portal.root().join("out");
        let built = build(portal.root(), &out, "2026-06-01", &[]);
        assert_eq!(
            built.status.code(),
            Some(2),
            "{base_url:?}: {}",
            stderr(&built)
        );
        assert!(stderr(&built).contains("base_url"), "{base_url:?}");
        assert!(!out.exists(), "{base_url:?}");
        assert!(!stderr(&built).contains('\u{1b}'), "{base_url:?}");
    }
}

#[test]
fn good_base_urls_build_and_appear_only_escaped() {
    for base_url in [
        "https://x.example",
        "https://x.example/",
        "http://x.example:8080/log/",
        "https://x.example/a%20b/c",
        "https://xn--bcher-kva.example/changes",
        "https://x.example/a&b",
    ] {
        let portal = TempPortal::with_config(&with_base_url(base_url));
        portal.record("a.md", &normal_record("CHG-1"));
        let out = portal.root().join("out");
        let built = build(portal.root(), &out, "2026-06-01", &[]);
        assert!(built.status.success(), "{base_url}: {}", stderr(&built));
        let not_found = std::fs::read_to_string(out.join("public/404.html")).expect("404");
        if base_url.contains('&') {
            assert!(!not_found.contains("a&b"), "raw & in 404.html");
            assert!(not_found.contains("a&amp;b"), "{not_found}");
        }
    }
}

/// Control and bidi characters reach the terminal only as visible escapes,
/// wherever they come from in a record.
#[test]
fn no_record_character_steers_the_terminal() {
    let hostile = [
        "\\u001b[2K\\r\\u001b[32mall good\\u001b[0m",
        "\\u0007bell",
        "\\u009b31m",
        "\\u202Eevil",
        "\\u2028next",
        "\\rover",
    ];
    let portal = TempPortal::new();
    for (index, value) in hostile.iter().enumerate() {
        let record = normal_record(&format!("CHG-{index}"))
            .replace("author: Sam Writer", &format!("author: \"Sam{value}\""))
            .replace(
                "  - { by: Alice Chen,",
                &format!("  - {{ by: \"Mallory{value}\","),
            );
        portal.record(&format!("r{index}.md"), &record);
    }
    // A raw control byte in a body, and a broken record whose error quotes it.
    portal.record(
        "raw.md",
        &normal_record("CHG-RAW").replace("Internal notes.", "Internal \u{1b}[31m notes."),
    );
    portal.record("broken.md", "---\nid: X\ntitle: \"a\u{1b}b\n---\n");
    for args in [
        vec!["check", "--now", "2026-06-01"],
        vec!["build", "--now", "2026-06-01", "--out", "out"],
    ] {
        let output = portal.run(&args);
        let err = stderr(&output);
        for raw in ['\u{1b}', '\r', '\u{7}', '\u{9b}', '\u{202e}', '\u{2028}'] {
            assert!(!err.contains(raw), "{args:?}: raw {raw:?} in:\n{err}");
        }
        assert!(
            err.contains("Mallory\u{fffd}[2K\\r\u{fffd}[32mall good"),
            "{err}"
        );
    }
}

#[test]
fn case_diagnostic_terminal_escape() {
    let (_guard, root) = copy_case("diagnostic-terminal-escape");
    let output = check(&root, "2026-06-01");
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(!err.contains('\u{1b}') && !err.contains('\r'), "{err}");
    assert!(
        err.contains("error[approval-after-deploy]: Mallory\u{fffd}[2K\\r\u{fffd}[32mall good"),
        "{err}"
    );
    assert!(err.contains("content/changes/CHG-0001.md:12:3"), "{err}");
    let json = run_in(
        &root,
        &[
            "check",
            "--root",
            &root.to_string_lossy(),
            "--now",
            "2026-06-01",
            "--format",
            "json",
        ],
    );
    let flags: Vec<serde_json::Value> = stdout(&json)
        .lines()
        .map(|line| serde_json::from_str(line).expect("json"))
        .collect();
    let invalid: Vec<_> = flags
        .iter()
        .filter(|f| f["code"] == "invalid-character")
        .collect();
    assert_eq!(invalid.len(), 1, "{flags:#?}");
    assert_eq!(invalid[0]["level"], "deny");
    assert_eq!(invalid[0]["line"], 12);
}

#[test]
fn folders_without_a_portal_say_so_for_every_command() {
    let empty = tempfile::tempdir().expect("tempdir");
    for args in [
        vec!["build"],
        vec!["check"],
        vec!["export"],
        vec!["sample", "--size", "1"],
        vec!["new", "--title", "X"],
    ] {
        let output = run_in(empty.path(), &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let err = stderr(&output);
        assert!(err.contains("has no portal.yaml"), "{args:?}: {err}");
        assert!(err.contains("changeportal init"), "{args:?}: {err}");
        assert!(!empty.path().join("out").exists());
    }
}

#[test]
fn from_after_to_is_a_usage_error() {
    let portal = TempPortal::new();
    portal.record("a.md", &normal_record("CHG-1"));
    for command in [vec!["export"], vec!["sample", "--size", "2"]] {
        for (from, to) in [
            ("2026-06-02", "2026-06-01"),
            ("2027-01-01", "2026-12-31T23:59:59Z"),
            ("2026-06-01T12:00:00Z", "2026-06-01T11:00:00Z"),
        ] {
            let mut args = command.clone();
            args.extend(["--from", from, "--to", to, "--now", "2026-12-31"]);
            let output = portal.run(&args);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{args:?}: {}",
                stderr(&output)
            );
            let err = stderr(&output);
            assert!(
                err.contains("after --to") || err.contains("periods are whole days"),
                "{args:?}: {err}"
            );
        }
        // One whole day, given twice, is a period.
        let mut args = command.clone();
        args.extend([
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-01",
            "--now",
            "2026-12-31",
        ]);
        let output = portal.run(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn new_takes_titles_that_start_with_a_dash_and_lists_its_values() {
    let portal = TempPortal::new();
    let output = portal.run(&["new", "--now", "2026-06-01", "--title", "-5% latency"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let path = portal.root().join(stdout(&output).trim());
    let text = std::fs::read_to_string(&path).expect("new record");
    assert!(text.contains("-5% latency"), "{text}");

    let help = stdout(&portal.run(&["new", "--help"]));
    for value in [
        "feature",
        "infrastructure",
        "standard",
        "normal",
        "emergency",
    ] {
        assert!(help.contains(value), "{value} missing from:\n{help}");
    }
    let bad = portal.run(&["new", "--title", "x", "--class", "urgent"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("emergency"), "{}", stderr(&bad));
}

/// Titles and names from portal.yaml are printed on every page: control
/// characters there, raw or as escapes, make the config invalid (exit 2).
#[test]
fn invalid_characters_in_portal_yaml_are_config_errors() {
    for (text, line) in [
        ("title: \"V\\u0010\"", 1),
        ("title: V\u{1}", 1),
        ("title: V\u{7f}x", 1),
        ("title: \"V\\x1b[31m\"", 1),
    ] {
        let config = PORTAL_YAML.replacen("title: Test Portal", text, 1);
        let portal = TempPortal::with_config(&config);
        portal.record("a.md", &normal_record("CHG-1"));
        let out = portal.root().join("out");
        let built = build(portal.root(), &out, "2026-06-01", &[]);
        let err = stderr(&built);
        assert_eq!(built.status.code(), Some(2), "{text:?}: {err}");
        assert!(err.contains("invalid-character"), "{text:?}: {err}");
        assert!(
            err.contains(&format!("portal.yaml:{line}:")),
            "{text:?}: {err}"
        );
        assert!(!out.exists());
    }
}
