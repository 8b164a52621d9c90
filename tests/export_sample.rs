//! `export` and `sample`, and the site's `export/changes.csv|json`: the
//! population (records deployed in the period) parses with a real CSV
//! reader and JSON parser, round-trips awkward titles, carries its metadata
//! and RFC 3339 instants, and samples are reproducible and drawn only from
//! records deployed in the period.

mod common;

use common::{minify, sha256_hex, stderr, stdout, TempPortal};
use std::collections::BTreeSet;

const AWKWARD_TITLE: &str = "Fix \"quoted\" totals, commas, and\na newline";
const FORMULA_TITLE: &str = "=HYPERLINK(\"x\")";

/// A record deployed (or not) at `deployed`, with `status`.
fn record(id: &str, status: &str, created: &str, deployed: Option<&str>, title: &str) -> String {
    let deployed = deployed.map_or_else(String::new, |at| format!("deployed: {at}\n"));
    let title = serde_json::to_string(title).unwrap();
    format!(
        "---\nid: {id}\ntitle: {title}\ntype: improvement\nclass: standard\nstatus: {status}\nauthor: Sam Writer\ncreated: {created}\n{deployed}---\nBody of {id}.\n"
    )
}

/// 40 records deployed one per week from 2026-01-05 (D01..D40), plus
/// records that must never be sampled: proposed, cancelled and scheduled.
fn population() -> TempPortal {
    let portal = TempPortal::new();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    for n in 1..=40 {
        let day = start + chrono::Duration::weeks(n - 1);
        let deployed = format!("{day}T12:00:00Z");
        let status = if n % 10 == 0 {
            "rolled_back"
        } else {
            "deployed"
        };
        let title = if n == 1 {
            AWKWARD_TITLE.to_string()
        } else if n == 2 {
            FORMULA_TITLE.to_string()
        } else {
            format!("Change {n}")
        };
        portal.record(
            &format!("D{n:02}.md"),
            &record(
                &format!("D{n:02}"),
                status,
                "2025-12-01",
                Some(&deployed),
                &title,
            ),
        );
    }
    portal.record(
        "X1.md",
        &record("X1", "proposed", "2026-02-01", None, "Not deployed"),
    );
    portal.record(
        "X2.md",
        &record("X2", "cancelled", "2026-02-01", None, "Cancelled"),
    );
    portal.record(
        "X3.md",
        &record("X3", "in_progress", "2026-02-01", None, "In progress"),
    );
    portal
}

fn run_ok(portal: &TempPortal, args: &[&str]) -> (String, String) {
    let output = portal.run(args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        stderr(&output)
    );
    (stdout(&output), stderr(&output))
}

/// Ids in the first column of CSV `text`.
fn csv_ids(text: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .map(|row| row.unwrap()[0].to_string())
        .collect()
}

#[test]
fn csv_has_one_row_per_record_and_round_trips_awkward_titles() {
    let portal = population();
    let (csv_text, _) = run_ok(
        &portal,
        &["export", "--format", "csv", "--now", "2026-12-01"],
    );
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    for column in [
        "id",
        "title",
        "type",
        "class",
        "status",
        "risk",
        "author",
        "created",
        "scheduled",
        "deployed",
        "deployed_by",
        "approvals",
        "emergency_reason",
        "emergency_declared_by",
        "review_at",
        "review_link",
        "post_incident_at",
        "post_incident_policy_review",
        "post_incident_follow_ups",
        "links",
        "flags",
        "in_policy",
        "file",
        "evidence_page",
    ] {
        assert!(headers.iter().any(|h| h == column), "no {column} column");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        rows.len(),
        40,
        "one row per deployed record, none for X1-X3"
    );
    let title = headers.iter().position(|h| h == "title").unwrap();
    let d01 = rows.iter().find(|r| &r[0] == "D01").unwrap();
    assert_eq!(&d01[title], AWKWARD_TITLE);
    let d02 = rows.iter().find(|r| &r[0] == "D02").unwrap();
    assert_eq!(
        &d02[title],
        &format!("'{FORMULA_TITLE}"),
        "formula cells are neutralised"
    );

    let portal_out = portal.root().join("out");
    run_ok(
        &portal,
        &[
            "build",
            "--now",
            "2026-12-01",
            "--out",
            portal_out.to_str().unwrap(),
        ],
    );
    let site_csv = std::fs::read_to_string(portal_out.join("internal/export/changes.csv")).unwrap();
    assert_eq!(site_csv, csv_text, "the site's CSV is the export command's");
    let site_json =
        std::fs::read_to_string(portal_out.join("internal/export/changes.json")).unwrap();
    let (json_text, _) = run_ok(
        &portal,
        &["export", "--format", "json", "--now", "2026-12-01"],
    );
    assert_eq!(site_json, json_text);
    let export: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(export["generated_at"], "2026-12-01T00:00:00Z");
    assert_eq!(
        export["period"],
        serde_json::json!({"from": null, "to": null})
    );
    assert_eq!(
        export["source"],
        serde_json::Value::Null,
        "not a git repository"
    );
    assert_eq!(export["count"], 40);
    let rows = export["records"].as_array().unwrap();
    assert_eq!(rows.len(), 40);
    assert_eq!(rows[0]["id"], "D01");
    assert_eq!(rows[0]["title"], AWKWARD_TITLE);
    assert_eq!(rows[0]["deployed"], "2026-01-05T12:00:00Z");
    assert_eq!(
        rows[0]["created"], "2025-12-01T00:00:00Z",
        "dates are instants"
    );
    assert_eq!(rows[0]["in_policy"], true);
    assert!(rows[0]["approvals"].as_array().unwrap().is_empty());
    assert_eq!(rows[0]["evidence_page"], "changes/d01.html");
}

