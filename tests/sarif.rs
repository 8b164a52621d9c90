//! `--format sarif` as GitHub code scanning takes it (SPEC section 4): valid
//! against the official SARIF 2.1.0 schema (vendored in
//! `tests/fixtures/sarif/`), help and a help URI on every rule, a
//! fingerprint on every result that survives unrelated edits, and locations
//! relative to the repository root.

mod common;

use common::{normal_record, tools, TempPortal};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sarif_of(root: &Path, extra: &[&str]) -> Value {
    let root_arg = root.to_string_lossy();
    let mut args = vec![
        "check",
        "--root",
        &root_arg,
        "--now",
        "2026-11-24",
        "--format",
        "sarif",
    ];
    args.extend_from_slice(extra);
    let output = common::run_in(root, &args);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        common::stderr(&output)
    );
    serde_json::from_str(&common::stdout(&output)).expect("SARIF is JSON")
}

fn results(sarif: &Value) -> &Vec<Value> {
    sarif["runs"][0]["results"].as_array().expect("results")
}

fn uri(result: &Value) -> &str {
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .expect("uri")
}

fn fingerprint(result: &Value) -> &str {
    result["partialFingerprints"]["changeportalFlag/v1"]
        .as_str()
        .expect("fingerprint")
}

#[test]
fn example_sarif_validates_against_the_official_schema() {
    let sarif = sarif_of(&repo(), &["--path-prefix", "."]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.sarif");
    std::fs::write(&file, serde_json::to_string(&sarif).unwrap()).unwrap();
    let schema = repo().join("tests/fixtures/sarif/sarif-schema-2.1.0.json");
    if let Some(reports) = tools::jsonschema_errors(&schema, &[file]) {
        assert!(reports[0].is_empty(), "invalid SARIF: {:?}", reports[0]);
    }
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], env!("CARGO_PKG_REPOSITORY"));
    let flags_doc = std::fs::read_to_string(repo().join("docs/flags.md")).unwrap();
    for rule in driver["rules"].as_array().expect("rules") {
        let id = rule["id"].as_str().unwrap();
        for key in ["name", "shortDescription", "fullDescription"] {
            assert!(!rule[key].is_null(), "{id} has no {key}");
        }
        let markdown = rule["help"]["markdown"].as_str().unwrap_or_default();
        assert!(rule["help"]["text"].as_str().is_some_and(|t| t.len() > 20));
        assert!(
            markdown.len() > 100,
            "{id}: help is the flag's docs section"
        );
        let help_uri = rule["helpUri"].as_str().unwrap();
        let expected = format!(
            "{}/blob/main/docs/flags.md#{id}",
            env!("CARGO_PKG_REPOSITORY")
        );
        assert_eq!(help_uri, expected);
        assert!(
            flags_doc.contains(&format!("\n## {id}\n")),
            "no anchor for {id}"
        );
    }
    let results = results(&sarif);
    assert!(!results.is_empty());
    for result in results {
        assert!(!fingerprint(result).is_empty());
        // A record, or the example's deploy log (`unrecorded-deploy`).
        assert!(
            uri(result).starts_with("content/changes/") || uri(result) == "deploys.csv",
            "{}",
            uri(result)
        );
    }
}

#[test]
fn fingerprints_survive_a_line_added_above_the_flagged_field() {
    let portal = TempPortal::new();
    let record = normal_record("CHG-0001").replace(
        "  - { by: Omar Haddad",
        "  - { by: Sam Writer, role: engineering, decision: approve, at: 2026-01-12T09:00:00Z }\n  - { by: Omar Haddad",
    );
    let path = portal.record("2026/CHG-0001.md", &record);
    let before = sarif_of(portal.root(), &["--path-prefix", ""]);
    let shifted = record.replace(
        "risk: low\n",
        "risk: low\nlinks: [https://tracker.example/T-1]\n",
    );
    std::fs::write(&path, shifted).unwrap();
    let after = sarif_of(portal.root(), &["--path-prefix", ""]);
    let summary = |sarif: &Value| -> Vec<(String, String, u64)> {
        results(sarif)
            .iter()
            .map(|result| {
                (
                    result["ruleId"].as_str().unwrap().to_string(),
                    fingerprint(result).to_string(),
                    result["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect()
    };
    let (before, after) = (summary(&before), summary(&after));
    assert!(
        before.iter().any(|(code, _, _)| code == "self-approval"),
        "{before:?}"
    );
    assert_eq!(before.len(), after.len());
    for ((code, print_before, line_before), (_, print_after, line_after)) in
        before.iter().zip(&after)
    {
        assert_eq!(line_before + 1, *line_after, "{code} moved down a line");
        assert_eq!(print_before, print_after, "{code} kept its fingerprint");
    }
}

#[test]
fn locations_are_relative_to_the_enclosing_repository() {
    let repository = tempfile::tempdir().unwrap();
    std::fs::create_dir(repository.path().join(".git")).unwrap();
    let portal = repository.path().join("docs dir/portal");
    std::fs::create_dir_all(portal.join("content/changes/2026")).unwrap();
    std::fs::write(portal.join("portal.yaml"), common::PORTAL_YAML).unwrap();
    let record = normal_record("CHG-0001").replace("risk: low", "risk: lowish");
    std::fs::write(portal.join("content/changes/2026/CHG-0001.md"), record).unwrap();
    let found = sarif_of(&portal, &[]);
    assert_eq!(
        uri(&results(&found)[0]),
        "docs%20dir/portal/content/changes/2026/CHG-0001.md"
    );
    let given = sarif_of(&portal, &["--path-prefix", "./site/"]);
    assert_eq!(
        uri(&results(&given)[0]),
        "site/content/changes/2026/CHG-0001.md"
    );
}
