//! Every flag code of SPEC section 4: a case where it fires (code, level,
//! file, line and column, read from `check --format json`) and a close case
//! where it must not.

mod common;

use changeportal::checks::Code;
use common::{normal_record, TempPortal};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::process::Output;

/// One line of `check --format json`.
#[derive(Debug, Deserialize)]
struct Reported {
    code: String,
    level: String,
    file: String,
    line: usize,
    column: usize,
    message: String,
    hint: Option<String>,
    record: Option<String>,
}

/// Parses the JSON lines of a `check --format json` run.
fn parse_flags(output: &Output) -> Vec<Reported> {
    String::from_utf8(output.stdout.clone())
        .expect("utf-8 stdout")
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Runs `check --format json --now <now>` and returns the flags and exit code.
fn check(portal: &TempPortal, now: &str) -> (Vec<Reported>, i32) {
    let output = portal.run(&["check", "--format", "json", "--now", now]);
    let code = output.status.code().expect("exit code");
    assert!(
        code == 0 || code == 1,
        "check failed with {code}: {}",
        common::stderr(&output)
    );
    (parse_flags(&output), code)
}

/// The flags with `code`.
fn with_code<'a>(flags: &'a [Reported], code: &str) -> Vec<&'a Reported> {
    flags.iter().filter(|flag| flag.code == code).collect()
}

/// Asserts that `code` was raised at `level` in `content/changes/<file>` at
/// `line`:`column`, and returns that flag.
fn assert_fires<'a>(
    flags: &'a [Reported],
    code: &str,
    level: &str,
    file: &str,
    (line, column): (usize, usize),
) -> &'a Reported {
    let path = format!("content/changes/{file}");
    let found = flags
        .iter()
        .find(|f| f.code == code && f.file == path && f.line == line && f.column == column);
    let flag = found.unwrap_or_else(|| panic!("no {code} at {path}:{line}:{column} in {flags:#?}"));
    assert_eq!(flag.level, level, "{flag:#?}");
    assert!(!flag.message.is_empty());
    assert!(
        flag.hint.as_deref().is_some_and(|h| !h.is_empty()),
        "{flag:#?}"
    );
    flag
}

/// Asserts that no flag has `code`.
fn assert_silent(flags: &[Reported], code: &str) {
    let found = with_code(flags, code);
    assert!(found.is_empty(), "unexpected {code}: {found:#?}");
}

/// A record's text, edited line by line from a known-good record.
#[derive(Clone)]
struct Rec(String);

impl Rec {
    /// [`common::normal_record`]: a clean, deployed, public normal change by
    /// Sam Writer, approved by Alice Chen (engineering) and Omar Haddad
    /// (operations), deployed 2026-03-01T10:30:00Z.
    fn normal(id: &str) -> Self {
        Rec(normal_record(id))
    }

    /// A clean internal emergency change by Sam Writer, declared by Dana Lee,
    /// deployed 2026-03-01T10:30:00Z, approved, reviewed and discussed.
    fn emergency(id: &str) -> Self {
        Rec(format!(
            r#"---
id: {id}
title: Stop card declines
type: hotfix
class: emergency
status: deployed
risk: high
author: Sam Writer
created: 2026-03-01T09:00:00Z
deployed: 2026-03-01T10:30:00Z
systems: [api]
emergency:
  reason: Card payments were failing for every customer.
  declared_by: Dana Lee
  declared_at: 2026-03-01T09:05:00Z
approvals:
  - {{ by: Dana Lee, role: management, decision: approve, at: 2026-03-01T12:00:00Z }}
review:
  by: Alice Chen
  at: 2026-03-02T09:00:00Z
  link: https://git.test.example/pr/1
post_incident:
  at: 2026-03-05T15:00:00Z
  lessons: Alert on decline rates, not only on errors.
  policy_review: none
timeline:
  - {{ at: 2026-03-01T09:00:00Z, by: Omar Haddad, note: Decline alert fired. }}
  - {{ at: 2026-03-01T10:30:00Z, note: Fix deployed. }}
rollback: Revert the deploy.
---
Declines came from an expired acquirer certificate.
"#
        ))
    }

    /// Replaces the one line starting with `prefix` by `lines`.
    fn set(self, prefix: &str, lines: &str) -> Self {
        let index = self.index_of(prefix);
        let mut all: Vec<&str> = self.0.lines().collect();
        all.splice(index..=index, lines.lines());
        Rec(all.join("\n") + "\n")
    }

    /// Inserts `lines` after the one line starting with `prefix`.
    fn after(self, prefix: &str, lines: &str) -> Self {
        let line = self.0.lines().nth(self.index_of(prefix)).unwrap_or("");
        let replacement = format!("{line}\n{lines}");
        self.set(prefix, &replacement)
    }

    /// Removes the top-level key `key` and the indented lines under it.
    fn without(self, key: &str) -> Self {
        let start = self.index_of(&format!("{key}:"));
        let lines: Vec<&str> = self.0.lines().collect();
        let end = lines[start + 1..]
            .iter()
            .position(|line| !line.starts_with(' '))
            .map_or(lines.len(), |offset| start + 1 + offset);
        let kept: Vec<&str> = lines[..start]
            .iter()
            .chain(&lines[end..])
            .copied()
            .collect();
        Rec(kept.join("\n") + "\n")
    }

    /// Replaces the body (everything after the closing fence).
    fn body(self, body: &str) -> Self {
        let close = self.0[4..].find("\n---\n").expect("closing fence") + 4 + "\n---\n".len();
        Rec(format!("{}{body}", &self.0[..close]))
    }

