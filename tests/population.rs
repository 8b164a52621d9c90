//! One population per period (SPEC 6): `export` and `sample` agree on it over
//! generated portals; samples grow as supersets; the default sample size
//! follows the audit table; the workpaper's verdicts agree with each sampled
//! record's flags, and the audit site's workpaper page with the CSV.

mod common;

use common::{stderr, stdout, TempPortal};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const NOW: &str = "2027-02-01";

/// A standard change (no approval rules) with `status`, deployed `deployed`.
fn record(id: &str, status: &str, class: &str, deployed: Option<&str>) -> String {
    let deployed = deployed.map_or_else(String::new, |at| format!("deployed: {at}\n"));
    format!(
        "---\nid: {id}\ntitle: Change {id}\ntype: maintenance\nclass: {class}\nstatus: {status}\nauthor: Sam Writer\ncreated: 2025-12-01\n{deployed}testing: Tested.\n---\nBody.\n"
    )
}

fn run_json(portal: &TempPortal, args: &[&str]) -> Result<serde_json::Value, TestCaseError> {
    let output = portal.run(args);
    if !output.status.success() {
        return Err(TestCaseError::fail(format!(
            "{args:?}: {}",
            stderr(&output)
        )));
    }
    serde_json::from_str(&stdout(&output)).map_err(|e| TestCaseError::fail(e.to_string()))
}

