//! The deploy log (SPEC sections 3, 4 and 5; issue 14): entries matched to
//! records by `change` id and by system and time window, the
//! `unrecorded-deploy` and `deploy-not-logged` flags at their lines, both
//! file forms, malformed rows, paths out of the portal refused, the
//! reconciliation page, the record page's entries and the export columns.

mod common;

use changeportal::build::Build;
use changeportal::model::Timestamp;
use common::{normal_record, stderr, stdout, TempPortal};
use serde_json::Value;

/// The build's "now" of every test: after every record's windows.
const NOW: &str = "2026-11-24";

/// Line of `deployed:` in [`normal_record`] (deployed 2026-03-01T10:30:00Z,
/// systems [api], approved by Alice Chen and Omar Haddad).
const DEPLOYED_LINE: u64 = 12;

const HEADER: &str = "at,system,ref,deployed_by,change\n";

/// A portal with `config_extra` appended to the shared portal.yaml, the
/// records `(file, id)` from [`normal_record`], and `deploys.csv` (or the
/// file `log_name`) holding `log`.
fn portal(config_extra: &str, records: &[(&str, String)], log_name: &str, log: &str) -> TempPortal {
    let config = format!(
        "{}deploy_log: {log_name}\n{config_extra}",
        common::PORTAL_YAML
    );
    let portal = TempPortal::with_config(&config);
    for (file, text) in records {
        portal.record(file, text);
    }
    portal.write(log_name, log.as_bytes());
    portal
}

fn one_record() -> Vec<(&'static str, String)> {
    vec![("chg-1.md", normal_record("CHG-1"))]
}

/// `check --format json` flags and the exit code.
fn check(portal: &TempPortal) -> (Vec<Value>, i32) {
    let output = portal.run(&["check", "--format", "json", "--now", NOW]);
    let code = output.status.code().expect("exit code");
    let flags = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    (flags, code)
}

