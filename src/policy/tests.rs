//! Unit tests of the policy rules on hand-written records.

use super::approvals::{ApprovalBreach, Reason, Standing, Window};
use super::*;

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// A deployed record by Sam Writer with `extra` front matter.
fn record(extra: &str) -> Record {
    record_with_status("deployed", extra)
}

fn record_with_status(status: &str, extra: &str) -> Record {
    let yaml = format!(
        "id: R1\ntitle: T\ntype: feature\nstatus: {status}\nauthor: Sam Writer\ncreated: 2026-01-01\ndeployed: 2026-03-01T10:00:00Z\n{extra}"
    );
    crate::yaml::from_str(&yaml).unwrap()
}

/// A portal.yaml with `policy` (YAML of the `policy:` key) and two tiers.
fn config(policy: &str) -> Config {
    crate::yaml::from_str(&format!(
        "title: T\nbase_url: https://x.example\ntiers:\n  pro: {{ title: Pro, notice_days: 7 }}\n  now: {{ title: Now, notice_days: 0 }}\npolicy: {policy}"
    ))
    .unwrap()
}

const NORMAL_TWO_ROLES: &str =
    "{ approvals: { normal: { min: 2, roles: [engineering, operations] } } }";

fn approvals(record: &Record, policy: &str) -> ApprovalFacts {
    assess(record, &config(policy), at("2026-06-01"), &[]).approvals
}

#[test]
fn approvals_count_up_to_the_deploy_instant_and_never_the_authors() {
    let on_time = record(
        "approvals:
  - { by: Alice, role: engineering, decision: approve, at: 2026-03-01T10:00:00Z }
  - { by: Omar, role: operations, decision: approve, at: 2026-02-01T10:00:00Z }",
    );
    let facts = approvals(&on_time, NORMAL_TWO_ROLES);
    assert_eq!(
        facts.approvers, 2,
        "an approval at the deploy instant counts"
    );
    assert!(facts.breaches.is_empty());
    let late = record(
        "approvals:
  - { by: Alice, role: engineering, decision: approve, at: 2026-03-01T10:00:01Z }
  - { by: Omar, role: operations, decision: approve, at: 2026-02-01T10:00:00Z }",
    );
    let facts = approvals(&late, NORMAL_TWO_ROLES);
    assert_eq!(facts.approvers, 1);
    assert_eq!(
        facts.standings,
        [
            Standing::not_counted(Reason::AfterCutoff),
            Standing::COUNTED
        ]
    );
    assert_eq!(
        facts.roles,
        [
            ("engineering".to_string(), false),
            ("operations".to_string(), true)
        ]
    );
    assert_eq!(
        facts.breaches,
        [ApprovalBreach::AfterDeploy(0)],
        "the late approval is its own breach, not a missing role"
    );
    let own = record(
        "approvals:
  - { by: sam  writer, role: engineering, decision: approve, at: 2026-02-01T10:00:00Z }
  - { by: Omar, role: operations, decision: approve, at: 2026-02-01T10:00:00Z }",
    );
    let facts = approvals(&own, NORMAL_TWO_ROLES);
    assert_eq!(facts.approvers, 1, "the author's approval does not count");
    assert_eq!(facts.standings[0], Standing::not_counted(Reason::ByAuthor));
    assert_eq!(
        facts.breaches,
        [
            ApprovalBreach::ByAuthor(0),
            ApprovalBreach::TooFew {
                given: 1,
                required: 2,
                window_days: None
            },
            ApprovalBreach::RolesMissing {
                roles: vec!["engineering".to_string()],
                window_days: None
            },
        ]
    );
}