#[test]
fn export_period_is_whole_utc_days_of_deployed() {
    let portal = population();
    let (csv_text, _) = run_ok(
        &portal,
        &[
            "export",
            "--from",
            "2026-02-01",
            "--to",
            "2026-02-16",
            "--now",
            "2026-12-01",
        ],
    );
    // D05 (02-02), D06 (02-09), D07 (02-16 12:00, the whole last day
    // counts); the undeployed X records, created 02-01, are no population.
    assert_eq!(csv_ids(&csv_text), ["D05", "D06", "D07"]);
    let (csv_text, _) = run_ok(
        &portal,
        &[
            "export",
            "--from",
            "2026-01-12",
            "--to",
            "2026-01-12",
            "--now",
            "2026-12-01",
        ],
    );
    assert_eq!(csv_ids(&csv_text), ["D02"], "a one-day period");
    for args in [
        ["--from", "2026-02-17", "--to", "2026-02-16"],
        ["--from", "2026-02-01", "--to", "2026-02-16T12:00:00Z"],
    ] {
        for command in ["export", "sample"] {
            let output =
                portal.run(&[&[command][..], &args[..], &["--now", "2026-12-01"]].concat());
            assert_eq!(
                output.status.code(),
                Some(2),
                "{command} {args:?}: {}",
                stderr(&output)
            );
        }
    }
}

/// The ids of a sample printed as a table.
fn table_ids(text: &str) -> Vec<String> {
    text.lines()
        .skip(2)
        .map(|line| line.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn same_seed_same_sample_other_seed_other_sample() {
    let portal = population();
    let args = |seed: &'static str| {
        [
            "sample",
            "--size",
            "8",
            "--seed",
            seed,
            "--now",
            "2026-12-01",
        ]
    };
    let (first, _) = run_ok(&portal, &args("42"));
    assert!(first.starts_with("# sample of 8 from 40 record(s) deployed in all dates; seed 42 (redraw with --seed 42); population sha256 "), "{first}");
    let ids = table_ids(&first);
    assert_eq!(ids.len(), 8);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "printed sorted by id");
    assert_eq!(table_ids(&run_ok(&portal, &args("42")).0), ids);
    assert_ne!(table_ids(&run_ok(&portal, &args("43")).0), ids);

    let (csv_text, note) = run_ok(
        &portal,
        &[
            "sample",
            "--size",
            "8",
            "--seed",
            "42",
            "--format",
            "csv",
            "--now",
            "2026-12-01",
        ],
    );
    assert_eq!(csv_ids(&csv_text), ids, "csv draws the same sample");
    assert!(note.contains("seed 42"), "the seed goes to stderr: {note}");
    let (json_text, _) = run_ok(
        &portal,
        &[
            "sample",
            "--size",
            "8",
            "--seed",
            "42",
            "--format",
            "json",
            "--now",
            "2026-12-01",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(json["seed"], 42);
    assert_eq!(json["population"], 40);
    let (export_json, _) = run_ok(
        &portal,
        &["export", "--format", "json", "--now", "2026-12-01"],
    );
    let compact = minify(&export_json);
    let records = compact
        .split_once("\"records\":")
        .and_then(|(_, rest)| rest.strip_suffix('}'))
        .unwrap();
    assert_eq!(
        json["population_sha256"],
        sha256_hex(records.as_bytes()),
        "the population hash is of export's records, compact, in file order"
    );
    let json_ids: Vec<&str> = json["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(json_ids, ids);
}

#[test]
fn a_sample_without_seed_prints_one_that_redraws_it() {
    let portal = population();
    let (table, _) = run_ok(&portal, &["sample", "--size", "5", "--now", "2026-12-01"]);
    let seed = table
        .split("--seed ")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let (again, _) = run_ok(
        &portal,
        &[
            "sample",
            "--size",
            "5",
            "--seed",
            seed,
            "--now",
            "2026-12-01",
        ],
    );
    assert_eq!(table_ids(&again), table_ids(&table));
}

#[test]
fn samples_come_only_from_records_deployed_in_the_period() {
    let portal = population();
    // 2026-03-01 .. 2026-04-30: D09 (03-02) .. D17 (04-27).
    let allowed: BTreeSet<String> = (9..=17).map(|n| format!("D{n:02}")).collect();
    for seed in 0..25 {
        let seed = seed.to_string();
        let (table, _) = run_ok(
            &portal,
            &[
                "sample",
                "--size",
                "4",
                "--from",
                "2026-03-01",
                "--to",
                "2026-04-30",
                "--seed",
                &seed,
                "--now",
                "2026-12-01",
            ],
        );
        let ids = table_ids(&table);
        assert_eq!(ids.len(), 4);
        assert!(
            ids.iter().all(|id| allowed.contains(id)),
            "seed {seed} drew {ids:?}"
        );
    }
}

#[test]
fn oversized_sample_is_the_whole_population_and_says_so() {
    let portal = population();
    let (table, note) = run_ok(
        &portal,
        &[
            "sample",
            "--size",
            "50",
            "--from",
            "2026-03-01",
            "--to",
            "2026-04-30",
            "--seed",
            "1",
            "--now",
            "2026-12-01",
        ],
    );
    let expected: Vec<String> = (9..=17).map(|n| format!("D{n:02}")).collect();
    assert_eq!(table_ids(&table), expected);
    assert!(note.contains("larger than the population of 9"), "{note}");
    let output = portal.run(&["sample", "--size", "0", "--now", "2026-12-01"]);
    assert_eq!(output.status.code(), Some(2), "--size 0 is a usage error");
}