    /// 0-based index of the one line starting with `prefix`.
    fn index_of(&self, prefix: &str) -> usize {
        let hits: Vec<usize> = self
            .0
            .lines()
            .enumerate()
            .filter(|(_, line)| line.starts_with(prefix))
            .map(|(index, _)| index)
            .collect();
        assert_eq!(
            hits.len(),
            1,
            "`{prefix}` must start exactly one line of\n{}",
            self.0
        );
        hits[0]
    }

    /// 1-based file line of the one line starting with `prefix`.
    fn line(&self, prefix: &str) -> usize {
        self.index_of(prefix) + 1
    }
}

/// A portal holding the given `(file name, record)` pairs.
fn portal_with(records: &[(&str, &Rec)]) -> TempPortal {
    portal_with_config(common::PORTAL_YAML, records)
}

/// A portal with `config` holding the given `(file name, record)` pairs.
fn portal_with_config(config: &str, records: &[(&str, &Rec)]) -> TempPortal {
    let portal = TempPortal::with_config(config);
    for (name, record) in records {
        portal.record(name, &record.0);
    }
    portal
}

/// Long after every window of the base records has closed.
const LATER: &str = "2026-11-24";

#[test]
fn base_records_are_clean() {
    let portal = portal_with(&[
        ("a.md", &Rec::normal("CHG-1")),
        ("b.md", &Rec::emergency("CHG-2")),
    ]);
    // 2026-03-06: after every piece of evidence (none is in the future),
    // inside the post-incident window.
    for now in ["2026-03-06", LATER] {
        let (flags, code) = check(&portal, now);
        assert!(flags.is_empty(), "{now}: {flags:#?}");
        assert_eq!(code, 0);
    }
}

/// The codes that need a git history to fire (SPEC 4, "git:"): their firing
/// case is `every_git_code_fires_in_one_repository` in
/// `tests/provenance.rs`, which scripts the commits.
const GIT_CODES: [&str; 3] = [
    "backdated-evidence",
    "edited-after-deploy",
    "record-removed",
];

/// One firing record per code, in one portal: every code of `Code::ALL`
/// (but [`GIT_CODES`]) is raised, so a new code cannot be added without a
/// firing case here.
#[test]
fn every_code_fires_in_one_run() {
    let records = firing_records();
    let named: Vec<(&str, &Rec)> = records
        .iter()
        .map(|(name, record)| (*name, record))
        .collect();
    let config = format!("{}deploy_log: deploys.csv\n", common::PORTAL_YAML);
    let portal = portal_with_config(&config, &named);
    portal.write("deploys.csv", FIRING_DEPLOY_LOG.as_bytes());
    let (flags, code) = check(&portal, LATER);
    let raised: BTreeSet<&str> = flags.iter().map(|flag| flag.code.as_str()).collect();
    let all: BTreeSet<&str> = Code::ALL
        .iter()
        .map(|code| code.as_str())
        .filter(|code| !GIT_CODES.contains(code))
        .collect();
    assert_eq!(raised, all);
    assert_eq!(code, 1);
    for flag in &flags {
        let expected = Code::from_name(&flag.code)
            .expect("known code")
            .default_level();
        assert_eq!(flag.level, expected.as_str(), "default level: {flag:#?}");
    }
}

/// The deploy log of [`every_code_fires_in_one_run`]: one entry that no
/// record accounts for (`unrecorded-deploy`); it covers `api`, so every
/// deployed `api` record, none of which it logs, is `deploy-not-logged`.
const FIRING_DEPLOY_LOG: &str =
    "at,system,ref,deployed_by,change\n2026-06-01T00:00:00Z,api,4f2c9e1,Dana Lee,\n";

/// A record raising each code (the duplicate id needs two files).
fn firing_records() -> Vec<(&'static str, Rec)> {
    vec![
        (
            "invalid-record.md",
            Rec::normal("CHG-1").set("status:", "status: done"),
        ),
        (
            "unknown-field.md",
            Rec::normal("CHG-2").after("risk:", "aprovals: []"),
        ),
        ("duplicate-id-a.md", Rec::normal("CHG-3")),
        ("duplicate-id-b.md", Rec::normal("chg-3")),
        (
            "missing-approval.md",
            Rec::normal("CHG-4").without("approvals"),
        ),
        (
            "insufficient-approval.md",
            Rec::normal("CHG-5").set("  - { by: Omar", ""),
        ),
        (
            "approval-after-deploy.md",
            late_approval(Rec::normal("CHG-6")),
        ),
        (
            "self-approval.md",
            Rec::normal("CHG-7").set("author:", "author: Alice Chen"),
        ),
        (
            "approver-not-on-board.md",
            outsider_approval(Rec::normal("CHG-8")),
        ),
        (
            "rejected-but-deployed.md",
            later_reject(Rec::normal("CHG-9")),
        ),
        (
            "missing-emergency-reason.md",
            Rec::emergency("CHG-10").set("  reason:", ""),
        ),
        (
            "unauthorized-emergency.md",
            Rec::emergency("CHG-11").set("  declared_by:", "  declared_by: Omar Haddad"),
        ),
        (
            "missing-review.md",
            Rec::emergency("CHG-12").without("review"),
        ),
        (
            "missing-post-incident.md",
            Rec::emergency("CHG-13").without("post_incident"),
        ),
        (
            "policy-review-pending.md",
            Rec::emergency("CHG-14").set("  policy_review:", "  policy_review: needed"),
        ),
        (
            "notice-too-short.md",
            short_notice(Rec::normal("CHG-15"), "2026-01-30T23:59:59Z"),
        ),
        (
            "missing-rollback-plan.md",
            Rec::normal("CHG-16")
                .set("risk:", "risk: high")
                .without("rollback"),
        ),
        (
            "unknown-reference.md",
            Rec::normal("CHG-17").set("systems:", "systems: [api, mainframe]"),
        ),
        (
            "malformed-internal-marker.md",
            Rec::normal("CHG-18").body("Public.\n<!--internal-->\nSecret.\n"),
        ),
        (
            "internal-detail-in-public.md",
            Rec::normal("CHG-19").body("Ask ops@corp.test.example for details.\n"),
        ),
        (
            "invalid-character.md",
            Rec::normal("CHG-30").body("Public \u{7} text.\n"),
        ),
        (
            "date-out-of-order.md",
            Rec::normal("CHG-31").set("created:", "created: 2026-01-10T09:00:01Z"),
        ),
        (
            "future-evidence.md",
            Rec::normal("CHG-32").set("deployed:", "deployed: 2026-12-01T10:30:00Z"),
        ),
        (
            "change-in-blackout.md",
            in_holiday_freeze(Rec::normal("CHG-33")),
        ),
        ("change-collision-a.md", with_window(Rec::normal("CHG-34"))),
        ("change-collision-b.md", with_window(Rec::normal("CHG-35"))),
        (
            "deployer-approved.md",
            Rec::normal("CHG-36").after("deployed:", "deployed_by: omar  haddad"),
        ),
    ]
}