#[test]
fn a_rejection_needs_a_later_approval() {
    let one = "{ approvals: { normal: { min: 1 } } }";
    let rejected = record(
        "approvals:
  - { by: Omar, role: operations, decision: approve, at: 2026-02-01T10:00:00Z }
  - { by: Alice, role: engineering, decision: reject, at: 2026-02-02T10:00:00Z }",
    );
    let facts = approvals(&rejected, one);
    assert_eq!(facts.unresolved_reject, Some(1));
    assert_eq!(facts.breaches, [ApprovalBreach::RejectedButDeployed(1)]);
    let reapproved = record(
        "approvals:
  - { by: Alice, role: engineering, decision: reject, at: 2026-02-01T10:00:00Z }
  - { by: Alice, role: engineering, decision: approve, at: 2026-02-02T10:00:00Z }",
    );
    let facts = approvals(&reapproved, one);
    assert_eq!(facts.unresolved_reject, None);
    assert!(facts.breaches.is_empty());
}

#[test]
fn emergency_approvals_may_follow_deploy_within_the_window() {
    let window = "{ approvals: { emergency: { min: 1, within_days: 2 } } }";
    let in_window = record(
        "class: emergency
approvals:
  - { by: Alice, role: engineering, decision: approve, at: 2026-03-03T10:00:00Z }",
    );
    assert!(approvals(&in_window, window).breaches.is_empty());
    let too_late = record(
        "class: emergency
approvals:
  - { by: Alice, role: engineering, decision: approve, at: 2026-03-03T10:00:01Z }",
    );
    let facts = approvals(&too_late, window);
    assert_eq!(facts.cutoff, Some(at("2026-03-03T10:00:00Z")));
    assert_eq!(
        facts.breaches,
        [ApprovalBreach::Missing {
            window: Some(Window {
                days: 2,
                deadline: at("2026-03-03T10:00:00Z")
            })
        }]
    );
    let open = approvals::assess(&too_late, &config(window), at("2026-03-02"), &[]);
    assert!(open.breaches.is_empty(), "an open window is not judged yet");
}

#[test]
fn approvals_off_the_board_or_under_another_role_do_not_count() {
    let board =
        "{ board: [{ name: Alice, role: engineering }], approvals: { normal: { min: 1 } } }";
    let off_board = record(
        "approvals:
  - { by: Omar, role: operations, decision: approve, at: 2026-02-01T10:00:00Z }
  - { by: Alice, role: operations, decision: approve, at: 2026-02-01T10:00:00Z }",
    );
    let facts = approvals(&off_board, board);
    assert_eq!(facts.approvers, 0);
    assert_eq!(
        facts.standings,
        [
            Standing::not_counted(Reason::NotOnBoard),
            Standing::not_counted(Reason::OtherRole)
        ]
    );
    assert_eq!(
        facts.breaches,
        [
            ApprovalBreach::NotOnBoard(0),
            ApprovalBreach::OtherRole(1, vec!["engineering".to_string()]),
            ApprovalBreach::TooFew {
                given: 0,
                required: 1,
                window_days: None
            },
        ]
    );
}

#[test]
fn membership_dates_bound_what_counts_and_a_date_only_to_includes_its_day() {
    let board = "{ board: [{ name: Alice, role: engineering, from: 2026-01-10, to: 2026-02-01 }, { name: Alice, role: engineering, from: 2026-02-20T12:00:00+02:00 }], approvals: { normal: { min: 1 } } }";
    let standing_at = |at: &str| {
        let approval = format!(
            "approvals:\n  - {{ by: Alice, role: engineering, decision: approve, at: {at} }}"
        );
        approvals(&record(&approval), board).standings[0]
    };
    let outside = Standing::not_counted(Reason::OutsideMembership);
    for (at, expected) in [
        ("2026-01-09T23:59:59Z", outside),
        ("2026-01-10", Standing::COUNTED),
        ("2026-02-01T23:59:59Z", Standing::COUNTED),
        ("2026-02-01T23:30:00-01:00", outside),
        ("2026-02-02", outside),
        ("2026-02-20T09:59:59Z", outside),
        ("2026-02-20T10:00:00Z", Standing::COUNTED),
    ] {
        assert_eq!(standing_at(at), expected, "{at}");
    }
}

