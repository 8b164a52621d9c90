//! `changeportal check` end to end: the example portal's deliberate flags in
//! every output format, and the exit codes of SPEC section 6.

mod common;

use changeportal::checks::Code;
use common::{normal_record, run_in, stderr, stdout, TempPortal};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

/// The example portal (the repository root), copied once outside git
/// ([`common::site::example_copy`]): its real history is one import commit,
/// which the git provenance flags would report.
fn example_root() -> &'static Path {
    static EXAMPLE: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    &EXAMPLE.get_or_init(common::site::example_copy).1
}

/// The reference "now" of the example portal.
const EXAMPLE_NOW: &str = "2026-11-24";

/// Runs `check --root . --now 2026-11-24` plus `extra` on the example portal.
fn check_example(extra: &[&str]) -> Output {
    let mut args = vec!["check", "--root", ".", "--now", EXAMPLE_NOW];
    args.extend_from_slice(extra);
    run_in(example_root(), &args)
}

/// Parses JSON lines.
fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// The flags the example portal raises on purpose, as (record, code); a
/// flag of the deploy log (no record) is named by its file.
const EXAMPLE_FLAGS: &[(&str, &str)] = &[
    ("CHG-0021", "deploy-not-logged"),
    ("CHG-0033", "deploy-not-logged"),
    ("deploys.csv", "unrecorded-deploy"),
    ("CHG-0017", "deployer-approved"),
    ("CHG-0022", "insufficient-approval"),
    ("CHG-0025", "self-approval"),
    ("CHG-0029", "approver-not-on-board"),
    ("CHG-0031", "missing-rollback-plan"),
    ("CHG-0032", "approval-after-deploy"),
    ("CHG-0034", "policy-review-pending"),
    ("CHG-0036", "notice-too-short"),
    ("CHG-0051", "change-in-blackout"),
    ("CHG-0052", "change-collision"),
    ("CHG-0053", "change-collision"),
    ("CHG-0054", "approver-not-on-board"),
    ("CHG-0055", "deployer-approved"),
    ("CHG-0056", "date-out-of-order"),
    ("CHG-0056", "future-evidence"),
];

#[test]
fn example_portal_raises_exactly_its_deliberate_flags() {
    let output = check_example(&["--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let flags = json_lines(&output);
    let pairs: BTreeSet<(String, String)> = flags
        .iter()
        .map(|flag| {
            let record = flag["record"].as_str().or(flag["file"].as_str());
            let record = record.expect("record id or file").to_string();
            (record, flag["code"].as_str().expect("code").to_string())
        })
        .collect();
    let expected: BTreeSet<(String, String)> = EXAMPLE_FLAGS
        .iter()
        .map(|(record, code)| (record.to_string(), code.to_string()))
        .collect();
    assert_eq!(pairs, expected);
    assert!(
        flags.iter().any(|flag| flag["level"] == "deny"),
        "exit 1 needs a deny-level flag"
    );
}

#[test]
fn example_json_has_every_field_and_points_into_the_record() {
    let output = check_example(&["--format", "json"]);
    let flags = json_lines(&output);
    assert!(!flags.is_empty());
    for flag in &flags {
        for key in ["code", "level", "file", "line", "column", "message"] {
            assert!(flag.get(key).is_some(), "{key} missing in {flag}");
        }
        let code = flag["code"].as_str().unwrap();
        assert!(Code::from_name(code).is_some(), "{code}");
        assert!(["warn", "deny"].contains(&flag["level"].as_str().unwrap()));
        let file = flag["file"].as_str().unwrap();
        match flag["record"].as_str() {
            Some(record) => assert!(
                file.starts_with("content/changes/") && file.contains(record),
                "{flag}"
            ),
            None => assert_eq!(file, "deploys.csv", "{flag}"),
        }
        let text = std::fs::read_to_string(example_root().join(file)).unwrap();
        let line = flag["line"].as_u64().unwrap() as usize;
        let column = flag["column"].as_u64().unwrap() as usize;
        let source_line = text.lines().nth(line - 1).expect("line inside the file");
        assert!(column >= 1 && column <= source_line.len() + 1, "{flag}");
        assert!(!flag["message"].as_str().unwrap().is_empty());
    }
}

#[test]
fn example_flags_point_at_the_offending_field() {
    let output = check_example(&["--format", "json"]);
    let flags = json_lines(&output);
    let field_of = |record: &str, code: &str| {
        let flag = flags
            .iter()
            .find(|f| f["record"] == record && f["code"] == code)
            .unwrap_or_else(|| panic!("{record} {code}"));
        let text =
            std::fs::read_to_string(example_root().join(flag["file"].as_str().unwrap())).unwrap();
        let line = flag["line"].as_u64().unwrap() as usize;
        text.lines().nth(line - 1).unwrap().trim_start().to_string()
    };
    assert!(field_of("CHG-0025", "self-approval").starts_with("- { by: Priya Nair"));
    assert!(field_of("CHG-0031", "missing-rollback-plan").starts_with("risk: high"));
    assert!(field_of("CHG-0032", "approval-after-deploy").contains("2026-07-29"));
    assert!(field_of("CHG-0034", "policy-review-pending").starts_with("policy_review: needed"));
    assert!(field_of("CHG-0036", "notice-too-short").starts_with("scheduled:"));
}

#[test]
fn example_human_output_is_a_compiler_style_report() {
    let output = check_example(&[]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(!text.contains('\u{1b}'), "no colour off a terminal");
    for (record, code) in EXAMPLE_FLAGS {
        assert!(text.contains(&format!("[{code}]")), "{code}:\n{text}");
        assert!(text.contains(record), "{record}:\n{text}");
    }
    assert!(text.contains("content/changes/2026/CHG-0031-partition-invoices-table.md:7:1"));
    assert!(text.contains("hint: "));
    assert!(
        text.contains("error(s)") && text.contains("warning(s)"),
        "{text}"
    );
}

#[test]
fn example_sarif_is_valid_2_1_0_with_a_rule_per_code() {
    let output = check_example(&["--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1));
    let sarif: Value = serde_json::from_str(&stdout(&output)).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "changeportal");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(rule_ids, codes);
    for rule in rules {
        assert!(!rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .is_empty());
    }

    let json = json_lines(&check_example(&["--format", "json"]));
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), json.len());
    for (result, flag) in results.iter().zip(&json) {
        assert_eq!(result["ruleId"], flag["code"]);
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], flag["code"]);
        let expected_level = if flag["level"] == "deny" {
            "error"
        } else {
            "warning"
        };
        assert_eq!(result["level"], expected_level);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], flag["file"]);
        assert_eq!(location["region"]["startLine"], flag["line"]);
        assert_eq!(location["region"]["startColumn"], flag["column"]);
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
    }
}