/// Scheduled on the web app during the fixture's holiday freeze
/// (2026-12-24 to 2026-12-26, web), not yet deployed.
fn in_holiday_freeze(record: Rec) -> Rec {
    record
        .set("status:", "status: scheduled")
        .set("systems:", "systems: [web]")
        .set("scheduled:", "scheduled: 2026-12-24T10:00:00Z")
        .without("deployed")
}

/// A planned window from `scheduled` (10:00) to 11:00 on 2026-03-01, around
/// the deploy instant (10:30) on the API.
fn with_window(record: Rec) -> Rec {
    record.after("scheduled:", "window_end: 2026-03-01T11:00:00Z")
}

/// Omar's approval moved one second after the deploy instant.
fn late_approval(record: Rec) -> Rec {
    record.set(
        "  - { by: Omar",
        "  - { by: Omar Haddad, role: operations, decision: approve, at: 2026-03-01T10:30:01Z }",
    )
}

/// An extra approval by someone who is not on the board.
fn outsider_approval(record: Rec) -> Rec {
    record.after(
        "  - { by: Omar",
        "  - { by: Zed Outsider, role: engineering, decision: approve, at: 2026-01-12T09:00:00Z }",
    )
}

/// A rejection after both approvals.
fn later_reject(record: Rec) -> Rec {
    record.after(
        "  - { by: Omar",
        "  - { by: Priya Nair, role: planning, decision: reject, at: 2026-01-12T09:00:00Z }",
    )
}

/// A public feature for the enterprise tier (30 days' notice), announced on
/// 2026-01-01 and scheduled at `scheduled`, not yet deployed.
fn short_notice(record: Rec, scheduled: &str) -> Rec {
    record
        .set("type:", "type: feature")
        .set("status:", "status: scheduled")
        .set(
            "scheduled:",
            &format!("scheduled: {scheduled}\ntiers: [enterprise]"),
        )
        .without("deployed")
}

#[test]
fn invalid_record_bad_enum_and_missing_summary() {
    let bad_status = Rec::normal("CHG-1").set("status:", "status: done");
    let no_summary = Rec::normal("CHG-2").without("summary");
    let portal = portal_with(&[("a.md", &bad_status), ("b.md", &no_summary)]);
    let (flags, _) = check(&portal, LATER);
    let flag = assert_fires(
        &flags,
        "invalid-record",
        "deny",
        "a.md",
        (bad_status.line("status:"), 9),
    );
    assert!(flag.message.contains("unknown variant `done`"), "{flag:#?}");
    assert_fires(
        &flags,
        "invalid-record",
        "deny",
        "b.md",
        (no_summary.line("visibility:"), 1),
    );
    assert_eq!(flags.len(), 2, "{flags:#?}");
}

