//! Property tests over generated portals (a handful of records with random
//! visibility, status, class, dates, embargo and marker spelling, and a
//! distinct canary string in every internal field and internal body part):
//!
//! (a) the public tree holds no canary of an internal field, an internal body
//!     part, an internal record or an embargoed record;
//! (b) every record appears exactly once in the internal records table, and
//!     in `export/changes.csv` exactly when it went live (the population);
//! (c) two builds with the same `--now` are byte-identical;
//! (d) `check --format json` and `build --format json` report the same flags.
//!
//! Runs are deterministic: fixed ChaCha seeds, no failure persistence. (a)-(c)
//! call the library in-process (the same Build API the `build` command
//! runs) to keep each case cheap; (d) runs the binary.

mod common;

use changeportal::build::Build;
use changeportal::model::Timestamp;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The build's "now" in every case.
const NOW: &str = "2026-11-24";

/// One generated record.
#[derive(Debug, Clone)]
struct RecordSpec {
    id: String,
    public: bool,
    change_type: &'static str,
    class: &'static str,
    status: &'static str,
    risk: &'static str,
    /// Days after 2025-01-01 (about two years, around `NOW`).
    created: i64,
    scheduled: Option<i64>,
    deployed: Option<i64>,
    embargo: Option<i64>,
    tiers: Option<Vec<&'static str>>,
    systems: Vec<&'static str>,
    approvals: usize,
    marker: &'static str,
    with_public_body: bool,
}

/// The exact marker and look-alikes (all hide what follows).
const MARKERS: &[&str] = &[
    "<!-- internal -->",
    "<!--internal-->",
    "<!-- Internal -->",
    "  <!-- internal -->",
    "<!-- internal: ops notes below, do not publish -->",
    "<!-- internal --> ZqSameLineX",
    "> <!-- internal -->",
    "- <!--INTERNAL-->",
    "1. <!-- iNtErNaL below -->",
    "<!--\u{200B}internal -->",
    "\u{FEFF}<!-- internal -->",
    "<!---- internal ---->",
    "<!--\u{00A0}internal\u{00A0}-->",
    "<!--\n internal\n-->",
];

const TYPES: &[&str] = &[
    "feature",
    "improvement",
    "bugfix",
    "hotfix",
    "security",
    "maintenance",
    "deprecation",
    "infrastructure",
];
const CLASSES: &[&str] = &["standard", "normal", "emergency"];
const STATUSES: &[&str] = &[
    "proposed",
    "approved",
    "rejected",
    "scheduled",
    "in_progress",
    "deployed",
    "rolled_back",
    "cancelled",
];
const RISKS: &[&str] = &["low", "medium", "high"];
const TIERS: &[&str] = &["enterprise", "business", "standard"];
const SYSTEMS: &[&str] = &["api", "web"];

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    proptest::sample::select(options)
}

fn day() -> impl Strategy<Value = i64> {
    0i64..760
}

fn record_spec(index: usize) -> impl Strategy<Value = RecordSpec> {
    let basics = (
        any::<bool>(),
        pick(TYPES),
        pick(CLASSES),
        pick(STATUSES),
        pick(RISKS),
        any::<bool>(),
    );
    let dates = (
        day(),
        proptest::option::of(day()),
        day(),
        proptest::option::weighted(0.3, day()),
    );
    let extras = (
        proptest::option::of(proptest::sample::subsequence(TIERS, 1..=3)),
        proptest::sample::subsequence(SYSTEMS, 0..=2),
        0usize..4,
        pick(MARKERS),
        any::<bool>(),
    );
    (basics, dates, extras).prop_map(
        move |(
            (public, change_type, class, status, risk, upper),
            (created, scheduled, deployed, embargo),
            (tiers, systems, approvals, marker, with_public_body),
        )| {
            let live = matches!(status, "deployed" | "rolled_back");
            RecordSpec {
                id: format!("{}-{index}", if upper { "CHG" } else { "chg" }),
                public,
                change_type,
                class,
                status,
                risk,
                created,
                scheduled,
                deployed: live.then_some(created + deployed % 90),
                embargo,
                tiers,
                systems,
                approvals,
                marker,
                with_public_body,
            }
        },
    )
}

/// A portal of 1 to 6 records with distinct ids.
fn portal_spec() -> impl Strategy<Value = Vec<RecordSpec>> {
    (1usize..=6).prop_flat_map(|count| (0..count).map(record_spec).collect::<Vec<_>>())
}

