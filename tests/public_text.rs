//! `internal-detail-in-public` (SPEC sections 3 and 4): what looks internal in
//! customer-facing text is flagged at its line and column, in records and pages;
//! internal text and internal records are not.

mod common;

use common::{normal_record, stderr, stdout, TempPortal, PORTAL_YAML};
use serde_json::Value;

fn config() -> String {
    format!(
        "{PORTAL_YAML}public_text:\n  internal_domains: [acme.internal, corp.acme.example]\n  patterns: ['\\bOPS-[0-9]+\\b', 'vault:[^ ]+']\n"
    )
}

fn json_flags(portal: &TempPortal) -> (Vec<Value>, Option<i32>) {
    let output = portal.run(&["check", "--now", "2026-06-01", "--format", "json"]);
    let flags = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("json flag"))
        .collect();
    (flags, output.status.code())
}

fn of_code<'a>(flags: &'a [Value], code: &str) -> Vec<&'a Value> {
    flags.iter().filter(|f| f["code"] == code).collect()
}

/// A public record whose body starts with the line `public`.
fn record_with_body(id: &str, public: &str) -> String {
    normal_record(id).replace(
        "Invoice search is now faster.\n\n<!-- internal -->",
        &format!("{public}\n\n<!-- internal -->"),
    )
}

#[test]
fn each_kind_is_flagged_at_its_line_and_column() {
    // (customer-facing sentence, where the finding starts)
    let table: &[(&str, &str)] = &[
        ("Logs moved to grafana.acme.internal today.", "grafana"),
        ("Now on HOST.CORP.ACME.EXAMPLE.", "HOST"),
        ("The node 10.20.30.40 was replaced.", "10.20"),
        ("Bound to 127.0.0.1 only.", "127"),
        ("Traffic from 192.168.1.7 is allowed.", "192"),
        ("Peering over fd00:1234::5 works.", "fd00"),
        ("Mail alice@acme.example with questions.", "alice@"),
        ("Approved by alice  chen last week.", "alice"),
        ("Thanks to Sam Writer for this.", "Sam"),
        ("Tracked in OPS-4412.", "OPS"),
        ("Secret at vault:kv/prod/db rotated.", "vault"),
        ("Zoë and 10.1.2.3", "10.1"),
    ];
    let portal = TempPortal::with_config(&config());
    for (index, (text, _)) in table.iter().enumerate() {
        portal.record(
            &format!("P{index}.md"),
            &record_with_body(&format!("P-{index}"), text),
        );
    }
    let (flags, code) = json_flags(&portal);
    assert_eq!(code, Some(0), "warn only: {flags:#?}");
    for (index, (text, needle)) in table.iter().enumerate() {
        let byte = text.find(needle).expect("needle in text");
        let column = text[..byte].chars().count() as u64 + 1;
        let record = record_with_body("x", text);
        let line = record.lines().position(|l| l == *text).expect("body line") as u64 + 1;
        let file = format!("content/changes/P{index}.md");
        let found: Vec<&Value> = of_code(&flags, "internal-detail-in-public")
            .into_iter()
            .filter(|f| f["file"] == file.as_str())
            .collect();
        assert_eq!(found.len(), 1, "{text}: {found:#?}");
        assert_eq!(found[0]["level"], "warn");
        assert_eq!(found[0]["line"], line, "{text}");
        assert_eq!(found[0]["column"], column, "{text}");
    }
}

#[test]
fn title_summary_and_pages_are_customer_facing_too() {
    let portal = TempPortal::with_config(&config());
    let record = normal_record("T-1")
        .replace(
            "title: Faster invoice search",
            "title: Faster search on db7.acme.internal",
        )
        .replace(
            "summary: Invoice search is now faster.",
            "summary: Ask ops@acme.example.",
        );
    portal.record("T-1.md", &record);
    portal.write(
        "content/pages/about.md",
        b"---\ntitle: About OPS-1\n---\nWe are here.\n\nCall 10.0.0.1.\n<!-- internal -->\nops@acme.example 10.0.0.2\n",
    );
    let (flags, _) = json_flags(&portal);
    let found: Vec<(String, u64)> = of_code(&flags, "internal-detail-in-public")
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("content/changes/T-1.md".to_string(), 3),
            ("content/changes/T-1.md".to_string(), 8),
            ("content/pages/about.md".to_string(), 2),
            ("content/pages/about.md".to_string(), 6),
        ]
    );
}

#[test]
fn internal_text_and_internal_records_are_not_flagged() {
    let portal = TempPortal::with_config(&config());
    let below_marker = normal_record("I-1").replace(
        "Internal notes.",
        "Runbook on db1.acme.internal, ops@acme.example, 10.1.1.1, OPS-1.",
    );
    portal.record("I-1.md", &below_marker);
    let internal = normal_record("I-2")
        .replace("visibility: public", "visibility: internal")
        .replace(
            "Invoice search is now faster.\n\n",
            "On 10.9.9.9 with OPS-7.\n\n",
        );
    portal.record("I-2.md", &internal);
    let (flags, code) = json_flags(&portal);
    assert!(
        of_code(&flags, "internal-detail-in-public").is_empty(),
        "{flags:#?}"
    );
    assert_eq!(code, Some(0));
}

#[test]
fn lints_can_allow_or_deny_it() {
    for (level, expected_code, expected_count) in [("allow", 0, 0), ("deny", 1, 1)] {
        let config = format!("{}lints:\n  internal-detail-in-public: {level}\n", config());
        let portal = TempPortal::with_config(&config);
        portal.record("L.md", &record_with_body("L-1", "See 10.0.0.3."));
        let (flags, code) = json_flags(&portal);
        assert_eq!(
            of_code(&flags, "internal-detail-in-public").len(),
            expected_count,
            "{level}"
        );
        assert_eq!(code, Some(expected_code), "{level}");
    }
}

#[test]
fn a_pattern_that_does_not_compile_is_a_config_error_at_its_line() {
    let config = format!("{PORTAL_YAML}public_text:\n  patterns: ['ok', '(unclosed']\n");
    let portal = TempPortal::with_config(&config);
    let output = portal.run(&["check", "--now", "2026-06-01"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    let line = PORTAL_YAML.lines().count() + 2;
    assert!(err.contains(&format!("portal.yaml:{line}:")), "{err}");
    assert!(err.contains("(unclosed"), "{err}");
}