fn ids(json: &serde_json::Value) -> BTreeSet<String> {
    json["records"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .filter_map(|r| r["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A generated record: status, and the day of 2026 it was deployed on
/// (days -3..368 reach into the neighbouring years), at an hour.
fn record_strategy() -> impl Strategy<Value = (&'static str, i64, u32)> {
    (
        prop::sample::select(vec![
            "deployed",
            "rolled_back",
            "deployed",
            "proposed",
            "cancelled",
            "scheduled",
        ]),
        -3i64..368,
        0u32..24,
    )
}

fn day(offset: i64) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(offset)
}

#[test]
fn export_and_sample_at_the_largest_size_give_the_same_ids() {
    let strategy = (
        prop::collection::vec(record_strategy(), 0..14),
        0i64..366,
        0i64..120,
    );
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 12,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let outcome = runner.run(&strategy, |(records, from, length)| {
        let portal = TempPortal::new();
        for (n, (status, offset, hour)) in records.iter().enumerate() {
            // Undeployed records may still carry a `deployed` date: only
            // the status says a change went live.
            let deployed = format!("{}T{hour:02}:30:00Z", day(*offset));
            portal.record(
                &format!("R{n}.md"),
                &record(&format!("R{n:02}"), status, "standard", Some(&deployed)),
            );
        }
        let (from, to) = (day(from).to_string(), day(from + length).to_string());
        let period = ["--from", &from, "--to", &to, "--now", NOW];
        let exported = run_json(
            &portal,
            &[&["export", "--format", "json"][..], &period].concat(),
        )?;
        let sampled = run_json(
            &portal,
            &[
                &[
                    "sample", "--format", "json", "--size", "1000", "--seed", "3",
                ][..],
                &period,
            ]
            .concat(),
        )?;
        let expected: BTreeSet<String> = records
            .iter()
            .enumerate()
            .filter(|(_, (status, offset, _))| {
                matches!(*status, "deployed" | "rolled_back")
                    && (from.as_str()..=to.as_str()).contains(&day(*offset).to_string().as_str())
            })
            .map(|(n, _)| format!("R{n:02}"))
            .collect();
        prop_assert_eq!(&ids(&exported), &expected);
        prop_assert_eq!(&ids(&sampled), &expected);
        prop_assert_eq!(&exported["count"], &serde_json::json!(expected.len()));
        prop_assert_eq!(&sampled["population"], &serde_json::json!(expected.len()));
        Ok(())
    });
    if let Err(error) = outcome {
        panic!("{error}");
    }
}

/// A portal with `n` deployed changes, one a day from 2026-01-01, every
/// fourth of class `normal`, the rest `standard`.
fn daily(n: usize) -> TempPortal {
    let portal = TempPortal::new();
    for i in 0..n {
        let class = if i % 4 == 0 { "normal" } else { "standard" };
        let deployed = format!("{}T10:00:00Z", day(i as i64));
        portal.record(
            &format!("D{i:03}.md"),
            &record(&format!("D{i:03}"), "deployed", class, Some(&deployed)),
        );
    }
    portal
}

#[test]
fn a_larger_size_with_the_same_seed_is_a_superset() {
    let portal = daily(60);
    let mut previous = BTreeSet::new();
    for size in ["1", "2", "5", "13", "40", "60", "61"] {
        let args = [
            "sample", "--format", "json", "--size", size, "--seed", "2026", "--now", NOW,
        ];
        let drawn = ids(&run_json(&portal, &args).unwrap());
        assert_eq!(drawn.len(), size.parse::<usize>().unwrap().min(60));
        assert!(
            previous.is_subset(&drawn),
            "size {size}: {previous:?} not in {drawn:?}"
        );
        previous = drawn;
    }
}

#[test]
fn default_sizes_follow_the_audit_table() {
    let portal = daily(251);
    for (population, size) in [(5, 5), (6, 5), (50, 5), (51, 6), (250, 25), (251, 25)] {
        let to = day(population - 1).to_string();
        let args = [
            "sample", "--format", "json", "--to", &to, "--seed", "1", "--now", NOW,
        ];
        let json = run_json(&portal, &args).unwrap();
        assert_eq!(json["population"], population, "population to {to}");
        assert_eq!(json["size"], size, "default size for {population}");
        assert_eq!(ids(&json).len(), size as usize);
    }
}

#[test]
fn class_strata_restrict_the_population() {
    let portal = daily(20);
    let args = [
        "sample", "--format", "json", "--class", "normal", "--size", "100", "--now", NOW,
    ];
    let json = run_json(&portal, &args).unwrap();
    let expected: BTreeSet<String> = (0..20).step_by(4).map(|i| format!("D{i:03}")).collect();
    assert_eq!(ids(&json), expected);
    assert_eq!(json["classes"], serde_json::json!(["normal"]));
    let both = [
        "sample", "--format", "json", "--class", "normal", "--class", "standard", "--now", NOW,
    ];
    assert_eq!(run_json(&portal, &both).unwrap()["population"], 20);
}

/// The workpaper's mapping as the tests state it: attribute -> the flag
/// codes that fail it.
const FAILING_CODES: &[(&str, &[&str])] = &[
    (
        "approved_before_deploy",
        &[
            "missing-approval",
            "insufficient-approval",
            "approval-after-deploy",
            "rejected-but-deployed",
        ],
    ),
    (
        "approvers_authorised",
        &["approver-not-on-board", "unauthorized-emergency"],
    ),
    ("segregation_of_duties", &["self-approval"]),
    ("rollback_plan", &["missing-rollback-plan"]),
    ("review_in_time", &["missing-review"]),
    (
        "post_incident_in_time",
        &["missing-post-incident", "policy-review-pending"],
    ),
    ("notice_met", &["notice-too-short"]),
];

fn example_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example(args: &[&str]) -> String {
    let root = example_root().to_string_lossy().into_owned();
    let output = common::run_in(
        example_root(),
        &[args, &["--root", &root, "--now", "2026-11-24"]].concat(),
    );
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output)
}

/// Workpaper CSV rows by id: column name -> cell.
fn workpaper_rows(csv_text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|row| {
            let row = row.unwrap();
            let cells: BTreeMap<String, String> = headers
                .iter()
                .zip(row.iter())
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect();
            (cells["id"].clone(), cells)
        })
        .collect()
}

#[test]
fn the_example_workpaper_for_2026_agrees_with_the_flags() {
    let period = [
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--seed",
        "15",
        "--size",
        "1000",
    ];
    let sample: serde_json::Value = serde_json::from_str(&example(
        &[&["sample", "--format", "json"][..], &period].concat(),
    ))
    .unwrap();
    let workpaper_csv = example(&[&["sample", "--format", "workpaper"][..], &period].concat());
    let workpaper = workpaper_rows(&workpaper_csv);
    // The attribute columns, in order: between `deployed` and `evidence_page`.
    let header: Vec<String> = workpaper_csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let attributes = &header[4..header.len() - 1];
    assert_eq!(attributes.len(), 9, "{header:?}");
    let records = sample["records"].as_array().unwrap();
    assert!(
        records.len() >= 20,
        "the example has a real 2026 population"
    );
    assert_eq!(workpaper.len(), records.len());
    let mut failures = 0;
    for record in records {
        let id = record["id"].as_str().unwrap();
        let row = &workpaper[id];
        let codes: BTreeSet<&str> = record["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        for (attribute, failing) in FAILING_CODES {
            let flagged = failing.iter().any(|code| codes.contains(code));
            let verdict = row[*attribute].as_str();
            assert!(
                ["pass", "fail", "n/a"].contains(&verdict),
                "{id} {attribute}: {verdict}"
            );
            if flagged {
                assert_eq!(verdict, "fail", "{id} {attribute}: flags {codes:?}");
                failures += 1;
            } else {
                assert_ne!(verdict, "fail", "{id} {attribute}: no flag but fail");
            }
        }
        let testing = row["testing_evidence"].as_str();
        match record["class"].as_str().unwrap() {
            "standard" => assert_eq!(testing, "n/a", "{id}"),
            _ if record["testing"] == true => assert_eq!(testing, "pass", "{id}"),
            _ => assert_eq!(testing, "fail", "{id}"),
        }
        assert_eq!(
            row["evidence_page"],
            record["evidence_page"].as_str().unwrap()
        );
    }
    assert!(
        failures > 0,
        "the example's flagged records show up as fails"
    );

    // The audit site's workpaper page for 2026 shows the same verdicts.
    let (_dir, out) = common::site::build_example();
    let html = std::fs::read_to_string(out.join("internal/workpaper/2026/index.html")).unwrap();
    for (id, row) in &workpaper {
        let start = html
            .find(&format!(">{id}</a>"))
            .unwrap_or_else(|| panic!("{id} not on the page"));
        let line = &html[start..start + html[start..].find("</tr>").unwrap()];
        let shown: Vec<&str> = line
            .split("<td class=\"verdict ")
            .skip(1)
            .filter_map(|cell| {
                cell.split_once('>')
                    .and_then(|(_, rest)| rest.split_once('<'))
                    .map(|(v, _)| v)
            })
            .collect();
        let expected: Vec<&str> = attributes.iter().map(|a| row[a].as_str()).collect();
        assert_eq!(shown, expected, "{id}: {line}");
    }
}