fn date(days: i64) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    (start + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

fn instant(days: i64) -> String {
    format!("{}T10:30:00Z", date(days))
}

/// A canary: a word that appears nowhere but where it was put.
fn canary(kind: &str, id: &str) -> String {
    format!("Zq{kind}X{}Qz", id.replace('-', ""))
}

impl RecordSpec {
    fn is_embargoed(&self) -> bool {
        let now = Timestamp::parse(NOW).expect("now");
        self.embargo
            .is_some_and(|days| Timestamp::parse(&instant(days)).expect("date") > now)
    }

    /// Whether nothing of the record may reach the public site.
    fn is_hidden(&self) -> bool {
        !self.public || self.is_embargoed()
    }

    /// The record file, and the canaries that must never be public.
    fn render(&self) -> (String, Vec<String>) {
        let id = &self.id;
        let secret = |kind: &str| canary(kind, id);
        let mut internal = vec![
            secret("Author"),
            secret("Testing"),
            secret("Rollback"),
            secret("Link"),
            secret("InternalBody"),
        ];
        // A hidden record's public-facing text is secret too.
        let (title, summary, public_body) = if self.is_hidden() {
            internal.extend([secret("Title"), secret("Summary")]);
            if self.with_public_body {
                internal.push(secret("PublicBody"));
            }
            (secret("Title"), secret("Summary"), secret("PublicBody"))
        } else {
            (
                format!("Visible change {id}"),
                format!("Customers see {id}."),
                format!("What changes for customers in {id}."),
            )
        };
        let mut text = String::from("---\n");
        let mut field = |line: String| {
            text.push_str(&line);
            text.push('\n');
        };
        field(format!("id: {id}"));
        field(format!("title: {title}"));
        field(format!("type: {}", self.change_type));
        field(format!("class: {}", self.class));
        field(format!("status: {}", self.status));
        field(format!("risk: {}", self.risk));
        field(format!(
            "visibility: {}",
            if self.public { "public" } else { "internal" }
        ));
        field(format!("summary: {summary}"));
        field(format!("author: {}", secret("Author")));
        field(format!("created: {}", date(self.created)));
        if let Some(days) = self.scheduled {
            field(format!("scheduled: {}", instant(days)));
        }
        if let Some(days) = self.deployed {
            field(format!("deployed: {}", instant(days)));
        }
        if let Some(days) = self.embargo {
            field(format!("embargo_until: {}", instant(days)));
        }
        if let Some(tiers) = &self.tiers {
            field(format!("tiers: [{}]", tiers.join(", ")));
        }
        field(format!("systems: [{}]", self.systems.join(", ")));
        if self.approvals > 0 {
            field("approvals:".to_string());
            for index in 0..self.approvals {
                let by = secret(&format!("Approver{index}"));
                let note = secret(&format!("ApprovalNote{index}"));
                field(format!(
                    "  - {{ by: {by}, role: engineering, decision: approve, at: {}, note: {note} }}",
                    instant(self.created)
                ));
                internal.extend([by, note]);
            }
        }
        field(format!("testing: {}", secret("Testing")));
        field(format!("rollback: {}", secret("Rollback")));
        field(format!(
            "links: [https://tickets.example/{}]",
            secret("Link")
        ));
        if self.class == "emergency" {
            let (reason, by) = (secret("EmergencyReason"), secret("Decider"));
            field(format!(
                "emergency: {{ reason: {reason}, declared_by: {by}, declared_at: {} }}",
                instant(self.created)
            ));
            internal.extend([reason, by]);
        }
        if let Some(days) = self.deployed {
            let reviewer = secret("Reviewer");
            field(format!(
                "review: {{ by: {reviewer}, at: {}, note: {} }}",
                instant(days + 1),
                secret("ReviewNote")
            ));
            field(format!(
                "timeline:\n  - {{ at: {}, note: {} }}",
                instant(days),
                secret("TimelineNote")
            ));
            field(format!(
                "post_incident: {{ at: {}, lessons: {}, policy_review: none }}",
                instant(days + 2),
                secret("Lessons")
            ));
            internal.extend([
                reviewer,
                secret("ReviewNote"),
                secret("TimelineNote"),
                secret("Lessons"),
            ]);
        }
        text.push_str("---\n");
        if self.with_public_body {
            let _ = writeln!(text, "{public_body}\n\n## Details\n\nMore for {id}.\n");
        }
        let _ = writeln!(
            text,
            "{}\n{}\n\n## {} notes\n",
            self.marker,
            secret("InternalBody"),
            secret("InternalBody")
        );
        if self.is_hidden() {
            internal.push(id.to_lowercase());
        }
        // Text after a look-alike marker on its own line is internal too.
        if self.marker.contains("ZqSameLineX") {
            internal.push("ZqSameLineX".to_string());
        }
        (text, internal)
    }
}

/// A generated portal on disk, and every canary in it.
struct Generated {
    dir: tempfile::TempDir,
    canaries: Vec<String>,
}

impl Generated {
    fn new(records: &[RecordSpec]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("content/changes")).expect("mkdir");
        std::fs::write(dir.path().join("portal.yaml"), common::PORTAL_YAML).expect("config");
        let mut canaries = Vec::new();
        for spec in records {
            let (text, secrets) = spec.render();
            let path = dir.path().join(format!("content/changes/{}.md", spec.id));
            std::fs::write(path, text).expect("record");
            canaries.extend(secrets);
        }
        Self { dir, canaries }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Builds in-process into `out`, as `build --now NOW` does.
    fn build(&self, out: &str) -> Result<(), TestCaseError> {
        let now = Timestamp::parse(NOW).expect("now");
        let build = Build::new(self.root(), now);
        let analysis = build
            .analyze()
            .map_err(|e| TestCaseError::fail(format!("config error: {e:?}")))?;
        let buildable = analysis.buildable(false).map_err(|_| {
            TestCaseError::fail(format!(
                "a generated record did not parse: {:?}",
                analysis.flags
            ))
        })?;
        build
            .write(buildable, &self.root().join(out))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        Ok(())
    }
}

/// Every file below `dir`, by relative path.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let relative = entry
                .path()
                .strip_prefix(dir)
                .expect("below dir")
                .to_string_lossy()
                .into_owned();
            (relative, std::fs::read(entry.path()).expect("read"))
        })
        .collect()
}

