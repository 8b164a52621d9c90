//! The dashboard's approval figure agrees with the flags (SPEC 5, issue 12):
//! for every record, "approved in policy" holds exactly when the record has
//! no deny-level flag about approvals, on generated portals (random
//! classes, statuses, approvers on and off the board, the author among
//! them, rejections, approvals before and after deploy and the emergency
//! window, and `lints:` that change the approval flags' levels) and on the
//! example portal.

mod common;

use changeportal::build::{Analysis, Build};
use changeportal::checks::{approvals_in_policy, is_about_approvals, Level};
use changeportal::model::Timestamp;
use changeportal::policy;
use changeportal::render::internal::compliance;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::path::Path;

const NOW: &str = "2026-11-24";

/// Extra `lints:` lines; each changes the level of an approval flag.
const LINTS: &[&str] = &[
    "",
    "lints:\n  approver-not-on-board: deny\n",
    "lints:\n  self-approval: warn\n  approval-after-deploy: allow\n",
    "lints:\n  insufficient-approval: warn\n  rejected-but-deployed: allow\n",
    "lints:\n  deployer-approved: deny\n",
];
const PEOPLE: &[&str] = &[
    "Sam Writer",
    "Alice Chen",
    "Omar Haddad",
    "Priya Nair",
    "Zed Outsider",
];
const ROLES: &[&str] = &["engineering", "operations", "planning"];
const CLASSES: &[&str] = &["standard", "normal", "emergency"];
const STATUSES: &[&str] = &[
    "proposed",
    "approved",
    "scheduled",
    "deployed",
    "rolled_back",
    "cancelled",
];

/// One approval: person, role, decision, hours relative to deploy.
type ApprovalSpec = (usize, usize, bool, i64);
/// One record: class, status, deployer (`deployed_by`), approvals.
type RecordSpec = (usize, usize, Option<usize>, Vec<ApprovalSpec>);

fn approval() -> impl Strategy<Value = ApprovalSpec> {
    (
        0..PEOPLE.len(),
        0..ROLES.len(),
        prop::bool::weighted(0.8),
        -100i64..100,
    )
}

fn record() -> impl Strategy<Value = RecordSpec> {
    (
        0..CLASSES.len(),
        0..STATUSES.len(),
        prop::option::of(0..PEOPLE.len()),
        prop::collection::vec(approval(), 0..5),
    )
}

/// Deployed 2026-11-20 09:00 UTC; created 2026-10-01, before every
/// approval, so that no date flag interferes (inside and outside the two-day emergency
/// window depending on the approval's offset; `NOW` is four days later).
fn text(index: usize, (class, status, deployer, approvals): &RecordSpec) -> String {
    let deployed = chrono::DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z").unwrap();
    let mut text = format!(
        "---\nid: P{index}\ntitle: Change {index}\ntype: feature\nclass: {}\nstatus: {}\nauthor: Sam Writer\ncreated: 2026-10-01\n",
        CLASSES[*class], STATUSES[*status]
    );
    if matches!(STATUSES[*status], "deployed" | "rolled_back") {
        text.push_str("deployed: 2026-11-20T09:00:00Z\n");
    }
    if let Some(person) = deployer {
        text.push_str(&format!("deployed_by: {}\n", PEOPLE[*person]));
    }
    if CLASSES[*class] == "emergency" {
        text.push_str("emergency: { reason: Outage, declared_by: Dana Lee }\n");
    }
    if !approvals.is_empty() {
        text.push_str("approvals:\n");
    }
    for (person, role, approve, hours) in approvals {
        let at = (deployed + chrono::Duration::hours(*hours)).to_rfc3339();
        let decision = if *approve { "approve" } else { "reject" };
        text.push_str(&format!(
            "  - {{ by: {}, role: {}, decision: {decision}, at: {at} }}\n",
            PEOPLE[*person], ROLES[*role]
        ));
    }
    text.push_str("---\nBody.\n");
    text
}

/// Asserts the agreement for every record of `analysis`, and that the
/// dashboard figure counts exactly the normal live records without a
/// deny-level approval flag.
fn assert_agreement(analysis: &Analysis) -> Result<(), TestCaseError> {
    let config = &analysis.portal.config;
    let mut expected_missed = Vec::new();
    for (document, facts) in analysis.portal.documents.iter().zip(&analysis.facts) {
        let record = &document.record;
        let denied = analysis
            .flags_of(&record.id)
            .any(|flag| is_about_approvals(flag.code) && flag.level == Level::Deny);
        prop_assert_eq!(
            approvals_in_policy(&facts.approvals, config),
            !denied,
            "{}: facts {:?}",
            record.id,
            facts.approvals
        );
        if record.class == changeportal::model::record::ChangeClass::Normal
            && record.is_live()
            && denied
        {
            expected_missed.push(record.id.clone());
        }
    }
    let figures = compliance::compute(&analysis.portal, &analysis.facts);
    prop_assert_eq!(figures.normal_approvals.missed, expected_missed);
    Ok(())
}