#[test]
fn a_deployers_approval_does_not_count() {
    let one = "{ approvals: { normal: { min: 1 } } }";
    let own = record(
        "deployed_by: alice
approvals:
  - { by: Alice, role: engineering, decision: approve, at: 2026-02-01T10:00:00Z }",
    );
    let facts = approvals(&own, one);
    assert_eq!(facts.standings, [Standing::not_counted(Reason::ByDeployer)]);
    assert_eq!(
        facts.breaches,
        [
            ApprovalBreach::DeployerApproved(0),
            ApprovalBreach::TooFew {
                given: 0,
                required: 1,
                window_days: None
            }
        ]
    );
    let from_log = record(
        "approvals:
  - { by: Omar, role: operations, decision: approve, at: 2026-02-01T10:00:00Z }",
    );
    let facts = assess(
        &from_log,
        &config(one),
        at("2026-06-01"),
        &["OMAR".to_string()],
    );
    assert_eq!(
        facts.approvals.breaches[0],
        ApprovalBreach::DeployerApproved(0)
    );
}

#[test]
fn deadline_outcomes() {
    let deadline = at("2026-01-10");
    assert_eq!(
        deadline_outcome(Some(deadline), deadline, at("2026-02-01")),
        Outcome::Met
    );
    assert_eq!(
        deadline_outcome(Some(at("2026-01-11")), deadline, at("2026-02-01")),
        Outcome::Missed
    );
    assert_eq!(
        deadline_outcome(None, deadline, at("2026-01-09")),
        Outcome::Pending
    );
    assert_eq!(deadline_outcome(None, deadline, deadline), Outcome::Pending);
    assert_eq!(
        deadline_outcome(None, deadline, at("2026-01-10T00:00:01Z")),
        Outcome::Missed
    );
}

#[test]
fn post_incident_coverage_names_the_class_or_status_listed_first() {
    let policy: Config = config("{ require_post_incident_for: [rolled_back, emergency] }");
    let rolled_back = record_with_status("rolled_back", "class: emergency");
    let facts = evidence::post_incident(&rolled_back, &policy.policy, at("2026-03-05"));
    let facts = facts.unwrap();
    assert_eq!(facts.covered_by, Coverage::Status);
    assert_eq!(facts.deadline.outcome, Outcome::Pending);
    assert!(facts.deadline.missing() && !facts.deadline.overdue());
    let normal = record("");
    assert_eq!(
        evidence::post_incident(&normal, &policy.policy, at("2026-03-05")),
        None
    );
}

#[test]
fn notice_of_exactly_the_promised_days_is_kept() {
    let config = config("{}");
    let base = "visibility: public\nsummary: S\n";
    let kept = |record: &Record, tier: &str| {
        notice::assess(record, &config)
            .into_iter()
            .find(|n| n.tier == tier)
            .map(|n| n.kept)
    };
    let exact = record(&format!("{base}notified: {{ pro: 2026-02-22T10:00:00Z }}"));
    assert_eq!(kept(&exact, "pro"), Some(true));
    let short = record(&format!("{base}notified: {{ pro: 2026-02-22T10:00:01Z }}"));
    assert_eq!(kept(&short, "pro"), Some(false));
    assert_eq!(
        kept(&short, "now"),
        None,
        "real-time tiers have no notice rule"
    );
    let internal = record("notified: { pro: 2026-02-28 }");
    assert_eq!(
        kept(&internal, "pro"),
        None,
        "internal changes are not announced"
    );
}

/// A record on `systems` with the given instants (hours after 2026-05-01).
fn windowed(id: usize, systems: &str, scheduled: u32, length: Option<u32>, status: &str) -> Record {
    let hour = |h: u32| at("2026-05-01").instant() + chrono::Duration::hours(i64::from(h));
    let start = hour(scheduled).to_rfc3339();
    let mut yaml = format!(
        "id: R{id}\ntitle: T\ntype: feature\nstatus: {status}\nauthor: Sam\ncreated: 2026-01-01\nsystems: [{systems}]\nscheduled: {start}\n"
    );
    if let Some(length) = length {
        yaml.push_str(&format!(
            "window_end: {}\n",
            hour(scheduled + length).to_rfc3339()
        ));
    }
    crate::yaml::from_str(&yaml).unwrap()
}