/// Runs `test` on `cases` generated portals from a fixed seed.
fn check_property(
    seed: u8,
    cases: u32,
    test: impl Fn(Vec<RecordSpec>) -> Result<(), TestCaseError>,
) {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    if let Err(error) = runner.run(&portal_spec(), test) {
        panic!("{error}");
    }
}

#[test]
fn public_tree_holds_no_internal_or_embargoed_text() {
    check_property(1, 160, |records| {
        let portal = Generated::new(&records);
        portal.build("out")?;
        let public = read_tree(&portal.root().join("out/public"));
        prop_assert!(public.contains_key("index.html"));
        for (path, bytes) in &public {
            let text = String::from_utf8_lossy(bytes).to_lowercase();
            for secret in &portal.canaries {
                prop_assert!(
                    !text.contains(&secret.to_lowercase()),
                    "public/{path} contains `{secret}`"
                );
            }
        }
        // The canaries are real text the build carries: the internal site,
        // which shows every field, has each of them.
        let internal: String = read_tree(&portal.root().join("out/internal"))
            .values()
            .map(|bytes| String::from_utf8_lossy(bytes).to_lowercase())
            .collect();
        for secret in &portal.canaries {
            prop_assert!(
                internal.contains(&secret.to_lowercase()),
                "`{}` is nowhere on the internal site",
                secret
            );
        }
        Ok(())
    });
}

#[test]
fn every_record_is_listed_once_in_the_records_table_and_live_ones_in_the_csv() {
    check_property(2, 160, |records| {
        let portal = Generated::new(&records);
        portal.build("out")?;
        let internal = portal.root().join("out/internal");
        let table = std::fs::read_to_string(internal.join("records/index.html"))
            .map_err(|e| TestCaseError::fail(format!("records/index.html: {e}")))?;
        let csv_bytes = std::fs::read(internal.join("export/changes.csv"))
            .map_err(|e| TestCaseError::fail(format!("export/changes.csv: {e}")))?;
        let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
        let id_column = reader
            .headers()
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .iter()
            .position(|name| name == "id")
            .ok_or_else(|| TestCaseError::fail("no id column"))?;
        let mut csv_ids = Vec::new();
        for row in reader.records() {
            let row = row.map_err(|e| TestCaseError::fail(e.to_string()))?;
            csv_ids.push(row.get(id_column).unwrap_or_default().to_string());
        }
        for spec in &records {
            let rows = table.matches(&format!("data-id=\"{}\"", spec.id)).count();
            prop_assert_eq!(rows, 1, "{} rows for {} in the table", rows, spec.id);
            let in_csv = csv_ids.iter().filter(|id| **id == spec.id).count();
            let live = usize::from(matches!(spec.status, "deployed" | "rolled_back"));
            prop_assert_eq!(
                in_csv,
                live,
                "{} CSV rows for {} ({})",
                in_csv,
                spec.id,
                spec.status
            );
        }
        prop_assert_eq!(
            csv_ids.len(),
            records
                .iter()
                .filter(|r| matches!(r.status, "deployed" | "rolled_back"))
                .count()
        );
        Ok(())
    });
}

#[test]
fn two_builds_with_the_same_now_are_byte_identical() {
    check_property(3, 64, |records| {
        let portal = Generated::new(&records);
        portal.build("first")?;
        portal.build("second")?;
        let first = read_tree(&portal.root().join("first"));
        let second = read_tree(&portal.root().join("second"));
        prop_assert_eq!(
            first.keys().collect::<Vec<_>>(),
            second.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &first {
            prop_assert!(bytes == &second[path], "{} differs between builds", path);
        }
        Ok(())
    });
}

#[test]
fn check_and_build_report_the_same_flags() {
    check_property(4, 40, |records| {
        let portal = Generated::new(&records);
        let checked = common::run_in(portal.root(), &["check", "--format", "json", "--now", NOW]);
        let built = common::run_in(
            portal.root(),
            &["build", "--format", "json", "--now", NOW, "--out", "out"],
        );
        prop_assert!(built.status.success(), "{}", common::stderr(&built));
        prop_assert!(
            !common::stdout(&checked).is_empty() || checked.status.success(),
            "check failed without flags: {}",
            common::stderr(&checked)
        );
        prop_assert_eq!(common::stdout(&checked), common::stdout(&built));
        Ok(())
    });
}