#[test]
fn invalid_record_close_case_internal_record_needs_no_summary() {
    let internal = Rec::normal("CHG-1")
        .set("visibility:", "visibility: internal")
        .without("summary");
    let (flags, code) = check(&portal_with(&[("a.md", &internal)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
    assert_eq!(code, 0);
}

#[test]
fn unknown_field_at_top_level_and_nested() {
    let top = Rec::normal("CHG-1").after("risk:", "aprovals: []");
    let nested = Rec::normal("CHG-2").set(
        "  - { by: Omar",
        "  - by: Omar Haddad\n    role: operations\n    decision: approve\n    at: 2026-01-11T09:00:00Z\n    comment: fine",
    );
    let portal = portal_with(&[("a.md", &top), ("b.md", &nested)]);
    let (flags, _) = check(&portal, LATER);
    let flag = assert_fires(
        &flags,
        "unknown-field",
        "deny",
        "a.md",
        (top.line("aprovals:"), 1),
    );
    assert_eq!(flag.hint.as_deref(), Some("did you mean `approvals`?"));
    assert_fires(
        &flags,
        "unknown-field",
        "deny",
        "b.md",
        (nested.line("    comment:"), 5),
    );
}

#[test]
fn unknown_field_close_case_optional_fields_are_known() {
    let record = Rec::normal("CHG-1")
        .after("rollback:", "links: [https://tickets.test.example/1]\nembargo_until: 2026-01-05")
        .set(
            "  - { by: Omar",
            "  - { by: Omar Haddad, role: operations, decision: approve, at: 2026-01-11T09:00:00Z, note: ok }",
        );
    let (flags, _) = check(&portal_with(&[("a.md", &record)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn duplicate_id_ignores_case() {
    let first = Rec::normal("CHG-1");
    let second = Rec::normal("chg-1");
    let portal = portal_with(&[("a.md", &first), ("b.md", &second)]);
    let (flags, code) = check(&portal, LATER);
    let flag = assert_fires(&flags, "duplicate-id", "deny", "b.md", (2, 1));
    assert!(flag.message.contains("content/changes/a.md"), "{flag:#?}");
    assert_eq!(flags.len(), 1, "only the later file is flagged: {flags:#?}");
    assert_eq!(code, 1);
}

#[test]
fn duplicate_id_close_case_prefix_ids_differ() {
    let portal = portal_with(&[
        ("a.md", &Rec::normal("CHG-1")),
        ("b.md", &Rec::normal("CHG-10")),
    ]);
    let (flags, _) = check(&portal, LATER);
    assert_silent(&flags, "duplicate-id");
}

#[test]
fn missing_approval_for_normal_change_past_proposal() {
    let deployed = Rec::normal("CHG-1").without("approvals");
    let only_reject = Rec::normal("CHG-2")
        .set("status:", "status: approved")
        .without("deployed")
        .without("approvals")
        .after(
            "systems:",
            "approvals:\n  - { by: Alice Chen, role: engineering, decision: reject, at: 2026-01-10T09:00:00Z }",
        );
    let portal = portal_with(&[("a.md", &deployed), ("b.md", &only_reject)]);
    let (flags, _) = check(&portal, LATER);
    assert_fires(
        &flags,
        "missing-approval",
        "deny",
        "a.md",
        (deployed.line("status:"), 1),
    );
    assert_fires(
        &flags,
        "missing-approval",
        "deny",
        "b.md",
        (only_reject.line("approvals:"), 1),
    );
}

#[test]
fn missing_approval_close_case_proposed_change_needs_none_yet() {
    let proposed = Rec::normal("CHG-1")
        .set("status:", "status: proposed")
        .without("deployed")
        .without("approvals");
    let (flags, code) = check(&portal_with(&[("a.md", &proposed)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
    assert_eq!(code, 0);
}

#[test]
fn missing_approval_for_emergency_only_after_within_days() {
    let record = Rec::emergency("CHG-1").without("approvals");
    let portal = portal_with(&[("a.md", &record)]);
    // Deployed 2026-03-01T10:30:00Z; within_days 2 ends 2026-03-03T10:30:00Z.
    let (inside, _) = check(&portal, "2026-03-03T10:30:00Z");
    assert_silent(&inside, "missing-approval");
    let (after, _) = check(&portal, "2026-03-03T10:30:01Z");
    assert_fires(
        &after,
        "missing-approval",
        "deny",
        "a.md",
        (record.line("class:"), 1),
    );
}

#[test]
fn emergency_approval_exactly_at_within_days_is_in_time() {
    let approval = |at: &str| {
        Rec::emergency("CHG-1").set(
            "  - { by: Dana Lee",
            &format!("  - {{ by: Dana Lee, role: management, decision: approve, at: {at} }}"),
        )
    };
    let on_time = approval("2026-03-03T10:30:00Z");
    let (flags, _) = check(&portal_with(&[("a.md", &on_time)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
    let late = approval("2026-03-03T10:30:01Z");
    let (flags, _) = check(&portal_with(&[("a.md", &late)]), LATER);
    assert_fires(
        &flags,
        "missing-approval",
        "deny",
        "a.md",
        (late.line("approvals:"), 1),
    );
}

#[test]
fn insufficient_approval_counts_people_and_roles() {
    let one = Rec::normal("CHG-1").set("  - { by: Omar", "");
    let twice = Rec::normal("CHG-2").set(
        "  - { by: Omar",
        "  - { by: alice chen, role: engineering, decision: approve, at: 2026-01-11T09:00:00Z }",
    );
    let portal = portal_with(&[("a.md", &one), ("b.md", &twice)]);
    let (flags, _) = check(&portal, LATER);
    for (file, record) in [("a.md", &one), ("b.md", &twice)] {
        let position = (record.line("approvals:"), 1);
        assert_fires(&flags, "insufficient-approval", "deny", file, position);
        let messages: Vec<&str> = with_code(&flags, "insufficient-approval")
            .iter()
            .filter(|flag| flag.file.ends_with(file))
            .map(|flag| flag.message.as_str())
            .collect();
        assert!(
            messages.iter().any(|m| m.contains("at least 2")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("operations")),
            "{messages:?}"
        );
    }
}

#[test]
fn insufficient_approval_close_case_min_and_roles_met() {
    let extra = Rec::normal("CHG-1").after(
        "  - { by: Omar",
        "  - { by: Priya Nair, role: planning, decision: approve, at: 2026-01-12T09:00:00Z }",
    );
    let (flags, _) = check(&portal_with(&[("a.md", &extra)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn approval_after_deploy_by_one_second() {
    let record = late_approval(Rec::normal("CHG-1"));
    let (flags, code) = check(&portal_with(&[("a.md", &record)]), LATER);
    let flag = assert_fires(
        &flags,
        "approval-after-deploy",
        "deny",
        "a.md",
        (record.line("  - { by: Omar"), 3),
    );
    assert!(flag.message.contains("Omar Haddad"), "{flag:#?}");
    assert_eq!(code, 1);
}

#[test]
fn approval_at_the_deploy_instant_is_in_time() {
    let record = Rec::normal("CHG-1").set(
        "  - { by: Omar",
        "  - { by: Omar Haddad, role: operations, decision: approve, at: 2026-03-01T10:30:00Z }",
    );
    let (flags, code) = check(&portal_with(&[("a.md", &record)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
    assert_eq!(code, 0);
}

#[test]
fn self_approval_ignores_case_and_spacing() {
    let record = Rec::normal("CHG-1")
        .set("author:", "author: \"  alice   CHEN \"")
        .after(
            "  - { by: Omar",
            "  - { by: Priya Nair, role: engineering, decision: approve, at: 2026-01-12T09:00:00Z }",
        );
    let (flags, _) = check(&portal_with(&[("a.md", &record)]), LATER);
    let flag = assert_fires(
        &flags,
        "self-approval",
        "deny",
        "a.md",
        (record.line("  - { by: Alice"), 3),
    );
    assert!(flag.message.contains("Alice Chen"), "{flag:#?}");
    assert_eq!(with_code(&flags, "self-approval").len(), 1);
}

#[test]
fn self_approval_close_case_similar_name_and_own_rejection() {
    let similar = Rec::normal("CHG-1").set("author:", "author: Alicia Chen");
    let own_reject = Rec::normal("CHG-2")
        .set("author:", "author: Priya Nair")
        .after(
            "  - { by: Omar",
            "  - { by: Priya Nair, role: planning, decision: reject, at: 2026-01-09T09:00:00Z }",
        );
    let portal = portal_with(&[("a.md", &similar), ("b.md", &own_reject)]);
    let (flags, _) = check(&portal, LATER);
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn approver_not_on_board_or_under_another_role() {
    let outsider = outsider_approval(Rec::normal("CHG-1"));
    let wrong_role = Rec::normal("CHG-2").after(
        "  - { by: Omar",
        "  - { by: Priya Nair, role: engineering, decision: approve, at: 2026-01-12T09:00:00Z }",
    );
    let portal = portal_with(&[("a.md", &outsider), ("b.md", &wrong_role)]);
    let (flags, code) = check(&portal, LATER);
    assert_fires(
        &flags,
        "approver-not-on-board",
        "warn",
        "a.md",
        (outsider.line("  - { by: Zed"), 3),
    );
    let flag = assert_fires(
        &flags,
        "approver-not-on-board",
        "warn",
        "b.md",
        (wrong_role.line("  - { by: Priya"), 3),
    );
    assert!(flag.message.contains("planning"), "{flag:#?}");
    assert_eq!(flags.len(), 2, "{flags:#?}");
    assert_eq!(code, 0, "warn-level flags do not fail check");
}

#[test]
fn approver_not_on_board_close_case_name_case_and_role_case() {
    let record = Rec::normal("CHG-1").set(
        "  - { by: Alice",
        "  - { by: alice chen, role: Engineering, decision: approve, at: 2026-01-10T09:00:00Z }",
    );
    let (flags, _) = check(&portal_with(&[("a.md", &record)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn rejected_but_deployed_without_a_later_approval() {
    let record = later_reject(Rec::normal("CHG-1"));
    let (flags, _) = check(&portal_with(&[("a.md", &record)]), LATER);
    let flag = assert_fires(
        &flags,
        "rejected-but-deployed",
        "deny",
        "a.md",
        (record.line("  - { by: Priya"), 3),
    );
    assert!(flag.message.contains("Priya Nair"), "{flag:#?}");
}

#[test]
fn reject_then_later_approve_then_deployed_is_fine() {
    let record = Rec::normal("CHG-1").after(
        "approvals:",
        "  - { by: Priya Nair, role: planning, decision: reject, at: 2026-01-09T09:00:00Z }",
    );
    let (flags, code) = check(&portal_with(&[("a.md", &record)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
    assert_eq!(code, 0);
}

#[test]
fn missing_emergency_reason_or_declarer() {
    let no_reason = Rec::emergency("CHG-1").set("  reason:", "");
    let blank_declarer = Rec::emergency("CHG-2").set("  declared_by:", "  declared_by: \"  \"");
    let portal = portal_with(&[("a.md", &no_reason), ("b.md", &blank_declarer)]);
    let (flags, _) = check(&portal, LATER);
    assert_fires(
        &flags,
        "missing-emergency-reason",
        "deny",
        "a.md",
        (no_reason.line("emergency:"), 1),
    );
    let flag = assert_fires(
        &flags,
        "missing-emergency-reason",
        "deny",
        "b.md",
        (blank_declarer.line("emergency:"), 1),
    );
    assert!(flag.message.contains("declared_by"), "{flag:#?}");
    assert_silent(&flags, "unauthorized-emergency");
}

#[test]
fn missing_emergency_block_points_at_class() {
    let record = Rec::emergency("CHG-1").without("emergency");
    let (flags, _) = check(&portal_with(&[("a.md", &record)]), LATER);
    assert_fires(
        &flags,
        "missing-emergency-reason",
        "deny",
        "a.md",
        (record.line("class:"), 1),
    );
}

#[test]
fn missing_emergency_reason_close_case_declared_at_is_optional() {
    let record = Rec::emergency("CHG-1").set("  declared_at:", "");
    let (flags, _) = check(&portal_with(&[("a.md", &record)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn unauthorized_emergency_declarer() {
    let record = Rec::emergency("CHG-1").set("  declared_by:", "  declared_by: Omar Haddad");
    let (flags, _) = check(&portal_with(&[("a.md", &record)]), LATER);
    let flag = assert_fires(
        &flags,
        "unauthorized-emergency",
        "deny",
        "a.md",
        (record.line("  declared_by:"), 3),
    );
    assert!(flag.message.contains("Omar Haddad"), "{flag:#?}");
}

#[test]
fn unauthorized_emergency_close_case_decider_spelled_loosely() {
    let record = Rec::emergency("CHG-1").set("  declared_by:", "  declared_by: \" dana  LEE\"");
    let (flags, _) = check(&portal_with(&[("a.md", &record)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn missing_review_warns_inside_the_window_then_denies() {
    // Without the post-incident review, which would be future evidence on
    // 2026-03-02.
    let record = Rec::emergency("CHG-1")
        .without("review")
        .without("post_incident");
    let portal = portal_with(&[("a.md", &record)]);
    let position = (record.line("class:"), 1);
    // Deployed 2026-03-01T10:30:00Z; review_within_days 3 ends 2026-03-04T10:30:00Z.
    for now in ["2026-03-02", "2026-03-04T10:30:00Z"] {
        let (flags, code) = check(&portal, now);
        assert_fires(&flags, "missing-review", "warn", "a.md", position);
        assert_eq!(code, 0, "{now}");
    }
    let (flags, code) = check(&portal, "2026-03-04T10:30:01Z");
    assert_fires(&flags, "missing-review", "deny", "a.md", position);
    assert_eq!(code, 1);
}

#[test]
fn missing_review_close_case_reviewed() {
    let (flags, _) = check(
        &portal_with(&[("a.md", &Rec::emergency("CHG-1"))]),
        "2026-03-02",
    );
    assert_silent(&flags, "missing-review");
}

#[test]
fn missing_post_incident_warns_inside_the_window_then_denies() {
    let emergency = Rec::emergency("CHG-1").without("post_incident");
    let rolled_back = Rec::normal("CHG-2").set("status:", "status: rolled_back");
    let portal = portal_with(&[("a.md", &emergency), ("b.md", &rolled_back)]);
    // Both deployed 2026-03-01T10:30:00Z; post_incident_within_days 7 ends 2026-03-08T10:30:00Z.
    let (flags, code) = check(&portal, "2026-03-08T10:30:00Z");
    assert_fires(
        &flags,
        "missing-post-incident",
        "warn",
        "a.md",
        (emergency.line("class:"), 1),
    );
    assert_fires(
        &flags,
        "missing-post-incident",
        "warn",
        "b.md",
        (rolled_back.line("status:"), 1),
    );
    assert_eq!(code, 0);
    let (flags, code) = check(&portal, "2026-03-08T10:30:01Z");
    assert_fires(
        &flags,
        "missing-post-incident",
        "deny",
        "a.md",
        (emergency.line("class:"), 1),
    );
    assert_fires(
        &flags,
        "missing-post-incident",
        "deny",
        "b.md",
        (rolled_back.line("status:"), 1),
    );
    assert_eq!(code, 1);
}

#[test]
fn missing_post_incident_close_case_out_of_scope() {
    let deployed_normal = Rec::normal("CHG-1");
    let cancelled_emergency = Rec::emergency("CHG-2")
        .without("post_incident")
        .without("review")
        .set("status:", "status: cancelled");
    let portal = portal_with(&[("a.md", &deployed_normal), ("b.md", &cancelled_emergency)]);
    let (flags, _) = check(&portal, LATER);
    assert_silent(&flags, "missing-post-incident");
}

#[test]
fn policy_review_pending_without_follow_ups() {
    let record = Rec::emergency("CHG-1").set("  policy_review:", "  policy_review: needed");
    let (flags, code) = check(&portal_with(&[("a.md", &record)]), LATER);
    assert_fires(
        &flags,
        "policy-review-pending",
        "warn",
        "a.md",
        (record.line("  policy_review:"), 3),
    );
    assert_eq!(code, 0);
}

#[test]
fn policy_review_pending_close_case_follow_ups_listed() {
    let with_url = Rec::emergency("CHG-1").set(
        "  policy_review:",
        "  policy_review: needed\n  follow_ups: [https://wiki.test.example/policy/7]",
    );
    let with_id = Rec::emergency("CHG-2").set(
        "  policy_review:",
        "  follow_ups:\n    - chg-1\n  policy_review: needed",
    );
    let (flags, _) = check(
        &portal_with(&[("a.md", &with_url), ("b.md", &with_id)]),
        LATER,
    );
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn notice_exactly_notice_days_before_is_enough() {
    let exact = short_notice(Rec::normal("CHG-1"), "2026-01-31T00:00:00Z");
    let (flags, _) = check(&portal_with(&[("a.md", &exact)]), "2026-01-15");
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn notice_one_second_short_is_too_short() {
    let short = short_notice(Rec::normal("CHG-1"), "2026-01-30T23:59:59Z");
    let (flags, code) = check(&portal_with(&[("a.md", &short)]), "2026-01-15");
    let flag = assert_fires(
        &flags,
        "notice-too-short",
        "warn",
        "a.md",
        (short.line("scheduled:"), 1),
    );
    assert!(flag.message.contains("Enterprise"), "{flag:#?}");
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(code, 0);
}

#[test]
fn notice_uses_notified_and_deployed_when_not_scheduled() {
    let notified = short_notice(Rec::normal("CHG-1"), "2026-03-01T00:00:00Z")
        .after("tiers:", "notified:\n  enterprise: 2026-02-15");
    let unscheduled = Rec::normal("CHG-2")
        .set("type:", "type: feature")
        .set("created:", "created: 2026-02-20")
        .without("scheduled")
        .after("systems:", "tiers: [enterprise]");
    let portal = portal_with(&[("a.md", &notified), ("b.md", &unscheduled)]);
    let (flags, _) = check(&portal, LATER);
    assert_fires(
        &flags,
        "notice-too-short",
        "warn",
        "a.md",
        (notified.line("  enterprise:"), 3),
    );
    assert_fires(
        &flags,
        "notice-too-short",
        "warn",
        "b.md",
        (unscheduled.line("deployed:"), 1),
    );
}

#[test]
fn notice_close_case_emergency_internal_and_real_time_tiers() {
    let emergency = short_notice(Rec::normal("CHG-1"), "2026-01-02T00:00:00Z").after(
        "status:",
        "class: emergency\nemergency: { reason: Outage, declared_by: Dana Lee }",
    );
    let internal = short_notice(Rec::normal("CHG-2"), "2026-01-02T00:00:00Z")
        .set("visibility:", "visibility: internal");
    let real_time = short_notice(Rec::normal("CHG-3"), "2026-01-02T00:00:00Z")
        .set("tiers:", "tiers: [standard]");
    let filtered =
        short_notice(Rec::normal("CHG-4"), "2026-01-02T00:00:00Z").set("type:", "type: bugfix");
    let portal = portal_with(&[
        ("a.md", &emergency),
        ("b.md", &internal),
        ("c.md", &real_time),
        ("d.md", &filtered),
    ]);
    let (flags, _) = check(&portal, "2026-01-01T12:00:00Z");
    assert_silent(&flags, "notice-too-short");
}

#[test]
fn missing_rollback_plan_for_high_risk_normal_change() {
    let record = Rec::normal("CHG-1")
        .set("risk:", "risk: high")
        .set("rollback:", "rollback: \"  \"");
    let (flags, code) = check(&portal_with(&[("a.md", &record)]), LATER);
    assert_fires(
        &flags,
        "missing-rollback-plan",
        "warn",
        "a.md",
        (record.line("risk:"), 1),
    );
    assert_eq!(code, 0);
}

#[test]
fn missing_rollback_plan_close_case_standard_or_medium_risk() {
    let standard = Rec::normal("CHG-1")
        .set("risk:", "risk: high\nclass: standard")
        .without("rollback");
    let medium = Rec::normal("CHG-2")
        .set("risk:", "risk: medium")
        .without("rollback");
    let (flags, _) = check(
        &portal_with(&[("a.md", &standard), ("b.md", &medium)]),
        LATER,
    );
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn unknown_reference_for_tier_system_notified_and_follow_up() {
    let record = Rec::emergency("CHG-1")
        .set("systems:", "systems:\n  - api\n  - mainframe\ntiers: [enterprise, platinum]\nnotified:\n  gold: 2026-03-01")
        .set("  policy_review:", "  policy_review: done\n  follow_ups:\n    - CHG-404\n    - https://wiki.test.example/x");
    let (flags, code) = check(&portal_with(&[("a.md", &record)]), LATER);
    assert_fires(
        &flags,
        "unknown-reference",
        "deny",
        "a.md",
        (record.line("  - mainframe"), 3),
    );
    assert_fires(
        &flags,
        "unknown-reference",
        "deny",
        "a.md",
        (record.line("tiers:"), 1),
    );
    assert_fires(
        &flags,
        "unknown-reference",
        "deny",
        "a.md",
        (record.line("  gold:"), 3),
    );
    let flag = assert_fires(
        &flags,
        "unknown-reference",
        "deny",
        "a.md",
        (record.line("    - CHG-404"), 5),
    );
    assert!(flag.message.contains("CHG-404"), "{flag:#?}");
    assert_eq!(
        with_code(&flags, "unknown-reference").len(),
        4,
        "{flags:#?}"
    );
    assert_eq!(code, 1);
}

#[test]
fn unknown_reference_close_case_url_and_existing_ids() {
    let target = Rec::normal("CHG-7");
    let record = Rec::emergency("CHG-1")
        .set(
            "systems:",
            "systems: [api, web]\ntiers: [enterprise, standard]",
        )
        .set(
            "  policy_review:",
            "  policy_review: done\n  follow_ups: [https://wiki.test.example/policy, chg-7]",
        );
    let (flags, _) = check(&portal_with(&[("a.md", &record), ("b.md", &target)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn unknown_system_is_fine_without_a_catalogue() {
    let catalogue = "systems:\n  api: { title: Public API, owner: platform }\n  web: { title: Web App, owner: frontend }\n";
    assert!(common::PORTAL_YAML.contains(catalogue));
    let config = common::PORTAL_YAML.replace(catalogue, "");
    let record = Rec::normal("CHG-1").set("systems:", "systems: [mainframe]");
    let (flags, _) = check(&portal_with_config(&config, &[("a.md", &record)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
}

#[test]
fn malformed_internal_markers_are_flagged_and_still_hide_what_follows() {
    let squeezed = Rec::normal("CHG-1").body("Public one.\n\n<!--internal-->\nSecret one.\n");
    let capital = Rec::normal("CHG-2").body("Public two.\n<!-- Internal -->\nSecret two.\n");
    let portal = portal_with(&[("a.md", &squeezed), ("b.md", &capital)]);
    let (flags, code) = check(&portal, LATER);
    assert_fires(
        &flags,
        "malformed-internal-marker",
        "deny",
        "a.md",
        (squeezed.line("<!--internal-->"), 1),
    );
    assert_fires(
        &flags,
        "malformed-internal-marker",
        "deny",
        "b.md",
        (capital.line("<!-- Internal -->"), 1),
    );
    assert_eq!(flags.len(), 2, "{flags:#?}");
    assert_eq!(code, 1);

    let loaded = changeportal::load::load(portal.root()).expect("config loads");
    assert_eq!(loaded.portal.documents.len(), 2);
    for document in &loaded.portal.documents {
        assert!(document.public_body.contains("Public"), "{document:#?}");
        assert!(!document.public_body.contains("Secret"), "{document:#?}");
        assert!(!document.public_body.to_lowercase().contains("internal"));
        assert!(document.internal_body.contains("Secret"), "{document:#?}");
    }
}

#[test]
fn malformed_internal_marker_close_case_exact_marker_and_other_comments() {
    let record = Rec::normal("CHG-1")
        .body("Public.\n<!-- internally reviewed -->\n<!-- see internal wiki -->\n<!-- internal -->\nSecret.\n");
    let portal = portal_with(&[("a.md", &record)]);
    let (flags, _) = check(&portal, LATER);
    assert!(flags.is_empty(), "{flags:#?}");
    let loaded = changeportal::load::load(portal.root()).expect("config loads");
    let document = &loaded.portal.documents[0];
    assert_eq!(
        document.public_body,
        "Public.\n<!-- internally reviewed -->\n<!-- see internal wiki -->\n"
    );
    assert_eq!(document.internal_body, "Secret.\n");
}

#[test]
fn lints_raise_and_remove_levels() {
    let config = format!(
        "{}lints:\n  notice-too-short: deny\n  approver-not-on-board: allow\n",
        common::PORTAL_YAML
    );
    let short = short_notice(Rec::normal("CHG-1"), "2026-01-30T23:59:59Z");
    let outsider = outsider_approval(Rec::normal("CHG-2"));
    let portal = portal_with_config(&config, &[("a.md", &short), ("b.md", &outsider)]);
    let (flags, code) = check(&portal, LATER);
    assert_fires(
        &flags,
        "notice-too-short",
        "deny",
        "a.md",
        (short.line("scheduled:"), 1),
    );
    assert_silent(&flags, "approver-not-on-board");
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(code, 1, "a lint raised to deny fails check");
}

#[test]
fn lints_allow_leaves_exit_code_zero() {
    let config = format!(
        "{}lints:\n  approver-not-on-board: allow\n",
        common::PORTAL_YAML
    );
    let outsider = outsider_approval(Rec::normal("CHG-1"));
    let (flags, code) = check(&portal_with_config(&config, &[("a.md", &outsider)]), LATER);
    assert!(flags.is_empty(), "{flags:#?}");
    assert_eq!(code, 0);
}

#[test]
fn lints_cannot_hide_unreadable_records() {
    let config = format!("{}lints:\n  invalid-record: allow\n", common::PORTAL_YAML);
    let portal = portal_with_config(&config, &[("a.md", &Rec::normal("CHG-1"))]);
    let output = portal.run(&["check", "--format", "json", "--now", LATER]);
    assert_eq!(output.status.code(), Some(2), "{}", common::stderr(&output));
    let flags = parse_flags(&output);
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(flags[0].file, "portal.yaml");
    let line = common::PORTAL_YAML.lines().count() + 2;
    assert_eq!((flags[0].line, flags[0].column), (line, 3), "{flags:#?}");
}

/// `check --format json` with `SOURCE_DATE_EPOCH` set, and `--now` when given.
fn check_with_epoch(portal: &TempPortal, epoch: &str, now: Option<&str>) -> Vec<Reported> {
    let mut command = common::bin();
    command
        .current_dir(portal.root())
        .args(["check", "--format", "json"])
        .env("SOURCE_DATE_EPOCH", epoch);
    if let Some(now) = now {
        command.args(["--now", now]);
    }
    parse_flags(&command.output().expect("run changeportal"))
}

#[test]
fn now_flag_wins_over_source_date_epoch() {
    let record = Rec::emergency("CHG-1").without("review");
    let portal = portal_with(&[("a.md", &record)]);
    // 2026-03-02T00:00:00Z is inside the review window, 2026-03-10 is after it.
    let inside = "1772409600";
    let after = "1773100800";
    let level = |flags: Vec<Reported>| {
        let found = with_code(&flags, "missing-review");
        assert_eq!(found.len(), 1, "{flags:#?}");
        found[0].level.clone()
    };
    assert_eq!(level(check_with_epoch(&portal, inside, None)), "warn");
    assert_eq!(level(check_with_epoch(&portal, after, None)), "deny");
    assert_eq!(
        level(check_with_epoch(&portal, inside, Some("2026-03-10"))),
        "deny"
    );
    assert_eq!(
        level(check_with_epoch(&portal, after, Some("2026-03-02"))),
        "warn"
    );
}

#[test]
fn flags_carry_the_record_id() {
    let record = Rec::normal("CHG-1")
        .set("risk:", "risk: high")
        .without("rollback");
    let (flags, _) = check(&portal_with(&[("a.md", &record)]), LATER);
    assert_eq!(flags.len(), 1, "{flags:#?}");
    assert_eq!(flags[0].record.as_deref(), Some("CHG-1"));
}