/// The sweep finds exactly the pairs the pairwise definition gives.
#[test]
fn the_collision_sweep_agrees_with_pairwise_comparison() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as Cases, TestRunner};
    let record = (
        0u32..3,
        0u32..40,
        prop::option::of(0u32..10),
        prop::bool::weighted(0.9),
    );
    let mut runner = TestRunner::new(Cases {
        cases: 200,
        failure_persistence: None,
        ..Cases::default()
    });
    let result = runner.run(&prop::collection::vec(record, 0..30), |specs| {
        let records: Vec<Record> = specs
            .iter()
            .enumerate()
            .map(|(i, (system, start, length, ahead))| {
                let status = if *ahead { "scheduled" } else { "cancelled" };
                let systems = ["api", "web", "api, web"][*system as usize];
                windowed(i, systems, *start, *length, status)
            })
            .collect();
        let refs: Vec<&Record> = records.iter().collect();
        let swept = windows::collisions(&refs);
        for (a, record) in records.iter().enumerate() {
            let mut expected: Vec<(String, String)> = Vec::new();
            for (b, other) in records.iter().enumerate() {
                let goes = |r: &Record| r.status != crate::model::record::Status::Cancelled;
                if a == b || !goes(record) || !goes(other) {
                    continue;
                }
                let collide = windows::occupied(record).iter().any(|(_, x)| {
                    windows::occupied(other)
                        .iter()
                        .any(|(_, y)| !(x.is_instant() && y.is_instant()) && x.overlaps(y))
                });
                for system in &record.systems {
                    if collide && other.systems.contains(system) {
                        expected.push((system.clone(), other.id.clone()));
                    }
                }
            }
            expected.sort();
            let mut got: Vec<(String, String)> = swept[a]
                .iter()
                .flat_map(|c| c.with.iter().map(|id| (c.system.clone(), id.clone())))
                .collect();
            got.sort();
            prop_assert_eq!(got, expected, "record {}", a);
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

#[test]
fn adjacent_windows_do_not_collide_and_touching_a_blackout_is_outside_it() {
    let first = windowed(0, "api", 0, Some(2), "scheduled");
    let second = windowed(1, "api", 2, Some(2), "scheduled");
    let overlapping = windowed(2, "api", 3, Some(2), "scheduled");
    let collisions = windows::collisions(&[&first, &second, &overlapping]);
    assert!(collisions[0].is_empty());
    assert_eq!(collisions[1][0].with, ["R2"]);
    assert_eq!(collisions[2][0].with, ["R1"]);
    let freeze = |from: &str| {
        config(&format!(
            "{{ blackouts: [{{ from: {from}, to: 2026-05-02, systems: [api], reason: Freeze }}] }}"
        ))
    };
    let touching = freeze("2026-05-01T02:00:00Z");
    assert!(windows::blackouts(&first, &touching.policy).is_empty());
    let inside = freeze("2026-05-01T01:59:59Z");
    assert_eq!(windows::blackouts(&first, &inside.policy).len(), 1);
    let on_web = windowed(3, "web", 0, Some(2), "scheduled");
    assert!(windows::blackouts(&on_web, &inside.policy).is_empty());
    let ends_on_last_day = windowed(4, "api", 47, Some(1), "scheduled");
    assert_eq!(
        windows::blackouts(&ends_on_last_day, &inside.policy).len(),
        1,
        "a date-only `to` includes its whole day"
    );
    let next_day = windowed(5, "api", 48, Some(1), "scheduled");
    assert!(windows::blackouts(&next_day, &inside.policy).is_empty());
}