#[test]
fn approved_in_policy_agrees_with_the_approval_flags() {
    let config = Config {
        cases: 96,
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[12; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = (0..LINTS.len(), prop::collection::vec(record(), 1..8));
    let result = runner.run(&strategy, |(lints, records)| {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let root = dir.path();
        std::fs::create_dir_all(root.join("content/changes")).unwrap();
        std::fs::write(
            root.join("portal.yaml"),
            format!("{}{}", common::PORTAL_YAML, LINTS[lints]),
        )
        .unwrap();
        for (index, spec) in records.iter().enumerate() {
            let path = root.join(format!("content/changes/p{index}.md"));
            std::fs::write(path, text(index, spec)).unwrap();
        }
        let analysis = Build::new(root, Timestamp::parse(NOW).unwrap())
            .analyze()
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(analysis.buildable(false).is_ok(), "{:?}", analysis.flags);
        assert_agreement(&analysis)
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

#[test]
fn the_example_portal_counts_flagged_changes_as_not_approved() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let analysis = Build::new(root, Timestamp::parse(NOW).unwrap())
        .analyze()
        .unwrap();
    assert_agreement(&analysis).unwrap();
    let figures = compliance::compute(&analysis.portal, &analysis.facts);
    assert_eq!(
        figures.normal_approvals.missed,
        ["CHG-0022", "CHG-0025", "CHG-0032"],
        "CHG-0025 (self-approval) and CHG-0032 (approval after deploy) are not approved in policy"
    );
}

/// Approvals that do not count (off the board, outside membership dates,
/// by the deployer) leave a record that has nothing else unapproved in
/// policy, on the dashboard as in the flags.
#[test]
fn a_record_whose_only_approvals_do_not_count_is_not_approved_in_policy() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("content/changes")).unwrap();
    let config = common::PORTAL_YAML.replace(
        "{ name: Alice Chen, role: engineering }",
        "{ name: Alice Chen, role: engineering, to: 2026-06-30 }",
    );
    std::fs::write(root.join("portal.yaml"), config).unwrap();
    let record = |id: &str, deployer: &str, approvals: &[(&str, &str, &str)]| {
        let mut text = format!(
            "---\nid: {id}\ntitle: T\ntype: feature\nstatus: deployed\nauthor: Sam Writer\ncreated: 2026-05-01\ndeployed: 2026-11-20T09:00:00Z\ndeployed_by: {deployer}\napprovals:\n"
        );
        for (by, role, at) in approvals {
            text.push_str(&format!(
                "  - {{ by: {by}, role: {role}, decision: approve, at: {at} }}\n"
            ));
        }
        text + "---\nBody.\n"
    };
    let cases = [
        (
            "uncounted.md",
            record(
                "U1",
                "Omar Haddad",
                &[
                    ("Zed Outsider", "engineering", "2026-06-01"),
                    ("Alice Chen", "engineering", "2026-07-01"),
                    ("Omar Haddad", "operations", "2026-07-01"),
                ],
            ),
        ),
        (
            "counted.md",
            record(
                "C1",
                "Priya Nair",
                &[
                    ("Alice Chen", "engineering", "2026-06-30T23:59:59Z"),
                    ("Omar Haddad", "operations", "2026-07-01"),
                ],
            ),
        ),
    ];
    for (name, text) in &cases {
        std::fs::write(root.join("content/changes").join(name), text).unwrap();
    }
    let analysis = Build::new(root, Timestamp::parse(NOW).unwrap())
        .analyze()
        .unwrap();
    assert_agreement(&analysis).unwrap();
    let figures = compliance::compute(&analysis.portal, &analysis.facts);
    assert_eq!(figures.normal_approvals.missed, ["U1"]);
    let uncounted = &analysis.facts[analysis
        .portal
        .documents
        .iter()
        .position(|d| d.record.id == "U1")
        .unwrap()];
    let reasons: Vec<_> = uncounted
        .approvals
        .standings
        .iter()
        .map(|s| (s.counted, s.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            (false, Some(policy::Reason::NotOnBoard)),
            (false, Some(policy::Reason::OutsideMembership)),
            (false, Some(policy::Reason::ByDeployer)),
        ]
    );
}