/// The flags with `code`, as (file, line, column, level).
fn flags_of(flags: &[Value], code: &str) -> Vec<(String, u64, u64, String)> {
    flags
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["level"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn deploy_flags(flags: &[Value]) -> Vec<(String, u64, u64, String)> {
    let mut found = flags_of(flags, "unrecorded-deploy");
    found.extend(flags_of(flags, "deploy-not-logged"));
    found
}

fn unrecorded_at(line: u64) -> (String, u64, u64, String) {
    ("deploys.csv".to_string(), line, 1, "deny".to_string())
}

/// Builds the portal into a temp folder; the folder and `out/internal`.
fn build(portal: &TempPortal) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = portal.run(&["build", "--out", &out.to_string_lossy(), "--now", NOW]);
    assert!(output.status.success(), "{}", stderr(&output));
    (dir, out.join("internal"))
}

#[test]
fn an_entry_naming_the_change_matches_it_at_any_time() {
    let log = format!("{HEADER}2026-05-01T00:00:00Z,web,v2.1.0,Dana Lee,chg-1\n");
    let portal = portal("", &one_record(), "deploys.csv", &log);
    let (flags, code) = check(&portal);
    assert_eq!(deploy_flags(&flags), [], "{flags:#?}");
    assert_eq!(code, 0, "{flags:#?}");
    let (_dir, internal) = build(&portal);
    let page = std::fs::read_to_string(internal.join("reconciliation/index.html")).unwrap();
    assert!(
        page.contains(r#"<a href="../changes/chg-1.html">CHG-1</a>"#),
        "{page}"
    );
    assert!(page.contains("deploys.csv:2") && page.contains("change id"));
    assert!(page.contains("0 unrecorded"), "{page}");
    let record = std::fs::read_to_string(internal.join("changes/chg-1.html")).unwrap();
    assert!(record.contains(r#"<h2 id="deploy-log">Deploy log</h2>"#));
    assert!(record.contains("<code>v2.1.0</code>") && record.contains("Dana Lee"));
    let dashboard = std::fs::read_to_string(internal.join("index.html")).unwrap();
    assert!(dashboard.contains(r#"href="reconciliation/index.html""#));
}

#[test]
fn an_entry_without_change_matches_within_the_window_both_ends_included() {
    // CHG-1 went live at 10:30:00Z; the default window is 2 hours.
    let log = format!(
        "{HEADER}\
         2026-03-01T08:29:59Z,api,a0,Dana Lee,\n\
         2026-03-01T08:30:00Z,api,a1,Dana Lee,\n\
         2026-03-01T11:00:00+01:00,api,a2,Dana Lee,\n\
         2026-03-01T12:30:00Z,api,a3,Dana Lee,\n\
         2026-03-01T12:30:01Z,api,a4,Dana Lee,\n\
         2026-03-01T10:30:00Z,web,a5,Dana Lee,\n"
    );
    let portal = portal("", &one_record(), "deploys.csv", &log);
    let (flags, code) = check(&portal);
    assert_eq!(
        deploy_flags(&flags),
        [unrecorded_at(2), unrecorded_at(6), unrecorded_at(7)],
        "{flags:#?}"
    );
    assert_eq!(code, 1);
    let message = flags.iter().find(|f| f["line"] == 6).unwrap()["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("a4") && message.contains("within 2 hours"),
        "{message}"
    );
}

#[test]
fn deploy_match_hours_sets_the_window() {
    let log = format!(
        "{HEADER}2026-03-01T09:30:00Z,api,a1,Dana Lee,\n2026-03-01T09:29:59Z,api,a2,Dana Lee,\n"
    );
    let one_hour = common::PORTAL_YAML.replace("policy:\n", "policy:\n  deploy_match_hours: 1\n");
    assert_ne!(
        one_hour,
        common::PORTAL_YAML,
        "the fixture has a policy section"
    );
    let portal = TempPortal::with_config(&format!("{one_hour}deploy_log: deploys.csv\n"));
    portal.record("chg-1.md", &normal_record("CHG-1"));
    portal.write("deploys.csv", log.as_bytes());
    let (flags, _) = check(&portal);
    assert_eq!(deploy_flags(&flags), [unrecorded_at(3)], "{flags:#?}");
}

#[test]
fn an_unknown_change_id_is_unrecorded_even_inside_the_window() {
    let log = format!("{HEADER}2026-03-01T10:30:00Z,api,a1,Dana Lee,CHG-404\n");
    let portal = portal("", &one_record(), "deploys.csv", &log);
    let (flags, code) = check(&portal);
    let mut expected = vec![unrecorded_at(2)];
    expected.push((
        "content/changes/chg-1.md".to_string(),
        DEPLOYED_LINE,
        1,
        "warn".to_string(),
    ));
    assert_eq!(deploy_flags(&flags), expected, "{flags:#?}");
    assert_eq!(code, 1);
    let unrecorded = flags
        .iter()
        .find(|f| f["code"] == "unrecorded-deploy")
        .unwrap();
    assert!(unrecorded["message"].as_str().unwrap().contains("CHG-404"));
    assert!(unrecorded.get("record").is_none());
}

#[test]
fn a_deployed_record_of_a_covered_system_without_entry_is_not_logged() {
    let records = vec![
        ("chg-1.md", normal_record("CHG-1")),
        (
            "chg-2.md",
            normal_record("CHG-2").replace("10:30:00Z", "16:30:00Z"),
        ),
        // Close case: a system the log never mentions.
        (
            "chg-3.md",
            normal_record("CHG-3").replace("systems: [api]", "systems: [web]"),
        ),
        // Close case: not deployed yet.
        (
            "chg-4.md",
            normal_record("CHG-4")
                .replace("status: deployed", "status: scheduled")
                .replace("deployed: 2026-03-01T10:30:00Z\n", ""),
        ),
    ];
    let log = format!("{HEADER}2026-03-01T10:00:00Z,api,a1,Dana Lee,\n");
    let portal = portal("", &records, "deploys.csv", &log);
    let (flags, code) = check(&portal);
    assert_eq!(
        deploy_flags(&flags),
        [(
            "content/changes/chg-2.md".to_string(),
            DEPLOYED_LINE,
            1,
            "warn".to_string()
        )],
        "{flags:#?}"
    );
    assert_eq!(code, 0, "deploy-not-logged is a warning");
    let (_dir, internal) = build(&portal);
    let page = std::fs::read_to_string(internal.join("reconciliation/index.html")).unwrap();
    let unlogged = page.split(r#"id="entries""#).next().unwrap_or_default();
    assert!(
        unlogged.contains("CHG-2") && !unlogged.contains("CHG-1<"),
        "{page}"
    );
}

#[test]
fn json_lines_and_csv_reconcile_the_same() {
    let csv = format!(
        "{HEADER}2026-03-01T10:00:00Z,api,a1,Dana Lee,\n2026-06-01T10:00:00Z,api,a2,Sam Ortiz,\n"
    );
    let jsonl = "{\"at\":\"2026-03-01T10:00:00Z\",\"system\":\"api\",\"ref\":\"a1\",\"deployed_by\":\"Dana Lee\"}\n\
                 {\"at\":\"2026-06-01T10:00:00Z\",\"system\":\"api\",\"ref\":\"a2\",\"deployed_by\":\"Sam Ortiz\",\"change\":null}\n";
    let from_csv = portal("", &one_record(), "deploys.csv", &csv);
    let from_jsonl = portal("", &one_record(), "deploys.jsonl", jsonl);
    let (csv_flags, _) = check(&from_csv);
    let (json_flags, _) = check(&from_jsonl);
    assert_eq!(deploy_flags(&csv_flags), [unrecorded_at(3)]);
    assert_eq!(
        deploy_flags(&json_flags),
        [("deploys.jsonl".to_string(), 2, 1, "deny".to_string())]
    );
}

#[test]
fn malformed_rows_are_diagnostics_at_their_line_and_block_the_build() {
    let log = format!(
        "{HEADER}\
         2026-02-30T10:00:00Z,api,a1,Dana Lee,\n\
         2026-03-01T10:00:00Z,api,a2\n\
         2026-03-01T10:00:00Z,api,a3,Dana Lee,CHG-1\n"
    );
    let portal = portal("", &one_record(), "deploys.csv", &log);
    let (flags, code) = check(&portal);
    let invalid = flags_of(&flags, "invalid-record");
    assert_eq!(
        invalid,
        [
            ("deploys.csv".to_string(), 2, 1, "deny".to_string()),
            ("deploys.csv".to_string(), 3, 1, "deny".to_string()),
        ],
        "{flags:#?}"
    );
    assert!(flags[0]["message"].as_str().unwrap().contains("2026-02-30"));
    assert_eq!(code, 1);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = portal.run(&["build", "--out", &out.to_string_lossy(), "--now", NOW]);
    assert!(!output.status.success());
    assert!(
        !out.exists(),
        "a log that cannot be read must not be published over"
    );
    let human = portal.run(&["check", "--now", NOW]);
    let report = format!("{}{}", stdout(&human), stderr(&human));
    assert!(report.contains("deploys.csv:3:1"), "{report}");

    let jsonl = "{\"at\":\"2026-03-01T10:00:00Z\",\"system\":\"api\",\"ref\":\"a1\",\"deployed_by\":\"D\",\"sha\":\"x\"}\n";
    let portal = self::portal("", &one_record(), "deploys.jsonl", jsonl);
    let (flags, _) = check(&portal);
    let unknown = flags
        .iter()
        .find(|f| f["code"] == "invalid-record")
        .unwrap();
    assert_eq!(
        (unknown["line"].as_u64(), unknown["column"].as_u64()),
        (Some(1), Some(74))
    );
    assert!(unknown["message"]
        .as_str()
        .unwrap()
        .contains("unknown key `sha`"));
}

#[test]
fn a_log_outside_the_portal_is_refused() {
    let portal = portal("", &one_record(), "deploys.csv", HEADER);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("deploys.csv"), HEADER).unwrap();

    let escaping = format!("{}deploy_log: ../deploys.csv\n", common::PORTAL_YAML);
    std::fs::write(portal.root().join("portal.yaml"), escaping).unwrap();
    let output = portal.run(&["check", "--now", NOW]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(format!("{}{}", stdout(&output), stderr(&output)).contains("deploy_log"));

    let absolute = format!(
        "{}deploy_log: {}\n",
        common::PORTAL_YAML,
        outside.path().join("deploys.csv").display()
    );
    std::fs::write(portal.root().join("portal.yaml"), absolute).unwrap();
    assert_eq!(portal.run(&["check", "--now", NOW]).status.code(), Some(2));

    #[cfg(unix)]
    {
        let linked = format!("{}deploy_log: deploys.csv\n", common::PORTAL_YAML);
        std::fs::write(portal.root().join("portal.yaml"), linked).unwrap();
        std::fs::remove_file(portal.root().join("deploys.csv")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("deploys.csv"),
            portal.root().join("deploys.csv"),
        )
        .unwrap();
        let (flags, code) = check(&portal);
        assert_eq!(code, 1);
        let refused = flags_of(&flags, "invalid-record");
        assert_eq!(
            refused,
            [("deploys.csv".to_string(), 1, 1, "deny".to_string())]
        );
        let message = flags[0]["message"].as_str().unwrap();
        assert!(message.contains("outside the portal"), "{message}");
    }
}

#[test]
fn the_log_s_deployer_is_a_deployer_of_the_record() {
    // Omar Haddad approved CHG-1 and, per the log, deployed it (the record
    // has no `deployed_by`): `deployer-approved` at his approval, which does
    // not count (SPEC 3, 4).
    let log = format!("{HEADER}2026-03-01T10:31:00Z,api,a1,omar  haddad,\n");
    let portal = portal("", &one_record(), "deploys.csv", &log);
    let now = Timestamp::parse(NOW).unwrap();
    let analysis = Build::new(portal.root(), now).analyze().unwrap();
    let reconciliation = analysis.reconciliation.as_ref().expect("a deploy log");
    assert_eq!(reconciliation.deployers_of(0), ["omar  haddad"]);
    let (flags, _) = check(&portal);
    let approved = flags_of(&flags, "deployer-approved");
    assert_eq!(approved.len(), 1, "{flags:#?}");
    assert_eq!(approved[0].0, "content/changes/chg-1.md");
    assert_eq!(approved[0].3, "warn");
    let (_dir, internal) = build(&portal);
    let page = std::fs::read_to_string(internal.join("changes/chg-1.html")).unwrap();
    let row = page
        .split("<tr>")
        .find(|row| row.contains("Omar Haddad"))
        .expect("Omar Haddad's approval row");
    assert!(
        row.contains(
            r#"<span class="bad">not counted</span>: given by the person who deployed the change"#
        ),
        "{row}"
    );
    let json: Value =
        serde_json::from_slice(&std::fs::read(internal.join("export/changes.json")).unwrap())
            .unwrap();
    let omar = &json["records"][0]["approvals"][1];
    assert_eq!(omar["by"], "Omar Haddad");
    assert_eq!(omar["counted"], false);
}

#[test]
fn the_export_carries_the_reconciliation_columns() {
    let records = vec![
        ("chg-1.md", normal_record("CHG-1")),
        (
            "chg-2.md",
            normal_record("CHG-2").replace("systems: [api]", "systems: [web]"),
        ),
    ];
    let log = format!("{HEADER}2026-03-01T11:00:00+01:00,api,a1,Dana Lee,\n");
    let portal = portal("", &records, "deploys.csv", &log);
    let (_dir, internal) = build(&portal);
    let text = std::fs::read_to_string(internal.join("export/changes.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let rows = json["records"].as_array().unwrap();
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(row("CHG-1")["logged"], true);
    assert_eq!(row("CHG-1")["log_entries"][0]["at"], "2026-03-01T10:00:00Z");
    assert_eq!(row("CHG-1")["log_entries"][0]["source"], "deploys.csv:2");
    assert_eq!(row("CHG-2")["logged"], false);
    let csv = std::fs::read_to_string(internal.join("export/changes.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let logged = headers.iter().position(|h| h == "logged").unwrap();
    let entries = headers.iter().position(|h| h == "log_entries").unwrap();
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[logged], "yes");
    assert_eq!(&first[entries], "2026-03-01T10:00:00Z api a1 by Dana Lee");
    // The manifest's population hash covers the reconciliation columns: it
    // is of `changes.json`'s records as they are, compact (docs/outputs.md).
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(internal.join("export/manifest.json")).unwrap())
            .unwrap();
    let compact = common::minify(&text);
    let records = compact
        .split_once("\"records\":")
        .and_then(|(_, rest)| rest.strip_suffix('}'))
        .unwrap();
    assert!(records.contains("\"log_entries\":[{\"at\""), "{records}");
    assert_eq!(
        manifest["population_sha256"],
        common::sha256_hex(records.as_bytes())
    );
}