/// A high-risk normal change without a rollback plan: one warn-level flag.
fn warning_only_record() -> String {
    normal_record("CHG-1")
        .replace("risk: low", "risk: high")
        .replace("rollback: Revert the deploy.\n", "")
}

#[test]
fn exit_0_with_only_warnings_or_nothing() {
    let empty = TempPortal::new();
    let output = empty.run(&["check", "--now", EXAMPLE_NOW]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let warned = TempPortal::new();
    warned.record("a.md", &warning_only_record());
    for format in ["human", "json", "sarif"] {
        let output = warned.run(&["check", "--now", EXAMPLE_NOW, "--format", format]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{format}: {}",
            stderr(&output)
        );
    }
    let output = warned.run(&["check", "--now", EXAMPLE_NOW]);
    assert!(stderr(&output).contains("warning[missing-rollback-plan]"));
}

#[test]
fn exit_1_with_deny_flags() {
    let portal = TempPortal::new();
    portal.record("a.md", &warning_only_record());
    let self_approved = normal_record("CHG-2").replace("author: Sam Writer", "author: Alice Chen");
    portal.record("b.md", &self_approved);
    for format in ["human", "json", "sarif"] {
        let output = portal.run(&["check", "--now", EXAMPLE_NOW, "--format", format]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: {}",
            stderr(&output)
        );
    }
}

/// A portal.yaml whose `notice_days` (line 6, column 18) is not a number.
const BAD_TYPE_CONFIG: &str = "title: Broken
base_url: https://changes.test.example
tiers:
  enterprise:
    title: Enterprise
    notice_days: soon
";

#[test]
fn exit_2_for_a_bad_portal_yaml_with_its_position() {
    let portal = TempPortal::with_config(BAD_TYPE_CONFIG);
    portal.record("a.md", &normal_record("CHG-1"));
    let output = portal.run(&["check", "--now", EXAMPLE_NOW]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("portal.yaml:6:18"), "{text}");
    assert!(text.contains("notice_days: soon"), "source line:\n{text}");

    let output = portal.run(&["check", "--now", EXAMPLE_NOW, "--format", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let flags = json_lines(&output);
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0]["file"], "portal.yaml");
    assert_eq!(
        (flags[0]["line"].as_u64(), flags[0]["column"].as_u64()),
        (Some(6), Some(18))
    );
}

#[test]
fn exit_2_for_invalid_config_values_and_missing_config() {
    let relative_url = common::PORTAL_YAML.replace(
        "base_url: https://changes.test.example",
        "base_url: changes.test.example",
    );
    let portal = TempPortal::with_config(&relative_url);
    let output = portal.run(&["check", "--now", EXAMPLE_NOW]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("portal.yaml:2:1"),
        "{}",
        stderr(&output)
    );

    let misspelled = common::PORTAL_YAML.replace("title: Test Portal", "titel: Test Portal");
    let portal = TempPortal::with_config(&misspelled);
    let output = portal.run(&["check", "--now", EXAMPLE_NOW]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("portal.yaml:1:1"),
        "{}",
        stderr(&output)
    );

    let empty_dir = tempfile::tempdir().unwrap();
    let output = run_in(empty_dir.path(), &["check", "--now", EXAMPLE_NOW]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("portal.yaml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn exit_2_for_bad_usage() {
    let portal = TempPortal::new();
    portal.record("a.md", &normal_record("CHG-1"));
    for args in [
        &["check", "--now", "yesterday"][..],
        &["check", "--now", "2026-02-30"][..],
        &["check", "--format", "xml"][..],
        &["check", "--no-such-option"][..],
    ] {
        let output = portal.run(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).is_empty(), "{args:?} says why");
    }
    let output = common::bin()
        .current_dir(portal.root())
        .args(["check"])
        .env("SOURCE_DATE_EPOCH", "last tuesday")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("SOURCE_DATE_EPOCH"));
}

#[test]
fn root_option_points_at_another_folder() {
    let portal = TempPortal::new();
    portal.record("a.md", &warning_only_record());
    let elsewhere = tempfile::tempdir().unwrap();
    let root = portal.root().to_string_lossy().into_owned();
    let output = run_in(
        elsewhere.path(),
        &[
            "check",
            "--root",
            &root,
            "--now",
            EXAMPLE_NOW,
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let flags = json_lines(&output);
    assert_eq!(flags.len(), 1);
    assert_eq!(
        flags[0]["file"], "content/changes/a.md",
        "paths are relative to the root"
    );
}
