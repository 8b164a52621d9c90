//! `changeportal schema record|config` (SPEC section 4): the shipped
//! schemas in `docs/schema/` are the command's output, and a real validator
//! (Python `jsonschema`) accepts every record of the example portal and its
//! portal.yaml, and rejects a misspelled field, a wrong enum value and a bad
//! date, as `check` does.

mod common;

use common::tools;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema_output(kind: &str) -> String {
    let output = common::bin().args(["schema", kind]).output().expect("run");
    assert!(output.status.success(), "{}", common::stderr(&output));
    common::stdout(&output)
}

#[test]
fn shipped_schemas_are_the_commands_output() {
    for kind in ["record", "config"] {
        let path = repo().join(format!("docs/schema/{kind}.schema.json"));
        let expected = schema_output(kind);
        if std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &expected).expect("write schema");
            continue;
        }
        let shipped = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            shipped == expected,
            "{} is not the output of `changeportal schema {kind}`; regenerate with: \
             UPDATE_DOCS=1 cargo test --test schema",
            path.display()
        );
    }
}

/// The YAML between the first two `---` lines of a record, as JSON.
fn front_matter_json(text: &str) -> serde_json::Value {
    let yaml = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split("\n---").next())
        .expect("front matter");
    serde_yaml::from_str(yaml).expect("front matter is YAML")
}

fn write_json(dir: &Path, name: &str, value: &serde_json::Value) -> PathBuf {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string(value).unwrap()).unwrap();
    path
}

fn example_records() -> Vec<PathBuf> {
    let mut records: Vec<PathBuf> = walk(&repo().join("content/changes"));
    records.sort();
    records
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    files
}

#[test]
fn record_schema_accepts_the_example_portal_and_rejects_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let records = example_records();
    assert!(records.len() >= 40, "the example portal has 40+ records");
    let mut instances: Vec<PathBuf> = records
        .iter()
        .enumerate()
        .map(|(index, path)| {
            let text = std::fs::read_to_string(path).unwrap().replace("\r\n", "\n");
            write_json(
                dir.path(),
                &format!("ok-{index}"),
                &front_matter_json(&text),
            )
        })
        .collect();
    let good = front_matter_json(&common::normal_record("CHG-0001"));
    let mistakes = [
        ("misspelled-field", "aprovals", serde_json::json!([])),
        ("wrong-enum", "status", serde_json::json!("shipped")),
        (
            "bad-date",
            "deployed",
            serde_json::json!("2026-13-01T10:00:00Z"),
        ),
        ("bad-day", "created", serde_json::json!("2026-02-30")),
        ("null-string", "summary", serde_json::Value::Null),
        ("bad-id", "id", serde_json::json!("../etc")),
    ];
    for (name, key, value) in &mistakes {
        let mut bad = good.clone();
        bad[*key] = value.clone();
        instances.push(write_json(dir.path(), name, &bad));
    }
    let mut missing_deployed = good.clone();
    missing_deployed.as_object_mut().unwrap().remove("deployed");
    instances.push(write_json(
        dir.path(),
        "deployed-without-date",
        &missing_deployed,
    ));
    instances.push(write_json(dir.path(), "good", &good));
    let schema = repo().join("docs/schema/record.schema.json");
    let Some(reports) = tools::jsonschema_errors(&schema, &instances) else {
        return;
    };
    for (path, errors) in records.iter().zip(&reports) {
        assert!(errors.is_empty(), "{} rejected: {errors:?}", path.display());
    }
    let bad = &reports[records.len()..reports.len() - 1];
    for (errors, name) in bad.iter().zip(
        mistakes
            .iter()
            .map(|(name, _, _)| *name)
            .chain(["deployed-without-date"]),
    ) {
        assert!(!errors.is_empty(), "{name} was accepted");
    }
    assert!(
        reports[reports.len() - 1].is_empty(),
        "{:?}",
        reports.last()
    );
}

#[test]
fn config_schema_accepts_the_example_and_rejects_a_typo() {
    let dir = tempfile::tempdir().unwrap();
    let portal: serde_json::Value =
        serde_yaml::from_str(&std::fs::read_to_string(repo().join("portal.yaml")).unwrap())
            .unwrap();
    let fixture: serde_json::Value = serde_yaml::from_str(common::PORTAL_YAML).unwrap();
    let mut typo = portal.clone();
    typo["feed_itmes"] = serde_json::json!(20);
    let mut bad_zone = portal.clone();
    bad_zone["timezone"] = serde_json::json!("Mars/Olympus");
    let mut bad_lint = portal.clone();
    bad_lint["lints"] = serde_json::json!({ "self-aproval": "deny" });
    let instances = [
        write_json(dir.path(), "portal", &portal),
        write_json(dir.path(), "fixture", &fixture),
        write_json(dir.path(), "typo", &typo),
        write_json(dir.path(), "zone", &bad_zone),
        write_json(dir.path(), "lint", &bad_lint),
    ];
    let schema = repo().join("docs/schema/config.schema.json");
    let Some(reports) = tools::jsonschema_errors(&schema, &instances) else {
        return;
    };
    assert!(
        reports[0].is_empty(),
        "portal.yaml rejected: {:?}",
        reports[0]
    );
    assert!(reports[1].is_empty(), "fixture rejected: {:?}", reports[1]);
    for (errors, what) in reports[2..].iter().zip(["typo", "zone", "lint"]) {
        assert!(!errors.is_empty(), "{what} accepted");
    }
}
