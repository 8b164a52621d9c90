//! `changeportal gate ID [--at T]` (SPEC section 6): exit 0 when the change
//! may go ahead at T, 1 with the reasons when it may not, 2 for an unknown
//! id. The record is checked as deployed at T by the normal rules.

mod common;

use common::{TempPortal, PORTAL_YAML};
use serde_json::Value;

const AT: &str = "2026-03-01T10:00:00Z";

/// An approved public improvement scheduled for [`AT`], announced on
/// `created` (the business tier is promised 7 days of notice).
fn upcoming(id: &str, created: &str, approvals: &str) -> String {
    format!(
        "---
id: {id}
title: Faster invoice search
type: improvement
status: approved
risk: low
visibility: public
summary: Invoice search is now faster.
author: Sam Writer
created: {created}
scheduled: {AT}
systems: [api]
{approvals}testing: Load tested.
rollback: Revert the deploy.
---
Invoice search is now faster.
"
    )
}

const TWO_APPROVALS: &str = "approvals:
  - { by: Alice Chen, role: engineering, decision: approve, at: 2026-01-10T09:00:00Z }
  - { by: Omar Haddad, role: operations, decision: approve, at: 2026-01-11T09:00:00Z }
";

/// [`TWO_APPROVALS`] given after a `created` of 2026-02-26.
fn late_approvals() -> String {
    TWO_APPROVALS
        .replace("2026-01-10", "2026-02-27")
        .replace("2026-01-11", "2026-02-27")
}

fn gate(portal: &TempPortal, id: &str) -> (i32, Value) {
    let output = portal.run(&["gate", id, "--at", AT, "--format", "json"]);
    let code = output.status.code().expect("exit code");
    let decision = serde_json::from_str(&common::stdout(&output)).unwrap_or(Value::Null);
    (code, decision)
}

fn codes(decision: &Value) -> Vec<&str> {
    decision["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|reason| reason["code"].as_str().expect("code"))
        .collect()
}

#[test]
fn an_approved_change_outside_blackouts_may_go_ahead() {
    let portal = TempPortal::new();
    portal.record(
        "2026/CHG-0001.md",
        &upcoming("CHG-0001", "2026-01-01", TWO_APPROVALS),
    );
    let (code, decision) = gate(&portal, "CHG-0001");
    assert_eq!(code, 0, "{decision}");
    assert_eq!(
        decision,
        serde_json::json!({ "id": "CHG-0001", "at": AT, "allowed": true, "reasons": [] })
    );
    let human = portal.run(&["gate", "CHG-0001", "--at", AT]);
    assert_eq!(human.status.code(), Some(0));
    assert!(common::stdout(&human).contains("CHG-0001 may go ahead"));
}

#[test]
fn a_change_without_approval_may_not() {
    let portal = TempPortal::new();
    portal.record("2026/CHG-0002.md", &upcoming("CHG-0002", "2026-01-01", ""));
    let (code, decision) = gate(&portal, "CHG-0002");
    assert_eq!(code, 1, "{decision}");
    assert_eq!(decision["allowed"], false);
    assert!(codes(&decision).contains(&"missing-approval"), "{decision}");
    for reason in decision["reasons"].as_array().unwrap() {
        let keys: Vec<&String> = reason.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["code", "message"]);
        assert!(reason["message"].as_str().unwrap().contains("CHG-0002.md:"));
    }
    let human = portal.run(&["gate", "CHG-0002", "--at", AT]);
    assert_eq!(human.status.code(), Some(1));
    assert!(common::stdout(&human).contains("[missing-approval]"));
}

#[test]
fn approvals_given_after_the_deploy_instant_do_not_count() {
    let portal = TempPortal::new();
    let late = TWO_APPROVALS.replace("2026-01-11T09:00:00Z", "2026-03-02T09:00:00Z");
    portal.record(
        "2026/CHG-0003.md",
        &upcoming("CHG-0003", "2026-01-01", &late),
    );
    let (code, decision) = gate(&portal, "CHG-0003");
    assert_eq!(code, 1, "{decision}");
    assert!(!codes(&decision).is_empty());
}

#[test]
fn a_change_inside_a_blackout_may_not() {
    let config = PORTAL_YAML.replace(
        "  blackouts:\n",
        "  blackouts:\n    - { from: 2026-02-28, to: 2026-03-02, reason: Quarter-end freeze }\n",
    );
    assert_ne!(config, PORTAL_YAML, "the fixture lists blackouts");
    let portal = TempPortal::with_config(&config);
    portal.record(
        "2026/CHG-0004.md",
        &upcoming("CHG-0004", "2026-01-01", TWO_APPROVALS),
    );
    let (code, decision) = gate(&portal, "CHG-0004");
    assert_eq!(code, 1, "{decision}");
    assert!(
        codes(&decision).contains(&"change-in-blackout"),
        "{decision}"
    );
}

#[test]
fn a_tier_told_too_late_stops_the_change() {
    let portal = TempPortal::new();
    portal.record(
        "2026/CHG-0005.md",
        &upcoming("CHG-0005", "2026-02-26", &late_approvals()),
    );
    let (code, decision) = gate(&portal, "CHG-0005");
    assert_eq!(code, 1, "{decision}");
    assert_eq!(codes(&decision), ["notice-too-short"]);
    // Also when lints: turns the flag off: the gate's rule is SPEC 6's.
    let config = format!("{PORTAL_YAML}lints:\n  notice-too-short: allow\n");
    let allowed = TempPortal::with_config(&config);
    allowed.record(
        "2026/CHG-0005.md",
        &upcoming("CHG-0005", "2026-02-26", &late_approvals()),
    );
    let (code, decision) = gate(&allowed, "CHG-0005");
    assert_eq!((code, codes(&decision)), (1, vec!["notice-too-short"]));
}

fn emergency(id: &str, declared_by: &str) -> String {
    format!(
        "---
id: {id}
title: Patch the login page
type: hotfix
class: emergency
status: in_progress
author: Sam Writer
created: 2026-03-01T09:00:00Z
systems: [web]
emergency:
  reason: Customers cannot log in.
  declared_by: {declared_by}
  declared_at: 2026-03-01T09:05:00Z
---
Internal notes.
"
    )
}

#[test]
fn an_emergency_change_goes_by_the_emergency_policy() {
    let portal = TempPortal::new();
    portal.record("2026/CHG-0006.md", &emergency("CHG-0006", "Dana Lee"));
    portal.record("2026/CHG-0007.md", &emergency("CHG-0007", "Sam Writer"));
    // Approval may follow within two days: the declared emergency may go.
    let (code, decision) = gate(&portal, "CHG-0006");
    assert_eq!(code, 0, "{decision}");
    // Declared by someone who is not a decider: it may not.
    let (code, decision) = gate(&portal, "CHG-0007");
    assert_eq!(code, 1, "{decision}");
    assert!(
        codes(&decision).contains(&"unauthorized-emergency"),
        "{decision}"
    );
}

#[test]
fn an_unknown_id_is_a_usage_error() {
    let portal = TempPortal::new();
    let output = portal.run(&["gate", "CHG-9999", "--at", AT]);
    assert_eq!(output.status.code(), Some(2));
    assert!(common::stderr(&output).contains("CHG-9999"));
}
